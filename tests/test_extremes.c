/* The extremes sweep: every public function that takes a duration, a
 * deadline, a size, a count or a weight, called with the values at the
 * edges of its type, each answer checked against the contract (the headers' manuals):
 *
 *   d <= 0               returns at once (polls once), with the documented
 *                        code; a deadline already past ends at once
 *   d == 1               a real, tiny wait: the documented timeout code
 *   d huge (INT64_MAX-1, INT64_MAX = GOC_FOREVER)
 *                        no limit: the call is still waiting a while later
 *                        (it did not wrap into "already past"), and returns
 *                        with success once what it waits for happens
 *   sizes SIZE_MAX, SIZE_MAX/2+1
 *                        NULL with errno EINVAL/ENOMEM, or a clear result
 *                        code; never a crash, a hang or a wrapped size
 *
 * make asan runs this under UBSan with -fno-sanitize-recover, so a signed
 * overflow anywhere on these paths is a failure. Defects this found (issue
 * 13): huge timer and context durations wrapping into "fire now", a huge
 * ticker period hanging the timer thread, goc_wait_u32 sleeping for ever on
 * a negative timeout, goc_select_timeout answering GOC_EINVAL for a huge d. */
#include "testutil.h"
#include <errno.h>

TestSuite(extremes, .timeout = 120);

static const int64_t D[] = { INT64_MIN, INT64_MIN + 1, -2, -1, 0, 1, INT64_MAX - 1, INT64_MAX };
#define ND (sizeof D / sizeof D[0])
static bool huge(int64_t d) { return d >= INT64_MAX - 1; }

/* How long "still waiting" is checked for: long enough that a wrapped
 * deadline would have returned, short enough for 8 values x many calls. */
#define STILL_MS 30

/* ---- a call on its own thread, watched from the test -------------------- */

typedef struct call {
    int (*fn)(struct call *);
    void *obj, *obj2;
    int64_t d;
    goc_atomic_i32 done;
    int result;
    int64_t took;
    pthread_t id;
} call;

static void *call_main(void *arg) {
    call *c = arg;
    int64_t t0 = goc_nanotime();
    c->result = c->fn(c);
    c->took = goc_nanotime() - t0;
    goc_atomic_i32_store(&c->done, 1);
    return NULL;
}
static void call_start(call *c) {
    goc_atomic_i32_store(&c->done, 0);
    cr_assert_eq(pthread_create(&c->id, NULL, call_main, c), 0);
}
static bool call_wait(call *c, int ms) {
    int64_t end = goc_nanotime() + (int64_t)ms * GOC_MILLISECOND;
    while (!goc_atomic_i32_load(&c->done)) {
        if (goc_nanotime() > end) return false;
        t_sleep_ms(1);
    }
    pthread_join(c->id, NULL);
    return true;
}

/* One timed call with every d: d <= 0 and d == 1 must come back with
 * `timeout_code` (d <= 0 at once: within a second, generous on a loaded
 * machine); huge d must still be waiting after STILL_MS, and come back with
 * `ok_code` after unblock(). setup() makes the call block; teardown()
 * cleans up after each round. */
typedef struct sweep {
    const char *name;
    int (*fn)(call *);
    void (*setup)(call *);
    void (*unblock)(call *);
    void (*teardown)(call *);
    int timeout_code, ok_code;
} sweep;

