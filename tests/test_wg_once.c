/* goc_waitgroup and goc_once. After Go's sync/waitgroup_test.go and
 * sync/once_test.go. */
#include "testutil.h"

TestSuite(waitgroup, .timeout = 60);
TestSuite(once, .timeout = 60);

/* Go's testWaitGroup: two groups, n workers; wg1 releases the main thread,
 * wg2 must not be passed before everyone called done on it. Repeated to
 * prove reuse across rounds. */
typedef struct { goc_waitgroup *wg1, *wg2; goc_atomic_i64 *exited; } wgargs;
static void *wg_worker(void *arg) {
    wgargs *a = arg;
    goc_wg_done(a->wg1);
    goc_wg_wait(a->wg2);
    goc_atomic_i64_add(a->exited, 1);
    return NULL;
}
Test(waitgroup, go_port_reused_across_rounds) {
    goc_waitgroup wg1 = {0}, wg2 = {0};
    goc_atomic_i64 exited = {0};
    wgargs a = { &wg1, &wg2, &exited };
    enum { N = 16 };
    for (int round = 0; round < T_ITERS(50) + 2; round++) {
        t_threads t = {0};
        goc_atomic_i64_store(&exited, 0);
        goc_wg_add(&wg1, N);
        goc_wg_add(&wg2, N);
        for (int i = 0; i < N; i++) t_spawn(&t, wg_worker, &a);
        goc_wg_wait(&wg1);
        cr_assert_eq(goc_atomic_i64_load(&exited), 0, "WaitGroup released group too soon");
        for (int i = 0; i < N; i++) goc_wg_done(&wg2);
        t_join(&t);
        cr_assert_eq(goc_atomic_i64_load(&exited), N);
    }
}

/* Every write a worker made before done() is visible after wait(). */
static long g_slots[8];
typedef struct { goc_waitgroup *wg; int i; } slotargs;
static void *write_slot(void *arg) {
    slotargs *a = arg;
    g_slots[a->i] = 1000 + a->i;
    goc_wg_done(a->wg);
    return NULL;
}
Test(waitgroup, wait_sees_workers_writes) {
    for (int round = 0; round < T_ITERS(200); round++) {
        goc_waitgroup wg = {0};
        slotargs a[8];
        t_threads t = {0};
        memset(g_slots, 0, sizeof g_slots);
        goc_wg_add(&wg, 8);
        for (int i = 0; i < 8; i++) { a[i].wg = &wg; a[i].i = i; t_spawn(&t, write_slot, &a[i]); }
        goc_wg_wait(&wg);
        for (int i = 0; i < 8; i++) cr_assert_eq(g_slots[i], 1000 + i);
        t_join(&t);
    }
}

Test(waitgroup, wait_timeout) {
    goc_waitgroup wg = {0};
    cr_assert_eq(goc_wg_wait_timeout(&wg, 0), GOC_OK);          /* zero: nothing to wait for */
    cr_assert_eq(goc_wg_wait_timeout(&wg, GOC_SECOND), GOC_OK);
    goc_wg_add(&wg, 1);
    cr_assert_eq(goc_wg_wait_timeout(&wg, 0), GOC_TIMEOUT);
    int64_t t0 = t_now();
    cr_assert_eq(goc_wg_wait_timeout(&wg, 20 * GOC_MILLISECOND), GOC_TIMEOUT);
    cr_assert_geq(t_now() - t0, 20 * GOC_MILLISECOND);
    goc_wg_done(&wg);                                            /* a stale waiter bit is harmless */
    cr_assert_eq(goc_wg_wait_timeout(&wg, 0), GOC_OK);
    goc_wg_wait(&wg);
}

static void *done_later(void *arg) {
    t_sleep_ms(20);
    goc_wg_done(arg);
    return NULL;
}
Test(waitgroup, wait_timeout_wakes_on_done) {
    goc_waitgroup wg = {0};
    t_threads t = {0};
    goc_wg_add(&wg, 1);
    t_spawn(&t, done_later, &wg);
    cr_assert_eq(goc_wg_wait_timeout(&wg, 5 * GOC_SECOND), GOC_OK);
    t_join(&t);
}

Test(waitgroup, negative_counter_panics, .signal = SIGABRT) {
    goc_waitgroup wg = {0};
    goc_wg_add(&wg, 1);
    goc_wg_add(&wg, -1);
    goc_wg_done(&wg);
}

Test(waitgroup, overflow_panics, .signal = SIGABRT) {
    goc_waitgroup wg = {0};
    goc_wg_add(&wg, INT32_MAX);
    goc_wg_add(&wg, 1);
}

/* ---- Once ---- */

static goc_once g_once;
static goc_atomic_i64 g_runs;
static goc_atomic_bool g_finished;
static void slow_init(void *arg) {
    goc_atomic_i64_add(&g_runs, 1);
    t_sleep_ms(20);                         /* the others must wait this out */
    *(int *)arg = 42;
    goc_atomic_bool_store(&g_finished, true);
}
static int g_value;
static void *once_caller(void *arg) {
    (void)arg;
    goc_once_do(&g_once, slow_init, &g_value);
    T_CHECK(goc_atomic_bool_load(&g_finished));   /* returned only after fn ended */
    T_CHECK(g_value == 42);                       /* and sees what fn wrote */
    return NULL;
}
Test(once, eight_racing_threads) {
    t_threads t = {0};
    for (int i = 0; i < 8; i++) t_spawn(&t, once_caller, NULL);
    t_join(&t);
    cr_assert_eq(goc_atomic_i64_load(&g_runs), 1);
    T_NO_FAILURES();
    goc_once_do(&g_once, slow_init, &g_value);   /* later calls: nothing */
    cr_assert_eq(goc_atomic_i64_load(&g_runs), 1);
}

/* Go's TestOnce shape, repeated on fresh Onces to race the first call. */
static void count_run(void *arg) { goc_atomic_i64_add((goc_atomic_i64 *)arg, 1); }
typedef struct { goc_once *o; goc_atomic_i64 *n; } onceargs;
static void *once_racer(void *arg) {
    onceargs *a = arg;
    goc_once_do(a->o, count_run, a->n);
    T_CHECK(goc_atomic_i64_load(a->n) == 1);
    return NULL;
}
Test(once, fresh_onces_race) {
    for (int round = 0; round < T_ITERS(300); round++) {
        goc_once o = {0};
        goc_atomic_i64 n = {0};
        onceargs a = { &o, &n };
        t_threads t = {0};
        for (int i = 0; i < 4; i++) t_spawn(&t, once_racer, &a);
        t_join(&t);
        cr_assert_eq(goc_atomic_i64_load(&n), 1);
    }
    T_NO_FAILURES();
}
