#!/usr/bin/env bash
# The whole test suite (the README's test command; .ci/run runs exactly this).
# Needs only JDK 17+ and Maven: PostgreSQL comes from Maven Central as embedded binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
exec mvn -B verify "$@"
