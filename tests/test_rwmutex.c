/* goc_rwmutex: readers overlap, writers are alone, writers are not starved,
 * timeouts, misuse. Partly after Go's sync/rwmutex_test.go. */
#include "testutil.h"

TestSuite(rwmutex, .timeout = 60);

static goc_rwmutex g_rw;
static goc_atomic_i64 g_readers, g_writers, g_held;

/* Inside a write lock: nobody else is inside. Inside a read lock: no
 * writer is. `work` iterations of busy work; `yield`: get preempted there. */
static void inside_write(int work, bool yield) {
    T_CHECK(goc_atomic_i64_add(&g_writers, 1) == 1);
    T_CHECK(goc_atomic_i64_load(&g_readers) == 0);
    for (volatile int k = 0; k < work; k++) {}
    if (yield) sched_yield();
    goc_atomic_i64_add(&g_writers, -1);
}
static void inside_read(int work, bool yield) {
    goc_atomic_i64_add(&g_readers, 1);
    T_CHECK(goc_atomic_i64_load(&g_writers) == 0);
    for (volatile int k = 0; k < work; k++) {}
    if (yield) sched_yield();
    goc_atomic_i64_add(&g_readers, -1);
}

/* Go's TestParallelReaders: n readers all hold the read lock at once. */
static void *reader_meets_others(void *arg) {
    int n = *(int *)arg;
    goc_rwmutex_rlock(&g_rw);
    goc_atomic_i64_add(&g_held, 1);
    int64_t end = t_now() + 5 * GOC_SECOND;
    while (goc_atomic_i64_load(&g_held) < n && t_now() < end) t_sleep_ms(1);
    T_CHECK(goc_atomic_i64_load(&g_held) >= n);
    goc_rwmutex_runlock(&g_rw);
    return NULL;
}
Test(rwmutex, readers_overlap) {
    t_threads t = {0};
    int n = 4;
    goc_atomic_i64_store(&g_held, 0);
    for (int i = 0; i < n; i++) t_spawn(&t, reader_meets_others, &n);
    t_join(&t);
    T_NO_FAILURES();
}

/* Go's HammerRWMutex: writers see no one else inside, readers no writer. */
static void *rw_hammer(void *arg) {
    int n = *(int *)arg;
    unsigned seed = (unsigned)(uintptr_t)&n;
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        if ((seed >> 16) % 10 == 0) {
            goc_rwmutex_lock(&g_rw);
            inside_write(100, false);
            goc_rwmutex_unlock(&g_rw);
        } else {
            goc_rwmutex_rlock(&g_rw);
            inside_read(100, false);
            goc_rwmutex_runlock(&g_rw);
        }
    }
    return NULL;
}
Test(rwmutex, writer_is_alone) {
    t_threads t = {0};
    int n = T_ITERS(50000);
    for (int i = 0; i < 6; i++) t_spawn(&t, rw_hammer, &n);
    t_join(&t);
    T_NO_FAILURES();
}

/* Many writers and readers that often find the lock held, so that they
 * queue and the slow paths (queueing under qmu, dispatch, writers arriving
 * while a release is on its way to grant queued readers) all run. Yielding
 * inside the lock makes holders get preempted there. Time-bounded. */
static goc_atomic_i64 g_queued_ops;
static void *rw_queue_hammer(void *arg) {
    int64_t end = *(int64_t *)arg;
    unsigned seed = (unsigned)(uintptr_t)&end;
    while (t_now() < end) {
        for (int i = 0; i < 64; i++) {
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 16) % 3 == 0) {
                goc_rwmutex_lock(&g_rw);
                inside_write(0, (seed >> 20) % 4 == 0);
                goc_rwmutex_unlock(&g_rw);
            } else {
                goc_rwmutex_rlock(&g_rw);
                inside_read(0, (seed >> 20) % 4 == 0);
                goc_rwmutex_runlock(&g_rw);
            }
            goc_atomic_i64_add(&g_queued_ops, 1);
        }
    }
    return NULL;
}
Test(rwmutex, writers_and_readers_queue_together) {
    t_threads t = {0};
    int64_t end = t_now() + GOC_SECOND;
    for (int i = 0; i < 8; i++) t_spawn(&t, rw_queue_hammer, &end);
    t_join(&t);
    T_NO_FAILURES();
    cr_assert_gt(goc_atomic_i64_load(&g_queued_ops), 0);
    /* the lock is free and consistent again */
    cr_assert(goc_rwmutex_trylock(&g_rw));
    goc_rwmutex_unlock(&g_rw);
}

