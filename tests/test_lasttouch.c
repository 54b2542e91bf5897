/* Last touch: a waiter may free the object the instant it returns.
 *
 * Go lets a program drop a primitive the moment its wait returns (a
 * semaphore used as a one-shot completion, "lock, unlock, free" to drain
 * readers, a Cond on the waiter's stack). In C that is a free(), so the
 * thread that released the waiter must not touch the object after the
 * grant. Two kinds of check:
 *
 *  - page checks: the object lives alone on an mmap'ed page, and the
 *    waiter makes the page inaccessible (PROT_NONE) as soon as its call
 *    returns; any later touch by the releaser is a SIGSEGV in every build.
 *    The implementation's test hooks widen the releaser's windows: ~50 us
 *    after each verdict is stored (GOC__TEST_HOOK_GRANTED: nothing may
 *    follow it) and between dequeuing a mutex waiter and letting go of the
 *    mutex (GOC__TEST_HOOK_UNLOCK_SIGNALLED).
 *  - heap checks, for reference-counted objects (channels, contexts,
 *    timers, worker pools): each side frees the moment it is done, in a
 *    loop, and AddressSanitizer (make asan) reports any touch of freed
 *    memory.
 *
 * The semaphore, RWMutex, Cond and mutex hand-off checks failed before
 * the release paths stored verdicts after dropping their internal locks
 * (sync.h's design, "Last touches"). This file compiles goc's
 * implementation itself, hooks included. */
#define GOC__TEST_HOOK_GRANTED() hook_window()
#define GOC__TEST_HOOK_UNLOCK_SIGNALLED() hook_window()
#define GOC__TEST_HOOK_RW_RELEASED() hook_window()
static void hook_window(void);
#define GOC_IMPLEMENTATION
#include "testutil.h"
#include <sys/mman.h>
#include <unistd.h>

#include "hook_window.h"

TestSuite(lasttouch, .timeout = 60);

#define ROUNDS T_ITERS(400)

/* One page per object: allocated zeroed, "freed" by PROT_NONE. */
static void *page_new(void) {
    void *p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(p, MAP_FAILED);
    return p;
}
static void page_gone(void *p) {
    cr_assert_eq(mprotect(p, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE), 0);
}
static void page_free(void *p) { munmap(p, (size_t)sysconf(_SC_PAGESIZE)); }

static void spin_until(bool (*cond)(void *), void *arg) {
    while (!cond(arg)) sched_yield();
}

/* ---- semaphore ------------------------------------------------------------ */

static bool sem_queued(void *arg) {
    goc_sem *s = arg;
    goc_mutex_lock(&s->mu);
    bool q = s->q.head != NULL;
    goc_mutex_unlock(&s->mu);
    return q;
}
static void *sem_releaser(void *arg) {
    spin_until(sem_queued, arg);
    goc_sem_release(arg, 1);          /* grants the waiter, which "frees" s */
    return NULL;
}

Test(lasttouch, sem_release_grant) {
    goc_atomic_bool_store(&g_widen, true);
    for (int r = 0; r < ROUNDS; r++) {
        goc_sem *s = page_new();
        goc_sem_init(s, 1);
        cr_assert_eq(goc_sem_acquire(s, 1), GOC_OK);
        pthread_t t;
        pthread_create(&t, NULL, sem_releaser, s);
        cr_assert_eq(r % 2 ? goc_sem_acquire(s, 1) : goc_sem_acquire_timeout(s, 1, 10 * GOC_SECOND), GOC_OK);
        page_gone(s);                 /* the one-shot completion is done: free it */
        pthread_join(t, NULL);
        page_free(s);
    }
}

/* A big request at the head times out; its leaving grants the small one
 * queued behind it, which returns and frees the semaphore. */
/* Set when the waiter that times out has returned: a slow machine may
 * miss the moment it was queued, and must not wait for it for ever (the
 * round then just takes the fast path). */
