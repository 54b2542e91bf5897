#!/bin/sh
# Make sure the Debian packages named on the command line are installed.
# As root: installs what is missing with apt-get. Otherwise: prints the exact
# command to run and fails, so `make` stops with a clear message.
#
# Without dpkg (Fedora, Alpine, Arch, macOS, ...) package names mean nothing
# to the system, so instead each package is probed by what it provides (a
# command, a header, a library that links) and whatever fails is listed under
# its Debian name with a hint; nothing is installed. GOC_DEPS_NO_DPKG=1 forces
# that path on a Debian system too (to test it, or to trust probes over dpkg).
#   CC                the C compiler the probes use (default cc)
#   CPPFLAGS LDFLAGS  passed to the probes too, as make passes them to builds
set -eu

# ---- Debian: ask dpkg, install with apt-get --------------------------------
if [ -z "${GOC_DEPS_NO_DPKG:-}" ] && command -v dpkg-query >/dev/null 2>&1; then
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
        # shellcheck disable=SC2086  # one word per package, on purpose
        apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
        echo "goc: missing Debian packages:$missing" >&2
        echo "goc: run:  sudo apt-get install -y$missing" >&2
        exit 1
    fi
    exit 0
fi

# ---- no dpkg: probe ---------------------------------------------------------
CC=${CC:-cc}
# The build compiles with -I. from the top of the tree, where a vendored
# stb_ds.h would sit; find that directory whatever the caller's cwd.
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM   # so the EXIT trap cleans up on a signal too

have() { command -v "$1" >/dev/null 2>&1; }

# src TEXT: the probe's C source, $tmp/t.c.
src() { printf '%s\n' "$1" >"$tmp/t.c"; }

# build COMPILER [FLAGS...]: compile (and link, unless -E/-c is given)
# $tmp/t.c, quietly; true if it worked. COMPILER is word-split on purpose,
# as make does with $(CC) ("gcc -m64" works).
build() {
    cc_=$1; shift
    # shellcheck disable=SC2086
    $cc_ ${CPPFLAGS:-} "$tmp/t.c" -o "$tmp/t.out" "$@" ${LDFLAGS:-} >/dev/null 2>&1
}

# The cross triplet a Debian architecture name stands for.
triplet() {
    case $1 in
        arm64)   echo aarch64-linux-gnu ;;
        armhf)   echo arm-linux-gnueabihf ;;
        armel)   echo arm-linux-gnueabi ;;
        riscv64) echo riscv64-linux-gnu ;;
        i386)    echo i686-linux-gnu ;;
        *)       echo "$1-linux-gnu" ;;   # amd64 etc.: rarely right, harmless
    esac
}

TINY='#include <stdio.h>
int main(void) { puts("goc"); return 0; }'

# probe NAME: sets hint (what the package is) and returns true if what it
# provides is here. Returns 2 for a package it cannot check.
probe() {
    case $1 in
    libcriterion-dev)
        hint="Criterion test framework (criterion.h, -lcriterion)"
        # Criterion supplies main(), so the Test() registration must link.
        src '#include <criterion/criterion.h>
