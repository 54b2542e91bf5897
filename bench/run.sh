#!/bin/sh
# Runs goc and its peers (pthread, Go, GLib, and for channels the Rust
# ones: crossbeam-channel, flume, std's mpsc) and prints each program's
# lines, then a table with goc's ratios to Go and to the best thread-based
# peer (below 1: goc is faster).
# Usage: bench/run.sh BUILD_DIR [scale [rounds]]
#
# The machines are small shared VMs whose speed drifts from second to
# second. So each workload runs on its own, goc and its peers in turns,
# for ROUNDS rounds (default 3; each program also keeps the best of 3
# repeats inside), and the table shows each one's best: a slow moment of
# the host then hurts no side's figure. The pthread peer runs one round
# (its unbuffered channel takes ~25 us a message).
#
# BENCH_LOAD=N runs N background processes during every workload, the same
# for goc and every peer, started before the workload's first program and
# stopped (by pid) after its last: BENCH_LOAD_KIND=spin (default: shell
# busy loops) or cc (each compiles tests/impl.c at -O2 in a loop, as a
# build sharing the machine does). The results then go to
# results-<kind><N>/ beside the quiet results/. BENCH_WORKLOADS="a b"
# runs only those workloads. The floors (bench/floor.c: a futex and a
# sched_yield ping-pong, no library) run under the same load.
set -eu
dir=$1
scale=${2:-1}
rounds=${3:-${ROUNDS:-3}}
. "$(dirname "$0")/load.sh"   # load, kind, load_start, load_stop
if [ "$load" -gt 0 ]; then out=$dir/results-$kind$load; else out=$dir/results; fi
mkdir -p "$out"
rm -f "$out"/*.raw
peers="pthread go crossbeam flume stdmpsc glib"
for impl in goc $peers; do : > "$out/$impl.raw"; done

load_dir=$out      # where the compiler loops put their objects

sync_w="mutex_contended rwmutex_read_mostly rwmutex_rm_t1 rwmutex_rm_t2 rwmutex_rm_t8 wg_uncontended once_done smap_mixed"
pool_w="freelist_getput timer_churn timers_many_fire spawn_wait"
chan_w="chan_uncontended chan_pingpong_unbuf chan_spsc_buf chan_mpmc_buf chan_mpmc_unbuf select_fanin select_timeout_idle"

{
    echo "# machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//')"
    echo "# date: $(date -u +%Y-%m-%d), $(go version | cut -d' ' -f3), best of $rounds rounds"
    if [ "$load" -gt 0 ]; then echo "# load: $load background $kind processes during every workload"
    else echo "# load: none (quiet)"; fi
} | tee "$out/header.txt"
for w in $sync_w $chan_w $pool_w; do
    case " ${BENCH_WORKLOADS:-$w} " in *" $w "*) ;; *) continue ;; esac
    load_start
    case " $sync_w " in *" $w "*) prog=bench_sync ;; *) prog=bench_chan ;; esac
    case " $pool_w " in *" $w "*) prog=bench_pool ;; esac
    "$dir/$prog" pthread "$scale" "$w" | tee -a "$out/pthread.raw"
    r=0
    while [ $r -lt "$rounds" ]; do
        "$dir/$prog" goc "$scale" "$w" | tee -a "$out/goc.raw"
        "$dir/bench_go" "$scale" "$w" | tee -a "$out/go.raw"
        if [ "$prog" = bench_chan ]; then
            for p in crossbeam flume stdmpsc; do "$dir/bench_$p" "$scale" "$w" | tee -a "$out/$p.raw"; done
        fi
        "$dir/bench_glib" "$scale" "$w" | tee -a "$out/glib.raw"   # prints nothing where GLib has no primitive
        r=$((r + 1))
    done
    load_stop
done
load_start
"$dir/bench_floor" "$scale" | tee "$out/floor.txt"
load_stop
for impl in goc $peers; do    # best (lowest ns/op) line per workload, in order of first appearance
    awk '!($1 in best) { order[n++] = $1; best[$1] = $0; ns[$1] = $2 }
         $2 + 0 < ns[$1] + 0 { best[$1] = $0; ns[$1] = $2 }
         END { for (i = 0; i < n; i++) print best[order[i]] }' "$out/$impl.raw" > "$out/$impl.txt"
done

echo
awk '
    FNR == 1 { impl = FILENAME; sub(/.*\//, "", impl); sub(/\.txt$/, "", impl) }
    { ns[$1, impl] = $2; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
    function cell(v) { return v == "" ? "-" : v }
    function ratio(a, b) { return b == "" ? "-" : sprintf("%.2f", a / b) }
    END {
        np = split("pthread crossbeam flume stdmpsc glib", thr, " ")    # the thread-based peers
        printf "%-22s %9s %9s %9s %9s %9s %9s %9s %6s %6s %s\n", "workload (ns/op)", "goc", "pthread", "go",
               "crossbeam", "flume", "stdmpsc", "glib", "/go", "/thr", "(best thread peer)"
        for (i = 0; i < n; i++) {
            w = order[i]; g = ns[w, "goc"]; best = ""; who = "-"
            for (k = 1; k <= np; k++) {
                v = ns[w, thr[k]]
                if (v != "" && (best == "" || v + 0 < best + 0)) { best = v; who = thr[k] }
            }
            printf "%-22s %9s %9s %9s %9s %9s %9s %9s %6s %6s %s\n", w, g, cell(ns[w, "pthread"]), cell(ns[w, "go"]),
                cell(ns[w, "crossbeam"]), cell(ns[w, "flume"]), cell(ns[w, "stdmpsc"]), cell(ns[w, "glib"]),
                ratio(g, ns[w, "go"]), ratio(g, best), who
        }
    }' "$out/goc.txt" "$out/pthread.txt" "$out/go.txt" "$out/crossbeam.txt" "$out/flume.txt" \
       "$out/stdmpsc.txt" "$out/glib.txt" | tee "$out/table.txt"
awk '{ printf "%s%s %s ns", (NR > 1 ? ", " : "floors (a round trip, no library): "), $1, $2 } END { print "" }' \
    "$out/floor.txt" | sed 's/floor_//g; s/_pingpong//g' | tee "$out/floors.txt"
echo "(ratios: goc's figure divided by Go's (/go) and by the best thread-based peer's (/thr); below 1, goc is faster)"
echo "(glib's buffered chan_* rows: GAsyncQueue, which has no capacity, so its producers never wait)"
echo "(pthread peer for smap_mixed: one rwlock over one stb_ds map; Go peer: sync.Map;"
echo " pthread peer for chan_*: a mutex + two condition variables around a ring, no select)"
