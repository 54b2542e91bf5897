/* pool.h: goc_go and goc_wg_go, the worker pool, the leaky free list and
 * the object pool. */
#include "testutil.h"
#include <errno.h>
#include <string.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

TestSuite(pool, .timeout = 120);

/* ---- goc_go ------------------------------------------------------------------ */

static goc_atomic_i64 ran;
static void count_run(void *arg) { (void)arg; goc_atomic_i64_add(&ran, 1); }

Test(pool, go_runs_tasks_and_reuses_threads) {
    goc_atomic_i64_store(&ran, 0);
    goc_waitgroup wg = {0};
    goc_go_counts before, after;
    goc_go_stats(&before);
    int n = T_ITERS(20000);
    for (int i = 0; i < n; i++) {
        cr_assert_eq(goc_wg_go(&wg, count_run, NULL), GOC_OK);
        goc_wg_wait(&wg);
    }
    cr_assert_eq(goc_atomic_i64_load(&ran), n);
    goc_go_stats(&after);
    cr_assert_eq(after.spawns - before.spawns, (uint64_t)n);
    /* Spawn-and-wait hands every task to an idle thread: a handful of
     * threads at most, not one per task. */
    cr_assert_lt(after.created - before.created, 16, "created %llu threads",
                 (unsigned long long)(after.created - before.created));
    cr_assert_geq(after.live, 1);
}

/* goc's threads carry their names (pool.h's THREAD NAMES), as the task
 * running on one sees. */
#if defined(__linux__)
typedef struct { goc_waitgroup wg; char name[16]; } name_probe;
static void read_name(void *arg) {
    name_probe *p = arg;
    memset(p->name, 0, sizeof p->name);
    prctl(PR_GET_NAME, (unsigned long)p->name, 0UL, 0UL, 0UL);
}
static void read_name_done(void *arg) { read_name(arg); goc_wg_done(&((name_probe *)arg)->wg); }

Test(pool, threads_carry_names) {
    name_probe p = {0};
    cr_assert_eq(goc_wg_go(&p.wg, read_name, &p), GOC_OK);
    goc_wg_wait(&p.wg);
    cr_assert_str_eq(p.name, "goc-go");
    goc_workers *w = goc_workers_new(1, 1);
    cr_assert_not_null(w);
    goc_wg_add(&p.wg, 1);
    cr_assert_eq(goc_workers_submit(w, read_name_done, &p), GOC_OK);
    goc_wg_wait(&p.wg);
    cr_assert_str_eq(p.name, "goc-worker");
    goc_workers_free(w);
}
#endif

Test(pool, go_misuse) {
    goc_waitgroup wg = {0};
    cr_assert_eq(goc_go(NULL, NULL), GOC_EINVAL);
    cr_assert_eq(goc_wg_go(&wg, NULL, NULL), GOC_EINVAL);
    cr_assert_eq(goc_wg_go(NULL, count_run, NULL), GOC_EINVAL);
    cr_assert_eq(goc_wg_wait_timeout(&wg, 0), GOC_OK, "a failed wg_go leaves the counter alone");
}

/* The token chain: task i waits for the token from task i+1, which is
 * started after it. With any cap on tasks running at once this deadlocks;
 * every one must be running at the same time before the first finishes. */
typedef struct chain { goc_chan *in, *out; } chain;
static void chain_link(void *arg) {
    chain *c = arg;
    int v = 0;
    T_CHECK(goc_chan_recv(c->in, &v) == GOC_OK);
    v++;
    T_CHECK(goc_chan_send(c->out, &v) == GOC_OK);
}

Test(pool, go_token_chain_has_no_cap) {
    /* 10,000 blocked threads; sanitizers keep far fewer threads alive. */
    int n = T_SCALE > 1 ? 500 : 10000;
    goc_chan **ch = calloc((size_t)n + 1, sizeof *ch);
    chain *links = calloc((size_t)n, sizeof *links);
    cr_assert(ch && links);
    for (int i = 0; i <= n; i++) cr_assert_not_null(ch[i] = goc_chan_make(sizeof(int), 0));
    goc_waitgroup wg = {0};
    for (int i = 0; i < n; i++) {
        links[i] = (chain){ ch[i + 1], ch[i] };   /* reads from the right, writes to the left */
        cr_assert_eq(goc_wg_go(&wg, chain_link, &links[i]), GOC_OK);
    }
    int v = 0, got = -1;
    cr_assert_eq(goc_chan_send(ch[n], &v), GOC_OK);
    cr_assert_eq(goc_chan_recv(ch[0], &got), GOC_OK);
    cr_assert_eq(got, n);
    goc_wg_wait(&wg);
    T_NO_FAILURES();
    for (int i = 0; i <= n; i++) goc_chan_free(ch[i]);
    free(ch);
    free(links);
}

static goc_waitgroup spawn_wg;
static void *spawner(void *arg) {
    (void)arg;
    for (int i = 0; i < T_ITERS(5000); i++) T_CHECK(goc_wg_go(&spawn_wg, count_run, NULL) == GOC_OK);
    return NULL;
}

