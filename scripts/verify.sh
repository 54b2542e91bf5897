#!/bin/sh
# make verify: model-check goc's protocols with GenMC (tests/verify/).
#
#   scripts/verify.sh [check-name ...]     (default: every check)
#
# Each line of tests/verify/checks names a check (a program in tests/verify/)
# and its weakened twin: the same program built against a copy of the
# headers in which one spot is weakened on purpose (a memory order, or for
# a few checks a test or a wake). A check must pass (GenMC explores every
# execution RC11 allows, with loops bounded to VERIFY_UNROLL turns, and
# finds nothing) and its twin must fail (GenMC reports the bug) for the
# reason the line expects (a race, freed memory, a thread left asleep, an
# assertion), each within VERIFY_TIMEOUT seconds; otherwise the run fails.
# Prints a table as it goes.
#
# GenMC: $GENMC, else `genmc` on PATH, else $HOME/.cache/goc-genmc/bin/genmc,
# else it is built there by tools/genmc/build.sh (about 9 minutes).
set -eu
set -f   # assertion texts in GenMC's output must not glob
cd "$(dirname "$0")/.."
root=$(pwd)
timeout_s=${VERIFY_TIMEOUT:-300}
unroll=${VERIFY_UNROLL:-16}

genmc=${GENMC:-}
if [ -z "$genmc" ]; then
  if command -v genmc >/dev/null 2>&1; then genmc=$(command -v genmc)
  elif [ -x "${HOME:-/root}/.cache/goc-genmc/bin/genmc" ]; then genmc="${HOME:-/root}/.cache/goc-genmc/bin/genmc"
  else
    echo "verify: building GenMC (once, about 9 minutes)"
    genmc=$(sh tools/genmc/build.sh | tail -n 1)
    [ -x "$genmc" ] || { echo "verify: the GenMC build failed" >&2; exit 1; }
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# Copy the headers to $1 and weaken one spot: on the first line that
# contains ANCHOR or one of the 3 after it, the first OLD becomes NEW.
# Fails when the anchor or the text is not found (the twin would prove
# nothing), so a twin cannot silently drift away from the code.
weaken() { # dir header anchor old new
  mkdir -p "$1"
  set +f; cp "$root"/*.h "$1"/; set -f
  V_ANCHOR="$3" V_OLD="$4" V_NEW="$5" awk '
    BEGIN { state = 0; anchor = ENVIRON["V_ANCHOR"]; old = ENVIRON["V_OLD"]; new = ENVIRON["V_NEW"] }
    {
      if (state == 0 && index($0, anchor)) { state = 1; left = 4 }
      if (state == 1) {
        i = index($0, old)
        if (i) { $0 = substr($0, 1, i - 1) new substr($0, i + length(old)); state = 2 }
        else if (--left == 0) state = 3
      }
      print
    }
    END { exit state == 2 ? 0 : 1 }' "$root/$2" > "$1/$2"
}

# genmc on one program; prints "explored result seconds"; result is
# pass, FAIL (GenMC reported an error) or TIMEOUT / BROKEN.
run() { # include-dir file log
  t0=$(date +%s)
  set +e
  timeout "$timeout_s" "$genmc" --disable-estimation --unroll="$unroll" --disable-instruction-caching \
      -- -I"$1" -I"$root/tests/verify" "$root/tests/verify/$2" > "$3" 2>&1
  rc=$?
  set -e
  secs=$(( $(date +%s) - t0 ))
  n=$(sed -n 's/^Number of complete executions explored: *//p' "$3" | tail -n 1)
  if [ $rc = 124 ]; then res=TIMEOUT
  elif grep -q '^No errors were detected' "$3" && [ "${n:-0}" = 0 ]; then res=NONE   # every execution blocked: nothing was checked
  elif grep -q '^No errors were detected' "$3"; then res=pass
  elif grep -q 'Verification unsuccessful\|^Error' "$3"; then res=FAIL
  else res=BROKEN; fi
  why=$( (grep -m 1 '^Assertion violation' "$3" || grep -m 1 '^Error' "$3")  | sed 's/^Error: //; s/[ !]*$//; s/ /~/g')
  echo "${n:-0} $res $secs ${why:--}"
}

only=" $* "
bad=0 ran=0
printf '%-18s %-7s %10s %5s   %-8s %-34s %5s\n' check result executions s twin "what GenMC reported" s
grep -v '^\s*#' tests/verify/checks | grep -v '^\s*$' > "$work/list"
while IFS='@' read -r name header anchor old new expect; do
  name=$(echo "$name" | tr -d ' ')
  case "$expect" in
    race)   want='Non-atomic race' ;;
    freed)  want='access freed memory' ;;
    asleep) want='v_p_ == 0' ;;          # VERIFY_NOT_STUCK's assertion
    assert) want='Assertion violation' ;;
    *) echo "verify: $name: unknown expectation '$expect' in tests/verify/checks" >&2; exit 1 ;;
  esac
  [ "$only" = "  " ] || case "$only" in *" $name "*) ;; *) continue ;; esac
  ran=$((ran + 1))
  # A check with a second twin (its name on the next line too) runs once.
  if [ "$name" != "${last:-}" ]; then
    set -- $(run "$root" "$name.c" "$work/$name.log")
    n1=$1 r1=$2 s1=$3
  else s1=0; fi
  last=$name
  if weaken "$work/$name.weak" "$header" "$anchor" "$old" "$new"; then
    set -- $(run "$work/$name.weak" "$name.c" "$work/$name.weak.log")
    r2=$2 s2=$3 why=$(echo "$4" | tr '~' ' ')
    if [ "$r2" != FAIL ]; then r2="MISSED:$r2"
    else case "$why" in *"$want"*) r2=caught ;; *) r2="WRONG" ;; esac; fi
  else
    r2=NO-SPOT s2=0 why="the text to weaken is not in $header"
  fi
  printf '%-18s %-7s %10s %5s   %-8s %-34s %5s\n' "$name" "$r1" "$n1" "$s1" "$r2" "$why" "$s2"
  printf '%-18s   weakened, %s: %s -> %s\n' "" "$header" "$old" "$new"
  if [ "$r1" != pass ]; then
    bad=1; echo "--- $name ($r1):"
    if grep -q '^Error\|Assertion\|violation' "$work/$name.log"; then
      grep -A 3 '^Error\|Assertion\|violation' "$work/$name.log" | head -n 20
    else tail -n 20 "$work/$name.log"; fi
  fi
  if [ "$r2" = WRONG ]; then bad=1; echo "--- $name (weakened): caught, but not as expected ($expect: $want)"
  elif [ "$r2" != caught ]; then bad=1; echo "--- $name (weakened): the twin was not caught"; tail -n 5 "$work/$name.weak.log" 2>/dev/null || true; fi
done < "$work/list"
[ $ran -gt 0 ] || { echo "verify: no check named: $only" >&2; exit 1; }
[ $bad = 0 ] && echo "verify: every check passed and every weakened twin was caught" || { echo "verify: FAILED"; exit 1; }
