/* fork(): the child can use goc, its background threads start afresh.
 * Each case forks a child that checks itself and _exits 0 on success; the
 * parent waits a bounded time and asserts the exit status. */
#include "testutil.h"
#include <errno.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(fork, .timeout = 30);

/* Under TSan each case passes untested (T_NO_TSAN, testutil.h). */
/* AddressSanitizer (GCC 12's) takes its thread registry's lock inside
 * pthread_create and has no fork handler for it: a fork while another
 * thread creates one leaves the child's first pthread_create waiting for
 * that lock for ever (seen in gdb: __asan::AsanThread::Create). The test
 * that forks while another thread starts its first goc_go thread is not
 * run under it. */
#if defined(__SANITIZE_ADDRESS__)
#  define T_NO_ASAN() do { fprintf(stderr, "fork: not run under ASan\n"); return; } while (0)
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define T_NO_ASAN() do { fprintf(stderr, "fork: not run under ASan\n"); return; } while (0)
#  endif
#endif
#ifndef T_NO_ASAN
#  define T_NO_ASAN() ((void)0)
#endif

/* Wait for the child at most 10 s (then kill it): its exit status, or -1. */
static int wait_child_for(pid_t pid, int64_t limit) {
    int64_t end = t_now() + limit;
    for (;;) {
        int st = 0;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        if (r < 0 && errno != EINTR) return -1;
        if (t_now() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        t_sleep_ms(2);
    }
}
static int wait_child(pid_t pid) { return wait_child_for(pid, 10 * GOC_SECOND); }

static goc_atomic_i64 hits;
static void bump(void *arg) { (void)arg; goc_atomic_i64_add(&hits, 1); }
static void nap(void *arg) { (void)arg; t_sleep_ms(2); goc_atomic_i64_add(&hits, 1); }

/* The parent's goc_go threads (idle, cached) do not exist in the child:
 * a task spawned there must still run. */
static int child_go(void) {
    goc_atomic_i64_store(&hits, 0);
    goc_waitgroup wg = {0};
    if (goc_wg_go(&wg, bump, NULL) != GOC_OK) return 2;
    if (goc_wg_wait_timeout(&wg, 2 * GOC_SECOND) != GOC_OK) return 3;
    /* a burst that queues (more tasks than cores) and needs the monitor */
    for (int i = 0; i < 64; i++) if (goc_wg_go(&wg, nap, NULL) != GOC_OK) return 4;
    if (goc_wg_wait_timeout(&wg, 5 * GOC_SECOND) != GOC_OK) return 5;
    if (goc_atomic_i64_load(&hits) != 65) return 6;
    goc_go_counts c;
    goc_go_stats(&c);
    if (c.live < 1 || c.live > 64) return 7;
    return 0;
}

Test(fork, go_after_fork_runs_in_the_child) {
    T_NO_TSAN();
    goc_waitgroup wg = {0};
    for (int i = 0; i < 8; i++) cr_assert_eq(goc_wg_go(&wg, nap, NULL), GOC_OK);
    goc_wg_wait(&wg);                     /* the threads are idle (cached) now */
    goc_go_counts c;
    goc_go_stats(&c);
    cr_assert_geq(c.live, 1);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) _exit(child_go());
    cr_assert_eq(wait_child(pid), 0, "the child's goc_go task did not run");
    /* and the parent is unharmed */
    cr_assert_eq(goc_wg_go(&wg, bump, NULL), GOC_OK);
    cr_assert_eq(goc_wg_wait_timeout(&wg, 2 * GOC_SECOND), GOC_OK);
}

/* Forking while other threads spawn, run and retire goc_go tasks: the
 * child's bookkeeping is consistent whatever the moment. */
static goc_atomic_bool stop_spawning;
static void *spawn_loop(void *arg) {
    (void)arg;
    goc_waitgroup wg = {0};
    while (!goc_atomic_bool_load(&stop_spawning)) {
        T_CHECK(goc_wg_go(&wg, bump, NULL) == GOC_OK);
        goc_wg_wait(&wg);
    }
    return NULL;
}

Test(fork, fork_while_others_spawn) {
    T_NO_TSAN();
    goc_atomic_bool_store(&stop_spawning, false);
    t_threads th = {0};
    for (int i = 0; i < 2; i++) t_spawn(&th, spawn_loop, NULL);
    for (int i = 0; i < 5; i++) {
        t_sleep_ms(5);
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) _exit(child_go());
        cr_assert_eq(wait_child(pid), 0, "fork %d", i);
    }
    goc_atomic_bool_store(&stop_spawning, true);
    t_join(&th);
    T_NO_FAILURES();
}

/* Pools and free lists made by the parent, with objects in the caches of
 * this thread and of another thread that is alive at the fork. */