static void run_sweep(const sweep *s) {
    for (size_t i = 0; i < ND; i++) {
        call c = { .fn = s->fn, .d = D[i] };
        s->setup(&c);
        call_start(&c);
        if (huge(D[i])) {
            t_sleep_ms(STILL_MS);
            cr_assert(!goc_atomic_i32_load(&c.done), "%s(d=%lld) returned %d after %lld ns: a huge d wrapped",
                      s->name, (long long)D[i], c.result, (long long)c.took);
            s->unblock(&c);
            cr_assert(call_wait(&c, 10000), "%s(d=%lld) not woken", s->name, (long long)D[i]);
            cr_assert_eq(c.result, s->ok_code, "%s(d=%lld): %d", s->name, (long long)D[i], c.result);
        } else {
            bool back = call_wait(&c, 10000);
            if (!back) s->unblock(&c);
            cr_assert(back, "%s(d=%lld) did not return (a negative d slept for ever?)", s->name, (long long)D[i]);
            cr_assert_eq(c.result, s->timeout_code, "%s(d=%lld): %d", s->name, (long long)D[i], c.result);
            if (D[i] <= 0)
                cr_assert_lt(c.took, GOC_SECOND, "%s(d=%lld) waited %lld ns", s->name, (long long)D[i], (long long)c.took);
        }
        if (s->teardown) s->teardown(&c);
    }
}

/* ---- atomic.h: goc_wait_u32 ---------------------------------------------- */

static int wait_fn(call *c) { return goc_wait_u32(c->obj, 0, c->d); }
static void wait_setup(call *c) { c->obj = calloc(1, sizeof(goc_atomic_u32)); }
static void wait_unblock(call *c) { goc_atomic_u32_store(c->obj, 1); goc_wake_all(c->obj); }
static void free_obj(call *c) { free(c->obj); free(c->obj2); }

Test(extremes, wait_u32) {
    /* woken (or the word changed): GOC_OK; a spurious return is allowed but
     * would fail the "still waiting" check only by chance */
    sweep s = { "goc_wait_u32", wait_fn, wait_setup, wait_unblock, free_obj, GOC_TIMEOUT, GOC_OK };
    run_sweep(&s);
    /* a word that already differs: never a wait, whatever the timeout */
    goc_atomic_u32 w = {0};
    goc_atomic_u32_store(&w, 7);
    for (size_t i = 0; i < ND; i++) cr_assert_eq(goc_wait_u32(&w, 0, D[i]), GOC_OK);
}

/* ---- sync.h ----------------------------------------------------------------- */

static int mutex_fn(call *c) {
    int r = goc_mutex_lock_timeout(c->obj, c->d);
    if (r == GOC_OK) goc_mutex_unlock(c->obj);
    return r;
}
static void mutex_setup(call *c) { c->obj = calloc(1, sizeof(goc_mutex)); goc_mutex_lock(c->obj); }
static void mutex_unblock(call *c) { goc_mutex_unlock(c->obj); }
static void mutex_teardown(call *c) {
    if (!huge(c->d)) goc_mutex_unlock(c->obj);
    free(c->obj);
}
Test(extremes, mutex_lock_timeout) {
    sweep s = { "goc_mutex_lock_timeout", mutex_fn, mutex_setup, mutex_unblock, mutex_teardown, GOC_TIMEOUT, GOC_OK };
    run_sweep(&s);
}

static int rw_w_fn(call *c) {
    int r = goc_rwmutex_lock_timeout(c->obj, c->d);
    if (r == GOC_OK) goc_rwmutex_unlock(c->obj);
    return r;
}
static int rw_r_fn(call *c) {
    int r = goc_rwmutex_rlock_timeout(c->obj, c->d);
    if (r == GOC_OK) goc_rwmutex_runlock(c->obj);
    return r;
}
static void rw_setup_r(call *c) { c->obj = calloc(1, sizeof(goc_rwmutex)); goc_rwmutex_rlock(c->obj); }
static void rw_setup_w(call *c) { c->obj = calloc(1, sizeof(goc_rwmutex)); goc_rwmutex_lock(c->obj); }
static void rw_unblock_r(call *c) { goc_rwmutex_runlock(c->obj); }
static void rw_unblock_w(call *c) { goc_rwmutex_unlock(c->obj); }
static void rw_teardown_r(call *c) { if (!huge(c->d)) goc_rwmutex_runlock(c->obj); free(c->obj); }
static void rw_teardown_w(call *c) { if (!huge(c->d)) goc_rwmutex_unlock(c->obj); free(c->obj); }
Test(extremes, rwmutex_timeouts) {
    sweep w = { "goc_rwmutex_lock_timeout", rw_w_fn, rw_setup_r, rw_unblock_r, rw_teardown_r, GOC_TIMEOUT, GOC_OK };
    sweep r = { "goc_rwmutex_rlock_timeout", rw_r_fn, rw_setup_w, rw_unblock_w, rw_teardown_w, GOC_TIMEOUT, GOC_OK };
    run_sweep(&w);
    run_sweep(&r);
}