static goc_atomic_i32 g_gave_up;
static void *sem_big_timeout(void *arg) {
    goc_sem *s = arg;
    T_CHECK(goc_sem_acquire_timeout(s, 2, GOC_MILLISECOND) == GOC_TIMEOUT);
    goc_atomic_i32_store(&g_gave_up, 1);
    return NULL;
}
Test(lasttouch, sem_timeout_path_grant) {
    goc_atomic_bool_store(&g_widen, true);
    for (int r = 0; r < T_ITERS(100); r++) {
        goc_sem *s = page_new();
        goc_sem_init(s, 2);
        cr_assert_eq(goc_sem_acquire(s, 1), GOC_OK);
        pthread_t big;
        goc_atomic_i32_store(&g_gave_up, 0);
        pthread_create(&big, NULL, sem_big_timeout, s);
        while (!sem_queued(s) && !goc_atomic_i32_load(&g_gave_up)) sched_yield();
        /* we queue behind the big request (FIFO), and are granted by its
         * timing out: the waiter that gives up is the releaser here */
        cr_assert_eq(goc_sem_acquire(s, 1), GOC_OK);
        page_gone(s);
        pthread_join(big, NULL);
        page_free(s);
    }
    T_NO_FAILURES();
}

/* ---- RWMutex -------------------------------------------------------------- */

typedef struct { goc_rwmutex *m; goc_atomic_i32 holding; bool writer; } rw_arg;

static bool rw_queued(void *arg) {
    goc_rwmutex *m = arg;
    goc_mutex_lock(&m->qmu);
    bool q = m->q.head != NULL;
    goc_mutex_unlock(&m->qmu);
    return q;
}
static void *rw_holder(void *arg) {
    rw_arg *a = arg;
    if (a->writer) goc_rwmutex_lock(a->m); else goc_rwmutex_rlock(a->m);
    goc_atomic_i32_store(&a->holding, 1);
    spin_until(rw_queued, a->m);
    if (a->writer) goc_rwmutex_unlock(a->m); else goc_rwmutex_runlock(a->m);
    return NULL;
}

static void rw_round(bool holder_writes, bool waiter_writes, int r) {
    goc_rwmutex *m = page_new();
    rw_arg a = { m, {0}, holder_writes };
    pthread_t t;
    pthread_create(&t, NULL, rw_holder, &a);
    while (!goc_atomic_i32_load(&a.holding)) sched_yield();
    if (waiter_writes) {
        cr_assert_eq(r % 2 ? goc_rwmutex_lock_timeout(m, 10 * GOC_SECOND) : (goc_rwmutex_lock(m), GOC_OK), GOC_OK);
        goc_rwmutex_unlock(m);        /* "lock, unlock, free" */
    } else {
        cr_assert_eq(r % 2 ? goc_rwmutex_rlock_timeout(m, 10 * GOC_SECOND) : (goc_rwmutex_rlock(m), GOC_OK), GOC_OK);
        goc_rwmutex_runlock(m);
    }
    page_gone(m);
    pthread_join(t, NULL);
    page_free(m);
}

Test(lasttouch, rwmutex_runlock_grants_writer) {
    goc_atomic_bool_store(&g_widen, true);
    for (int r = 0; r < T_ITERS(10000); r++) rw_round(false, true, r);
}

Test(lasttouch, rwmutex_unlock_grants_reader) {
    goc_atomic_bool_store(&g_widen, true);
    for (int r = 0; r < T_ITERS(10000); r++) rw_round(true, false, r);
}

Test(lasttouch, rwmutex_unlock_grants_writer) {
    goc_atomic_bool_store(&g_widen, true);
    for (int r = 0; r < T_ITERS(10000); r++) rw_round(true, true, r);
}

/* A queued writer times out; its leaving grants the reader queued behind
 * it (readers queue behind a waiting writer), which frees the lock. */
static void *rw_writer_timeout(void *arg) {
    T_CHECK(goc_rwmutex_lock_timeout(arg, GOC_MILLISECOND) == GOC_TIMEOUT);
    goc_atomic_i32_store(&g_gave_up, 1);
    return NULL;
}

Test(lasttouch, rwmutex_timeout_path_grant) {
    goc_atomic_bool_store(&g_widen, true);
    for (int r = 0; r < T_ITERS(500); r++) {
        goc_rwmutex *m = page_new();
        goc_rwmutex_rlock(m);
        pthread_t w;
        goc_atomic_i32_store(&g_gave_up, 0);
        pthread_create(&w, NULL, rw_writer_timeout, m);
        while (!rw_queued(m) && !goc_atomic_i32_load(&g_gave_up)) sched_yield();
        goc_rwmutex_rlock(m);         /* queues behind the writer; granted when it gives up */
        goc_rwmutex_runlock(m);
        goc_rwmutex_runlock(m);
        page_gone(m);
        pthread_join(w, NULL);
        page_free(m);
    }
    T_NO_FAILURES();
}

