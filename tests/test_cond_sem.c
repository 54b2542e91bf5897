/* goc_cond and goc_sem. */
#include "testutil.h"

TestSuite(cond, .timeout = 60);
TestSuite(sem, .timeout = 60);

/* ---- Cond ---- */

static goc_mutex g_mu;
static goc_cond g_cond;
static int g_tickets;          /* guarded by g_mu */
static goc_atomic_i64 g_waiting, g_woken;

static void *ticket_waiter(void *arg) {
    (void)arg;
    goc_mutex_lock(&g_mu);
    goc_atomic_i64_add(&g_waiting, 1);
    while (g_tickets == 0) goc_cond_wait(&g_cond, &g_mu);
    g_tickets--;
    goc_atomic_i64_add(&g_woken, 1);
    goc_mutex_unlock(&g_mu);
    return NULL;
}

Test(cond, signal_wakes_one_broadcast_wakes_all) {
    t_threads t = {0};
    enum { N = 5 };
    for (int i = 0; i < N; i++) t_spawn(&t, ticket_waiter, NULL);
    cr_assert(t_await_i64(&g_waiting, N, 5000));
    t_sleep_ms(20);
    /* all N are now inside goc_cond_wait (they hold g_mu until they wait) */
    goc_mutex_lock(&g_mu);
    g_tickets = 1;
    goc_cond_signal(&g_cond);
    goc_mutex_unlock(&g_mu);
    cr_assert(t_await_i64(&g_woken, 1, 5000));
    t_sleep_ms(30);
    cr_assert_eq(goc_atomic_i64_load(&g_woken), 1, "signal woke more than one");

    goc_mutex_lock(&g_mu);
    g_tickets = N - 1;
    goc_cond_broadcast(&g_cond);
    goc_mutex_unlock(&g_mu);
    t_join(&t);
    cr_assert_eq(goc_atomic_i64_load(&g_woken), N);
}

Test(cond, signal_with_no_waiter_is_a_no_op) {
    goc_cond c = {0};
    goc_cond_signal(&c);
    goc_cond_broadcast(&c);
}

Test(cond, timed_wait_times_out_with_mutex_held) {
    goc_cond c = {0};
    goc_mutex m = {0};
    goc_mutex_lock(&m);
    int64_t t0 = t_now();
    cr_assert_eq(goc_cond_wait_timeout(&c, &m, 20 * GOC_MILLISECOND), GOC_TIMEOUT);
    cr_assert_geq(t_now() - t0, 20 * GOC_MILLISECOND);
    cr_assert_not(goc_mutex_trylock(&m));              /* we hold it again */
    cr_assert_eq(goc_cond_wait_timeout(&c, &m, 0), GOC_TIMEOUT);
    cr_assert_not(goc_mutex_trylock(&m));
    goc_cond_signal(&c);                               /* nobody queued after timeouts */
    goc_mutex_unlock(&m);
}

static void *signal_later(void *arg) {
    (void)arg;
    t_sleep_ms(20);
    goc_mutex_lock(&g_mu);
    g_tickets = 1;
    goc_cond_signal(&g_cond);
    goc_mutex_unlock(&g_mu);
    return NULL;
}
Test(cond, timed_wait_wakes_on_signal) {
    t_threads t = {0};
    t_spawn(&t, signal_later, NULL);
    goc_mutex_lock(&g_mu);
    int r = GOC_OK;
    while (g_tickets == 0 && r == GOC_OK) r = goc_cond_wait_timeout(&g_cond, &g_mu, 5 * GOC_SECOND);
    cr_assert_eq(r, GOC_OK);
    goc_mutex_unlock(&g_mu);
    t_join(&t);
}

/* A Cond-guarded bounded queue, 3 producers and 3 consumers, every value
 * counted; consumers use timed waits so lost wake-ups would show as stalls. */
