/* Mutex, lock and unlock: two threads increment a plain counter under the
 * lock. Proves mutual exclusion and that unlock's release publishes the
 * critical section to the next locker (GenMC reports any race on the
 * counter), through the fast path, the queue and the woken waiter. */
#include "verify.h"

static goc_mutex m;
static int counter;

static void *worker(void *arg) {
    (void)arg;
    goc_mutex_lock(&m);
    counter++;
    goc_mutex_unlock(&m);
    V_FINISH();
    return NULL;
}

int main(void) {
    pthread_t a = v_spawn(worker, NULL), b = v_spawn(worker, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(a);
    v_join(b);
    assert(counter == 2);
    return 0;
}
