/* WaitGroup: the zero transition and reuse. A waiter waits for a worker's
 * done (the counter's seq_cst RMW publishes the work to the waiter that
 * sees zero); then the group is reused for a second round, whose add races
 * the first round's clean-up of the WAITING flag. Proves no work is missed
 * and the reuse is clean. The wake-up is waitgroup_wake's. */
#include "verify.h"

static goc_waitgroup wg;
static int work1, work2;

static void *worker(void *arg) {
    (void)arg;
    work1 = 1;
    goc_wg_done(&wg);
    V_FINISH();
    return NULL;
}

static void *waiter(void *arg) {
    (void)arg;
    goc_wg_wait(&wg);
    assert(work1 == 1);
    goc_wg_add(&wg, 1);          /* round two, on the same group */
    work2 = 1;
    goc_wg_done(&wg);
    V_FINISH();
    return NULL;
}

int main(void) {
    goc_wg_add(&wg, 1);
    pthread_t w = v_spawn(waiter, NULL), d = v_spawn(worker, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(w);
    v_join(d);
    goc_wg_wait(&wg);
    assert(work2 == 1);
    return 0;
}
