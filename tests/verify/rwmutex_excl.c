/* RWMutex: a writer against a reader. Proves the read section and the
 * write section exclude each other and each publishes its plain accesses
 * to the next (GenMC reports any race on x), through the fast paths and
 * the queue. */
#include "verify.h"

#ifndef V_RW_START
#  define V_RW_START 0u   /* the state the lock starts in (rwmutex_bias: BIAS) */
#endif

static goc_rwmutex m;
static int x;

static void *writer(void *arg) {
    (void)arg;
    goc_rwmutex_lock(&m);
    x = 1;
    goc_rwmutex_unlock(&m);
    V_FINISH();
    return NULL;
}

static void *reader(void *arg) {
    (void)arg;
    goc_rwmutex_rlock(&m);
    int v = x;
    assert(v == 0 || v == 1);
    goc_rwmutex_runlock(&m);
    V_FINISH();
    return NULL;
}

int main(void) {
    goc_atomic_u32_store(&m.state, V_RW_START);
    pthread_t w = v_spawn(writer, NULL), r = v_spawn(reader, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(w);
    v_join(r);
    return 0;
}
