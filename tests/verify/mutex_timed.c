/* Mutex, a timed lock that gives up: the holder's unlock races the
 * waiter's deadline. Either the waiter gets the lock (and then excludes
 * the holder's critical section: no race on the counter), or it times out
 * and leaves the queue; either way nobody is left asleep and the mutex is
 * free at the end. */
#include "verify.h"

static goc_mutex m;
static int counter;

static void *holder(void *arg) {
    (void)arg;
    goc_mutex_lock(&m);
    counter++;
    goc_mutex_unlock(&m);
    V_FINISH();
    return NULL;
}

static void *timed(void *arg) {
    (void)arg;
    if (goc_mutex_lock_timeout(&m, 10 * GOC_MICROSECOND) == GOC_OK) {
        counter++;
        goc_mutex_unlock(&m);
    }
    V_FINISH();
    return NULL;
}

int main(void) {
    pthread_t a = v_spawn(holder, NULL), b = v_spawn(timed, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(a);
    v_join(b);
    assert(goc_mutex_trylock(&m));
    goc_mutex_unlock(&m);
    return 0;
}
