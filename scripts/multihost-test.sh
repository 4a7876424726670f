#!/usr/bin/env bash
# scripts/multihost-test.sh: Yishi across real network boundaries, on one machine.
#
# Builds a private network of network namespaces (needs root and iproute2):
#   ymh-sw  a switch: the bridge, and the far end of every host's veth cable
#   ymh-h1  10.77.0.11  node 1        ymh-db  10.77.0.4   the database (java -jar yishi.jar db)
#   ymh-h2  10.77.0.12  node 2        ymh-lb  10.77.0.5   nginx (conf/nginx/yishi.conf) and the test client
#   ymh-h3  10.77.0.13  node 3
# Nodes 1 and 2 bind and advertise only their own 10.77.0.x address (Hazelcast 5701, event bus 5801,
# HTTP 8080); node 3 binds 0.0.0.0 and advertises its address (YISHI_CLUSTER_PUBLIC_ADDRESS). They
# join by TCP/IP; nothing runs in, or talks to, the machine's own network.
# Phases, each asserted:
#   1 the cluster forms over those addresses (each node sees 3 members, logs name 10.77.0.x)
#   2 requests through any node see the same data, the same API token and the same browser session
#   3 one host's link is cut (ip link set eth0 down): the others carry on (reads, writes, sign-ins,
#     meetings scheduled); the cut node rejoins when the link returns and serves the old session
#   4 reminders ran exactly once: every outbox message sent once (attempts = 1) and received once by
#     the gateways (scripts/gateway-sink.py in the lb namespace: an SMS endpoint and an SMTP server);
#     the reminders of the meetings scheduled during the cut exist
#   5 traffic through nginx to the three nodes while node 2 is stopped gracefully (SIGTERM): no failed
#     request beyond those in flight, and every acknowledged write is in the database exactly once
# Prints counts; exit 0 = pass, 1 = fail. Bounded: every wait has a limit, the whole run ~4 minutes.
# The namespaces, processes and files are removed on exit, whatever happens (trap).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"   # ip, nginx
source "$(dirname "$0")/lib.sh"
cd "$YISHI_HOME"

[ "$(id -u)" = 0 ] || { echo "multihost-test: needs root (ip netns)"; exit 1; }
for tool in ip curl jq nginx openssl ping; do
  command -v "$tool" >/dev/null || { echo "multihost-test: '$tool' is missing (apt-get install -y iproute2 curl jq nginx openssl)"; exit 1; }
done
ensure_jar

P="ymh"                      # namespace and interface prefix
NET="10.77.0"
DB_IP="$NET.4"; LB_IP="$NET.5"
HOSTS=(h1 h2 h3); IPS=("$NET.11" "$NET.12" "$NET.13")
DB_PASSWORD="mh-$(openssl rand -hex 8)"
ADMIN_PASSWORD="mh-admin-$(openssl rand -hex 6)"
DEMO_PASSWORD="yishi-demo"
CLUSTER="yishi-mh-$$"
WORK="$(mktemp -d /tmp/yishi-multihost.XXXXXX)"
JAVA_OPTS="-Xmx384m --add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED"
declare -A PID=()
FAILS=0

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*"; }
fail() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() { # DESCRIPTION COMMAND...: runs the command, counts a failure when it fails
  local what="$1"; shift
  if "$@"; then log "ok: $what"; else fail "$what"; fi
}
ns() { local n="$1"; shift; ip netns exec "$P-$n" "$@"; }

