#!/usr/bin/env bash
# scripts/backup-test.sh: back up a running node with data while it takes writes, restore into a
# fresh node (fresh data directory), and find every record there.
#   1 node A: embedded database, demo city, plus a topic and an attachment made through the API
#   2 scripts/backup.sh of A's database while a client keeps creating topics on A
#   3 A stops; scripts/restore.sh into a new data directory (its own check: every table's rows and
#     checksum, roll-up = stats_rebuild, attachment files)
#   4 node B starts on the restored directory: the topic, the attachment's bytes, the accounts
#     (sign-in) and every topic acknowledged before the backup's snapshot are there
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
  "$A/api/v1/attachments?meeting=$MEETING&name=%E7%8E%B0%E5%9C%BA.png" -w ' %{http_code}')"
check "attachment uploaded to meeting $MEETING on A" test "${r##* }" = 201

# ---- 2: backup while a client keeps writing
( for i in $(seq 1 40); do
    c="$(api "$A" "$T" POST /api/v1/topics "{\"stationId\":$STATION,\"title\":\"并发写入-$$-$i\",\"category\":\"ecology\",\"source\":\"member\"}")"
    [ "${c%% *}" = 201 ] && echo "并发写入-$$-$i" >>"$WORK/acked.txt"
  done ) &
writer=$!
sleep 1
check "backup.sh while writes go on" bash scripts/backup.sh --data-dir "$WORK/a" "$WORK/backup"
wait "$writer"; writer=""
ACKED="$(wc -l <"$WORK/acked.txt")"
IN_BACKUP="$(awk -F'\t' '$1 == "topic" {print $2}' "$WORK/backup/manifest.tsv")"
log "backup: $(wc -l <"$WORK/backup/manifest.tsv") tables, $(awk -F'\t' '{s += $2} END {print s}' "$WORK/backup/manifest.tsv") rows, topics $IN_BACKUP; $ACKED concurrent writes acknowledged"
stop_node a

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
check "B has the attachment's bytes" cmp -s "$WORK/photo.png" "$WORK/b/files/${SHA:0:2}/$SHA"
TADMIN="$(token "$B" admin backup-admin)"
TOTAL_B="$(api "$B" "$TADMIN" GET "/api/v1/topics?size=1" | cut -d' ' -f2- | jq -r .total)"
check "B shows as many topics as the backup holds ($TOTAL_B = $IN_BACKUP)" test "$TOTAL_B" = "$IN_BACKUP"
restored_concurrent="$(api "$B" "$TADMIN" GET "/api/v1/topics?q=%E5%B9%B6%E5%8F%91%E5%86%99%E5%85%A5-$$&size=100" | cut -d' ' -f2- | jq -r .total)"
log "concurrent writes: $ACKED acknowledged during the backup, $restored_concurrent inside its snapshot"
api "$B" "$TADMIN" GET "/api/v1/topics?q=%E5%B9%B6%E5%8F%91%E5%86%99%E5%85%A5-$$&size=100" | cut -d' ' -f2- \
  | jq -r '.items[].title' | sort >"$WORK/restored-titles.txt"
head -n "$restored_concurrent" "$WORK/acked.txt" | sort >"$WORK/expected-titles.txt"
check "the snapshot holds exactly the first $restored_concurrent acknowledged concurrent writes" \
  bash -c "[ $restored_concurrent -le $ACKED ] && cmp -s '$WORK/restored-titles.txt' '$WORK/expected-titles.txt'"

# the check itself must catch a difference: a manifest that disagrees with the dump fails the restore
cp -r "$WORK/backup" "$WORK/tampered"
awk -F'\t' -v OFS='\t' '$1 == "topic" {$2 = $2 + 1} {print}' "$WORK/backup/manifest.tsv" >"$WORK/tampered/manifest.tsv"
check "restore.sh fails its check when the manifest disagrees with the dump" \
  bash -c "! bash scripts/restore.sh '$WORK/tampered' --data-dir '$WORK/c' >'$WORK/tampered.out' 2>&1 && grep -q 'DIFFERENT' '$WORK/tampered.out'"
check "restore.sh refuses a data directory that already has a database" \
  bash -c "! bash scripts/restore.sh '$WORK/backup' --data-dir '$WORK/b' >/dev/null 2>&1"
r="$(api "$B" "$TB" POST /api/v1/topics "{\"stationId\":$STATION,\"title\":\"恢复后的议题-$$\",\"category\":\"ecology\",\"source\":\"member\"}")"
check "B takes new writes after the restore (ids continue: sequences restored)" test "${r%% *}" = 201

log "backup/restore test: $FAILS failure(s)"
[ "$FAILS" = 0 ] && { echo "backup-restore: PASS"; exit 0; }
echo "backup-restore: FAIL"
exit 1
