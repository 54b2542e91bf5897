/* goc_rwmutex's biased reads (sync.h, "Biased reads"): a reader holding
 * the lock in its thread's slot, writers revoking the bias and waiting for
 * the slots, read holds given up on another thread, slots coming back when
 * threads exit, the table running out. This file compiles the
 * implementation itself, to look at the slots and the state. */
#define GOC_IMPLEMENTATION
#include "sync.h"
#include "testutil.h"

TestSuite(rwbias, .timeout = 60);

#define BIAS GOC__RW_BIAS
static uint32_t state(goc_rwmutex *m) { return goc_atomic_u32_load(&m->state); }
static int slots_holding(goc_rwmutex *m) {
    int n = 0;
    for (uint32_t i = 0; i < goc_atomic_u32_load(&goc__rw_high); i++)
        n += goc_atomic_uptr_load(&goc__rw_slots[i].s.lock) == (uintptr_t)(void *)m;
    return n;
}
/* A lock whose first reader (on the count) has set BIAS. */
static void make_biased(goc_rwmutex *m) {
    goc_rwmutex_rlock(m);
    goc_rwmutex_runlock(m);
    cr_assert(state(m) & BIAS, "the first count-path reader sets BIAS (state %#x)", state(m));
}

Test(rwbias, a_biased_reader_writes_only_its_slot) {
    goc_rwmutex m = {0};
    make_biased(&m);
    goc_rwmutex_rlock(&m);
    cr_assert_eq(state(&m) & GOC__RW_READERS, 0u, "a biased read lock is not counted");
    cr_assert_eq(slots_holding(&m), 1);
    cr_assert(goc_rwmutex_tryrlock(&m), "a second read lock (on the count)");
    cr_assert_eq(state(&m) & GOC__RW_READERS, 1u);
    goc_rwmutex_runlock(&m);
    goc_rwmutex_runlock(&m);
    cr_assert_eq(slots_holding(&m), 0);
    cr_assert_eq(state(&m) & GOC__RW_READERS, 0u);
    cr_assert(goc_rwmutex_trylock(&m));
    cr_assert_eq(state(&m) & BIAS, 0u, "a writer revokes the bias");
    goc_rwmutex_unlock(&m);
}

typedef struct { goc_rwmutex *m; goc_atomic_i32 step; } holder;
static void *hold_read(void *arg) {
    holder *h = arg;
    goc_rwmutex_rlock(h->m);
    goc_atomic_i32_store(&h->step, 1);
    while (goc_atomic_i32_load(&h->step) != 2) t_sleep_ms(1);
    goc_rwmutex_runlock(h->m);
    return NULL;
}

Test(rwbias, a_writer_waits_for_a_biased_reader) {
    static goc_rwmutex m;
    make_biased(&m);
    holder h = { &m, {0} };
    pthread_t t;
    pthread_create(&t, NULL, hold_read, &h);
    while (goc_atomic_i32_load(&h.step) != 1) t_sleep_ms(1);
    cr_assert_eq(slots_holding(&m), 1, "the reader holds its slot");
    cr_assert(!goc_rwmutex_trylock(&m), "trylock: a biased reader is in");
    cr_assert_eq(state(&m) & (GOC__RW_WRITER | BIAS), BIAS, "the failed trylock let go, BIAS on again (state %#x)",
                 state(&m));
    cr_assert(goc_rwmutex_tryrlock(&m), "readers still get in (on the count)");
    goc_rwmutex_runlock(&m);
    make_biased(&m);
    int64_t t0 = t_now();
    cr_assert_eq(goc_rwmutex_lock_timeout(&m, 20 * GOC_MILLISECOND), GOC_TIMEOUT);
    cr_assert(t_now() - t0 >= 20 * GOC_MILLISECOND);
    cr_assert_eq(state(&m) & (GOC__RW_WRITER | GOC__RW_READERS | BIAS), BIAS, "the timed-out writer let go");
    make_biased(&m);
    goc_atomic_i32_store(&h.step, 2);
    goc_rwmutex_lock(&m);          /* waits for the slot */
    cr_assert_eq(slots_holding(&m), 0);
    goc_rwmutex_unlock(&m);
    pthread_join(t, NULL);
}

/* Go allows RUnlock on another goroutine: here the thread that took the
 * biased read lock exits still holding it, and main gives it up. */
