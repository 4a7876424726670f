#!/usr/bin/env bash
# scripts/bench.sh [--scale city|national] [--only NAME[,NAME...]] [--keep]
# The benchmark suite (docs/benchmarks.md). Builds what it needs, starts an embedded PostgreSQL and
# Yishi node(s) on loopback (as scripts/cluster.sh does, on ports of their own), imports the national
# division file through the API, generates the data set by COPY (fixed seed), runs every benchmark
# bounded in time and requests beside its ceiling measured in the same run, writes
# target/bench/results.json and prints the table.
#
# NAMEs: import generate read dashboard home write report attachments memory requests cluster notify checkin ranking (default: all).
#   --only read,write reuses the data set of an earlier run of the same scale when there is one
#   (target/bench/SCALE); import or generate in the list starts from an empty database.
# --keep leaves the database and nodes running afterwards (scripts/cluster.sh stop, with the same
#   YISHI_DATA_DIR, stops them).
# Environment: YISHI_BENCH_HTTP_PORT (18080), YISHI_BENCH_CLUSTER_PORT (15701), YISHI_BENCH_DB_PORT
#   (15532), YISHI_BENCH_DURATION / YISHI_BENCH_WARMUP (seconds per measured run / its warm-up),
#   YISHI_BENCH_CLIENT_THREADS (1: the load generator's event loops, which share the cores with the node),
#   YISHI_BENCH_JFR=1 (records node 1 with Java Flight Recorder into target/bench/SCALE/node1.jfr),
#   YISHI_BENCH_REQUESTS_PER_MINUTE / YISHI_BENCH_REQUESTS_SECONDS (the requests campaign: 1000, 60).
#   YISHI_BENCH_SMTP_PORT (15525) / YISHI_BENCH_ROBOT_PORT (15580): the notify benchmark's SMTP sink and
#   robot endpoints in the bench JVM.
#   YISHI_BENCH_NODE_OPTS: JVM options added to every node's -Xmx1g (e.g. -Xlog:gc*:file=target/gc-%p.log).
#   YISHI_BENCH_CLUSTER_WARMUP (20): the warm-up of the cluster benchmarks, after nodes 2 and 3 join.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$YISHI_HOME"

SCALE=city
ONLY=""
KEEP=0
usage() {
  echo "usage: scripts/bench.sh [--scale city|national] [--only NAME[,NAME...]] [--keep]" >&2
  echo "  NAMEs: import generate read dashboard home write report attachments memory requests cluster notify checkin ranking" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) [ $# -ge 2 ] || usage; SCALE="$2"; shift 2 ;;
    --scale=*) SCALE="${1#--scale=}"; shift ;;
    --only) [ $# -ge 2 ] || usage; ONLY="$2"; shift 2 ;;
    --only=*) ONLY="${1#--only=}"; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage ;;
    *) usage ;;
  esac
done
case "$SCALE" in city|national) ;; *) echo "bench: --scale must be city or national" >&2; exit 2 ;; esac
for name in ${ONLY//,/ }; do
  case "$name" in import|generate|read|dashboard|home|write|report|attachments|memory|requests|cluster|notify|checkin|ranking) ;;
    *) echo "bench: unknown benchmark '$name'" >&2; usage ;; esac
done
wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

BENCH_DIR="$YISHI_HOME/target/bench"
RUN_DIR="$BENCH_DIR/$SCALE"
RESULTS="$BENCH_DIR/results.json"
DIVISIONS="$YISHI_HOME/src/bench/resources/china-divisions.csv.gz"
if [ "$SCALE" = national ]; then DEFAULT_DURATION=15; DEFAULT_WARMUP=5; else DEFAULT_DURATION=10; DEFAULT_WARMUP=3; fi
DURATION="${YISHI_BENCH_DURATION:-$DEFAULT_DURATION}"
WARMUP="${YISHI_BENCH_WARMUP:-$DEFAULT_WARMUP}"
HTTP_PORT="${YISHI_BENCH_HTTP_PORT:-18080}"
ADMIN_PASSWORD="yishi-bench-admin-$SCALE"
started_at=$(date +%s)

# --- build: the product jar, and the benchmark classes (src/bench/java, compiled with the tests) ----
mkdir -p "$BENCH_DIR"
if [ ! -f "$YISHI_JAR" ] || [ ! -d target/test-classes/org/yishi/bench ] \
   || [ -n "$(find src pom.xml conf -newer "$YISHI_JAR" -type f -print -quit)" ]; then
  echo "Building target/yishi.jar and the benchmark classes ..."
  mvn -B -q package -DskipTests
  touch "$YISHI_JAR"
fi
if [ ! -s "$BENCH_DIR/classpath.txt" ] || [ pom.xml -nt "$BENCH_DIR/classpath.txt" ]; then
  mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$BENCH_DIR/classpath.txt" >/dev/null
