/* Races too narrow to hit by chance, widened with the implementation's test
 * hooks. This file compiles goc's implementation itself, hooks included.
 *
 * unlock_signalled: the unlock that wakes a mutex waiter stores WOKEN into
 * the waiter's node, then (a few instructions later) sets the mutex's WOKEN
 * bit and lets go of the lock. A woken waiter whose time runs out inside
 * that window once cleared the bit before it was set; the bit, set a moment
 * later, then told every later unlock "a woken waiter is on its way", and
 * the queued waiters slept on a free lock for ever. Here the window lasts
 * ~50 µs, and the racers' timeouts are as short.
 *
 * wg_done_after_zero: the done() that brings a WaitGroup to zero must not
 * touch it afterwards, because a waiter that sees zero may return and free
 * it at once (Go's "a WaitGroup may be reused/freed after Wait returns").
 * Here the window after the counter reaches zero lasts ~50 µs, and the
 * waiter makes the WaitGroup's page inaccessible the moment its wait
 * returns: a touch in that window is a SIGSEGV in every build.
 *
 * select_poll_is_one_moment: a non-blocking select must answer for one
 * moment of all its channels (Go's TestNonblockSelectRace2). Polling case
 * by case, it once saw c2 not yet closed, then c1 already emptied - by a
 * thread that closed c2 before emptying c1 - and answered "nothing ready"
 * although one case was ready at every instant. Here each poll of a case
 * is followed by ~50 us, in which the other thread does exactly that.
 *
 * fork_with_a_timer_channel_locked: a fork while another thread holds a
 * pending timer's channel lock (a receive queueing itself takes it for a
 * moment). In the child that thread does not exist: the timer thread, due
 * to send on that channel, waited for the lock for ever while holding the
 * timer lock, and the child's own first goc_after never fired (found by
 * test_fork's setup race, ~1 run in 10 of GOC_SPIN=0). Here the helper
 * takes the lock itself, for as long as the fork lasts.
 *
 * fork_handlers_registered_at_load: every module's fork handlers are
 * registered before main (GOC__FORK_AT_LOAD), not at its first use. A fork
 * racing another thread's first use otherwise left them out of that fork
 * (glibc 2.36 lets a registration complete during a fork and skips it),
 * while the module was set up meanwhile: the child's timer state said
 * "thread started" with no timer thread (test_fork's setup race, ~1 run in
 * 30 of GOC_SPIN=0). A constructor defined after the implementation runs
 * after goc's (in definition order) and before any test. */
#define GOC__TEST_HOOK_UNLOCK_SIGNALLED() hook_window()
#define GOC__TEST_HOOK_WG_ZERO() hook_window()
#define GOC__TEST_HOOK_SELECT_POLLED() hook_window()
static void hook_window(void);
#define GOC_IMPLEMENTATION
#include "sync.h"
#include "testutil.h"

#include "hook_window.h"

TestSuite(hooks, .timeout = 20);

static goc_mutex g_mu;
static long g_plain;                   /* guarded by g_mu */
static goc_atomic_i64 g_ok, g_timeouts;
static goc_atomic_bool g_stop;

