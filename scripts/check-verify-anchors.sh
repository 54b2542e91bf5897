#!/bin/sh
# Every weakened twin of tests/verify/checks still names text that is in
# its header (an anchor line, and the text to weaken within 3 lines after
# it), so that an edit of a header cannot silently disarm make verify.
# Fast, and needs no GenMC: make test runs it.
set -eu
cd "$(dirname "$0")/.."
bad=0 n=0
while IFS='@' read -r name hdr anchor old new expect; do
    case "$name" in ''|'#'*) continue ;; esac
    hdr=$(echo "$hdr" | tr -d ' ')
    n=$((n + 1))
    ln=$(grep -nF -- "$anchor" "$hdr" | head -n 1 | cut -d: -f1)
    if [ -z "$ln" ]; then
        echo "check-verify-anchors: $(echo $name): no line of $hdr has: $anchor"; bad=1; continue
    fi
    if ! sed -n "${ln},$((ln + 3))p" "$hdr" | grep -qF -- "$old"; then
        echo "check-verify-anchors: $(echo $name): '$old' is not within 3 lines of $hdr:$ln"; bad=1
    fi
done < tests/verify/checks
[ $bad = 0 ] || exit 1
echo "verify anchors: all $n weakened twins find their text"
