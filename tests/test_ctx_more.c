/* context.h's Go 1.20/1.21 additions (causes, after_func), the blocking
 * calls bounded by a context, and the errgroup. */
#include "testutil.h"
#include <errno.h>

TestSuite(ctx_more, .timeout = 60);

#define MS GOC_MILLISECOND

/* ---- causes ---------------------------------------------------------------- */

Test(ctx_more, cause) {
    goc_ctx *bg = goc_ctx_background();
    cr_assert_eq(goc_ctx_cause(bg), GOC_OK);
    cr_assert_eq(goc_ctx_cause(NULL), GOC_OK);
    goc_ctx *p = goc_ctx_with_cancel(bg);
    goc_ctx *v = goc_ctx_with_value(p, &bg, NULL);
    goc_ctx *c = goc_ctx_with_cancel(v);
    cr_assert_eq(goc_ctx_cause(c), GOC_OK);
    goc_ctx_cancel_cause(p, 42);
    cr_assert_eq(goc_ctx_err(p), GOC_CANCELED);
    cr_assert_eq(goc_ctx_cause(p), 42);
    cr_assert_eq(goc_ctx_cause(v), 42);          /* a value context: its canceler's */
    cr_assert_eq(goc_ctx_cause(c), 42, "a descendant ends with the same cause");
    goc_ctx_cancel_cause(p, 7);                  /* only the first end counts */
    cr_assert_eq(goc_ctx_cause(p), 42);
    /* a child made after the end starts ended, with the cause */
    goc_ctx *late = goc_ctx_with_cancel(p);
    cr_assert_eq(goc_ctx_cause(late), 42);
    goc_ctx_free(late);
    goc_ctx_free(c);
    goc_ctx_free(v);
    goc_ctx_free(p);

    goc_ctx *z = goc_ctx_with_cancel(bg);
    goc_ctx_cancel_cause(z, GOC_OK);             /* GOC_OK counts as GOC_CANCELED */
    cr_assert_eq(goc_ctx_cause(z), GOC_CANCELED);
    goc_ctx_free(z);
    goc_ctx *pl = goc_ctx_with_cancel(bg);
    goc_ctx_cancel(pl);
    cr_assert_eq(goc_ctx_cause(pl), GOC_CANCELED);
    goc_ctx_free(pl);
    goc_ctx *d = goc_ctx_with_timeout(bg, -1);
    cr_assert_eq(goc_ctx_cause(d), GOC_DEADLINE);
    goc_ctx_free(d);
    goc_ctx *t = goc_ctx_with_timeout(bg, 5 * MS);
    goc_chan_recv(goc_ctx_done(t), NULL);
    cr_assert_eq(goc_ctx_cause(t), GOC_DEADLINE);
    goc_ctx_free(t);
    goc_ctx_cancel_cause(bg, 3);                 /* nothing */
    goc_ctx_cancel_cause(NULL, 3);
    cr_assert_eq(goc_ctx_cause(bg), GOC_OK);
}

/* ---- after_func --------------------------------------------------------------- */

static goc_atomic_i64 af_runs;
static void af_count(void *arg) {
    goc_atomic_i64_add(&af_runs, 1);
    if (arg) goc_chan_close((goc_chan *)arg);
}

