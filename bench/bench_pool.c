/* The pool and timer workloads of docs/benchmarks.md, for goc or for its peer.
 *     bench_pool goc        goc_freelist, goc_timer, goc_wg_go
 *     bench_pool pthread    malloc+free, POSIX timers (timer_create /
 *                           timer_settime / timer_delete; no peer for
 *                           timers_many_fire), one pthread_create+join per task
 * Optional: a scale divisor for quick runs (e.g. 10), then a workload name
 * (or part of one) to run only that. timers_many_fire and spawn_wait also
 * print the process's peak resident memory as "<workload>_KiB <KiB> 0". */
#define GOC_IMPLEMENTATION
#include "timer.h"
#include "bench.h"
#include <signal.h>
#include <sys/resource.h>

#define REPS 3

static void report_rss(const char *workload) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%s_KiB %ld 0\n", workload, ru.ru_maxrss);
    fflush(stdout);
}

/* ---- freelist_getput: 2 threads, get and put a 4 KiB buffer ---- */
static goc_freelist *g_fl;
static bench_start g_start;
static long g_per_thread;
static goc_atomic_i64 g_bad;

static void *fl_worker(void *arg) {
    (void)arg;
    long n = g_per_thread, bad = 0;
    bench_start_wait(&g_start);
    for (long i = 0; i < n; i++) {
        char *b;
        if (g_goc) b = goc_freelist_get(g_fl); else b = malloc(4096);
        b[0] = (char)i;                         /* use it, as a buffer is used */
        b[4095] = (char)i;
        __asm__ volatile("" : : "r"(b) : "memory");   /* and do not let the compiler drop malloc/free */
        bad += b[0] != b[4095];
        if (g_goc) goc_freelist_put(g_fl, b); else free(b);
    }
    goc_atomic_i64_add(&g_bad, bad);
    return NULL;
}

static void bench_freelist_getput(void) {
    const long total = 10000000 / g_scale;
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        g_fl = goc_freelist_new(4096, 64);
        g_per_thread = total / 2;
        pthread_t t[2];
        bench_start_init(&g_start, 3);
        for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, fl_worker, NULL);
        int64_t t0 = bench_start_wait(&g_start);   /* the clock starts with the release */
        for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
        int64_t ns = bench_now() - t0;
        if (ns < best) best = ns;
        goc_freelist_counts k;
        goc_freelist_stats(g_fl, &k);
        if (g_goc && (k.gets != (uint64_t)total || k.puts != (uint64_t)total || k.hits + 64 < k.gets / 2))
            bench_fail("freelist_getput", "counts");
        goc_freelist_free(g_fl);
    }
    if (goc_atomic_i64_load(&g_bad)) bench_fail("freelist_getput", "buffer contents");
    bench_report("freelist_getput", best, total);
}

/* ---- timer_churn: create a 1 s timer and stop it ---- */
static bool posix_timer_churn_one(void) {
    timer_t t;
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_NONE;
    struct itimerspec its, old;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = 1;
    timer_create(CLOCK_MONOTONIC, &ev, &t);
    timer_settime(t, 0, &its, NULL);
    memset(&its, 0, sizeof its);
    timer_settime(t, 0, &its, &old);           /* stop */
    timer_delete(t);
    return old.it_value.tv_sec > 0 || old.it_value.tv_nsec > 0;
}

static void bench_timer_churn(void) {
    const long n = 1000000 / g_scale;
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        long stopped = 0;
        int64_t t0 = bench_now();
        for (long i = 0; i < n; i++) {
            if (g_goc) {
                goc_timer *t = goc_timer_new(GOC_SECOND);
                stopped += goc_timer_stop(t);
                goc_timer_free(t);
            } else {
                stopped += posix_timer_churn_one();
            }
        }
        int64_t ns = bench_now() - t0;
        if (ns < best) best = ns;
        if (stopped != n) bench_fail("timer_churn", "a 1 s timer was not active when stopped");
    }
    bench_report("timer_churn", best, n);
}

/* ---- timers_many_fire: 100,000 timers of 1..100 ms, every fire received ---- */

/* No pthread peer: POSIX timers can only deliver to a signal handler or a
 * new thread per fire (SIGEV_THREAD), and 100,000 of either says nothing
 * about a timer heap. Go is the peer. */
static void bench_timers_many_fire(void) {
    const long n = 100000 / g_scale;
    if (!g_goc) return;
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        int64_t t0 = bench_now();
        if (g_goc) {
            goc_timer **ts = malloc((size_t)n * sizeof *ts);
            int64_t start = goc_now();
            for (long i = 0; i < n; i++) ts[i] = goc_timer_new((1 + i % 100) * GOC_MILLISECOND);
            for (long i = 0; i < n; i++) {
                int64_t v;
                if (goc_chan_recv(goc_timer_chan(ts[i]), &v) != GOC_OK ||
                    v < start + (1 + i % 100) * GOC_MILLISECOND)
                    bench_fail("timers_many_fire", "a timer fired early or not at all");
            }
            for (long i = 0; i < n; i++) goc_timer_free(ts[i]);
            free(ts);
        }
        int64_t ns = bench_now() - t0;
        if (ns < best) best = ns;
    }
    bench_report("timers_many_fire", best, n);
    report_rss("timers_many_fire");
}

/* ---- spawn_wait: 1 spawner; each task increments an atomic; wait for all ---- */
static goc_atomic_i64 g_count;
static void task(void *arg) { (void)arg; goc_atomic_i64_add(&g_count, 1); }
static void *task_thread(void *arg) { task(arg); return NULL; }

static void bench_spawn_wait(void) {
    const long n = (g_goc ? 100000 : 20000) / g_scale;   /* the peer is slow */
    int64_t ns;
    BENCH_BEST_OF(REPS, ns, {
        goc_atomic_i64_store(&g_count, 0);
        if (g_goc) {
            goc_waitgroup wg = {0};
            for (long i = 0; i < n; i++) goc_wg_go(&wg, task, NULL);
            goc_wg_wait(&wg);
        } else {
            for (long i = 0; i < n; i++) {
                pthread_t t;
                pthread_create(&t, NULL, task_thread, NULL);
                pthread_join(t, NULL);
            }
        }
        if (goc_atomic_i64_load(&g_count) != n) bench_fail("spawn_wait", "count");
    });
    bench_report("spawn_wait", ns, n);
    report_rss("spawn_wait");
}

int main(int argc, char **argv) {
    const char *only = bench_args(argc, argv);     /* run only workloads containing this */
    if (!only) return 2;
    if (strstr("freelist_getput", only)) bench_freelist_getput();
    if (strstr("timer_churn", only)) bench_timer_churn();
    if (strstr("timers_many_fire", only)) bench_timers_many_fire();
    if (strstr("spawn_wait", only)) bench_spawn_wait();
    return 0;
}
