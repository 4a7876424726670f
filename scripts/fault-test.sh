#!/usr/bin/env bash
# The fault suite (docs/reliability.md): a 3-node cluster of separate processes on one database
# process, under a steady write load, through SIGKILL, a PostgreSQL stop/start, SIGSTOP/SIGCONT and
# a rolling restart. Loopback only; takes a few minutes. Figures: target/fault/results.json,
# node and database logs: target/fault/*.log. Runs only the fault-tagged tests (profile "fault").
set -euo pipefail
cd "$(dirname "$0")/.."
exec mvn -B test -Pfault "$@"
