#!/usr/bin/env bash
# scripts/cluster.sh start N | stop | status
# N Yishi nodes on loopback sharing one database. Node i serves HTTP on 8080+i-1 and Hazelcast
# on 5701+i-1. The database is YISHI_PG_URL when set; otherwise an embedded PostgreSQL run as a
# process of its own (java -jar yishi.jar db), so that every node is equal and any can be stopped.
# State (logs, pid files, data) lives under $YISHI_DATA_DIR/cluster (default ./data/cluster).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$YISHI_HOME"

STATE="${YISHI_DATA_DIR:-./data}/cluster"
HTTP_BASE="${YISHI_HTTP_PORT:-8080}"
CLUSTER_BASE="${YISHI_CLUSTER_PORT:-5701}"
DB_PORT="${YISHI_PG_EMBEDDED_PORT:-15432}"

usage() {
  echo "usage: scripts/cluster.sh start N | stop | status" >&2
  exit 2
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_db() {
  if [ -n "${YISHI_PG_URL:-}" ]; then
    echo "Database: $YISHI_PG_URL (external)"
    return
  fi
  if alive "$STATE/db.pid"; then
    echo "Database: already running (pid $(cat "$STATE/db.pid"))"
  else
    mkdir -p "$STATE/db"
    YISHI_DATA_DIR="$STATE/db" YISHI_PG_EMBEDDED_PORT="$DB_PORT" \
      nohup java ${YISHI_JAVA_OPTS:-} -jar "$YISHI_JAR" db >"$STATE/db.log" 2>&1 &
    echo $! >"$STATE/db.pid"
    for _ in $(seq 1 120); do
      grep -q "Yishi database is running" "$STATE/db.log" 2>/dev/null && break
      alive "$STATE/db.pid" || { echo "The database did not start; see $STATE/db.log" >&2; tail -5 "$STATE/db.log" >&2; exit 1; }
      sleep 0.5
    done
    echo "Database: embedded PostgreSQL on 127.0.0.1:$DB_PORT (pid $(cat "$STATE/db.pid"))"
  fi
  export YISHI_PG_URL="postgresql://postgres@127.0.0.1:$DB_PORT/postgres"
}

start() {
  local n="$1" i members=""
  [[ "$n" =~ ^[1-9][0-9]?$ ]] || usage
  ensure_jar
  mkdir -p "$STATE"
  start_db
  for ((i = 0; i < n; i++)); do
    members+="${members:+,}127.0.0.1:$((CLUSTER_BASE + i))"
  done
  for ((i = 1; i <= n; i++)); do
    if alive "$STATE/node$i.pid"; then
      echo "Node $i: already running (pid $(cat "$STATE/node$i.pid"))"
      continue
    fi
    mkdir -p "$STATE/node$i"
    YISHI_DATA_DIR="$STATE/node$i" \
    YISHI_HTTP_PORT=$((HTTP_BASE + i - 1)) \
    YISHI_CLUSTER_PORT=$((CLUSTER_BASE + i - 1)) \
    YISHI_CLUSTER_MEMBERS="$members" \
    YISHI_DEMO="${YISHI_DEMO:-true}" \
      nohup java ${YISHI_JAVA_OPTS:-} -jar "$YISHI_JAR" >"$STATE/node$i.log" 2>&1 &
    echo $! >"$STATE/node$i.pid"
    echo "Node $i: starting (pid $!), http://127.0.0.1:$((HTTP_BASE + i - 1)), log $STATE/node$i.log"
  done
  for ((i = 1; i <= n; i++)); do
    if ! wait_ready "http://127.0.0.1:$((HTTP_BASE + i - 1))" 180; then
      echo "Node $i did not become ready; see $STATE/node$i.log" >&2
      tail -5 "$STATE/node$i.log" >&2
      exit 1
    fi
  done
  # the last joiner makes every member's view complete; give the others a moment to see it
  for _ in $(seq 1 30); do
    [ "$(status | grep -c "members=$n")" -eq "$n" ] && break
    sleep 1
  done
  status
}

stop_pid() {
  local file="$1" name="$2" i
  alive "$file" || { rm -f "$file"; return; }
  local pid
  pid="$(cat "$file")"
  kill -TERM "$pid"
  for ((i = 0; i < 120; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$name (pid $pid) did not stop within 60 s; sending SIGKILL" >&2
    kill -KILL "$pid"
  fi
  rm -f "$file"
  echo "$name: stopped"
}

stop() {
  local f
  for f in "$STATE"/node*.pid; do
    [ -e "$f" ] || continue
    stop_pid "$f" "$(basename "$f" .pid)" &
  done
  wait
  [ -e "$STATE/db.pid" ] && stop_pid "$STATE/db.pid" "database"
  return 0
}

status() {
  local f i port ready any=0
  for f in "$STATE"/node*.pid; do
    [ -e "$f" ] || continue
    any=1
    i="$(basename "$f" .pid)"; i="${i#node}"
    port=$((HTTP_BASE + i - 1))
    if alive "$f"; then
      ready="$(curl -s --max-time 5 "http://127.0.0.1:$port/ready" || true)"
      members="$(printf '%s' "$ready" | sed -n 's/.*"members":\([0-9]*\).*/\1/p')"
      state="$(printf '%s' "$ready" | sed -n 's/^{"status":"\([A-Z]*\)".*/\1/p')"
      echo "node$i pid=$(cat "$f") http://127.0.0.1:$port status=${state:-?} members=${members:-?}"
    else
      echo "node$i not running (stale pid file)"
    fi
  done
  if [ -e "$STATE/db.pid" ]; then
    alive "$STATE/db.pid" && echo "database pid=$(cat "$STATE/db.pid") 127.0.0.1:$DB_PORT" || echo "database not running"
  fi
  [ "$any" = 1 ] || echo "no nodes started from $STATE"
}

case "${1:-}" in
  start) [ $# -eq 2 ] || usage; start "$2" ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
