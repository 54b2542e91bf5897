/* GOC_DEBUG: the registry of blocked operations (goc_debug_dump, names),
 * the GOC_DEBUG_WARN watchdog, and misuse turned into GOC_PANIC. This file
 * compiles goc's implementation itself, with GOC_DEBUG. */
#define _DEFAULT_SOURCE 1
#ifndef GOC_DEBUG
#  define GOC_DEBUG 1
#endif
/* The WaitGroup's zero-to-waker window, for the reuse test below. */
static void (*g_wg_zero_hook)(void);
#define GOC__TEST_HOOK_WG_ZERO() do { if (g_wg_zero_hook) g_wg_zero_hook(); } while (0)
#define GOC_IMPLEMENTATION
#include "context.h"
#include "testutil.h"
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(debug, .timeout = 60);

#define MS GOC_MILLISECOND

/* What goc_debug_dump prints now. */
static char *t_dump(void) {
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    goc_debug_dump(f);
    long n = ftell(f);
    char *s = calloc(1, (size_t)n + 1);
    rewind(f);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return s;
}

/* Waits until the dump mentions every one of the strings (or 5 s). */
static char *t_dump_until(const char *const *want, int n) {
    for (int64_t end = t_now() + 5 * GOC_SECOND;; t_sleep_ms(5)) {
        char *s = t_dump();
        int k = 0;
        while (k < n && strstr(s, want[k])) k++;
        if (k == n || t_now() > end) return s;
        free(s);
    }
}

static goc_chan *g_unbuf, *g_buf, *g_sel;
static goc_mutex g_mu;
static goc_rwmutex g_rw;
static goc_waitgroup g_wg;
static goc_cond g_cv;
static goc_mutex g_cvmu;
static goc_sem g_sem;
static goc_once g_once;
static goc_atomic_i32 g_cv_go;
static int g_pipe[2];

static void *recv_unbuf(void *a) { (void)a; int v; goc_chan_recv(g_unbuf, &v); return NULL; }
static void *send_buf(void *a) {
    (void)a;
    int v = 1;
    while (goc_chan_send(g_buf, &v) == GOC_OK) {}   /* fills it, then blocks */
    return NULL;
}
static void *select_wait(void *a) {
    (void)a;
    int v;
    struct pollfd pf = { g_pipe[0], POLLIN, 0 };
    goc_case cs[3] = { goc_recv_case(g_sel, &v), goc_recv_case(NULL, &v), goc_poll_case(&pf) };
    goc_select(cs, 3);
    return NULL;
}
static void *lock_mu(void *a) { (void)a; goc_mutex_lock(&g_mu); goc_mutex_unlock(&g_mu); return NULL; }
static void *rlock_rw(void *a) { (void)a; goc_rwmutex_rlock(&g_rw); goc_rwmutex_runlock(&g_rw); return NULL; }
static void *wait_wg(void *a) { (void)a; goc_wg_wait(&g_wg); return NULL; }
static void *wait_cv(void *a) {
    (void)a;
    goc_mutex_lock(&g_cvmu);
    while (!goc_atomic_i32_load(&g_cv_go)) goc_cond_wait(&g_cv, &g_cvmu);
    goc_mutex_unlock(&g_cvmu);
    return NULL;
}
static void *acquire_sem(void *a) { (void)a; goc_sem_acquire(&g_sem, 1); goc_sem_release(&g_sem, 1); return NULL; }
static void slow_once(void *a) { (void)a; t_sleep_ms(1500); }
static void *do_once(void *a) { (void)a; goc_once_do(&g_once, slow_once, NULL); return NULL; }