static int wg_fn(call *c) { return goc_wg_wait_timeout(c->obj, c->d); }
static void wg_setup(call *c) { c->obj = calloc(1, sizeof(goc_waitgroup)); goc_wg_add(c->obj, 1); }
static void wg_unblock(call *c) { goc_wg_done(c->obj); }
static void wg_teardown(call *c) { if (!huge(c->d)) goc_wg_done(c->obj); free(c->obj); }
Test(extremes, wg_wait_timeout) {
    sweep s = { "goc_wg_wait_timeout", wg_fn, wg_setup, wg_unblock, wg_teardown, GOC_TIMEOUT, GOC_OK };
    run_sweep(&s);
}

typedef struct cond_obj { goc_mutex mu; goc_cond c; bool flag; } cond_obj;
static int cond_fn(call *c) {
    cond_obj *o = c->obj;
    goc_mutex_lock(&o->mu);
    int r = GOC_OK;
    while (!o->flag && r == GOC_OK) r = goc_cond_wait_timeout(&o->c, &o->mu, c->d);
    goc_mutex_unlock(&o->mu);
    return r;
}
static void cond_setup(call *c) { c->obj = calloc(1, sizeof(cond_obj)); }
static void cond_unblock(call *c) {
    cond_obj *o = c->obj;
    goc_mutex_lock(&o->mu);
    o->flag = true;
    goc_cond_broadcast(&o->c);
    goc_mutex_unlock(&o->mu);
}
Test(extremes, cond_wait_timeout) {
    sweep s = { "goc_cond_wait_timeout", cond_fn, cond_setup, cond_unblock, free_obj, GOC_TIMEOUT, GOC_OK };
    run_sweep(&s);
}

static int sem_fn(call *c) {
    int r = goc_sem_acquire_timeout(c->obj, 1, c->d);
    if (r == GOC_OK) goc_sem_release(c->obj, 1);
    return r;
}
static void sem_setup(call *c) {
    c->obj = calloc(1, sizeof(goc_sem));
    goc_sem_init(c->obj, 1);
    goc_sem_acquire(c->obj, 1);
}
static void sem_unblock(call *c) { goc_sem_release(c->obj, 1); }
static void sem_teardown(call *c) { free(c->obj); }
Test(extremes, sem_acquire_timeout) {
    sweep s = { "goc_sem_acquire_timeout", sem_fn, sem_setup, sem_unblock, sem_teardown, GOC_TIMEOUT, GOC_OK };
    run_sweep(&s);
}

Test(extremes, sem_weights) {
    goc_sem s;
    goc_sem_init(&s, INT64_MIN);             /* a negative capacity is 0 */
    cr_assert_eq(goc_sem_acquire(&s, 1), GOC_EINVAL);
    cr_assert_eq(goc_sem_acquire(&s, 0), GOC_OK);
    goc_sem_init(&s, INT64_MAX);
    cr_assert_eq(goc_sem_acquire(&s, INT64_MAX), GOC_OK);
    cr_assert(!goc_sem_try_acquire(&s, 1));
    cr_assert_eq(goc_sem_acquire_timeout(&s, 1, INT64_MIN), GOC_TIMEOUT);
    goc_sem_release(&s, INT64_MAX);
    for (size_t i = 0; i < ND; i++) {
        int64_t n = D[i];
        int want = n < 0 ? GOC_EINVAL : GOC_OK;
        cr_assert_eq(goc_sem_acquire(&s, n), want, "acquire(%lld)", (long long)n);
        if (want == GOC_OK) goc_sem_release(&s, n);
        cr_assert_eq(goc_sem_try_acquire(&s, n), n >= 0, "try_acquire(%lld)", (long long)n);
        if (n >= 0) goc_sem_release(&s, n);
        cr_assert_eq(goc_sem_acquire_timeout(&s, n, 0), want, "acquire_timeout(%lld, 0)", (long long)n);
        if (want == GOC_OK) goc_sem_release(&s, n);
    }
}

