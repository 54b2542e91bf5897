# goc — build, test, benchmark.
#   make demo     build the examples and run a short showcase (make examples: all of them)
#   make test     header, licence/version and reference checks, the whole test
#                 suite (futex and GOC_NO_FUTEX), the README's code, a build
#                 without stb_ds, and make check-install
#   make install  headers, goc.pc and the CMake package (PREFIX, DESTDIR); make uninstall
#   make tsan     the suite under ThreadSanitizer
#   make asan     the suite under AddressSanitizer + UBSan
#   make fuzz     the libFuzzer target against a model, FUZZ_TIME seconds (default 60)
#   make soak     racing traffic for SOAK_TIME seconds under ASan + UBSan (not in CI)
#   make bench    benchmarks: goc against Go and pthreads, with ratios
#                 (BENCH_LOAD=N BENCH_LOAD_KIND=spin|cc: under background load)
#   make matrix   the suite per compiler, C library, CPU (qemu) and option
#   make size     .text bytes per module at -Os (x86_64, armhf)
# Missing Debian packages are installed when run as root; otherwise make
# stops and prints the apt-get command.

CC      ?= cc
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
WARN    := -std=c11 -Wall -Wextra -pedantic
CPPFLAGS += -I.
LDLIBS  += -pthread
B       := build

HEADERS := atomic.h sync.h chan.h pool.h timer.h context.h
TESTS   := test_atomic test_mutex test_rwmutex test_wg_once test_cond_sem test_smap \
           test_chan test_select test_chan_stress test_goports test_pool test_timer test_context test_ctx_more test_fd \
           test_extremes test_fork
# Each suite is built twice: on futexes and eventfds, and on the portable
# paths (the parking table, pipes).
# Suites that compile the implementation themselves (test hooks, a custom allocator).
SELF_IMPL := test_hooks test_chan_alloc test_lasttouch test_pool_stack test_debug test_rwbias
TEST_BINS := $(TESTS:%=$(B)/tests/%) $(TESTS:%=$(B)/tests/%_nofutex) $(B)/tests/test_trap \
             $(SELF_IMPL:%=$(B)/tests/%) $(SELF_IMPL:%=$(B)/tests/%_nofutex)
EXAMPLES := $(basename $(notdir $(wildcard examples/[0-9][0-9]_*.c))) hello_sync hello_chan demo
CRITERION_FLAGS ?= --jobs 1 --short-filename
TEST_LIBS ?= -lcriterion

DEPS_TEST  := libcriterion-dev libstb-dev clang pkg-config
DEPS_BENCH := golang-go libstb-dev strace librust-crossbeam-channel-dev librust-flume-dev \
              libglib2.0-dev pkg-config
# make matrix: musl, 32-bit x86 (without gcc-multilib, which Debian cannot
# install beside the cross compilers), cross compilers and qemu-user.
DEPS_MATRIX := libstb-dev clang g++ musl-tools libc6-dev-i386 lib32gcc-12-dev qemu-user \
               gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross \
               gcc-riscv64-linux-gnu libc6-dev-riscv64-cross

.PHONY: install uninstall check-install all test tsan asan soak demo examples readme-check bench-plot bench-fdcost bench-sidebyside matrix matrix-ci size bench bench-syscalls deps-test deps-bench check-headers clean run-tests fuzz verify
all: $(TEST_BINS)

deps-test:
	@sh scripts/deps.sh $(DEPS_TEST)
deps-bench:
	@sh scripts/deps.sh $(DEPS_BENCH)
	@command -v cargo >/dev/null 2>&1 || sh scripts/deps.sh cargo

check-headers: deps-test
	@sh scripts/check-headers.sh

# ---- tests ---------------------------------------------------------------
$(B)/impl.o: tests/impl.c $(HEADERS) | $(B)/tests
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
$(B)/impl_nofutex.o: tests/impl.c $(HEADERS) | $(B)/tests
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -DGOC_NO_FUTEX -DGOC_NO_EVENTFD -c $< -o $@
$(B)/tests/%: tests/%.c tests/testutil.h tests/crit_shim.h $(HEADERS) $(B)/impl.o
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) $< $(B)/impl.o -o $@ $(TEST_LIBS) $(LDLIBS)
$(B)/tests/%_nofutex: tests/%.c tests/testutil.h tests/crit_shim.h $(HEADERS) $(B)/impl_nofutex.o
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -DGOC_NO_FUTEX -DGOC_NO_EVENTFD $< $(B)/impl_nofutex.o -o $@ $(TEST_LIBS) $(LDLIBS)
# The GCC trap: implementation in the same translation unit, at -O2.
$(B)/tests/test_trap: tests/test_trap.c $(HEADERS) | $(B)/tests
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -O2 $< -o $@ $(TEST_LIBS) $(LDLIBS)
# Suites that compile the implementation themselves (SELF_IMPL).
$(SELF_IMPL:%=$(B)/tests/%): $(B)/tests/%: tests/%.c tests/testutil.h tests/crit_shim.h tests/hook_window.h $(HEADERS) | $(B)/tests
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) $< -o $@ $(TEST_LIBS) $(LDLIBS)
$(SELF_IMPL:%=$(B)/tests/%_nofutex): $(B)/tests/%_nofutex: tests/%.c tests/testutil.h tests/crit_shim.h tests/hook_window.h $(HEADERS) | $(B)/tests
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -DGOC_NO_FUTEX -DGOC_NO_EVENTFD $< -o $@ $(TEST_LIBS) $(LDLIBS)
$(B)/tests:
	mkdir -p $@

