package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.security.Principal;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Photos and minutes files of a meeting. The type is decided by the file's first bytes (JPEG, PNG
 * or PDF), never by its name or the declared content type. The bytes are stored in PostgreSQL
 * ({@code file_content}, {@code file_chunk}: content-addressed by SHA-256, in chunks), so every node
 * serves every file and backups hold them; the name is kept for display only. Files stored under
 * {@code YISHI_DATA_DIR/files} by earlier releases are served from there until {@link AttachmentFiles}
 * has moved them in.
 */
public final class AttachmentService {
  public static final long MAX_BYTES = 10L * 1024 * 1024;
  public static final int MAX_PER_MEETING = 30;
  private final Vertx vertx;
  private final Pool pool;
  private final Path root;
  private final AttachmentContent content;

  private final java.time.ZoneId zone;

  public AttachmentService(Vertx vertx, Pool pool, Path dataDir, java.time.ZoneId zone) {
    this.zone = zone;
    this.vertx = vertx;
    this.pool = pool;
    this.root = dataDir.resolve("files");
    this.content = new PgAttachmentContent(vertx, pool);
  }

  /** The content type the bytes prove, or null for anything else. */
  static String sniff(byte[] head, int n) {
    if (n >= 3 && (head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0xD8 && (head[2] & 0xff) == 0xFF) {
      return "image/jpeg";
    }
    if (n >= 8 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G'
        && head[4] == 0x0D && head[5] == 0x0A && head[6] == 0x1A && head[7] == 0x0A) {
      return "image/png";
    }
    if (n >= 5 && head[0] == '%' && head[1] == 'P' && head[2] == 'D' && head[3] == 'F' && head[4] == '-') {
      return "application/pdf";
    }
    return null;
  }

  /** A display name: the last path segment, control characters and quotes removed, at most 200 characters. */
  static String displayName(String raw) {
    String name = raw == null ? "" : raw.replace('\\', '/');
    name = name.substring(name.lastIndexOf('/') + 1).replaceAll("[\\p{Cntrl}\"<>|:*?]", "").trim();
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      name = "file";
    }
    return name.length() > 200 ? name.substring(0, 200) : name;
  }

  private Path fileFor(String sha256) {
    return root.resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  /**
   * Stores an uploaded file (streamed to a local temporary file by the upload route) for a meeting;
   * 413 over {@link #MAX_BYTES}, 415 for anything but JPEG/PNG/PDF, 409 past {@link #MAX_PER_MEETING}
   * files. The bytes go into PostgreSQL in chunks inside the transaction that adds the attachment
   * row, under a lock on the meeting's row: the limit holds whichever node each upload reaches, and
   * a failure leaves nothing behind. The caller deletes the temporary file.
   */
  public Future<JsonObject> store(Principal actor, long meetingId, Path upload, String filename) {
    return vertx.executeBlocking(() -> {
      long size = Files.size(upload);
      if (size == 0) {
        throw AppException.invalid("file", "field.required");
      }
      if (size > MAX_BYTES) {
        throw new AppException(ErrorKind.TOO_LARGE, "A file may have at most " + (MAX_BYTES / 1024 / 1024) + " MB");
      }
      byte[] head = new byte[8];
      MessageDigest sha;
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      int n;
      try (InputStream in = new DigestInputStream(Files.newInputStream(upload), sha)) {
        n = in.readNBytes(head, 0, head.length);
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      String type = sniff(head, n);
      if (type == null) {
        throw new AppException(ErrorKind.UNSUPPORTED_MEDIA_TYPE, "Only JPEG and PNG photos and PDF files are accepted");
      }
      return new JsonObject().put("type", type).put("size", size).put("sha256", HexFormat.of().formatHex(sha.digest()));
    }, false).compose(file -> pool.withTransaction(tx -> tx.preparedQuery(
                "SELECT division_code FROM meeting WHERE id = $1 FOR UPDATE")
            .execute(Tuple.of(meetingId))
            .compose(m -> {
              if (m.size() == 0) {
                return Future.failedFuture(AppException.notFound("No such meeting"));
              }
              String division = m.iterator().next().getString(0);
              return tx.preparedQuery("SELECT count(*) FROM attachment WHERE meeting_id = $1").execute(Tuple.of(meetingId))
                  .compose(count -> count.iterator().next().getLong(0) >= MAX_PER_MEETING
                      ? Future.failedFuture(AppException.conflict("A meeting has at most " + MAX_PER_MEETING + " files"))
                      : content.put(tx, upload, file.getString("sha256"), file.getLong("size")))
                  .compose(v -> tx.preparedQuery("""
                          INSERT INTO attachment (meeting_id, filename, content_type, size_bytes, sha256, uploaded_by)
                          VALUES ($1, $2, $3, $4, $5, $6) RETURNING id""")
                      .execute(Tuple.of(meetingId, displayName(filename), file.getString("type"), file.getLong("size"),
                          file.getString("sha256"), actor.id())))
                  .compose(rows -> {
                    JsonObject att = new JsonObject().put("id", rows.iterator().next().getLong(0)).put("meetingId", meetingId)
                        .put("filename", displayName(filename)).put("contentType", file.getString("type"))
                        .put("size", file.getLong("size")).put("sha256", file.getString("sha256"));
                    return AuditLog.record(tx, AuditEntry.by(actor, "attachment.upload", "meeting", meetingId,
                        division, null, att)).map(att);
                  });
            })));
  }

  /** The files of a meeting. */
  public Future<JsonArray> list(long meetingId) {
    return pool.preparedQuery("""
            SELECT id, filename, content_type, size_bytes, sha256, uploaded_at FROM attachment WHERE meeting_id = $1 ORDER BY id""")
        .execute(Tuple.of(meetingId))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("id", r.getLong(0)).put("filename", r.getString(1))
              .put("contentType", r.getString(2)).put("size", r.getLong(3)).put("sha256", r.getString(4))
              .put("uploadedAt", org.yishi.platform.Times.iso(r.getOffsetDateTime(5), zone))));
          return out;
        });
  }

  /** What a download needs to know of one file of a meeting. */
  public record StoredFile(String filename, String contentType, long size, String sha256, int chunkBytes, Path legacyPath) {
    /** Whether the bytes are in the database (else, for a file stored before this release, on this node's disk). */
    public boolean inDatabase() {
      return chunkBytes > 0;
    }
  }

  /** One file of a meeting, or null when the meeting has no such file. */
  public Future<StoredFile> find(long meetingId, long attachmentId) {
    return pool.preparedQuery("""
            SELECT a.filename, a.content_type, a.size_bytes, a.sha256, coalesce(c.chunk_bytes, 0)
              FROM attachment a LEFT JOIN file_content c ON c.sha256 = a.sha256
             WHERE a.id = $1 AND a.meeting_id = $2""")
        .execute(Tuple.of(attachmentId, meetingId))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          return new StoredFile(r.getString(0), r.getString(1), r.getLong(2), r.getString(3), r.getInteger(4),
              fileFor(r.getString(3)));
        });
  }

  /** Writes bytes {@code from} to {@code to} (inclusive) of a stored file to {@code out}. */
  public Future<Void> copyRange(StoredFile file, long from, long to, WriteStream<Buffer> out) {
    return content.copyRange(file, from, to, out);
  }
}
