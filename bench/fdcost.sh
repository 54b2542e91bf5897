#!/bin/sh
# make bench-fdcost: what descriptors cost a program that does not use them.
#
# Builds bench_chan twice, against the headers of $FDCOST_BASE (the last
# commit before goc_poll_case and goc_chan_fd) and against this tree, and
# runs their workloads alternately in one run, ROUNDS rounds (each the best
# of 3 repetitions): "before", "now", and "now + fd" (every channel watched
# by goc_chan_fd, what an event loop's channels pay). Prints the median of
# each and the ratios now/before and now+fd/before; then what a select with
# a GOC_POLL case costs (select_fanin_pollcase, this tree only).
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
base=${FDCOST_BASE:-29c623a}
rounds=${ROUNDS:-5}
scale=${SCALE:-2}
out=$B/bench/fdcost
rm -rf "$out" && mkdir -p "$out/base"
git archive "$base" atomic.h sync.h chan.h | tar -x -C "$out/base"
cc=${CC:-cc}
$cc -std=c11 -O2 -DNDEBUG -I"$out/base" bench/bench_chan.c -o "$out/before" -pthread
$cc -std=c11 -O2 -DNDEBUG -I. bench/bench_chan.c -o "$out/now" -pthread
W="chan_uncontended chan_spsc_buf chan_pingpong_unbuf chan_mpmc_buf chan_mpmc_unbuf select_fanin select_timeout_idle"
: > "$out/raw"
r=1
while [ $r -le "$rounds" ]; do
    for w in $W; do
        "$out/before" goc "$scale" "$w" | awk -v v=before -v w="$w" '$1 == w { print w, v, $2 }' >> "$out/raw"
        "$out/now" goc "$scale" "$w" | awk -v v=now -v w="$w" '$1 == w { print w, v, $2 }' >> "$out/raw"
        BENCH_CHAN_FD=1 "$out/now" goc "$scale" "$w" | awk -v v=now+fd -v w="$w" '$1 == w { print w, v, $2 }' >> "$out/raw"
    done
    BENCH_POLLCASE=1 "$out/now" goc "$scale" select_fanin_pollcase |
        awk '$1 == "select_fanin_pollcase" { print $1, "now", $2 }' >> "$out/raw"
    r=$((r + 1))
done
echo "descriptor cost, $(date +%F), $rounds rounds (median ns/op; spread min-max), before = $base"
awk -v W="$W select_fanin_pollcase" '
    { v[$1 " " $2] = v[$1 " " $2] " " $3 }
    function med(s,   a, n, i, j, t) {
        n = split(s, a, " ")
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        lo = a[1]; hi = a[n]
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END {
        printf "%-22s %16s %16s %16s %9s %9s\n", "workload", "before", "now", "now + fd", "now/bef", "fd/bef"
        n = split(W, ws, " ")
        for (i = 1; i <= n; i++) {
            w = ws[i]
            if (w == "select_fanin_pollcase") {
                b = med(v["select_fanin now"]); m = med(v[w " now"]); mlo = lo; mhi = hi
                printf "%-22s %16s %7.1f (%.0f-%.0f) %16s %9s %9s   (vs select_fanin now: %.2f)\n", w, "-", m, mlo, mhi, "-", "-", "-", m / b
                continue
            }
            b = med(v[w " before"]); blo = lo; bhi = hi
            m = med(v[w " now"]); mlo = lo; mhi = hi
            f = med(v[w " now+fd"]); flo = lo; fhi = hi
            printf "%-22s %7.1f (%.0f-%.0f) %7.1f (%.0f-%.0f) %7.1f (%.0f-%.0f) %9.2f %9.2f\n", w, b, blo, bhi, m, mlo, mhi, f, flo, fhi, m / b, f / b
        }
    }' "$out/raw"
