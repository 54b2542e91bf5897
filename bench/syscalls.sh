#!/bin/sh
# What each blocking workload asks of the kernel, per operation, for goc
# and every peer: futex calls (sleeping and waking), sched_yield calls (the
# spin-then-yield phase) and context switches, on a run reduced by SCALE
# (default 10), quiet or under the same BENCH_LOAD / BENCH_LOAD_KIND as
# make bench (bench/load.sh). Each program runs its workload 3 times (best
# of 3) and start-up is included; the figures are per op over the 3 runs.
#
# Counted by perf's tracepoints, in the kernel, without stopping the
# program. Where they are not available (no linux-perf, or not allowed:
# kernel.perf_event_paranoid) it falls back to `strace -f -c`, which stops
# every thread at every system call and so makes blocking more likely:
# then read the figures as upper bounds, and it counts no context switches.
# Usage: bench/syscalls.sh BUILD_DIR [scale]
set -eu
dir=$1
scale=${2:-10}
. "$(dirname "$0")/load.sh"
tmp=$(mktemp -d)
load_dir=$tmp
trap 'load_stop; rm -rf "$tmp"' EXIT
events=syscalls:sys_enter_futex,syscalls:sys_enter_sched_yield,context-switches
if perf stat -x, -o "$tmp/p" -e "$events" true >/dev/null 2>&1; then tool=perf; else tool=strace; fi

# count PROGRAM ARGS...: "futex yield switches" for one run
count() {
    if [ $tool = perf ]; then
        perf stat -x, -o "$tmp/p" -e "$events" "$@" > /dev/null
        awk -F, '$3 ~ /futex/ { f = $1 } $3 ~ /sched_yield/ { y = $1 } $3 == "context-switches" { c = $1 }
                 END { print f + 0, y + 0, c + 0 }' "$tmp/p"
    else
        strace -f -c -e trace=futex,sched_yield -o "$tmp/p" "$@" > /dev/null
        awk '$NF == "futex" { f = $4 } $NF == "sched_yield" { y = $4 } END { print f + 0, y + 0, "-" }' "$tmp/p"
    fi
}

if [ "$load" -gt 0 ]; then echo "# load: $load background $kind processes; counted by $tool, scale 1/$scale"
else echo "# load: none (quiet); counted by $tool, scale 1/$scale"; fi
printf '%-22s %-10s %10s %10s %10s\n' "workload (per op)" impl futex sched_yield switches
# workload, its operations at scale 1, the C program that has it
while read -r w ops prog; do
    case " ${BENCH_WORKLOADS:-$w} " in *" $w "*) ;; *) continue ;; esac
    d=$((3 * (ops / scale)))
    load_start
    for impl in goc pthread go crossbeam flume stdmpsc glib; do
        case $impl in
            pthread) [ "$w" != select_fanin ] || continue   # its channel has no select
                     set -- "$dir/$prog" "$impl" "$scale" "$w" ;;
            goc) set -- "$dir/$prog" "$impl" "$scale" "$w" ;;
            go) set -- "$dir/bench_go" "$scale" "$w" ;;
            crossbeam|flume) [ "$prog" = bench_chan ] || continue
                       set -- "$dir/bench_$impl" "$scale" "$w" ;;
            stdmpsc) case $w in chan_pingpong_unbuf|chan_spsc_buf) ;; *) continue ;; esac   # one consumer, no select
                     set -- "$dir/bench_stdmpsc" "$scale" "$w" ;;
            glib) case $w in chan_mpmc_unbuf|select_fanin) continue ;; esac   # no rendezvous, no select
                  set -- "$dir/bench_glib" "$scale" "$w" ;;
        esac
        count "$@" | awk -v w="$w" -v i="$impl" -v d="$d" '
            function per(x) { return x == "-" ? "-" : sprintf("%.4f", x / d) }
            { printf "%-22s %-10s %10s %10s %10s\n", w, i, per($1), per($2), per($3) }'
    done
    load_stop
done <<LIST
mutex_contended 4000000 bench_sync
rwmutex_read_mostly 4000000 bench_sync
chan_pingpong_unbuf 200000 bench_chan
chan_spsc_buf 10000000 bench_chan
chan_mpmc_buf 4000000 bench_chan
chan_mpmc_unbuf 400000 bench_chan
select_fanin 2000000 bench_chan
LIST