Test(ctx_more, after_func) {
    goc_atomic_i64_store(&af_runs, 0);
    goc_ctx *bg = goc_ctx_background();
    errno = 0;
    cr_assert_null(goc_ctx_after_func(bg, af_count, NULL));
    cr_assert_eq(errno, EINVAL, "background never ends");
    goc_ctx *v = goc_ctx_with_value(bg, &bg, NULL);
    cr_assert_null(goc_ctx_after_func(v, af_count, NULL));
    cr_assert_null(goc_ctx_after_func(NULL, af_count, NULL));
    goc_ctx *c = goc_ctx_with_cancel(bg);
    cr_assert_null(goc_ctx_after_func(c, NULL, NULL));
    cr_assert_not(goc_ctx_hook_stop(NULL));

    /* stopped before the end: never runs */
    goc_ctx_hook *h = goc_ctx_after_func(c, af_count, NULL);
    cr_assert_not_null(h);
    cr_assert(goc_ctx_hook_stop(h));
    goc_ctx_cancel(c);
    t_sleep_ms(20);
    cr_assert_eq(goc_atomic_i64_load(&af_runs), 0);
    goc_ctx_free(c);

    /* runs on its own thread once the context ends; stop after: false */
    goc_chan *ran = goc_chan_make(0, 0);
    c = goc_ctx_with_cancel(bg);
    goc_ctx *vc = goc_ctx_with_value(c, &bg, NULL);   /* through a value context */
    h = goc_ctx_after_func(vc, af_count, ran);
    cr_assert_not_null(h);
    goc_ctx_cancel(c);
    cr_assert_eq(goc_chan_recv_timeout(ran, NULL, 5000 * MS), GOC_CLOSED);
    cr_assert_not(goc_ctx_hook_stop(h));
    goc_ctx_free(vc);
    goc_ctx_free(c);
    goc_chan_free(ran);

    /* on a context that has ended: at once */
    ran = goc_chan_make(0, 0);
    c = goc_ctx_with_timeout(bg, -1);
    h = goc_ctx_after_func(c, af_count, ran);
    cr_assert_not_null(h);
    cr_assert_eq(goc_chan_recv_timeout(ran, NULL, 5000 * MS), GOC_CLOSED);
    cr_assert_not(goc_ctx_hook_stop(h));
    goc_ctx_free(c);
    goc_chan_free(ran);

    /* a deadline fires it (from the timer thread) */
    ran = goc_chan_make(0, 0);
    c = goc_ctx_with_timeout(bg, 5 * MS);
    h = goc_ctx_after_func(c, af_count, ran);
    cr_assert_eq(goc_chan_recv_timeout(ran, NULL, 5000 * MS), GOC_CLOSED);
    cr_assert_eq(goc_ctx_err(c), GOC_DEADLINE);
    cr_assert_not(goc_ctx_hook_stop(h));
    goc_ctx_free(c);
    goc_chan_free(ran);
}

/* The pending hook holds the context: every holder releases it without
 * cancelling, and the hook can still be stopped (no use-after-free). */
Test(ctx_more, after_func_holds_context) {
    goc_atomic_i64_store(&af_runs, 0);
    goc_ctx *p = goc_ctx_with_cancel(goc_ctx_background());
    goc_ctx *c = goc_ctx_with_cancel(p);
    goc_ctx_hook *h = goc_ctx_after_func(c, af_count, NULL);
    goc_ctx_release(c);
    cr_assert(goc_ctx_hook_stop(h));
    goc_ctx_free(p);
    /* and the other order: the parent's end fires a hook of a child nobody holds */
    p = goc_ctx_with_cancel(goc_ctx_background());
    c = goc_ctx_with_cancel(p);
    goc_chan *ran = goc_chan_make(0, 0);
    h = goc_ctx_after_func(c, af_count, ran);
    goc_ctx_release(c);
    goc_ctx_free(p);
    cr_assert_eq(goc_chan_recv_timeout(ran, NULL, 5000 * MS), GOC_CLOSED);
    cr_assert_not(goc_ctx_hook_stop(h));
    goc_chan_free(ran);
}

/* Stop racing the end: fn runs exactly when stop says it did not prevent it. */
static void *af_canceller(void *arg) {
    goc_ctx_cancel((goc_ctx *)arg);
    return NULL;
}