Test(debug, dump_names_every_blocked_operation) {
    g_unbuf = goc_chan_make(sizeof(int), 0);
    g_buf = goc_chan_make(sizeof(int), 2);
    g_sel = goc_chan_make(sizeof(int), 0);
    goc_chan_set_name(g_unbuf, "requests");
    goc_chan_set_name(g_buf, "a name longer than the thirty-one bytes kept");
    goc_chan_set_name(g_sel, "replies");
    cr_assert_eq(pipe(g_pipe), 0);
    goc_mutex_lock(&g_mu);
    goc_rwmutex_lock(&g_rw);
    goc_wg_add(&g_wg, 1);
    goc_sem_init(&g_sem, 1);
    goc_sem_acquire(&g_sem, 1);
    t_threads th = {0};
    void *(*fns[])(void *) = { recv_unbuf, send_buf, select_wait, lock_mu, rlock_rw, wait_wg, wait_cv, acquire_sem };
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) t_spawn(&th, fns[i], NULL);
    t_spawn(&th, do_once, NULL);
    t_spawn(&th, do_once, NULL);
    const char *want[] = { "chan recv", "'requests'", "chan send", "'a name longer than the thirty-", "select wait",
                           "recv 'replies'", "poll fd", "mutex lock", "rwmutex rlock", "waitgroup wait",
                           "cond wait", "semaphore acquire", "once do", "blocked 0." };
    char *s = t_dump_until(want, (int)(sizeof want / sizeof *want));
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) cr_assert(strstr(s, want[i]), "no \"%s\" in:\n%s", want[i], s);
    /* 8 threads, and one of the two once callers (the other runs fn) */
    cr_assert(strstr(s, "goc: 9 blocked operations"), "%s", s);
    free(s);
    /* let every one go */
    goc_chan_close(g_unbuf);
    int v;
    while (goc_chan_try_recv(g_buf, &v) == GOC_OK) {}
    goc_chan_close(g_buf);
    goc_chan_close(g_sel);
    goc_mutex_unlock(&g_mu);
    goc_rwmutex_unlock(&g_rw);
    goc_wg_done(&g_wg);
    goc_mutex_lock(&g_cvmu);
    goc_atomic_i32_store(&g_cv_go, 1);
    goc_cond_broadcast(&g_cv);
    goc_mutex_unlock(&g_cvmu);
    goc_sem_release(&g_sem, 1);
    t_join(&th);
    s = t_dump();
    cr_assert(strstr(s, "goc: 0 blocked operations"), "after: %s", s);
    free(s);
    goc_chan_free(g_unbuf);
    goc_chan_free(g_buf);
    goc_chan_free(g_sel);
    close(g_pipe[0]);
    close(g_pipe[1]);
}

/* A timed-out wait leaves the registry too. */
Test(debug, timeouts_leave_the_registry) {
    goc_chan *c = goc_chan_make(sizeof(int), 0), *b = goc_chan_make(sizeof(int), 1);
    int v = 0;
    cr_assert_eq(goc_chan_recv_timeout(c, &v, 20 * MS), GOC_TIMEOUT);
    cr_assert_eq(goc_chan_recv_timeout(b, &v, 20 * MS), GOC_TIMEOUT);
    goc_case cs[2] = { goc_recv_case(c, &v), goc_recv_case(b, &v) };
    cr_assert_eq(goc_select_timeout(cs, 2, 20 * MS), GOC_TIMEOUT);
    goc_mutex m = {0};
    goc_mutex_lock(&m);
    cr_assert_eq(goc_mutex_lock_timeout(&m, 20 * MS), GOC_TIMEOUT);
    char *s = t_dump();
    cr_assert(strstr(s, "goc: 0 blocked operations"), "%s", s);
    free(s);
    goc_chan_set_name(NULL, "x");
    goc_chan_free(c);
    goc_chan_free(b);
}

/* GOC_DEBUG_WARN: an operation blocked longer than that is reported once,
 * on stderr, while it still waits. */
