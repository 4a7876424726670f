#!/usr/bin/env bash
# scripts/backup.sh [--url postgresql://… | --data-dir DIR] [--files DIR] OUT
# An online, consistent backup of Yishi into OUT (a new or empty directory), taken by the jar
# itself (`java -jar target/yishi.jar backup`): nothing but the JDK is needed, no pg_dump.
#   OUT/tables/*.copy.gz  every table's rows, all read in one REPEATABLE READ snapshot
#   OUT/manifest.tsv      for every table: rows and an MD5 of its rows, in that same snapshot
#   OUT/files/            the meeting attachments the snapshot names (content-addressed)
#   OUT/backup.properties schema version, server version, time, totals
#   OUT/SHA256SUMS        the SHA-256 of every file (written last; `sha256sum -c SHA256SUMS` checks it)
# The database: --url (default YISHI_PG_URL) for an external server, else the embedded one of the
# node whose data directory is --data-dir (default YISHI_DATA_DIR, else ./data; the database of
# scripts/cluster.sh is under ./data/cluster/db). A running embedded database is read while the
# nodes go on writing; a stopped one is started for the time of the backup.
# Exit status: 0 done, 2 refused (usage, OUT not empty, no database), 1 failed (the partial backup
# is removed, e.g. when the disk fills).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir)
      d="${2:?--data-dir needs a value}"
      # the database of scripts/cluster.sh lives one level down
      if [ ! -f "$d/pg/PG_VERSION" ] && [ -f "$d/cluster/db/pg/PG_VERSION" ]; then d="$d/cluster/db"; fi
      args+=(--data-dir "$d"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ -z "${YISHI_PG_URL:-}" ] && [[ " ${args[*]:-} " != *" --data-dir "* ]] && [[ " ${args[*]:-} " != *" --url "* ]]; then
  d="${YISHI_DATA_DIR:-./data}"
  if [ ! -f "$d/pg/PG_VERSION" ] && [ -f "$d/cluster/db/pg/PG_VERSION" ]; then args+=(--data-dir "$d/cluster/db"); fi
fi
ensure_jar >&2
exec java ${YISHI_JAVA_OPTS:-} -jar "$YISHI_JAR" backup "${args[@]}"
