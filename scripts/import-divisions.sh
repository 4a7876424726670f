#!/usr/bin/env bash
# scripts/import-divisions.sh [--mode atomic|skip-invalid] FILE
# Uploads a division CSV (code,name,level,parent_code; plain or gzipped) to the running node at
# YISHI_URL (default http://127.0.0.1:8080) as `admin` (password from YISHI_ADMIN_PASSWORD), shows
# the import's progress and prints its report. Needs only bash and curl.
#
# Exit status: 0 the file was applied; 1 the import failed or was not applied (the report says why);
# 2 bad usage, unreadable file or no password; 3 sign-in refused; 4 the node could not be reached or
# refused the upload (e.g. 413 too large).
set -uo pipefail

URL="${YISHI_URL:-http://127.0.0.1:8080}"
URL="${URL%/}"
MODE=atomic
FILE=""

usage() {
  echo "usage: scripts/import-divisions.sh [--mode atomic|skip-invalid] FILE" >&2
  echo "  uploads FILE to \$YISHI_URL (default http://127.0.0.1:8080) as admin, password from \$YISHI_ADMIN_PASSWORD" >&2
  exit 2
}
fail() {
  local status="$1"
  shift
  echo "import-divisions: $*" >&2
  exit "$status"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --mode) [ $# -ge 2 ] || usage; MODE="$2"; shift 2 ;;
    --mode=*) MODE="${1#--mode=}"; shift ;;
    -h|--help) usage ;;
    --) shift; [ $# -eq 1 ] || usage; FILE="$1"; shift ;;
    -*) usage ;;
    *) [ -z "$FILE" ] || usage; FILE="$1"; shift ;;
  esac
done
[ -n "$FILE" ] || usage
case "$MODE" in atomic|skip-invalid|skip_invalid) ;; *) fail 2 "--mode must be atomic or skip-invalid (got '$MODE')" ;; esac
[ -f "$FILE" ] && [ -r "$FILE" ] || fail 2 "no readable file '$FILE'"
[ -n "${YISHI_ADMIN_PASSWORD:-}" ] || fail 2 "set YISHI_ADMIN_PASSWORD to the password of the admin account"
command -v curl >/dev/null || fail 2 "curl is required"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/yishi-import.XXXXXX")" || fail 2 "cannot create a temporary directory"
chmod 700 "$WORK"
TOKEN=""
cleanup() {
  if [ -n "$TOKEN" ]; then # the token is of no further use: revoke it
    curl -s -o /dev/null --max-time 5 -X DELETE -K "$WORK/auth" "$URL/api/v1/auth/token" || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The first value of a top-level JSON field: the job's own fields come before its report, and a quote
# inside a JSON string is always escaped, so '"key":' cannot match inside one.
json_number() { grep -o "\"$1\":[0-9]*" "$2" | head -n 1 | cut -d: -f2; }
json_string() { grep -o "\"$1\":\"[^\"]*\"" "$2" | head -n 1 | cut -d'"' -f4; }
error_message() { sed -n 's/.*"message":"\(\([^"\\]\|\\.\)*\)".*/\1/p' "$1" | head -n 1; }
urlencode() { # byte by byte, so that any file name survives
  local LC_ALL=C s="$1" out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in
      [A-Za-z0-9._~-]) out+="$c" ;;
      *) out+="$(printf '%%%02X' "'$c")" ;;
    esac
  done
  printf '%s' "$out"
}

# --- sign in (the password goes to curl on stdin, never on a command line) ---------------------
escaped="$(printf '%s' "$YISHI_ADMIN_PASSWORD" | sed 's/\\/\\\\/g; s/"/\\"/g')"
status="$(printf '{"username":"admin","password":"%s"}' "$escaped" | curl -s -S --max-time 30 -o "$WORK/token.json" \
  -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @- "$URL/api/v1/auth/token")" \
  || fail 4 "cannot reach the node at $URL"
case "$status" in
  200) ;;
  401|422|429) fail 3 "sign-in as admin refused ($status): $(error_message "$WORK/token.json")" ;;
  *) fail 4 "sign-in failed with HTTP $status from $URL: $(error_message "$WORK/token.json")" ;;
esac
TOKEN="$(json_string token "$WORK/token.json")"
[ -n "$TOKEN" ] || fail 4 "the node's answer to sign-in holds no token"
# the token travels in a curl config file, not on the command line
printf 'header = "Authorization: Bearer %s"\n' "$TOKEN" >"$WORK/auth"

# --- upload (streamed by curl; the node spools it to disk) --------------------------------------
size="$(wc -c <"$FILE" | tr -d ' ')"
name="$(basename -- "$FILE")"
echo "Uploading $FILE ($size bytes) to $URL, mode $MODE ..."
progress=(-s)
[ -t 2 ] && progress=(--progress-bar)
status="$(curl "${progress[@]}" -S -K "$WORK/auth" -X POST -T "$FILE" -H 'Content-Type: application/octet-stream' \
  -o "$WORK/job.json" -w '%{http_code}' \
  "$URL/api/v1/divisions/imports?mode=$MODE&filename=$(urlencode "$name")")" || fail 4 "the upload to $URL failed"
case "$status" in
  202) ;;
  401|403) fail 3 "the node refused the upload ($status): $(error_message "$WORK/job.json")" ;;
  *) fail 4 "the node refused the upload (HTTP $status): $(error_message "$WORK/job.json")" ;;
esac
ID="$(json_number id "$WORK/job.json")"
[ -n "$ID" ] || fail 4 "the node's answer to the upload holds no job id"
echo "Import $ID queued; following $URL/api/v1/divisions/imports/$ID"

# --- follow the job -----------------------------------------------------------------------------
tty=0
[ -t 1 ] && tty=1
last=""
misses=0
while :; do
  status="$(curl -s -S --max-time 30 -K "$WORK/auth" -o "$WORK/job.json" -w '%{http_code}' \
    "$URL/api/v1/divisions/imports/$ID")" || status=000
  if [ "$status" != 200 ]; then
    misses=$((misses + 1))
    [ "$misses" -lt 30 ] || fail 4 "lost track of import $ID (last answer: HTTP $status)"
    sleep 2
    continue
  fi
  misses=0
  state="$(json_string status "$WORK/job.json")"
  case "$state" in succeeded|failed) break ;; esac
  phase="$(json_string phase "$WORK/job.json")"
  read_bytes="$(json_number bytes_read "$WORK/job.json")"
  total="$(json_number bytes_total "$WORK/job.json")"
  rows="$(json_number rows_read "$WORK/job.json")"
  percent=""
  if [ "$state" = running ] && [ "${phase:-reading}" = reading ] && [ -n "$total" ] && [ "$total" -gt 0 ]; then
    percent=" $((${read_bytes:-0} * 100 / total))%"
  fi
  line="  ${state}: ${phase:-waiting}${percent}, ${rows:-0} rows read"
  if [ "$tty" = 1 ]; then
    printf '\r%-70s' "$line"
  elif [ "$line" != "$last" ]; then
    echo "$line"
  fi
  last="$line"
  sleep 1
done
[ "$tty" = 1 ] && printf '\r%-70s\r' ""

# --- the report, as the node renders it for terminals -------------------------------------------
curl -s -S --max-time 30 -K "$WORK/auth" -H 'Accept: text/plain' "$URL/api/v1/divisions/imports/$ID" \
  || fail 4 "could not fetch the report of import $ID"
if [ "$state" = succeeded ]; then
  exit 0
fi
echo "import-divisions: import $ID failed; nothing was applied" >&2
exit 1