Test(ctx_more, after_func_stop_races_cancel) {
    int n = T_ITERS(2000);
    int64_t prevented = 0;
    goc_atomic_i64_store(&af_runs, 0);
    for (int i = 0; i < n; i++) {
        goc_ctx *c = goc_ctx_with_cancel(goc_ctx_background());
        goc_ctx_hook *h = goc_ctx_after_func(c, af_count, NULL);
        pthread_t t;
        cr_assert_eq(pthread_create(&t, NULL, af_canceller, c), 0);
        if (goc_ctx_hook_stop(h)) prevented++;
        pthread_join(t, NULL);
        goc_ctx_free(c);
    }
    cr_assert(t_await_i64(&af_runs, n - prevented, 10000), "runs %lld, prevented %lld of %d",
              (long long)goc_atomic_i64_load(&af_runs), (long long)prevented, n);
    t_sleep_ms(10);
    cr_assert_eq(goc_atomic_i64_load(&af_runs), n - prevented);
}

/* ---- the blocking calls, bounded by a context ---------------------------------- */

typedef struct { goc_ctx *c; int ms; } later_arg;
static void *cancel_later(void *arg) {
    later_arg *a = (later_arg *)arg;
    t_sleep_ms(a->ms);
    goc_ctx_cancel(a->c);
    return NULL;
}

static int recv_one_got;
static void *recv_one(void *arg) {
    T_CHECK(goc_chan_recv((goc_chan *)arg, &recv_one_got) == GOC_OK);
    return NULL;
}

Test(ctx_more, recv_send) {
    goc_ctx *bg = goc_ctx_background();
    goc_chan *ch = goc_chan_make(sizeof(int), 1);
    int v = 5, got = 0;
    cr_assert_eq(goc_ctx_send(NULL, ch, &v), GOC_EINVAL);
    cr_assert_eq(goc_ctx_recv(NULL, ch, &got), GOC_EINVAL);
    cr_assert_eq(goc_ctx_send(bg, NULL, &v), GOC_EINVAL);
    cr_assert_eq(goc_ctx_send(bg, ch, &v), GOC_OK);           /* background: the plain call */
    cr_assert_eq(goc_ctx_recv(bg, ch, &got), GOC_OK);
    cr_assert_eq(got, 5);

    goc_ctx *c = goc_ctx_with_cancel(bg);
    cr_assert_eq(goc_ctx_send(c, ch, &v), GOC_OK);            /* room: sent */
    /* full: blocks until the cancel from another thread */
    later_arg a = { c, 20 };
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, cancel_later, &a), 0);
    int64_t t0 = t_now();
    cr_assert_eq(goc_ctx_send(c, ch, &v), GOC_CANCELED);
    cr_assert_geq(t_now() - t0, 10 * MS);
    pthread_join(t, NULL);
    cr_assert_eq(goc_chan_len(ch), 1, "the refused value was not sent");
    /* ended: answers at once, even with a value waiting */
    got = -1;
    cr_assert_eq(goc_ctx_recv(c, ch, &got), GOC_CANCELED);
    cr_assert_eq(got, -1, "nothing received");
    goc_ctx_free(c);

    /* a value waiting: received */
    c = goc_ctx_with_timeout(bg, 5000 * MS);
    cr_assert_eq(goc_ctx_recv(c, ch, &got), GOC_OK);
    cr_assert_eq(got, 5);
    goc_ctx_free(c);
    /* empty: the deadline ends it */
    c = goc_ctx_with_timeout(bg, 10 * MS);
    cr_assert_eq(goc_ctx_recv(c, ch, &got), GOC_DEADLINE);
    goc_ctx_free(c);
    /* closed and drained: GOC_CLOSED, out zeroed, as the plain call */
    c = goc_ctx_with_cancel(bg);
    goc_chan_close(ch);
    got = 9;
    cr_assert_eq(goc_ctx_recv(c, ch, &got), GOC_CLOSED);
    cr_assert_eq(got, 0);
    cr_assert_eq(goc_ctx_send(c, ch, &v), GOC_CLOSED);
    goc_ctx_free(c);
    goc_chan_free(ch);

    /* unbuffered, with a partner: the hand-off completes */
    goc_chan *u = goc_chan_make(sizeof(int), 0);
    c = goc_ctx_with_cancel(bg);
    pthread_t r;
    cr_assert_eq(pthread_create(&r, NULL, recv_one, u), 0);
    v = 77;
    cr_assert_eq(goc_ctx_send(c, u, &v), GOC_OK);
    pthread_join(r, NULL);
    cr_assert_eq(recv_one_got, 77);
    goc_ctx_free(c);
    goc_chan_free(u);
}