Test(pool, go_from_many_threads_at_once) {
    goc_atomic_i64_store(&ran, 0);
    t_threads th = {0};
    for (int i = 0; i < 8; i++) t_spawn(&th, spawner, NULL);
    t_join(&th);
    goc_wg_wait(&spawn_wg);
    T_NO_FAILURES();
    cr_assert_eq(goc_atomic_i64_load(&ran), 8 * T_ITERS(5000));
}

static void nap(void *arg) { (void)arg; t_sleep_ms(1); }

Test(pool, go_idle_threads_exit_after_keep_alive) {
    goc_go_set_idle(50 * GOC_MILLISECOND);
    goc_waitgroup wg = {0};
    for (int i = 0; i < 8; i++) cr_assert_eq(goc_wg_go(&wg, nap, NULL), GOC_OK);
    goc_wg_wait(&wg);
    goc_go_counts c;
    int64_t end = t_now() + 5 * GOC_SECOND;
    do { t_sleep_ms(10); goc_go_stats(&c); } while (c.live > 0 && t_now() < end);
    goc_go_set_idle(3 * GOC_SECOND);
    cr_assert_eq(c.live, 0, "%zu threads still alive", c.live);
    cr_assert_eq(c.idle, 0);
    /* and spawning works again afterwards */
    cr_assert_eq(goc_wg_go(&wg, count_run, NULL), GOC_OK);
    goc_wg_wait(&wg);
}

/* ---- worker pool ----------------------------------------------------------------- */

static unsigned char *job_seen;
static void mark_job(void *arg) {
    size_t i = (size_t)(uintptr_t)arg;
    unsigned char prev = __atomic_fetch_add(&job_seen[i], 1, __ATOMIC_RELAXED);
    T_CHECK(prev == 0);
}

Test(pool, workers_run_every_job_exactly_once) {
    size_t n = (size_t)T_ITERS(100000);
    job_seen = calloc(n, 1);
    goc_workers *w = goc_workers_new(4, 64);
    cr_assert_not_null(w);
    for (size_t i = 0; i < n; i++) cr_assert_eq(goc_workers_submit(w, mark_job, (void *)(uintptr_t)i), GOC_OK);
    goc_workers_wait(w);
    for (size_t i = 0; i < n; i++) cr_assert_eq(job_seen[i], 1, "job %zu ran %d times", i, job_seen[i]);
    goc_workers_free(w);
    T_NO_FAILURES();
    free(job_seen);
}

static goc_chan *gate;
static void wait_gate(void *arg) { (void)arg; goc_chan_recv(gate, NULL); }

Test(pool, workers_backpressure_try_and_timeout) {
    gate = goc_chan_make(0, 0);
    goc_workers *w = goc_workers_new(1, 2);
    cr_assert_not_null(w);
    goc_atomic_i64_store(&ran, 0);
    cr_assert_eq(goc_workers_submit(w, wait_gate, NULL), GOC_OK);   /* the worker blocks in it */
    /* the queue takes 2 more, wherever the worker is */
    int queued = 0;
    int64_t end = t_now() + 5 * GOC_SECOND;
    while (queued < 2 && t_now() < end)
        if (goc_workers_try_submit(w, count_run, NULL) == GOC_OK) queued++;
    cr_assert_eq(queued, 2);
    t_sleep_ms(20);
    cr_assert_eq(goc_workers_try_submit(w, count_run, NULL), GOC_WOULDBLOCK);
    int64_t t0 = t_now();
    cr_assert_eq(goc_workers_submit_timeout(w, count_run, NULL, 30 * GOC_MILLISECOND), GOC_TIMEOUT);
    cr_assert_geq(t_now() - t0, 30 * GOC_MILLISECOND);
    cr_assert_eq(goc_workers_submit_timeout(w, count_run, NULL, 0), GOC_TIMEOUT);
    cr_assert_eq(goc_workers_wait_timeout(w, 10 * GOC_MILLISECOND), GOC_TIMEOUT);
    goc_chan_close(gate);
    goc_workers_wait(w);
    cr_assert_eq(goc_atomic_i64_load(&ran), 2);
    goc_workers_free(w);
    goc_chan_free(gate);
}

Test(pool, workers_close_runs_queued_jobs_then_refuses) {
    gate = goc_chan_make(0, 0);
    goc_workers *w = goc_workers_new(2, 100);
    goc_atomic_i64_store(&ran, 0);
    cr_assert_eq(goc_workers_submit(w, wait_gate, NULL), GOC_OK);
    cr_assert_eq(goc_workers_submit(w, wait_gate, NULL), GOC_OK);
    for (int i = 0; i < 100; i++) cr_assert_eq(goc_workers_submit(w, count_run, NULL), GOC_OK);
    goc_chan_close(gate);
    goc_workers_close(w);     /* joins: every queued job has run */
    cr_assert_eq(goc_atomic_i64_load(&ran), 100);
    cr_assert_eq(goc_workers_submit(w, count_run, NULL), GOC_CLOSED);
    cr_assert_eq(goc_workers_try_submit(w, count_run, NULL), GOC_CLOSED);
    cr_assert_eq(goc_workers_submit_timeout(w, count_run, NULL, GOC_MILLISECOND), GOC_CLOSED);
    goc_workers_close(w);     /* twice is fine */
    goc_workers_wait(w);      /* nothing pending */
    goc_workers_free(w);
    goc_chan_free(gate);
}