Test(debug, warn_reports_a_long_wait) {
    setenv("GOC_DEBUG_WARN", "0.05", 1);
    char path[] = "/tmp/goc-debug-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    fflush(stderr);
    int saved = dup(2);
    cr_assert_eq(dup2(fd, 2), 2);
    goc_chan *c = goc_chan_make(sizeof(int), 0);
    goc_chan_set_name(c, "stuck");
    cr_assert_eq(goc_chan_recv_timeout(c, NULL, 300 * MS), GOC_TIMEOUT);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char buf[4096] = "";
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    cr_assert_gt(n, 0, "nothing on stderr");
    close(fd);
    unlink(path);
    cr_assert(strstr(buf, "GOC_DEBUG_WARN"), "%s", buf);
    cr_assert(strstr(buf, "chan recv"), "%s", buf);
    cr_assert(strstr(buf, "'stuck'"), "%s", buf);
    char *second = strstr(strstr(buf, "GOC_DEBUG_WARN") + 1, "GOC_DEBUG_WARN");
    cr_assert_null(second, "reported once: %s", buf);
    goc_chan_free(c);
}

/* Freeing the last reference of a channel a thread is blocked on: a clear
 * GOC_PANIC (abort) instead of a use after free. */
static void *recv_forever(void *a) { int v; goc_chan_recv((goc_chan *)a, &v); return NULL; }

Test(debug, free_with_a_blocked_receiver_panics, .signal = SIGABRT) {
    goc_chan *c = goc_chan_make(sizeof(int), 0);
    t_threads th = {0};
    t_spawn(&th, recv_forever, c);
    const char *want[] = { "chan recv" };
    free(t_dump_until(want, 1));
    goc_chan_free(c);
}

static void *select_forever(void *a) {
    int v;
    goc_case cs[1] = { goc_recv_case((goc_chan *)a, &v) };
    goc_select(cs, 1);
    return NULL;
}

Test(debug, free_with_a_blocked_select_panics, .signal = SIGABRT) {
    goc_chan *c = goc_chan_make(sizeof(int), 4);
    t_threads th = {0};
    t_spawn(&th, select_forever, c);
    const char *want[] = { "select wait" };
    free(t_dump_until(want, 1));
    goc_chan_free(c);
}

/* Runs fn in a child whose stderr is a pipe: true when the child died of
 * SIGABRT having printed want. */
static void t_panics_with(void (*fn)(void), const char *want) {
    int p[2];
    cr_assert_eq(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(p[1], 2);
        fn();
        _exit(0);
    }
    close(p[1]);
    char buf[512] = "";
    size_t have = 0;
    ssize_t k;
    while (have < sizeof buf - 1 && (k = read(p[0], buf + have, sizeof buf - 1 - have)) > 0) have += (size_t)k;
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "status %d, stderr: %s", st, buf);
    cr_assert(strstr(buf, want), "no \"%s\" in: %s", want, buf);
}

/* The panic's message says what happened. */
static void free_blocked(void) {
    goc_chan *c = goc_chan_make(sizeof(int), 0);
    pthread_t t;
    pthread_create(&t, NULL, recv_forever, c);
    for (;;) {
        char *s = t_dump();
        bool in = strstr(s, "chan recv") != NULL;
        free(s);
        if (in) break;
        t_sleep_ms(2);
    }
    goc_chan_free(c);
}

Test(debug, the_panic_says_why) {
    t_panics_with(free_blocked, "goc: goc_chan_free: the last reference to a channel that a thread is blocked on");
}

/* The last free while another thread is inside an operation that does not
 * block (here a try_send / try_recv of 4 MB values, so that the loop is
 * inside one nearly all the time): a panic, not a use after free. */
static goc_chan *g_big;
static goc_atomic_i32 g_big_started;
static void *big_try_loop(void *a) {
    (void)a;
    size_t sz = 4u << 20;
    char *v = calloc(1, sz);
    goc_atomic_i32_store(&g_big_started, 1);
    for (;;) {
        goc_chan_try_send(g_big, v);
        goc_chan_try_recv(g_big, v);
    }
    return NULL;
}
/* Free g_big while `loop` runs on another thread, inside calls on it. */
static void free_while(void *(*loop)(void *)) {
    g_big = goc_chan_make(4u << 20, 1);
    pthread_t t;
    pthread_create(&t, NULL, loop, NULL);
    while (!goc_atomic_i32_load(&g_big_started)) t_sleep_ms(1);
    t_sleep_ms(20);
    goc_chan_free(g_big);
}
static void free_inside(void) { free_while(big_try_loop); }

