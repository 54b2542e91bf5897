/* The sync workloads of docs/benchmarks.md, for goc or for its pthread peer.
 *     bench_sync goc        goc's primitives
 *     bench_sync pthread    pthread_mutex, pthread_rwlock, a mutex+cond
 *                           WaitGroup, pthread_once, one rwlock over one
 *                           stb_ds map (the "single-lock map")
 * Optional: a scale divisor for quick runs (e.g. 10), then a workload name
 * (or part of one) to run only that. */
#define GOC_IMPLEMENTATION
#include "sync.h"
#include "bench.h"

#define REPS 3

/* ---- mutex_contended: 4 threads, lock / counter++ / unlock ---- */
static goc_mutex g_gm;
static pthread_mutex_t g_pm = PTHREAD_MUTEX_INITIALIZER;
static long g_counter;
static bench_start g_start;

typedef struct { long n; } targ;

static void *mutex_worker(void *arg) {
    long n = ((targ *)arg)->n;
    bench_start_wait(&g_start);
    if (g_goc) {
        for (long i = 0; i < n; i++) { goc_mutex_lock(&g_gm); g_counter++; goc_mutex_unlock(&g_gm); }
    } else {
        for (long i = 0; i < n; i++) { pthread_mutex_lock(&g_pm); g_counter++; pthread_mutex_unlock(&g_pm); }
    }
    return NULL;
}

static int64_t run_threads(int nt, void *(*fn)(void *), long per_thread) {
    pthread_t t[16];
    targ a = { per_thread };
    bench_start_init(&g_start, nt + 1);
    for (int i = 0; i < nt; i++) pthread_create(&t[i], NULL, fn, &a);
    int64_t t0 = bench_start_wait(&g_start);   /* the clock starts with the release */
    for (int i = 0; i < nt; i++) pthread_join(t[i], NULL);
    return bench_now() - t0;
}

static void bench_mutex_contended(void) {
    const long total = 4000000 / g_scale;
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        g_counter = 0;
        int64_t ns = run_threads(4, mutex_worker, total / 4);
        if (g_counter != total) bench_fail("mutex_contended", "counter");
        if (ns < best) best = ns;
    }
    bench_report("mutex_contended", best, total);
}

/* ---- rwmutex_read_mostly: 4 threads, 1 op in 100 is a write ---- */
/* Each on its own cache line, so that readers reading the data do not
 * fight over the lock's line (as in the Go peer, where they are apart). */
static GOC_ALIGNED_CACHELINE goc_rwmutex g_grw;
static GOC_ALIGNED_CACHELINE pthread_rwlock_t g_prw = PTHREAD_RWLOCK_INITIALIZER;
static GOC_ALIGNED_CACHELINE long g_shared[8];     /* written by writers, read by readers */
static long g_writes;

static void *rw_worker(void *arg) {
    long n = ((targ *)arg)->n, sum = 0, bad = 0;
    bench_start_wait(&g_start);
    for (long i = 0; i < n; i++) {
        if (i % 100 == 0) {
            if (g_goc) goc_rwmutex_lock(&g_grw); else pthread_rwlock_wrlock(&g_prw);
            g_writes++;
            for (int k = 0; k < 8; k++) g_shared[k] = g_writes;
            if (g_goc) goc_rwmutex_unlock(&g_grw); else pthread_rwlock_unlock(&g_prw);
        } else {
            if (g_goc) goc_rwmutex_rlock(&g_grw); else pthread_rwlock_rdlock(&g_prw);
            long v = g_shared[0];
            sum += v;
            bad += g_shared[7] != v;            /* a torn read means a broken lock */
            if (g_goc) goc_rwmutex_runlock(&g_grw); else pthread_rwlock_unlock(&g_prw);
        }
    }
    if (bad) bench_fail("rwmutex_read_mostly", "a reader saw a half-done write");
    return (void *)(intptr_t)(sum & 1);
}

/* nt threads (4: the workload of BENCHMARKS.md; 1, 2 and 8: how the cost
 * per op grows with the number of threads, rwmutex_rm_t<n>) */
static void bench_rwmutex_read_mostly_n(const char *name, int nt) {
    const long total = 4000000 / g_scale;
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        g_writes = 0;
        int64_t ns = run_threads(nt, rw_worker, total / nt);
        long want = nt * ((total / nt + 99) / 100);
        if (g_writes != want) bench_fail(name, "write count");
        if (ns < best) best = ns;
    }
    bench_report(name, best, total / nt * nt);
}
static void bench_rwmutex_read_mostly(void) { bench_rwmutex_read_mostly_n("rwmutex_read_mostly", 4); }

/* ---- wg_uncontended: add(1), done(), wait() on one thread ---- */
typedef struct { pthread_mutex_t mu; pthread_cond_t cv; long n; } pwg;
static void pwg_add(pwg *w, long d) {
    pthread_mutex_lock(&w->mu);
    w->n += d;
    if (w->n == 0) pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}
