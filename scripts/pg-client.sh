#!/usr/bin/env bash
# scripts/pg-client.sh MAJOR
# Prints the directory holding pg_dump, pg_restore and psql of PostgreSQL MAJOR (e.g. 17), the
# version a backup of a MAJOR server needs (pg_dump refuses servers newer than itself).
# Looked for in order: $YISHI_PG_BIN, /usr/lib/postgresql/MAJOR/bin (Debian/PGDG packages),
# pg_dump on PATH, the cache ~/.cache/yishi/pg-MAJOR. When none fits, the client tools are built
# once into that cache from Debian's source package postgresql-MAJOR (Debian 12 ships only 15, and
# the embedded database's binaries carry only the server): needs root for apt-get (source download,
# gcc/make/bison/flex) and takes about two minutes on two cores. Progress goes to stderr.
set -euo pipefail
major="${1:?usage: scripts/pg-client.sh MAJOR}"
[[ "$major" =~ ^[0-9]{2}$ ]] || { echo "pg-client: bad major version '$major'" >&2; exit 2; }
cache="${YISHI_PG_CLIENT_CACHE:-$HOME/.cache/yishi}/pg-$major"

fits() { # DIR: has the three tools, of the right major version
  local d="$1"
  [ -x "$d/pg_dump" ] && [ -x "$d/pg_restore" ] && [ -x "$d/psql" ] || return 1
  "$d/pg_dump" --version 2>/dev/null | grep -Eq "\) $major(\.|$)"
}

for d in "${YISHI_PG_BIN:-}" "/usr/lib/postgresql/$major/bin" "$(dirname "$(command -v pg_dump 2>/dev/null || echo /nonexistent/x)")" "$cache/bin"; do
  if [ -n "$d" ] && fits "$d"; then
    echo "$d"
    exit 0
  fi
done

if [ "$(id -u)" != 0 ]; then
  echo "pg-client: no PostgreSQL $major client tools found; install postgresql-client-$major or set YISHI_PG_BIN" >&2
  exit 1
fi
echo "pg-client: building PostgreSQL $major client tools into $cache (once) ..." >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for tool in gcc make bison flex; do
  command -v "$tool" >/dev/null || need_tools=1
done
if [ -n "${need_tools:-}" ] || [ ! -f /usr/include/zlib.h ]; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc make bison flex zlib1g-dev >&2
fi
# a private apt state that knows Debian 13's source packages (postgresql-17 is in trixie), leaving
# the machine's own sources untouched
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
  >"$work/apt/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$work/apt/sources.list" -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache" -o "APT::Sandbox::User=root")
apt-get "${apt_opts[@]}" update -qq >&2
(cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only -qq "postgresql-$major" >&2)
tar xjf "$work"/src/postgresql-"$major"_*.orig.tar.bz2 -C "$work/src"
cd "$work"/src/postgresql-"$major".*/
./configure -q --prefix="$cache" --without-icu --without-readline --without-openssl --with-zlib >&2
make -s -j"$(nproc)" -C src/backend generated-headers >&2
for dir in src/interfaces/libpq src/bin/pg_dump src/bin/psql; do
  make -s -j"$(nproc)" -C "$dir" >&2
  make -s -C "$dir" install >&2
done
fits "$cache/bin" || { echo "pg-client: the build did not produce working tools in $cache/bin" >&2; exit 1; }
echo "pg-client: $("$cache/bin/pg_dump" --version)" >&2
echo "$cache/bin"