Test(extremes, wg_add_counts) {
    goc_waitgroup wg = {0};
    goc_wg_add(&wg, INT32_MAX);
    goc_wg_add(&wg, -(int64_t)INT32_MAX);
    cr_assert_eq(goc_wg_wait_timeout(&wg, 0), GOC_OK);
}
/* Beyond the int32 counter, as Go's: a panic, not a silent wrap. */
Test(extremes, wg_add_int64_max_panics, .signal = SIGABRT) {
    goc_waitgroup wg = {0};
    goc_wg_add(&wg, INT64_MAX);
}
Test(extremes, wg_add_int64_min_panics, .signal = SIGABRT) {
    goc_waitgroup wg = {0};
    goc_wg_add(&wg, INT64_MIN);
}
Test(extremes, sem_release_negative_panics, .signal = SIGABRT) {
    goc_sem s;
    goc_sem_init(&s, 4);
    goc_sem_release(&s, INT64_MIN);
}

Test(extremes, smap_stripes) {
    goc_smap *m = goc_smap_new(SIZE_MAX);
    if (m) goc_smap_free(m);                 /* either refused or a usable map */
    else cr_assert(errno == EINVAL || errno == ENOMEM);
    m = goc_smap_new(SIZE_MAX / 2 + 1);
    if (m) goc_smap_free(m);
    else cr_assert(errno == EINVAL || errno == ENOMEM);
    m = goc_smap_new(0);
    cr_assert_not_null(m);
    cr_assert_eq(goc_smap_put(m, UINT64_MAX, &m), GOC_OK);
    void *v;
    cr_assert(goc_smap_get(m, UINT64_MAX, &v));
    goc_smap_free(m);
}

/* ---- chan.h ------------------------------------------------------------------ */

static int recv_fn(call *c) { return goc_chan_recv_timeout(c->obj, NULL, c->d); }
static int send_fn(call *c) { long v = 1; return goc_chan_send_timeout(c->obj, &v, c->d); }
static int select_fn(call *c) {
    goc_case cs[2] = { goc_recv_case(NULL, NULL), goc_recv_case(c->obj, NULL) };
    int r = goc_select_timeout(cs, 2, c->d);
    return r == 1 ? (cs[1].ok ? GOC_OK : GOC_CLOSED) : r;
}
static void chan0_setup(call *c) { c->obj = goc_chan_make(sizeof(long), 0); }
static void chan_full_setup(call *c) { long v = 0; c->obj = goc_chan_make(sizeof(long), 1); goc_chan_send(c->obj, &v); }
static void chan_empty_setup(call *c) { c->obj = goc_chan_make(sizeof(long), 3); }
static void chan_close(call *c) { goc_chan_close(c->obj); }
static void chan_teardown(call *c) { goc_chan_free(c->obj); }

Test(extremes, chan_timeouts) {
    sweep s[] = {
        { "goc_chan_recv_timeout(unbuffered)", recv_fn, chan0_setup, chan_close, chan_teardown, GOC_TIMEOUT, GOC_CLOSED },
        { "goc_chan_recv_timeout(empty)", recv_fn, chan_empty_setup, chan_close, chan_teardown, GOC_TIMEOUT, GOC_CLOSED },
        { "goc_chan_send_timeout(unbuffered)", send_fn, chan0_setup, chan_close, chan_teardown, GOC_TIMEOUT, GOC_CLOSED },
        { "goc_chan_send_timeout(full)", send_fn, chan_full_setup, chan_close, chan_teardown, GOC_TIMEOUT, GOC_CLOSED },
        { "goc_select_timeout(recv)", select_fn, chan0_setup, chan_close, chan_teardown, GOC_TIMEOUT, GOC_CLOSED },
    };
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) run_sweep(&s[i]);
}

