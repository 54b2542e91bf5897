#!/bin/sh
# scripts/fuzz.sh [SECONDS] - build the libFuzzer target tests/fuzz/fuzz_goc.c
# (goc against a sequential model, see the comment at its top) and run it
# for SECONDS (default 60) on one process. The seed corpus tests/fuzz/corpus
# is copied to a scratch directory under build/fuzz/, so the run never
# writes into the repository. Exits non-zero when the fuzzer finds a crash
# (the input is left in build/fuzz/, named crash-*, leak-*, timeout-*...).
#   FUZZ_FLAGS   extra clang flags (e.g. -DFUZZ_KNOWN_BUGS=1)
#   FUZZ_ARGS    extra libFuzzer arguments
set -eu
TIME=${1:-60}
CC=${FUZZ_CC:-clang}
OUT=build/fuzz
BIN=$OUT/fuzz_goc
cd "$(dirname "$0")/.."
mkdir -p "$OUT"
command -v "$CC" >/dev/null 2>&1 || { echo "fuzz.sh: $CC not found (apt-get install clang)"; exit 1; }

echo "== building $BIN"
# shellcheck disable=SC2086
"$CC" -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -fno-omit-frame-pointer -I. -I/usr/include/stb ${FUZZ_FLAGS:-} \
    tests/fuzz/fuzz_goc.c -o "$BIN" -pthread

WORK=$OUT/corpus
rm -rf "$WORK" "$OUT/artifacts"
mkdir -p "$WORK" "$OUT/artifacts"
[ -d tests/fuzz/corpus ] && cp tests/fuzz/corpus/* "$WORK"/ 2>/dev/null || true
# Past findings are replayed first, as regression tests.
for f in tests/fuzz/crashes/*; do
    case $f in *README*|*.c|*.md) ;; *) [ -f "$f" ] && cp "$f" "$WORK"/ ;; esac
done

echo "== fuzzing for ${TIME}s"
LOG=$OUT/fuzz.log
set +e
# shellcheck disable=SC2086
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
"$BIN" -max_total_time="$TIME" -timeout=10 -rss_limit_mb=2048 -jobs=1 -workers=1 \
    -print_final_stats=1 -artifact_prefix="$OUT/artifacts/" ${FUZZ_ARGS:-} "$WORK" >"$LOG" 2>&1
rc=$?
set -e
# A one-job run (-jobs=1) writes its output to fuzz-0.log in the current
# directory; keep it beside the rest.
if [ -f fuzz-0.log ]; then cat fuzz-0.log >>"$LOG"; rm -f fuzz-0.log; fi

# The crash report (if any), then the last status line and the final stats.
grep -E 'ERROR|runtime error|check failed|SUMMARY|Test unit written' "$LOG" | head -n 20 || true
echo "== summary"
grep -E '^#[0-9]+' "$LOG" | tail -n 1 || true
grep -E 'stat::' "$LOG" | sort -u || true
echo "corpus: $(ls "$WORK" | wc -l) inputs in $WORK"
if [ $rc -ne 0 ] || ls "$OUT"/artifacts/* >/dev/null 2>&1; then
    echo "fuzz.sh: FAILED (exit $rc); inputs in $OUT/artifacts/, log in $LOG"
    ls -l "$OUT"/artifacts/ 2>/dev/null || true
    exit 1
fi
echo "fuzz.sh: OK, no crash in ${TIME}s (log: $LOG)"