cleanup() {
  local rc=$? name
  set +e
  for name in "${!PID[@]}"; do
    kill -TERM "${PID[$name]}" 2>/dev/null
  done
  for name in "${!PID[@]}"; do
    for _ in $(seq 1 80); do kill -0 "${PID[$name]}" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "${PID[$name]}" 2>/dev/null
  done
  for name in sw h1 h2 h3 db lb; do ip netns del "$P-$name" 2>/dev/null; done
  if [ "$rc" != 0 ] || [ "$FAILS" != 0 ]; then
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- last lines of $f"; tail -15 "$f"; }; done
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---------------------------------------------------------------- the network
setup_network() {
  local name i
  for name in sw h1 h2 h3 db lb; do
    ip netns del "$P-$name" 2>/dev/null || true   # a leftover of an interrupted run
    ip netns add "$P-$name"
    ip -n "$P-$name" link set lo up
  done
  ip -n "$P-sw" link add br0 type bridge
  ip -n "$P-sw" link set br0 up
  plug() { # NAME ADDRESS: a veth cable from the host's eth0 to a port of the bridge
    ip link del "$P-$1" 2>/dev/null || true   # half-made by an interrupted run
    ip link add "$P-$1" type veth peer name "$P-$1-sw"
    ip link set "$P-$1" netns "$P-$1"
    ip link set "$P-$1-sw" netns "$P-sw"
    ip -n "$P-$1" link set "$P-$1" name eth0
    ip -n "$P-$1" addr add "$2/24" dev eth0
    ip -n "$P-$1" link set eth0 up
    ip -n "$P-sw" link set "$P-$1-sw" master br0
    ip -n "$P-sw" link set "$P-$1-sw" up
  }
  for i in 0 1 2; do plug "${HOSTS[$i]}" "${IPS[$i]}"; done
  plug db "$DB_IP"
  plug lb "$LB_IP"
  for i in 0 1 2; do
    ns lb ping -c 1 -W 5 "${IPS[$i]}" >/dev/null || { fail "no route to ${IPS[$i]}"; exit 1; }
  done
  log "network: bridge in $P-sw; h1..h3 = ${IPS[*]}, db = $DB_IP, lb = $LB_IP"
}

# ---------------------------------------------------------------- processes
start_db() {
  mkdir -p "$WORK/db"
  # started with ip netns exec itself (not through a shell function): $! is then the java process
  ip netns exec "$P-db" env YISHI_DATA_DIR="$WORK/db" YISHI_PG_EMBEDDED_PORT=5432 YISHI_PG_EMBEDDED_LISTEN="$DB_IP" \
    YISHI_PG_EMBEDDED_PASSWORD="$DB_PASSWORD" java $JAVA_OPTS -jar "$YISHI_JAR" db >"$WORK/db.log" 2>&1 &
  PID[db]=$!
  for _ in $(seq 1 240); do
    grep -q "Yishi database is running" "$WORK/db.log" && { log "database: $DB_IP:5432 (embedded PostgreSQL, password auth)"; return; }
    kill -0 "${PID[db]}" 2>/dev/null || break
    sleep 0.5
  done
  fail "the database did not start"; exit 1
}

start_node() { # INDEX (0-2)
  local i="$1" h="${HOSTS[$1]}" ip="${IPS[$1]}" bind="${IPS[$1]}"
  # node 3 binds every interface and advertises its address (YISHI_CLUSTER_PUBLIC_ADDRESS): the other form
  [ "$i" = 2 ] && bind=0.0.0.0
  mkdir -p "$WORK/$h"
  ip netns exec "$P-$h" env YISHI_DATA_DIR="$WORK/$h" \
    YISHI_HTTP_HOST="$ip" YISHI_HTTP_PORT=8080 YISHI_HTTP_SHUTDOWN_GRACE=20 \
    YISHI_CLUSTER_NAME="$CLUSTER" YISHI_CLUSTER_HOST="$bind" YISHI_CLUSTER_PUBLIC_ADDRESS="$ip" \
    YISHI_CLUSTER_PORT=5701 YISHI_EVENTBUS_PORT=5801 \
    YISHI_CLUSTER_MEMBERS="${IPS[0]},${IPS[1]},${IPS[2]}" \
    YISHI_PG_URL="postgresql://postgres:$DB_PASSWORD@$DB_IP:5432/postgres" YISHI_PG_POOL_SIZE=8 \
    YISHI_DEMO=true YISHI_DEMO_PASSWORD="$DEMO_PASSWORD" YISHI_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    YISHI_SCHEDULER_INTERVAL_SECONDS=2 YISHI_HTTP_INSTANCES=1 YISHI_HTTP_TRUSTED_PROXIES="$LB_IP" \
    YISHI_SMS_URL="http://$LB_IP:8025/sms" YISHI_SMTP_HOST="$LB_IP" YISHI_SMTP_PORT=2525 YISHI_SMTP_TLS=none \
    YISHI_SMTP_FROM=yishi@example.org \
    java $JAVA_OPTS -jar "$YISHI_JAR" >"$WORK/$h.log" 2>&1 &
  PID[$h]=$!
}

url() { echo "http://${IPS[$1]}:8080"; }
# client side: everything the test sends starts in the lb namespace
c() { ns lb curl -sS --max-time "${CURL_MAX:-30}" "$@"; }

ready_members() { # INDEX -> member count, or 0 when not ready
  c --max-time 5 "$(url "$1")/ready" 2>/dev/null | jq -r 'if .status == "UP" then .cluster.members else 0 end' 2>/dev/null || echo 0
}
wait_members() { # INDEX COUNT SECONDS
  local t
  for ((t = 0; t < $3 * 2; t++)); do
    [ "$(ready_members "$1")" = "$2" ] && return 0
    sleep 0.5
  done
  return 1
}

# ---------------------------------------------------------------- API helpers (through node INDEX)
token() { # INDEX USER PASSWORD
  c -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"$2\",\"password\":\"$3\"}" "$(url "$1")/api/v1/auth/token" | jq -r .token
}
api() { # INDEX TOKEN METHOD PATH [BODY] -> prints "STATUS BODY"
  local out
  out="$(c -o "$WORK/api.out" -w '%{http_code}' -X "$3" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    ${5:+-d "$5"} "$(url "$1")$4" || true)"
  echo "$out $(cat "$WORK/api.out" 2>/dev/null)"
}
sign_in() { # INDEX USER PASSWORD JAR: the browser flow, GET /login then POST the form with its CSRF field
  local csrf
  csrf="$(c -c "$4" -b "$4" "$(url "$1")/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)"
  c -c "$4" -b "$4" -o /dev/null -w '%{http_code}' --data-urlencode "_csrf=$csrf" --data-urlencode "username=$2" \
    --data-urlencode "password=$3" --data-urlencode "back=/" "$(url "$1")/login"
}
session_cookie() { # JAR -> the session cookie, to send to another host than the one that set it
  echo "yishi_session=$(awk '$6 == "yishi_session" {print $7}' "$1" | tail -1)"
}
page_shows() { # INDEX JAR PATH TEXT: the page answers 200 for the session and shows TEXT
  local code
  code="$(c -H "Cookie: $(session_cookie "$2")" -o "$WORK/page.html" -w '%{http_code}' "$(url "$1")$3" || true)"
  [ "$code" = 200 ] && grep -q "$4" "$WORK/page.html"
}
sql() { ns db "${PSQL:-psql}" -X -q -t -A -h 127.0.0.1 -p 5432 -U postgres -d postgres -c "$1"; }