# The examples check their own results: the suite runs them too.
run-tests: $(TEST_BINS) $(EXAMPLES:%=$(B)/examples/%)
	@fail=0; for t in $(TEST_BINS); do \
	    echo "== $$t"; $(TEST_ENV) $$t $(CRITERION_FLAGS) || fail=1; \
	done; \
	for e in $(EXAMPLES:%=$(B)/examples/%); do \
	    echo "== $$e"; $(TEST_ENV) timeout 120 $$e > $$e.out 2>&1 || { cat $$e.out; echo "FAILED: $$e"; fail=1; }; \
	done; \
	if [ $$fail = 0 ]; then echo "ALL SUITES PASSED"; else echo "SOME SUITES FAILED"; exit 1; fi

test: deps-test
	@sh scripts/check-headers.sh
	@sh scripts/check-package.sh
	@sh scripts/check-reference.sh
	@sh scripts/check-debug-off.sh
	@sh scripts/check-verify-anchors.sh
	@$(MAKE) --no-print-directory run-tests readme-check
	@sh scripts/check-nostb.sh $(B) $(CC)
	@$(MAKE) --no-print-directory check-install

# Every code block of README.md compiles; those with a main() run.
readme-check: $(B)/impl.o
	@sh scripts/readme-check.sh $(B) $(CC)

# Criterion cannot start under TSan (its issue #274), so this build runs the
# same suites on tests/crit_shim.h, a minimal stand-in.
tsan: deps-test
	@$(MAKE) --no-print-directory run-tests B=build/tsan OPT=-O1 \
	    CFLAGS="-O1 -g -fsanitize=thread -Wno-tsan -DGOC_TEST_SHIM" LDLIBS="-pthread -fsanitize=thread" \
	    TEST_LIBS= CRITERION_FLAGS= \
	    TEST_ENV="TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:allocator_may_return_null=1"

asan: deps-test
	@$(MAKE) --no-print-directory run-tests B=build/asan OPT=-O1 \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDLIBS="-pthread -fsanitize=address,undefined" \
	    TEST_ENV="ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1"

# Soak: the primitives under racing traffic for SOAK_TIME seconds (default
# 600), with AddressSanitizer and UBSan watching (tests/soak.c). Not in CI.
SOAK_TIME  ?= 600
SOAK_FLAGS ?= -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
$(B)/soak/soak: tests/soak.c $(HEADERS)
	@mkdir -p $(B)/soak
	$(CC) $(WARN) $(CPPFLAGS) $(SOAK_FLAGS) $< -o $@ $(LDLIBS)
soak: deps-test $(B)/soak/soak
	ASAN_OPTIONS=detect_leaks=1 $(B)/soak/soak $(SOAK_TIME)

# ---- examples and demo ---------------------------------------------------
$(B)/examples/%: examples/%.c examples/check.h $(HEADERS)
	@mkdir -p $(B)/examples
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) $< -o $@ $(LDLIBS)

# The showcase. It needs a C compiler and pthreads only (no test
# framework, no stb_ds): make examples builds them all.
demo: $(B)/examples/demo
	@$(B)/examples/demo

# Every example, with its output.
examples: deps-test $(EXAMPLES:%=$(B)/examples/%)
	@for e in $(EXAMPLES); do echo "== examples/$$e.c"; $(B)/examples/$$e || exit 1; echo; done

# ---- portability -------------------------------------------------------------
# Every row of the matrix: compilers, C libraries, CPUs (qemu), options, C++.
matrix:
	@sh scripts/deps.sh $(DEPS_MATRIX)
	@sh scripts/matrix.sh all
# What CI runs: the x86_64 rows and one qemu row.
matrix-ci:
	@sh scripts/deps.sh $(DEPS_MATRIX)
	@sh scripts/matrix.sh ci