/* Jobs that submit more jobs, into a queue that is full: runs inline. */
static goc_workers *nest_w;
static void nested_leaf(void *arg) { (void)arg; goc_atomic_i64_add(&ran, 1); }
static void nested_root(void *arg) {
    (void)arg;
    for (int i = 0; i < 50; i++) T_CHECK(goc_workers_submit(nest_w, nested_leaf, NULL) == GOC_OK);
    errno = 0;
    goc_workers_wait(nest_w);           /* would wait for itself */
    T_CHECK(errno == EDEADLK);
    errno = 0;
    goc_workers_free(nest_w);           /* would join itself */
    T_CHECK(errno == EDEADLK);
    T_CHECK(goc_workers_wait_timeout(nest_w, GOC_MILLISECOND) == GOC_EINVAL);
}

Test(pool, workers_submit_wait_close_free_from_inside_a_job) {
    goc_atomic_i64_store(&ran, 0);
    nest_w = goc_workers_new(2, 1);
    for (int i = 0; i < 4; i++) cr_assert_eq(goc_workers_submit(nest_w, nested_root, NULL), GOC_OK);
    goc_workers_wait(nest_w);
    T_NO_FAILURES();
    cr_assert_eq(goc_atomic_i64_load(&ran), 200);
    goc_workers_free(nest_w);
}

static void close_inside(void *arg) {
    (void)arg;
    errno = 0;
    goc_workers_close(nest_w);
    T_CHECK(errno == EDEADLK);
    T_CHECK(goc_workers_try_submit(nest_w, nested_leaf, NULL) == GOC_CLOSED);
}

Test(pool, workers_close_from_inside_refuses_without_joining) {
    nest_w = goc_workers_new(1, 4);
    cr_assert_eq(goc_workers_submit(nest_w, close_inside, NULL), GOC_OK);
    goc_workers_wait(nest_w);
    T_NO_FAILURES();
    cr_assert_eq(goc_workers_submit(nest_w, nested_leaf, NULL), GOC_CLOSED);
    goc_workers_free(nest_w);   /* joins here */
}

Test(pool, workers_misuse) {
    errno = 0;
    cr_assert_null(goc_workers_new(0, 4));
    cr_assert_eq(errno, EINVAL);
    cr_assert_eq(goc_workers_submit(NULL, count_run, NULL), GOC_EINVAL);
    goc_workers *w = goc_workers_new(1, 0);    /* unbuffered: submit meets a free worker */
    cr_assert_not_null(w);
    cr_assert_eq(goc_workers_submit(w, NULL, NULL), GOC_EINVAL);
    goc_atomic_i64_store(&ran, 0);
    for (int i = 0; i < 100; i++) cr_assert_eq(goc_workers_submit(w, count_run, NULL), GOC_OK);
    goc_workers_wait(w);
    cr_assert_eq(goc_atomic_i64_load(&ran), 100);
    goc_workers_free(w);
    goc_workers_wait(NULL);
    goc_workers_close(NULL);
    goc_workers_free(NULL);
}

/* ---- leaky free list ------------------------------------------------------------- */

Test(pool, freelist_reuses_and_counts) {
    goc_freelist_counts k;
#if GOC_FREELIST_LOCAL == 0            /* the ring alone (make matrix builds this) */
    goc_freelist *f = goc_freelist_new(64, 2);
    cr_assert_not_null(f);
    void *a = goc_freelist_get(f), *b = goc_freelist_get(f), *c = goc_freelist_get(f);
    cr_assert(a && b && c);
    goc_freelist_put(f, a);
    goc_freelist_put(f, b);
    goc_freelist_put(f, c);               /* no room: freed */
    void *x = goc_freelist_get(f), *y = goc_freelist_get(f);
    cr_assert(x == a && y == b, "FIFO reuse of what was kept");
    goc_freelist_put(f, x);
    goc_freelist_stats(f, &k);
    cr_assert(k.gets == 5 && k.hits == 2 && k.puts == 4 && k.drops == 1);
    goc_freelist_put(f, y);
    goc_freelist_free(f);
#elif GOC_FREELIST_LOCAL >= 2
    /* max_free 2 bounds the items kept in total: this thread's cache takes
     * the first 2 puts, the other 3 are freed (the ring is never reached) */
    goc_freelist *f = goc_freelist_new(64, 2);
    cr_assert_not_null(f);
    void *it[5];
    for (int i = 0; i < 5; i++) cr_assert_not_null(it[i] = goc_freelist_get(f));
    memset(it[0], 1, 64);
    for (int i = 0; i < 5; i++) goc_freelist_put(f, it[i]);   /* it[2..4]: no room, freed */
    goc_freelist_stats(f, &k);
    cr_assert(k.gets == 5 && k.hits == 0 && k.puts == 5 && k.drops == 3,
              "gets %llu hits %llu puts %llu drops %llu", (unsigned long long)k.gets,
              (unsigned long long)k.hits, (unsigned long long)k.puts, (unsigned long long)k.drops);
    void *x = goc_freelist_get(f), *y = goc_freelist_get(f);
    cr_assert(x == it[1] && y == it[0], "the thread's own cache, last in first out");
    void *z = goc_freelist_get(f);        /* nothing kept: fresh */
    cr_assert_not_null(z);
    goc_freelist_put(f, x);
    goc_freelist_put(f, NULL);            /* ignored */
    goc_freelist_stats(f, &k);
    cr_assert_eq(k.gets, 8);
    cr_assert_eq(k.hits, 2);
    cr_assert_eq(k.puts, 6);
    cr_assert_eq(k.drops, 3);
    goc_freelist_put(f, y);
    goc_freelist_put(f, z);               /* the third: freed */
    goc_freelist_stats(f, &k);
    cr_assert(k.puts == 8 && k.drops == 4);
    goc_freelist_free(f);                 /* frees x, y (the cache): ASan, no leak */
#endif

    goc_freelist *none = goc_freelist_new(16, 0);   /* keeps nothing */
    void *p = goc_freelist_get(none);
    goc_freelist_put(none, p);
    goc_freelist_stats(none, &k);
    cr_assert(k.gets == 1 && k.hits == 0 && k.puts == 1 && k.drops == 1);
    goc_freelist_free(none);
    errno = 0;
    cr_assert_null(goc_freelist_new(0, 4));
    cr_assert_eq(errno, EINVAL);
    cr_assert_null(goc_freelist_get(NULL));
    goc_freelist_free(NULL);
}