# ---------------------------------------------------------------- phase 5 helpers
start_nginx() {
  mkdir -p "$WORK/nginx"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=yishi.test" \
    -keyout "$WORK/nginx/yishi.key" -out "$WORK/nginx/yishi.crt" 2>/dev/null
  # the shipped sample, with this network's addresses and a throw-away certificate
  sed -e "s/10\.0\.0\.11:8080/${IPS[0]}:8080/; s/10\.0\.0\.12:8080/${IPS[1]}:8080/; s/10\.0\.0\.13:8080/${IPS[2]}:8080/" \
      -e "s#/etc/nginx/tls/#$WORK/nginx/#" -e "s/listen 80;/listen $LB_IP:80;/; s/listen 443 ssl;/listen $LB_IP:443 ssl;/" \
      -e "s#allow 10.0.0.0/8#allow $NET.0/24#" conf/nginx/yishi.conf >"$WORK/nginx/yishi.conf"
  cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 512; }
http {
  log_format lb '\$request_method \$uri \$status "\$upstream_addr" "\$upstream_status"';
  access_log $WORK/nginx/access.log lb;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  include $WORK/nginx/yishi.conf;
}
CONF
  ns lb nginx -t -q -c "$WORK/nginx/nginx.conf" || { fail "nginx refuses conf/nginx/yishi.conf"; exit 1; }
  ip netns exec "$P-lb" nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
  PID[nginx]=$!
  for _ in $(seq 1 20); do
    ns lb curl -sk --max-time 2 -o /dev/null "https://$LB_IP/health" && return 0
    sleep 0.5
  done
  fail "nginx did not answer"; exit 1
}

