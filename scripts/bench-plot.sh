#!/bin/sh
# Draws the benchmark chart (ns per operation, log scale, one group of bars
# per workload: goc, Go, crossbeam-channel, pthread) from the table the
# last `make bench` left in BUILD_DIR/bench/results/table.txt.
# Usage: scripts/bench-plot.sh BUILD_DIR OUT.png
set -eu
table=$1/bench/results/table.txt
out=$2
if [ ! -f "$table" ]; then
    echo "no $table: run make bench first" >&2
    exit 1
fi
data=$1/bench/results/plot.dat
# workload goc pthread go crossbeam, "-" -> NaN (gnuplot leaves the bar out)
awk 'NR > 1 && NF >= 5 && $1 !~ /_KiB$/ { for (i = 2; i <= 5; i++) if ($i == "-") $i = "NaN"; print $1, $2, $3, $4, $5 }' \
    "$table" > "$data"
when=$(sed -n 's/^# date: \([0-9-]*\).*/\1/p' "$1/bench/results/header.txt" 2>/dev/null || true)
mkdir -p "$(dirname "$out")"
gnuplot <<GP
set terminal pngcairo size 1400,640 font "DejaVu Sans,11"
set output "$out"
set title "goc vs its peers, ns per operation (log scale; lower is better) ${when:+- $when}"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
set logscale y
set yrange [0.1:*]
set ylabel "ns / op"
set grid ytics
set xtics rotate by -35 left noenhanced
set key top left
set datafile missing "NaN"
plot "$data" using 2:xtic(1) title "goc" lc rgb "#1f77b4", \
     "" using 4 title "Go" lc rgb "#2ca02c", \
     "" using 5 title "crossbeam-channel" lc rgb "#ff7f0e", \
     "" using 3 title "pthread / libc" lc rgb "#7f7f7f"
GP
echo "wrote $out"
