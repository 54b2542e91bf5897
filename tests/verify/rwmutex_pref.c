/* RWMutex: writer preference and a reader's back-out. A reader holds the
 * lock until it sees a writer waiting (WWAIT); from then on a new read
 * lock must fail - writers are not starved by a stream of readers - and
 * that failed attempt, which counted itself in and backs out, must not
 * lose the writer its turn: the writer gets the lock once the reader
 * leaves, and sees what the reader wrote. */
#include "verify.h"

static goc_rwmutex m;
static int x;

static void *reader(void *arg) {
    (void)arg;
    goc_rwmutex_rlock(&m);
    while (!(goc_atomic_u32_load(&m.state) & GOC__RW_WWAIT)) {}
    assert(!goc_rwmutex_tryrlock(&m));
    goc_rwmutex_runlock(&m);
    V_FINISH();
    return NULL;
}

static void *writer(void *arg) {
    (void)arg;
    goc_rwmutex_lock(&m);
    x = 1;
    goc_rwmutex_unlock(&m);
    V_FINISH();
    return NULL;
}

int main(void) {
    pthread_t r = v_spawn(reader, NULL), w = v_spawn(writer, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(r);
    v_join(w);
    assert(x == 1);
    return 0;
}