# .text bytes per module at -Os, x86_64 and armhf.
size:
	@sh scripts/deps.sh libstb-dev gcc-arm-linux-gnueabihf binutils-arm-linux-gnueabihf
	@sh scripts/size.sh

# ---- benchmarks ------------------------------------------------------------
$(B)/bench/bench_sync: bench/bench_sync.c bench/bench.h $(HEADERS)
	@mkdir -p $(B)/bench
	$(CC) -std=c11 -Wall -Wextra $(CPPFLAGS) -O2 -DNDEBUG $< -o $@ $(LDLIBS)
$(B)/bench/bench_chan: bench/bench_chan.c bench/bench.h $(HEADERS)
	@mkdir -p $(B)/bench
	$(CC) -std=c11 -Wall -Wextra $(CPPFLAGS) -O2 -DNDEBUG $< -o $@ $(LDLIBS)
$(B)/bench/bench_pool: bench/bench_pool.c bench/bench.h $(HEADERS)
	@mkdir -p $(B)/bench
	$(CC) -std=c11 -Wall -Wextra $(CPPFLAGS) -O2 -DNDEBUG $< -o $@ $(LDLIBS)
$(B)/bench/bench_go: bench/go/bench_sync.go bench/go/bench_chan.go bench/go/bench_pool.go
	@mkdir -p $(B)/bench $(B)/gocache
	cd bench/go && GOCACHE=$(CURDIR)/$(B)/gocache GO111MODULE=off go build -o $(CURDIR)/$@ bench_sync.go bench_chan.go bench_pool.go

