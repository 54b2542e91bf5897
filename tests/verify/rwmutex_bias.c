/* RWMutex, biased reads: a reader that publishes itself in its thread's
 * slot against a writer that revokes the bias. The store-buffering pair
 * (the reader's slot store and its load of the state, the writer's clear
 * of BIAS and its load of the slot, all seq_cst) must let exactly one of
 * them go first, and each section must publish its plain accesses to the
 * other (the slot's release, the writer's acquire): GenMC reports any race
 * on x. The lock starts biased, as the first count-path reader leaves it. */
#include "verify.h"

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
    goc_atomic_u32_store(&m.state, GOC__RW_BIAS);
    pthread_t w = v_spawn(writer, NULL), r = v_spawn(reader, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(w);
    v_join(r);
    return 0;
}