static void *timeout_racer(void *arg) {
    unsigned i = (unsigned)(uintptr_t)arg;
    while (!goc_atomic_bool_load(&g_stop)) {
        i++;
        if (goc_mutex_lock_timeout(&g_mu, (1 + i % 8) * 10 * GOC_MICROSECOND) == GOC_OK) {
            g_plain++;
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
        g_plain++;
        for (volatile int k = 0; k < 2000; k++) {}
        goc_mutex_unlock(&g_mu);
        goc_atomic_i64_add(&g_ok, 1);
    }
    return NULL;
}

Test(hooks, woken_waiter_timing_out_in_the_unlock_window) {
    t_threads t = {0};
    goc_atomic_bool_store(&g_widen, true);
    for (int i = 0; i < 4; i++) t_spawn(&t, timeout_racer, (void *)(uintptr_t)i);
    for (int i = 0; i < 2; i++) t_spawn(&t, plain_locker, NULL);
    t_sleep_ms(1000);
    goc_atomic_bool_store(&g_stop, true);
    t_join(&t);                        /* a leaked WOKEN: the plain lockers never return */
    cr_assert_eq(g_plain, goc_atomic_i64_load(&g_ok));
    cr_assert_gt(goc_atomic_i64_load(&g_timeouts), 0);
    cr_assert_eq(goc_mutex_lock_timeout(&g_mu, GOC_SECOND), GOC_OK);
    goc_mutex_unlock(&g_mu);
}

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static goc_waitgroup *volatile g_wg_page;

static void *wg_doner(void *arg) {
    (void)arg;
    goc_waitgroup *wg = g_wg_page;
    /* wait until the waiter is registered (WAITING set), then finish */
    while (!(goc_atomic_u64_load(&wg->state) & 1)) goc_cpu_relax();
    goc_wg_done(wg);
    return NULL;
}

Test(hooks, wg_done_after_zero_touches_nothing) {
    long page = sysconf(_SC_PAGESIZE);
    goc_atomic_bool_store(&g_widen, true);
    for (int round = 0; round < 200; round++) {
        void *mem = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        cr_assert_neq(mem, MAP_FAILED);
        goc_waitgroup *wg = mem;
        memset(wg, 0, sizeof *wg);
        goc_wg_add(wg, 1);
        g_wg_page = wg;
        pthread_t t;
        pthread_create(&t, NULL, wg_doner, NULL);
        /* short timed waits: each call looks at the counter first */
        while (goc_wg_wait_timeout(wg, GOC_MICROSECOND) != GOC_OK) {}
        cr_assert_eq(mprotect(mem, (size_t)page, PROT_NONE), 0);   /* "freed" */
        pthread_join(t, NULL);
        munmap(mem, (size_t)page);
    }
}

typedef struct nbs_race { goc_chan *c1, *c2; goc_atomic_i32 polling, answer; } nbs_race;

static void *nbs_poller(void *arg) {
    nbs_race *r = arg;
    goc_case cs[2] = { goc_recv_case(r->c1, NULL), goc_recv_case(r->c2, NULL) };
    goc_atomic_i32_store(&r->polling, 1);
    goc_atomic_i32_store(&r->answer, goc_select_try(cs, 2));
    return NULL;
}

Test(hooks, select_poll_is_one_moment) {
    goc_atomic_bool_store(&g_widen, true);
    int wrong = 0;
    for (int i = 0; i < 100; i++) {
        nbs_race r = { goc_chan_make(8, 1), goc_chan_make(8, 0), {0}, {0} };
        long one = 1;
        goc_chan_send(r.c1, &one);
        pthread_t t;
        pthread_create(&t, NULL, nbs_poller, &r);
        while (!goc_atomic_i32_load(&r.polling)) goc_cpu_relax();
        goc_chan_close(r.c2);           /* c2 ready (closed) ... */
        goc_chan_try_recv(r.c1, NULL);  /* ... before c1 stops being ready */
        pthread_join(t, NULL);
        wrong += goc_atomic_i32_load(&r.answer) == GOC_WOULDBLOCK;
        goc_chan_free(r.c1);
        goc_chan_free(r.c2);
    }
    cr_assert_eq(wrong, 0, "%d of 100 polls saw no case ready", wrong);
}

/* A receiver queued on the timer channel (the send then takes the channel
 * lock to hand the tick over), and a holder of that lock across the fork. */
typedef struct locked_fork { goc_chan *c; goc_atomic_i32 step; } locked_fork;

static void *lf_receiver(void *arg) {
    locked_fork *f = arg;
    goc_atomic_i32_store(&f->step, 1);
    goc_chan_recv_timeout(f->c, NULL, 5 * GOC_SECOND);
    return NULL;
}
static void *lf_holder(void *arg) {
    locked_fork *f = arg;
    goc_mutex_lock(&f->c->lock);
    goc_atomic_i32_store(&f->step, 3);
    while (goc_atomic_i32_load(&f->step) != 4) goc_cpu_relax();
    goc_mutex_unlock(&f->c->lock);
    return NULL;
}
static int lf_child(void) {
    goc_chan *c = goc_after(60 * GOC_MILLISECOND);   /* after the locked one is due */
    /* No goc_chan_free on failure: it takes the timer lock the thread holds. */
    if (goc_chan_recv_timeout(c, NULL, 2 * GOC_SECOND) != GOC_OK) return 1;
    goc_chan_free(c);
    return 0;
}
Test(hooks, fork_with_a_timer_channel_locked) {
    T_NO_TSAN();
    locked_fork f = { goc_after(20 * GOC_MILLISECOND), {0} };
    pthread_t r, h;
    pthread_create(&r, NULL, lf_receiver, &f);
    while (goc_atomic_i32_load(&f.step) != 1) goc_cpu_relax();
    /* queued: its waiter is on the channel's list, so a send takes the lock */
    while (!(goc_atomic_u32_load(&f.c->waiting) & GOC__CH_RECVQ)) t_sleep_ms(1);
    goc_atomic_i32_store(&f.step, 2);
    pthread_create(&h, NULL, lf_holder, &f);
    while (goc_atomic_i32_load(&f.step) != 3) goc_cpu_relax();
    pid_t pid = fork();
    if (pid == 0) _exit(lf_child());
    goc_atomic_i32_store(&f.step, 4);
    pthread_join(h, NULL);
    pthread_join(r, NULL);
    goc_chan_free(f.c);
    int64_t end = goc_nanotime() + 5 * GOC_SECOND;
    int st = 0;
    while (waitpid(pid, &st, WNOHANG) == 0 && goc_nanotime() < end) t_sleep_ms(2);
    if (goc_nanotime() >= end) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child's timer did not fire (status %d)", st);
}

/* Taken before main: whether the modules' fork handlers were registered. */
static uint32_t g_at_load[4];
__attribute__((constructor)) static void snapshot_at_load(void) {
    g_at_load[0] = goc_atomic_u32_load(&goc__tm_atfork_once);
    g_at_load[1] = goc_atomic_u32_load(&goc__pool_once);
    g_at_load[2] = goc_atomic_u32_load(&goc__wakefd_registered);
#ifdef GOC_NO_FUTEX
    g_at_load[3] = goc_atomic_u32_load(&goc__park_once);
#else
    g_at_load[3] = GOC__FORK_ONCE_DONE;   /* the futex has no handlers */
#endif
}
Test(hooks, fork_handlers_registered_at_load) {
    const char *what[4] = { "timer.h", "pool.h", "chan.h's descriptors", "the parking table" };
    for (int i = 0; i < 4; i++) {
        if (g_at_load[i] != GOC__FORK_ONCE_DONE)   /* the shim prints no message */
            fprintf(stderr, "%s: its fork handlers were not registered before main\n", what[i]);
        cr_assert_eq(g_at_load[i], GOC__FORK_ONCE_DONE, "%s", what[i]);
    }
}