/* Only NULL cases: Go's select with a lone timer. It waits d and answers
 * GOC_TIMEOUT; with a huge d it waits for ever (it answered GOC_EINVAL). */
static int select_none_fn(call *c) {
    goc_case cs[2] = { goc_recv_case(NULL, NULL), goc_send_case(NULL, NULL) };
    return c->obj ? goc_select_timeout(cs, 2, c->d) : goc_select_timeout(NULL, 0, c->d);
}
Test(extremes, select_timeout_only_null_cases) {
    for (int with_cases = 0; with_cases < 2; with_cases++) {
        for (size_t i = 0; i < ND; i++) {
            call *c = calloc(1, sizeof *c);     /* leaked with its thread when huge */
            c->fn = select_none_fn;
            c->obj = with_cases ? (void *)c : NULL;
            c->d = D[i];
            call_start(c);
            if (huge(D[i])) {
                t_sleep_ms(STILL_MS);
                cr_assert(!goc_atomic_i32_load(&c->done), "select_timeout(NULL cases, %lld) returned %d",
                          (long long)D[i], c->result);
                pthread_detach(c->id);          /* it sleeps until the process ends */
            } else {
                cr_assert(call_wait(c, 10000));
                cr_assert_eq(c->result, GOC_TIMEOUT, "d=%lld: %d", (long long)D[i], c->result);
                free(c);
            }
        }
    }
    goc_case none = goc_recv_case(NULL, NULL);
    cr_assert_eq(goc_select(&none, 1), GOC_EINVAL);          /* would block for ever */
    cr_assert_eq(goc_select_try(&none, 1), GOC_WOULDBLOCK);
}

Test(extremes, chan_sizes) {
    const size_t sizes[] = { SIZE_MAX, SIZE_MAX / 2 + 1, SIZE_MAX / 8 + 1 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t z = sizes[i];
        errno = 0;
        goc_chan *big = goc_chan_make(z, 1);
        if (goc_chan_sizeof(z, 1) == 0) {
            cr_assert_null(big, "make(%zu, 1)", z);
            cr_assert_eq(errno, EINVAL);
        } else if (big) {          /* 512 MiB on a 32-bit target: a real channel */
            cr_assert_eq(goc_chan_cap(big), 1);
            goc_chan_free(big);
        } else {
            cr_assert_eq(errno, ENOMEM);
        }
        cr_assert_null(goc_chan_make(1, z), "make(1, %zu)", z);
        cr_assert_null(goc_chan_make(z, z));
        size_t two = goc_chan_sizeof(z, 2);   /* 0, or a true size (past 2z, never wrapped) */
        cr_assert(two == 0 || two / 2 > z, "sizeof(%zu, 2) = %zu", z, two);
        cr_assert_eq(goc_chan_sizeof(8, z), 0);
        char mem[1024];
        if (goc_chan_sizeof(z, 1) == 0) cr_assert_null(goc_chan_init(mem, z, 1));
        else cr_assert_gt(goc_chan_sizeof(z, 1), z);   /* a size, not a wrapped one */
        cr_assert_eq(goc_select_try((goc_case *)mem, z), GOC_EINVAL);   /* n beyond reason */
    }
    /* elem_size huge with cap 0: an unbuffered channel copies directly,
     * but a size nobody can allocate on either side is still refused or
     * works without touching the bytes */
    goc_chan *c = goc_chan_make(SIZE_MAX, 0);
    if (c) goc_chan_free(c);
    cr_assert_eq(goc_chan_len(NULL), 0);
    cr_assert_eq(goc_chan_cap(NULL), 0);
}

/* ---- pool.h ---------------------------------------------------------------- */

static void nop(void *arg) { (void)arg; }
static void hold_job(void *arg) { goc_sem_acquire(arg, 1); goc_sem_release(arg, 1); }

