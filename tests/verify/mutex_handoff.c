/* Mutex, the starvation hand-off: a waiter queued for longer than
 * GOC__STARVE_NS (1 ms) is handed the lock by the unlock itself - LOCKED
 * never drops, so the unlocker cannot take it straight back - and the
 * grant's release publishes the unlocker's critical section to it. The
 * model's clocks are per thread: the holder lets 2 ms of its own time
 * pass once it sees the waiter queued, so its unlock finds the waiter
 * starved. */
#include "verify.h"

static goc_mutex m;
static int x;
static atomic_int waiter_done;

static void *holder(void *arg) {
    (void)arg;
    goc_mutex_lock(&m);
    x = 1;
    while (!(goc_atomic_u32_load(&m.state) & GOC__M_QUEUED)) {}
    goc__mc_advance(2 * GOC_MILLISECOND);
    goc_mutex_unlock(&m);
    /* Handed off: the lock is the waiter's until it unlocks. */
    if (goc_mutex_trylock(&m)) {
        assert(V_LOAD(&waiter_done));
        goc_mutex_unlock(&m);
    }
    V_FINISH();
    return NULL;
}

static void *waiter(void *arg) {
    (void)arg;
    goc_mutex_lock(&m);
    x = 2;
    V_STORE(&waiter_done, 1);
    goc_mutex_unlock(&m);
    V_FINISH();
    return NULL;
}

int main(void) {
    pthread_t h = v_spawn(holder, NULL), w = v_spawn(waiter, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(h);
    v_join(w);
    assert(x == 2);
    return 0;
}
