#!/usr/bin/env bash
# scripts/backup.sh [--url postgresql://… | --data-dir DIR] [--files DIR] OUT
# An online, consistent backup of Yishi into the new directory OUT:
#   OUT/db.dump       pg_dump custom format (pg_restore reads it), taken in one snapshot
#   OUT/manifest.tsv  for every table: rows and an MD5 of its rows, in that same snapshot
#   OUT/files.tar     the meeting attachments (YISHI_DATA_DIR/files), when there are any
#   OUT/info.txt      server version, schema version, time
# The database: --url (default YISHI_PG_URL) for an external server, else the embedded one of the
# node whose data directory is --data-dir (default YISHI_DATA_DIR, else ./data; the database of
# scripts/cluster.sh is under ./data/cluster/db); it must be running (the node, or `yishi.jar db`).
# Writes go on during the backup: the dump and the manifest see the same snapshot.
# pg_dump must be of the server's major version (17 for the embedded database; Debian 12's pg_dump
# is 15 and refuses a 17 server): scripts/pg-client.sh finds or builds it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() { echo "usage: scripts/backup.sh [--url URL | --data-dir DIR] [--files DIR] OUT" >&2; exit 2; }
url="${YISHI_PG_URL:-}"; data_dir=""; files=""; out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --url) url="${2:?}"; shift 2 ;;
    --data-dir) data_dir="${2:?}"; url=""; shift 2 ;;
    --files) files="${2:?}"; shift 2 ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) [ -z "$out" ] || usage; out="$1"; shift ;;
  esac
done
[ -n "$out" ] || usage
[ ! -e "$out" ] || { echo "backup: $out already exists" >&2; exit 2; }

if [ -z "$url" ]; then
  data_dir="${data_dir:-${YISHI_DATA_DIR:-./data}}"
  [ -f "$data_dir/pg/PG_VERSION" ] || { [ -f "$data_dir/cluster/db/pg/PG_VERSION" ] && data_dir="$data_dir/cluster/db"; }
  url="$(embedded_url "$data_dir")" || exit 1
  files="${files:-$data_dir/files}"
fi
major="$(server_major "$url")" || exit 1
bin="$(bash "$YISHI_HOME/scripts/pg-client.sh" "$major")"

mkdir -p "$out"
echo "Backing up $(redact "$url") (PostgreSQL $major) into $out ..."
# One session holds a repeatable-read snapshot and exports it: pg_dump and the row counts use it.
coproc SNAP { PGOPTIONS="-c TimeZone=UTC" "$bin/psql" -X -q -At -v ON_ERROR_STOP=1 "$url" 2>&1; }
echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();" >&"${SNAP[1]}"
read -r -t 30 snapshot <&"${SNAP[0]}" || { echo "backup: cannot open a snapshot" >&2; exit 1; }
[[ "$snapshot" =~ ^[0-9A-F-]+$ ]] || { echo "backup: $snapshot" >&2; exit 1; }
"$bin/pg_dump" --snapshot="$snapshot" --format=custom --no-owner --no-privileges --file="$out/db.dump" "$url"
printf '%s\n\\echo __end__\n' "$(manifest_sql)" >&"${SNAP[1]}"
while read -r -t 600 line <&"${SNAP[0]}"; do
  [ "$line" = "__end__" ] && break
  printf '%s\n' "$line" >>"$out/manifest.tsv"
done
echo "SELECT current_setting('server_version') || ' schema ' || coalesce((SELECT max(version) FROM flyway_schema_history WHERE success), '?'); COMMIT;" >&"${SNAP[1]}"
read -r -t 30 info <&"${SNAP[0]}"
exec {SNAP[1]}>&-
wait "$SNAP_PID" 2>/dev/null || true
{ echo "server $info"; echo "taken $(date -u +%Y-%m-%dT%H:%M:%SZ)"; echo "pg_dump $("$bin/pg_dump" --version)"; } >"$out/info.txt"

if [ -n "$files" ] && [ -d "$files" ]; then
  tar -C "$files" -cf "$out/files.tar" .
fi
tables="$(wc -l <"$out/manifest.tsv")"
rows="$(awk -F'\t' '{s += $2} END {print s + 0}' "$out/manifest.tsv")"
echo "Backup done: $tables tables, $rows rows, $(du -sh "$out" | cut -f1) in $out (PostgreSQL $info)"