static goc_freelist *shared_fl;
static void *fl_worker(void *arg) {
    long id = (long)(intptr_t)arg;
    for (int i = 0; i < T_ITERS(200000); i++) {
        long *p = goc_freelist_get(shared_fl);
        T_CHECK(p != NULL);
        *p = id;                      /* ours alone while we hold it */
        for (int k = 0; k < 3; k++) T_CHECK(*p == id);
        goc_freelist_put(shared_fl, p);
    }
    return NULL;
}

Test(pool, freelist_concurrent_get_put) {
    shared_fl = goc_freelist_new(sizeof(long), 4);
    t_threads th = {0};
    for (long i = 0; i < 4; i++) t_spawn(&th, fl_worker, (void *)(intptr_t)i);
    t_join(&th);
    T_NO_FAILURES();
    goc_freelist_counts k;
    goc_freelist_stats(shared_fl, &k);
    cr_assert_eq(k.gets, 4 * (uint64_t)T_ITERS(200000));
    cr_assert_eq(k.puts, k.gets);
    /* every get was a hit or a fresh allocation; every put kept or dropped */
    cr_assert_gt(k.hits, 0);
    /* allocations (gets - hits) minus frees (drops) = items alive now, all
     * in the list at the end: at most max_free */
    cr_assert_leq(k.gets - k.hits - k.drops, 4, "%llu items outstanding",
                  (unsigned long long)(k.gets - k.hits - k.drops));
    goc_freelist_free(shared_fl);
}

/* A thread's cache outlives the thread in the ring, and its counts in the stats. */
static goc_freelist *exit_fl;
static void *fl_put_three_and_exit(void *arg) {
    (void)arg;
    void *a = goc_freelist_get(exit_fl), *b = goc_freelist_get(exit_fl), *c = goc_freelist_get(exit_fl);
    T_CHECK(a && b && c);
    goc_freelist_put(exit_fl, a);
    goc_freelist_put(exit_fl, b);
    goc_freelist_put(exit_fl, c);         /* all three in this thread's cache */
    return NULL;
}

Test(pool, freelist_thread_exit_hands_cache_to_ring) {
    exit_fl = goc_freelist_new(32, 8);
    cr_assert_not_null(exit_fl);
    t_threads th = {0};
    t_spawn(&th, fl_put_three_and_exit, NULL);
    t_join(&th);
    T_NO_FAILURES();
    goc_freelist_counts k;
    goc_freelist_stats(exit_fl, &k);
    cr_assert(k.gets == 3 && k.hits == 0 && k.puts == 3 && k.drops == 0);
    void *got[3];
    for (int i = 0; i < 3; i++) got[i] = goc_freelist_get(exit_fl);
    goc_freelist_stats(exit_fl, &k);
    cr_assert(k.gets == 6 && k.hits == 3 && k.puts == 3 && k.drops == 0,
              "gets %llu hits %llu puts %llu", (unsigned long long)k.gets,
              (unsigned long long)k.hits, (unsigned long long)k.puts);
    for (int i = 0; i < 3; i++) goc_freelist_put(exit_fl, got[i]);
    goc_freelist_free(exit_fl);
}

/* ---- object pool ------------------------------------------------------------------ */

static goc_atomic_i64 made, freed;
static void *obj_new(void *arg) { (void)arg; goc_atomic_i64_add(&made, 1); return malloc(32); }
static void obj_free(void *obj, void *arg) {
    cr_assert_eq(arg, (void *)&made);
    goc_atomic_i64_add(&freed, 1);
    free(obj);
}

