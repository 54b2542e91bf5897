#!/bin/sh
# Build GenMC 0.10.3 (a stateless model checker for C11 programs under the
# RC11 memory model; https://plv.mpi-sws.org/genmc, GPLv3, unmodified source
# in genmc-0.10.3.tar.gz beside this script) on Debian 12.
#
#   sh tools/genmc/build.sh [PREFIX]     # default PREFIX: $HOME/.cache/goc-genmc
#
# Prints the path of the genmc binary on its last line. About 9 minutes on
# 2 cores; does nothing when PREFIX/bin/genmc already exists. Installs its
# Debian build dependencies with apt-get when run as root (else prints them).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${1:-${HOME:-/root}/.cache/goc-genmc}
if [ -x "$prefix/bin/genmc" ]; then echo "$prefix/bin/genmc"; exit 0; fi
deps="llvm-16-dev clang-16 libclang-16-dev libffi-dev zlib1g-dev libedit-dev autoconf automake make g++"
missing=""
for p in $deps; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q $missing >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $missing >/dev/null; }
  else
    echo "genmc needs: sudo apt-get install -y$missing" >&2; exit 1
  fi
fi
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
tar xzf "$here/genmc-0.10.3.tar.gz" -C "$src"
cd "$src/genmc-0.10.3"
autoreconf --install >/dev/null 2>&1
./configure --prefix="$prefix" --with-llvm=/usr/lib/llvm-16 >/dev/null
make -j"$(nproc)" >/dev/null
make install >/dev/null
echo "$prefix/bin/genmc"
