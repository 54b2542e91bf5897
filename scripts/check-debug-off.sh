#!/bin/sh
# Without GOC_DEBUG the debugging hooks must compile to nothing: the
# implementation is compiled as it is, and again from copies of the
# headers with every hook line (GOC__DBG_*, GOC__CH_DBG_*, GOC__SEL_DBG_*)
# deleted; the two disassemblies must be the same instructions (addresses
# aside), apart from goc_chan_set_name and goc_debug_dump, which are
# empty functions then.
set -eu
cd "$(dirname "$0")/.."
cc=${CC:-cc}
d=${B:-build}/debug-off
rm -rf "$d" && mkdir -p "$d/stripped/tests"
for h in atomic.h sync.h chan.h pool.h timer.h context.h; do
    grep -v 'GOC__DBG_REC\|GOC__DBG_BLOCK\|GOC__DBG_UNBLOCK\|GOC__CH_DBG_BLOCK(dbg\|GOC__SEL_DBG_BLOCK(dbg\|GOC__CH_DBG_IN(\|GOC__SEL_DBG_IN(\|GOC__DBG_HELD(' "$h" > "$d/stripped/$h"
done
cp tests/impl.c "$d/stripped/tests/"
norm() {
    objdump -d --no-show-raw-insn "$1" |
        sed -n '/^[0-9a-f]* <.*>:$/,$p' |
        sed 's/^ *[0-9a-f]*:[[:space:]]*//; s/0x[0-9a-f]*(%rip)/X(%rip)/g; s/[0-9a-f]\{1,\} <\([^>+]*\)\(+0x[0-9a-f]*\)\{0,1\}>/<\1\2>/g; s/^[0-9a-f]* </</' |
        awk '/^<goc_chan_set_name>:|^<goc_debug_dump>:/ { skip = 1; next } /^<.*>:$/ { skip = 0 } !skip'
}
for opt in -O2 -Os; do
    $cc -std=c11 $opt -I. -c tests/impl.c -o "$d/hooks.o"
    $cc -std=c11 $opt -I"$d/stripped" -c "$d/stripped/tests/impl.c" -o "$d/none.o"
    norm "$d/hooks.o" > "$d/hooks.s"
    norm "$d/none.o" > "$d/none.s"
    if ! diff -q "$d/hooks.s" "$d/none.s" > /dev/null; then
        echo "check-debug-off: with GOC_DEBUG off the hooks change the code ($opt):"
        diff "$d/none.s" "$d/hooks.s" | head -20
        exit 1
    fi
    n=$(grep -c . "$d/hooks.s")
    echo "debug-off ($opt): the implementation with its GOC_DEBUG hooks is the same $n instructions as without them"
done
