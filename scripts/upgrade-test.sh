#!/usr/bin/env bash
# scripts/upgrade-test.sh: a rolling upgrade with two versions of the jar side by side.
#   old = the release in scripts/upgrade-baseline (or YISHI_UPGRADE_FROM), built from git in this run
#   new = this working tree's target/yishi.jar
# One database, two nodes A and B on 127.0.0.1, a client sending traffic all along (reads, pages
# with a session, writes), trying the other node when one refuses the connection, as the load
# balancer does. Steps, each asserted:
#   1 old A + old B form the cluster; a browser session is made on old A
#   2 A is replaced by new A (SIGTERM, start the new jar: it migrates the schema forward) while old B
#     keeps serving on the migrated schema; the cluster holds old B and new A; sessions cross versions
#     both ways (made on old read by new, made on new read by old); data written by either is read by the other
#   3 B is replaced by new B; every session is still valid
#   4 rollback of the binary: an old node starts on the new schema and serves
#   5 the client saw no failed request, except writes refused as collisions (409) while the first new
#     node migrated the schema under the old node's traffic (counted and printed); every acknowledged
#     write is in the database once
# Prints counts; exit 0 = pass, 1 = fail. Bounded (~3 minutes, plus ~1 minute to build the old jar).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/test-lib.sh"
cd "$YISHI_HOME"
ensure_jar
NEW_JAR="$YISHI_JAR"
FROM="${YISHI_UPGRADE_FROM:-$(grep -v '^#' scripts/upgrade-baseline | head -1)}"
WORK="$(mktemp -d /tmp/yishi-upgrade-test.XXXXXX)"
traffic=""
cleanup() {
  local rc=$?
  set +e
  touch "$WORK/stop"
  [ -n "$traffic" ] && wait "$traffic" 2>/dev/null
  stop_all_nodes
  if [ "$rc" != 0 ] || [ "$FAILS" != 0 ]; then for f in "$WORK"/*.log; do echo "--- $f"; tail -12 "$f"; done; fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- the old jar, built once from git
if ! git rev-parse --verify -q "$FROM^{commit}" >/dev/null && [ "$(git rev-parse --is-shallow-repository)" = true ]; then
  # a shallow CI clone: fetch the history that holds the baseline from where it was cloned
  log "shallow clone: fetching the history back to $FROM"
  git fetch -q --unshallow 2>/dev/null || git fetch -q origin "$FROM" 2>/dev/null || true
fi
rev="$(git rev-parse --verify "$FROM^{commit}" 2>/dev/null)" || { fail "unknown baseline revision $FROM (a shallow clone whose origin cannot be fetched?)"; exit 1; }
# built in this run's work directory (nothing left from an earlier run is trusted); YISHI_UPGRADE_CACHE
# names a directory to keep it in between runs on a developer's machine
cache="${YISHI_UPGRADE_CACHE:-$WORK}"
OLD_JAR="$cache/yishi-${rev:0:12}.jar"
if [ ! -f "$OLD_JAR" ]; then
  log "building the old jar from ${rev:0:12} ..."
  mkdir -p "$WORK/old-src" "$cache"
  git archive "$rev" | tar -x -C "$WORK/old-src"
  (cd "$WORK/old-src" && mvn -B -q package -DskipTests >"$WORK/old-build.log" 2>&1) || { fail "the old version did not build"; tail -20 "$WORK/old-build.log"; exit 1; }
  cp "$WORK/old-src/target/yishi.jar" "$OLD_JAR.tmp" && mv "$OLD_JAR.tmp" "$OLD_JAR"
  rm -rf "$WORK/old-src"
fi
log "old: ${rev:0:12} ($(git log -1 --format=%cs "$rev")), new: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src pom.xml || echo ' + local changes')"

# ---- one database (the old jar's embedded server, as an operator's existing one)
DB_PORT="$(free_port)"
YISHI_DATA_DIR="$WORK/db" YISHI_PG_EMBEDDED_PORT="$DB_PORT" java -Xmx256m -jar "$OLD_JAR" db >"$WORK/db.log" 2>&1 &
NODE_PID[db]=$!
for _ in $(seq 1 240); do grep -q "Yishi database is running" "$WORK/db.log" && break; sleep 0.5; done
grep -q "Yishi database is running" "$WORK/db.log" || { fail "the database did not start"; exit 1; }
PG_URL="postgresql://postgres@127.0.0.1:$DB_PORT/postgres"
PSQL=psql   # Debian 12's postgresql-client (psql 15): plain queries work against the 17 server
sql() { "$PSQL" -X -q -At "$PG_URL" -c "$1"; }
schema() { sql "SELECT max(version::int) FROM flyway_schema_history WHERE success AND version IS NOT NULL"; }

HZ_A="$(free_port)"; HZ_B="$(free_port)"; HZ_C="$(free_port)"
PORT_A="$(free_port)"; PORT_B="$(free_port)"; PORT_C="$(free_port)"
A="http://127.0.0.1:$PORT_A"; B="http://127.0.0.1:$PORT_B"; C="http://127.0.0.1:$PORT_C"
MEMBERS="127.0.0.1:$HZ_A,127.0.0.1:$HZ_B,127.0.0.1:$HZ_C"
node() { # NAME JAR HTTP_PORT HZ_PORT
  mkdir -p "$WORK/$1"
  start_node "$1" "$2" "$WORK/$1-$(basename "$2" .jar).log" YISHI_DATA_DIR="$WORK/$1" YISHI_HTTP_PORT="$3" \
    YISHI_CLUSTER_PORT="$4" YISHI_CLUSTER_MEMBERS="$MEMBERS" YISHI_CLUSTER_NAME="yishi-upgrade-$$" \
    YISHI_PG_URL="$PG_URL" YISHI_DEMO=true YISHI_ADMIN_PASSWORD=upgrade-admin YISHI_HTTP_INSTANCES=1 \
    YISHI_PASSWORD_ITERATIONS=1000 YISHI_HTTP_SHUTDOWN_GRACE=10
}
sign_in() { # URL JAR
  local csrf
  csrf="$(curl -s -c "$2" -b "$2" "$1/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)"
  curl -s -c "$2" -b "$2" -o /dev/null -w '%{http_code}' --data-urlencode "_csrf=$csrf" \
    --data-urlencode "username=demo-district" --data-urlencode "password=yishi-demo" --data-urlencode "back=/" "$1/login"
}
session_ok() { # URL JAR: the page answers 200 for the session and shows the signed-in user
  [ "$(curl -s -b "$2" -o "$WORK/page.html" -w '%{http_code}' "$1/stations")" = 200 ] && grep -q "洮北区政协办公室" "$WORK/page.html"
}

# ---- 1: the old release, two nodes
node a "$OLD_JAR" "$PORT_A" "$HZ_A"
wait_members "$A" 1 180 || { fail "old A did not start"; exit 1; }
node b "$OLD_JAR" "$PORT_B" "$HZ_B"
check "old A and old B form one cluster" wait_members "$B" 2 180
SCHEMA_OLD="$(schema)"
check "browser sign-in on old A" test "$(sign_in "$A" "$WORK/old.cookies")" = 303
T_DIST="$(token "$A" demo-district yishi-demo)"; T_COORD="$(token "$A" demo-coordinator yishi-demo)"
STATION="$(api "$A" "$T_COORD" GET /api/v1/stations | cut -d' ' -f2- | jq -r '.items[0].id')"

# the client: round after round of a roll-up read, a page with the session and a write, each sent to
# one node and passed on to the other as conf/nginx/yishi.conf does (proxy_next_upstream error): any
# request whose connection the first node refuses (a node being replaced), and a read, a page (GET) or
# a write with an Idempotency-Key (its @idempotent location) that the node closed without an answer
# (the previous release's drain closes connections that are still open when it stops; nginx never
# passes on a POST without a key once sent, and the writes here carry one, as the multi-host client's)
client() {
  local i=0 order code rc u passed
  while [ ! -e "$WORK/stop" ] && [ "$i" -lt 3000 ]; do
    i=$((i + 1))
    if ((i % 2)); then order="$A $B"; else order="$B $A"; fi
    for kind in read page write; do
      passed=0
      for u in $order; do
        rc=0
        case "$kind" in
          read) code="$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $T_DIST" \
                  "$u/api/v1/stats/rollup?division=220802000000&from=2025-01&to=2026-12")" || rc=$? ;;
          page) code="$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' -b "$WORK/old.cookies" "$u/stations")" || rc=$? ;;
          write) code="$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $T_COORD" \
                  -H 'Content-Type: application/json' -H "Idempotency-Key: upgrade-$$-$i" \
                  -d "{\"stationId\":$STATION,\"title\":\"升级期间-$$-$i\",\"category\":\"livelihood\",\"source\":\"residents\"}" \
                  "$u/api/v1/topics")" || rc=$? ;;
        esac
        if [ "$rc" = 7 ] || [ "$rc" = 52 ] || [ "$rc" = 56 ]; then
          passed=$((passed + 1)); continue
        fi
        break
      done
      echo "$kind $code $(date +%s) ${u##*:} curl=$rc passed=$passed"
    done
    sleep 0.05
  done
}
client >"$WORK/traffic.txt" &
traffic=$!
sleep 3

# ---- 2: replace A with the new release while old B serves
log "replacing A: SIGTERM to old A, then the new jar"
stop_node a
MIGRATION_FROM="$(date +%s)"
node a "$NEW_JAR" "$PORT_A" "$HZ_A"
check "new A joins old B (2 members)" wait_members "$A" 2 180
MIGRATION_TO="$(date +%s)"
check "old B sees new A (2 members)" wait_members "$B" 2 60
SCHEMA_NEW="$(schema)"
log "schema: version $SCHEMA_OLD before, $SCHEMA_NEW after new A started (old B runs on it)"
check "new A reads the session made on old A" session_ok "$A" "$WORK/old.cookies"
check "browser sign-in on new A" test "$(sign_in "$A" "$WORK/new.cookies")" = 303
check "old B reads the session made on new A" session_ok "$B" "$WORK/new.cookies"
r="$(api "$A" "$T_COORD" POST /api/v1/topics "{\"stationId\":$STATION,\"title\":\"新版本写入-$$\",\"category\":\"livelihood\",\"source\":\"residents\"}")"
id_new="$(echo "${r#* }" | jq -r .id)"
check "old B reads a topic written by new A" test "$(api "$B" "$T_DIST" GET "/api/v1/topics/$id_new" | cut -d' ' -f1)" = 200
r="$(api "$B" "$T_COORD" POST /api/v1/topics "{\"stationId\":$STATION,\"title\":\"旧版本写入-$$\",\"category\":\"livelihood\",\"source\":\"residents\"}")"
id_old="$(echo "${r#* }" | jq -r .id)"
check "new A reads a topic written by old B on the migrated schema" test "$(api "$A" "$T_DIST" GET "/api/v1/topics/$id_old" | cut -d' ' -f1)" = 200
sleep 2

# ---- 3: replace B
log "replacing B"
stop_node b
node b "$NEW_JAR" "$PORT_B" "$HZ_B"
check "new A and new B form the cluster" wait_members "$B" 2 180
check "new B reads the session made on old A before the upgrade" session_ok "$B" "$WORK/old.cookies"
check "new B reads the session made on new A" session_ok "$B" "$WORK/new.cookies"
sleep 2

# ---- 4: rolling back the binary: the old release starts on the new schema
node c "$OLD_JAR" "$PORT_C" "$HZ_C"
check "an old node starts on the migrated schema and joins (3 members)" wait_members "$C" 3 180
check "the old node serves the session made on new A" session_ok "$C" "$WORK/new.cookies"
stop_node c

# ---- 5: the client's view
touch "$WORK/stop"; wait "$traffic"; traffic=""
total="$(wc -l <"$WORK/traffic.txt")"
ok="$(grep -cE '^[a-z]+ 2[0-9][0-9] ' "$WORK/traffic.txt" || true)"
acked="$(grep -cE '^write 201 ' "$WORK/traffic.txt" || true)"
rows="$(sql "SELECT count(*) FROM topic WHERE title LIKE '升级期间-$$-%'")"
dups="$(sql "SELECT count(*) FROM (SELECT title FROM topic WHERE title LIKE '升级期间-$$-%' GROUP BY title HAVING count(*) > 1) d")"
# requests answered while new A started and migrated the schema under old B's traffic: a write may
# collide with the migration's locks (409 "collided, nothing saved, try again") -- reported, and
# allowed only there; anything else, or anything outside that window, fails the test
awk -v from="$MIGRATION_FROM" -v to="$MIGRATION_TO" '$2 !~ /^2/ {print (($3 >= from && $3 <= to + 1) ? "in" : "out"), $0}' \
  "$WORK/traffic.txt" >"$WORK/failed.txt"
in_window="$(grep -c '^in ' "$WORK/failed.txt" || true)"
in_window_ok="$(grep -cE '^in write 409 ' "$WORK/failed.txt" || true)"
outside="$(grep -c '^out ' "$WORK/failed.txt" || true)"
passed_on="$(grep -c ' passed=[1-9]' "$WORK/traffic.txt" || true)"
log "traffic during the upgrade: $total requests, $ok answered 2xx ($passed_on passed on to the other node); while the schema migrated ($((MIGRATION_TO - MIGRATION_FROM)) s): $in_window failed; at other times: $outside failed"
sed 's/^/    failed: /' "$WORK/failed.txt"
grep -h "Database schema" "$WORK"/a-*.log | sed 's/^/    new A: /' || true
log "writes: $acked acknowledged, $rows in the database, $dups duplicated"
check "no failed request outside the migration window" test "$outside" = 0
check "in the migration window only writes refused as collisions (409, nothing saved)" test "$in_window" = "$in_window_ok"
check "every acknowledged write is in the database once" bash -c "[ $rows = $acked ] && [ $dups = 0 ]"

log "rolling upgrade test: $FAILS failure(s)"
[ "$FAILS" = 0 ] && { echo "rolling-upgrade: PASS"; exit 0; }
echo "rolling-upgrade: FAIL"
exit 1