Test(ctx_more, sleep) {
    goc_ctx *bg = goc_ctx_background();
    cr_assert_eq(goc_ctx_sleep(NULL, MS), GOC_EINVAL);
    int64_t t0 = t_now();
    cr_assert_eq(goc_ctx_sleep(bg, 5 * MS), GOC_OK);
    cr_assert_geq(t_now() - t0, 5 * MS);
    goc_ctx *c = goc_ctx_with_cancel(bg);
    t0 = t_now();
    cr_assert_eq(goc_ctx_sleep(c, 5 * MS), GOC_OK);
    cr_assert_geq(t_now() - t0, 5 * MS);
    cr_assert_eq(goc_ctx_sleep(c, -1), GOC_OK);
    cr_assert_eq(goc_ctx_sleep(c, INT64_MIN), GOC_OK);
    later_arg a = { c, 20 };
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, cancel_later, &a), 0);
    t0 = t_now();
    cr_assert_eq(goc_ctx_sleep(c, GOC_FOREVER), GOC_CANCELED);
    cr_assert_lt(t_now() - t0, 5000 * MS);
    pthread_join(t, NULL);
    cr_assert_eq(goc_ctx_sleep(c, 5000 * MS), GOC_CANCELED, "ended: at once");
    goc_ctx_free(c);
    c = goc_ctx_with_timeout(bg, 10 * MS);
    cr_assert_eq(goc_ctx_sleep(c, INT64_MAX), GOC_DEADLINE);
    goc_ctx_free(c);
}

Test(ctx_more, sem_acquire) {
    goc_ctx *bg = goc_ctx_background();
    goc_sem s;
    goc_sem_init(&s, 2);
    cr_assert_eq(goc_ctx_sem_acquire(NULL, &s, 1), GOC_EINVAL);
    cr_assert_eq(goc_ctx_sem_acquire(bg, &s, 3), GOC_EINVAL);
    cr_assert_eq(goc_ctx_sem_acquire(bg, &s, 1), GOC_OK);
    goc_ctx *c = goc_ctx_with_cancel(bg);
    cr_assert_eq(goc_ctx_sem_acquire(c, &s, 1), GOC_OK);      /* room: at once */
    cr_assert_eq(goc_ctx_sem_acquire(c, &s, 3), GOC_EINVAL);
    /* full: the cancel ends the wait */
    later_arg a = { c, 20 };
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, cancel_later, &a), 0);
    int64_t t0 = t_now();
    cr_assert_eq(goc_ctx_sem_acquire(c, &s, 1), GOC_CANCELED);
    cr_assert_geq(t_now() - t0, 10 * MS);
    pthread_join(t, NULL);
    cr_assert_eq(goc_ctx_sem_acquire(c, &s, 1), GOC_CANCELED, "ended: at once");
    goc_ctx_free(c);
    /* a deadline, and a big waiter that gives up lets the small ones in */
    c = goc_ctx_with_timeout(bg, 10 * MS);
    cr_assert_eq(goc_ctx_sem_acquire(c, &s, 1), GOC_DEADLINE);
    goc_ctx_free(c);
    goc_sem_release(&s, 2);
    cr_assert(goc_sem_try_acquire(&s, 2), "the units are all back");
    goc_sem_release(&s, 2);
}

/* Cancel racing a release: every acquire that said OK holds a unit, every
 * other one holds none, and the semaphore ends with all its units. */
typedef struct { goc_sem *s; goc_ctx *c; int rc; } semrace_arg;
static void *semrace_acquire(void *arg) {
    semrace_arg *a = (semrace_arg *)arg;
    a->rc = goc_ctx_sem_acquire(a->c, a->s, 1);
    return NULL;
}