static void *writer_locks(void *arg) {
    goc_atomic_i64 *done = arg;
    goc_rwmutex_lock(&g_rw);
    goc_atomic_i64_store(done, 1);
    goc_rwmutex_unlock(&g_rw);
    return NULL;
}

/* A writer waiting in lock keeps new readers out. */
Test(rwmutex, waiting_writer_keeps_new_readers_out) {
    goc_atomic_i64 done = {0};
    t_threads t = {0};
    goc_rwmutex_rlock(&g_rw);
    t_spawn(&t, writer_locks, &done);
    /* wait until the writer is queued: then new readers are refused */
    int64_t end = t_now() + 5 * GOC_SECOND;
    while (goc_rwmutex_tryrlock(&g_rw)) {
        goc_rwmutex_runlock(&g_rw);
        cr_assert_lt(t_now(), end, "the writer never queued");
        t_sleep_ms(1);
    }
    cr_assert_eq(goc_rwmutex_rlock_timeout(&g_rw, 20 * GOC_MILLISECOND), GOC_TIMEOUT);
    cr_assert_eq(goc_atomic_i64_load(&done), 0);
    goc_rwmutex_runlock(&g_rw);
    t_join(&t);
    cr_assert_eq(goc_atomic_i64_load(&done), 1);
    cr_assert(goc_rwmutex_tryrlock(&g_rw));
    goc_rwmutex_runlock(&g_rw);
}

/* A stream of overlapping readers (there is always one inside) must not
 * starve a writer. */
static goc_atomic_bool g_stop;
static void *stream_reader(void *arg) {
    (void)arg;
    while (!goc_atomic_bool_load(&g_stop)) {
        goc_rwmutex_rlock(&g_rw);
        struct timespec ts = { 0, 200000 };
        nanosleep(&ts, NULL);
        goc_rwmutex_runlock(&g_rw);
    }
    return NULL;
}
Test(rwmutex, reader_stream_does_not_starve_writer) {
    t_threads t = {0};
    goc_atomic_bool_store(&g_stop, false);
    for (int i = 0; i < 4; i++) t_spawn(&t, stream_reader, NULL);
    t_sleep_ms(20);
    for (int i = 0; i < 20; i++) {
        int r = goc_rwmutex_lock_timeout(&g_rw, 2 * GOC_SECOND);
        cr_assert_eq(r, GOC_OK, "writer starved (round %d)", i);
        goc_rwmutex_unlock(&g_rw);
    }
    goc_atomic_bool_store(&g_stop, true);
    t_join(&t);
}

Test(rwmutex, try_forms) {
    goc_rwmutex m = {0};
    cr_assert(goc_rwmutex_tryrlock(&m));
    cr_assert(goc_rwmutex_tryrlock(&m));
    cr_assert_not(goc_rwmutex_trylock(&m));
    goc_rwmutex_runlock(&m);
    goc_rwmutex_runlock(&m);
    cr_assert(goc_rwmutex_trylock(&m));
    cr_assert_not(goc_rwmutex_tryrlock(&m));
    cr_assert_not(goc_rwmutex_trylock(&m));
    goc_rwmutex_unlock(&m);
    cr_assert(goc_rwmutex_trylock(&m));
    goc_rwmutex_unlock(&m);
}