static void pwg_wait(pwg *w) {
    pthread_mutex_lock(&w->mu);
    while (w->n) pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

static void bench_wg_uncontended(void) {
    const long n = 10000000 / g_scale;
    int64_t ns;
    goc_waitgroup wg = {0};
    pwg pw = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
    BENCH_BEST_OF(REPS, ns, {
        if (g_goc) for (long i = 0; i < n; i++) { goc_wg_add(&wg, 1); goc_wg_done(&wg); goc_wg_wait(&wg); }
        else       for (long i = 0; i < n; i++) { pwg_add(&pw, 1); pwg_add(&pw, -1); pwg_wait(&pw); }
    });
    if (goc_wg_wait_timeout(&wg, 0) != GOC_OK || pw.n != 0) bench_fail("wg_uncontended", "counter");
    bench_report("wg_uncontended", ns, n);
}

/* ---- once_done: once_do after the first call ---- */
static long g_once_runs;
static void once_fn(void *arg) { (void)arg; g_once_runs++; }
static void once_fn0(void) { g_once_runs++; }

static void bench_once_done(void) {
    const long n = 100000000 / g_scale;
    int64_t ns;
    static goc_once o;
    static pthread_once_t po = PTHREAD_ONCE_INIT;
    g_once_runs = 0;
    BENCH_BEST_OF(REPS, ns, {
        if (g_goc) for (long i = 0; i < n; i++) goc_once_do(&o, once_fn, NULL);
        else       for (long i = 0; i < n; i++) pthread_once(&po, once_fn0);
        __asm__ __volatile__("" ::: "memory");
    });
    if (g_once_runs != 1) bench_fail("once_done", "fn ran more than once");
    bench_report("once_done", ns, n);
}

/* ---- smap_mixed: 65,536 u64 keys, 90% get, 9% put, 1% delete ---- */
#define SMAP_KEYS 65536
typedef struct { uint64_t key; void *value; } kv;
static goc_smap *g_smap;
static kv *g_single;                       /* the peer: one map ... */
static pthread_rwlock_t g_single_mu = PTHREAD_RWLOCK_INITIALIZER; /* ... one lock */
static long g_bad;

static void *val_of(uint64_t k) { return (void *)(uintptr_t)(k * 2 + 1); }

static bool single_get(uint64_t k, void **v) {
    pthread_rwlock_rdlock(&g_single_mu);
    kv *t = g_single;
    ptrdiff_t i = -1;
    if (t) t = (kv *)stbds_hmget_key_ts(t, sizeof *t, &k, sizeof k, &i, STBDS_HM_BINARY);
    if (i >= 0) *v = t[i].value;
    pthread_rwlock_unlock(&g_single_mu);
    return i >= 0;
}
static void single_put(uint64_t k, void *v) {
    pthread_rwlock_wrlock(&g_single_mu);
    g_single = (kv *)stbds_hmput_key(g_single, sizeof *g_single, &k, sizeof k, STBDS_HM_BINARY);
    ptrdiff_t i = stbds_temp(g_single - 1);
    g_single[i].key = k;
    g_single[i].value = v;
    pthread_rwlock_unlock(&g_single_mu);
}
static void single_del(uint64_t k) {
    pthread_rwlock_wrlock(&g_single_mu);
    g_single = (kv *)stbds_hmdel_key(g_single, sizeof *g_single, &k, sizeof k,
                                     offsetof(kv, key), STBDS_HM_BINARY);
    pthread_rwlock_unlock(&g_single_mu);
}

static void *smap_worker(void *arg) {
    long n = ((targ *)arg)->n, bad = 0;
    uint64_t x = (uint64_t)(uintptr_t)&n * 0x9E3779B97F4A7C15ull | 1;
    bench_start_wait(&g_start);
    for (long i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;          /* xorshift64 */
        uint64_t k = x % SMAP_KEYS;
        unsigned op = (unsigned)((x >> 32) % 100);
        void *v = NULL;
        if (op < 90) {
            bool hit = g_goc ? goc_smap_get(g_smap, k, &v) : single_get(k, &v);
            bad += hit && v != val_of(k);
        } else if (op < 99) {
            if (g_goc) goc_smap_put(g_smap, k, val_of(k)); else single_put(k, val_of(k));
        } else {
            if (g_goc) goc_smap_del(g_smap, k); else single_del(k);
        }
    }
    __atomic_fetch_add(&g_bad, bad, __ATOMIC_RELAXED);
    return NULL;
}

static void bench_smap_mixed(void) {
    const long total = 4000000 / g_scale;
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        g_smap = goc_smap_new(0);
        for (uint64_t k = 0; k < SMAP_KEYS; k++) {
            if (g_goc) goc_smap_put(g_smap, k, val_of(k)); else single_put(k, val_of(k));
        }
        int64_t ns = run_threads(4, smap_worker, total / 4);
        size_t len = g_goc ? goc_smap_len(g_smap) : (size_t)stbds_hmlen(g_single);
        if (g_bad || len > SMAP_KEYS || len < SMAP_KEYS / 2) bench_fail("smap_mixed", "map contents");
        goc_smap_free(g_smap);
        stbds_hmfree(g_single);
        if (ns < best) best = ns;
    }
    bench_report("smap_mixed", best, total);
}

int main(int argc, char **argv) {
    const char *only = bench_args(argc, argv);     /* run only workloads containing this */
    if (!only) return 2;
    if (strstr("mutex_contended", only)) bench_mutex_contended();
    if (strstr("rwmutex_read_mostly", only)) bench_rwmutex_read_mostly();
    if (strstr("rwmutex_rm_t1", only)) bench_rwmutex_read_mostly_n("rwmutex_rm_t1", 1);
    if (strstr("rwmutex_rm_t2", only)) bench_rwmutex_read_mostly_n("rwmutex_rm_t2", 2);
    if (strstr("rwmutex_rm_t8", only)) bench_rwmutex_read_mostly_n("rwmutex_rm_t8", 8);
    if (strstr("wg_uncontended", only)) bench_wg_uncontended();
    if (strstr("once_done", only)) bench_once_done();
    if (strstr("smap_mixed", only)) bench_smap_mixed();
    return 0;
}
