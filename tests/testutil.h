/* Helpers shared by the test suites: threads, time, scaling. */
#ifndef GOC_TESTUTIL_H
#define GOC_TESTUTIL_H
/* nanosleep and friends under a strict -std=c11: musl hides them unless
 * asked before the first system header (every suite includes this first). */
#if !defined(_DEFAULT_SOURCE) && !defined(_GNU_SOURCE)
#define _DEFAULT_SOURCE 1
#endif
#ifdef GOC_TEST_SHIM            /* make tsan: see crit_shim.h */
#include "crit_shim.h"
#else
#include <criterion/criterion.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "context.h"   /* and so every goc header */

/* T_TSAN: 1 under ThreadSanitizer, which cannot start threads in the child
 * of a multi-threaded fork ("not supported. Dying"): the fork tests that
 * need them pass untested there. */
#if defined(__SANITIZE_THREAD__)
#  define T_TSAN 1
#elif defined(__has_feature)
#  if __has_feature(thread_sanitizer)
#    define T_TSAN 1
#  endif
#endif
#ifndef T_TSAN
#  define T_TSAN 0
#endif
#define T_NO_TSAN() do { if (T_TSAN) { fprintf(stderr, "fork: not run under TSan\n"); return; } } while (0)

/* Sanitizers slow everything down a lot: stress loops scale with this. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#  define T_SCALE 10
#elif defined(__has_feature)
#  if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#    define T_SCALE 10
#  endif
#endif
#ifndef T_SCALE
#  define T_SCALE 1
#endif
#define T_ITERS(n) ((n) / T_SCALE > 0 ? (n) / T_SCALE : 1)

/* Checks inside worker threads: Criterion's asserts may only fail on the
 * test's own thread, so workers count failures and the test asserts zero. */
static goc_atomic_i64 t_failures __attribute__((unused));
#define T_CHECK(cond) do { if (!(cond)) {                                      \
        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        goc_atomic_i64_add(&t_failures, 1); } } while (0)
#define T_NO_FAILURES() cr_assert_eq(goc_atomic_i64_load(&t_failures), 0, "a worker thread's check failed")

typedef struct t_threads { pthread_t id[64]; int n; } t_threads;

static inline void t_spawn(t_threads *t, void *(*fn)(void *), void *arg) {
    cr_assert_lt(t->n, 64);
    cr_assert_eq(pthread_create(&t->id[t->n], NULL, fn, arg), 0);
    t->n++;
}

static inline void t_join(t_threads *t) {
    for (int i = 0; i < t->n; i++) pthread_join(t->id[i], NULL);
    t->n = 0;
}

static inline int64_t t_now(void) { return goc_nanotime(); }

static inline void t_sleep_ms(int ms) {
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0) {}
}

/* Wait (bounded) until an atomic counter reaches a value. */
static inline bool t_await_i64(goc_atomic_i64 *a, int64_t want, int timeout_ms) {
    int64_t end = t_now() + (int64_t)timeout_ms * 1000000;
    while (goc_atomic_i64_load(a) != want) {
        if (t_now() > end) return false;
        t_sleep_ms(1);
    }
    return true;
}
#endif
