/* goc_mutex: exclusion, try, timeouts, hand-off, misuse. */
#include "testutil.h"

TestSuite(mutex, .timeout = 60);

static goc_mutex g_mu;
static long g_plain;          /* guarded by g_mu: NOT atomic on purpose */

static void *incr(void *arg) {
    int n = *(int *)arg;
    for (int i = 0; i < n; i++) {
        goc_mutex_lock(&g_mu);
        g_plain++;
        goc_mutex_unlock(&g_mu);
    }
    return NULL;
}

Test(mutex, zero_value_is_unlocked) {
    goc_mutex m = {0};
    cr_assert(goc_mutex_trylock(&m));
    goc_mutex_unlock(&m);
    goc_mutex_lock(&m);
    goc_mutex_unlock(&m);
}

Test(mutex, exclusion_8_threads) {
    t_threads t = {0};
    int n = T_ITERS(200000);
    g_plain = 0;
    for (int i = 0; i < 8; i++) t_spawn(&t, incr, &n);
    t_join(&t);
    cr_assert_eq(g_plain, 8L * n);
}

Test(mutex, trylock) {
    goc_mutex m = {0};
    cr_assert(goc_mutex_trylock(&m));
    cr_assert_not(goc_mutex_trylock(&m));
    goc_mutex_unlock(&m);
    cr_assert(goc_mutex_trylock(&m));
    goc_mutex_unlock(&m);
}

static void *lock_timeout_20ms(void *arg) {
    goc_mutex *m = arg;
    int64_t t0 = t_now();
    int r = goc_mutex_lock_timeout(m, 20 * GOC_MILLISECOND);
    int64_t took = t_now() - t0;
    T_CHECK(r == GOC_TIMEOUT);
    T_CHECK(took >= 20 * GOC_MILLISECOND);
    return NULL;
}

Test(mutex, lock_timeout_no_earlier_than_asked) {
    goc_mutex m = {0};
    goc_mutex_lock(&m);
    t_threads t = {0};
    for (int i = 0; i < 3; i++) t_spawn(&t, lock_timeout_20ms, &m);
    t_join(&t);
    T_NO_FAILURES();
    cr_assert_eq(goc_mutex_lock_timeout(&m, 0), GOC_TIMEOUT);     /* d <= 0 polls */
    cr_assert_eq(goc_mutex_lock_timeout(&m, -5), GOC_TIMEOUT);
    goc_mutex_unlock(&m);
    cr_assert_eq(goc_mutex_lock_timeout(&m, 0), GOC_OK);
    goc_mutex_unlock(&m);
    /* the lock still works for waiters after they timed out */
    cr_assert_eq(goc_mutex_lock_timeout(&m, GOC_SECOND), GOC_OK);
    goc_mutex_unlock(&m);
}

static void *hold_then_unlock(void *arg) {
    goc_mutex *m = arg;
    t_sleep_ms(30);
    goc_mutex_unlock(m);      /* unlocked by a thread other than the locker: allowed */
    return NULL;
}

Test(mutex, lock_timeout_succeeds_when_released_in_time) {
    goc_mutex m = {0};
    goc_mutex_lock(&m);
    t_threads t = {0};
    t_spawn(&t, hold_then_unlock, &m);
    cr_assert_eq(goc_mutex_lock_timeout(&m, 5 * GOC_SECOND), GOC_OK);
    t_join(&t);
    goc_mutex_unlock(&m);
}

/* Timeouts racing unlocks: waiters that give up must never take a wake-up
 * (or a hand-off) with them, and exclusion must hold for those that win.
 * Holds of ~10-20 us and timeouts of 10-100 us put timed waiters in the
 * queue, parked, and make their time run out just as an unlock dequeues
 * them; plain lockers beside them would sleep for ever (and the test time
 * out) if a waiter that gave up took the wake-up meant for them. */