lb_worker() { # WORKER ITERATIONS: GET a roll-up (API), GET a page (session), POST a topic (API write)
  local w="$1" n="$2" i code
  for ((i = 1; i <= n; i++)); do
    code="$(ns lb curl -sk --max-time 30 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $T_DIST" \
      "https://$LB_IP/api/v1/stats/rollup?division=220802000000&from=2025-01&to=2026-12" || true)"
    echo "GET-api $code"
    code="$(ns lb curl -sk --max-time 30 -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "https://$LB_IP/stations" || true)"
    echo "GET-page $code"
    # an API client's write with its Idempotency-Key (docs/api.md): nginx may pass it on to another node
    code="$(ns lb curl -sk --max-time 30 -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $T_COORD" \
      -H 'Content-Type: application/json' -H "Idempotency-Key: lb-$$-$w-$i" \
      -d "{\"stationId\":$STATION,\"title\":\"lb-$$-$w-$i\",\"category\":\"livelihood\",\"source\":\"residents\"}" \
      "https://$LB_IP/api/v1/topics" || true)"
    echo "POST $code"
  done
}

lb_phase() {
  local workers=4 iterations=50 w stop_at
  start_nginx
  COOKIE="$(session_cookie "$JAR_DIST")"
  log "load: $workers clients x $iterations x (GET roll-up API, GET page with session, POST topic) through nginx https://$LB_IP"
  : >"$WORK/lb-results.txt"
  for ((w = 1; w <= workers; w++)); do
    lb_worker "$w" "$iterations" >>"$WORK/lb-results.txt" &
    LB_WORKERS+=("$!")
  done
  stop_at=$((workers * iterations))   # a third of the requests
  for _ in $(seq 1 240); do
    [ "$(wc -l <"$WORK/lb-results.txt")" -ge "$stop_at" ] && break
    sleep 0.5
  done
  log "stopping node 2 gracefully (SIGTERM) after $(wc -l <"$WORK/lb-results.txt") requests"
  kill -TERM "${PID[h2]}"
  local stopped=no
  for _ in $(seq 1 120); do
    kill -0 "${PID[h2]}" 2>/dev/null || { stopped=yes; break; }
    sleep 0.5
  done
  check "node 2 drained and stopped cleanly on SIGTERM" bash -c "[ $stopped = yes ] && grep -q 'Yishi stopped' '$WORK/h2.log'"
  unset 'PID[h2]'
  log "node 2 stopped at request $(wc -l <"$WORK/lb-results.txt")"
  for w in "${LB_WORKERS[@]}"; do wait "$w"; done
  local total ok failed posts_ok rows dup retried per_node
  total="$(wc -l <"$WORK/lb-results.txt")"
  ok="$(grep -cE ' 2[0-9][0-9]$' "$WORK/lb-results.txt" || true)"
  failed=$((total - ok))
  posts_ok="$(grep -cE '^POST 201$' "$WORK/lb-results.txt" || true)"
  rows="$(sql "SELECT count(*) FROM topic WHERE title LIKE 'lb-$$-%'")"
  dup="$(sql "SELECT count(*) FROM (SELECT title FROM topic WHERE title LIKE 'lb-$$-%' GROUP BY title HAVING count(*) > 1) d")"
  retried="$(awk -F'"' '$2 ~ /, /' "$WORK/nginx/access.log" | wc -l)"
  per_node="$(awk -F'"' '$2 !~ /, / {print $2}' "$WORK/nginx/access.log" | sort | uniq -c | awk '{printf "%s %s; ", $2, $1}')"
  log "through nginx: $total requests, $ok answered 2xx, $failed failed ($(grep -vE ' 2[0-9][0-9]$' "$WORK/lb-results.txt" | sort | uniq -c | tr '\n' ';'))"
  log "nginx: answered by a single node: $per_node; passed on to another node after a failure: $retried"
  log "writes: $posts_ok topics acknowledged (201), $rows in the database, $dup duplicated"
  check "no failed request through the load balancer while node 2 stopped" test "$failed" = 0
  check "every acknowledged write is in the database, none twice" bash -c "[ $rows = $posts_ok ] && [ $dup = 0 ]"
  check "nodes 1 and 3 see 2 members after node 2 left" two_left
}
two_left() {
  wait_members 0 2 30 && wait_members 2 2 30
}
LB_WORKERS=()