Test(ctx_more, sem_acquire_races_cancel) {
    int n = T_ITERS(1000);
    goc_sem s;
    goc_sem_init(&s, 1);
    int oks = 0, cancels = 0;
    for (int i = 0; i < n; i++) {
        cr_assert(goc_sem_try_acquire(&s, 1));
        goc_ctx *c = goc_ctx_with_cancel(goc_ctx_background());
        semrace_arg a = { &s, c, -100 };
        pthread_t t;
        cr_assert_eq(pthread_create(&t, NULL, semrace_acquire, &a), 0);
        if (i & 1) t_sleep_ms(0);
        goc_sem_release(&s, 1);
        goc_ctx_cancel(c);
        pthread_join(t, NULL);
        cr_assert(a.rc == GOC_OK || a.rc == GOC_CANCELED, "rc %d", a.rc);
        if (a.rc == GOC_OK) { oks++; goc_sem_release(&s, 1); } else cancels++;
        goc_ctx_free(c);
    }
    cr_assert(goc_sem_try_acquire(&s, 1), "no unit lost (%d ok, %d cancelled)", oks, cancels);
    goc_sem_release(&s, 1);
}

static goc_chan *gate;
static void job_block(void *arg) { (void)arg; goc_chan_recv(gate, NULL); }
static goc_atomic_i64 jobs_ran;
static void job_count(void *arg) { (void)arg; goc_atomic_i64_add(&jobs_ran, 1); }

Test(ctx_more, submit) {
    goc_ctx *bg = goc_ctx_background();
    goc_atomic_i64_store(&jobs_ran, 0);
    gate = goc_chan_make(0, 0);
    goc_workers *w = goc_workers_new(1, 1);
    cr_assert_eq(goc_ctx_submit(NULL, w, job_count, NULL), GOC_EINVAL);
    cr_assert_eq(goc_ctx_submit(bg, NULL, job_count, NULL), GOC_EINVAL);
    goc_ctx *c = goc_ctx_with_cancel(bg);
    cr_assert_eq(goc_ctx_submit(c, w, NULL, NULL), GOC_EINVAL);
    cr_assert_eq(goc_ctx_submit(c, w, job_block, NULL), GOC_OK);
    /* the worker is blocked; fill the queue, then a submit must wait */
    int64_t end = t_now() + 5000 * MS;
    while (goc_workers_try_submit(w, job_count, NULL) != GOC_OK && t_now() < end) t_sleep_ms(1);
    goc_ctx *d = goc_ctx_with_timeout(c, 10 * MS);
    cr_assert_eq(goc_ctx_submit(d, w, job_count, NULL), GOC_DEADLINE);
    goc_ctx_free(d);
    goc_ctx_cancel(c);
    cr_assert_eq(goc_ctx_submit(c, w, job_count, NULL), GOC_CANCELED);
    goc_ctx_free(c);
    goc_chan_close(gate);
    goc_workers_wait(w);
    cr_assert_eq(goc_atomic_i64_load(&jobs_ran), 1, "only the queued job ran");
    goc_workers_close(w);
    c = goc_ctx_with_cancel(bg);
    cr_assert_eq(goc_ctx_submit(c, w, job_count, NULL), GOC_CLOSED);
    goc_ctx_free(c);
    goc_workers_free(w);
    goc_chan_free(gate);
}

/* ---- errgroup ------------------------------------------------------------------ */

static goc_atomic_i64 g_running, g_peak, g_done;
static int task_ret(void *arg) {
    int64_t r = goc_atomic_i64_add(&g_running, 1);
    int64_t p = goc_atomic_i64_load(&g_peak);
    while (r > p && !goc_atomic_i64_cas_explicit(&g_peak, &p, r, GOC_SEQ_CST, GOC_SEQ_CST)) {}
    t_sleep_ms(1);
    goc_atomic_i64_add(&g_running, -1);
    goc_atomic_i64_add(&g_done, 1);
    return (int)(intptr_t)arg;
}