#define QCAP 8
static long g_q[QCAP]; static int g_qlen, g_qhead;
static goc_cond g_notfull, g_notempty;
static goc_atomic_i64 g_sum, g_count;
static void *producer(void *arg) {
    int n = *(int *)arg;
    for (int i = 1; i <= n; i++) {
        goc_mutex_lock(&g_mu);
        while (g_qlen == QCAP) goc_cond_wait(&g_notfull, &g_mu);
        g_q[(g_qhead + g_qlen++) % QCAP] = i;
        goc_cond_signal(&g_notempty);
        goc_mutex_unlock(&g_mu);
    }
    return NULL;
}
static void *consumer(void *arg) {
    int n = *(int *)arg;
    for (int i = 0; i < n; i++) {
        goc_mutex_lock(&g_mu);
        while (g_qlen == 0) goc_cond_wait_timeout(&g_notempty, &g_mu, GOC_MILLISECOND);
        long v = g_q[g_qhead];
        g_qhead = (g_qhead + 1) % QCAP;
        g_qlen--;
        goc_cond_signal(&g_notfull);
        goc_mutex_unlock(&g_mu);
        goc_atomic_i64_add(&g_sum, v);
        goc_atomic_i64_add(&g_count, 1);
    }
    return NULL;
}
Test(cond, guarded_queue_counts_every_value) {
    t_threads t = {0};
    int n = T_ITERS(30000);
    for (int i = 0; i < 3; i++) t_spawn(&t, producer, &n);
    for (int i = 0; i < 3; i++) t_spawn(&t, consumer, &n);
    t_join(&t);
    cr_assert_eq(goc_atomic_i64_load(&g_count), 3L * n);
    cr_assert_eq(goc_atomic_i64_load(&g_sum), (int64_t)3 * n * (n + 1) / 2);   /* 64-bit: long is 32 on i386 */
}

/* ---- Semaphore ---- */

Test(sem, bad_arguments) {
    goc_sem s;
    goc_sem_init(&s, 4);
    cr_assert_eq(goc_sem_acquire(&s, 5), GOC_EINVAL);
    cr_assert_eq(goc_sem_acquire(&s, -1), GOC_EINVAL);
    cr_assert_eq(goc_sem_acquire_timeout(&s, 5, GOC_SECOND), GOC_EINVAL);
    cr_assert_not(goc_sem_try_acquire(&s, 5));
    cr_assert_eq(goc_sem_acquire(&s, 0), GOC_OK);
    cr_assert_eq(goc_sem_acquire(&s, 4), GOC_OK);
    cr_assert_not(goc_sem_try_acquire(&s, 1));
    goc_sem_release(&s, 4);
}

Test(sem, over_release_panics, .signal = SIGABRT) {
    goc_sem s;
    goc_sem_init(&s, 4);
    goc_sem_acquire(&s, 1);
    goc_sem_release(&s, 2);
}

Test(sem, timeout_no_earlier_than_asked) {
    goc_sem s;
    goc_sem_init(&s, 2);
    cr_assert_eq(goc_sem_acquire(&s, 2), GOC_OK);
    int64_t t0 = t_now();
    cr_assert_eq(goc_sem_acquire_timeout(&s, 1, 20 * GOC_MILLISECOND), GOC_TIMEOUT);
    cr_assert_geq(t_now() - t0, 20 * GOC_MILLISECOND);
    cr_assert_eq(goc_sem_acquire_timeout(&s, 1, 0), GOC_TIMEOUT);
    goc_sem_release(&s, 1);
    cr_assert_eq(goc_sem_acquire_timeout(&s, 1, 0), GOC_OK);
    goc_sem_release(&s, 2);
}

/* Never above capacity, counted by every holder. */
static goc_sem g_sem;
static goc_atomic_i64 g_held, g_max;
static void *sem_user(void *arg) {
    int n = *(int *)arg;
    unsigned seed = (unsigned)(uintptr_t)&n;
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        int64_t k = 1 + (seed >> 16) % 3;
        int r = (i % 3 == 0) ? goc_sem_acquire_timeout(&g_sem, k, 50 * GOC_MICROSECOND)
                             : goc_sem_acquire(&g_sem, k);
        if (r != GOC_OK) { T_CHECK(r == GOC_TIMEOUT); continue; }
        int64_t now = goc_atomic_i64_add(&g_held, k);
        T_CHECK(now <= 5);
        int64_t m = goc_atomic_i64_load(&g_max);
        while (now > m && !goc_atomic_i64_cas(&g_max, m, now)) m = goc_atomic_i64_load(&g_max);
        for (volatile int x = 0; x < 100; x++) {}
        goc_atomic_i64_add(&g_held, -k);
        goc_sem_release(&g_sem, k);
    }
    return NULL;
}
Test(sem, never_above_capacity) {
    t_threads t = {0};
    int n = T_ITERS(20000);
    goc_sem_init(&g_sem, 5);
    for (int i = 0; i < 8; i++) t_spawn(&t, sem_user, &n);
    t_join(&t);
    T_NO_FAILURES();
    cr_assert_leq(goc_atomic_i64_load(&g_max), 5);
    cr_assert_eq(goc_sem_acquire_timeout(&g_sem, 5, 0), GOC_OK);   /* every unit came back */
}

