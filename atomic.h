/* goc atomic.h - v0.1.0 - typed atomics, spinning, and address wait/wake for C11
 * SPDX-License-Identifier: MIT
 *
 * goc brings Go's concurrency toolkit to C as single-header modules. This
 * header is the floor every other goc header stands on:
 *
 *   - result codes (GOC_OK, GOC_CLOSED, ...) and goc_strerror()
 *   - durations (goc_duration: signed 64-bit nanoseconds) and a monotonic clock
 *   - typed atomics (i32, i64, u32, u64, uptr, ptr, bool), as Go's sync/atomic
 *   - cache-line padding, goc_cpu_relax(), bounded spin-then-park backoff
 *   - goc_wait_u32 / goc_wake_one / goc_wake_all: the one parking primitive
 *     every blocking goc call ends in (the C analogue of C++20 atomic::wait)
 *
 * DO THIS ONCE
 *   In exactly one C file:
 *       #define GOC_ATOMIC_IMPLEMENTATION     (or GOC_IMPLEMENTATION for all)
 *       #include "atomic.h"
 *   Everywhere else include it plainly. The implementation is C11; the
 *   declarations also compile as C++ (wrapped in extern "C", no _Atomic type).
 *
 * OPTIONS (set globally, before every include, unless said otherwise)
 *   GOC_STATIC        every goc function is static to the translation unit.
 *   GOC_SPIN          microseconds a blocked thread may spin (and yield the
 *                     CPU) before it parks (default 10), the one meaning it
 *                     has everywhere in goc. 0 turns spinning off entirely:
 *                     on a strict-priority RTOS a spinning thread can starve
 *                     the very thread it waits for. Derived from it: an
 *                     idle goc_go thread waits 5 x GOC_SPIN for its next
 *                     task (pool.h says why); a channel operation watches
 *                     a busy slot up to 16 x GOC_SPIN times, and after its
 *                     spin yields the CPU up to GOC_SPIN / 2 times. Values
 *                     above 1000000 (1 s) count as 1 s, negative ones as
 *                     0. A timeout shorter than GOC_SPIN may take GOC_SPIN
 *                     to expire in sync.h's locks. Nothing in goc spins
 *                     without bound.
 *   GOC_NO_FUTEX      use the portable parking table (mutex + condvar slots)
 *                     instead of Linux futexes (only where the implementation
 *                     is compiled). Other systems always use the table.
 *   GOC_MALLOC(sz), GOC_CALLOC(n, sz), GOC_FREE(p)
 *                     the allocator (only where implementations are
 *                     compiled). Define GOC_MALLOC and GOC_FREE together;
 *                     GOC_CALLOC is built from GOC_MALLOC if not given.
 *   GOC_MODEL_CHECK   build for the GenMC model checker (make verify): the
 *                     wait/wake layer and the clock become models of
 *                     themselves, spinning is off (GOC_SPIN defaults to 0)
 *                     and nothing calls the OS. See "model checking" in
 *                     the implementation. Not for programs.
 *   GOC_PANIC(msg)    called on programming errors that Go answers with a
 *                     panic (negative WaitGroup counter, unlock of an unlocked
 *                     mutex, ...). Default: "goc: <msg>" on stderr, abort().
 *
 * VERSION
 *   GOC_VERSION ("0.1.0"), GOC_VERSION_MAJOR, _MINOR, _PATCH, and
 *   GOC_VERSION_NUMBER (major * 10000 + minor * 100 + patch) for #if tests.
 *   goc_version() returns the version of the implementation linked in.
 *
 * RESULT CODES
 *   Functions that can fail return int: GOC_OK (0) or one of GOC_CLOSED,
 *   GOC_TIMEOUT, GOC_WOULDBLOCK, GOC_EINVAL, GOC_ENOMEM, GOC_CANCELED,
 *   GOC_DEADLINE. goc_strerror(code) names one; it never returns NULL.
 *
 * ATOMICS
 *   goc_atomic_T for T in i32 i64 u32 u64 uptr ptr bool. A struct whose
 *   zero value is 0/NULL/false; touch it only through these functions.
 *     goc_atomic_T_load(a)            goc_atomic_T_store(a, v)
 *     goc_atomic_T_swap(a, v) -> old  goc_atomic_T_cas(a, old, new) -> bool
 *     integers: _add(a, d) -> new value; _and(a, m), _or(a, m) -> old value
 *   These are sequentially consistent, like Go's. Each also has an _explicit
 *   form taking a memory order (GOC_RELAXED, GOC_ACQUIRE, GOC_RELEASE,
 *   GOC_ACQ_REL, GOC_SEQ_CST):
 *     _load_explicit(a, mo)  _store_explicit(a, v, mo)  _swap_explicit(a, v, mo)
 *     _cas_explicit(a, &expected, desired, mo_ok, mo_fail)      (strong)
 *     _cas_weak_explicit(a, &expected, desired, mo_ok, mo_fail) (may fail
 *         spuriously: use it in loops; cheaper on LL/SC machines such as ARM)
 *     integers: _fetch_add_explicit, _fetch_and_explicit, _fetch_or_explicit
 *         (return the old value)
 *   goc_atomic_fence(mo) is a thread fence.
 *
 * SPINNING
 *   GOC_CACHELINE, GOC_ALIGNED_CACHELINE (an alignment for a struct member),
 *   goc_cpu_relax() (PAUSE on x86, YIELD on ARM).
 *   goc_backoff b = {0};  while (!ready()) { if (!goc_backoff_snooze(&b)) park(); }
 *   goc_backoff_snooze spins 1, 2, 4 .. 32 relax instructions, then yields
 *   the CPU, and returns false once GOC_SPIN microseconds are used (about:
 *   the clock starts at the first yield): time to park.
 *
 * WAIT / WAKE
 *   int  goc_wait_u32(const goc_atomic_u32 *addr, uint32_t expected, goc_duration timeout);
 *       Blocks while *addr == expected, until woken or timeout passes
 *       (GOC_FOREVER: no limit; any timeout <= 0: do not wait, answer
 *       GOC_TIMEOUT if *addr still equals expected). GOC_OK or GOC_TIMEOUT.
 *       Spurious returns happen (as with a futex): always re-check the
 *       condition in a loop. A timeout of 2^31 seconds (68 years) or more
 *       is no limit (it would not fit a 32-bit time_t).
 *   void goc_wake_one(goc_atomic_u32 *addr);  void goc_wake_all(goc_atomic_u32 *addr);
 *       Wake one / every thread waiting on addr. Change *addr first.
 *   It is safe to wake an address whose memory has been freed or reused: the
 *   wake only compares addresses, and a thread it reaches sees a spurious
 *   return. goc relies on this when a waiter's stack frame may already be gone.
 *   On Linux this is a futex; elsewhere (or with GOC_NO_FUTEX) a hashed table
 *   of parking slots, each a mutex and a FIFO of waiters with their own
 *   condition variable. Porting goc to another OS means writing these three
 *   functions: macOS has os_sync_wait_on_address (or __ulock_wait), Windows
 *   WaitOnAddress; the table works everywhere pthreads do.
 *
 * TIME
 *   int64_t goc_nanotime(void): monotonic nanoseconds (timer.h's goc_now).
 *   GOC_FOREVER (INT64_MAX) is "no limit" wherever a duration is taken.
 *   Saturating arithmetic, so that no deadline wraps:
 *     goc_add_sat(a, b), goc_sub_sat(a, b)   clamp to [INT64_MIN, INT64_MAX]
 *     goc_deadline_after(d)  goc_nanotime() + d; INT64_MAX (never) when huge
 *     goc_until(deadline)    deadline - now; GOC_FOREVER for INT64_MAX
 *
 * THREAD SAFETY
 *   Everything here may be called from any thread at any time.
 *
 * DOES NOT
 *   provide atomics wider than 64 bits, or a lock-free guarantee on targets
 *   without native 64-bit atomics (the compiler's libatomic is used there).
 */
#ifndef GOC_ATOMIC_H
#define GOC_ATOMIC_H

/* The implementations use POSIX (clock_gettime, pthreads, syscall). Under a
 * strict -std=c11 the C library hides those unless asked before its first
 * header: so the file that compiles an implementation should include goc
 * first, or be built with -D_DEFAULT_SOURCE (or -std=gnu11). */
