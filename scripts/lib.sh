# Shared helpers for the scripts in this folder (sourced, not run).
YISHI_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
YISHI_JAR="$YISHI_HOME/target/yishi.jar"

# Builds target/yishi.jar when it is missing or older than the sources, unless a running process
# (a node or the database of scripts/cluster.sh) was started from it: rewriting a jar under a running
# JVM breaks that JVM's next class load (NoClassDefFoundError), and nodes of one cluster stay on one build.
ensure_jar() {
  if [ ! -f "$YISHI_JAR" ] || [ -n "$(find "$YISHI_HOME/src/main" "$YISHI_HOME/conf" "$YISHI_HOME/pom.xml" -newer "$YISHI_JAR" -print -quit)" ]; then
    local users
    users="$(jar_users)"
    if [ -n "$users" ]; then
      echo "target/yishi.jar is older than the sources, but process(es) $users run from it: not rebuilt (stop them first)" >&2
      return 0
    fi
    echo "Building target/yishi.jar ..."
    (cd "$YISHI_HOME" && mvn -B -q package -DskipTests)
  fi
}

# jar_users: the PIDs of running java processes started with -jar target/yishi.jar (space-separated).
jar_users() {
  local f pids=""
  [ -f "$YISHI_JAR" ] || return 0
  for f in /proc/[0-9]*/cmdline; do
    if tr '\0' '\n' 2>/dev/null <"$f" | grep -qxF -- "$YISHI_JAR"; then
      f="${f#/proc/}"
      pids+="${pids:+ }${f%/cmdline}"
    fi
  done
  echo "$pids"
}

# wait_ready URL SECONDS: waits until URL/ready answers 200.
wait_ready() {
  local url="$1" limit="${2:-120}" i
  for ((i = 0; i < limit * 2; i++)); do
    if curl -fs -o /dev/null "$url/ready"; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}