/* FIFO: a request for the whole capacity is not starved by a stream of
 * small ones (they queue behind it). */
static goc_atomic_bool g_stop;
static void *small_stream(void *arg) {
    (void)arg;
    while (!goc_atomic_bool_load(&g_stop)) {
        if (goc_sem_acquire_timeout(&g_sem, 1, 10 * GOC_MILLISECOND) == GOC_OK) {
            for (volatile int x = 0; x < 500; x++) {}
            goc_sem_release(&g_sem, 1);
        }
    }
    return NULL;
}
Test(sem, big_request_not_starved) {
    t_threads t = {0};
    goc_sem_init(&g_sem, 4);
    goc_atomic_bool_store(&g_stop, false);
    for (int i = 0; i < 6; i++) t_spawn(&t, small_stream, NULL);
    t_sleep_ms(10);
    for (int i = 0; i < 20; i++) {
        int r = goc_sem_acquire_timeout(&g_sem, 4, 3 * GOC_SECOND);
        cr_assert_eq(r, GOC_OK, "big request starved (round %d)", i);
        goc_sem_release(&g_sem, 4);
    }
    goc_atomic_bool_store(&g_stop, true);
    t_join(&t);
}

/* try_acquire fails while others are queued, even with room for it. */
static void *want_all(void *arg) {
    (void)arg;
    T_CHECK(goc_sem_acquire(&g_sem, 10) == GOC_OK);
    goc_sem_release(&g_sem, 10);
    return NULL;
}
Test(sem, try_acquire_fails_while_others_queued) {
    t_threads t = {0};
    goc_sem_init(&g_sem, 10);
    cr_assert(goc_sem_try_acquire(&g_sem, 10));
    t_spawn(&t, want_all, NULL);
    t_sleep_ms(30);                          /* want_all is queued for 10 */
    goc_sem_release(&g_sem, 5);              /* 5 free, but a waiter is ahead */
    cr_assert_not(goc_sem_try_acquire(&g_sem, 1));
    cr_assert_eq(goc_sem_acquire_timeout(&g_sem, 1, 0), GOC_TIMEOUT);
    goc_sem_release(&g_sem, 5);              /* now want_all gets all 10 */
    t_join(&t);
    T_NO_FAILURES();
    cr_assert(goc_sem_try_acquire(&g_sem, 10));
    goc_sem_release(&g_sem, 10);
}

/* A big waiter at the head that times out must let the small ones behind it go. */
static void *small_behind(void *arg) {
    goc_atomic_i64 *got = arg;
    if (goc_sem_acquire_timeout(&g_sem, 1, 5 * GOC_SECOND) == GOC_OK) goc_atomic_i64_add(got, 1);
    return NULL;
}
static void *big_gives_up(void *arg) {
    (void)arg;
    T_CHECK(goc_sem_acquire_timeout(&g_sem, 4, 100 * GOC_MILLISECOND) == GOC_TIMEOUT);
    return NULL;
}
Test(sem, head_timeout_lets_others_in) {
    goc_atomic_i64 got = {0};
    t_threads t = {0};
    goc_sem_init(&g_sem, 4);
    cr_assert(goc_sem_try_acquire(&g_sem, 2));   /* 2 of 4 free */
    t_spawn(&t, big_gives_up, NULL);
    t_sleep_ms(20);
    t_spawn(&t, small_behind, &got);
    t_spawn(&t, small_behind, &got);
    t_sleep_ms(20);
    cr_assert_eq(goc_atomic_i64_load(&got), 0);  /* FIFO: behind the big one */
    cr_assert(t_await_i64(&got, 2, 3000));
    t_join(&t);
    T_NO_FAILURES();
}