static void *rlock_and_exit(void *arg) { goc_rwmutex_rlock((goc_rwmutex *)arg); return NULL; }
Test(rwbias, runlock_on_another_thread) {
    static goc_rwmutex m;
    make_biased(&m);
    pthread_t t;
    pthread_create(&t, NULL, rlock_and_exit, &m);
    pthread_join(t, NULL);
    cr_assert_eq(slots_holding(&m), 1, "the exited thread's slot still holds m");
    cr_assert(!goc_rwmutex_trylock(&m));
    goc_rwmutex_runlock(&m);       /* not ours: takes the other thread's slot */
    cr_assert_eq(slots_holding(&m), 0);
    cr_assert(goc_rwmutex_trylock(&m), "no read hold is left");
    goc_rwmutex_unlock(&m);
}

Test(rwbias, runlock_with_no_hold_still_panics, .signal = SIGABRT) {
    static goc_rwmutex m;
    make_biased(&m);
    goc_rwmutex_runlock(&m);
}

/* Thread after thread read-locks (biased) and exits: the slots come back. */
static void *read_twice(void *arg) {
    goc_rwmutex *m = arg;
    for (int i = 0; i < 2; i++) { goc_rwmutex_rlock(m); goc_rwmutex_runlock(m); }
    return NULL;
}
Test(rwbias, slots_come_back_when_threads_exit) {
    static goc_rwmutex m;
    make_biased(&m);
    for (int i = 0; i < 3 * GOC_RW_SLOTS; i++) {
        pthread_t t;
        pthread_create(&t, NULL, read_twice, &m);
        pthread_join(t, NULL);
    }
    cr_assert_leq(goc_atomic_u32_load(&goc__rw_high), 8u, "slots in use: %u", goc_atomic_u32_load(&goc__rw_high));
    cr_assert_eq(slots_holding(&m), 0);
}

/* More readers at once than slots: the rest read on the count, and a
 * writer waits for all of them. */
#define MANY (GOC_RW_SLOTS + 16)
static goc_rwmutex g_many;
static goc_atomic_i32 g_in, g_go;
static void *many_reader(void *arg) {
    (void)arg;
    goc_rwmutex_rlock(&g_many);
    goc_atomic_i32_add(&g_in, 1);
    while (!goc_atomic_i32_load(&g_go)) t_sleep_ms(1);
    goc_atomic_i32_add(&g_in, -1);
    goc_rwmutex_runlock(&g_many);
    return NULL;
}
Test(rwbias, more_readers_than_slots) {
    make_biased(&g_many);
    pthread_t t[MANY];
    for (int i = 0; i < MANY; i++) pthread_create(&t[i], NULL, many_reader, NULL);
    while (goc_atomic_i32_load(&g_in) != MANY) t_sleep_ms(1);
    cr_assert_gt(state(&g_many) & GOC__RW_READERS, 0u, "some read on the count");
    cr_assert(!goc_rwmutex_trylock(&g_many));
    goc_atomic_i32_store(&g_go, 1);
    goc_rwmutex_lock(&g_many);
    cr_assert_eq(goc_atomic_i32_load(&g_in), 0, "the writer came in after every reader left");
    goc_rwmutex_unlock(&g_many);
    for (int i = 0; i < MANY; i++) pthread_join(t[i], NULL);
}

/* Readers hand their read locks to other threads to give up (through a
 * channel of tokens), writers check that they are alone, for a while. At
 * the end no hold may be left over: every slot and the count are empty. */
