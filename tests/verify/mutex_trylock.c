/* Mutex, trylock against lock: a trylock that succeeds excludes the other
 * thread as lock does, and one that fails leaves nothing behind. */
#include "verify.h"

static goc_mutex m;
static int counter;

static void *locker(void *arg) {
    (void)arg;
    goc_mutex_lock(&m);
    counter++;
    goc_mutex_unlock(&m);
    V_FINISH();
    return NULL;
}

static void *trier(void *arg) {
    (void)arg;
    if (goc_mutex_trylock(&m)) {
        counter++;
        goc_mutex_unlock(&m);
    }
    V_FINISH();
    return NULL;
}

int main(void) {
    pthread_t a = v_spawn(locker, NULL), b = v_spawn(trier, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(a);
    v_join(b);
    assert(goc_mutex_trylock(&m));        /* free again, whatever happened */
    goc_mutex_unlock(&m);
    return 0;
}
