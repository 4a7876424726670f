#!/usr/bin/env bash
# The whole test suite (the README's test command; .ci/run runs exactly this).
# Needs JDK 17+ and Maven (PostgreSQL comes from Maven Central as embedded binaries) and, for the
# browser tests, Debian's chromium + chromium-driver: installed here when missing and allowed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-chromium.sh
exec mvn -B verify "$@"
