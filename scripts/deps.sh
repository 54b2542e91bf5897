#!/bin/sh
# Make sure the Debian packages named on the command line are installed.
# As root: installs what is missing with apt-get. Otherwise: prints the exact
# command to run and fails, so `make` stops with a clear message.
set -eu
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "goc: installing missing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "goc: missing Debian packages:$missing" >&2
    echo "goc: run:  sudo apt-get install -y$missing" >&2
    exit 1
fi
