#!/usr/bin/env bash
# Makes sure the browser tests (org.yishi.browser) have Debian's Chromium and ChromeDriver
# (/usr/bin/chromium, /usr/bin/chromedriver; YISHI_CHROMIUM / YISHI_CHROMEDRIVER point elsewhere).
# Installs the packages chromium and chromium-driver when missing and allowed (root, or
# passwordless sudo, with apt-get); otherwise fails naming the packages. No browser is downloaded
# from anywhere else. Also adds a CJK font when none is installed, so that screenshots are legible.
set -euo pipefail
chromium="${YISHI_CHROMIUM:-/usr/bin/chromium}"
driver="${YISHI_CHROMEDRIVER:-/usr/bin/chromedriver}"
present() { [ -x "$chromium" ] && [ -x "$driver" ]; }

as_root=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root="sudo -n"; else as_root="no"; fi
fi
apt() {
  local log
  log="$(mktemp)"
  if ! $as_root env DEBIAN_FRONTEND=noninteractive apt-get "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

if ! present; then
  if [ "$as_root" = "no" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Chromium is not installed: run apt-get install -y chromium chromium-driver (as root), then run the tests again" >&2
    exit 1
  fi
  echo "installing chromium and chromium-driver for the browser tests (apt-get)..." >&2
  apt update -qq && apt install -y -qq chromium chromium-driver || {
    echo "Chromium could not be installed: apt-get install -y chromium chromium-driver failed (see above)" >&2
    exit 1
  }
  present || { echo "Chromium is not installed: $chromium or $driver is still missing after apt-get install -y chromium chromium-driver" >&2; exit 1; }
fi

if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null)" ] && [ "$as_root" != "no" ]; then
  # only for legible screenshots: the tests do not depend on it
  apt install -y -qq fonts-wqy-microhei || echo "warning: no Chinese font (fonts-wqy-microhei); screenshots will show boxes" >&2
fi