static goc_atomic_i64 g_ok, g_timeouts, g_inside;
static goc_atomic_bool g_stop;
static void critical_section(void) {
    T_CHECK(goc_atomic_i64_add(&g_inside, 1) == 1);
    g_plain++;
    for (volatile int k = 0; k < 20000; k++) {}
    goc_atomic_i64_add(&g_inside, -1);
}
static void *timeout_racer(void *arg) {
    unsigned i = (unsigned)(uintptr_t)arg;
    while (!goc_atomic_bool_load(&g_stop)) {
        i++;
        if (goc_mutex_lock_timeout(&g_mu, (1 + i % 10) * 10 * GOC_MICROSECOND) == GOC_OK) {
            critical_section();
            goc_mutex_unlock(&g_mu);
            goc_atomic_i64_add(&g_ok, 1);
        } else {
            goc_atomic_i64_add(&g_timeouts, 1);
        }
    }
    return NULL;
}
static void *plain_locker(void *arg) {
    (void)arg;
    while (!goc_atomic_bool_load(&g_stop)) {
        goc_mutex_lock(&g_mu);
        critical_section();
        goc_mutex_unlock(&g_mu);
        goc_atomic_i64_add(&g_ok, 1);
    }
    return NULL;
}
Test(mutex, timeouts_racing_unlocks) {
    t_threads t = {0};
    g_plain = 0;
    goc_atomic_bool_store(&g_stop, false);
    for (int i = 0; i < 6; i++) t_spawn(&t, timeout_racer, (void *)(uintptr_t)i);
    for (int i = 0; i < 2; i++) t_spawn(&t, plain_locker, NULL);
    t_sleep_ms(1500);
    goc_atomic_bool_store(&g_stop, true);
    t_join(&t);
    T_NO_FAILURES();
    cr_assert_eq(g_plain, goc_atomic_i64_load(&g_ok));
    cr_assert_gt(goc_atomic_i64_load(&g_timeouts), 0);
    /* nothing stuck: a plain lock still gets through at once */
    cr_assert_eq(goc_mutex_lock_timeout(&g_mu, GOC_SECOND), GOC_OK);
    goc_mutex_unlock(&g_mu);
}

/* Go's sync/mutex_test.go TestMutexFairness: a goroutine that holds the
 * lock almost all the time must not starve another that wants it. */
static void *hog(void *arg) {
    (void)arg;
    while (!goc_atomic_bool_load(&g_stop)) {
        goc_mutex_lock(&g_mu);
        struct timespec ts = { 0, 100000 };   /* 100 µs inside */
        nanosleep(&ts, NULL);
        goc_mutex_unlock(&g_mu);
    }
    return NULL;
}
static void *polite(void *arg) {
    goc_waitgroup *wg = arg;
    for (int i = 0; i < 10; i++) {
        struct timespec ts = { 0, 100000 };
        nanosleep(&ts, NULL);
        goc_mutex_lock(&g_mu);
        goc_mutex_unlock(&g_mu);
    }
    goc_wg_done(wg);
    return NULL;
}
Test(mutex, fairness_go_port) {
    goc_waitgroup wg = {0};
    t_threads t = {0};
    goc_atomic_bool_store(&g_stop, false);
    t_spawn(&t, hog, NULL);
    goc_wg_add(&wg, 1);
    t_spawn(&t, polite, &wg);
    int r = goc_wg_wait_timeout(&wg, 10 * GOC_SECOND);
    goc_atomic_bool_store(&g_stop, true);
    t_join(&t);
    cr_assert_eq(r, GOC_OK, "can't acquire the mutex in 10 seconds");
}

/* Hand-off: with more threads than cores all hammering the lock, every
 * thread still makes progress (no waiter waits for ever). */
static goc_atomic_i64 g_per[8];
static void *hammer(void *arg) {
    int id = (int)(intptr_t)arg;
    while (!goc_atomic_bool_load(&g_stop)) {
        goc_mutex_lock(&g_mu);
        for (volatile int k = 0; k < 200; k++) {}
        goc_mutex_unlock(&g_mu);
        goc_atomic_i64_add(&g_per[id], 1);
    }
    return NULL;
}
Test(mutex, every_thread_progresses) {
    t_threads t = {0};
    goc_atomic_bool_store(&g_stop, false);
    for (int i = 0; i < 8; i++) {
        goc_atomic_i64_store(&g_per[i], 0);
        t_spawn(&t, hammer, (void *)(intptr_t)i);
    }
    t_sleep_ms(500);
    goc_atomic_bool_store(&g_stop, true);
    t_join(&t);
    for (int i = 0; i < 8; i++) cr_assert_gt(goc_atomic_i64_load(&g_per[i]), 0, "thread %d starved", i);
}

Test(mutex, unlock_of_unlocked_panics, .signal = SIGABRT) {
    goc_mutex m = {0};
    goc_mutex_unlock(&m);
}

Test(mutex, double_unlock_panics, .signal = SIGABRT) {
    goc_mutex m = {0};
    goc_mutex_lock(&m);
    goc_mutex_unlock(&m);
    goc_mutex_unlock(&m);
}