Test(debug, free_while_another_thread_is_inside_a_try_panics) {
    t_panics_with(free_inside, "still inside an operation");
}

/* The same inside selects that do not block: goc_select_try sending a 4 MB
 * value (beside a NULL channel's case), then one receiving it. */
static void *big_select_loop(void *a) {
    (void)a;
    size_t sz = 4u << 20;
    char *v = calloc(1, sz), *w = calloc(1, sz);
    goc_atomic_i32_store(&g_big_started, 1);
    for (;;) {
        goc_case cs[2] = { goc_send_case(g_big, v), goc_recv_case(NULL, NULL) };
        goc_select_try(cs, 2);
        goc_case cr[1] = { goc_recv_case(g_big, w) };
        goc_select_try(cr, 1);
    }
    return NULL;
}
static void free_inside_select(void) { free_while(big_select_loop); }

Test(debug, free_while_another_thread_is_inside_a_select_panics) {
    t_panics_with(free_inside_select, "still inside an operation");
}

/* What the rule allows does not panic: every thread with its own reference
 * (freed as it leaves), in either order, 2,000 times over on both kinds of
 * channel; and a timer's channel (whose owner's hook waits for the timer
 * thread's send). */
static void *send_and_free(void *a) {
    goc_chan *c = (goc_chan *)a;
    int v = 7;
    goc_chan_send(c, &v);
    goc_chan_free(c);
    return NULL;
}

Test(debug, own_references_never_panic) {
    for (int i = 0; i < 2000; i++) {
        goc_chan *c = goc_chan_make(sizeof(int), (size_t)(i % 2));
        goc_chan_retain(c);
        pthread_t t;
        cr_assert_eq(pthread_create(&t, NULL, send_and_free, c), 0);
        int v = 0;
        cr_assert_eq(goc_chan_recv(c, &v), GOC_OK);
        cr_assert_eq(v, 7);
        goc_chan_free(c);   /* the last one, or the sender's is */
        pthread_join(t, NULL);
    }
    for (int i = 0; i < 200; i++) {
        goc_chan *c = goc_after(GOC_MICROSECOND * (i % 3));
        if (i % 2) goc_chan_recv(c, NULL);
        goc_chan_free(c);
    }
}

/* A WaitGroup reused before a Wait returned: Go panics, and so does goc
 * with GOC_DEBUG (without it the waiter would miss the 0 and wait for the
 * next one). The waiter is asleep when the counter goes 1 -> 0 -> 1: the
 * new round's add is made by the test hook between the zero and the wake,
 * so the waiter cannot run in between (it did, in every one of 50 rounds
 * of an earlier version under GOC_SPIN=0 in the matrix: the wake can run
 * the waiter at once). A round whose waiter was not asleep yet repeats. */
static goc_waitgroup g_reuse;
static void reuse_at_zero(void) {
    g_wg_zero_hook = NULL;          /* once: the add below reaches 1, not 0 */
    goc_wg_add(&g_reuse, 1);
}
static void *wait_reuse(void *a) { (void)a; goc_wg_wait(&g_reuse); return NULL; }
static void wg_reuse(void) {
    for (int round = 0; round < 50; round++) {
        goc_wg_add(&g_reuse, 1);
        pthread_t t;
        pthread_create(&t, NULL, wait_reuse, NULL);
        for (;;) {
            char *s = t_dump();
            bool in = strstr(s, "waitgroup wait") != NULL;
            free(s);
            if (in) break;
            t_sleep_ms(1);
        }
        t_sleep_ms(20);                 /* asleep in the futex by now */
        g_wg_zero_hook = reuse_at_zero;
        goc_wg_done(&g_reuse);          /* the reuse: a new round before the wake */
        if (g_wg_zero_hook) {           /* the waiter was not asleep: no hook ran */
            g_wg_zero_hook = NULL;
            goc_wg_add(&g_reuse, 1);
        }
        t_sleep_ms(50);
        goc_wg_done(&g_reuse);
        pthread_join(t, NULL);
    }
}