# ================================================================ run
log "work dir $WORK"
PSQL=psql   # Debian 12's postgresql-client (psql 15): plain queries work against the 17 server
setup_network
start_db

# ---- phase 1: the cluster forms over the private addresses
# the SMS endpoint and SMTP server the reminders go to (each acceptance is a line in gateway.txt)
ip netns exec "$P-lb" python3 "$YISHI_HOME/scripts/gateway-sink.py" "$LB_IP" 8025 2525 "$WORK/gateway.txt" >"$WORK/gateway.log" 2>&1 &
PID[gateway]=$!
start_node 0
wait_members 0 1 180 || { fail "node 1 did not become ready"; exit 1; }
start_node 1; start_node 2
for i in 0 1 2; do
  check "node $((i + 1)) (${IPS[$i]}) sees 3 members" wait_members "$i" 3 180
done
for i in 0 1 2; do
  check "node $((i + 1)) is member ${IPS[$i]}:5701$([ "$i" = 2 ] && echo ' (bound to 0.0.0.0, advertised address)')" grep -q "\[${IPS[$i]}\]:5701" "$WORK/${HOSTS[$i]}.log"
  check "node $((i + 1)) is not reachable on its loopback" bash -c "! ip netns exec $P-${HOSTS[$i]} curl -s --max-time 2 http://127.0.0.1:8080/health >/dev/null"
done
check "every member list names the three 10.77.0.x members" \
  bash -c "grep -h 'Members {size:3' -A 4 '$WORK'/h*.log | grep -c 'Member \[$NET\.1[123]\]:5701' | awk '{exit !(\$1 >= 9)}'"

