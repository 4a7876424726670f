package org.yishi.meeting;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.logging.Logger;

/**
 * Moves attachments that earlier releases kept as files on one node's disk
 * ({@code YISHI_DATA_DIR/files/xx/SHA256}) into the database. Every node runs it at start over its
 * own directory, so once each node has been started with this release every file is in; a file
 * named by the database that no node has is reported, never invented. Idempotent: content already
 * in the database is skipped, a file whose bytes do not match its name is left where it is.
 */
public final class AttachmentFiles {
  private static final Logger LOG = Logger.getLogger(AttachmentFiles.class.getName());

  private AttachmentFiles() {
  }

  /** What a run moved and what it could not find. */
  public record Report(int moved, List<String> notHere, List<String> damaged) {
    @Override
    public String toString() {
      return moved + " file(s) moved into the database; " + notHere.size() + " named by the database not on this node"
          + (damaged.isEmpty() ? "" : "; " + damaged.size() + " whose bytes do not match their name (left in place)");
    }
  }

  /** Moves the files under {@code filesDir} that attachment rows name and the database lacks. Blocking. */
  public static Report moveIn(Connection c, Path filesDir) throws SQLException, IOException {
    List<String> wanted = new ArrayList<>();
    try (var st = c.createStatement(); ResultSet rs = st.executeQuery("""
        SELECT DISTINCT a.sha256 FROM attachment a
         WHERE NOT EXISTS (SELECT 1 FROM file_content f WHERE f.sha256 = a.sha256) ORDER BY 1""")) {
      while (rs.next()) {
        wanted.add(rs.getString(1));
      }
    }
    int moved = 0;
    List<String> notHere = new ArrayList<>();
    List<String> damaged = new ArrayList<>();
    for (String sha : wanted) {
      Path file = filesDir.resolve(sha.substring(0, 2)).resolve(sha);
      if (!Files.isRegularFile(file)) {
        notHere.add(sha);
        continue;
      }
      if (!sha.equals(sha256(file))) {
        damaged.add(sha);
        continue;
      }
      moved += insert(c, sha, file) ? 1 : 0;
    }
    return new Report(moved, notHere, damaged);
  }

  /** Runs {@link #moveIn} and logs its report when there was anything to do. */
  public static void moveInAndLog(Connection c, Path filesDir) {
    try {
      Report r = moveIn(c, filesDir);
      if (r.moved() + r.notHere().size() + r.damaged().size() > 0) {
        LOG.info("Attachments stored by earlier releases under " + filesDir + ": " + r
            + (r.notHere().isEmpty() ? "" : " (start the other nodes with this release to move theirs)"));
      }
    } catch (SQLException | IOException e) {
      LOG.warning("Attachments under " + filesDir + " could not be moved into the database: " + e.getMessage()
          + " (they are served from this node meanwhile; the next start tries again)");
    }
  }

  private static boolean insert(Connection c, String sha, Path file) throws SQLException, IOException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      long size = Files.size(file);
      try (PreparedStatement ps = c.prepareStatement("""
          INSERT INTO file_content (sha256, size_bytes, chunk_bytes) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING""")) {
        ps.setString(1, sha);
        ps.setLong(2, size);
        ps.setInt(3, PgAttachmentContent.CHUNK_BYTES);
        if (ps.executeUpdate() == 0) {
          c.rollback();
          return false; // another node moved the same content in meanwhile
        }
      }
      try (InputStream in = Files.newInputStream(file);
           PreparedStatement ps = c.prepareStatement("INSERT INTO file_chunk (sha256, seq, data) VALUES (?, ?, ?)")) {
        byte[] buf = new byte[PgAttachmentContent.CHUNK_BYTES];
        for (int seq = 0; ; seq++) {
          int n = in.readNBytes(buf, 0, buf.length);
          if (n == 0) {
            break;
          }
          ps.setString(1, sha);
          ps.setInt(2, seq);
          ps.setBytes(3, n == buf.length ? buf : java.util.Arrays.copyOf(buf, n));
          ps.executeUpdate();
        }
      }
      c.commit();
      return true;
    } catch (SQLException | IOException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
