/* A semaphore waiter cancelled from outside (goc_ctx_sem_acquire's path:
 * sync.h's goc__wait_cancel) while the unit it waits for is released.
 * Proves the waiter ends exactly one way - GOC_OK holding the unit, or
 * GOC_CANCELED holding nothing and out of the queue - so the unit is
 * never lost nor given twice, and nobody is left asleep. The canceller's
 * last touch of the waiter's word comes before disarm returns. The
 * release and the cancel start once the waiter sleeps (assume). */
#include "verify.h"

static goc_sem s;
static _Atomic(goc_atomic_u32 *) word;   /* the waiter's word, once armed */
static atomic_int cancelled;             /* the canceller is done with it */
static atomic_int rc;

static void arm(void *arg, goc_atomic_u32 *w) { (void)arg; atomic_store_explicit(&word, w, memory_order_release); }
static void disarm(void *arg) {
    (void)arg;
    __VERIFIER_assume(atomic_load_explicit(&cancelled, memory_order_acquire) == 1);
}

static void *waiter(void *arg) {
    (void)arg;
    goc__wait_arm a = { arm, disarm, NULL };
    V_STORE(&rc, goc__sem_acquire_armed(&s, 1, &a));
    V_FINISH();
    return NULL;
}

static void *canceller(void *arg) {
    (void)arg;
    __VERIFIER_assume(goc__mc_parked() == 1);   /* the waiter sleeps */
    goc_atomic_u32 *w = atomic_load_explicit(&word, memory_order_acquire);
    goc__wait_cancel(w);
    atomic_store_explicit(&cancelled, 1, memory_order_release);
    V_FINISH();
    return NULL;
}

int main(void) {
    goc_sem_init(&s, 1);
    assert(goc_sem_try_acquire(&s, 1));
    pthread_t tw = v_spawn(waiter, NULL), tc = v_spawn(canceller, NULL);
    __VERIFIER_assume(goc__mc_parked() == 1);   /* the waiter sleeps */
    goc_sem_release(&s, 1);
    VERIFY_NOT_STUCK(2);
    v_join(tw);
    v_join(tc);
    int r = V_LOAD(&rc);
    assert(r == GOC_OK || r == GOC_CANCELED);
    /* OK: the waiter holds the one unit; CANCELED: it is free */
    assert(goc_sem_try_acquire(&s, 1) == (r == GOC_CANCELED));
    return 0;
}
