/* WaitGroup: the wake-up. A waiter finds the counter at 1, sets WAITING
 * (a CAS on the 64-bit state) and sleeps on the counter's 32-bit half; a
 * worker's done() brings the counter to 0 and, finding WAITING, wakes
 * that half's address. Proves the waiter is never left asleep - the
 * waiter's CAS and the worker's fetch_add are RMWs of one word, so either
 * the worker sees WAITING or the waiter's CAS fails and it sees 0 - and
 * sees the work. (The model reads the half through the whole word, see
 * atomic.h's goc__wait_u64_hi.) */
#include "verify.h"

static goc_waitgroup wg;
static int work;

static void *worker(void *arg) {
    (void)arg;
    work = 1;
    goc_wg_done(&wg);
    V_FINISH();
    return NULL;
}

static void *waiter(void *arg) {
    (void)arg;
    goc_wg_wait(&wg);
    assert(work == 1);
    V_FINISH();
    return NULL;
}

int main(void) {
    goc_wg_add(&wg, 1);
    pthread_t w = v_spawn(waiter, NULL), d = v_spawn(worker, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(w);
    v_join(d);
    return 0;
}