#if (defined(GOC_IMPLEMENTATION) || defined(GOC_ATOMIC_IMPLEMENTATION) ||      \
     defined(GOC_SYNC_IMPLEMENTATION) || defined(GOC_CHAN_IMPLEMENTATION) ||   \
     defined(GOC_POOL_IMPLEMENTATION) || defined(GOC_TIMER_IMPLEMENTATION) ||  \
     defined(GOC_CONTEXT_IMPLEMENTATION)) && !defined(_GNU_SOURCE) &&           \
     !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE 1
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <limits.h>
#ifndef __cplusplus
#include <stdatomic.h>
#include <stdalign.h>
#endif
#if defined(_POSIX_C_SOURCE) || defined(__unix__) || defined(__APPLE__)
#include <sched.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- linkage ------------------------------------------------------------ */

#ifdef GOC_STATIC
#  if defined(__GNUC__) || defined(__clang__)
#    define GOC_DEF static __attribute__((unused))
#  else
#    define GOC_DEF static
#  endif
#else
#  define GOC_DEF extern
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define GOC_INLINE static inline __attribute__((unused))
#else
#  define GOC_INLINE static inline
#endif

/* A blocking function must be opaque to the optimiser's inter-procedural
 * analysis: GCC 12 at -O2, seeing the whole body in the same translation
 * unit, concluded that goc_cond_wait cannot change a private static flag and
 * turned `while (!ready) goc_cond_wait(...)` into an endless loop. */
#if defined(__GNUC__) && !defined(__clang__)
#  define GOC_NOIPA __attribute__((noipa))
#elif defined(__clang__)
#  define GOC_NOIPA __attribute__((noinline))
#else
#  define GOC_NOIPA
#endif

/* Branch hint for a fast path the caller's loop runs: the unlikely side
 * (a slow-path call) is laid out away from the loop, so the common case
 * falls through without a taken branch. */
#if defined(__GNUC__) || defined(__clang__)
#  define GOC__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#  define GOC__UNLIKELY(x) (x)
#endif

/* ---- version ------------------------------------------------------------ */

/* The same number heads every goc header (line 1) and CHANGELOG.md. A
 * program can test GOC_VERSION_NUMBER at compile time, and compare
 * goc_version() (the implementation it links) with GOC_VERSION (the headers
 * it was compiled against) at run time. */
#define GOC_VERSION_MAJOR  0
#define GOC_VERSION_MINOR  1
#define GOC_VERSION_PATCH  0
#define GOC_VERSION        "0.1.0"
#define GOC_VERSION_NUMBER (GOC_VERSION_MAJOR * 10000 + GOC_VERSION_MINOR * 100 + GOC_VERSION_PATCH)

GOC_DEF const char *goc_version(void);

/* ---- results ------------------------------------------------------------ */

#define GOC_OK          0
#define GOC_CLOSED     (-1)  /* channel closed */
#define GOC_TIMEOUT    (-2)  /* the time given ran out */
#define GOC_WOULDBLOCK (-3)  /* a try_ operation could not proceed now */
#define GOC_EINVAL     (-4)  /* invalid argument */
#define GOC_ENOMEM     (-5)  /* out of memory */
#define GOC_CANCELED   (-6)  /* context canceled */
#define GOC_DEADLINE   (-7)  /* context deadline exceeded */

GOC_DEF const char *goc_strerror(int result);

/* ---- durations ---------------------------------------------------------- */

typedef int64_t goc_duration;
#define GOC_NANOSECOND  ((goc_duration)1)
#define GOC_MICROSECOND ((goc_duration)1000)
#define GOC_MILLISECOND ((goc_duration)1000000)
#define GOC_SECOND      ((goc_duration)1000000000)
/* "No limit", wherever a duration is taken: a _timeout form, a timer, a
 * context, goc_wait_u32. Any duration this large is a deadline that never
 * comes, so there is no sentinel to trip over (a computed "deadline - now"
 * can be -1; it can never be INT64_MAX). */
#define GOC_FOREVER     ((goc_duration)INT64_MAX)

/* Monotonic nanoseconds since an arbitrary point (CLOCK_MONOTONIC). */
GOC_DEF int64_t goc_nanotime(void);

/* Saturating duration arithmetic: the one set every goc module uses, so
 * that no deadline ever wraps (signed overflow is undefined behaviour, and
 * a wrapped deadline is a timer that fires at once or never). A sum past
 * INT64_MAX is INT64_MAX (never), one below INT64_MIN is INT64_MIN (long
 * past). */
GOC_INLINE int64_t goc_add_sat(int64_t a, int64_t b) {
    if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
    return a + b;
}
GOC_INLINE int64_t goc_sub_sat(int64_t a, int64_t b) {
    if (b < 0 && a > INT64_MAX + b) return INT64_MAX;
    if (b > 0 && a < INT64_MIN + b) return INT64_MIN;
    return a - b;
}
/* The deadline d from now (goc_nanotime's clock): INT64_MAX for d ==
 * GOC_FOREVER or any d too large to add. */
GOC_INLINE int64_t goc_deadline_after(goc_duration d) {
    return d == GOC_FOREVER ? INT64_MAX : goc_add_sat(goc_nanotime(), d);
}
/* What is left until a deadline: GOC_FOREVER for the deadline that never
 * comes (INT64_MAX), <= 0 once it has passed. */
GOC_INLINE goc_duration goc_until(int64_t deadline) {
    return deadline == INT64_MAX ? GOC_FOREVER : goc_sub_sat(deadline, goc_nanotime());
}

/* ---- options ------------------------------------------------------------ */

#ifndef GOC_SPIN
#  ifdef GOC_MODEL_CHECK
#    define GOC_SPIN 0    /* spinning only re-reads; the model checker needs no more */
#  else
#    define GOC_SPIN 10
#  endif
#endif
/* GOC_SPIN as a value: a comparison against it then compiles without a
 * warning when it is 0 (gcc's -Wtype-limits on "unsigned < 0"). Clamped
 * to one second (and a negative value to 0), so that every product goc
 * forms from it (x 1000 ns, x 16 checks, x 5) fits its type. */
#define GOC__SPIN_MAX 1000000u
GOC_INLINE unsigned goc__spin_budget(void) {
    return (long long)(GOC_SPIN) <= 0 ? 0u
         : (long long)(GOC_SPIN) >= (long long)GOC__SPIN_MAX ? GOC__SPIN_MAX
         : (unsigned)(GOC_SPIN);
}

#ifndef GOC_PANIC
GOC_DEF void goc_panic_default(const char *msg);
#define GOC_PANIC(msg) goc_panic_default(msg)
#endif

/* ---- cache lines and spinning ------------------------------------------ */

#if defined(__aarch64__) && defined(__APPLE__)
#  define GOC_CACHELINE 128
#else
#  define GOC_CACHELINE 64
#endif

#ifdef __cplusplus
#  define GOC_ALIGNAS(n) alignas(n)
#else
#  define GOC_ALIGNAS(n) _Alignas(n)
#endif
#define GOC_ALIGNED_CACHELINE GOC_ALIGNAS(GOC_CACHELINE)

/* Tell the CPU we are in a spin loop: it saves power and, on x86, stops the
 * loop from flooding the memory pipeline (and the sibling hyperthread). */
GOC_INLINE void goc_cpu_relax(void) {
#if defined(GOC_MODEL_CHECK)
    /* nothing: GenMC interprets LLVM IR and has no inline assembly */
#elif defined(__i386__) || defined(__x86_64__)
    __asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__) || (defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7)
    __asm__ __volatile__("yield" ::: "memory");
#elif defined(__riscv)
    __asm__ __volatile__(".insn i 0x0F, 0, x0, x0, 0x010" ::: "memory"); /* pause hint */
#elif defined(__GNUC__) || defined(__clang__)
    __asm__ __volatile__("" ::: "memory");
#endif
}

/* Exponential backoff for spin-then-park loops (crossbeam's Backoff, bounded
 * by GOC_SPIN). Zero value ready. `until` is set by the first yielding
 * round: spinning ends by the clock, not by a count of yields, because a
 * yield costs anything from 0.3 us (nobody else wants the core) to a whole
 * time slice (the machine is busy). */
typedef struct goc_backoff { unsigned step; int64_t until; } goc_backoff;

#define GOC_BACKOFF_SPIN_LIMIT 6   /* rounds that spin 2^step relaxes; later rounds yield */

/* One backoff round; false once the GOC_SPIN budget (microseconds) is
 * used: park now. */