static goc_atomic_i64 made, freed;
static void *obj_new(void *arg) { (void)arg; goc_atomic_i64_add(&made, 1); return malloc(32); }
static void obj_free(void *obj, void *arg) { (void)arg; goc_atomic_i64_add(&freed, 1); free(obj); }

static goc_pool *fpool;
static goc_freelist *ffl;
static goc_chan *hold, *release;
static void *other_thread(void *arg) {
    (void)arg;
    void *o[4], *it[4];
    for (int i = 0; i < 4; i++) { o[i] = goc_pool_get(fpool); it[i] = goc_freelist_get(ffl); }
    for (int i = 0; i < 4; i++) { goc_pool_put(fpool, o[i]); goc_freelist_put(ffl, it[i]); }
    goc_chan_send(hold, NULL);            /* its caches hold 4 + 4 now */
    goc_chan_recv(release, NULL);         /* alive across the fork */
    return NULL;
}

static int child_pools(void) {
    /* this thread's cached objects are still its own */
    int64_t m = goc_atomic_i64_load(&made);
    void *a = goc_pool_get(fpool), *b = goc_pool_get(fpool);
    if (!a || !b || goc_atomic_i64_load(&made) != m) return 2;
    goc_pool_put(fpool, a);
    goc_pool_put(fpool, b);
    /* the other thread's caches are gone with it: they no longer count
     * against max_idle (8), so 8 objects fit again */
    void *o[8];
    for (int i = 0; i < 8; i++) if (!(o[i] = goc_pool_get(fpool))) return 3;
    int64_t f0 = goc_atomic_i64_load(&freed);
    for (int i = 0; i < 8; i++) goc_pool_put(fpool, o[i]);
    if (goc_atomic_i64_load(&freed) != f0) return 4;
    goc_pool_put(fpool, malloc(32));      /* the 9th: beyond the bound */
    if (goc_atomic_i64_load(&freed) != f0 + 1) return 5;
    goc_pool_counts pk;
    goc_pool_stats(fpool, &pk);
    if (pk.gets - pk.hits != pk.news || pk.hits < 4 || pk.frees != 1) return 6;
    /* the free list likewise, and from a thread of the child */
    void *it[8];
    for (int i = 0; i < 8; i++) if (!(it[i] = goc_freelist_get(ffl))) return 7;
    for (int i = 0; i < 8; i++) goc_freelist_put(ffl, it[i]);
    goc_freelist_counts k;
    goc_freelist_stats(ffl, &k);
    if (k.puts != k.gets || k.drops != 0) return 8;
    goc_waitgroup wg = {0};
    if (goc_wg_go(&wg, bump, NULL) != GOC_OK) return 9;
    if (goc_wg_wait_timeout(&wg, 2 * GOC_SECOND) != GOC_OK) return 10;
    goc_pool_free(fpool);
    goc_freelist_free(ffl);
    return 0;
}

Test(fork, pools_and_free_lists_after_fork) {
    T_NO_TSAN();
    goc_atomic_i64_store(&made, 0);
    goc_atomic_i64_store(&freed, 0);
    fpool = goc_pool_new(obj_new, obj_free, NULL, 8);
    ffl = goc_freelist_new(32, 8);
    hold = goc_chan_make(0, 0);
    release = goc_chan_make(0, 0);
    cr_assert(fpool && ffl && hold && release);
    void *a = goc_pool_get(fpool), *b = goc_pool_get(fpool);
    goc_pool_put(fpool, a);
    goc_pool_put(fpool, b);               /* 2 in this thread's cache */
    void *x = goc_freelist_get(ffl), *y = goc_freelist_get(ffl);
    goc_freelist_put(ffl, x);
    goc_freelist_put(ffl, y);
    t_threads th = {0};
    t_spawn(&th, other_thread, NULL);
    cr_assert_eq(goc_chan_recv(hold, NULL), GOC_OK);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) _exit(child_pools());
    int rc = wait_child(pid);
    goc_chan_send(release, NULL);
    t_join(&th);
    cr_assert_eq(rc, 0, "child failed at step %d", rc);
    goc_pool_free(fpool);
    goc_freelist_free(ffl);
    goc_chan_free(hold);
    goc_chan_free(release);
    cr_assert_eq(goc_atomic_i64_load(&freed), goc_atomic_i64_load(&made));
}

/* TIMER AFTER FORK: fixed by the timer.h work (its thread must restart in
 * the child); this case may fail until that lands. */
static int child_timer(void) {
    goc_timer *t = goc_timer_new(10 * GOC_MILLISECOND);
    if (!t) return 2;
    int rc = goc_chan_recv_timeout(goc_timer_chan(t), NULL, 2 * GOC_SECOND);
    goc_timer_free(t);
    return rc == GOC_OK ? 0 : 3;
}