# The Rust peers (crossbeam-channel, flume, std's mpsc): one crate, one
# binary each, built offline from Debian's crate sources.
RUST_PEERS := crossbeam flume stdmpsc
$(RUST_PEERS:%=$(B)/bench/bench_%) &: $(wildcard bench/rust/src/*.rs) bench/rust/Cargo.toml bench/rust/.cargo/config.toml
	@mkdir -p $(B)/bench
	cd bench/rust && CARGO_TARGET_DIR=$(CURDIR)/$(B)/cargo cargo build --release --quiet
	for p in $(RUST_PEERS); do cp $(B)/cargo/release/bench_$$p $(B)/bench/; done

# The GLib peer (GMutex, GRWLock, GAsyncQueue, GThreadPool, g_once).
$(B)/bench/bench_glib: bench/bench_glib.c bench/bench.h
	@mkdir -p $(B)/bench
	$(CC) -std=c11 -Wall -Wextra -O2 -DNDEBUG $$(pkg-config --cflags glib-2.0) $< -o $@ $$(pkg-config --libs glib-2.0) -pthread

$(B)/bench/bench_floor: bench/floor.c bench/bench.h
	@mkdir -p $(B)/bench
	$(CC) -std=c11 -Wall -Wextra -O2 -DNDEBUG $< -o $@ -pthread

BENCH_BINS := $(B)/bench/bench_sync $(B)/bench/bench_chan $(B)/bench/bench_pool $(B)/bench/bench_go \
              $(RUST_PEERS:%=$(B)/bench/bench_%) $(B)/bench/bench_glib $(B)/bench/bench_floor
bench: deps-bench $(BENCH_BINS)
	@BENCH_LOAD="$(BENCH_LOAD)" BENCH_LOAD_KIND="$(BENCH_LOAD_KIND)" BENCH_WORKLOADS="$(BENCH_WORKLOADS)" sh bench/run.sh $(B)/bench

# The quiet run and the loaded ones (make bench BENCH_LOAD=N) side by side,
# as a Markdown table (bench/sidebyside.sh).
bench-sidebyside:
	@sh bench/sidebyside.sh $(B)/bench

# What goc_poll_case and goc_chan_fd cost programs that do not use them:
# bench_chan before and after, one run (bench/fdcost.sh).
bench-fdcost:
	@B=$(B) sh bench/fdcost.sh

# The chart in README.md, from the table of the last make bench.
bench-plot:
	@sh scripts/deps.sh gnuplot-nox
	@sh scripts/bench-plot.sh $(B) docs/bench.png

# Futex and sched_yield calls and context switches per operation of each
# blocking workload, goc and every peer, counted by perf on a reduced run,
# quiet or under BENCH_LOAD (see bench/syscalls.sh).
bench-syscalls: deps-bench $(BENCH_BINS)
	@sh scripts/deps.sh linux-perf
	@BENCH_LOAD="$(BENCH_LOAD)" BENCH_LOAD_KIND="$(BENCH_LOAD_KIND)" BENCH_WORKLOADS="$(BENCH_WORKLOADS)" sh bench/syscalls.sh $(B)/bench

clean:
	rm -rf build

# ---- install -----------------------------------------------------------------
# Headers to $(PREFIX)/include/goc (#include <goc/chan.h>), pkg-config files
# (goc.pc; goc-smap.pc adds stb for the striped map) and the CMake package
# (find_package(goc CONFIG)) to $(PREFIX)/share, arch-independent since goc
# is headers only. Both find the headers relative to where they are
# installed, so DESTDIR (staging for a package) and a moved tree work.
# pkg-config cannot carry a path with a space, so such a PREFIX is refused.
PREFIX     ?= /usr/local
VERSION    := $(shell sed -n 's/^\#define GOC_VERSION  *"\(.*\)"/\1/p' atomic.h)
INC_DIR     = $(DESTDIR)$(PREFIX)/include/goc
SHARE_DIR   = $(DESTDIR)$(PREFIX)/share
CHECK_PREFIX = case "$(DESTDIR)$(PREFIX)" in *[[:space:]]*) \
	echo "goc: PREFIX and DESTDIR must not contain spaces (pkg-config cannot carry them)" >&2; exit 1;; esac

install:
	@$(CHECK_PREFIX)
	@test -n "$(VERSION)" || { echo "goc: no GOC_VERSION in atomic.h" >&2; exit 1; }
	install -d "$(INC_DIR)" "$(SHARE_DIR)/pkgconfig" "$(SHARE_DIR)/cmake/goc" "$(SHARE_DIR)/doc/goc"
	install -m 644 $(HEADERS) "$(INC_DIR)/"
	sed 's|@VERSION@|$(VERSION)|g' packaging/goc.pc.in > "$(SHARE_DIR)/pkgconfig/goc.pc"
	sed 's|@VERSION@|$(VERSION)|g' packaging/goc-smap.pc.in > "$(SHARE_DIR)/pkgconfig/goc-smap.pc"
	install -m 644 packaging/gocConfig.cmake "$(SHARE_DIR)/cmake/goc/"
	sed 's|@VERSION@|$(VERSION)|g' packaging/gocConfigVersion.cmake.in > "$(SHARE_DIR)/cmake/goc/gocConfigVersion.cmake"
	install -m 644 LICENSE CHANGELOG.md "$(SHARE_DIR)/doc/goc/"

# Removes what install wrote (not a CMake install's libgoc.a and targets).
uninstall:
	@$(CHECK_PREFIX)
	for h in $(HEADERS); do rm -f "$(INC_DIR)/$$h"; done
	rm -f "$(SHARE_DIR)/pkgconfig/goc.pc" "$(SHARE_DIR)/pkgconfig/goc-smap.pc" \
	    "$(SHARE_DIR)/cmake/goc/gocConfig.cmake" "$(SHARE_DIR)/cmake/goc/gocConfigVersion.cmake" \
	    "$(SHARE_DIR)/doc/goc/LICENSE" "$(SHARE_DIR)/doc/goc/CHANGELOG.md"
	-rmdir "$(INC_DIR)" "$(SHARE_DIR)/cmake/goc" "$(SHARE_DIR)/doc/goc" 2>/dev/null

# Builds a small program outside the tree by every route a user takes:
# pkg-config and CMake find_package against a DESTDIR install, CMake
# add_subdirectory and FetchContent, CMake's own install with goc::lib, a
# Meson subproject; runs each, uninstalls, cleans up (scripts/check-install.sh).
DEPS_INSTALL := cmake meson ninja-build pkg-config
check-install:
	@sh scripts/deps.sh $(DEPS_INSTALL)
	@sh scripts/check-install.sh $(B)/check-install

# The Go ports are fragments included by tests/test_goports.c.
$(B)/tests/test_goports $(B)/tests/test_goports_nofutex: $(wildcard tests/go/*.c tests/go/*.h)

# ---- fuzzing -------------------------------------------------------------
# libFuzzer target checking goc against a sequential model (tests/fuzz/fuzz_goc.c),
# for FUZZ_TIME seconds (default 60) on one process: make fuzz FUZZ_TIME=300
# clang's sanitizer runtimes (libFuzzer among them) are only a Recommends of
# clang on Debian 12, which scripts/deps.sh does not install: named here.
DEPS_FUZZ := clang libclang-rt-14-dev
fuzz: deps-test
	@sh scripts/deps.sh $(DEPS_FUZZ)
	@sh scripts/fuzz.sh $(or $(FUZZ_TIME),60)

# Model checking with GenMC (tests/verify/; builds GenMC once, ~9 min).
# VERIFY_CHECKS: names to run (default all); VERIFY_TIMEOUT: seconds per
# run (default 300); VERIFY_UNROLL: loop bound (default 16).
verify:
	@sh scripts/verify.sh $(VERIFY_CHECKS)