GOC_INLINE bool goc_backoff_snooze(goc_backoff *b) {
    if (goc__spin_budget() == 0) return false;
    if (b->step < GOC_BACKOFF_SPIN_LIMIT) {
        for (unsigned i = 0; i < (1u << b->step); i++) goc_cpu_relax();
        b->step++;
        return true;
    }
    /* The first yielding round starts the clock. until == 0 says it has
     * not started (not the step: goc_backoff_spin moves the step on too);
     * a started until is >= GOC_SPIN us, never 0. */
    int64_t now = goc_nanotime();
    if (b->until == 0) {
        b->until = goc_add_sat(now, (int64_t)goc__spin_budget() * GOC_MICROSECOND);
    } else if (now >= b->until) {
        return false;
    }
#if (defined(_POSIX_C_SOURCE) || defined(__unix__) || defined(__APPLE__)) && \
    !defined(GOC_MODEL_CHECK)
    sched_yield();   /* more threads than cores: let the holder run */
#else
    for (unsigned i = 0; i < (1u << GOC_BACKOFF_SPIN_LIMIT); i++) goc_cpu_relax();
#endif
    return true;
}

/* Spin only, never yield: for waits that are known to be a few instructions
 * long (another thread is inside a tiny critical section). */
GOC_INLINE void goc_backoff_spin(goc_backoff *b) {
#ifndef GOC_MODEL_CHECK   /* the model spins no relax loops (GenMC bounds every loop) */
    unsigned s = b->step < GOC_BACKOFF_SPIN_LIMIT ? b->step : GOC_BACKOFF_SPIN_LIMIT;
    for (unsigned i = 0; i < (1u << s); i++) goc_cpu_relax();
#endif
    if (b->step <= GOC_BACKOFF_SPIN_LIMIT) b->step++;
}

/* ---- typed atomics ------------------------------------------------------ */
/*
 * Each goc_atomic_T wraps a plain, naturally aligned field, so the public
 * header exposes no _Atomic type (C++ cannot include <stdatomic.h> before
 * C++23). In C the field is accessed through a cast to _Atomic T *, with the
 * C11 <stdatomic.h> operations; a _Static_assert below checks that _Atomic T
 * has the same size and alignment, which holds on every gcc/clang target. In
 * C++ the same operations are the GCC/Clang __atomic builtins, which are
 * what both compilers implement <stdatomic.h> with: one memory model.
 *
 * 64-bit fields are 8-aligned even on 32-bit targets (i386 aligns int64_t
 * to 4 in structs, and an atomic that straddles a cache line is not atomic
 * on every CPU).
 */

#ifdef __cplusplus
#  define GOC_RELAXED __ATOMIC_RELAXED
#  define GOC_ACQUIRE __ATOMIC_ACQUIRE
#  define GOC_RELEASE __ATOMIC_RELEASE
#  define GOC_ACQ_REL __ATOMIC_ACQ_REL
#  define GOC_SEQ_CST __ATOMIC_SEQ_CST
#  define GOC__A(T, p)                  (p)
#  define GOC__LOAD(T, p, mo)           __atomic_load_n(p, mo)
#  define GOC__STORE(T, p, v, mo)       __atomic_store_n(p, v, mo)
#  define GOC__SWAP(T, p, v, mo)        __atomic_exchange_n(p, v, mo)
#  define GOC__CAS(T, p, e, d, w, s, f) __atomic_compare_exchange_n(p, e, d, w, s, f)
#  define GOC__FADD(T, p, v, mo)        __atomic_fetch_add(p, v, mo)
#  define GOC__FAND(T, p, v, mo)        __atomic_fetch_and(p, v, mo)
#  define GOC__FOR(T, p, v, mo)         __atomic_fetch_or(p, v, mo)
GOC_INLINE void goc_atomic_fence(int mo) { __atomic_thread_fence(mo); }
#else
#  define GOC_RELAXED memory_order_relaxed
#  define GOC_ACQUIRE memory_order_acquire
#  define GOC_RELEASE memory_order_release
#  define GOC_ACQ_REL memory_order_acq_rel
#  define GOC_SEQ_CST memory_order_seq_cst
#  define GOC__A(T, p)                  ((_Atomic(T) *)(p))
#  define GOC__LOAD(T, p, mo)           atomic_load_explicit(GOC__A(T, p), (memory_order)(mo))
#  define GOC__STORE(T, p, v, mo)       atomic_store_explicit(GOC__A(T, p), v, (memory_order)(mo))
#  define GOC__SWAP(T, p, v, mo)        atomic_exchange_explicit(GOC__A(T, p), v, (memory_order)(mo))
#  define GOC__CAS(T, p, e, d, w, s, f) ((w) \
        ? atomic_compare_exchange_weak_explicit(GOC__A(T, p), e, d, (memory_order)(s), (memory_order)(f)) \
        : atomic_compare_exchange_strong_explicit(GOC__A(T, p), e, d, (memory_order)(s), (memory_order)(f)))
#  define GOC__FADD(T, p, v, mo)        atomic_fetch_add_explicit(GOC__A(T, p), v, (memory_order)(mo))
#  define GOC__FAND(T, p, v, mo)        atomic_fetch_and_explicit(GOC__A(T, p), v, (memory_order)(mo))
#  define GOC__FOR(T, p, v, mo)         atomic_fetch_or_explicit(GOC__A(T, p), v, (memory_order)(mo))
GOC_INLINE void goc_atomic_fence(int mo) { atomic_thread_fence((memory_order)mo); }
#endif

/* The operations every kind has. */
#define GOC__ATOMIC_COMMON(N, T)                                                   \
    GOC_INLINE T goc_atomic_##N##_load_explicit(const goc_atomic_##N *a, int mo) {  \
        return GOC__LOAD(T, (T *)&a->v, mo); }                                      \
    GOC_INLINE void goc_atomic_##N##_store_explicit(goc_atomic_##N *a, T v, int mo) {\
        GOC__STORE(T, &a->v, v, mo); }                                              \
    GOC_INLINE T goc_atomic_##N##_swap_explicit(goc_atomic_##N *a, T v, int mo) {   \
        return GOC__SWAP(T, &a->v, v, mo); }                                        \
    GOC_INLINE bool goc_atomic_##N##_cas_explicit(goc_atomic_##N *a, T *expected,   \
                                                  T desired, int ok, int fail) {   \
        return GOC__CAS(T, &a->v, expected, desired, 0, ok, fail); }                \
    GOC_INLINE bool goc_atomic_##N##_cas_weak_explicit(goc_atomic_##N *a,           \
                                        T *expected, T desired, int ok, int fail) {\
        return GOC__CAS(T, &a->v, expected, desired, 1, ok, fail); }                \
    GOC_INLINE T goc_atomic_##N##_load(const goc_atomic_##N *a) {                   \
        return goc_atomic_##N##_load_explicit(a, GOC_SEQ_CST); }                    \
    GOC_INLINE void goc_atomic_##N##_store(goc_atomic_##N *a, T v) {                \
        goc_atomic_##N##_store_explicit(a, v, GOC_SEQ_CST); }                       \
    GOC_INLINE T goc_atomic_##N##_swap(goc_atomic_##N *a, T v) {                    \
        return goc_atomic_##N##_swap_explicit(a, v, GOC_SEQ_CST); }                 \
    GOC_INLINE bool goc_atomic_##N##_cas(goc_atomic_##N *a, T old, T desired) {     \
        return goc_atomic_##N##_cas_explicit(a, &old, desired, GOC_SEQ_CST, GOC_SEQ_CST); }

/* The arithmetic and bit operations of the integer kinds. _add returns the
 * new value (Go's Add); _and/_or return the old one (Go's And/Or). */