Test(debug, waitgroup_reused_before_wait_returned_panics) {
    t_panics_with(wg_reuse, "goc: sync: WaitGroup is reused before previous Wait has returned");
}

/* Reuse after every Wait returned is fine, and a timed-out Wait is not a
 * Wait in progress. */
Test(debug, waitgroup_reuse_after_wait_is_fine) {
    goc_waitgroup wg = {0};
    for (int i = 0; i < 100000; i++) {
        goc_wg_add(&wg, 2);
        goc_wg_done(&wg);
        cr_assert_eq(goc_wg_wait_timeout(&wg, 0), GOC_TIMEOUT);
        goc_wg_done(&wg);
        goc_wg_wait(&wg);
    }
    goc_wg_add(&wg, 1);
    cr_assert_eq(goc_wg_wait_timeout(&wg, 5 * MS), GOC_TIMEOUT);
    goc_wg_done(&wg);
    goc_wg_add(&wg, 1);
    goc_wg_done(&wg);
    goc_wg_wait(&wg);
}

/* "Freeing a locked mutex": goc's mutexes need no free (their zero value
 * is all they are), so the check is made where goc frees a lock itself -
 * the channel's (above), the object pool's store lock, the striped map's
 * stripe locks: held at the free means another thread is inside a call. */
static goc_atomic_i32 g_in_fn;
#if GOC__SMAP_FOUND && !defined(GOC_NO_SMAP)
static bool range_slowly(const goc_smap_entry *e, void *arg) {
    (void)e; (void)arg;
    goc_atomic_i32_store(&g_in_fn, 1);
    t_sleep_ms(2000);                   /* inside goc_smap_range, read lock held */
    return false;
}
static bool range_slowly_never(const goc_smap_entry *e, void *arg) {
    (void)e; (void)arg;
    return true;
}
static void *range_thread(void *a) {
    goc_smap_range((goc_smap *)a, range_slowly, NULL);
    return NULL;
}
static void smap_free_in_use(void) {
    goc_smap *m = goc_smap_new(4);
    goc_smap_put(m, 1, NULL);
    pthread_t t;
    pthread_create(&t, NULL, range_thread, m);
    while (!goc_atomic_i32_load(&g_in_fn)) t_sleep_ms(1);
    goc_smap_free(m);
}
Test(debug, smap_free_while_another_thread_ranges_panics) {
    t_panics_with(smap_free_in_use, "goc: sync: goc_smap_free of a map whose stripe lock another thread holds");
}
#endif

static void *hold_pool_lock(void *a) {
    goc_pool *p = (goc_pool *)a;
    goc_mutex_lock(&p->lock);           /* as a get or put visiting the store */
    goc_atomic_i32_store(&g_in_fn, 1);
    t_sleep_ms(2000);
    goc_mutex_unlock(&p->lock);
    return NULL;
}
static void pool_free_in_use(void) {
    goc_pool *p = goc_pool_new(NULL, NULL, NULL, 64);
    pthread_t t;
    pthread_create(&t, NULL, hold_pool_lock, p);
    while (!goc_atomic_i32_load(&g_in_fn)) t_sleep_ms(1);
    goc_pool_free(p);
}
Test(debug, pool_free_while_its_lock_is_held_panics) {
    t_panics_with(pool_free_in_use, "goc: pool: goc_pool_free of a pool whose lock another thread holds");
}

/* And a quiet free of both does not panic (a million put/get first). */
Test(debug, quiet_frees_never_panic) {
    goc_pool *p = goc_pool_new(NULL, NULL, NULL, 64);
    int objs[100];
    for (int i = 0; i < 1000000; i++) {
        goc_pool_put(p, &objs[i % 100]);
        (void)goc_pool_get(p);
    }
    goc_pool_free(p);
#if GOC__SMAP_FOUND && !defined(GOC_NO_SMAP)
    goc_smap *m = goc_smap_new(4);
    for (uint64_t k = 0; k < 1000; k++) goc_smap_put(m, k, NULL);
    goc_smap_range(m, range_slowly_never, NULL);
    goc_smap_free(m);
#endif
}
