#!/bin/sh
# Builds one small program outside the tree by every route a user takes to
# goc, runs each, and cleans up (make check-install, run by make test):
#   1. make install DESTDIR=...  then pkg-config (goc.pc)
#   2. the same install, CMake find_package(goc CONFIG)
#   3. CMake add_subdirectory(goc), linking goc::lib (no implementation file)
#   4. CMake FetchContent from a tarball of the tree
#   5. CMake's own install (goc::lib included), then find_package
#   6. a Meson subproject through the README's wrap file
#   7. make uninstall leaves nothing behind
# The program includes <goc/context.h>, runs a goroutine, a channel and a
# context timeout, and compares goc_version() with GOC_VERSION.
# Usage: scripts/check-install.sh WORK_DIR
set -eu
root=$(pwd)
w=$1
case "$w" in /*) ;; *) w="$root/$w" ;; esac
rm -rf "$w"
mkdir -p "$w/app"
trap 'st=$?; [ $st = 0 ] || echo "check-install: FAILED (work dir kept: $w)"; exit $st' EXIT
cc=${CC:-cc}
gen=""
command -v ninja >/dev/null 2>&1 && gen="-G Ninja"

# A copy of the tree as a user gets it: the files git tracks, plus new
# ones not yet added (not the ignored build/); a tree without git: all.
mkdir -p "$w/src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    { git ls-files; git ls-files --others --exclude-standard; } |
        while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done > "$w/files"
else
    find . -path ./build -prune -o -path ./.git -prune -o -type f -print > "$w/files"
fi
tar cf - -T "$w/files" | (cd "$w/src" && tar xf -)

cat > "$w/app/main.c" <<'C'
#include <goc/context.h>
#include <stdio.h>
#include <string.h>

static void produce(void *arg) {
    goc_chan *c = arg;
    for (int i = 1; i <= 100; i++) goc_chan_send(c, &i);
    goc_chan_close(c);
    goc_chan_free(c);
}

int main(void) {
    if (strcmp(goc_version(), GOC_VERSION) != 0) {
        printf("headers %s, implementation %s\n", GOC_VERSION, goc_version());
        return 2;
    }
    goc_chan *c = goc_chan_make(sizeof(int), 8);
    goc_chan_retain(c);
    if (goc_go(produce, c) != GOC_OK) return 3;
    int v, sum = 0;
    while (goc_chan_recv(c, &v) == GOC_OK) sum += v;
    goc_chan_free(c);
    goc_ctx *ctx = goc_ctx_with_timeout(goc_ctx_background(), 5 * GOC_MILLISECOND);
    int got = goc_chan_recv(goc_ctx_done(ctx), NULL);
    int err = goc_ctx_err(ctx);
    goc_ctx_free(ctx);
    printf("goc %s: sum %d, context: %s\n", goc_version(), sum, goc_strerror(err));
    return sum == 5050 && got == GOC_CLOSED && err == GOC_DEADLINE ? 0 : 1;
}
C
printf '#define GOC_IMPLEMENTATION\n#include <goc/context.h>\n' > "$w/app/impl.c"
cat > "$w/app/smap.c" <<'C'
#include <goc/sync.h>
#include <stdio.h>

int main(void) {
    goc_smap *m = goc_smap_new(4);
    if (!m || goc_smap_put(m, 7, "seven") != GOC_OK) return 1;
    void *v = NULL;
    bool found = goc_smap_get(m, 7, &v);
    goc_smap_free(m);
    printf("striped map: 7 -> %s\n", found ? (const char *)v : "(missing)");
    return found ? 0 : 1;
}
C
# A program with stb_ds's implementation of its own (goc::lib must then not have it).
printf '#define STB_DS_IMPLEMENTATION\n#include <stb/stb_ds.h>\n' > "$w/app/stb.c"

ok() { echo "check-install: $1: $(cat "$2")"; }
ver=$(sed -n 's/^#define GOC_VERSION  *"\(.*\)"/\1/p' atomic.h)
maj=${ver%%.*}; rest=${ver#*.}; min=${rest%%.*}

# 1. make install into a staging root, then pkg-config.
dest="$w/root"
make -s -C "$w/src" install DESTDIR="$dest" PREFIX=/usr/local >/dev/null
pcdir="$dest/usr/local/share/pkgconfig"
[ "$(PKG_CONFIG_PATH=$pcdir pkg-config --modversion goc)" = "$ver" ] ||
    { echo "check-install: goc.pc does not say $ver"; exit 1; }
# goc.pc finds the headers relative to itself, so the staged tree works as is.
flags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags goc)
libs=$(PKG_CONFIG_PATH=$pcdir pkg-config --libs goc)
mkdir -p "$w/pc"
$cc -std=c11 -Wall -Wextra -Werror $flags "$w/app/main.c" "$w/app/impl.c" -o "$w/pc/app" $libs
"$w/pc/app" > "$w/pc/out"; ok "pkg-config goc" "$w/pc/out"
# goc-smap.pc: the striped map, with stb_ds from stb.pc.
flags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags goc-smap)
libs=$(PKG_CONFIG_PATH=$pcdir pkg-config --libs goc-smap)
$cc -std=c11 -Wall -Wextra -Werror $flags "$w/app/smap.c" "$w/app/impl.c" -o "$w/pc/smap" $libs
"$w/pc/smap" > "$w/pc/out"; ok "pkg-config goc-smap" "$w/pc/out"

# 2. CMake find_package against the same install.
cat > "$w/app/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.14)
project(app C)
set(ROUTE "" CACHE STRING "find, subdir, subdir_stb, fetch, lib")
if(ROUTE STREQUAL "find")
  find_package(goc ${GOC_WANT} CONFIG REQUIRED)
  add_executable(app main.c impl.c)
  target_link_libraries(app PRIVATE goc::goc)
elseif(ROUTE STREQUAL "lib")
  find_package(goc ${GOC_WANT} CONFIG REQUIRED)
  add_executable(app main.c)
  target_link_libraries(app PRIVATE goc::lib)
elseif(ROUTE STREQUAL "subdir")
  add_subdirectory(${GOC_DIR} goc)
  add_executable(app main.c)
  target_link_libraries(app PRIVATE goc::lib)
elseif(ROUTE STREQUAL "subdir_stb")
  set(GOC_LIB_STB_DS_IMPLEMENTATION OFF CACHE BOOL "" FORCE)
  add_subdirectory(${GOC_DIR} goc)
  add_executable(app smap.c stb.c)
  target_link_libraries(app PRIVATE goc::lib)
elseif(ROUTE STREQUAL "fetch")
  include(FetchContent)
  FetchContent_Declare(goc URL ${GOC_URL})
  FetchContent_MakeAvailable(goc)
  add_executable(app main.c impl.c)
  target_link_libraries(app PRIVATE goc::goc)
endif()
CM
cm() {   # cm NAME [cmake -D options...]: configure, build, run
    name=$1; shift
    cmake -S "$w/app" -B "$w/$name" $gen -DCMAKE_C_COMPILER="$cc" "$@" > "$w/$name.log" 2>&1 &&
        cmake --build "$w/$name" >> "$w/$name.log" 2>&1 || { cat "$w/$name.log"; exit 1; }
    "$w/$name/app" > "$w/$name/out"; ok "cmake $name" "$w/$name/out"
}
cm find -DROUTE=find -DGOC_WANT="$maj.$min" -DCMAKE_PREFIX_PATH="$dest/usr/local"
# The version file accepts M.m and M.m.p, and refuses the next minor
# (while M is 0: 0.x may break), the next major and 9.0.
for v in "$maj.$min" "$ver" "$maj.$((min + 1))" "$((maj + 1)).0" 9.0; do
    mkdir -p "$w/ver$v"
    printf 'cmake_minimum_required(VERSION 3.14)\nproject(v C)\nfind_package(goc %s CONFIG REQUIRED)\n' "$v" \
        > "$w/ver$v/CMakeLists.txt"
    if cmake -S "$w/ver$v" -B "$w/ver$v/b" -DCMAKE_PREFIX_PATH="$dest/usr/local" > "$w/ver$v/log" 2>&1; then
        got=yes; else got=no; fi
    want=no
    case "$v" in "$maj.$min"|"$ver") want=yes ;; esac
    [ "$got" = "$want" ] || { echo "check-install: find_package(goc $v) with goc $ver: accepted=$got"; cat "$w/ver$v/log"; exit 1; }
done

# 3. add_subdirectory of the source tree, linking the library.
cm subdir -DROUTE=subdir -DGOC_DIR="$w/src"
cm subdir_stb -DROUTE=subdir_stb -DGOC_DIR="$w/src"

# 4. FetchContent from a tarball.
(cd "$w" && tar czf goc-src.tar.gz -C src .)
cm fetch -DROUTE=fetch -DGOC_URL="file://$w/goc-src.tar.gz"

# 5. CMake's own build and install (with goc::lib), then find_package.
cmake -S "$w/src" -B "$w/gocbuild" $gen -DCMAKE_C_COMPILER="$cc" -DCMAKE_INSTALL_PREFIX="$w/cmroot" \
    > "$w/gocbuild.log" 2>&1 && cmake --build "$w/gocbuild" >> "$w/gocbuild.log" 2>&1 &&
    cmake --install "$w/gocbuild" >> "$w/gocbuild.log" 2>&1 || { cat "$w/gocbuild.log"; exit 1; }
cm lib -DROUTE=lib -DGOC_WANT="$ver" -DCMAKE_PREFIX_PATH="$w/cmroot"

# 6. Meson: the tree as subprojects/goc, found through the README's wrap file.
mkdir -p "$w/meson/subprojects"
cp "$w/app/main.c" "$w/app/impl.c" "$w/meson/"
cp -R "$w/src" "$w/meson/subprojects/goc"
awk '/^```ini/ { inblk = 1; next } /^```/ && inblk { exit } inblk { print }' README.md > "$w/meson/subprojects/goc.wrap"
grep -q '^\[provide\]' "$w/meson/subprojects/goc.wrap" || { echo "check-install: no wrap file (\`\`\`ini block) in README.md"; exit 1; }
cat > "$w/meson/meson.build" <<'MB'
project('app', 'c', default_options: ['c_std=c11'])
executable('app', 'main.c', 'impl.c', dependencies: dependency('goc'))
executable('app_lib', 'main.c', dependencies: dependency('goc-lib'))
MB
(cd "$w/meson" && CC="$cc" meson setup build > ../meson.log 2>&1 && ninja -C build >> ../meson.log 2>&1) ||
    { cat "$w/meson.log"; exit 1; }
"$w/meson/build/app" > "$w/meson/out"; ok "meson subproject (goc)" "$w/meson/out"
"$w/meson/build/app_lib" > "$w/meson/out"; ok "meson subproject (goc-lib)" "$w/meson/out"

# 7. make uninstall removes every file make install wrote.
make -s -C "$w/src" uninstall DESTDIR="$dest" PREFIX=/usr/local
left=$(find "$dest" -type f | sed "s|^$dest||")
[ -z "$left" ] || { echo "check-install: make uninstall left:"; echo "$left"; exit 1; }

rm -rf "$w"
echo "check-install: every route builds and runs (pkg-config, CMake find_package/add_subdirectory/FetchContent/install, Meson)"