#define GOC__ATOMIC_INTEGER(N, T)                                                   \
    GOC_INLINE T goc_atomic_##N##_fetch_add_explicit(goc_atomic_##N *a, T d, int mo) {\
        return GOC__FADD(T, &a->v, d, mo); }                                        \
    GOC_INLINE T goc_atomic_##N##_fetch_and_explicit(goc_atomic_##N *a, T m, int mo) {\
        return GOC__FAND(T, &a->v, m, mo); }                                        \
    GOC_INLINE T goc_atomic_##N##_fetch_or_explicit(goc_atomic_##N *a, T m, int mo) {\
        return GOC__FOR(T, &a->v, m, mo); }                                         \
    GOC_INLINE T goc_atomic_##N##_add(goc_atomic_##N *a, T d) {                     \
        return (T)(goc_atomic_##N##_fetch_add_explicit(a, d, GOC_SEQ_CST) + d); }   \
    GOC_INLINE T goc_atomic_##N##_and(goc_atomic_##N *a, T m) {                     \
        return goc_atomic_##N##_fetch_and_explicit(a, m, GOC_SEQ_CST); }            \
    GOC_INLINE T goc_atomic_##N##_or(goc_atomic_##N *a, T m) {                      \
        return goc_atomic_##N##_fetch_or_explicit(a, m, GOC_SEQ_CST); }

typedef struct goc_atomic_i32  { GOC_ALIGNAS(4) int32_t v;  } goc_atomic_i32;
typedef struct goc_atomic_u32  { GOC_ALIGNAS(4) uint32_t v; } goc_atomic_u32;
typedef struct goc_atomic_i64  { GOC_ALIGNAS(8) int64_t v;  } goc_atomic_i64;
typedef struct goc_atomic_u64  { GOC_ALIGNAS(8) uint64_t v; } goc_atomic_u64;
typedef struct goc_atomic_uptr { uintptr_t v; } goc_atomic_uptr;
typedef struct goc_atomic_ptr  { void *v;     } goc_atomic_ptr;
typedef struct goc_atomic_bool { bool v;      } goc_atomic_bool;

/* Signed add: done on the unsigned type, so that wrap-around is defined
 * behaviour (two's complement, as Go's). */
GOC__ATOMIC_COMMON(i32, int32_t)
GOC__ATOMIC_COMMON(u32, uint32_t)
GOC__ATOMIC_COMMON(i64, int64_t)
GOC__ATOMIC_COMMON(u64, uint64_t)
GOC__ATOMIC_COMMON(uptr, uintptr_t)
GOC__ATOMIC_COMMON(ptr, void *)
GOC__ATOMIC_COMMON(bool, bool)
GOC__ATOMIC_INTEGER(i32, int32_t)
GOC__ATOMIC_INTEGER(u32, uint32_t)
GOC__ATOMIC_INTEGER(i64, int64_t)
GOC__ATOMIC_INTEGER(u64, uint64_t)
GOC__ATOMIC_INTEGER(uptr, uintptr_t)

#ifndef __cplusplus
_Static_assert(sizeof(_Atomic int64_t) == 8 && _Alignof(_Atomic int64_t) <= 8,
               "goc: _Atomic int64_t must match the layout of goc_atomic_i64");
_Static_assert(sizeof(_Atomic uint32_t) == 4 && _Alignof(_Atomic uint32_t) <= 4,
               "goc: _Atomic uint32_t must match the layout of goc_atomic_u32");
_Static_assert(sizeof(_Atomic(void *)) == sizeof(void *) &&
               _Alignof(_Atomic(void *)) <= _Alignof(void *),
               "goc: _Atomic(void *) must match the layout of goc_atomic_ptr");
_Static_assert(sizeof(_Atomic bool) == sizeof(bool),
               "goc: _Atomic bool must match the layout of goc_atomic_bool");
#endif

/* ---- wait / wake -------------------------------------------------------- */

GOC_DEF int  goc_wait_u32(const goc_atomic_u32 *addr, uint32_t expected, goc_duration timeout);
GOC_DEF void goc_wake_one(goc_atomic_u32 *addr);
GOC_DEF void goc_wake_all(goc_atomic_u32 *addr);
/* For goc's modules: set up the wait/wake layer (its fork handler among
 * it) before a module registers fork handlers of its own, so that it is
 * never first set up from inside a prepare handler (musl and macOS hold
 * their atfork lock there). */
GOC_DEF void goc__wait_init(void);
/* For goc's modules: wait on, and wake, the high 32 bits of a 64-bit word
 * (the WaitGroup's counter). The same as goc_wait_u32 / goc_wake_all on
 * that half's address, except under GOC_MODEL_CHECK, whose model reads
 * the half through the whole word (see "model checking" below). */
GOC_DEF int  goc__wait_u64_hi(const goc_atomic_u64 *word, uint32_t expected, goc_duration timeout);
GOC_DEF void goc__wake_u64_hi(goc_atomic_u64 *word);
static inline goc_atomic_u32 *goc__u64_hi(const goc_atomic_u64 *word) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (goc_atomic_u32 *)(void *)(uintptr_t)word;
#else
    return (goc_atomic_u32 *)(void *)((uintptr_t)word + 4);
#endif
}
/* For goc's modules: a once for an init that registers fork handlers.
 * pthread_once will not do: a fork while another thread runs the init
 * leaves the child's once "running" for ever (musl's does; glibc's starts
 * it again). *st is 0, then the registering process's pid while init
 * runs, then GOC__FORK_ONCE_DONE. A fork child that finds its parent's pid runs
 * init itself: the fork came before the registration, or else the
 * module's child handler, which must call goc__once_fork_child(st), would
 * have said DONE. Others wait for DONE, a moment. */
#define GOC__FORK_ONCE_DONE 0xFFFFFFFFu
GOC_DEF void goc__once_fork_slow(goc_atomic_u32 *st, void (*init)(void));
static inline void goc__once_fork(goc_atomic_u32 *st, void (*init)(void)) {
    /* Acquire: pairs with the release of DONE (init's effects first). */
    if (goc_atomic_u32_load_explicit(st, GOC_ACQUIRE) != GOC__FORK_ONCE_DONE) goc__once_fork_slow(st, init);
}
static inline void goc__once_fork_child(goc_atomic_u32 *st) {
    goc_atomic_u32_store_explicit(st, GOC__FORK_ONCE_DONE, GOC_RELAXED);   /* one thread here */
}
/* For goc's modules: run a module's goc__once_fork(st, init) when the
 * program is loaded (a constructor, before main, where no other thread
 * runs yet), so that its fork handlers are registered before any thread
 * can fork. Registered lazily instead, at the module's first use, a fork
 * racing that first use lost: glibc (2.36) lets a pthread_atfork complete
 * while a fork is running its prepare handlers, and then leaves the new
 * handlers out of that fork; musl runs no prepare when it finds none. The
 * module, set up meanwhile by the other thread, reached the child without
 * its child handler: test_fork's setup race caught a child whose timer
 * state said "thread started" with no timer thread, and none of its timers
 * ever fired. Where the compiler has no constructors, the first use still
 * registers them (and that race remains). */
#if defined(GOC_MODEL_CHECK) || !(defined(__GNUC__) || defined(__clang__))
#  define GOC__FORK_AT_LOAD(st, init) /* first use only */
#else
#  define GOC__FORK_AT_LOAD(st, init) \
    __attribute__((constructor)) static void init##_at_load(void) { goc__once_fork(&(st), init); }
#endif
#ifdef GOC_MODEL_CHECK
GOC_DEF void goc__mc_advance(goc_duration d);   /* the model's clock moves on */
GOC_DEF int  goc__mc_parked(void);              /* threads asleep in goc_wait_u32 */
#endif

/* GOC_DEBUG (define it where the implementation is compiled): the registry
 * of blocked operations behind goc_debug_dump (chan.h). Each blocking wait
 * puts a record on its own stack into one global list for as long as it
 * waits. Without GOC_DEBUG the macros are nothing at all. */
#ifdef GOC_DEBUG
typedef struct goc__dbg_rec {
    struct goc__dbg_rec *next, *prev;   /* under the registry's mutex */
    const char *prim, *op;              /* "chan", "recv" */
    const void *obj;
    char        what[120];              /* a name, a select's cases */
    int64_t     since;
    long        tid;
    bool        warned;                 /* GOC_DEBUG_WARN printed it */
} goc__dbg_rec;
GOC_DEF void goc__dbg_block(goc__dbg_rec *r, const char *prim, const char *op, const void *obj,
                            const char *what);
GOC_DEF void goc__dbg_unblock(goc__dbg_rec *r);
GOC_DEF void goc__dbg_dump(void *file);   /* a FILE * */
#  define GOC__DBG_REC(r)                        goc__dbg_rec r
#  define GOC__DBG_BLOCK(r, prim, op, obj, what) goc__dbg_block(&(r), prim, op, obj, what)
#  define GOC__DBG_UNBLOCK(r)                    goc__dbg_unblock(&(r))
/* A free of an object with a lock inside: a lock held (word & mask) means
 * another thread is still inside a call on the object, and will touch it
 * after the free. Acquire: whatever released the lock is seen. */
