/* The GLib peer (Debian's libglib2.0): the workloads of BENCHMARKS.md for
 * which GLib has the primitive, same work, same checks, same output lines.
 *     GMutex                 mutex_contended
 *     GRWLock                rwmutex_read_mostly (and rwmutex_rm_t1/2/8)
 *     g_once_init_enter      once_done (GLib's "done" check, a macro)
 *     GAsyncQueue            chan_uncontended, chan_pingpong_unbuf,
 *                            chan_spsc_buf, chan_mpmc_buf
 *     GThreadPool            spawn_wait
 * GAsyncQueue has no capacity: a producer never waits, so the buffered
 * rows measure an unbounded queue (it does less than a channel of cap
 * 1024). The ping-pong is the same hand-off as an unbuffered channel's
 * (each side waits for the other's answer). GLib has no select, no
 * rendezvous channel, no WaitGroup: those rows print nothing.
 * Usage: bench_glib [scale [workload]]. */
#include <glib.h>
#include "bench.h"

#define REPS 3

static bench_start g_start;
static int64_t sum_to(long n) { return (int64_t)n * (n - 1) / 2; }

typedef struct targ { long n; GAsyncQueue *q, *q2; int64_t sum; } targ;

static int64_t run_threads(int nt, void *(**fns)(void *), targ *args) {
    pthread_t t[16];
    bench_start_init(&g_start, nt + 1);
    for (int i = 0; i < nt; i++) pthread_create(&t[i], NULL, fns[i], &args[i]);
    int64_t t0 = bench_start_wait(&g_start);
    for (int i = 0; i < nt; i++) pthread_join(t[i], NULL);
    return bench_now() - t0;
}

/* A queue carries pointers and NULL means "nothing": value v travels as v + 1. */
static inline void qsend(GAsyncQueue *q, int64_t v) { g_async_queue_push(q, (gpointer)(intptr_t)(v + 1)); }
static inline int64_t qrecv(GAsyncQueue *q) { return (int64_t)(intptr_t)g_async_queue_pop(q) - 1; }

/* ---- mutex_contended ---- */
static GMutex g_mu;
static long g_counter;
static void *mutex_worker(void *arg) {
    targ *a = arg;
    bench_start_wait(&g_start);
    for (long i = 0; i < a->n; i++) { g_mutex_lock(&g_mu); g_counter++; g_mutex_unlock(&g_mu); }
    return NULL;
}
static void bench_mutex_contended(void) {
    const long total = 4000000 / g_scale;
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        g_counter = 0;
        targ a[4];
        void *(*fns[4])(void *);
        for (int i = 0; i < 4; i++) { a[i] = (targ){ .n = total / 4 }; fns[i] = mutex_worker; }
        int64_t ns = run_threads(4, fns, a);
        if (g_counter != total) bench_fail("mutex_contended", "counter");
        if (ns < best) best = ns;
    }
    bench_report("mutex_contended", best, total);
}

/* ---- rwmutex_read_mostly (as bench_sync.c's: lock and data apart) ---- */
static GRWLock g_rw __attribute__((aligned(64)));
static long g_shared[8] __attribute__((aligned(64)));
static long g_writes;
static void *rw_worker(void *arg) {
    targ *a = arg;
    long sum = 0, bad = 0;
    bench_start_wait(&g_start);
    for (long i = 0; i < a->n; i++) {
        if (i % 100 == 0) {
            g_rw_lock_writer_lock(&g_rw);
            g_writes++;
            for (int k = 0; k < 8; k++) g_shared[k] = g_writes;
            g_rw_lock_writer_unlock(&g_rw);
        } else {
            g_rw_lock_reader_lock(&g_rw);
            long v = g_shared[0];
            sum += v;
            bad += g_shared[7] != v;
            g_rw_lock_reader_unlock(&g_rw);
        }
    }
    if (bad) bench_fail("rwmutex_read_mostly", "a reader saw a half-done write");
    a->sum = sum & 1;
    return NULL;
}
static void bench_rwmutex_read_mostly(const char *name, int nt) {
    const long total = 4000000 / g_scale;
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        g_writes = 0;
        targ a[8];
        void *(*fns[8])(void *);
        for (int i = 0; i < nt; i++) { a[i] = (targ){ .n = total / nt }; fns[i] = rw_worker; }
        int64_t ns = run_threads(nt, fns, a);
        if (g_writes != nt * ((total / nt + 99) / 100)) bench_fail(name, "write count");
        if (ns < best) best = ns;
    }
    bench_report(name, best, total / nt * nt);
}

/* ---- once_done ---- */
static long g_once_runs;
static void bench_once_done(void) {
    const long n = 100000000 / g_scale;
    static gsize once;
    int64_t ns;
    g_once_runs = 0;
    BENCH_BEST_OF(REPS, ns, {
        for (long i = 0; i < n; i++)
            if (g_once_init_enter(&once)) { g_once_runs++; g_once_init_leave(&once, 1); }
        __asm__ __volatile__("" ::: "memory");
    });
    if (g_once_runs != 1) bench_fail("once_done", "fn ran more than once");
    bench_report("once_done", ns, n);
}

