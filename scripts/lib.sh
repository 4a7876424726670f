# Shared helpers for the scripts in this folder (sourced, not run).
YISHI_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
YISHI_JAR="$YISHI_HOME/target/yishi.jar"

# Builds target/yishi.jar when it is missing or older than the sources.
ensure_jar() {
  if [ ! -f "$YISHI_JAR" ] || [ -n "$(find "$YISHI_HOME/src/main" "$YISHI_HOME/conf" "$YISHI_HOME/pom.xml" -newer "$YISHI_JAR" -print -quit)" ]; then
    echo "Building target/yishi.jar ..."
    (cd "$YISHI_HOME" && mvn -B -q package -DskipTests)
  fi
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