typedef struct wk { goc_workers *w; goc_sem gate; } wk;
static int submit_fn(call *c) { wk *k = c->obj; return goc_workers_submit_timeout(k->w, nop, NULL, c->d); }
static void submit_setup(call *c) {
    wk *k = calloc(1, sizeof *k);
    goc_sem_init(&k->gate, 1);
    goc_sem_acquire(&k->gate, 1);
    k->w = goc_workers_new(1, 1);
    cr_assert_not_null(k->w);
    goc_workers_submit(k->w, hold_job, &k->gate);     /* the one worker is busy */
    /* wait until it took the job, then fill the queue */
    while (goc_workers_try_submit(k->w, nop, NULL) != GOC_OK) sched_yield();
    c->obj = k;
}
static void submit_unblock(call *c) { wk *k = c->obj; goc_sem_release(&k->gate, 1); }
static void submit_teardown(call *c) {
    wk *k = c->obj;
    if (!huge(c->d)) goc_sem_release(&k->gate, 1);
    goc_workers_free(k->w);
    free(k);
}
Test(extremes, workers_submit_timeout) {
    sweep s = { "goc_workers_submit_timeout", submit_fn, submit_setup, submit_unblock, submit_teardown,
                GOC_TIMEOUT, GOC_OK };
    run_sweep(&s);
}

static int wwait_fn(call *c) { wk *k = c->obj; return goc_workers_wait_timeout(k->w, c->d); }
static void wwait_setup(call *c) {
    wk *k = calloc(1, sizeof *k);
    goc_sem_init(&k->gate, 1);
    goc_sem_acquire(&k->gate, 1);
    k->w = goc_workers_new(1, 4);
    goc_workers_submit(k->w, hold_job, &k->gate);
    c->obj = k;
}
Test(extremes, workers_wait_timeout) {
    sweep s = { "goc_workers_wait_timeout", wwait_fn, wwait_setup, submit_unblock, submit_teardown,
                GOC_TIMEOUT, GOC_OK };
    run_sweep(&s);
}

static void count_job(void *arg) { goc_atomic_i64_add(arg, 1); }
Test(extremes, go_set_idle) {
    goc_atomic_i64 ran = {0};
    for (size_t i = 0; i < ND; i++) {
        goc_go_set_idle(D[i]);
        goc_waitgroup wg = {0};
        for (int k = 0; k < 4; k++) cr_assert_eq(goc_wg_go(&wg, count_job, &ran), GOC_OK);
        cr_assert_eq(goc_wg_wait_timeout(&wg, 10 * GOC_SECOND), GOC_OK, "idle %lld", (long long)D[i]);
    }
    goc_go_set_idle(0);                       /* back to the default */
    cr_assert_eq(goc_atomic_i64_load(&ran), 4 * (int64_t)ND);
}

static void *new_obj(void *arg) { (void)arg; return malloc(8); }
static void free_obj2(void *obj, void *arg) { (void)arg; free(obj); }

Test(extremes, pool_sizes) {
    const size_t sizes[] = { SIZE_MAX, SIZE_MAX / 2 + 1 };
    for (size_t i = 0; i < 2; i++) {
        size_t z = sizes[i];
        goc_freelist *f = goc_freelist_new(z, 4);
        if (f) {                               /* items of that size cannot exist */
            cr_assert_null(goc_freelist_get(f));
            goc_freelist_free(f);
        }
        f = goc_freelist_new(8, z);            /* room: as much as wanted, allocated lazily or refused */
        if (f) {
            void *p = goc_freelist_get(f);
            cr_assert_not_null(p);
            goc_freelist_put(f, p);
            goc_freelist_free(f);
        } else {
            cr_assert(errno == EINVAL || errno == ENOMEM);
        }
        goc_pool *p = goc_pool_new(new_obj, free_obj2, NULL, z);
        cr_assert_not_null(p);
        void *o = goc_pool_get(p);
        goc_pool_put(p, o);
        goc_pool_free(p);
        errno = 0;
        cr_assert_null(goc_workers_new(z, 1), "workers_new(%zu, 1)", z);
        cr_assert(errno == EINVAL || errno == ENOMEM || errno == EAGAIN);
        goc_workers *w = goc_workers_new(1, z);
        if (w) {
            cr_assert_eq(goc_workers_submit(w, nop, NULL), GOC_OK);
            goc_workers_free(w);
        } else {
            cr_assert(errno == EINVAL || errno == ENOMEM);
        }
    }
    errno = 0;
    cr_assert_null(goc_workers_new(0, 1));
    cr_assert_eq(errno, EINVAL);
}

