#!/bin/sh
# Every public header compiles alone, strictly, as C11 and C17 under gcc and
# clang, and from C++17; and one file includes every header twice, once
# plainly and once after GOC_IMPLEMENTATION.
set -u
cd "$(dirname "$0")/.."
out=build/check-headers
mkdir -p "$out"
headers=$(ls atomic.h sync.h chan.h pool.h timer.h context.h 2>/dev/null)
fail=0 n=0
for h in $headers; do
    printf '#include "%s"\nint main(void){return 0;}\n' "$h" > "$out/one.c"
    printf '#include "%s"\nint main(){return 0;}\n' "$h" > "$out/one.cpp"
    for cc in gcc clang; do
        for std in c11 c17; do
            n=$((n+1))
            if ! $cc -std=$std -Wall -Wextra -pedantic -Werror -I. -c "$out/one.c" -o "$out/one.o"; then
                echo "FAIL: $h alone, $cc -std=$std"; fail=1
            fi
        done
    done
    for cxx in g++ clang++; do
        n=$((n+1))
        if ! $cxx -std=c++17 -Wall -Wextra -pedantic -Werror -I. -c "$out/one.cpp" -o "$out/one.o"; then
            echo "FAIL: $h from C++17 ($cxx)"; fail=1
        fi
    done
done
{
    for h in $headers; do printf '#include "%s"\n' "$h"; done
    echo '#define GOC_IMPLEMENTATION'
    for h in $headers; do printf '#include "%s"\n' "$h"; done
    echo 'int main(void){ return goc_strerror(GOC_OK)[0] == 0; }'
} > "$out/twice.c"
for cc in gcc clang "gcc -DGOC_NO_FUTEX" "clang -DGOC_NO_FUTEX"; do
    n=$((n+1))
    if ! $cc -std=c11 -Wall -Wextra -pedantic -Werror -I. "$out/twice.c" -o "$out/twice" -pthread ||
       ! "$out/twice"; then
        echo "FAIL: every header twice (plain, then GOC_IMPLEMENTATION), $cc"; fail=1
    fi
done
if [ $fail = 0 ]; then echo "check-headers: $n compilations clean"; fi
exit $fail
