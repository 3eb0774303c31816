#!/bin/sh
# apt-install.sh WHO PACKAGE...: install Debian packages for one of the .ci/install-*.sh
# scripts, non-interactively, after waiting (bounded) for another apt run to let go of the
# lock. Needs root (CI runs as root); WHO names the caller in messages.
set -eu
who="$1"; shift

if [ "$(id -u)" -ne 0 ]; then
    echo "$who: need root to install: $*" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Another apt run (e.g. one started at boot) may hold the lock: wait for it, bounded.
i=0
while command -v fuser >/dev/null 2>&1 && fuser /var/lib/dpkg/lock-frontend >/dev/null 2>&1 \
        && [ $i -lt 120 ]; do
    sleep 1; i=$((i + 1))
done
apt-get update -q
apt-get install -y -q --no-install-recommends "$@"
