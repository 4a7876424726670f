-- Attachments live in PostgreSQL: every node reads them, backups hold them, losing a node's disk
-- loses nothing. Content-addressed (one row per distinct content, named by its SHA-256), the bytes
-- in chunks of at most 256 KiB, so that neither an upload nor a download (Range requests included)
-- holds a whole file in memory. attachment.sha256 names the content; rows made before this release
-- (files under YISHI_DATA_DIR/files) are moved in by each node at start (AttachmentFiles).
CREATE TABLE file_content (
  sha256      text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes  bigint NOT NULL CHECK (size_bytes > 0),
  chunk_bytes integer NOT NULL CHECK (chunk_bytes > 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE file_chunk (
  sha256 text NOT NULL REFERENCES file_content (sha256) ON DELETE CASCADE,
  seq    integer NOT NULL CHECK (seq >= 0),
  data   bytea NOT NULL,
  PRIMARY KEY (sha256, seq)
);
-- photos and PDFs are compressed already: store the chunks without trying again
ALTER TABLE file_chunk ALTER COLUMN data SET STORAGE EXTERNAL;