Test(pool, pool_reuses_and_bounds_idle) {
    goc_atomic_i64_store(&made, 0);
    goc_atomic_i64_store(&freed, 0);
    goc_pool *p = goc_pool_new(obj_new, obj_free, &made, 40);
    cr_assert_not_null(p);
    void *a = goc_pool_get(p);
    goc_pool_put(p, a);
    cr_assert_eq(goc_pool_get(p), a, "the thread's own cache serves it back");
    goc_pool_put(p, a);
    void *objs[100];
    for (int i = 0; i < 100; i++) objs[i] = goc_pool_get(p);
    cr_assert_eq(goc_atomic_i64_load(&made), 100);   /* a is objs[0] */
    for (int i = 0; i < 100; i++) goc_pool_put(p, objs[i]);
    /* 40 kept in total (cache and store): the rest went to free_fn */
    int64_t kept = 100 - goc_atomic_i64_load(&freed);
    cr_assert_eq(kept, 40, "kept %lld", (long long)kept);
    for (int i = 0; i < 100; i++) objs[i] = goc_pool_get(p);
    cr_assert_eq(goc_atomic_i64_load(&made), 100 + (100 - kept), "every kept object reused");
    for (int i = 0; i < 100; i++) goc_pool_put(p, objs[i]);
    goc_pool_put(p, NULL);
    goc_pool_free(p);
    cr_assert_eq(goc_atomic_i64_load(&freed), goc_atomic_i64_load(&made), "free drains everything");
}

static goc_pool *shared_pool;
static void *pool_worker(void *arg) {
    (void)arg;
    for (int i = 0; i < T_ITERS(100000); i++) {
        int *o = goc_pool_get(shared_pool);
        T_CHECK(o != NULL);
        *o = i;
        goc_pool_put(shared_pool, o);
    }
    void *held[20];
    for (int i = 0; i < 20; i++) held[i] = goc_pool_get(shared_pool);
    for (int i = 0; i < 20; i++) goc_pool_put(shared_pool, held[i]);
    return NULL;   /* our cache goes back to the store as we exit */
}

Test(pool, pool_threads_return_their_caches) {
    goc_atomic_i64_store(&made, 0);
    goc_atomic_i64_store(&freed, 0);
    shared_pool = goc_pool_new(obj_new, obj_free, &made, 1000);
    t_threads th = {0};
    for (int i = 0; i < 4; i++) t_spawn(&th, pool_worker, NULL);
    t_join(&th);
    T_NO_FAILURES();
    cr_assert_leq(goc_atomic_i64_load(&made), 4 * 21 + 16);
    /* all of them came back to the store: this thread gets them without new_fn */
    int64_t m = goc_atomic_i64_load(&made);
    void **all = calloc((size_t)m, sizeof *all);
    for (int64_t i = 0; i < m; i++) all[i] = goc_pool_get(shared_pool);
    cr_assert_eq(goc_atomic_i64_load(&made), m, "exited threads' caches were returned");
    for (int64_t i = 0; i < m; i++) goc_pool_put(shared_pool, all[i]);
    free(all);
    goc_pool_free(shared_pool);
    cr_assert_eq(goc_atomic_i64_load(&freed), m);
}

Test(pool, pool_edge_cases) {
    goc_pool *p = goc_pool_new(NULL, NULL, NULL, 0);   /* no new_fn, keeps nothing */
    cr_assert_not_null(p);
    cr_assert_null(goc_pool_get(p));
    int x;
    goc_pool_put(p, &x);          /* dropped: no free_fn */
    cr_assert_null(goc_pool_get(p));
    goc_pool_free(p);
    p = goc_pool_new(NULL, NULL, NULL, 4);
    goc_pool_put(p, &x);
    cr_assert_eq(goc_pool_get(p), &x);
    cr_assert_null(goc_pool_get(p));
    goc_pool_free(p);
    cr_assert_null(goc_pool_get(NULL));
    goc_pool_put(NULL, &x);
    goc_pool_free(NULL);
}

/* ---- the idle bound is a total, per-thread caches included ------------------------ */

static void check_pool_counts(goc_pool *p, uint64_t gets, uint64_t hits, uint64_t news, uint64_t frees) {
    goc_pool_counts k;
    goc_pool_stats(p, &k);
    cr_assert(k.gets == gets && k.hits == hits && k.news == news && k.frees == frees,
              "gets %llu/%llu hits %llu/%llu news %llu/%llu frees %llu/%llu",
              (unsigned long long)k.gets, (unsigned long long)gets, (unsigned long long)k.hits,
              (unsigned long long)hits, (unsigned long long)k.news, (unsigned long long)news,
              (unsigned long long)k.frees, (unsigned long long)frees);
}

Test(pool, pool_max_idle_is_a_total) {
    goc_atomic_i64_store(&made, 0);
    goc_atomic_i64_store(&freed, 0);
    goc_pool *p = goc_pool_new(obj_new, obj_free, &made, 2);
    cr_assert_not_null(p);
    void *o[5];
    for (int i = 0; i < 5; i++) cr_assert_not_null(o[i] = goc_pool_get(p));
    for (int i = 0; i < 5; i++) goc_pool_put(p, o[i]);
    cr_assert_eq(goc_atomic_i64_load(&freed), 3, "kept more than max_idle: %lld freed",
                 (long long)goc_atomic_i64_load(&freed));
    check_pool_counts(p, 5, 0, 5, 3);
    void *a = goc_pool_get(p), *b = goc_pool_get(p);
    cr_assert(a == o[1] && b == o[0]);
    cr_assert_eq(goc_atomic_i64_load(&made), 5, "the two kept were reused");
    void *c = goc_pool_get(p);
    cr_assert_eq(goc_atomic_i64_load(&made), 6);
    check_pool_counts(p, 8, 2, 6, 3);
    goc_pool_put(p, a);
    goc_pool_put(p, b);
    goc_pool_put(p, c);
    check_pool_counts(p, 8, 2, 6, 4);
    goc_pool_free(p);
    cr_assert_eq(goc_atomic_i64_load(&freed), 6);
}