static goc_rwmutex g_st;
static goc_chan *g_tokens;
static goc_atomic_i64 g_writers;
static goc_atomic_bool g_stop;
static void *handing_reader(void *arg) {
    (void)arg;
    while (!goc_atomic_bool_load(&g_stop)) {
        goc_rwmutex_rlock(&g_st);
        T_CHECK(goc_atomic_i64_load(&g_writers) == 0);
        int64_t one = 1;
        T_CHECK(goc_chan_send(g_tokens, &one) == GOC_OK);   /* someone else unlocks */
        int64_t v;
        if (goc_chan_try_recv(g_tokens, &v) == GOC_OK) goc_rwmutex_runlock(&g_st);
    }
    return NULL;
}
static void *checking_writer(void *arg) {
    (void)arg;
    while (!goc_atomic_bool_load(&g_stop)) {
        int64_t v;
        while (goc_chan_try_recv(g_tokens, &v) == GOC_OK) goc_rwmutex_runlock(&g_st);
        if (goc_rwmutex_lock_timeout(&g_st, GOC_MILLISECOND) != GOC_OK) continue;
        T_CHECK(goc_atomic_i64_add(&g_writers, 1) == 1);
        goc_atomic_i64_add(&g_writers, -1);
        goc_rwmutex_unlock(&g_st);
    }
    return NULL;
}
Test(rwbias, read_locks_given_up_on_other_threads) {
    g_tokens = goc_chan_make(sizeof(int64_t), 1024);
    pthread_t r[4], w[2];
    for (int i = 0; i < 4; i++) pthread_create(&r[i], NULL, handing_reader, NULL);
    for (int i = 0; i < 2; i++) pthread_create(&w[i], NULL, checking_writer, NULL);
    t_sleep_ms(T_TSAN ? 300 : 500);
    goc_atomic_bool_store(&g_stop, true);
    for (int i = 0; i < 4; i++) pthread_join(r[i], NULL);
    for (int i = 0; i < 2; i++) pthread_join(w[i], NULL);
    int64_t v;
    while (goc_chan_try_recv(g_tokens, &v) == GOC_OK) goc_rwmutex_runlock(&g_st);
    cr_assert_eq(slots_holding(&g_st), 0);
    cr_assert_eq(state(&g_st) & ~BIAS, 0u, "state %#x", state(&g_st));
    cr_assert(goc_rwmutex_trylock(&g_st));
    goc_rwmutex_unlock(&g_st);
    goc_chan_free(g_tokens);
}

/* Writes as often as reads: revoking does not pay, and the bias stays off
 * for a while after a revocation (inhibit set). */
Test(rwbias, bias_off_while_writes_are_frequent) {
    static goc_rwmutex m;
    make_biased(&m);
    goc_rwmutex_rlock(&m);         /* biased: this thread has a slot now */
    goc_rwmutex_runlock(&m);
    cr_assert_gt(goc_atomic_u32_load(&goc__rw_high), 0u);
    for (uint32_t i = 0; i < goc_atomic_u32_load(&goc__rw_high); i++)   /* no biased read since */
        goc_atomic_u32_store(&goc__rw_slots[i].s.reads, 0);
    goc_rwmutex_lock(&m);          /* revokes: a slot to look at, no biased read seen */
    goc_rwmutex_unlock(&m);
    cr_assert_neq(goc_atomic_i64_load(&m.inhibit), 0, "inhibited");
    goc_rwmutex_rlock(&m);
    goc_rwmutex_runlock(&m);
    cr_assert_eq(state(&m) & BIAS, 0u, "a reader right after does not turn the bias on");
}

/* A thread's exit code that read-locks after goc's own key destructor has
 * given its slot back (another key's destructor, run later): it must read
 * on the count, not in the slot, which another thread may own by then
 * (found by review: both threads' slot stores overwrote each other, a read
 * hold was lost, GOC_PANIC). */
static goc_rwmutex g_exit_m;
static pthread_key_t g_late_key;
static goc_atomic_i32 g_late_ok;
static void late_destructor(void *p) {
    (void)p;
    goc_rwmutex_rlock(&g_exit_m);
    bool counted = (state(&g_exit_m) & GOC__RW_READERS) == 1 && slots_holding(&g_exit_m) == 0;
    goc_rwmutex_runlock(&g_exit_m);
    goc_atomic_i32_store(&g_late_ok, counted ? 1 : 2);
}
static void *read_then_exit(void *arg) {
    (void)arg;
    goc_rwmutex_rlock(&g_exit_m);   /* biased: claims this thread's slot */
    goc_rwmutex_runlock(&g_exit_m);
    pthread_setspecific(g_late_key, (void *)1);
    return NULL;
}
Test(rwbias, exit_code_after_the_slot_is_given_back) {
    make_biased(&g_exit_m);
    goc_rwmutex_rlock(&g_exit_m);   /* main claims a slot: goc's key exists, below ours */
    goc_rwmutex_runlock(&g_exit_m);
    cr_assert_eq(pthread_key_create(&g_late_key, late_destructor), 0);
    pthread_t t;
    pthread_create(&t, NULL, read_then_exit, NULL);
    pthread_join(t, NULL);
    cr_assert_eq(goc_atomic_i32_load(&g_late_ok), 1, "the late destructor's read lock used a slot");
    pthread_key_delete(g_late_key);
}
