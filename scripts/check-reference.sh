#!/bin/sh
# docs/reference.md lists every public goc name under the header that
# declares it. This checks that it still does, so the reference cannot
# drift from the headers:
#   - every name a header exposes is listed, under that header;
#   - every name listed is mentioned by a goc header (options such as
#     GOC_NO_FUTEX are only tested in #if lines and named in the manuals).
# Usage: sh scripts/check-reference.sh [REFERENCE]   (default docs/reference.md)
# Needs only $CC (default cc) as a preprocessor, sed, grep, awk, sort, comm;
# no implementation macro is defined, so stb_ds need not be installed.
set -eu

# An argument is a path from where we were called; the default, from the
# repository root (where we go next).
ref=${1:-docs/reference.md}
shown=$ref                        # the name used in messages
case $ref in /*) ;; *) [ $# = 0 ] || ref=$PWD/$ref ;; esac
cd "$(dirname "$0")/.."
root=$PWD
CC=${CC:-cc}                      # unquoted below: it may carry flags ("gcc -m32")
LC_ALL=C                          # one collation for sort and comm
export LC_ALL
headers="atomic.h sync.h chan.h pool.h timer.h context.h"   # stack order

[ -f "$ref" ] || { echo "check-reference: $shown: no such file"; exit 1; }

tmp=${TMPDIR:-/tmp}/check-reference.$$
rm -rf "$tmp"
mkdir "$tmp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' HUP INT TERM

# ---- a. the names each header exposes -----------------------------------
# Preprocess a file that includes just the header, keeping the #defines
# (-dD) and the line markers that say which file each line comes from.
# Only lines from the goc headers count (not from system headers), and:
#   - macros: GOC_* names of #define lines, less the include guards
#     (GOC_ATOMIC_H, GOC_SYNC_H, ...); GOC__* is internal;
#   - the rest: goc_* identifiers of the code (declarations, typedefs,
#     inline functions), with string literals blanked first (messages
#     such as "goc: ..." would otherwise be read as code); goc__* is
#     internal. Directive lines are skipped: a macro body holds pasted
#     fragments (goc_atomic_##N##_load), not names.
extract() {
    awk -v root="$root" -v headers="$headers" '
        BEGIN { n = split(headers, h, " "); for (i = 1; i <= n; i++) goc[h[i]] = 1 }
        /^#[ \t]*[0-9]+[ \t]+"/ {            # line marker: # 12 "./sync.h" 2
            f = $0
            sub(/^#[ \t]*[0-9]+[ \t]+"/, "", f); sub(/".*/, "", f)
            while (sub(/^\.\//, "", f)) ;
            if (index(f, root "/") == 1) f = substr(f, length(root) + 2)
            ingoc = (f in goc)
            next
        }
        !ingoc { next }
        /^[ \t]*#[ \t]*define[ \t]/ {
            m = $0
            sub(/^[ \t]*#[ \t]*define[ \t]+/, "", m); sub(/[^A-Za-z0-9_].*/, "", m)
            if (m ~ /^GOC_[A-Z0-9][A-Z0-9_]*$/ && m !~ /_H_?$/) print m
            next
        }
        /^[ \t]*#/ { next }
        {
            line = $0
            gsub(/"([^"\\]|\\.)*"|\047([^\047\\]|\\.)*\047/, " ", line)
            gsub(/[^A-Za-z0-9_]+/, " ", line)
            k = split(line, w, " ")
            for (i = 1; i <= k; i++)
                if (w[i] ~ /^goc_[a-z0-9][a-z0-9_]*$/) print w[i]
        }'
}

