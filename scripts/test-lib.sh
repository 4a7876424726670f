# Helpers for the scripted tests (backup-test.sh, upgrade-test.sh); sourced after lib.sh.
# Nodes run on 127.0.0.1 with free ports and a unique cluster name, like the JUnit tests' TestNodes.

JAVA_MODULE_OPTS="--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED"
FAILS=0
declare -A NODE_PID=()

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*"; }
fail() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() { local what="$1"; shift; if "$@"; then log "ok: $what"; else fail "$what"; fi; }

# free_port: a TCP port nothing listens on (nothing answers a connect), from a random start
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

# start_node NAME JAR LOG [VAR=VALUE ...]: a node in the background (its pid in NODE_PID[NAME])
start_node() {
  local name="$1" jar="$2" logfile="$3"; shift 3
  env "$@" java -Xmx384m $JAVA_MODULE_OPTS -jar "$jar" >"$logfile" 2>&1 &
  NODE_PID[$name]=$!
}

# stop_node NAME: SIGTERM, wait for the graceful stop (up to 60 s), then SIGKILL
stop_node() {
  local pid="${NODE_PID[$1]:-}"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "NODE_PID[$1]"
}

stop_all_nodes() {
  local n
  for n in "${!NODE_PID[@]}"; do stop_node "$n"; done
}

# ready_members URL: the cluster size a ready node reports, 0 when not ready
ready_members() {
  curl -s --max-time 5 "$1/ready" 2>/dev/null | jq -r 'if .status == "UP" then .cluster.members else 0 end' 2>/dev/null || echo 0
}
wait_members() { # URL COUNT SECONDS
  local t
  for ((t = 0; t < $3 * 2; t++)); do
    [ "$(ready_members "$1")" = "$2" ] && return 0
    sleep 0.5
  done
  return 1
}

token() { # URL USER PASSWORD
  curl -sS --max-time 30 -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"$2\",\"password\":\"$3\"}" "$1/api/v1/auth/token" | jq -r .token
}
# api URL TOKEN METHOD PATH [BODY] -> "STATUS BODY"
api() {
  local code out
  out="$(mktemp)"
  code="$(curl -sS --max-time 30 -o "$out" -w '%{http_code}' -X "$3" -H "Authorization: Bearer $2" \
    -H 'Content-Type: application/json' ${5:+-d "$5"} "$1$4" || true)"
  echo "$code $(cat "$out")"
  rm -f "$out"
}
