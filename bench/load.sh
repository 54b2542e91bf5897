# Background load for the benchmarks, sourced by bench/run.sh and
# bench/syscalls.sh: BENCH_LOAD=N background processes (default 0: none)
# of BENCH_LOAD_KIND spin (shell busy loops, the default) or cc (each
# compiles tests/impl.c at -O2 in a loop, as a build sharing the machine
# does; its objects go to $load_dir). load_start before a workload's first
# program, load_stop (by pid) after its last.
load=${BENCH_LOAD:-0}
kind=${BENCH_LOAD_KIND:-spin}
case "$kind" in spin|cc) ;; *) echo "bench: BENCH_LOAD_KIND is spin or cc" >&2; exit 1 ;; esac
load_dir=${load_dir:-${TMPDIR:-/tmp}}
load_pids=""
load_start() {
    i=0
    while [ "$i" -lt "$load" ]; do
        case "$kind" in
            spin) sh -c 'while :; do :; done' & ;;
            cc)   sh -c "while :; do ${CC:-cc} -std=c11 -O2 -I. -c tests/impl.c -o '$load_dir/load$i.o' 2>/dev/null; done" & ;;
        esac
        load_pids="$load_pids $!"
        i=$((i + 1))
    done
    [ "$load" -gt 0 ] && sleep 0.5   # let the load get going
    return 0
}
load_stop() {
    for p in $load_pids; do kill "$p" 2>/dev/null || true; done
    for p in $load_pids; do wait "$p" 2>/dev/null || true; done
    load_pids=""
}
trap load_stop EXIT
trap 'load_stop; exit 130' INT TERM
