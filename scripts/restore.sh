#!/usr/bin/env bash
# scripts/restore.sh BACKUP (--data-dir NEW_DATA_DIR | --url postgresql://… [--files DIR])
# Restores a backup made by scripts/backup.sh, then checks it; exit 0 only when the check passes.
# Done by the jar itself (`java -jar target/yishi.jar restore`): nothing but the JDK is needed.
#   --data-dir DIR  a new or empty data directory: the embedded database is created there, the
#                   schema is made by this jar's migrations up to the backup's version, the rows are
#                   loaded, the database is stopped; start the node with YISHI_DATA_DIR=DIR.
#                   Attachments go to DIR/files.
#   --url URL       an external database that is empty (no tables): restored in place; attachments go
#                   to --files DIR (copy that directory to every node's YISHI_DATA_DIR/files).
# Before anything is written: every file's SHA-256 (a truncated or edited backup is refused), the
# format, and a schema version this jar knows (a backup of a newer release is refused).
# The check after: every table's row count and row checksum equal the backup's manifest; the
# statistics roll-up equals what stats_rebuild() computes from the restored rows; every attachment
# is there with its SHA-256. Exit status: 0 passed, 2 refused (nothing written), 1 failed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_jar >&2
exec java ${YISHI_JAVA_OPTS:-} -jar "$YISHI_JAR" restore "$@"
