#!/usr/bin/env bash
# scripts/restore.sh BACKUP (--data-dir NEW_DATA_DIR | --url postgresql://… [--files DIR])
# Restores a backup made by scripts/backup.sh, then checks it; exit 0 only when the check passes.
#   --data-dir DIR  a fresh node's data directory (DIR/pg must not exist yet): the embedded database
#                   is created there, restored and stopped; start the node with YISHI_DATA_DIR=DIR.
#                   Attachments go to DIR/files.
#   --url URL       an external database that is empty (no tables): restored in place; attachments go
#                   to --files DIR (copy that directory to every node's YISHI_DATA_DIR/files).
# The check: every table's row count and row checksum equal the backup's manifest (taken in the
# dump's own snapshot); the statistics roll-up equals what stats_rebuild() computes from the
# restored raw rows; every attachment's file is there with its SHA-256.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() { echo "usage: scripts/restore.sh BACKUP (--data-dir NEW_DATA_DIR | --url URL [--files DIR])" >&2; exit 2; }
backup=""; data_dir=""; url=""; files=""
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) data_dir="${2:?}"; shift 2 ;;
    --url) url="${2:?}"; shift 2 ;;
    --files) files="${2:?}"; shift 2 ;;
    -*) usage ;;
    *) [ -z "$backup" ] || usage; backup="$1"; shift ;;
  esac
done
[ -n "$backup" ] && { [ -n "$data_dir" ] || [ -n "$url" ]; } && ! { [ -n "$data_dir" ] && [ -n "$url" ]; } || usage
[ -f "$backup/db.dump" ] && [ -f "$backup/manifest.tsv" ] || { echo "restore: $backup is not a backup (db.dump, manifest.tsv)" >&2; exit 2; }
major="$(sed -n 's/^server \([0-9]*\)\..*/\1/p' "$backup/info.txt")"
bin="$(bash "$YISHI_HOME/scripts/pg-client.sh" "${major:-17}")"
db_pid=""
cleanup() {
  if [ -n "$db_pid" ]; then
    kill -TERM "$db_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$db_pid" 2>/dev/null || break; sleep 0.5; done
  fi
}
trap cleanup EXIT

if [ -n "$data_dir" ]; then
  [ ! -e "$data_dir/pg" ] || { echo "restore: $data_dir/pg exists: restore into a fresh data directory" >&2; exit 2; }
  ensure_jar
  mkdir -p "$data_dir"
  YISHI_DATA_DIR="$data_dir" YISHI_PG_EMBEDDED_PORT=0 YISHI_PG_URL="" YISHI_PG_EMBEDDED_LISTEN=127.0.0.1 \
    java ${YISHI_JAVA_OPTS:-} -jar "$YISHI_JAR" db >"$data_dir/restore-db.log" 2>&1 &
  db_pid=$!
  for _ in $(seq 1 240); do
    url="$(sed -n 's/^Yishi database is running: \(postgresql:[^ ]*\).*/\1/p' "$data_dir/restore-db.log")"
    [ -n "$url" ] && break
    kill -0 "$db_pid" 2>/dev/null || { echo "restore: the database did not start:" >&2; tail -5 "$data_dir/restore-db.log" >&2; exit 1; }
    sleep 0.5
  done
  [ -n "$url" ] || { echo "restore: the database did not start in 120 s" >&2; exit 1; }
  files="$data_dir/files"
fi

psql() { PGOPTIONS="-c TimeZone=UTC" "$bin/psql" -X -q -At -v ON_ERROR_STOP=1 "$url" "$@"; }
existing="$(psql -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")"
[ "$existing" = 0 ] || { echo "restore: the target database $(redact "$url") is not empty ($existing tables)" >&2; exit 2; }

echo "Restoring $backup ($(head -1 "$backup/info.txt")) into $(redact "$url") ..."
"$bin/pg_restore" --exit-on-error --single-transaction --no-owner --no-privileges --dbname="$url" "$backup/db.dump"
if [ -f "$backup/files.tar" ]; then
  [ -n "$files" ] || { echo "restore: the backup has attachments: name their directory with --files DIR" >&2; exit 2; }
  mkdir -p "$files"
  tar -C "$files" -xf "$backup/files.tar"
fi

echo "Checking ..."
failures=0
psql -c "$(manifest_sql)" >"$backup/.restored.tsv.$$"
if diff <(cut -f1,2 "$backup/manifest.tsv") <(cut -f1,2 "$backup/.restored.tsv.$$") >/dev/null \
   && diff "$backup/manifest.tsv" "$backup/.restored.tsv.$$" >/dev/null; then
  echo "  tables: $(wc -l <"$backup/manifest.tsv") tables, $(awk -F'\t' '{s += $2} END {print s + 0}' "$backup/manifest.tsv") rows, counts and row checksums equal the backup's"
else
  echo "  tables: DIFFERENT from the backup (table, rows, checksum: < backup, > restored):"
  diff "$backup/manifest.tsv" "$backup/.restored.tsv.$$" | sed 's/^/    /' || true
  failures=$((failures + 1))
fi
rm -f "$backup/.restored.tsv.$$"
if [ "$(psql -c "SELECT count(*) FROM pg_proc WHERE proname = 'stats_rebuild'")" != 0 ]; then
  sums="$(psql <<'SQL'
BEGIN;
SELECT md5(coalesce(string_agg(s::text, E'\n' ORDER BY s::text), '')) FROM stats_station_month s;
SELECT stats_rebuild() >= 0;
SELECT md5(coalesce(string_agg(s::text, E'\n' ORDER BY s::text), '')) FROM stats_station_month s;
ROLLBACK;
SQL
)"
  before="$(sed -n 1p <<<"$sums")"; after="$(sed -n 3p <<<"$sums")"
  if [ -n "$before" ] && [ "$before" = "$after" ]; then
    echo "  statistics: the restored roll-up equals stats_rebuild() over the restored rows ($(psql -c "SELECT count(*) FROM stats_station_month") station-months)"
  else
    echo "  statistics: the restored roll-up DIFFERS from stats_rebuild() ($before vs $after)"
    failures=$((failures + 1))
  fi
fi
if [ "$(psql -c "SELECT count(*) FROM pg_class WHERE relname = 'attachment' AND relkind = 'r'")" != 0 ]; then
  missing=0; count=0
  while read -r sha; do
    [ -n "$sha" ] || continue
    count=$((count + 1))
    f="$files/${sha:0:2}/$sha"
    if [ ! -f "$f" ] || [ "$(sha256sum "$f" | cut -d' ' -f1)" != "$sha" ]; then missing=$((missing + 1)); fi
  done < <(psql -c "SELECT DISTINCT sha256 FROM attachment")
  if [ "$missing" = 0 ]; then
    echo "  attachments: $count file(s), each present with its SHA-256"
  else
    echo "  attachments: $missing of $count file(s) missing or damaged under ${files:-?}"
    failures=$((failures + 1))
  fi
fi
if [ "$failures" != 0 ]; then
  echo "Restore check FAILED ($failures problem(s))"
  exit 1
fi
echo "Restore check passed.${data_dir:+ Start the node with YISHI_DATA_DIR=$data_dir.}"
