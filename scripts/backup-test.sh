#!/usr/bin/env bash
# scripts/backup-test.sh: back up a running node with data while it takes writes, restore into a
# fresh node (fresh data directory), and find every record there.
#   1 node A: embedded database, demo city, plus a topic and an attachment made through the API
#   2 scripts/backup.sh of A's database while a client keeps creating topics on A
#   3 A stops; scripts/restore.sh into a new data directory (its own check: every table's rows and
#     checksum, roll-up = stats_rebuild, attachment files)
#   4 node B starts on the restored directory: the topic, the attachment's bytes, the accounts
#     (sign-in) and every topic acknowledged before the backup's snapshot are there
#   5 bad input: a non-empty backup directory, an edited, a truncated and a too new backup, a
#     non-empty data directory, a disk that fills: each refused with its message, nothing written
# Prints counts; exit 0 = pass, 1 = fail. Bounded (~2 minutes); cleans up on exit.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/test-lib.sh"
cd "$YISHI_HOME"
ensure_jar
WORK="$(mktemp -d /tmp/yishi-backup-test.XXXXXX)"
writer=""
cleanup() {
  local rc=$?
  set +e
  [ -n "$writer" ] && kill "$writer" 2>/dev/null
  mountpoint -q "$WORK/small" 2>/dev/null && umount "$WORK/small"
  stop_all_nodes
  [ "$rc" != 0 ] || [ "$FAILS" != 0 ] && for f in "$WORK"/*.log; do echo "--- $f"; tail -15 "$f"; done
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

jqe() { jq -e "$@" >/dev/null; }
node_env() { # DATA_DIR HTTP_PORT
  local hz; hz="$(free_port)"
  echo YISHI_DATA_DIR="$1" YISHI_HTTP_PORT="$2" YISHI_CLUSTER_PORT="$hz" YISHI_CLUSTER_MEMBERS="127.0.0.1:$hz" \
    YISHI_CLUSTER_NAME="yishi-backup-$$" YISHI_DEMO=true YISHI_ADMIN_PASSWORD=backup-admin YISHI_HTTP_INSTANCES=1 \
    YISHI_PASSWORD_ITERATIONS=1000 YISHI_HTTP_SHUTDOWN_GRACE=5 YISHI_PG_EMBEDDED_PORT=0
}

# ---- 1: node A with data
PORT_A="$(free_port)"; A="http://127.0.0.1:$PORT_A"
# shellcheck disable=SC2046
start_node a "$YISHI_JAR" "$WORK/a.log" $(node_env "$WORK/a" "$PORT_A")
wait_members "$A" 1 180 || { fail "node A did not start"; exit 1; }
T="$(token "$A" demo-coordinator yishi-demo)"
STATION="$(api "$A" "$T" GET /api/v1/stations | cut -d' ' -f2- | jq -r '.items[0].id')"
r="$(api "$A" "$T" POST /api/v1/topics "{\"stationId\":$STATION,\"title\":\"备份前的议题-$$\",\"category\":\"ecology\",\"source\":\"member\",\"description\":\"<script>alert(1)</script> 与 '引号'\"}")"
check "topic created on A" test "${r%% *}" = 201
TOPIC="$(echo "${r#* }" | jq -r .id)"
MEETING="$(api "$A" "$T" GET "/api/v1/meetings?from=$(date -u -d '-380 days' +%Y-%m-%dT00:00:00Z)&to=$(date -u -d '+10 days' +%Y-%m-%dT00:00:00Z)" \
  | cut -d' ' -f2- | jq -r '.items[0].id')"
[ "$MEETING" != null ] || { fail "the demo coordinator has no meeting to attach a photo to"; exit 1; }
{ echo iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg== | base64 -d; head -c 512 /dev/urandom; } >"$WORK/photo.png"
SHA="$(sha256sum "$WORK/photo.png" | cut -d' ' -f1)"
r="$(curl -sS --max-time 30 -X POST -H "Authorization: Bearer $T" -H 'Content-Type: image/png' --data-binary "@$WORK/photo.png" \
  "$A/api/v1/attachments?meetingId=$MEETING&name=%E7%8E%B0%E5%9C%BA.png" -w ' %{http_code}')"
check "attachment uploaded to meeting $MEETING on A" test "${r##* }" = 201

# ---- 2: backup while a client keeps writing
# the writer goes on until the backup has ended (at most 2,000 topics), so the snapshot falls inside it
( for i in $(seq 1 2000); do
    [ -e "$WORK/backup-done" ] && [ "$i" -gt 20 ] && break
    c="$(api "$A" "$T" POST /api/v1/topics "{\"stationId\":$STATION,\"title\":\"并发写入-$$-$i\",\"category\":\"ecology\",\"source\":\"member\"}")"
    [ "${c%% *}" = 201 ] && echo "并发写入-$$-$i" >>"$WORK/acked.txt"
  done ) &
writer=$!
for _ in $(seq 1 100); do [ -s "$WORK/acked.txt" ] && [ "$(wc -l <"$WORK/acked.txt")" -ge 10 ] && break; sleep 0.1; done
check "backup.sh while writes go on" bash scripts/backup.sh --data-dir "$WORK/a" "$WORK/backup"
touch "$WORK/backup-done"
wait "$writer"; writer=""
ACKED="$(wc -l <"$WORK/acked.txt")"
IN_BACKUP="$(awk -F'\t' '$1 == "topic" {print $2}' "$WORK/backup/manifest.tsv")"
log "backup: $(wc -l <"$WORK/backup/manifest.tsv") tables, $(awk -F'\t' '{s += $2} END {print s}' "$WORK/backup/manifest.tsv") rows, topics $IN_BACKUP; $ACKED concurrent writes acknowledged"
stop_node a
check "backup.sh of a stopped node's data directory (its database is started for the backup)" \
  bash scripts/backup.sh --data-dir "$WORK/a" "$WORK/backup-stopped"
check "the stopped node's backup holds every acknowledged topic ($ACKED written during the first backup)" \
  test "$(awk -F'\t' '$1 == "topic" {print $2}' "$WORK/backup-stopped/manifest.tsv")" -ge "$((IN_BACKUP))"

# ---- 3: restore into a fresh data directory
check "restore.sh into a fresh data directory, its check passes" bash scripts/restore.sh "$WORK/backup" --data-dir "$WORK/b"

# ---- 4: node B on the restored data finds every record
PORT_B="$(free_port)"; B="http://127.0.0.1:$PORT_B"
# shellcheck disable=SC2046
start_node b "$YISHI_JAR" "$WORK/b.log" $(node_env "$WORK/b" "$PORT_B")
wait_members "$B" 1 180 || { fail "node B did not start on the restored data"; exit 1; }
TB="$(token "$B" demo-coordinator yishi-demo)"
check "the demo accounts sign in on B" test -n "$TB" -a "$TB" != null
api "$B" "$TB" GET "/api/v1/topics/$TOPIC" | cut -d' ' -f2- >"$WORK/topic.json"
check "B returns the topic made before the backup, text intact" \
  jqe --arg t "备份前的议题-$$" '.title == $t and .description == "<script>alert(1)</script> 与 '"'"'引号'"'"'"' "$WORK/topic.json"
api "$B" "$TB" GET "/api/v1/meetings/$MEETING/attachments" | cut -d' ' -f2- >"$WORK/attachments.json"
check "B lists the attachment with its SHA-256" jqe --arg s "$SHA" '[.. | objects | select(.sha256? == $s)] | length == 1' "$WORK/attachments.json"
ATT_ID="$(jq -r --arg s "$SHA" '[.. | objects | select(.sha256? == $s)][0].id' "$WORK/attachments.json")"
curl -sS --max-time 30 -H "Authorization: Bearer $TB" -o "$WORK/photo-from-b.png" "$B/api/v1/meetings/$MEETING/attachments/$ATT_ID"
check "B serves the attachment's bytes (from the restored database)" cmp -s "$WORK/photo.png" "$WORK/photo-from-b.png"
TADMIN="$(token "$B" admin backup-admin)"
TOTAL_B="$(api "$B" "$TADMIN" GET "/api/v1/topics?size=1" | cut -d' ' -f2- | jq -r .total)"
check "B shows as many topics as the backup holds ($TOTAL_B = $IN_BACKUP)" test "$TOTAL_B" = "$IN_BACKUP"
restored_concurrent="$(api "$B" "$TADMIN" GET "/api/v1/topics?q=%E5%B9%B6%E5%8F%91%E5%86%99%E5%85%A5-$$&size=100" | cut -d' ' -f2- | jq -r .total)"
log "concurrent writes: $ACKED acknowledged during the backup, $restored_concurrent inside its snapshot"
: >"$WORK/restored-titles.txt"
for page in $(seq 1 $(( (restored_concurrent + 99) / 100 ))); do
  api "$B" "$TADMIN" GET "/api/v1/topics?q=%E5%B9%B6%E5%8F%91%E5%86%99%E5%85%A5-$$&size=100&page=$page" | cut -d' ' -f2- \
    | jq -r '.items[].title' >>"$WORK/restored-titles.txt"
done
sort -o "$WORK/restored-titles.txt" "$WORK/restored-titles.txt"
head -n "$restored_concurrent" "$WORK/acked.txt" | sort >"$WORK/expected-titles.txt"
check "the snapshot holds exactly the first $restored_concurrent acknowledged concurrent writes, some but not all" \
  bash -c "[ $restored_concurrent -ge 10 ] && [ $restored_concurrent -lt $ACKED ] && cmp -s '$WORK/restored-titles.txt' '$WORK/expected-titles.txt'"

check "the backup's SHA256SUMS checks with sha256sum -c" bash -c "cd '$WORK/backup' && sha256sum --quiet -c SHA256SUMS"

# ---- bad input: each refused with a clear message and a non-zero exit, nothing written
refused() { # WHAT EXPECTED_STATUS MESSAGE_PART COMMAND...: the command exits with the status and says the message
  local what="$1" want="$2" msg="$3" rc=0; shift 3
  "$@" >"$WORK/refused.out" 2>&1 || rc=$?
  if [ "$rc" = "$want" ] && grep -q -- "$msg" "$WORK/refused.out"; then log "ok: $what (exit $rc: $(grep -m1 -- "$msg" "$WORK/refused.out"))"
  else fail "$what: exit $rc, wanted $want and '$msg':"; sed 's/^/    /' "$WORK/refused.out"; fi
}
resum() { (cd "$1" && find . -type f ! -name SHA256SUMS | sed 's#^\./##' | sort | xargs sha256sum >SHA256SUMS); }
mkdir -p "$WORK/full" && echo keep >"$WORK/full/mine.txt"
refused "backup into a directory that is not empty" 2 "is not empty" bash scripts/backup.sh --data-dir "$WORK/b" "$WORK/full"
check "the non-empty directory is untouched" bash -c "[ \"\$(ls '$WORK/full')\" = mine.txt ] && [ \"\$(cat '$WORK/full/mine.txt')\" = keep ]"

cp -r "$WORK/backup" "$WORK/edited"
awk -F'\t' -v OFS='\t' '$1 == "topic" {$2 = $2 + 1} {print}' "$WORK/backup/manifest.tsv" >"$WORK/edited/manifest.tsv"
refused "restore refuses an edited backup (checksum mismatch)" 2 "manifest.tsv does not match its checksum" \
  bash scripts/restore.sh "$WORK/edited" --data-dir "$WORK/c"
check "nothing was created for the refused restore" test ! -e "$WORK/c"
# the same edit with its checksums recomputed: the restore's own check must catch the difference
resum "$WORK/edited"
refused "restore's check finds a manifest that disagrees with the rows" 1 "DIFFERENT" \
  bash scripts/restore.sh "$WORK/edited" --data-dir "$WORK/c"
check "the failed restore leaves its data directory removed" test ! -e "$WORK/c"

cp -r "$WORK/backup" "$WORK/truncated"
f="$(ls -S "$WORK"/truncated/tables/*.copy.gz | head -1)"
head -c "$(( $(stat -c %s "$f") / 2 ))" "$f" >"$f.half" && mv "$f.half" "$f"
refused "restore refuses a truncated backup" 2 "does not match its checksum" bash scripts/restore.sh "$WORK/truncated" --data-dir "$WORK/c"

cp -r "$WORK/backup" "$WORK/newer"
sed -i 's/^schema_version=.*/schema_version=999/' "$WORK/newer/backup.properties"; resum "$WORK/newer"
refused "restore refuses a backup of a newer schema than the jar knows" 2 "newer than this jar knows" \
  bash scripts/restore.sh "$WORK/newer" --data-dir "$WORK/c"
check "nothing was created for the newer backup" test ! -e "$WORK/c"

refused "restore refuses a data directory that already has data" 2 "is not empty" \
  bash scripts/restore.sh "$WORK/backup" --data-dir "$WORK/b"

if mkdir -p "$WORK/small" && mount -t tmpfs -o size=192k tmpfs "$WORK/small" 2>/dev/null; then
  refused "a disk that fills during the backup: a clear message, non-zero exit" 1 "No space left on device" \
    bash scripts/backup.sh --data-dir "$WORK/b" "$WORK/small/out"
  check "the partial backup is removed" test -z "$(ls -A "$WORK/small")"
  umount "$WORK/small"
else
  log "NOT RUN: the full-disk case needs a tmpfs mount (root); this machine refused it"
fi

# an external server (here B's own, by URL): backup by --url, restore into an empty database by --url
B_PG="postgresql://postgres@127.0.0.1:$(sed -n 4p "$WORK/b/pg/postmaster.pid")"
check "backup.sh --url of an external server" bash scripts/backup.sh --url "$B_PG/postgres" "$WORK/backup-url"
psql -X -q -d "$B_PG/postgres" -c "CREATE DATABASE restored_by_url" >/dev/null
check "restore.sh --url into an empty database, its check passes" \
  bash scripts/restore.sh "$WORK/backup-url" --url "$B_PG/restored_by_url"
refused "restore.sh --url refuses a database that is not empty" 2 "is not empty" \
  bash scripts/restore.sh "$WORK/backup-url" --url "$B_PG/restored_by_url"

r="$(api "$B" "$TB" POST /api/v1/topics "{\"stationId\":$STATION,\"title\":\"恢复后的议题-$$\",\"category\":\"ecology\",\"source\":\"member\"}")"
check "B takes new writes after the restore (ids continue: sequences restored)" test "${r%% *}" = 201

log "backup/restore test: $FAILS failure(s)"
[ "$FAILS" = 0 ] && { echo "backup-restore: PASS"; exit 0; }
echo "backup-restore: FAIL"
exit 1
