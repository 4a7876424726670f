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

# ---- database helpers for backup.sh / restore.sh

# embedded_url DATA_DIR: the postgresql:// URL of the running embedded database under DATA_DIR/pg
# (loopback, trusted), read from its postmaster.pid.
embedded_url() {
  local pidfile="$1/pg/postmaster.pid" pid port
  if [ ! -f "$pidfile" ]; then
    echo "no running embedded database under $1/pg (start the node, or: YISHI_DATA_DIR=$1 java -jar target/yishi.jar db)" >&2
    return 1
  fi
  pid="$(sed -n 1p "$pidfile")"; port="$(sed -n 4p "$pidfile")"
  kill -0 "$pid" 2>/dev/null || { echo "the embedded database under $1/pg is not running (stale postmaster.pid)" >&2; return 1; }
  echo "postgresql://postgres@127.0.0.1:$port/postgres"
}

# server_major URL: the server's major version (e.g. 17), asked with any psql at hand.
server_major() {
  local psql v
  for psql in "$(command -v psql 2>/dev/null)" /usr/lib/postgresql/*/bin/psql "$HOME"/.cache/yishi/pg-*/bin/psql; do
    [ -x "$psql" ] || continue
    v="$("$psql" -X -At -c "SHOW server_version_num" "$1" 2>/dev/null)" && [ -n "$v" ] && { echo $((v / 10000)); return 0; }
  done
  echo "cannot reach the database at $(redact "$1") (or no psql found)" >&2
  return 1
}

# redact URL: the URL without its password, for messages.
redact() { sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$1"; }

# manifest_sql: one line per table of the public schema: name, rows, MD5 of its rows in a fixed order.
manifest_sql() {
  cat <<'SQL'
SELECT t.relname || E'\t' || (xpath('/row/c/text()', x))[1]::text || E'\t' || (xpath('/row/h/text()', x))[1]::text
  FROM (SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relispartition) t,
       LATERAL query_to_xml(format('SELECT count(*) AS c, md5(coalesce(string_agg(r::text, E''\n'' ORDER BY r::text), '''')) AS h FROM public.%I r',
                                   t.relname), false, true, '') x
 ORDER BY t.relname;
SQL
}
