#!/bin/sh
# Compiles every ```c block of README.md, so the manual never drifts from
# the API: each block is a complete file. A block with a main() is linked
# (with the implementation, unless it compiles it itself) and run; it must
# exit 0. Usage: scripts/readme-check.sh BUILD_DIR CC
set -eu
b=$1/readme
cc=${2:-cc}
rm -rf "$b"
mkdir -p "$b"
# Split the blocks into block_01.c, block_02.c, ...
awk -v dir="$b" '
    /^```c[[:space:]]*$/ { n++; f = sprintf("%s/block_%02d.c", dir, n); inblk = 1; next }
    /^```/ && inblk     { inblk = 0; close(f); next }
    inblk               { print > f }
' README.md
flags="-std=c11 -Wall -Wextra -pedantic -Werror -O2 -I. -Iinclude"
fail=0
for f in "$b"/block_*.c; do
    name=$(basename "$f" .c)
    if grep -q 'int main(' "$f"; then
        if grep -q 'GOC_IMPLEMENTATION' "$f"; then
            $cc $flags "$f" -o "$b/$name" -pthread || { echo "README $name: does not build"; fail=1; continue; }
        else
            $cc $flags -c "$f" -o "$b/$name.o" && $cc "$b/$name.o" "$1/impl.o" -o "$b/$name" -pthread ||
                { echo "README $name: does not build"; fail=1; continue; }
        fi
        timeout 60 "$b/$name" > "$b/$name.out" 2>&1 || { cat "$b/$name.out"; echo "README $name: failed"; fail=1; }
    else
        $cc $flags -c "$f" -o "$b/$name.o" || { echo "README $name: does not compile"; fail=1; }
    fi
done
n=$(ls "$b"/block_*.c | wc -l)
[ $fail = 0 ] && echo "README: all $n code blocks compile (and those with main run)"
exit $fail
