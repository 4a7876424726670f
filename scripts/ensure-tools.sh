#!/usr/bin/env bash
# scripts/ensure-tools.sh: what the multi-host, load-balancer, backup and upgrade tests need beyond
# the JDK and Maven: iproute2 (ip netns), nginx, jq, curl, openssl, psql (Debian 12's
# postgresql-client, 15: plain queries against the embedded 17 server; backups need no client at all),
# fonts-noto-cjk. Installs the missing ones from
# Debian's packages (root or passwordless sudo); CI runs this before those tests.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"   # ip, nginx
missing=()
command -v ip >/dev/null || missing+=(iproute2)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v jq >/dev/null || missing+=(jq)
command -v curl >/dev/null || missing+=(curl)
command -v openssl >/dev/null || missing+=(openssl)
command -v ping >/dev/null || missing+=(iputils-ping)
command -v psql >/dev/null || missing+=(postgresql-client)
# the CJK fonts the README recommends: the suite must pass with them installed (PDF reports pick the
# Simplified Chinese face of the system collection, or the font the product carries)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo -n"
echo "Installing ${missing[*]} (Debian packages) ..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
# the package starts a system nginx on port 80; the tests run their own
if [[ " ${missing[*]} " == *" nginx "* ]]; then
  $sudo systemctl disable --now nginx >/dev/null 2>&1 || $sudo service nginx stop >/dev/null 2>&1 || true
fi
