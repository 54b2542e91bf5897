/* RWMutex: the last reader out is one backing out. Main holds a read lock
 * while a writer queues (WWAIT); a second reader, once it sees WWAIT,
 * tries to read-lock: it counts itself in (fetch_add), finds the writer
 * waiting and counts itself out again, racing main's runlock. Whichever
 * of the two leaves last - main's runlock, or the refused reader's
 * back-out - must let the queue move: the writer gets the lock, nobody is
 * left asleep, and the writer sees what main wrote before its runlock
 * (main writes under a read lock here only because no other reader
 * touches x). */
#include "verify.h"

static goc_rwmutex m;
static int x;

/* The writer has queued and let go of the internal lock (qmu): from here
 * on only the two leaving readers race. Each reader looks once, and GenMC
 * keeps only the executions in which it looked late enough (a spin loop
 * in two threads, and three threads on qmu at once, did not finish in
 * 200 s; qmu itself is what the mutex checks check). */
static void wait_writer_queued(void) {
    __VERIFIER_assume((goc_atomic_u32_load(&m.state) & GOC__RW_WWAIT) &&
                      goc_atomic_u32_load(&m.qmu.state) == 0);
}

static void *writer(void *arg) {
    (void)arg;
    goc_rwmutex_lock(&m);
    assert(x == 1);              /* kept: unlocking would only add states */
    V_FINISH();
    return NULL;
}

static void *late_reader(void *arg) {
    (void)arg;
    wait_writer_queued();
    assert(!goc_rwmutex_tryrlock(&m));   /* the writer waits, then holds */
    V_FINISH();
    return NULL;
}

int main(void) {
    goc_rwmutex_rlock(&m);
    pthread_t w = v_spawn(writer, NULL), r = v_spawn(late_reader, NULL);
    wait_writer_queued();
    /* ... and the late reader has counted itself in: its back-out and our
     * runlock now race to be the last reader out. */
    __VERIFIER_assume((goc_atomic_u32_load(&m.state) & GOC__RW_READERS) == 2);
    x = 1;
    goc_rwmutex_runlock(&m);
    VERIFY_NOT_STUCK(2);
    v_join(w);
    v_join(r);
    return 0;
}