# ---- phase 2: the same data, token and session through every node
T_DIST="$(token 0 demo-district "$DEMO_PASSWORD")"
T_COORD="$(token 1 demo-coordinator "$DEMO_PASSWORD")"
STATION="$(api 2 "$T_COORD" GET /api/v1/stations | cut -d' ' -f2- | jq -r '.items[0].id')"
[ -n "$STATION" ] && [ "$STATION" != null ] || { fail "the coordinator sees no station"; exit 1; }
created="$(api 0 "$T_COORD" POST /api/v1/topics "{\"stationId\":$STATION,\"title\":\"跨主机议题-$$\",\"category\":\"livelihood\",\"source\":\"residents\"}")"
check "a topic created through node 1 (201)" test "${created%% *}" = 201
TOPIC="$(echo "${created#* }" | jq -r .id)"
for i in 0 1 2; do
  got="$(api "$i" "$T_DIST" GET "/api/v1/topics/$TOPIC")"
  check "node $((i + 1)) returns the topic created on node 1" bash -c "[ '${got%% *}' = 200 ] && echo '${got#* }' | jq -e '.title == \"跨主机议题-$$\"' >/dev/null"
done
JAR_DIST="$WORK/district.cookies"
check "browser sign-in on node 1 (303)" test "$(sign_in 0 demo-district "$DEMO_PASSWORD" "$JAR_DIST")" = 303
for i in 0 1 2; do
  check "node $((i + 1)) serves the session made on node 1" page_shows "$i" "$JAR_DIST" /stations "洮北区政协办公室"
done

# ---- phase 3: cut host 3's link; the others carry on; host 3 rejoins
log "cutting h3's link (ip link set eth0 down in $P-h3)"
ip -n "$P-h3" link set eth0 down
ok=0; total=0
for round in $(seq 1 6); do
  for i in 0 1; do
    total=$((total + 2))
    r="$(api "$i" "$T_DIST" GET "/api/v1/stats/rollup?division=220802000000&from=2025-01&to=2026-12")"
    [ "${r%% *}" = 200 ] && ok=$((ok + 1))
    page_shows "$i" "$JAR_DIST" /stations "洮北区政协办公室" && ok=$((ok + 1))
  done
done
check "requests through nodes 1 and 2 during the cut: $ok/$total answered" test "$ok" = "$total"
check "node 1 sees 2 members after the cut" wait_members 0 2 60
check "node 2 sees 2 members after the cut" wait_members 1 2 60
check "a new sign-in on node 2 during the cut" test "$(sign_in 1 demo-district "$DEMO_PASSWORD" "$WORK/during.cookies")" = 303

# meetings scheduled during the cut, starting in 30 h: their 72 h reminders are due at once
MEETINGS=()
for k in 1 2 3; do
  t="$(api 0 "$T_COORD" POST /api/v1/topics "{\"stationId\":$STATION,\"title\":\"断网期间议题-$$-$k\",\"category\":\"livelihood\",\"source\":\"residents\",\"proposer\":\"居民\",\"q1Answer\":true,\"q1Reason\":\"民生热点\",\"q2Answer\":true,\"q2Reason\":\"适合协商\"}" | cut -d' ' -f2- | jq -r .id)"
  api 1 "$T_COORD" POST "/api/v1/topics/$t/transitions" '{"action":"submit"}' >/dev/null
  api 0 "$T_DIST" POST "/api/v1/topics/$t/transitions" '{"action":"approve"}' >/dev/null
  for attempt in 0 1 2 3 4; do   # another meeting of the station may hold the slot (409): try a later one
    start="$(date -u -d "+$((30 + k * 3 + attempt * 7)) hours" +%Y-%m-%dT%H:00:00Z)"
    end="$(date -u -d "+$((31 + k * 3 + attempt * 7)) hours" +%Y-%m-%dT%H:00:00Z)"
    r="$(api $((k % 2)) "$T_COORD" POST /api/v1/meetings "{\"topicId\":$t,\"startsAt\":\"$start\",\"endsAt\":\"$end\",\"venue\":\"社区会议室\",\"format\":\"on_site\",\"kind\":\"grassroots\",\"participants\":[{\"role\":\"responder\",\"name\":\"住建局\",\"contact\":\"1390000000$k\"},{\"role\":\"expert_resident\",\"name\":\"居民代表\",\"contact\":\"resident$k@example.org\"}]}")"
    [ "${r%% *}" = 409 ] || break
  done
  check "meeting $k scheduled during the cut (201)" test "${r%% *}" = 201
  MEETINGS+=("$(echo "${r#* }" | jq -r .id)")
done

log "restoring h3's link"
ip -n "$P-h3" link set eth0 up
for i in 0 1 2; do
  check "node $((i + 1)) sees 3 members again" wait_members "$i" 3 180
done
check "node 3 serves the session made on node 1 before the cut" page_shows 2 "$JAR_DIST" /stations "洮北区政协办公室"
check "node 3 serves the session made on node 2 during the cut" page_shows 2 "$WORK/during.cookies" /stations "洮北区政协办公室"
got="$(api 2 "$T_DIST" GET "/api/v1/meetings/${MEETINGS[0]}")"
check "node 3 returns a meeting scheduled during the cut" test "${got%% *}" = 200

# ---- phase 4: reminders exactly once
ids="$(IFS=,; echo "${MEETINGS[*]}")"
for _ in $(seq 1 60); do
  [ "$(sql "SELECT count(*) FROM outbox WHERE sent_at IS NULL")" = 0 ] \
    && [ "$(sql "SELECT count(*) FROM outbox WHERE dedupe_key ~ '^reminder:($(echo "$ids" | tr , '|')):72h:'")" = 6 ] && break
  sleep 1
done
OUTBOX="$(sql "SELECT count(*) FROM outbox")"
UNSENT="$(sql "SELECT count(*) FROM outbox WHERE sent_at IS NULL")"
RESENT="$(sql "SELECT count(*) FROM outbox WHERE attempts <> 1")"
CUT_MSGS="$(sql "SELECT count(*) FROM outbox WHERE dedupe_key ~ '^reminder:($(echo "$ids" | tr , '|')):72h:'")"
CUT_NOTES="$(sql "SELECT count(*) FROM notification WHERE dedupe_key ~ '^reminder:($(echo "$ids" | tr , '|')):72h:'")"
BY_NODE="$(sql "SELECT string_agg(n, ', ') FROM (SELECT count(*) || ' by ' || left(sent_by, 8) AS n FROM outbox GROUP BY sent_by ORDER BY 1) s")"
cut -d' ' -f2 "$WORK/gateway.txt" 2>/dev/null | sort >"$WORK/received.txt"
RECEIVED="$(wc -l <"$WORK/received.txt")"
DISTINCT="$(sort -u "$WORK/received.txt" | wc -l)"
sql "SELECT replace(dedupe_key, ':', '.') FROM outbox ORDER BY 1" | sort >"$WORK/outbox-keys.txt"
log "outbox: $OUTBOX messages ($BY_NODE), unsent $UNSENT, sent more than once $RESENT; gateways received $RECEIVED ($DISTINCT distinct keys)"
log "meetings scheduled during the cut: $CUT_MSGS outbox messages (expected 6), $CUT_NOTES in-app reminders"
check "every outbox message sent" test "$UNSENT" = 0
check "no message sent twice (attempts = 1)" test "$RESENT" = 0
check "the 6 messages of the 3 meetings scheduled during the cut, no more" test "$CUT_MSGS" = 6
check "in-app reminders for those meetings exist" test "$CUT_NOTES" -gt 0
check "each message received by its gateway exactly once" bash -c "[ $RECEIVED = $OUTBOX ] && cmp -s '$WORK/received.txt' '$WORK/outbox-keys.txt'"
REPORTS="$(sql "SELECT coalesce(string_agg(n, ', '), 'none') FROM (SELECT count(*) || ' ' || trigger || ' by ' || left(generated_by, 8) AS n FROM report GROUP BY trigger, generated_by ORDER BY 1) s")"
REPORT_REPEATS="$(sql "SELECT count(*) FROM (SELECT 1 FROM report GROUP BY kind, unit_code, period HAVING count(*) > 1) d")"
log "reports in the database (how issued, by which node; exactly-once generation under faults is ClusterFaultTest's): $REPORTS"
check "no report period issued twice (one version per kind, unit and period)" test "$REPORT_REPEATS" = 0

# ---- phase 5: nginx in front, node 2 stopped gracefully in the middle of the traffic
lb_phase

log "multi-host test: $FAILS failure(s)"
[ "$FAILS" = 0 ] && { echo "multihost: PASS"; exit 0; }
echo "multihost: FAIL"
exit 1