#  define GOC__DBG_HELD(word, mask, msg) \
    do { if (goc_atomic_u32_load_explicit((word), GOC_ACQUIRE) & (mask)) GOC_PANIC(msg); } while (0)
#else
#  define GOC__DBG_REC(r)                        (void)0
#  define GOC__DBG_BLOCK(r, prim, op, obj, what) ((void)0)
#  define GOC__DBG_UNBLOCK(r)                    ((void)0)
#  define GOC__DBG_HELD(word, mask, msg)         ((void)0)
#endif

#ifdef __cplusplus
}
#endif

#endif /* GOC_ATOMIC_H */

/* ---- allocation defaults: for every module's implementation ------------- */
#if (defined(GOC_IMPLEMENTATION) || defined(GOC_ATOMIC_IMPLEMENTATION) ||      \
     defined(GOC_SYNC_IMPLEMENTATION) || defined(GOC_CHAN_IMPLEMENTATION) ||   \
     defined(GOC_POOL_IMPLEMENTATION) || defined(GOC_TIMER_IMPLEMENTATION) ||  \
     defined(GOC_CONTEXT_IMPLEMENTATION)) && !defined(GOC_ALLOC_DEFINED)
#define GOC_ALLOC_DEFINED
#include <stdlib.h>
#include <string.h>
#if defined(GOC_MALLOC) && !defined(GOC_FREE) || !defined(GOC_MALLOC) && defined(GOC_FREE)
#error "goc: define both GOC_MALLOC and GOC_FREE, or neither"
#endif
#ifdef GOC_MODEL_CHECK
/* GenMC models malloc and free but not calloc, and only copies of a size
 * known at compile time: in the model, copies and fills of any other size
 * go 4 bytes (or 1) at a time. GenMC wants a read as wide as the write it
 * reads, so this suits 4-byte values (the checks' ints); an 8-byte value
 * copied so and read whole would be reported as a mixed-size access. */
static inline void *goc__mc_memcpy(void *d, const void *s, size_t n) {
    if (n % 4 == 0 && (uintptr_t)d % 4 == 0 && (uintptr_t)s % 4 == 0)
        for (size_t i = 0; i < n / 4; i++) ((uint32_t *)d)[i] = ((const uint32_t *)s)[i];
    else
        for (size_t i = 0; i < n; i++) ((unsigned char *)d)[i] = ((const unsigned char *)s)[i];
    return d;
}
static inline void *goc__mc_memset(void *d, int c, size_t n) {
    if (c == 0 && n % 4 == 0 && (uintptr_t)d % 4 == 0)
        for (size_t i = 0; i < n / 4; i++) ((uint32_t *)d)[i] = 0;
    else
        for (size_t i = 0; i < n; i++) ((unsigned char *)d)[i] = (unsigned char)c;
    return d;
}
#  define memcpy goc__mc_memcpy
#  define memset goc__mc_memset
#endif
#ifndef GOC_MALLOC
#  define GOC_MALLOC(sz) malloc(sz)
#  define GOC_FREE(p)    free(p)
#  if !defined(GOC_CALLOC) && !defined(GOC_MODEL_CHECK)
#    define GOC_CALLOC(n, sz) calloc(n, sz)
#  endif
#endif
#ifndef GOC_CALLOC
/* calloc from the user's malloc, with calloc's overflow check */
static inline void *goc__calloc(size_t n, size_t sz) {
    if (sz && n > SIZE_MAX / sz) return NULL;
    void *p = GOC_MALLOC(n * sz);
    if (p) memset(p, 0, n * sz);
    return p;
}
#  define GOC_CALLOC(n, sz) goc__calloc(n, sz)
#endif
#endif

/* ======================================================================== */
/*                             IMPLEMENTATION                               */
/* ======================================================================== */

#if (defined(GOC_ATOMIC_IMPLEMENTATION) || defined(GOC_IMPLEMENTATION)) && \
    !defined(GOC_ATOMIC_IMPL_INCLUDED)
#define GOC_ATOMIC_IMPL_INCLUDED

#ifdef __cplusplus
#error "goc: compile the implementation as C11 (the declarations are fine in C++)"
#endif

/*
 * Design
 *
 * Everything that blocks in goc ends in goc_wait_u32 on some 32-bit word:
 * the caller publishes "I am about to sleep" in its own protocol, re-checks,
 * and sleeps only while the word still holds the value it saw. A waker
 * changes the word first and then wakes. Because the kernel (or the parking
 * table below) compares the word with `expected` under its own lock, a wake
 * that comes between the caller's check and its sleep is never lost.
 *
 * Linux: FUTEX_WAIT_PRIVATE / FUTEX_WAKE_PRIVATE. The futex call is a full
 * barrier in practice, but goc does not rely on that: every protocol that
 * parks pairs its own atomics (named at each use).
 *
 * Elsewhere: a fixed table of GOC__PARK_SLOTS slots, picked by hashing the
 * address. A slot is a mutex and a FIFO of waiters, each waiter a node on
 * the sleeping thread's stack with its own condition variable, so wake_one
 * wakes exactly one waiter of that address even when several addresses share
 * a slot. Invariants: a node is in its slot's list exactly while its thread
 * sleeps (or is about to) and `woken` is false; both change only under the
 * slot mutex. Here, and only here, goc signals while holding a lock: the
 * node lives on the waiter's stack, and once the mutex is dropped the waiter
 * may return and the node's condition variable be gone.
 * Lost wake-ups: the waiter compares *addr under the slot mutex; the waker
 * stores to *addr before it takes the same mutex; so either the waiter sees
 * the new value, or it is in the list when the waker looks.
 */

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

GOC_DEF const char *goc_version(void) { return GOC_VERSION; }

GOC_DEF const char *goc_strerror(int result) {
    switch (result) {
    case GOC_OK:         return "ok";
    case GOC_CLOSED:     return "channel closed";
    case GOC_TIMEOUT:    return "timed out";
    case GOC_WOULDBLOCK: return "operation would block";
    case GOC_EINVAL:     return "invalid argument";
    case GOC_ENOMEM:     return "out of memory";
    case GOC_CANCELED:   return "context canceled";
    case GOC_DEADLINE:   return "context deadline exceeded";
    default:             return "unknown goc result";
    }
}

#ifdef GOC_MODEL_CHECK
/* The model's clock: a counter per thread, one nanosecond per reading, and
 * a timed wait that lets its whole timeout pass moves it on (see "model
 * checking" below). Threads' clocks are unrelated. */