Test(ctx_more, group_plain) {
    goc_atomic_i64_store(&g_done, 0);
    goc_group *g = goc_group_new(NULL);
    cr_assert_not_null(g);
    cr_assert_null(goc_group_ctx(g));
    cr_assert_eq(goc_group_go(g, NULL, NULL), GOC_EINVAL);
    cr_assert_eq(goc_group_go(NULL, task_ret, NULL), GOC_EINVAL);
    cr_assert_eq(goc_group_wait(g), GOC_OK, "no task: at once");
    for (int i = 0; i < 20; i++) cr_assert_eq(goc_group_go(g, task_ret, (void *)(intptr_t)0), GOC_OK);
    cr_assert_eq(goc_group_go(g, task_ret, (void *)(intptr_t)-3), GOC_OK);
    cr_assert_eq(goc_group_wait(g), -3);
    cr_assert_eq(goc_atomic_i64_load(&g_done), 21, "wait waits for every task");
    goc_group_free(g);
    goc_group_free(NULL);
    cr_assert_eq(goc_group_wait(NULL), GOC_EINVAL);
}

static int task_wait_ctx(void *arg) {
    goc_ctx *c = (goc_ctx *)arg;
    return goc_ctx_sleep(c, GOC_FOREVER);    /* ends when the group's context does */
}

Test(ctx_more, group_ctx_first_error_cancels) {
    goc_ctx *parent = goc_ctx_with_cancel(goc_ctx_background());
    goc_group *g = goc_group_new(parent);
    goc_ctx *gc = goc_group_ctx(g);
    cr_assert_not_null(gc);
    for (int i = 0; i < 4; i++) cr_assert_eq(goc_group_go(g, task_wait_ctx, gc), GOC_OK);
    cr_assert_eq(goc_group_go(g, task_ret, (void *)(intptr_t)17), GOC_OK);
    cr_assert_eq(goc_group_wait(g), 17, "the failure's result, not the cancelled ones'");
    cr_assert_eq(goc_ctx_err(gc), GOC_CANCELED);
    cr_assert_eq(goc_ctx_cause(gc), 17);
    cr_assert_eq(goc_ctx_err(parent), GOC_OK, "the parent lives on");
    goc_group_free(g);
    /* all succeed: wait cancels the context anyway */
    g = goc_group_new(parent);
    gc = goc_group_ctx(g);
    cr_assert_eq(goc_group_go(g, task_ret, (void *)(intptr_t)0), GOC_OK);
    cr_assert_eq(goc_group_wait(g), GOC_OK);
    cr_assert_eq(goc_ctx_err(gc), GOC_CANCELED);
    goc_group_free(g);
    /* the parent's end reaches the tasks */
    g = goc_group_new(parent);
    cr_assert_eq(goc_group_go(g, task_wait_ctx, goc_group_ctx(g)), GOC_OK);
    goc_ctx_cancel(parent);
    cr_assert_eq(goc_group_wait(g), GOC_CANCELED);
    goc_group_free(g);
    goc_ctx_free(parent);
}

Test(ctx_more, group_limit) {
    goc_atomic_i64_store(&g_running, 0);
    goc_atomic_i64_store(&g_peak, 0);
    goc_atomic_i64_store(&g_done, 0);
    goc_group *g = goc_group_new(NULL);
    goc_group_set_limit(g, 2);
    for (int i = 0; i < 30; i++) cr_assert_eq(goc_group_go(g, task_ret, (void *)(intptr_t)0), GOC_OK);
    cr_assert_eq(goc_group_wait(g), GOC_OK);
    cr_assert_eq(goc_atomic_i64_load(&g_done), 30);
    cr_assert_leq(goc_atomic_i64_load(&g_peak), 2, "peak %lld", (long long)goc_atomic_i64_load(&g_peak));
    /* try_go at the limit */
    goc_group_set_limit(g, 1);
    goc_ctx *c = goc_ctx_with_cancel(goc_ctx_background());
    cr_assert_eq(goc_group_try_go(g, task_wait_ctx, c), GOC_OK);
    cr_assert_eq(goc_group_try_go(g, task_ret, NULL), GOC_WOULDBLOCK);
    goc_ctx_cancel(c);
    cr_assert_eq(goc_group_wait(g), GOC_CANCELED);
    goc_ctx_free(c);
    cr_assert_eq(goc_group_try_go(g, task_ret, NULL), GOC_OK, "room again");
    cr_assert_eq(goc_group_wait(g), GOC_CANCELED, "the first non-zero result stays");
    goc_group_set_limit(g, 0);
    cr_assert_eq(goc_group_go(g, task_ret, NULL), GOC_EINVAL, "limit 0: never, not a hang");
    cr_assert_eq(goc_group_try_go(g, task_ret, NULL), GOC_EINVAL);
    goc_group_set_limit(g, -1);
    cr_assert_eq(goc_group_go(g, task_ret, NULL), GOC_OK);
    goc_group_wait(g);
    goc_group_free(g);
}