fi
# each Java step runs in the background and is waited for, so that Ctrl-C or SIGTERM ends it at once
# (and then the nodes and the database) instead of after the step
CHILD=""
bench_java() {
  local status=0
  bench_java_fg "$@" &
  CHILD=$!
  wait "$CHILD" || status=$?
  CHILD=""
  return "$status"
}
bench_java_fg() {
  exec java -Xmx2g -Djava.util.logging.config.file=src/test/resources/logging.properties -cp "target/test-classes:target/classes:$(cat "$BENCH_DIR/classpath.txt")" org.yishi.bench.Bench "$@" \
    --results "$RESULTS"
}

# --- the database and nodes, as scripts/cluster.sh runs them, on the benchmark's own ports ---------
export YISHI_DATA_DIR="$RUN_DIR"
export YISHI_HTTP_PORT="$HTTP_PORT"
export YISHI_CLUSTER_PORT="${YISHI_BENCH_CLUSTER_PORT:-15701}"
export YISHI_PG_EMBEDDED_PORT="${YISHI_BENCH_DB_PORT:-15532}"
export YISHI_CLUSTER_NAME="yishi-bench-$SCALE"
export YISHI_DEMO=false
# the load generator drives the nodes with one account far beyond a person's request rate
export YISHI_RATE_LIMIT_PER_SECOND=0
# the requests benchmark's residents each come from their own address, forwarded by 127.0.0.1 as by
# a reverse proxy: the residents' limits keep their defaults and count per resident, as in production
export YISHI_HTTP_TRUSTED_PROXIES=127.0.0.1
export YISHI_ADMIN_PASSWORD="$ADMIN_PASSWORD"
unset YISHI_PG_URL
# YISHI_BENCH_NODE_OPTS: extra JVM options for every node of the run (e.g. -Xlog:gc:file=...-%p.log)
NODE_OPTS="-Xmx1g ${YISHI_BENCH_NODE_OPTS:-}"
[ "${YISHI_BENCH_JFR:-0}" = 1 ] && NODE_OPTS+=" -XX:StartFlightRecording=filename=$RUN_DIR/node1.jfr,settings=profile"
PG_URL="postgresql://postgres@127.0.0.1:$YISHI_PG_EMBEDDED_PORT/postgres"
STATE="$RUN_DIR/cluster"

cluster() { bash scripts/cluster.sh "$@"; }
stop_all() {
  if [ "$KEEP" = 0 ]; then
    echo "Stopping the benchmark's nodes and database ..."
    cluster stop >/dev/null 2>&1 || true
  fi
}
trap stop_all EXIT
trap 'if [ -n "$CHILD" ]; then kill "$CHILD" 2>/dev/null || true; fi; exit 130' INT TERM

fresh=0
if wanted import || wanted generate || [ ! -f "$RUN_DIR/generated" ]; then
  fresh=1
fi
cluster stop >/dev/null 2>&1 || true
if [ "$fresh" = 1 ]; then
  rm -rf "$RUN_DIR"
fi
mkdir -p "$RUN_DIR"
if [ "$fresh" = 1 ] || [ ! -f "$RESULTS" ]; then
  bench_java start --scale "$SCALE" --command "scripts/bench.sh --scale $SCALE${ONLY:+ --only $ONLY}" >/dev/null
fi
echo "== Yishi benchmarks, scale $SCALE: data and logs in $RUN_DIR"
echo "-- starting the database and node 1 (-Xmx1g) ..."
# node 1 alone first: the single-node benchmarks; nodes 2 and 3 join for the cluster benchmarks
YISHI_JAVA_OPTS="$NODE_OPTS" cluster start 1
NODE1_PID="$(cat "$STATE/node1.pid")"

if [ "$fresh" = 1 ]; then
  echo "-- 1. import of the national division file through scripts/import-divisions.sh ..."
  t0=$(date +%s%N)
  set +e
  YISHI_URL="http://127.0.0.1:$HTTP_PORT" bash scripts/import-divisions.sh "$DIVISIONS" >"$RUN_DIR/import.log" 2>&1
  import_exit=$?
  set -e
  t1=$(date +%s%N)
  tail -3 "$RUN_DIR/import.log"
  seconds=$(awk "BEGIN { printf \"%.2f\", ($t1 - $t0) / 1e9 }")
  bench_java import-ceiling --pg "$PG_URL" --divisions "$DIVISIONS" --measured-seconds "$seconds" --exit "$import_exit"
  [ "$import_exit" = 0 ] || { echo "bench: the division import failed; see $RUN_DIR/import.log" >&2; exit 1; }

  echo "-- generating the $SCALE data set (COPY, fixed seed), then the roll-up rebuild ..."
  bench_java generate --scale "$SCALE" --pg "$PG_URL" --divisions "$DIVISIONS"
  date -u +%FT%TZ >"$RUN_DIR/generated"
fi