Test(fork, timer_after_fork_fires_in_the_child) {
    T_NO_TSAN();
    goc_timer *t = goc_timer_new(GOC_MILLISECOND);
    cr_assert_not_null(t);
    cr_assert_eq(goc_chan_recv_timeout(goc_timer_chan(t), NULL, 2 * GOC_SECOND), GOC_OK);
    goc_timer_free(t);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) _exit(child_timer());
    cr_assert_eq(wait_child(pid), 0, "the child's timer did not fire (timer.h's fork fix)");
}

/* fork() from inside a goc_go task: the forking thread is one of goc_go's
 * and goes on in the child, where it idles and exits like any other. The
 * child's count of live threads used to start at 0 and wrap below it when
 * that thread exited (found by review), after which every spawn took the
 * slow path through the monitor. */
static pid_t g_task_child;
static void live_observer(void *arg) {
    (void)arg;
    goc_go_counts c;
    goc_go_stats(&c);
    int bad = c.live != 2;                 /* the observer and the forking thread */
    /* the forking thread idles 5 ms, then exits: live drops to 1, not 0 */
    for (int i = 0; i < 500 && c.live != 1; i++) {
        t_sleep_ms(10);
        goc_go_stats(&c);
    }
    bad |= (c.live != 1) << 1;
    _exit(bad);
}
static void forking_task(void *arg) {
    (void)arg;
    g_task_child = fork();
    if (g_task_child == 0 && goc_go(live_observer, NULL) != GOC_OK) _exit(2);
}
Test(fork, fork_from_inside_a_task_keeps_the_thread_count) {
    T_NO_TSAN();
    goc_go_set_idle(5 * GOC_MILLISECOND);
    goc_waitgroup wg = {0};
    cr_assert_eq(goc_wg_go(&wg, forking_task, NULL), GOC_OK);
    goc_wg_wait(&wg);
    cr_assert_gt(g_task_child, 0);
    cr_assert_eq(wait_child(g_task_child), 0);
    goc_go_set_idle(0);
}

/* Fork while other threads get and put: a thread caught between reserving
 * a place in the bound and filling it (or between emptying a place and
 * giving it back) does not exist in the child, and its reservation used
 * to stay counted there for good, shrinking the child's bound (found by
 * review: in 125 of 200 children). The child recounts. Checked by
 * behaviour: empty the free list and the pool, then put back as many as
 * the bound allows: none may be dropped. */
enum { BOUND = 4 };
static goc_freelist *g_fl;
static goc_pool *g_pl;
static goc_atomic_bool g_churn_stop;
static void *new8(void *arg) { (void)arg; return malloc(8); }
static void free8(void *obj, void *arg) { (void)arg; free(obj); }
static void *churn(void *arg) {
    (void)arg;
    while (!goc_atomic_bool_load(&g_churn_stop)) {
        goc_freelist_put(g_fl, goc_freelist_get(g_fl));
        goc_pool_put(g_pl, goc_pool_get(g_pl));
    }
    return NULL;
}
static int child_bound_intact(void) {
    /* Empty both: get until a get has to allocate. The items stay with us
     * (the child exits at once): a free list's items may only go back to
     * it (GOC_FREE, which a custom allocator checks). */
    void *fresh[BOUND];
    for (int n = 0;; n++) {
        goc_freelist_counts c, d;
        goc_freelist_stats(g_fl, &c);
        void *x = goc_freelist_get(g_fl);
        goc_freelist_stats(g_fl, &d);
        if (d.gets - d.hits > c.gets - c.hits) { fresh[0] = x; break; }
        if (n == 64) return 10;
    }
    for (int i = 1; i < BOUND; i++) fresh[i] = goc_freelist_get(g_fl);   /* misses too */
    for (int n = 0;; n++) {
        goc_pool_counts c, d;
        goc_pool_stats(g_pl, &c);
        free(goc_pool_get(g_pl));
        goc_pool_stats(g_pl, &d);
        if (d.news > c.news) break;
        if (n == 64) return 12;
    }
    /* nothing is kept: the whole bound is room */
    goc_freelist_counts f0, f1;
    goc_pool_counts p0, p1;
    goc_freelist_stats(g_fl, &f0);
    goc_pool_stats(g_pl, &p0);
    for (int i = 0; i < BOUND; i++) {
        goc_freelist_put(g_fl, fresh[i]);
        goc_pool_put(g_pl, malloc(8));
    }
    goc_freelist_stats(g_fl, &f1);
    goc_pool_stats(g_pl, &p1);
    /* Without per-thread caches the churn lives on the ring, and a thread
     * caught inside a ring operation at the fork leaves its slot busy in
     * the child, which then drops (pool.h's FORK notes): not checked. */
    if (GOC_FREELIST_LOCAL > 0 && f1.drops != f0.drops) return 11;
    if (p1.frees != p0.frees) return 13;
    return 0;
}
Test(fork, idle_bound_is_recounted_in_the_child) {
    T_NO_TSAN();
    g_fl = goc_freelist_new(16, BOUND);
    g_pl = goc_pool_new(new8, free8, NULL, BOUND);
    goc_atomic_bool_store(&g_churn_stop, false);
    pthread_t t[2];
    for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, churn, NULL);
    int bad = 0;
    for (int i = 0; i < 100; i++) {
        t_sleep_ms(1);
        pid_t pid = fork();
        if (pid == 0) _exit(child_bound_intact());
        int code = wait_child(pid);
        if (code != 0) { bad++; fprintf(stderr, "fork %d: child code %d\n", i, code); }
    }
    goc_atomic_bool_store(&g_churn_stop, true);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    goc_freelist_free(g_fl);
    goc_pool_free(g_pl);
    cr_assert_eq(bad, 0, "%d of 100 children lost room in the bound", bad);
}