/* ---- timer.h ----------------------------------------------------------------- */

static int sleep_fn(call *c) { goc_sleep(c->d); return GOC_TIMEOUT; }
Test(extremes, sleep) {
    for (size_t i = 0; i < ND; i++) {
        call *c = calloc(1, sizeof *c);
        c->fn = sleep_fn;
        c->d = D[i];
        call_start(c);
        if (huge(D[i])) {
            t_sleep_ms(STILL_MS);
            cr_assert(!goc_atomic_i32_load(&c->done), "goc_sleep(%lld) returned", (long long)D[i]);
            pthread_detach(c->id);
        } else {
            cr_assert(call_wait(c, 10000), "goc_sleep(%lld) did not return", (long long)D[i]);
            free(c);
        }
    }
}

static goc_atomic_i64 g_fired;
static void fire(void *arg) { (void)arg; goc_atomic_i64_add(&g_fired, 1); }

/* After any of these, the timer thread must still serve a short timer. */
static void timers_still_work(void) {
    goc_timer *t = goc_timer_new(GOC_MILLISECOND);
    cr_assert_not_null(t);
    int64_t when;
    cr_assert_eq(goc_chan_recv_timeout(goc_timer_chan(t), &when, 10 * GOC_SECOND), GOC_OK,
                 "the timer thread is stuck");
    goc_timer_free(t);
}

Test(extremes, timers) {
    for (size_t i = 0; i < ND; i++) {
        int64_t d = D[i], when;
        goc_timer *t = goc_timer_new(d);
        goc_chan *a = goc_after(d);
        goc_atomic_i64_store(&g_fired, 0);
        goc_timer *f = goc_after_func(d, fire, NULL);
        goc_timer *r = goc_timer_new(GOC_SECOND);
        goc_timer_reset(r, d);
        cr_assert(t && a && f && r);
        if (huge(d)) {
            t_sleep_ms(STILL_MS);
            cr_assert_eq(goc_chan_try_recv(goc_timer_chan(t), &when), GOC_WOULDBLOCK, "timer_new(%lld) fired", (long long)d);
            cr_assert_eq(goc_chan_try_recv(a, &when), GOC_WOULDBLOCK, "after(%lld) fired", (long long)d);
            cr_assert_eq(goc_chan_try_recv(goc_timer_chan(r), &when), GOC_WOULDBLOCK, "reset(%lld) fired", (long long)d);
            cr_assert_eq(goc_atomic_i64_load(&g_fired), 0, "after_func(%lld) ran", (long long)d);
            cr_assert(goc_timer_stop(t));
            cr_assert(goc_timer_stop(f));
            cr_assert(goc_timer_stop(r));
        } else {
            int64_t t0 = goc_now();
            cr_assert_eq(goc_chan_recv_timeout(goc_timer_chan(t), &when, 10 * GOC_SECOND), GOC_OK, "timer_new(%lld)", (long long)d);
            cr_assert_geq(when, t0 - GOC_SECOND);
            cr_assert_eq(goc_chan_recv_timeout(a, &when, 10 * GOC_SECOND), GOC_OK, "after(%lld)", (long long)d);
            cr_assert_eq(goc_chan_recv_timeout(goc_timer_chan(r), &when, 10 * GOC_SECOND), GOC_OK, "reset(%lld)", (long long)d);
            cr_assert(t_await_i64(&g_fired, 1, 10000), "after_func(%lld) did not run", (long long)d);
        }
        goc_timer_free(t);
        goc_chan_free(a);
        goc_timer_free(f);
        goc_timer_free(r);
        timers_still_work();
    }
}