Test(rwmutex, timeouts_no_earlier_than_asked) {
    goc_rwmutex m = {0};
    goc_rwmutex_lock(&m);
    int64_t t0 = t_now();
    cr_assert_eq(goc_rwmutex_rlock_timeout(&m, 20 * GOC_MILLISECOND), GOC_TIMEOUT);
    cr_assert_geq(t_now() - t0, 20 * GOC_MILLISECOND);
    t0 = t_now();
    cr_assert_eq(goc_rwmutex_lock_timeout(&m, 20 * GOC_MILLISECOND), GOC_TIMEOUT);
    cr_assert_geq(t_now() - t0, 20 * GOC_MILLISECOND);
    cr_assert_eq(goc_rwmutex_rlock_timeout(&m, 0), GOC_TIMEOUT);
    goc_rwmutex_unlock(&m);
    goc_rwmutex_rlock(&m);
    t0 = t_now();
    cr_assert_eq(goc_rwmutex_lock_timeout(&m, 20 * GOC_MILLISECOND), GOC_TIMEOUT);
    cr_assert_geq(t_now() - t0, 20 * GOC_MILLISECOND);
    cr_assert_eq(goc_rwmutex_rlock_timeout(&m, 20 * GOC_MILLISECOND), GOC_OK);  /* no writer waits now */
    goc_rwmutex_runlock(&m);
    goc_rwmutex_runlock(&m);
    cr_assert_eq(goc_rwmutex_lock_timeout(&m, 0), GOC_OK);
    goc_rwmutex_unlock(&m);
}

/* A queued writer that gives up must let the readers queued behind it in. */
static void *reader_behind(void *arg) {
    goc_atomic_i64 *got = arg;
    if (goc_rwmutex_rlock_timeout(&g_rw, 5 * GOC_SECOND) == GOC_OK) {
        goc_atomic_i64_store(got, 1);
        goc_rwmutex_runlock(&g_rw);
    }
    return NULL;
}
static void *writer_gives_up(void *arg) {
    (void)arg;
    T_CHECK(goc_rwmutex_lock_timeout(&g_rw, 100 * GOC_MILLISECOND) == GOC_TIMEOUT);
    return NULL;
}
Test(rwmutex, writer_timeout_releases_readers_behind_it) {
    goc_atomic_i64 got = {0};
    t_threads t = {0};
    goc_rwmutex_rlock(&g_rw);                 /* a reader inside for the whole test */
    t_spawn(&t, writer_gives_up, NULL);
    while (goc_rwmutex_tryrlock(&g_rw)) {     /* until the writer is queued */
        goc_rwmutex_runlock(&g_rw);
        t_sleep_ms(1);
    }
    t_spawn(&t, reader_behind, &got);         /* queues behind the writer */
    t_sleep_ms(20);
    cr_assert_eq(goc_atomic_i64_load(&got), 0);
    cr_assert(t_await_i64(&got, 1, 3000), "reader stayed blocked after the writer gave up");
    goc_rwmutex_runlock(&g_rw);
    t_join(&t);
    T_NO_FAILURES();
}

/* Mixed timeouts racing everything: exclusion holds, nothing is left stuck. */
static void *rw_timeout_racer(void *arg) {
    int n = *(int *)arg;
    for (int i = 0; i < n; i++) {
        goc_duration d = (i % 5) * 30 * GOC_MICROSECOND;
        if (i % 4 == 0) {
            if (goc_rwmutex_lock_timeout(&g_rw, d) == GOC_OK) {
                inside_write(0, false);
                goc_rwmutex_unlock(&g_rw);
            }
        } else if (goc_rwmutex_rlock_timeout(&g_rw, d) == GOC_OK) {
            inside_read(200, false);
            goc_rwmutex_runlock(&g_rw);
        }
    }
    return NULL;
}
Test(rwmutex, timeouts_racing) {
    t_threads t = {0};
    int n = T_ITERS(20000);
    for (int i = 0; i < 6; i++) t_spawn(&t, rw_timeout_racer, &n);
    t_join(&t);
    T_NO_FAILURES();
    cr_assert(goc_rwmutex_trylock(&g_rw));
    goc_rwmutex_unlock(&g_rw);
}

Test(rwmutex, runlock_without_reader_panics, .signal = SIGABRT) {
    goc_rwmutex m = {0};
    goc_rwmutex_runlock(&m);
}

Test(rwmutex, unlock_not_locked_panics, .signal = SIGABRT) {
    goc_rwmutex m = {0};
    goc_rwmutex_unlock(&m);
}

Test(rwmutex, unlock_of_read_lock_panics, .signal = SIGABRT) {
    goc_rwmutex m = {0};
    goc_rwmutex_rlock(&m);
    goc_rwmutex_unlock(&m);
}
