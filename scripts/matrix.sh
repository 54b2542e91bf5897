#!/bin/sh
# make matrix: goc built and tested on the compilers, C libraries, CPUs and
# options its users have; a table target x result at the end.
#
# Usage: scripts/matrix.sh [all|ci] [row ...]
#   all   every row (make matrix)
#   ci    the x86_64 rows and one qemu row (.ci/run)
#   row   only the rows named (e.g. scripts/matrix.sh all armhf musl)
#
# Every row builds the test suites against tests/crit_shim.h (Criterion is
# not packaged for the foreign C libraries and CPUs), so a row needs only a
# compiler. Cross rows run under qemu-user, about 10x slower and with
# coarser timing: they run a named fast subset. stb_ds comes from
# libstb-dev's header, copied where a cross compiler can see it.
set -u
cd "$(dirname "$0")/.."
mode=${1:-all}
[ $# -gt 0 ] && shift
only=" $* "
out=build/matrix
mkdir -p "$out/inc/stb" "$out/inc32"
cp /usr/include/stb/stb_ds.h "$out/inc/stb/"
# gcc -m32 without gcc-multilib (which Debian cannot install beside the
# cross compilers) lacks only <asm/...>; the x86 one serves both widths.
ln -sfn /usr/include/x86_64-linux-gnu/asm "$out/inc32/asm"

FULL="test_atomic test_mutex test_rwmutex test_wg_once test_cond_sem test_smap test_chan test_select
      test_chan_stress test_goports test_pool test_timer test_context test_extremes test_fork test_fd"
SELF="test_hooks test_chan_alloc test_trap test_lasttouch test_pool_stack test_debug test_rwbias"
FAST="test_atomic test_mutex test_rwmutex test_wg_once test_cond_sem test_smap test_chan test_select
      test_chan_stress test_pool test_context test_extremes"
EXAMPLES="01_sort_done 04_chan_of_chans 08_graceful_close 10_pipeline_cancel 11_dispatcher 15_broadcast 17_sync_tools"
WARN="-Wall -Wextra -pedantic -Werror"
results=$out/results.txt
: > "$results"

# row NAME "CC" "FLAGS" "RUNNER" SET
#   SET full: every suite and some examples; fast: the FAST suites;
#   self: only what compiles goc in its own file (the SELF suites and the
#   examples), for GOC_STATIC. SKIP names suites a row leaves out.
SKIP=
row() {
    name=$1 cc=$2 flags=$3 runner=$4 set=$5
    case "$only" in "  ") ;; *" $name "*) ;; *) return 0 ;; esac
    d=$out/$name
    rm -rf "$d"
    mkdir -p "$d"
    log=$d/log.txt
    start=$(date +%s)
    printf '== %-22s %s %s\n' "$name" "$cc" "$flags"
    cflags="$WARN $flags -g -I. -I$out/inc -DGOC_TEST_SHIM"
    tests=$FULL self=$SELF examples=$EXAMPLES
    [ "$set" = fast ] && tests=$FAST self= examples=
    [ "$set" = self ] && tests=
    built=0 passed=0 failed=0 bfail=0 implok=1
    if [ -n "$tests" ] && ! $cc $cflags -c tests/impl.c -o "$d/impl.o" >> "$log" 2>&1; then
        bfail=1 implok=0; echo "   BUILD FAIL: tests/impl.c (see $log)"
    fi
    for t in $tests $self; do
        case " $SKIP " in *" $t "*) continue ;; esac
        case " $self " in
            *" $t "*) src="tests/$t.c" ;;
            *) src="tests/$t.c $d/impl.o" ;;
        esac
        case " $self " in *" $t "*) ;; *) [ $implok = 1 ] || continue ;; esac
        if $cc $cflags $src -o "$d/$t" -pthread $LIBS >> "$log" 2>&1; then
            built=$((built + 1))
            if timeout 900 $runner "$d/$t" > "$d/$t.out" 2>&1; then passed=$((passed + 1))
            else
                failed=$((failed + 1)); echo "   FAIL: $t (see $log)"
                # CI keeps only what is printed: say which test and why.
                grep -E '^\[FAIL\]|Assertion|timed out|signal' "$d/$t.out" | head -20 | sed 's/^/     /'
            fi
            cat "$d/$t.out" >> "$log"; rm -f "$d/$t.out"
        else
            bfail=1; echo "   BUILD FAIL: $t (see $log)"
        fi
    done
    if [ -n "$examples" ]; then
        for e in $examples; do
            if $cc $WARN $flags -I. -I$out/inc "examples/$e.c" -o "$d/$e" -pthread $LIBS >> "$log" 2>&1; then
                if timeout 300 $runner "$d/$e" >> "$log" 2>&1; then passed=$((passed + 1))
                else failed=$((failed + 1)); echo "   FAIL: examples/$e"; fi
            else
                bfail=1; echo "   BUILD FAIL: examples/$e (see $log)"
            fi
        done
    fi
    secs=$(( $(date +%s) - start ))
    if [ $bfail = 0 ] && [ $failed = 0 ]; then verdict=pass; else verdict=FAIL; fi
    printf '%-22s %-5s %3d passed %3d failed  %s %4d s  %s\n' "$name" "$verdict" "$passed" "$failed" \
        "$( [ $bfail = 0 ] && echo built || echo 'build failed' )" "$secs" "$set" | tee -a "$results"
}