/* A loop of create/free leaves nothing behind (ASan's leak check). */
Test(ctx_more, churn) {
    int n = T_ITERS(20000);
    for (int i = 0; i < n; i++) {
        goc_ctx *c = goc_ctx_with_cancel(goc_ctx_background());
        goc_ctx_hook *h = goc_ctx_after_func(c, af_count, NULL);
        if (i & 1) goc_ctx_cancel(c);
        goc_ctx_hook_stop(h);
        goc_ctx_free(c);
        if (i % 16 == 0) {
            goc_group *g = goc_group_new(goc_ctx_background());
            goc_group_go(g, task_ret, NULL);
            goc_group_wait(g);
            goc_group_free(g);
        }
    }
}

/* NULL objects are GOC_EINVAL whatever the context's state. */
Test(ctx_more, null_objects) {
    goc_ctx *c = goc_ctx_with_cancel(goc_ctx_background());
    for (int ended = 0; ended < 2; ended++) {
        int v = 0;
        cr_assert_eq(goc_ctx_sem_acquire(c, NULL, 1), GOC_EINVAL);
        cr_assert_eq(goc_ctx_send(c, NULL, &v), GOC_EINVAL);
        cr_assert_eq(goc_ctx_recv(c, NULL, &v), GOC_EINVAL);
        cr_assert_eq(goc_ctx_submit(c, NULL, job_count, NULL), GOC_EINVAL);
        goc_ctx_cancel(c);
    }
    goc_ctx_free(c);
}

/* The hook's reference is the context's last, and the stop races the end
 * from another thread: whichever comes first, nobody touches freed memory
 * (ASan, TSan) and fn runs exactly when stop did not prevent it. */
typedef struct { goc_ctx *c; } endarg;
static void *end_and_release(void *arg) {
    goc_ctx_cancel(((endarg *)arg)->c);
    return NULL;
}

Test(ctx_more, after_func_last_reference_races_stop) {
    int n = T_ITERS(2000);
    int64_t prevented = 0;
    goc_atomic_i64_store(&af_runs, 0);
    for (int i = 0; i < n; i++) {
        goc_ctx *p = goc_ctx_with_cancel(goc_ctx_background());
        goc_ctx *c = goc_ctx_with_cancel(p);
        goc_ctx_hook *h = goc_ctx_after_func(c, af_count, NULL);
        goc_ctx_release(c);                    /* the hook holds c now */
        endarg a = { p };
        pthread_t t;
        cr_assert_eq(pthread_create(&t, NULL, end_and_release, &a), 0);
        if (goc_ctx_hook_stop(h)) prevented++;
        pthread_join(t, NULL);
        goc_ctx_free(p);
    }
    cr_assert(t_await_i64(&af_runs, n - prevented, 10000));
}

static int task_forever(void *arg) { return goc_ctx_sleep((goc_ctx *)arg, GOC_FOREVER); }

Test(ctx_more, group_set_limit_while_running_panics, .signal = SIGABRT) {
    goc_group *g = goc_group_new(goc_ctx_background());
    cr_assert_eq(goc_group_go(g, task_forever, goc_group_ctx(g)), GOC_OK);
    goc_group_set_limit(g, 2);               /* GOC_PANIC: abort */
}