Test(pool, pool_max_idle_zero_keeps_nothing) {
    goc_atomic_i64_store(&made, 0);
    goc_atomic_i64_store(&freed, 0);
    goc_pool *p = goc_pool_new(obj_new, obj_free, &made, 0);
    cr_assert_not_null(p);
    void *o[3];
    for (int i = 0; i < 3; i++) o[i] = goc_pool_get(p);
    for (int i = 0; i < 3; i++) goc_pool_put(p, o[i]);
    cr_assert_eq(goc_atomic_i64_load(&freed), 3);
    void *x = goc_pool_get(p);
    cr_assert_eq(goc_atomic_i64_load(&made), 4);
    goc_pool_put(p, x);
    check_pool_counts(p, 4, 0, 4, 4);
    goc_pool_free(p);
}

/* Several threads fill their caches at once; the bound holds across them,
 * and what the exiting threads kept comes back to the store. */
static pthread_barrier_t idle_bar;
static goc_pool *idle_pool;
static goc_freelist *idle_fl;
static void *fill_both(void *arg) {
    (void)arg;
    void *o[5], *it[5];
    for (int i = 0; i < 5; i++) { o[i] = goc_pool_get(idle_pool); it[i] = goc_freelist_get(idle_fl); }
    pthread_barrier_wait(&idle_bar);      /* every get done before any put */
    for (int i = 0; i < 5; i++) { goc_pool_put(idle_pool, o[i]); goc_freelist_put(idle_fl, it[i]); }
    pthread_barrier_wait(&idle_bar);
    return NULL;
}

Test(pool, max_idle_is_a_total_across_threads) {
    goc_atomic_i64_store(&made, 0);
    goc_atomic_i64_store(&freed, 0);
    idle_pool = goc_pool_new(obj_new, obj_free, &made, 2);
    idle_fl = goc_freelist_new(32, 2);
    cr_assert(idle_pool && idle_fl);
    enum { N = 4 };
    pthread_barrier_init(&idle_bar, NULL, N);
    t_threads th = {0};
    for (int i = 0; i < N; i++) t_spawn(&th, fill_both, NULL);
    t_join(&th);
    pthread_barrier_destroy(&idle_bar);
    cr_assert_eq(goc_atomic_i64_load(&freed), 5 * N - 2, "%lld freed",
                 (long long)goc_atomic_i64_load(&freed));
    check_pool_counts(idle_pool, 5 * N, 0, 5 * N, 5 * N - 2);
    goc_freelist_counts k;
    goc_freelist_stats(idle_fl, &k);
    cr_assert(k.gets == 5 * N && k.hits == 0 && k.puts == 5 * N && k.drops == 5 * N - 2,
              "gets %llu hits %llu puts %llu drops %llu", (unsigned long long)k.gets,
              (unsigned long long)k.hits, (unsigned long long)k.puts, (unsigned long long)k.drops);
    /* the two kept (handed back by the exited threads) serve this thread */
    void *a = goc_pool_get(idle_pool), *b = goc_pool_get(idle_pool);
    cr_assert_eq(goc_atomic_i64_load(&made), 5 * N);
    void *c = goc_pool_get(idle_pool);
    cr_assert_eq(goc_atomic_i64_load(&made), 5 * N + 1);
    check_pool_counts(idle_pool, 5 * N + 3, 2, 5 * N + 1, 5 * N - 2);
    void *x = goc_freelist_get(idle_fl), *y = goc_freelist_get(idle_fl), *z = goc_freelist_get(idle_fl);
    goc_freelist_stats(idle_fl, &k);
    cr_assert(k.gets == 5 * N + 3 && k.hits == 2);
    goc_pool_put(idle_pool, a);
    goc_pool_put(idle_pool, b);
    goc_pool_put(idle_pool, c);
    goc_freelist_put(idle_fl, x);
    goc_freelist_put(idle_fl, y);
    goc_freelist_put(idle_fl, z);
    goc_freelist_stats(idle_fl, &k);
    cr_assert(k.puts == 5 * N + 3 && k.drops == 5 * N - 1);
    goc_pool_free(idle_pool);
    goc_freelist_free(idle_fl);
    cr_assert_eq(goc_atomic_i64_load(&freed), goc_atomic_i64_load(&made));
}

/* Churn from several threads: whatever the interleaving, no more than
 * max_idle objects are ever idle (made - freed - held <= max_idle). */
static goc_atomic_i64 held;
static void *churn_pool(void *arg) {
    (void)arg;
    for (int i = 0; i < T_ITERS(20000); i++) {
        void *o[3];
        for (int k = 0; k < 3; k++) { o[k] = goc_pool_get(idle_pool); goc_atomic_i64_add(&held, 1); }
        for (int k = 0; k < 3; k++) { goc_atomic_i64_add(&held, -1); goc_pool_put(idle_pool, o[k]); }
    }
    return NULL;
}

