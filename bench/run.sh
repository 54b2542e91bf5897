#!/bin/sh
# Runs goc, the pthread peer and the Go peer in one go and prints each
# program's lines, then a table with the ratios goc/peer (below 1: goc is
# faster). Usage: bench/run.sh BUILD_DIR [scale]
set -eu
dir=$1
scale=${2:-1}
out=$dir/results
mkdir -p "$out"

echo "# machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//')"
echo "# date: $(date -u +%Y-%m-%d)"
for impl in goc pthread; do
    echo "## $impl"
    "$dir/bench_sync" "$impl" "$scale" | tee "$out/$impl.txt"
    "$dir/bench_chan" "$impl" "$scale" | tee -a "$out/$impl.txt"
done
echo "## go ($(go version | cut -d' ' -f3))"
"$dir/bench_go" "$scale" | tee "$out/go.txt"

echo
awk '
    FNR == 1 { impl = FILENAME; sub(/.*\//, "", impl); sub(/\.txt$/, "", impl) }
    { ns[$1, impl] = $2; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
    END {
        printf "%-22s %10s %10s %10s %12s %10s\n", "workload (ns/op)", "goc", "pthread", "go", "goc/pthread", "goc/go"
        for (i = 0; i < n; i++) {
            w = order[i]; g = ns[w, "goc"]; p = ns[w, "pthread"]; o = ns[w, "go"]
            printf "%-22s %10s %10s %10s %12s %10s\n", w, g, (p == "" ? "-" : p), (o == "" ? "-" : o),
                (p == "" ? "-" : sprintf("%.2f", g / p)), (o == "" ? "-" : sprintf("%.2f", g / o))
        }
    }' "$out/goc.txt" "$out/pthread.txt" "$out/go.txt" | tee "$out/table.txt"
echo "(pthread peer for smap_mixed: one rwlock over one stb_ds map; Go peer: sync.Map;"
echo " pthread peer for chan_*: a mutex + two condition variables around a ring, no select)"