Test(extremes, tickers) {
    for (size_t i = 0; i < ND; i++) {
        int64_t p = D[i], when;
        errno = 0;
        goc_ticker *t = goc_ticker_new(p);
        if (p <= 0) {
            cr_assert_null(t, "ticker_new(%lld)", (long long)p);
            cr_assert_eq(errno, EINVAL);
        } else {
            cr_assert_not_null(t);
            if (huge(p)) {
                t_sleep_ms(STILL_MS);
                cr_assert_eq(goc_chan_try_recv(goc_ticker_chan(t), &when), GOC_WOULDBLOCK);
            } else {
                cr_assert_eq(goc_chan_recv_timeout(goc_ticker_chan(t), &when, 10 * GOC_SECOND), GOC_OK);
                cr_assert_eq(goc_chan_recv_timeout(goc_ticker_chan(t), &when, 10 * GOC_SECOND), GOC_OK);
            }
            goc_ticker_free(t);
        }
        timers_still_work();
        /* reset to every period: <= 0 leaves the ticker as it was (EINVAL) */
        t = goc_ticker_new(GOC_MILLISECOND);
        errno = 0;
        goc_ticker_reset(t, p);
        if (p <= 0) {
            cr_assert_eq(errno, EINVAL);
            cr_assert_eq(goc_chan_recv_timeout(goc_ticker_chan(t), &when, 10 * GOC_SECOND), GOC_OK);
        } else if (huge(p)) {
            goc_chan_try_recv(goc_ticker_chan(t), &when);   /* a tick of the old period may be in */
            t_sleep_ms(STILL_MS);
            cr_assert_eq(goc_chan_try_recv(goc_ticker_chan(t), &when), GOC_WOULDBLOCK, "reset(%lld) ticked", (long long)p);
        }
        goc_ticker_stop(t);
        goc_ticker_free(t);
        timers_still_work();
    }
}

/* ---- context.h --------------------------------------------------------------- */

Test(extremes, ctx_deadlines) {
    goc_ctx *bg = goc_ctx_background();
    for (size_t i = 0; i < ND; i++) {
        int64_t d = D[i], dl;
        goc_ctx *t = goc_ctx_with_timeout(bg, d);
        goc_ctx *a = goc_ctx_with_deadline(bg, d);    /* as an absolute time: all but the huge are past */
        cr_assert(t && a);
        if (huge(d)) {
            t_sleep_ms(STILL_MS);
            cr_assert_eq(goc_ctx_err(t), GOC_OK, "with_timeout(%lld) ended", (long long)d);
            cr_assert_eq(goc_ctx_err(a), GOC_OK, "with_deadline(%lld) ended", (long long)d);
            if (goc_ctx_deadline(t, &dl)) cr_assert_gt(dl, goc_now(), "with_timeout(%lld): deadline %lld", (long long)d, (long long)dl);
            /* a short child of a never-ending context still ends by time */
            goc_ctx *c = goc_ctx_with_timeout(t, 5 * GOC_MILLISECOND);
            cr_assert_eq(goc_chan_recv_timeout(goc_ctx_done(c), NULL, 10 * GOC_SECOND), GOC_CLOSED);
            cr_assert_eq(goc_ctx_err(c), GOC_DEADLINE);
            goc_ctx_free(c);
        } else {
            if (d <= 0) cr_assert_eq(goc_ctx_err(t), GOC_DEADLINE, "with_timeout(%lld) is live", (long long)d);
            cr_assert_eq(goc_ctx_err(a), GOC_DEADLINE, "with_deadline(%lld) is live", (long long)d);
            cr_assert_eq(goc_chan_recv_timeout(goc_ctx_done(t), NULL, 10 * GOC_SECOND), GOC_CLOSED);
            cr_assert_eq(goc_ctx_err(t), GOC_DEADLINE);
        }
        goc_ctx_free(t);
        goc_ctx_free(a);
    }
}