LIBS=
# ---- x86_64: compilers, optimisation, language modes, C libraries ---------
row gcc-O2-c11          gcc   "-O2 -std=c11"   "" full
row gcc-O0-c11          gcc   "-O0 -std=c11"   "" full
row gcc-Os-c17          gcc   "-Os -std=c17"   "" full
row gcc-O2-gnu11        gcc   "-O2 -std=gnu11" "" full
row clang-O2-c11        clang "-O2 -std=c11"   "" full
row clang-Os-c17        clang "-Os -std=c17"   "" full
row clang-O0-gnu11      clang "-O0 -std=gnu11" "" fast
row musl-O2-c11         musl-gcc "-O2 -std=c11" "" full
# 32-bit: 10,000 simultaneous goc_go threads (the token-chain test) fit in
# 4 GiB of address space only with stacks smaller than the default 8 MiB.
STACK32=-DGOC_GO_STACK_SIZE=131072
row i386-O2-c11         gcc   "-m32 -O2 -std=c11 -I$out/inc32 $STACK32" "" full
# ---- options -----------------------------------------------------------------
row no-futex            gcc   "-O2 -std=c11 -DGOC_NO_FUTEX -DGOC_NO_EVENTFD" "" full
row spin-0              gcc   "-O2 -std=c11 -DGOC_SPIN=0" "" full
row no-thread-caches    gcc   "-O2 -std=c11 -DGOC_FREELIST_LOCAL=0 -DGOC_POOL_LOCAL=0" "" full
SKIP=test_chan_alloc     # it brings its own GOC_MALLOC
row custom-alloc        gcc   "-O2 -std=c11 -include tests/matrix_alloc.h" "" full
SKIP=
# GOC_DEBUG: every suite with the registry and the misuse checks on (none
# may panic where the rules allow, nor change a result)
row debug               gcc   "-O2 -std=c11 -DGOC_DEBUG" "" full
row static              gcc   "-O2 -std=c11 -DGOC_STATIC" "" self
# ---- C++: every header from a C++ program, goc compiled as C ---------------
cxx_row() {
    name=$1 cxx=$2 std=$3
    case "$only" in "  ") ;; *" $name "*) ;; *) return 0 ;; esac
    d=$out/$name
    rm -rf "$d"; mkdir -p "$d"
    start=$(date +%s)
    printf '== %-22s %s -std=%s\n' "$name" "$cxx" "$std"
    verdict=FAIL bres="build failed" passed=0 failed=1
    if gcc $WARN -O2 -std=c11 -I. -I$out/inc -c tests/impl.c -o "$d/impl.o" >> "$d/log.txt" 2>&1 &&
       $cxx -std=$std -Wall -Wextra -pedantic -Werror -O2 -I. tests/cxx_smoke.cpp "$d/impl.o" \
            -o "$d/cxx_smoke" -pthread >> "$d/log.txt" 2>&1; then
        bres=built
        if timeout 120 "$d/cxx_smoke" >> "$d/log.txt" 2>&1; then verdict=pass passed=1 failed=0; fi
    fi
    [ $verdict = pass ] || echo "   FAIL: see $d/log.txt"
    printf '%-22s %-5s %3d passed %3d failed  %s %4d s  %s\n' "$name" "$verdict" "$passed" "$failed" \
        "$bres" "$(( $(date +%s) - start ))" "c++" | tee -a "$results"
}
cxx_row g++-c++17       g++     c++17
cxx_row g++-c++20       g++     c++20
cxx_row clang++-c++17   clang++ c++17
cxx_row clang++-c++20   clang++ c++20
# ---- other CPUs, under qemu-user ---------------------------------------------
if [ "$mode" = all ] || [ "$mode" = ci ]; then
    # qemu runs ~10x slower: the stress loops scale down (T_SCALE), as under sanitizers.
    row aarch64-O2      aarch64-linux-gnu-gcc "-O2 -std=c11 -DT_SCALE=10" "qemu-aarch64 -L /usr/aarch64-linux-gnu" fast
fi
if [ "$mode" = all ]; then
    row armhf-O2        arm-linux-gnueabihf-gcc "-O2 -std=c11 -DT_SCALE=10 $STACK32" "qemu-arm -L /usr/arm-linux-gnueabihf" fast
    LIBS=-latomic
    row riscv64-O2      riscv64-linux-gnu-gcc "-O2 -std=c11 -DT_SCALE=10" "qemu-riscv64 -L /usr/riscv64-linux-gnu" fast
    LIBS=
fi
echo
echo "make matrix ($mode), $(date -u +%Y-%m-%d):"
cat "$results"
! grep -q ' FAIL ' "$results"