/* A fork while another thread sets a module up for the first time (its
 * fork handlers: goc_go's, the timer thread's, the wake descriptors', the
 * parking table's on the portable path). The child must not wait for an
 * init that no thread of its own runs (pthread_once's "in progress" stays
 * so in a musl child), must not share what the parent set up, and has
 * working handlers for a fork of its own. Each round starts from a fresh
 * process (none of goc is set up in this test's process). */
static int first_use(void) {
    goc_waitgroup wg = {0};
    if (goc_wg_go(&wg, bump, NULL) != GOC_OK) return 2;
    if (goc_wg_wait_timeout(&wg, 5 * GOC_SECOND) != GOC_OK) return 3;
    goc_chan *c = goc_after(GOC_MILLISECOND);
    int r = goc_chan_recv_timeout(c, NULL, 5 * GOC_SECOND);
    goc_chan_free(c);
    if (r != GOC_OK) return 4;
    int p[2];
    if (pipe(p) != 0) return 5;
    struct pollfd pf = { p[0], POLLIN, 0 };
    goc_case cs[1] = { goc_poll_case(&pf) };
    r = goc_select_timeout(cs, 1, 20 * GOC_MILLISECOND) == GOC_TIMEOUT ? 0 : 6;
    if (!r && write(p[1], "x", 1) != 1) r = 7;
    if (!r && goc_select_timeout(cs, 1, 5 * GOC_SECOND) != 0) r = 8;
    close(p[0]);
    close(p[1]);
    return r;
}
static void *first_use_thread(void *arg) { *(int *)arg = first_use(); return NULL; }
static int child_first_use_race(int delay_us) {
    int tr = -1;
    pthread_t t;
    if (pthread_create(&t, NULL, first_use_thread, &tr) != 0) return 20;
    if (delay_us) usleep((useconds_t)delay_us);
    pid_t g = fork();
    if (g == 0) {
        int r = first_use();
        if (r) _exit(r);
        pid_t gg = fork();              /* the handlers work here too */
        if (gg == 0) _exit(first_use());
        int rg = wait_child_for(gg, 12 * GOC_SECOND);
        _exit(rg == 0 ? 0 : rg < 0 ? 31 : 30);
    }
    int r = wait_child_for(g, 16 * GOC_SECOND);
    pthread_join(t, NULL);
    return r ? 40 + (r & 0x3f) : tr;
}
Test(fork, fork_while_another_thread_sets_goc_up) {
    T_NO_TSAN();
    T_NO_ASAN();
    /* Failed now and then in the matrix (spin-0 and musl rows) until the
     * modules' fork handlers were registered before main (atomic.h's
     * GOC__FORK_AT_LOAD; test_hooks' fork_handlers_registered_at_load):
     * registered at first use, a fork racing that use left them out. */
    for (int i = 0; i < 120; i++) {
        pid_t d = fork();
        if (d == 0) {
            setpgid(0, 0);              /* so that a hung grandchild goes with it */
            _exit(child_first_use_race(i % 6 * 20));
        }
        setpgid(d, d);
        /* Each level waits longer than the one inside it (first_use's
         * steps 5 s, the grandchild 12 s, the child 16 s), so that the
         * code says which level failed. */
        int code = wait_child_for(d, 20 * GOC_SECOND);
        kill(-d, SIGKILL);
        if (code != 0) fprintf(stderr, "fork: round %d: code %d\n", i, code);   /* the shim prints no message */
        cr_assert_eq(code, 0, "round %d: code %d", i, code);
    }
}