static _Thread_local int64_t goc__mc_now;
GOC_DEF int64_t goc_nanotime(void) { return goc__mc_now = goc_add_sat(goc__mc_now, 1); }
/* For verification programs: let d of this thread's time pass. */
GOC_DEF void goc__mc_advance(goc_duration d) { goc__mc_now = goc_add_sat(goc__mc_now, d); }
#else
GOC_DEF int64_t goc_nanotime(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
#endif

GOC_DEF void goc_panic_default(const char *msg) {
    fprintf(stderr, "goc: %s\n", msg);
    fflush(stderr);
    abort();
}

/* Timeouts from here up are "no limit": 2^31 s still fits a 32-bit time_t
 * (i386's futex and condvar deadlines take one), and 68 years is never. */
#define GOC__WAIT_NO_LIMIT ((goc_duration)INT32_MAX * GOC_SECOND)

/* timeout <= 0: not a wait at all (a computed deadline - now that just went
 * negative is the common case, and must not mean "for ever"). */
static int goc__wait_poll(const goc_atomic_u32 *addr, uint32_t expected) {
    /* Acquire, as a futex return would give in practice: a caller that sees
     * the word changed may read what the waker wrote before changing it. */
    return goc_atomic_u32_load_explicit(addr, GOC_ACQUIRE) == expected ? GOC_TIMEOUT : GOC_OK;
}

/* ---- wait/wake: the one part that differs per OS ------------------------
 *
 * Everything in goc that blocks ends in goc_wait_u32 / goc_wake_one /
 * goc_wake_all, with futex semantics: wait returns at once unless *addr
 * still equals expected (checked atomically with going to sleep, so no wake
 * is lost), may return spuriously, and a wake of an address nobody waits
 * on is harmless (even when its memory is gone). Below: Linux's futex,
 * then the portable table, used everywhere else until a native port lands.
 * A port writes these three functions and nothing more:
 *
 *   macOS 14.4+ (os/os_sync_wait_on_address.h):
 *     wait:  os_sync_wait_on_address(addr, expected, 4, OS_SYNC_WAIT_ON_ADDRESS_NONE)
 *            or, with a timeout, os_sync_wait_on_address_with_timeout(...,
 *            OS_CLOCK_MACH_ABSOLUTE_TIME, ns); -1 with errno ETIMEDOUT = GOC_TIMEOUT,
 *            EINTR/EFAULT: spurious.
 *     wake:  os_sync_wake_by_address_any(addr, 4, OS_SYNC_WAKE_BY_ADDRESS_NONE),
 *            os_sync_wake_by_address_all(...); ENOENT (nobody waited) is fine.
 *   older macOS: the private but stable __ulock_wait(UL_COMPARE_AND_WAIT |
 *     ULF_NO_ERRNO, addr, expected, timeout_us) and __ulock_wake(UL_COMPARE_AND_WAIT
 *     [| ULF_WAKE_ALL], addr, 0), as libc++'s atomic::wait uses.
 *   Windows 8+ (synchapi.h, Synchronization.lib):
 *     wait:  WaitOnAddress(addr, &expected, 4, ms) (INFINITE from GOC__WAIT_NO_LIMIT up;
 *            round the timeout up); FALSE with GetLastError() == ERROR_TIMEOUT
 *            = GOC_TIMEOUT.
 *     wake:  WakeByAddressSingle(addr), WakeByAddressAll(addr).
 *     The rest of goc uses pthreads (threads, keys, the table's mutexes):
 *     on Windows that means winpthreads (MinGW), or a port of those calls to
 *     CreateThread / FlsAlloc / SRW locks + condition variables.
 *   FreeBSD: _umtx_op(addr, UMTX_OP_WAIT_UINT_PRIVATE, expected, ...) and
 *     UMTX_OP_WAKE_PRIVATE; OpenBSD: futex(2) as Linux.
 *
 * Until then, those systems (and GOC_NO_FUTEX) park on the table: correct
 * everywhere pthreads are, at the price of a mutex and a condition variable
 * per sleep and wake. */

#if defined(GOC_MODEL_CHECK)
/* ---- model checking: futex semantics for GenMC ---------------------------
 *
 * GenMC (make verify) runs a program's every execution under the C11
 * memory model (RC11), but models only pthread_create/join and mutexes:
 * no futex, no condition variable, no clock. This back end is the futex's
 * contract and nothing more, so that what is checked is goc's own code:
 *  - an untimed wait compares the word under a mutex and, if unchanged,
 *    queues a node and spins on the node's flag until a wake sets it. The
 *    spin is GenMC's "spin-assume" loop: an execution in which nobody ever
 *    wakes the node is blocked there (not an error by itself: the checks
 *    ask goc__mc_parked() once everyone else is done; GenMC's own
 *    -check-liveness is no help, it calls goc's CAS-retry loops
 *    non-terminating);
 *  - a timed wait never sleeps: unless the word has changed it returns
 *    GOC_TIMEOUT at once, having let its whole timeout pass on the
 *    thread's clock. Real waits may time out just so (the wake came a
 *    moment late), so every path the model takes is one the OS may take;
 *    the woken-early path is the untimed one's;
 *  - the waiter returns without touching the mutex again, and the flag is
 *    relaxed: the wake gives the woken thread no ordering, so goc's own
 *    atomics must (as they must with a real futex, where goc does not rely
 *    on the kernel's barriers either).
 * Not modelled: spurious returns of untimed waits (callers loop anyway, and
 * a model that may return spuriously for ever has no finite executions),
 * and fairness. Stronger than a futex: one mutex serialises every wait's
 * look and every wake, on every address, so a waiter that finds the word
 * changed under it, or registers after a wake, inherits the other side's
 * history; a missing order is caught only in executions that avoid that
 * path (the woken-flag path, relaxed, is one). */
#include <pthread.h>

typedef struct goc__mc_node {
    const void          *addr;
    struct goc__mc_node *next;    /* guarded by goc__mc_mu */
    goc_atomic_u32       woken;   /* set once, by the wake that unlinks it */
} goc__mc_node;

static pthread_mutex_t goc__mc_mu = PTHREAD_MUTEX_INITIALIZER;
static goc__mc_node *goc__mc_waiters;    /* guarded by goc__mc_mu */
/* A thread's node is its own, not on its stack: the waker's last touch
 * (the flag) is relaxed, so nothing would order it before the waiter's
 * frame vanished. Nodes live for the whole run, one per thread that ever
 * waited (numbered on its first wait, under the mutex), and a thread's
 * next wait re-arms its node under the mutex, after the waker let go. */
#define GOC__MC_THREADS 16
static goc__mc_node goc__mc_nodes[GOC__MC_THREADS];
static int goc__mc_nthreads;                 /* guarded by goc__mc_mu */
static _Thread_local int goc__mc_tid;        /* 1 + index into goc__mc_nodes */

/* The word a wait compares: addr's own, or - for goc__wait_u64_hi - the
 * high half of the 64-bit word it belongs to, read as the 64-bit word it
 * was written as (GenMC does not model a narrower read of a wider write:
 * it would see the initial value). */
static uint32_t goc__mc_look(const goc_atomic_u32 *addr, const goc_atomic_u64 *whole, int mo) {
    if (whole) return (uint32_t)(goc_atomic_u64_load_explicit(whole, mo) >> 32);
    return goc_atomic_u32_load_explicit(addr, mo);
}

static int goc__mc_wait(const goc_atomic_u32 *addr, const goc_atomic_u64 *whole,
                        uint32_t expected, goc_duration timeout) {
    /* A poll: acquire, as goc__wait_poll's. */
    if (timeout <= 0) return goc__mc_look(addr, whole, GOC_ACQUIRE) == expected ? GOC_TIMEOUT : GOC_OK;
    if (timeout < GOC__WAIT_NO_LIMIT) {
        if (goc__mc_look(addr, whole, GOC_RELAXED) != expected) return GOC_OK;
        goc__mc_advance(timeout);
        return GOC_TIMEOUT;
    }
    pthread_mutex_lock(&goc__mc_mu);
    if (!goc__mc_tid) {
        if (goc__mc_nthreads == GOC__MC_THREADS) GOC_PANIC("model: more waiting threads than GOC__MC_THREADS");
        goc__mc_tid = ++goc__mc_nthreads;
    }
    goc__mc_node *n = &goc__mc_nodes[goc__mc_tid - 1];
    /* Relaxed: the mutex orders it after a waker's store (the waker
     * stores, then locks), as the futex's bucket lock does. */
    if (goc__mc_look(addr, whole, GOC_RELAXED) != expected) {
        pthread_mutex_unlock(&goc__mc_mu);
        return GOC_OK;
    }
    n->addr = addr;
    goc_atomic_u32_store_explicit(&n->woken, 0, GOC_RELAXED);
    n->next = goc__mc_waiters;
    goc__mc_waiters = n;
    pthread_mutex_unlock(&goc__mc_mu);
    while (!goc_atomic_u32_load_explicit(&n->woken, GOC_RELAXED)) {}
    return GOC_OK;
}

GOC_DEF int goc_wait_u32(const goc_atomic_u32 *addr, uint32_t expected, goc_duration timeout) {
    return goc__mc_wait(addr, NULL, expected, timeout);
}
GOC_DEF int goc__wait_u64_hi(const goc_atomic_u64 *word, uint32_t expected, goc_duration timeout) {
    return goc__mc_wait(goc__u64_hi(word), word, expected, timeout);
}

static void goc__mc_wake(goc_atomic_u32 *addr, bool all) {
    pthread_mutex_lock(&goc__mc_mu);
    for (goc__mc_node **pp = &goc__mc_waiters; *pp;) {
        goc__mc_node *n = *pp;
        if (n->addr != addr) { pp = &n->next; continue; }
        *pp = n->next;
        goc_atomic_u32_store_explicit(&n->woken, 1, GOC_RELAXED);
        if (!all) break;
    }
    pthread_mutex_unlock(&goc__mc_mu);
}

GOC_DEF int goc__mc_parked(void) {
    int n = 0;
    pthread_mutex_lock(&goc__mc_mu);
    for (goc__mc_node *p = goc__mc_waiters; p; p = p->next) n++;
    pthread_mutex_unlock(&goc__mc_mu);
    return n;
}

GOC_DEF void goc_wake_one(goc_atomic_u32 *addr) { goc__mc_wake(addr, false); }
GOC_DEF void goc_wake_all(goc_atomic_u32 *addr) { goc__mc_wake(addr, true); }
GOC_DEF void goc__wait_init(void) {}

#elif defined(__linux__) && !defined(GOC_NO_FUTEX)
/* ---- Linux: futex ------------------------------------------------------- */
#include <sys/syscall.h>
#include <unistd.h>
/* The futex operations are a fixed part of the kernel's ABI; musl's
 * toolchain (musl-gcc) does not see the kernel's headers, so they are
 * spelled out here when <linux/futex.h> is missing. */
#if defined(__has_include)
#  if __has_include(<linux/futex.h>)
#    include <linux/futex.h>
#  endif
#endif
#ifndef FUTEX_WAIT_PRIVATE
#  define FUTEX_WAIT_PRIVATE (0 | 128)   /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#  define FUTEX_WAKE_PRIVATE (1 | 128)   /* FUTEX_WAKE | FUTEX_PRIVATE_FLAG */
#endif
/* <unistd.h> declares syscall only under _DEFAULT_SOURCE, which is too late
 * to ask for when a plain goc include came first; the prototype is the one
 * glibc and musl both use. */
long syscall(long number, ...);

GOC_DEF int goc_wait_u32(const goc_atomic_u32 *addr, uint32_t expected, goc_duration timeout) {
    struct timespec ts, *tsp = NULL;
    if (timeout <= 0) return goc__wait_poll(addr, expected);
    if (timeout < GOC__WAIT_NO_LIMIT) {
        ts.tv_sec = (time_t)(timeout / GOC_SECOND);
        ts.tv_nsec = (long)(timeout % GOC_SECOND);
        tsp = &ts;
    }
    /* The kernel re-reads *addr under its bucket lock: EAGAIN (value already
     * changed) and EINTR are spurious returns, which callers re-check. */
    long r = syscall(SYS_futex, (const uint32_t *)&addr->v, FUTEX_WAIT_PRIVATE,
                     expected, tsp, NULL, 0);
    if (r == -1 && errno == ETIMEDOUT) return GOC_TIMEOUT;
    return GOC_OK;
}

GOC_DEF void goc_wake_one(goc_atomic_u32 *addr) {
    syscall(SYS_futex, &addr->v, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

GOC_DEF void goc__wait_init(void) {}   /* the futex has no state */

GOC_DEF void goc_wake_all(goc_atomic_u32 *addr) {
    syscall(SYS_futex, &addr->v, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

#else
/* ---- portable: hashed parking table ------------------------------------ */
#include <pthread.h>
#if !defined(__APPLE__)
/* POSIX 2001, but hidden by a strict -std=c11 unless asked for before the
 * first system header (see the top of this file); same prototype as POSIX. */
int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock_id);
#endif

#define GOC__PARK_SLOTS 256   /* a power of two */
#if defined(__APPLE__)
#  define GOC__PARK_CLOCK CLOCK_REALTIME    /* see goc_wait_u32 */
#else
#  define GOC__PARK_CLOCK CLOCK_MONOTONIC
#endif

typedef struct goc__park_node {
    const void            *addr;   /* what this thread waits on */
    struct goc__park_node *next;   /* FIFO link; guarded by the slot mutex */
    pthread_cond_t         cond;   /* this waiter's own condition variable */
    bool                   woken;  /* guarded by the slot mutex */
} goc__park_node;

typedef struct goc__park_slot {
    pthread_mutex_t  mu;
    goc__park_node  *head, *tail;  /* guarded by mu */
    char pad[GOC_CACHELINE];       /* keep neighbouring slots' mutexes apart */
} goc__park_slot;

static goc__park_slot goc__park_table[GOC__PARK_SLOTS];
static goc_atomic_u32 goc__park_once;   /* goc__once_fork */

/* fork(): only the forking thread goes on in the child, so a slot's mutex
 * held by another thread at that moment would stay held there for ever.
 * The child starts with fresh mutexes and empty lists: the waiters queued
 * in them were other threads, which the child does not have, and the
 * forking thread itself cannot be inside a slot. (No prepare handler that
 * locks the slots: other modules' prepare handlers take goc mutexes, which
 * may park, and would find the slots locked if theirs ran after ours.) */
static void goc__park_child(void) {
    goc__once_fork_child(&goc__park_once);
    for (int i = 0; i < GOC__PARK_SLOTS; i++) {
        pthread_mutex_init(&goc__park_table[i].mu, NULL);
        goc__park_table[i].head = goc__park_table[i].tail = NULL;
    }
}

static void goc__park_init(void) {
    for (int i = 0; i < GOC__PARK_SLOTS; i++)
        pthread_mutex_init(&goc__park_table[i].mu, NULL);
    pthread_atfork(NULL, NULL, goc__park_child);
}

static goc__park_slot *goc__park_slot_of(const void *addr) {
    uintptr_t h = (uintptr_t)addr;
    h ^= h >> 17;
    h *= (uintptr_t)0x9E3779B97F4A7C15ull;   /* Fibonacci hashing */
    h ^= h >> 29;
    goc__once_fork(&goc__park_once, goc__park_init);
    return &goc__park_table[h & (GOC__PARK_SLOTS - 1)];
}

static void goc__park_unlink(goc__park_slot *s, goc__park_node *n) {
    goc__park_node **pp = &s->head, *prev = NULL;
    while (*pp && *pp != n) { prev = *pp; pp = &(*pp)->next; }
    if (!*pp) return;
    *pp = n->next;
    if (s->tail == n) s->tail = prev;
}

GOC_DEF int goc_wait_u32(const goc_atomic_u32 *addr, uint32_t expected, goc_duration timeout) {
    goc__park_slot *s = goc__park_slot_of(addr);
    goc__park_node n;
    int result = GOC_OK;
    struct timespec abs;
    if (timeout <= 0) return goc__wait_poll(addr, expected);
    bool timed = timeout < GOC__WAIT_NO_LIMIT;
    if (timed) {
        /* An absolute deadline on the condvar's clock: CLOCK_MONOTONIC where
         * pthread_condattr_setclock can select it; macOS cannot, and its
         * condvars time out on the realtime clock, so the deadline is taken
         * there (a wall-clock step then stretches or cuts one wait, which
         * the callers' deadline loops absorb as a spurious return). Checked
         * by reading only: no macOS machine here. */
        clock_gettime(GOC__PARK_CLOCK, &abs);
        int64_t ns = (int64_t)abs.tv_nsec + timeout % GOC_SECOND;
        int64_t sec = (int64_t)abs.tv_sec + timeout / GOC_SECOND + ns / GOC_SECOND;
        /* A 32-bit time_t cannot hold far deadlines: wait without one. */
        if (sizeof(time_t) < 8 && sec > INT32_MAX) timed = false;
        abs.tv_sec = (time_t)sec;
        abs.tv_nsec = (long)(ns % GOC_SECOND);
    }
    pthread_mutex_lock(&s->mu);
    /* Relaxed is enough: the slot mutex orders this load after the waker's
     * store (the waker stores, then locks the same mutex). */
    if (goc_atomic_u32_load_explicit(addr, GOC_RELAXED) != expected) {
        pthread_mutex_unlock(&s->mu);
        return GOC_OK;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
#if !defined(__APPLE__)
    pthread_condattr_setclock(&ca, GOC__PARK_CLOCK);
#endif
    pthread_cond_init(&n.cond, &ca);
    pthread_condattr_destroy(&ca);
    n.addr = addr;
    n.next = NULL;
    n.woken = false;
    if (s->tail) s->tail->next = &n; else s->head = &n;
    s->tail = &n;
    while (!n.woken) {
        int r = timed ? pthread_cond_timedwait(&n.cond, &s->mu, &abs)
                      : pthread_cond_wait(&n.cond, &s->mu);
        if (r == ETIMEDOUT && !n.woken) {
            goc__park_unlink(s, &n);
            result = GOC_TIMEOUT;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    pthread_cond_destroy(&n.cond);
    return result;
}

static void goc__park_wake(goc_atomic_u32 *addr, bool all) {
    goc__park_slot *s = goc__park_slot_of(addr);
    pthread_mutex_lock(&s->mu);
    goc__park_node **pp = &s->head, *prev = NULL;
    while (*pp) {
        goc__park_node *n = *pp;
        if (n->addr != addr) { prev = n; pp = &n->next; continue; }
        *pp = n->next;
        if (s->tail == n) s->tail = prev;
        n->woken = true;
        pthread_cond_signal(&n->cond);   /* under the lock: see the design note */
        if (!all) break;
    }
    pthread_mutex_unlock(&s->mu);
}

GOC_DEF void goc_wake_one(goc_atomic_u32 *addr) { goc__park_wake(addr, false); }
GOC_DEF void goc__wait_init(void) { goc__once_fork(&goc__park_once, goc__park_init); }
GOC__FORK_AT_LOAD(goc__park_once, goc__park_init)
GOC_DEF void goc_wake_all(goc_atomic_u32 *addr) { goc__park_wake(addr, true); }

#endif /* parking back ends */

#ifndef GOC_MODEL_CHECK   /* the model's wait is its own (above) */
GOC_DEF int goc__wait_u64_hi(const goc_atomic_u64 *word, uint32_t expected, goc_duration timeout) {
    return goc_wait_u32(goc__u64_hi(word), expected, timeout);
}
#endif
/* A wake uses the address only: the same in every back end. */
GOC_DEF void goc__wake_u64_hi(goc_atomic_u64 *word) { goc_wake_all(goc__u64_hi(word)); }

#ifdef GOC_MODEL_CHECK   /* the model has no fork, nor getpid */
#  define GOC__ONCE_PID() 1u
#  define GOC__ONCE_YIELD() goc_cpu_relax()
#else
#  include <unistd.h>
#  define GOC__ONCE_PID() ((uint32_t)getpid())
#  define GOC__ONCE_YIELD() sched_yield()
#endif
GOC_DEF void goc__once_fork_slow(goc_atomic_u32 *st, void (*init)(void)) {
    for (;;) {
        uint32_t v = goc_atomic_u32_load_explicit(st, GOC_ACQUIRE), me = GOC__ONCE_PID();
        if (v == GOC__FORK_ONCE_DONE) return;
        if (v == me) {                   /* another thread here runs init */
            GOC__ONCE_YIELD();
            continue;
        }
        if (!goc_atomic_u32_cas(st, v, me)) continue;   /* 0, or a parent's pid */
        init();
        goc_atomic_u32_store_explicit(st, GOC__FORK_ONCE_DONE, GOC_RELEASE);
        return;
    }
}

#ifdef GOC_DEBUG
/* ---- GOC_DEBUG: the registry of blocked operations -------------------------
 * A doubly linked list of records that live on the blocked threads' stacks,
 * under one pthread mutex (debugging need not be fast). A thread takes its
 * record out before its wait returns, so a record in the list is alive.
 * GOC_DEBUG_WARN=seconds in the environment starts a thread (goc-debug)
 * that prints each operation blocked longer than that, once. A fork
 * child starts with an empty list (the parent's other threads are gone). */
#include <pthread.h>
#include <unistd.h>
#ifdef __linux__
#  include <sys/syscall.h>
long syscall(long number, ...);   /* as in the futex back end: declared late otherwise */
#endif

static pthread_mutex_t goc__dbg_mu = PTHREAD_MUTEX_INITIALIZER;
static goc__dbg_rec   *goc__dbg_head;
static goc_atomic_u32  goc__dbg_once;   /* goc__once_fork */
static int64_t         goc__dbg_warn;   /* GOC_DEBUG_WARN in ns; 0: off */

static void goc__dbg_line(FILE *out, const goc__dbg_rec *r, int64_t now) {
    char comm[32] = "";
#ifdef __linux__
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld/comm", r->tid);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fgets(comm, sizeof comm, f)) comm[strcspn(comm, "\n")] = 0;
        fclose(f);
    }
#endif
    fprintf(out, "  thread %ld%s%s%s: %s %s on %p%s%s, blocked %.3f s\n", r->tid, comm[0] ? " (" : "", comm,
            comm[0] ? ")" : "", r->prim, r->op, r->obj, r->what[0] ? ": " : "", r->what,
            (double)(now - r->since) / 1e9);
}

static void *goc__dbg_watch(void *arg) {
    (void)arg;
    int64_t step = goc__dbg_warn / 4 < GOC_MILLISECOND ? GOC_MILLISECOND : goc__dbg_warn / 4;
    for (;;) {
        struct timespec ts = { (time_t)(step / GOC_SECOND), (long)(step % GOC_SECOND) };
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&goc__dbg_mu);
        int64_t now = goc_nanotime();
        for (goc__dbg_rec *r = goc__dbg_head; r; r = r->next) {
            if (r->warned || now - r->since < goc__dbg_warn) continue;
            r->warned = true;
            fprintf(stderr, "goc: GOC_DEBUG_WARN: an operation has been blocked longer than %.3f s:\n",
                    (double)goc__dbg_warn / 1e9);
            goc__dbg_line(stderr, r, now);
        }
        pthread_mutex_unlock(&goc__dbg_mu);
    }
    return NULL;
}

static void goc__dbg_child(void) {
    goc__once_fork_child(&goc__dbg_once);
    goc__dbg_head = NULL;
    pthread_mutex_init(&goc__dbg_mu, NULL);
}

static void goc__dbg_init(void) {
    pthread_atfork(NULL, NULL, goc__dbg_child);
    const char *w = getenv("GOC_DEBUG_WARN");
    double sec = w ? atof(w) : 0;
    if (sec <= 0) return;
    goc__dbg_warn = sec >= 1e9 ? INT64_MAX / 2 : (int64_t)(sec * 1e9);
    pthread_t t;
    if (pthread_create(&t, NULL, goc__dbg_watch, NULL) == 0) pthread_detach(t);
}

GOC_DEF void goc__dbg_block(goc__dbg_rec *r, const char *prim, const char *op, const void *obj,
                            const char *what) {
    goc__once_fork(&goc__dbg_once, goc__dbg_init);
    r->prim = prim;
    r->op = op;
    r->obj = obj;
    snprintf(r->what, sizeof r->what, "%s", what ? what : "");
    r->since = goc_nanotime();
#if defined(__linux__) && defined(SYS_gettid)
    r->tid = syscall(SYS_gettid);
#else
    r->tid = (long)(uintptr_t)pthread_self();
#endif
    r->warned = false;
    pthread_mutex_lock(&goc__dbg_mu);
    r->prev = NULL;
    r->next = goc__dbg_head;
    if (goc__dbg_head) goc__dbg_head->prev = r;
    goc__dbg_head = r;
    pthread_mutex_unlock(&goc__dbg_mu);
}

GOC_DEF void goc__dbg_unblock(goc__dbg_rec *r) {
    pthread_mutex_lock(&goc__dbg_mu);
    if (r->prev) r->prev->next = r->next; else goc__dbg_head = r->next;
    if (r->next) r->next->prev = r->prev;
    pthread_mutex_unlock(&goc__dbg_mu);
}

GOC_DEF void goc__dbg_dump(void *file) {
    FILE *out = file ? (FILE *)file : stderr;
    pthread_mutex_lock(&goc__dbg_mu);
    int64_t now = goc_nanotime();
    size_t n = 0;
    for (goc__dbg_rec *r = goc__dbg_head; r; r = r->next) n++;
    fprintf(out, "goc: %zu blocked operation%s\n", n, n == 1 ? "" : "s");
    for (goc__dbg_rec *r = goc__dbg_head; r; r = r->next) goc__dbg_line(out, r, now);
    fflush(out);
    pthread_mutex_unlock(&goc__dbg_mu);
}
#endif /* GOC_DEBUG */

#endif /* GOC_ATOMIC_IMPLEMENTATION */

/*
 * ------------------------------------------------------------------------------
 * This software is available under the MIT licence (LICENSE in goc's repository):
 *
 * MIT License
 *
 * Copyright (c) 2026 the goc authors
 *
 * Permission is hereby granted, free of charge, to any person obtaining a copy
 * of this software and associated documentation files (the "Software"), to deal
 * in the Software without restriction, including without limitation the rights
 * to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 * copies of the Software, and to permit persons to whom the Software is
 * furnished to do so, subject to the following conditions:
 *
 * The above copyright notice and this permission notice shall be included in all
 * copies or substantial portions of the Software.
 *
 * THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 * IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 * FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 * AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 * LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 * OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
 * SOFTWARE.
 * ------------------------------------------------------------------------------
 */
