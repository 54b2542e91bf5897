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
 * it is done; main calls VERIFY_NOT_STUCK(n) before joining them. It looks
 * once: if every thread has either finished or is asleep in goc_wait_u32
 * (the model's waiter list), nobody is left who could wake the sleepers,
 * so there must be none. An execution in which main looks while a thread
 * still runs is dropped (assume); GenMC explores the one in which main
 * looks later. A stale `finished` (relaxed) only makes the sum smaller, so
 * it never accuses a thread that is still running; a thread in the list
 * cannot have finished. (A thread stuck anywhere else - neither finished
 * nor parked - leaves no complete execution, and scripts/verify.sh fails
 * a check that explores none.) */
#include <genmc.h>   /* __VERIFIER_assume */
static atomic_int v_finished;
#define V_FINISH() atomic_fetch_add_explicit(&v_finished, 1, memory_order_relaxed)
#define VERIFY_NOT_STUCK(n) do {                                                \
        int v_f_ = V_LOAD(&v_finished), v_p_ = goc__mc_parked();               \
        __VERIFIER_assume(v_f_ + v_p_ == (n));                                 \
        assert(v_p_ == 0);                                                     \
    } while (0)

#endif
