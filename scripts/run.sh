#!/usr/bin/env bash
# Runs one Yishi node on this machine: embedded PostgreSQL under ./data, demo city on first start.
# Environment variables (YISHI_*) override conf/application.yaml; see README.md.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_jar
cd "$YISHI_HOME"
export YISHI_DEMO="${YISHI_DEMO:-true}"
echo "Starting Yishi on http://127.0.0.1:${YISHI_HTTP_PORT:-8080} (data in ${YISHI_DATA_DIR:-./data}) ..."
exec java ${YISHI_JAVA_OPTS:-} -jar "$YISHI_JAR"
