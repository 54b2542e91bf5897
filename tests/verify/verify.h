/* goc's model-checking harness (make verify; see scripts/verify.sh).
 *
 * Each check in this directory is a small C program that GenMC runs in
 * every execution the RC11 memory model allows: two or three threads, one
 * property, asserted. It compiles goc's own implementation, unchanged,
 * with GOC_MODEL_CHECK, which swaps only the OS underneath (atomic.h:
 * the futex becomes a model of its contract, the clock a counter per
 * thread, spinning is off). GenMC reports a failed assert, a data race on
 * plain memory, a use of freed memory (a last touch after the owner left),
 * or an error of the model (a waiter nobody can wake, see VERIFY_NOT_STUCK).
 *
 * Every check has a weakened twin: scripts/verify.sh compiles it against a
 * copy of the headers with one memory order relaxed on purpose (listed in
 * tests/verify/checks), and expects GenMC to report it. A check whose twin
 * passes proves nothing, and the run fails.
 */
#ifndef GOC_VERIFY_H
#define GOC_VERIFY_H

#define GOC_MODEL_CHECK
#define GOC_ATOMIC_IMPLEMENTATION
#define GOC_SYNC_IMPLEMENTATION
#define GOC_CHAN_IMPLEMENTATION
#define GOC_NO_STB_DS_IMPLEMENTATION   /* the striped map is not checked here */
#include "chan.h"

#include <pthread.h>
#include <assert.h>
#include <stdatomic.h>

/* Relaxed atomics for what the checks themselves observe: they add no
 * ordering of their own, so every happens-before comes from goc. */
#define V_LOAD(p)     atomic_load_explicit((p), memory_order_relaxed)
#define V_STORE(p, v) atomic_store_explicit((p), (v), memory_order_relaxed)

static pthread_t v_spawn(void *(*fn)(void *), void *arg) {
    pthread_t t;
    if (pthread_create(&t, NULL, fn, arg)) abort();
    return t;
}
static void v_join(pthread_t t) { pthread_join(t, NULL); }

/* A lost wake-up. Each of the n threads of a check calls V_FINISH() when
 * it is done; main calls VERIFY_NOT_STUCK(n): once all but one have
 * finished, nobody is left who could wake the last one, so it must not be
 * asleep in goc_wait_u32 (the model's waiter list must be empty). GenMC
 * explores the orders in which the last thread registers before this look,
 * so a thread that could sleep for ever is caught (a stuck thread would
 * otherwise only block main's join, which GenMC counts as a blocked
 * execution, not as an error). The look reads `finished` relaxed and the
 * list under the model's mutex: a finished thread's wakes come before its
 * V_FINISH, so they are seen. Call it before joining. */
static atomic_int v_finished;
#define V_FINISH() atomic_fetch_add_explicit(&v_finished, 1, memory_order_relaxed)
#define VERIFY_NOT_STUCK(n) do {                                                \
        while (V_LOAD(&v_finished) < (n) - 1) {}                                \
        assert(goc__mc_parked() == 0 || V_LOAD(&v_finished) == (n));            \
    } while (0)

#endif
