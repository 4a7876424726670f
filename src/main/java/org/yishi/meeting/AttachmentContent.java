package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import io.vertx.sqlclient.SqlConnection;

import java.nio.file.Path;

/**
 * Where the bytes of attachments live, content-addressed by their SHA-256, read and written a part
 * at a time so that no file sits whole in memory. The one implementation keeps them in PostgreSQL
 * ({@link PgAttachmentContent}), where every node reads them and backups hold them; an object store
 * would be a second one.
 */
interface AttachmentContent {
  /**
   * Stores the bytes of {@code file} (of {@code size} bytes, hashing to {@code sha256}) as part of
   * the transaction {@code tx}, unless the same content is stored already.
   */
  Future<Void> put(SqlConnection tx, Path file, String sha256, long size);

  /** Writes bytes {@code from} to {@code to} (inclusive) of a stored file to {@code out}. */
  Future<Void> copyRange(AttachmentService.StoredFile file, long from, long to, WriteStream<Buffer> out);
}
