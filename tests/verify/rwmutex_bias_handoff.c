/* RWMutex, biased reads: a read lock taken on one thread (in its slot)
 * and given up on another (Go allows it): the second thread's runlock
 * finds no hold of its own and takes the first one's slot. The writer
 * must still wait for the read section, and see it (the taking CAS is a
 * release, the writer's drain an acquire): GenMC reports any race on x.
 * The writer starts once the read section is over, looking with a relaxed
 * load (no happens-before of its own): a writer racing the reader itself
 * is rwmutex_bias's, and three threads racing at once did not finish in
 * 300 s. */
#include "verify.h"

static goc_rwmutex m;
static int x;
static atomic_int handed;

static void *writer(void *arg) {
    (void)arg;
    __VERIFIER_assume(V_LOAD(&handed) == 1);
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
    atomic_store_explicit(&handed, 1, memory_order_release);   /* the read section is over */
    V_FINISH();
    return NULL;
}

static void *unlocker(void *arg) {
    (void)arg;
    __VERIFIER_assume(atomic_load_explicit(&handed, memory_order_acquire) == 1);
    goc_rwmutex_runlock(&m);
    V_FINISH();
    return NULL;
}

int main(void) {
    goc_atomic_u32_store(&m.state, GOC__RW_BIAS);
    pthread_t w = v_spawn(writer, NULL), r = v_spawn(reader, NULL), u = v_spawn(unlocker, NULL);
    VERIFY_NOT_STUCK(3);
    v_join(w);
    v_join(r);
    v_join(u);
    return 0;
}