/* A queued writer that times out and retries, while the holder releases:
 * whoever gets the lock next frees it at once ("lock, unlock, free"). The
 * release used to give up the lock first and then take the internal qmu
 * to hand it on; a writer that timed out in between could lock, unlock
 * and free the RWMutex under it (found by review; ASan saw the touch). */
typedef struct { goc_rwmutex *m; int seed; goc_atomic_i32 tries; } rw_retry_arg;
static void *rw_retrier(void *arg) {
    rw_retry_arg *a = arg;
    goc_duration d = (goc_duration)(a->seed % 40) * GOC_MICROSECOND;
    while (goc_rwmutex_lock_timeout(a->m, d) != GOC_OK) {
        goc_atomic_i32_add(&a->tries, 1);
        d = (goc_duration)(a->seed % 7) * GOC_MICROSECOND;
    }
    goc_rwmutex_unlock(a->m);
    T_CHECK(mprotect(a->m, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE) == 0);   /* the last user frees */
    return NULL;
}
Test(lasttouch, rwmutex_release_races_a_timed_out_writer) {
    goc_atomic_bool_store(&g_widen, true);
    for (int r = 0; r < T_ITERS(1000); r++) {
        rw_retry_arg a = { page_new(), r, {0} };
        bool reader = r % 2;
        if (reader) goc_rwmutex_rlock(a.m); else goc_rwmutex_lock(a.m);
        pthread_t t;
        pthread_create(&t, NULL, rw_retrier, &a);
        /* let it queue, or time out once, before we release */
        while (r % 3 && !rw_queued(a.m) && !goc_atomic_i32_load(&a.tries)) sched_yield();
        if (reader) goc_rwmutex_runlock(a.m); else goc_rwmutex_unlock(a.m);
        /* nothing of ours touches a.m from here on */
        pthread_join(t, NULL);
        page_free(a.m);
    }
    T_NO_FAILURES();
}

/* ---- Cond ----------------------------------------------------------------- */

typedef struct { goc_cond *c; goc_mutex mu; int flag; bool all; } cond_arg;

static void *cond_signaller(void *arg) {
    cond_arg *a = arg;
    while (!goc_atomic_u32_load(&a->c->nwait)) sched_yield();
    goc_mutex_lock(&a->mu);
    a->flag = 1;
    goc_mutex_unlock(&a->mu);
    if (a->all) goc_cond_broadcast(a->c); else goc_cond_signal(a->c);
    return NULL;
}

static void cond_rounds(bool all) {
    goc_atomic_bool_store(&g_widen, true);
    for (int r = 0; r < ROUNDS; r++) {
        cond_arg a = { page_new(), {{0}, {0, 0}}, 0, all };
        pthread_t t;
        pthread_create(&t, NULL, cond_signaller, &a);
        goc_mutex_lock(&a.mu);
        while (!a.flag) {
            if (r % 2) goc_cond_wait(a.c, &a.mu);
            else goc_cond_wait_timeout(a.c, &a.mu, 10 * GOC_SECOND);
        }
        goc_mutex_unlock(&a.mu);
        page_gone(a.c);
        pthread_join(t, NULL);
        page_free(a.c);
    }
}

Test(lasttouch, cond_signal) { cond_rounds(false); }
Test(lasttouch, cond_broadcast) { cond_rounds(true); }

/* ---- Mutex hand-off (starvation mode) ------------------------------------- */

static bool mutex_queued(void *arg) {
    goc_mutex *m = arg;
    return goc_atomic_u32_load(&m->state) & GOC__M_QUEUED;
}
static void *mutex_slow_holder(void *arg) {
    goc_mutex *m = arg;
    spin_until(mutex_queued, m);
    t_sleep_ms(2);                    /* past GOC__STARVE_NS: unlock hands off */
    goc_mutex_unlock(m);
    return NULL;
}

Test(lasttouch, mutex_handoff) {
    goc_atomic_bool_store(&g_widen, true);
    for (int r = 0; r < T_ITERS(200); r++) {
        goc_mutex *m = page_new();
        goc_mutex_lock(m);
        pthread_t t;
        pthread_create(&t, NULL, mutex_slow_holder, m);
        if (r % 2) goc_mutex_lock(m);
        else cr_assert_eq(goc_mutex_lock_timeout(m, 10 * GOC_SECOND), GOC_OK);
        goc_mutex_unlock(m);
        page_gone(m);
        pthread_join(t, NULL);
        page_free(m);
    }
}

/* ---- Once ----------------------------------------------------------------- */

