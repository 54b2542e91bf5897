#!/bin/sh
# What makes goc a library others may take (make test runs it): a LICENSE;
# in every header an SPDX line near the top and the same licence block at
# the end; one version everywhere it is written (atomic.h's GOC_VERSION
# macros, line 1 of each header, CHANGELOG.md, meson.build); and nothing
# in the repository that points outside it.
set -eu
fail=0
bad() { echo "check-package: $*"; fail=1; }
headers="atomic.h sync.h chan.h pool.h timer.h context.h"

[ -f LICENSE ] && grep -q '^MIT License' LICENSE || bad "LICENSE with the MIT text is missing"

ver=$(sed -n 's/^#define GOC_VERSION  *"\(.*\)"/\1/p' atomic.h)
maj=$(sed -n 's/^#define GOC_VERSION_MAJOR  *\([0-9]*\)$/\1/p' atomic.h)
min=$(sed -n 's/^#define GOC_VERSION_MINOR  *\([0-9]*\)$/\1/p' atomic.h)
pat=$(sed -n 's/^#define GOC_VERSION_PATCH  *\([0-9]*\)$/\1/p' atomic.h)
[ -n "$ver" ] && [ "$ver" = "$maj.$min.$pat" ] || bad "atomic.h: GOC_VERSION \"$ver\" is not $maj.$min.$pat"

# The licence block: from the line that says so to the end of the file.
sed -n '/This software is available under the MIT licence/,$p' atomic.h > "${TMPDIR:-/tmp}/goc-licence.$$"
trap 'rm -f "${TMPDIR:-/tmp}/goc-licence.$$"' EXIT
[ -s "${TMPDIR:-/tmp}/goc-licence.$$" ] || bad "atomic.h: no licence block at the end"
for h in $headers; do
    head -n 1 "$h" | grep -q "^/\* goc $h - v$ver - " || bad "$h: line 1 does not say v$ver"
    head -n 5 "$h" | grep -q 'SPDX-License-Identifier: MIT' || bad "$h: no SPDX line in its first 5 lines"
    sed -n '/This software is available under the MIT licence/,$p' "$h" |
        cmp -s - "${TMPDIR:-/tmp}/goc-licence.$$" || bad "$h: its licence block differs from atomic.h's"
    grep -q 'SPDX-License-Identifier: MIT' "include/goc/$h" || bad "include/goc/$h: missing or no SPDX line"
done
grep -q "^## $ver " CHANGELOG.md || bad "CHANGELOG.md: no section for $ver"
# GOC_VERSION_NUMBER, as a program's #if sees it.
printf '#include "atomic.h"\ngoc_version_number = GOC_VERSION_NUMBER\n' > "${TMPDIR:-/tmp}/goc-ver.$$.c"
num=$(${CC:-cc} -E -P -I. "${TMPDIR:-/tmp}/goc-ver.$$.c" | sed -n 's/^goc_version_number = //p' | tr -d '() ')
rm -f "${TMPDIR:-/tmp}/goc-ver.$$.c"
[ -n "$num" ] && [ "$(( $num ))" = "$(( maj * 10000 + min * 100 + pat ))" ] ||
    bad "atomic.h: GOC_VERSION_NUMBER is $num, not $maj*10000 + $min*100 + $pat"
# The README's install examples name this version.
grep -q "find_package(goc $maj.$min CONFIG" README.md || bad "README.md: find_package(goc $maj.$min ...) not shown"
[ "$(grep -c "v$ver" README.md)" -ge 2 ] || bad "README.md: the FetchContent and wrap examples do not name v$ver"
grep -q "version: '$ver'" meson.build || bad "meson.build: project version is not $ver"

# Nothing may lean on files beside the repository (the team's shared
# directory): a clone must build, test and document itself.
outside=".."/shared   # split, so that this line does not match itself
files=$( (if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
              git ls-files; git ls-files --others --exclude-standard
          else find . -type f ! -path './.git/*' ! -path './build/*'; fi) |
         grep -v '\.tar\.gz$' || true)
hits=$(printf '%s\n' "$files" | while IFS= read -r f; do
           [ -f "$f" ] && grep -l -F "$outside" "$f" 2>/dev/null || true; done)
[ -z "$hits" ] || bad "these files point outside the repository ($outside): $hits"

[ $fail = 0 ] && echo "check-package: LICENSE, SPDX and licence block in all six headers, version $ver everywhere, nothing outside the tree"
exit $fail