Test(goc, probe) {}'
        build "$CC" -lcriterion ;;
    libstb-dev)
        hint="stb single-file libraries (stb/stb_ds.h, or a vendored stb_ds.h)"
        # Headers only: preprocessing is enough, as sync.h takes either form.
        src '#include <stb/stb_ds.h>'
        build "$CC" -E -I"$top" || { src '#include "stb_ds.h"'; build "$CC" -E -I"$top"; } ;;
    clang)
        hint="the clang C compiler"
        have clang ;;
    clang-[0-9]*)
        hint="the clang ${1#clang-} C compiler"
        have "$1" ;;
    pkg-config | pkgconf)
        hint="pkg-config (or pkgconf)"
        have pkg-config || have pkgconf ;;
    golang-go)
        hint="the Go toolchain (go), for the Go benchmarks"
        have go ;;
    cargo)
        hint="Rust's cargo, for the crossbeam benchmarks"
        have cargo ;;
    strace)
        hint="strace, to count syscalls in the benchmarks"
        have strace ;;
    linux-perf)
        hint="perf, to count system calls and context switches in the benchmarks"
        have perf ;;
    gnuplot-nox)
        hint="gnuplot, to plot the benchmarks"
        have gnuplot ;;
    cmake | meson)
        hint="the $1 build system"
        have "$1" ;;
    ninja-build)
        hint="the ninja build tool (ninja)"
        have ninja ;;
    libclang-rt-*-dev)
        v=${1#libclang-rt-}; v=${v%-dev}
        hint="clang's sanitizer and libFuzzer runtimes (clang -fsanitize=fuzzer)"
        # The clang of that version if there is one by that name, else clang.
        cl=clang; have "clang-$v" && cl="clang-$v"
        have "$cl" || return 1
        src '#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }'
        build "$cl" -fsanitize=fuzzer ;;
    llvm-*-dev)
        v=${1#llvm-}; v=${v%-dev}
        hint="LLVM $v development files (llvm-config-$v)"
        # Debian names it llvm-config-16; elsewhere llvm-config of that major.
        have "llvm-config-$v" && return 0
        have llvm-config || return 1
        case $(llvm-config --version 2>/dev/null) in "$v".*) return 0 ;; esac
        return 1 ;;
    musl-tools)
        hint="the musl C library and its musl-gcc wrapper"
        have musl-gcc ;;
    qemu-user)
        hint="qemu user-mode emulators (qemu-aarch64, qemu-arm, ...)"
        have qemu-aarch64 ;;
    gcc-*-linux-*)
        t=${1#gcc-}
        hint="the $t cross compiler ($t-gcc)"
        have "$t-gcc" ;;
    binutils-*-linux-*)
        t=${1#binutils-}
        hint="the $t binutils ($t-size)"
        have "$t-size" ;;
    libc6-dev-i386 | lib32gcc-*-dev)
        hint="32-bit x86 C library and libgcc (\$CC -m32)"
        src "$TINY"
        build "$CC" -m32 ;;
    libc6-dev-*-cross)
        a=${1#libc6-dev-}; a=${a%-cross}
        t=$(triplet "$a")
        hint="C library for $a cross builds (needs $t-gcc)"
        # What the package gives is what lets the cross gcc build a program.
        have "$t-gcc" || return 1
        src "$TINY"
        build "$t-gcc" ;;
    g++)
        hint="a C++ compiler (g++ or c++)"
        have g++ || have c++ ;;
    librust-*-dev)
        c=${1#librust-}; c=${c%-dev}
        hint="$c Rust crate sources"
        return 2 ;;
    *)
        hint=""
        return 2 ;;
    esac
}

# Missing packages are gathered as "name<TAB>hint" lines and listed at the
# end, the names in a column 18 wide or as wide as the longest one.
tab=$(printf '\t')
w=18
: >"$tmp/missing"
for p in "$@"; do
    # `|| rc=$?` keeps set -e from stopping at a failed probe.
    rc=0; probe "$p" || rc=$?
    case $rc in
    0) ;;
    2) # Not something a probe can see: say so, but do not fail for it.
       if [ -n "$hint" ]; then
           echo "goc: cannot check without dpkg: $p ($hint)" >&2
       else
           echo "goc: cannot check without dpkg: $p" >&2
       fi ;;
    *) printf '%s\t%s\n' "$p" "$hint" >>"$tmp/missing"
       if [ "${#p}" -gt "$w" ]; then w=${#p}; fi ;;
    esac
done
[ -s "$tmp/missing" ] || exit 0
{
    echo "goc: missing (no dpkg here, probed by compiling):"
    while IFS=$tab read -r p hint; do
        printf "  %-${w}s %s\n" "$p" "$hint"
    done <"$tmp/missing"
    echo "goc: install them with your system's package manager"
} >&2
exit 1
