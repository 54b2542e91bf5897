#!/bin/sh
# The README's first program (channels and goc_go, no striped map) must
# build and run on a machine without stb_ds: only goc_smap needs it. This
# hides stb_ds by compiling against a copy of the system include tree
# without stb/ (symlinks, -nostdinc), proves the hiding works (an include
# of <stb/stb_ds.h> must fail there), then builds the program with
# -Werror, runs it, and checks that no stb_ds code was linked in; and
# builds the demo the same way.
# Usage: scripts/check-nostb.sh BUILD_DIR [CC]   (gcc or clang)
set -eu
b=$1/nostb
cc=${2:-cc}
rm -rf "$b"
mkdir -p "$b/inc" "$b/localinc"
# Shadows of /usr/include and /usr/local/include: every entry but stb/ and
# a loose stb_ds.h.
shadow() {
    [ -d "$1" ] || return 0
    for e in "$1"/*; do
        [ -e "$e" ] || continue
        case "$(basename "$e")" in stb|stb_ds.h) ;; *) ln -s "$e" "$2/$(basename "$e")" ;; esac
    done
}
shadow /usr/include "$b/inc"
shadow /usr/local/include "$b/localinc"
# The compiler's own headers (stddef.h, stdatomic.h, ...) and the C
# library's multiarch directory, as the default search path has them.
sys="-nostdinc"
for d in "$($cc -print-file-name=include)" "$($cc -print-file-name=include-fixed)" \
         "/usr/include/$($cc -print-multiarch 2>/dev/null || true)"; do
    [ -d "$d" ] && case "$d" in /usr/include/) ;; *) sys="$sys -isystem $d" ;; esac
done
sys="$sys -isystem $b/localinc -isystem $b/inc"
for inc in '<stb/stb_ds.h>' '"stb_ds.h"'; do
    printf '#include %s\n' "$inc" > "$b/probe.c"
    if $cc $sys -I. -E "$b/probe.c" -o /dev/null 2>/dev/null; then
        echo "check-nostb: could not hide $inc from $cc"; exit 1
    fi
done
awk '/^```c[[:space:]]*$/ { n++; next } /^```/ { if (n == 1) exit } n == 1 { print }' README.md > "$b/hello.c"
grep -q 'int main(' "$b/hello.c" || { echo "check-nostb: README's first block has no main()"; exit 1; }
# -I. as the README says; a stb_ds.h beside the headers would defeat the test.
[ ! -e stb_ds.h ] || { echo "check-nostb: stb_ds.h beside the headers"; exit 1; }
$cc -std=c11 -Wall -Wextra -pedantic -Werror -O2 $sys -I. "$b/hello.c" -o "$b/hello" -pthread
"$b/hello" > "$b/hello.out"
if nm "$b/hello" | grep -q stbds_; then
    echo "check-nostb: stb_ds code linked into a program that does not use goc_smap"; exit 1
fi
# GOC_STATIC too: no warning for the map's left-out functions.
$cc -std=c11 -Wall -Wextra -pedantic -Werror -O2 $sys -I. -DGOC_STATIC "$b/hello.c" -o "$b/hello_static" -pthread
"$b/hello_static" > /dev/null
# make demo asks for nothing but a C compiler and pthreads: the demo
# builds here too (it is not run: it takes ten seconds).
$cc -std=c11 -Wall -Wextra -pedantic -Werror -O2 $sys -I. examples/demo.c -o "$b/demo" -pthread
echo "check-nostb: with no stb_ds, the README's first program builds and runs, also with GOC_STATIC ($cc: $(head -n 1 "$b/hello.out")), and make demo's program builds"
