#!/bin/sh
# The quiet and loaded runs side by side, as a Markdown table: for each
# workload, goc, Go and the best thread-based peer (pthread, crossbeam,
# flume, std's mpsc or GLib, named) of each results directory that exists, and goc's ratio to that
# peer; then each run's floors. Usage: bench/sidebyside.sh BUILD_DIR/bench
# (after make bench, and make bench BENCH_LOAD=N for the loaded runs; the
# directories are results/ and results-<kind><N>/).
set -eu
dir=${1:-build/bench}
runs=""
for d in "$dir"/results "$dir"/results-*; do
    [ -f "$d/goc.txt" ] && runs="$runs $d"
done
[ -n "$runs" ] || { echo "sidebyside: no results in $dir (run make bench first)" >&2; exit 1; }
for d in $runs; do
    printf '%s: ' "$(basename "$d")"
    sed -n 's/^# load: //p' "$d/header.txt"
done
for d in $runs; do
    for impl in goc go pthread crossbeam flume stdmpsc glib; do
        [ -f "$d/$impl.txt" ] && awk -v run="$(basename "$d")" -v impl="$impl" '{ print run, impl, $1, $2 }' "$d/$impl.txt"
    done
done | awk -v runs="$runs" '
    BEGIN { nt = split("pthread crossbeam flume stdmpsc glib", thr, " ")
            nr = split(runs, rd, " "); for (i = 1; i <= nr; i++) { r = rd[i]; sub(/.*\//, "", r); run[i] = r; name[i] = r == "results" ? "quiet" : substr(r, 9) } }
    { v[$1, $2, $3] = $4; if (!($3 in seen)) { seen[$3] = 1; order[nw++] = $3 } }
    function num(x) { return x == "" ? "-" : x }
    END {
        h = "| workload |"; s = "|---|"
        for (i = 1; i <= nr; i++) { h = h " " name[i] ": goc | Go | best thread peer | goc/peer |"; s = s "---:|---:|---:|---:|" }
        print h; print s
        for (k = 0; k < nw; k++) {
            w = order[k]; line = "| " w " |"
            for (i = 1; i <= nr; i++) {
                r = run[i]; g = v[r, "goc", w]; o = v[r, "go", w]
                best = ""; who = ""
                for (t = 1; t <= nt; t++) {
                    p = v[r, thr[t], w]
                    if (p != "" && (best == "" || p + 0 < best + 0)) { best = p; who = thr[t] }
                }
                cell = best == "" ? "-" : best " (" who ")"
                ratio = (best == "" || g == "") ? "-" : sprintf("%.2f", g / best)
                line = line " " num(g) " | " num(o) " | " cell " | " ratio " |"
            }
            print line
        }
    }'
for d in $runs; do
    [ -f "$d/floors.txt" ] && printf '%s %s\n' "$(basename "$d"):" "$(cat "$d/floors.txt")"
done