/* ---- chan_uncontended ---- */
static void bench_chan_uncontended(void) {
    const long n = 10000000 / g_scale;
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        GAsyncQueue *q = g_async_queue_new();
        int64_t sum = 0, t0 = bench_now();
        for (long i = 0; i < n; i++) {
            qsend(q, i);
            sum += qrecv(q);
        }
        int64_t ns = bench_now() - t0;
        if (sum != sum_to(n)) bench_fail("chan_uncontended", "sum");
        if (ns < best) best = ns;
        g_async_queue_unref(q);
    }
    bench_report("chan_uncontended", best, n);
}

/* ---- chan_pingpong_unbuf ---- */
static void *ping(void *arg) {
    targ *a = arg;
    bench_start_wait(&g_start);
    for (long i = 0; i < a->n; i++) {
        qsend(a->q, i);
        a->sum += qrecv(a->q2);
    }
    return NULL;
}
static void *pong(void *arg) {
    targ *a = arg;
    bench_start_wait(&g_start);
    for (long i = 0; i < a->n; i++) qsend(a->q2, qrecv(a->q));
    return NULL;
}
static void bench_chan_pingpong_unbuf(void) {
    const long n = 200000 / g_scale;
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        targ a[2] = { { .q = g_async_queue_new(), .q2 = g_async_queue_new(), .n = n } };
        a[1] = a[0];
        void *(*fns[2])(void *) = { ping, pong };
        int64_t ns = run_threads(2, fns, a);
        if (a[0].sum != sum_to(n)) bench_fail("chan_pingpong_unbuf", "sum");
        if (ns < best) best = ns;
        g_async_queue_unref(a[0].q);
        g_async_queue_unref(a[0].q2);
    }
    bench_report("chan_pingpong_unbuf", best, n);
}

/* ---- producers and consumers ---- */
static void *producer(void *arg) {
    targ *a = arg;
    bench_start_wait(&g_start);
    for (long i = 0; i < a->n; i++) qsend(a->q, i);
    return NULL;
}
static void *consumer(void *arg) {
    targ *a = arg;
    int64_t sum = 0;
    bench_start_wait(&g_start);
    for (long i = 0; i < a->n; i++) sum += qrecv(a->q);
    a->sum = sum;
    return NULL;
}
static void bench_prodcons(const char *name, int np, int nc, long total) {
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        GAsyncQueue *q = g_async_queue_new();
        targ a[16];
        void *(*fns[16])(void *);
        for (int i = 0; i < np + nc; i++) {
            a[i] = (targ){ .q = q, .n = total / (i < np ? np : nc) };
            fns[i] = i < np ? producer : consumer;
        }
        int64_t ns = run_threads(np + nc, fns, a);
        int64_t sum = 0;
        for (int i = np; i < np + nc; i++) sum += a[i].sum;
        if (sum != np * sum_to(total / np)) bench_fail(name, "sum");
        if (ns < best) best = ns;
        g_async_queue_unref(q);
    }
    bench_report(name, best, total);
}

/* ---- spawn_wait: GThreadPool (its threads kept, as goc_go keeps its own) ---- */
static gint g_count;
static void task(gpointer data, gpointer user) { (void)data; (void)user; g_atomic_int_inc(&g_count); }
static void bench_spawn_wait(void) {
    const long n = 100000 / g_scale;
    int64_t ns;
    BENCH_BEST_OF(REPS, ns, {
        g_atomic_int_set(&g_count, 0);
        /* unlimited threads, as goc_go and goroutines are */
        GThreadPool *p = g_thread_pool_new(task, NULL, -1, FALSE, NULL);
        for (long i = 0; i < n; i++) g_thread_pool_push(p, GINT_TO_POINTER(1), NULL);
        g_thread_pool_free(p, FALSE, TRUE);      /* wait for every task */
        if (g_atomic_int_get(&g_count) != n) bench_fail("spawn_wait", "count");
    });
    bench_report("spawn_wait", ns, n);
}

int main(int argc, char **argv) {
    if (argc > 1) g_scale = atol(argv[1]) > 0 ? atol(argv[1]) : 1;
    const char *only = argc > 2 ? argv[2] : "";
    if (strstr("mutex_contended", only)) bench_mutex_contended();
    if (strstr("rwmutex_read_mostly", only)) bench_rwmutex_read_mostly("rwmutex_read_mostly", 4);
    if (strstr("rwmutex_rm_t1", only)) bench_rwmutex_read_mostly("rwmutex_rm_t1", 1);
    if (strstr("rwmutex_rm_t2", only)) bench_rwmutex_read_mostly("rwmutex_rm_t2", 2);
    if (strstr("rwmutex_rm_t8", only)) bench_rwmutex_read_mostly("rwmutex_rm_t8", 8);
    if (strstr("once_done", only)) bench_once_done();
    if (strstr("chan_uncontended", only)) bench_chan_uncontended();
    if (strstr("chan_pingpong_unbuf", only)) bench_chan_pingpong_unbuf();
    if (strstr("chan_spsc_buf", only)) bench_prodcons("chan_spsc_buf", 1, 1, 10000000 / g_scale);
    if (strstr("chan_mpmc_buf", only)) bench_prodcons("chan_mpmc_buf", 4, 4, 4000000 / g_scale);
    if (strstr("spawn_wait", only)) bench_spawn_wait();
    return 0;
}