Test(pool, pool_max_idle_holds_under_churn) {
    goc_atomic_i64_store(&made, 0);
    goc_atomic_i64_store(&freed, 0);
    idle_pool = goc_pool_new(obj_new, obj_free, &made, 5);
    t_threads th = {0};
    for (int i = 0; i < 3; i++) t_spawn(&th, churn_pool, NULL);
    t_join(&th);
    int64_t idle = goc_atomic_i64_load(&made) - goc_atomic_i64_load(&freed);
    cr_assert(idle >= 0 && idle <= 5, "%lld idle", (long long)idle);
    goc_pool_counts k;
    goc_pool_stats(idle_pool, &k);
    cr_assert_eq(k.gets, 3 * 3 * (uint64_t)T_ITERS(20000));
    cr_assert_eq(k.gets - k.hits, k.news);
    cr_assert_eq(k.news, (uint64_t)goc_atomic_i64_load(&made));
    cr_assert_eq(k.frees, (uint64_t)goc_atomic_i64_load(&freed));
    goc_pool_free(idle_pool);
    cr_assert_eq(goc_atomic_i64_load(&freed), goc_atomic_i64_load(&made));
}

/* ---- one pthread key for every cache -------------------------------------------- */

enum { MANY = 5000 };
static goc_pool **many_pools;
static goc_freelist **many_fls;
static void *use_all(void *arg) {
    (void)arg;
    for (int i = 0; i < MANY; i++) {
        void *o = goc_pool_get(many_pools[i]);
        T_CHECK(o != NULL);
        goc_pool_put(many_pools[i], o);
        void *it = goc_freelist_get(many_fls[i]);
        T_CHECK(it != NULL);
        goc_freelist_put(many_fls[i], it);
    }
    return NULL;      /* every cache this thread holds goes back as it exits */
}

Test(pool, thousands_of_pools_and_free_lists_alive_at_once) {
    goc_atomic_i64_store(&made, 0);
    goc_atomic_i64_store(&freed, 0);
    many_pools = calloc(MANY, sizeof *many_pools);
    many_fls = calloc(MANY, sizeof *many_fls);
    for (int i = 0; i < MANY; i++) {
        errno = 0;
        many_pools[i] = goc_pool_new(obj_new, obj_free, &made, 4);
        cr_assert_not_null(many_pools[i], "pool %d: errno %d", i, errno);
        many_fls[i] = goc_freelist_new(16, 4);
        cr_assert_not_null(many_fls[i], "free list %d: errno %d", i, errno);
    }
    t_threads th = {0};
    t_spawn(&th, use_all, NULL);
    t_join(&th);
    T_NO_FAILURES();
    cr_assert_eq(goc_atomic_i64_load(&made), MANY);
    /* the exited thread's caches were handed back: this thread reuses them */
    use_all(NULL);
    T_NO_FAILURES();
    cr_assert_eq(goc_atomic_i64_load(&made), MANY, "an exited thread's pool cache was lost");
    for (int i = 0; i < MANY; i++) {
        goc_freelist_counts k;
        goc_freelist_stats(many_fls[i], &k);
        cr_assert(k.gets == 2 && k.hits == 1 && k.puts == 2 && k.drops == 0, "free list %d", i);
    }
    t_spawn(&th, use_all, NULL);          /* and a third thread, at the same time as this one */
    use_all(NULL);
    t_join(&th);
    T_NO_FAILURES();
    for (int i = 0; i < MANY; i++) {
        goc_pool_free(many_pools[i]);
        goc_freelist_free(many_fls[i]);
    }
    cr_assert_eq(goc_atomic_i64_load(&freed), goc_atomic_i64_load(&made));
    /* ids are reused: new ones still work, and old entries are never followed */
    for (int i = 0; i < 100; i++) {
        goc_pool *p = goc_pool_new(obj_new, obj_free, &made, 4);
        cr_assert_not_null(p);
        void *o = goc_pool_get(p);
        goc_pool_put(p, o);
        cr_assert_eq(goc_pool_get(p), o);
        goc_pool_put(p, o);
        goc_pool_free(p);
    }
    cr_assert_eq(goc_atomic_i64_load(&freed), goc_atomic_i64_load(&made));
    free(many_pools);
    free(many_fls);
}

/* ---- durations saturate ----------------------------------------------------------- */

static size_t live_after(int ms) {
    goc_go_counts c;
    t_sleep_ms(ms);
    goc_go_stats(&c);
    return c.live;
}

static size_t wait_live_zero(int timeout_ms) {
    goc_go_counts c;
    int64_t end = t_now() + (int64_t)timeout_ms * GOC_MILLISECOND;
    do { t_sleep_ms(5); goc_go_stats(&c); } while (c.live > 0 && t_now() < end);
    return c.live;
}

