#!/bin/sh
# System calls per operation of each channel workload: futex (sleeping and
# waking) and sched_yield (the spin-then-yield phase), for goc and for Go,
# counted by `strace -f -c` on a run reduced by SCALE (default 20); and
# goc's system calls of every kind (start-up included: ~35 per process).
# strace stops every thread at every system call, which makes blocking more
# likely than in a free run: read the figures as upper bounds.
# Usage: bench/syscalls.sh BUILD_DIR [scale]
set -eu
dir=$1
scale=${2:-20}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
count() {   # count SYSCALL: the calls strace reported for it in $tmp ("total": all)
    awk -v s="$1" '$NF == s { print $4; found = 1 } END { if (!found) print 0 }' "$tmp"
}
printf '%-22s %10s %10s %10s %10s %10s\n' "workload (per op)" "goc futex" "goc yield" "goc all" "go futex" "go yield"
while read -r w ops; do
    n=$((ops / scale))
    strace -f -c -o "$tmp" "$dir/bench_chan" goc "$scale" "$w" >/dev/null
    gf=$(count futex); gy=$(count sched_yield); ga=$(count total)
    strace -f -c -e trace=futex,sched_yield -o "$tmp" "$dir/bench_go" "$scale" "$w" >/dev/null
    of=$(count futex); oy=$(count sched_yield)
    # each program runs its workload 3 times (best of 3)
    awk -v w="$w" -v n="$n" -v gf="$gf" -v gy="$gy" -v ga="$ga" -v of="$of" -v oy="$oy" \
        'BEGIN { d = 3 * n; printf "%-22s %10.4f %10.4f %10.4f %10.4f %10.4f\n", w, gf / d, gy / d, ga / d, of / d, oy / d }'
done <<LIST
chan_uncontended 10000000
chan_pingpong_unbuf 200000
chan_spsc_buf 10000000
chan_mpmc_buf 4000000
chan_mpmc_unbuf 400000
select_fanin 2000000
select_timeout_idle 10000000
LIST
