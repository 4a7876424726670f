package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.yishi.meeting.AttachmentService.StoredFile;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Attachment bytes in PostgreSQL: one {@code file_content} row per distinct content and its bytes
 * in {@code file_chunk} rows of {@link #CHUNK_BYTES} (V21).
 */
final class PgAttachmentContent implements AttachmentContent {
  /** The size of the chunks the bytes are stored in. */
  static final int CHUNK_BYTES = 256 * 1024;
  private final Vertx vertx;
  private final Pool pool;

  PgAttachmentContent(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  /**
   * Writes the content's chunks unless the same content is stored already (by this transaction's
   * snapshot, or by a concurrent upload of the same bytes: its insert waits for that one to end).
   */
  @Override
  public Future<Void> put(SqlConnection tx, Path upload, String sha256, long size) {
    return tx.preparedQuery("""
            INSERT INTO file_content (sha256, size_bytes, chunk_bytes) VALUES ($1, $2, $3)
            ON CONFLICT (sha256) DO NOTHING RETURNING sha256""")
        .execute(Tuple.of(sha256, size, CHUNK_BYTES))
        .compose(inserted -> inserted.size() == 0 ? Future.<Void>succeededFuture() : writeChunks(tx, upload, sha256, size, 0));
  }

  /** One chunk after the other, each read from the temporary file on a worker thread (plain NIO). */
  private Future<Void> writeChunks(SqlConnection tx, Path upload, String sha256, long size, int seq) {
    long position = (long) seq * CHUNK_BYTES;
    if (position >= size) {
      return Future.succeededFuture();
    }
    int length = (int) Math.min(CHUNK_BYTES, size - position);
    return vertx.executeBlocking(() -> {
          ByteBuffer buf = ByteBuffer.allocate(length);
          try (FileChannel ch = FileChannel.open(upload, StandardOpenOption.READ)) {
            while (buf.hasRemaining() && ch.read(buf, position + buf.position()) > 0) {
              // reads until the chunk is full or the file ends
            }
          }
          return Buffer.buffer(buf.array()).slice(0, buf.position());
        }, false)
        .compose(chunk -> {
          if (chunk.length() != length) {
            return Future.failedFuture(new IllegalStateException("the upload's temporary file changed while it was stored"));
          }
          return tx.preparedQuery("INSERT INTO file_chunk (sha256, seq, data) VALUES ($1, $2, $3)")
              .execute(Tuple.of(sha256, seq, chunk));
        })
        .compose(v -> writeChunks(tx, upload, sha256, size, seq + 1));
  }

  /**
   * Writes bytes {@code from} to {@code to} (inclusive) of a stored file to {@code out}, chunk by
   * chunk: while one chunk goes to the socket the next is read, and no further one until that write
   * is done, so a download holds at most two chunks however slow the client.
   */
  @Override
  public Future<Void> copyRange(StoredFile file, long from, long to, WriteStream<Buffer> out) {
    return from > to ? Future.succeededFuture() : copyFrom(file, from, to, out, readPart(file, from, to));
  }

  private Future<Void> copyFrom(StoredFile file, long from, long to, WriteStream<Buffer> out, Future<Buffer> current) {
    return current.compose(part -> {
      long next = from + part.length();
      Future<Buffer> prefetch = next > to ? null : readPart(file, next, to);
      Future<Void> written = out.write(part);
      return prefetch == null ? written : written.compose(v -> copyFrom(file, next, to, out, prefetch));
    });
  }

  /** The bytes from {@code from} to the end of its chunk, or to {@code to} when that comes first. */
  private Future<Buffer> readPart(StoredFile file, long from, long to) {
    int chunk = file.chunkBytes();
    int seq = (int) (from / chunk);
    int offset = (int) (from - (long) seq * chunk);
    int length = (int) Math.min(chunk - offset, to - from + 1);
    return pool.preparedQuery("SELECT substring(data FROM $3 FOR $4) FROM file_chunk WHERE sha256 = $1 AND seq = $2")
        .execute(Tuple.of(file.sha256(), seq, offset + 1, length))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(new IllegalStateException("chunk " + seq + " of " + file.sha256() + " is missing"))
            : Future.succeededFuture(rows.iterator().next().getBuffer(0)));
  }
}