Test(pool, go_set_idle_extremes) {
    goc_waitgroup wg = {0};
    /* no limit: the thread stays (before, now + INT64_MAX wrapped: it left at once, or UB) */
    goc_go_set_idle(INT64_MAX);
    cr_assert_eq(goc_wg_go(&wg, count_run, NULL), GOC_OK);
    goc_wg_wait(&wg);
    cr_assert_geq(live_after(100), 1, "a thread with keep-alive INT64_MAX exited");
    goc_go_set_idle(GOC_FOREVER);
    cr_assert_eq(goc_wg_go(&wg, count_run, NULL), GOC_OK);
    goc_wg_wait(&wg);
    cr_assert_geq(live_after(50), 1);
    /* <= 0: as short as it gets; the sleeping thread is told and leaves */
    int64_t shorts[] = { INT64_MIN, -1, 0, 1 };
    for (int i = 0; i < 4; i++) {
        goc_go_set_idle(shorts[i]);
        cr_assert_eq(wait_live_zero(5000), 0, "keep-alive %lld: threads stay", (long long)shorts[i]);
        cr_assert_eq(goc_wg_go(&wg, count_run, NULL), GOC_OK);
        goc_wg_wait(&wg);
        cr_assert_eq(wait_live_zero(5000), 0);
    }
    goc_go_set_idle(INT64_MAX - 1);       /* huge but not GOC_FOREVER: saturates too */
    cr_assert_eq(goc_wg_go(&wg, count_run, NULL), GOC_OK);
    goc_wg_wait(&wg);
    cr_assert_geq(live_after(50), 1);
    goc_go_set_idle(GOC_MILLISECOND);
    cr_assert_eq(wait_live_zero(5000), 0);
    goc_go_set_idle(3 * GOC_SECOND);
}

Test(pool, workers_timeouts_saturate) {
    gate = goc_chan_make(0, 0);
    goc_workers *w = goc_workers_new(1, 1);
    cr_assert_not_null(w);
    goc_atomic_i64_store(&ran, 0);
    cr_assert_eq(goc_workers_submit(w, wait_gate, NULL), GOC_OK);
    int64_t end = t_now() + 5 * GOC_SECOND;
    while (goc_workers_try_submit(w, count_run, NULL) != GOC_OK && t_now() < end) t_sleep_ms(1);
    t_sleep_ms(10);
    int64_t ds[] = { INT64_MIN, -1, 0 };
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(goc_workers_submit_timeout(w, count_run, NULL, ds[i]), GOC_TIMEOUT);
        cr_assert_eq(goc_workers_wait_timeout(w, ds[i]), GOC_TIMEOUT);
    }
    cr_assert_eq(goc_workers_wait_timeout(w, 5 * GOC_MILLISECOND), GOC_TIMEOUT);
    goc_chan_close(gate);
    /* no limit: waits for room / for the jobs, then succeeds */
    cr_assert_eq(goc_workers_submit_timeout(w, count_run, NULL, INT64_MAX), GOC_OK);
    cr_assert_eq(goc_workers_wait_timeout(w, GOC_FOREVER), GOC_OK);
    cr_assert_eq(goc_atomic_i64_load(&ran), 2);
    goc_workers_counts k;
    goc_workers_stats(w, &k);
    cr_assert(k.queued == 0 && k.running == 0 && k.done == 3);
    goc_workers_free(w);
    goc_chan_free(gate);
}

/* ---- bad input: a clear answer, never a crash or a hang ------------------------- */

Test(pool, bad_sizes_are_refused) {
    errno = 0;
    cr_assert_null(goc_workers_new(1, SIZE_MAX));
    cr_assert_eq(errno, EINVAL, "queue_cap SIZE_MAX: errno %d", errno);
    errno = 0;
    cr_assert_null(goc_workers_new(SIZE_MAX, 1));
    cr_assert_eq(errno, EINVAL);
    errno = 0;
    cr_assert_null(goc_freelist_new(SIZE_MAX, 4));
    cr_assert_eq(errno, EINVAL);
    errno = 0;
    cr_assert_null(goc_freelist_new(16, SIZE_MAX));
    cr_assert_eq(errno, EINVAL);
    goc_workers_counts wk;
    goc_workers_stats(NULL, &wk);
    cr_assert(wk.queued == 0 && wk.running == 0 && wk.done == 0);
    goc_pool_counts pk;
    goc_pool_stats(NULL, &pk);
    cr_assert(pk.gets == 0 && pk.frees == 0);
    goc_pool_stats(NULL, NULL);
    goc_freelist_stats(NULL, NULL);
    goc_workers_stats(NULL, NULL);
    cr_assert_eq(goc_workers_try_submit(NULL, count_run, NULL), GOC_EINVAL);
    cr_assert_eq(goc_workers_submit_timeout(NULL, count_run, NULL, GOC_FOREVER), GOC_EINVAL);
    cr_assert_eq(goc_workers_wait_timeout(NULL, GOC_FOREVER), GOC_EINVAL);
    goc_workers *w = goc_workers_new(1, 1);
    cr_assert_eq(goc_workers_try_submit(w, NULL, NULL), GOC_EINVAL);
    cr_assert_eq(goc_workers_submit_timeout(w, NULL, NULL, GOC_FOREVER), GOC_EINVAL);
    cr_assert_eq(goc_workers_wait_timeout(w, GOC_FOREVER), GOC_OK);
    goc_workers_free(w);
}