common=(--scale "$SCALE" --pg "$PG_URL" --password "$ADMIN_PASSWORD" --duration "$DURATION" --warmup "$WARMUP")
command -v wrk >/dev/null && common+=(--wrk true)
[ -n "${YISHI_BENCH_CLIENT_THREADS:-}" ] && common+=(--client-threads "$YISHI_BENCH_CLIENT_THREADS")
single=""
for name in read dashboard home write report attachments memory; do wanted "$name" && single+="${single:+,}$name"; done
if [ -n "$single" ]; then
  echo "-- 2-5, 7. HTTP benchmarks on node 1: $single"
  bench_java http "${common[@]}" --nodes "http://127.0.0.1:$HTTP_PORT" --node-pid "$NODE1_PID" --only "$single" \
    --db-pid "$(head -1 "$STATE/db/pg/postmaster.pid" 2>/dev/null || echo 0)"
fi

if wanted requests; then
  echo "-- 8. residents' requests on node 1: a city-wide campaign, then the public status page"
  bench_java requests "${common[@]}" --nodes "http://127.0.0.1:$HTTP_PORT" --node-pid "$NODE1_PID" \
    --db-pid "$(head -1 "$STATE/db/pg/postmaster.pid" 2>/dev/null || echo 0)" --per-minute "${YISHI_BENCH_REQUESTS_PER_MINUTE:-1000}" --requests-seconds "${YISHI_BENCH_REQUESTS_SECONDS:-60}"
fi

members=""
for name in checkin ranking; do wanted "$name" && members+="${members:+,}$name"; done
if [ -n "$members" ]; then
  echo "-- members (issue 23) on node 1: $members"
  bench_java members "${common[@]}" --nodes "http://127.0.0.1:$HTTP_PORT" --only "$members"
fi

if wanted cluster; then
  echo "-- 6. cluster: nodes 2 and 3 join ..."
  YISHI_JAVA_OPTS="-Xmx1g ${YISHI_BENCH_NODE_OPTS:-}" cluster start 3
  # nodes 2 and 3 have just started (cold JIT, partitions moving to them) while node 1 is warm from the
  # benchmarks before: without a longer warm-up the joined members' slow first seconds make the p99
  bench_java cluster "${common[@]}" --warmup "${YISHI_BENCH_CLUSTER_WARMUP:-20}" --only cluster \
    --nodes "http://127.0.0.1:$HTTP_PORT,http://127.0.0.1:$((HTTP_PORT + 1)),http://127.0.0.1:$((HTTP_PORT + 2))"
  echo "-- each node since it started (cluster_write's PUTs; node 1's include the single-node write):"
  bash scripts/bench-node-metrics.sh "http://127.0.0.1:$HTTP_PORT" "http://127.0.0.1:$((HTTP_PORT + 1))" \
    "http://127.0.0.1:$((HTTP_PORT + 2))" | tee "$RUN_DIR/cluster-nodes.txt" || true
fi

if wanted notify; then
  # node 1 alone again, its channels the SMTP sink and the robot endpoints of the bench JVM (ports set
  # before it starts); the burst is queued in the database and drained by its scheduler's delivery job
  NOTIFY_SMTP_PORT="${YISHI_BENCH_SMTP_PORT:-15525}"
  NOTIFY_ROBOT_PORT="${YISHI_BENCH_ROBOT_PORT:-15580}"
  NOTIFY_ROBOTS=50 NOTIFY_BATCH=500 NOTIFY_INTERVAL=1
  robots=""
  for i in $(seq 1 "$NOTIFY_ROBOTS"); do
    robots+="${robots:+;}bench-robot-$i|wecom|district:990000000000|http://127.0.0.1:$NOTIFY_ROBOT_PORT/hook/$i"
  done
  echo "-- 8. notify: a burst of 10,000 reminders through node 1's outbox (batch $NOTIFY_BATCH, every $NOTIFY_INTERVAL s) ..."
  cluster stop >/dev/null 2>&1 || true
  YISHI_SMTP_HOST=127.0.0.1 YISHI_SMTP_PORT="$NOTIFY_SMTP_PORT" YISHI_SMTP_TLS=none YISHI_SMTP_FROM=yishi-bench@example.org \
    YISHI_ROBOTS="$robots" YISHI_NOTIFY_BATCH="$NOTIFY_BATCH" YISHI_SCHEDULER_INTERVAL_SECONDS="$NOTIFY_INTERVAL" \
    YISHI_JAVA_OPTS="$NODE_OPTS" cluster start 1
  bench_java notify "${common[@]}" --node "http://127.0.0.1:$HTTP_PORT" --node-pid "$(cat "$STATE/node1.pid")" \
    --smtp-port "$NOTIFY_SMTP_PORT" --robot-port "$NOTIFY_ROBOT_PORT" --robots "$NOTIFY_ROBOTS" --per-robot 4 \
    --messages 10000 --batch "$NOTIFY_BATCH" --interval "$NOTIFY_INTERVAL"
fi

cp "$RESULTS" "$BENCH_DIR/results-$SCALE.json"
echo
echo "== Results (scale $SCALE, $(( $(date +%s) - started_at )) s in all; $RESULTS)"
bench_java table