static goc_atomic_i32 g_once_running;
static void slow_init(void *arg) {
    (void)arg;
    goc_atomic_i32_store(&g_once_running, 1);
    t_sleep_ms(1);
}
static void *once_runner(void *arg) {
    goc_once_do(arg, slow_init, NULL);
    return NULL;
}

Test(lasttouch, once_waiter) {
    for (int r = 0; r < T_ITERS(200); r++) {
        goc_once *o = page_new();
        goc_atomic_i32_store(&g_once_running, 0);
        pthread_t t;
        pthread_create(&t, NULL, once_runner, o);
        while (!goc_atomic_i32_load(&g_once_running)) sched_yield();
        goc_once_do(o, slow_init, NULL);   /* waits for the runner's fn */
        page_gone(o);
        pthread_join(t, NULL);
        page_free(o);
    }
}

/* ---- channels: each side drops its own reference when done (ASan) -------- */

typedef struct { goc_chan *c; int n; } chan_arg;
static void *chan_sender(void *arg) {
    chan_arg *a = arg;
    for (long i = 0; i < a->n; i++) T_CHECK(goc_chan_send(a->c, &i) == GOC_OK);
    goc_chan_free(a->c);              /* the sender's own reference */
    return NULL;
}

static void chan_rounds(size_t cap, bool close_first) {
    for (int r = 0; r < T_ITERS(2000); r++) {
        chan_arg a = { goc_chan_make(sizeof(long), cap), 1 + r % 3 };
        goc_chan_retain(a.c);
        pthread_t t;
        pthread_create(&t, NULL, chan_sender, &a);
        long v;
        for (long i = 0; i < a.n; i++) {
            T_CHECK(goc_chan_recv(a.c, &v) == GOC_OK);
            T_CHECK(v == i);
        }
        if (close_first) goc_chan_close(a.c);
        goc_chan_free(a.c);           /* the receiver's, right after the last value */
        pthread_join(t, NULL);
    }
    T_NO_FAILURES();
}

Test(lasttouch, chan_unbuffered) { chan_rounds(0, false); }
Test(lasttouch, chan_buffered) { chan_rounds(1, false); }
Test(lasttouch, chan_close_then_free) { chan_rounds(2, true); }

/* ---- context: the canceller and the waiter each drop their reference ------ */

static void *ctx_canceller(void *arg) {
    goc_ctx_free(arg);                /* the creator's cancel + release */
    return NULL;
}

Test(lasttouch, ctx_cancel_wakes_waiter_that_releases) {
    for (int r = 0; r < T_ITERS(2000); r++) {
        goc_ctx *c = goc_ctx_with_cancel(goc_ctx_background());
        goc_ctx_retain(c);            /* the waiter's reference */
        pthread_t t;
        pthread_create(&t, NULL, ctx_canceller, c);
        T_CHECK(goc_chan_recv(goc_ctx_done(c), NULL) == GOC_CLOSED);
        T_CHECK(goc_ctx_err(c) == GOC_CANCELED);
        goc_ctx_release(c);
        pthread_join(t, NULL);
    }
    T_NO_FAILURES();
}

/* ---- timer: the receiver frees the timer the moment its value arrives ----- */

Test(lasttouch, timer_freed_on_receipt) {
    for (int r = 0; r < T_ITERS(300); r++) {
        goc_timer *t = goc_timer_new(r % 2 ? 0 : 20 * GOC_MICROSECOND);
        int64_t when;
        cr_assert_eq(goc_chan_recv(goc_timer_chan(t), &when), GOC_OK);
        goc_timer_free(t);
        goc_chan *ch = goc_after(r % 3 ? 0 : 10 * GOC_MICROSECOND);
        cr_assert_eq(goc_chan_recv(ch, &when), GOC_OK);
        goc_chan_free(ch);
    }
}

/* ---- worker pool: freed as soon as the last job reports ------------------- */

static void job_done(void *arg) { goc_sem_release(arg, 1); }

Test(lasttouch, workers_freed_after_last_job) {
    for (int r = 0; r < T_ITERS(300); r++) {
        goc_workers *w = goc_workers_new(2, 4);
        goc_sem *s = malloc(sizeof *s);
        goc_sem_init(s, 1);
        cr_assert_eq(goc_sem_acquire(s, 1), GOC_OK);
        cr_assert_eq(goc_workers_submit(w, job_done, s), GOC_OK);
        cr_assert_eq(goc_sem_acquire(s, 1), GOC_OK);   /* the job's release grants us */
        free(s);                                       /* ... and we free the semaphore */
        goc_workers_free(w);
    }
}
