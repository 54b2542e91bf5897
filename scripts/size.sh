#!/bin/sh
# make size: the code each module's implementation adds, as .text bytes at
# -Os, for x86_64 and 32-bit ARM (armhf), each module compiled alone
# (GOC_<MODULE>_IMPLEMENTATION) so that a module's figure is its own.
# stb_ds (the striped map's hash tables) is listed apart.
set -eu
cd "$(dirname "$0")/.."
out=build/size
mkdir -p "$out/inc/stb"
cp /usr/include/stb/stb_ds.h "$out/inc/stb/"
printf '%-10s %10s %10s\n' "module" "x86_64" "armhf"
total_x=0 total_a=0
for m in atomic sync chan pool timer context stb_ds; do
    if [ $m = stb_ds ]; then
        printf '#define STB_DS_IMPLEMENTATION\n#include <stb/stb_ds.h>\n' > "$out/$m.c"
    else
        M=$(echo $m | tr a-z A-Z)
        extra=
        [ $m = sync ] && extra='#define GOC_NO_STB_DS_IMPLEMENTATION'
        printf '%s\n#define GOC_%s_IMPLEMENTATION\n#include "%s.h"\n' "$extra" "$M" "$m" > "$out/$m.c"
    fi
    row=""
    for cc in gcc arm-linux-gnueabihf-gcc; do
        case $cc in gcc) sz=size ;; *) sz=arm-linux-gnueabihf-size ;; esac
        $cc -std=c11 -Os -I. -I"$out/inc" -c "$out/$m.c" -o "$out/$m.$cc.o"
        text=$($sz -A "$out/$m.$cc.o" | awk '$1 ~ /^\.text/ { t += $2 } END { print t + 0 }')
        row="$row $text"
    done
    set -- $row
    printf '%-10s %10s %10s\n' "$m.h" "$1" "$2" | sed 's/^stb_ds.h /stb_ds    /'
    total_x=$((total_x + $1)) total_a=$((total_a + $2))
done
printf '%-10s %10s %10s\n' "total" "$total_x" "$total_a"