# A name belongs to the first header in stack order that exposes it: what
# sync.h shows of atomic.h (which it includes) is atomic.h's.
: > "$tmp/seen"
: > "$tmp/owner"
for h in $headers; do
    printf '#include "%s"\n' "$h" > "$tmp/one.c"
    # If a header ever insists on stb_ds where GOC_NO_SMAP is not defined,
    # preprocess it again with the striped map left out.
    if ! $CC -std=c11 -E -dD -I. "$tmp/one.c" > "$tmp/pp" 2> "$tmp/err" &&
       ! $CC -std=c11 -E -dD -I. -DGOC_NO_SMAP "$tmp/one.c" > "$tmp/pp" 2> "$tmp/err"; then
        cat "$tmp/err"
        echo "check-reference: $CC cannot preprocess $h"
        exit 1
    fi
    extract < "$tmp/pp" | sort -u > "$tmp/exposed"
    comm -23 "$tmp/exposed" "$tmp/seen" | sed "s|\$| $h|" >> "$tmp/owner"
    sort -u "$tmp/seen" "$tmp/exposed" > "$tmp/seen.new"
    mv "$tmp/seen.new" "$tmp/seen"
done

# Every goc_/GOC_ word of each header's whole text (manual, #if lines,
# implementation): what a listed option or a manual-only name may rest on.
for h in $headers; do
    awk -v h="$h" '{
        gsub(/[^A-Za-z0-9_]+/, " ")
        for (i = 1; i <= NF; i++) if ($i ~ /^(goc|GOC)_/) print $i, h
    }' "$h"
done | sort -u > "$tmp/words"

# ---- b. the names the reference lists, per section ----------------------
# A section is a "## <header>" heading, up to the next "## " or "# "
# heading; an entry is a top-level bullet whose text starts with `name`
# (a function may show its parameters: `goc_chan_send(c, elem)`).
awk -v headers="$headers" '
    BEGIN { n = split(headers, h, " "); for (i = 1; i <= n; i++) goc[h[i]] = 1 }
    /^##?[ \t]/ {
        sec = ""
        if ($0 ~ /^##[ \t]/) { s = $2; gsub(/`/, "", s); if (s in goc) sec = s }
        next
    }
    sec == "" { next }
    /^[-*+][ \t]/ {
        s = $0; sub(/^[-*+][ \t]+/, "", s)
        if (match(s, /^`[A-Za-z_][A-Za-z0-9_]*/))
            print "ENTRY", sec, substr(s, 2, RLENGTH - 1)
        else
            print "BADBULLET", sec, NR
    }' "$ref" > "$tmp/listed"

# ---- c. compare -----------------------------------------------------------
awk -v ref="$shown" '
    FILENAME == ARGV[1] { owner[$1] = $2; next }                  # name header
    FILENAME == ARGV[2] { said[$1 " " $2] = 1; where[$1] = where[$1] " " $2; next }
    $1 == "BADBULLET" { print "line " $3 " (## " $2 "): a bullet that does not start with a `name`"; next }
    {
        sec = $2; name = $3
        if (++count[sec " " name] == 2) print name ": listed twice under ## " sec
        listed[sec " " name] = 1; names[name] = 1
        if (name !~ /^goc_[a-z0-9][a-z0-9_]*$/ && name !~ /^GOC_[A-Z0-9][A-Z0-9_]*$/)
            print name ": listed under ## " sec ", but it is not a public goc name"
        else if (name in owner) {
            if (owner[name] != sec)
                print name ": listed under ## " sec ", but it belongs to " owner[name]
        } else if (!(name in where))
            print name ": listed under ## " sec ", but not in any header"
        else if (!((name " " sec) in said))
            print name ": listed under ## " sec ", but " sec " never mentions it (" substr(where[name], 2) " does)"
    }
    END {
        for (name in owner)
            if (!((owner[name] " " name) in listed))
                print name ": public in " owner[name] ", but not listed under ## " owner[name] " in " ref
        total = 0
        for (name in names) total++
        print "TOTAL " total
    }' "$tmp/owner" "$tmp/words" "$tmp/listed" > "$tmp/report"

total=$(sed -n 's/^TOTAL //p' "$tmp/report")
if grep -qv '^TOTAL ' "$tmp/report"; then
    echo "check-reference: $shown does not match the headers:"
    grep -v '^TOTAL ' "$tmp/report" | sort | sed 's/^/  /'
    exit 1
fi
echo "reference: $total names, all in $shown"
