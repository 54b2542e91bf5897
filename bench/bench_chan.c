/* The channel and select workloads of docs/benchmarks.md, for goc or for its
 * pthread peer.
 *     bench_chan goc        goc's channels and select
 *     bench_chan pthread    a textbook channel: one pthread mutex, two
 *                           condition variables and a ring (unbuffered: a
 *                           one-slot hand-off that waits for the taker);
 *                           it has no select, so select workloads print
 *                           nothing for it
 * Optional: a scale divisor for quick runs (e.g. 10), then a workload name
 * (or part of one) to run only that. Every workload checks the sum of what
 * it received. */
#define GOC_IMPLEMENTATION
#include "chan.h"
#include "bench.h"
#include <poll.h>
#include <unistd.h>

#define REPS 3

/* ---- the textbook peer ------------------------------------------------- */

typedef struct pchan {
    pthread_mutex_t mu;
    pthread_cond_t  not_empty, not_full, taken;
    int64_t        *buf;
    size_t          cap, head, count;   /* unbuffered: cap 1, plus `taken` */
    int             unbuffered;
    uint64_t        puts, takes;        /* unbuffered: hand-off tickets */
} pchan;

static pchan *pchan_make(size_t cap) {
    pchan *c = calloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->not_empty, NULL);
    pthread_cond_init(&c->not_full, NULL);
    pthread_cond_init(&c->taken, NULL);
    c->unbuffered = cap == 0;
    c->cap = cap ? cap : 1;
    c->buf = calloc(c->cap, sizeof *c->buf);
    return c;
}

static void pchan_free(pchan *c) {
    free(c->buf);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->not_empty);
    pthread_cond_destroy(&c->not_full);
    pthread_cond_destroy(&c->taken);
    free(c);
}

static void pchan_send(pchan *c, int64_t v) {
    pthread_mutex_lock(&c->mu);
    while (c->count == c->cap) pthread_cond_wait(&c->not_full, &c->mu);
    c->buf[(c->head + c->count) % c->cap] = v;
    c->count++;
    uint64_t ticket = ++c->puts;
    pthread_cond_signal(&c->not_empty);
    if (c->unbuffered)                        /* rendezvous: wait until taken */
        while (c->takes < ticket) pthread_cond_wait(&c->taken, &c->mu);
    pthread_mutex_unlock(&c->mu);
}

static int64_t pchan_recv(pchan *c) {
    pthread_mutex_lock(&c->mu);
    while (c->count == 0) pthread_cond_wait(&c->not_empty, &c->mu);
    int64_t v = c->buf[c->head];
    c->head = (c->head + 1) % c->cap;
    c->count--;
    c->takes++;
    pthread_cond_signal(&c->not_full);
    if (c->unbuffered) pthread_cond_broadcast(&c->taken);
    pthread_mutex_unlock(&c->mu);
    return v;
}

/* One interface over both. */
typedef struct bchan { goc_chan *g; pchan *p; } bchan;

static bchan bchan_make(size_t cap) {
    bchan c = { NULL, NULL };
    if (g_goc) c.g = goc_chan_make(sizeof(int64_t), cap); else c.p = pchan_make(cap);
#ifdef GOC_POLL
    /* bench/fdcost.sh: every channel watched by a descriptor */
    if (g_goc && getenv("BENCH_CHAN_FD") && goc_chan_fd(c.g) < 0) abort();
#endif
    return c;
}
static void bchan_free(bchan c) { if (g_goc) goc_chan_free(c.g); else pchan_free(c.p); }
static inline void bsend(bchan c, int64_t v) {
    if (g_goc) { if (goc_chan_send(c.g, &v) != GOC_OK) abort(); }
    else pchan_send(c.p, v);
}
static inline int64_t brecv(bchan c) {
    if (g_goc) { int64_t v; if (goc_chan_recv(c.g, &v) != GOC_OK) abort(); return v; }
    return pchan_recv(c.p);
}

/* ---- harness ------------------------------------------------------------- */

static bench_start g_start;

typedef struct targ { bchan c, c2; bchan many[4]; long n; int id; int64_t sum; } targ;

static int64_t run_threads(int nt, void *(**fns)(void *), targ *args) {
    pthread_t t[16];
    bench_start_init(&g_start, nt + 1);
    for (int i = 0; i < nt; i++) pthread_create(&t[i], NULL, fns[i], &args[i]);
    int64_t t0 = bench_start_wait(&g_start);   /* the clock starts with the release */
    for (int i = 0; i < nt; i++) pthread_join(t[i], NULL);
    return bench_now() - t0;
}

static int64_t sum_to(long n) { return (int64_t)n * (n - 1) / 2; }   /* 0 + 1 + ... + n-1 */

/* ---- chan_uncontended: one thread, send then recv, cap 128 ---- */
static void bench_chan_uncontended(void) {
    const long n = 10000000 / g_scale;
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        bchan c = bchan_make(128);
        int64_t sum = 0, t0 = bench_now();
        for (long i = 0; i < n; i++) {
            bsend(c, i);
            sum += brecv(c);
        }
        int64_t ns = bench_now() - t0;
        if (sum != sum_to(n)) bench_fail("chan_uncontended", "sum");
        if (ns < best) best = ns;
        bchan_free(c);
    }
    bench_report("chan_uncontended", best, n);
}

/* ---- chan_pingpong_unbuf: A sends on c, B receives and sends on c2, A receives ---- */
static void *ping(void *arg) {
    targ *a = arg;
    bench_start_wait(&g_start);
    for (long i = 0; i < a->n; i++) {
        bsend(a->c, i);
        a->sum += brecv(a->c2);
    }
    return NULL;
}
static void *pong(void *arg) {
    targ *a = arg;
    bench_start_wait(&g_start);
    for (long i = 0; i < a->n; i++) bsend(a->c2, brecv(a->c));
    return NULL;
}

static void bench_chan_pingpong_unbuf(void) {
    const long n = 200000 / g_scale;
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        targ a[2] = { { .c = bchan_make(0), .c2 = bchan_make(0), .n = n } };
        a[1] = a[0];
        void *(*fns[2])(void *) = { ping, pong };
        int64_t ns = run_threads(2, fns, a);
        if (a[0].sum != sum_to(n)) bench_fail("chan_pingpong_unbuf", "sum");
        if (ns < best) best = ns;
        bchan_free(a[0].c);
        bchan_free(a[0].c2);
    }
    bench_report("chan_pingpong_unbuf", best, n);
}

/* ---- producers and consumers: spsc, mpmc (buffered and not) ---- */
static void *producer(void *arg) {
    targ *a = arg;
    bench_start_wait(&g_start);
    for (long i = 0; i < a->n; i++) bsend(a->c, i);
    return NULL;
}
static void *consumer(void *arg) {
    targ *a = arg;
    int64_t sum = 0;
    bench_start_wait(&g_start);
    for (long i = 0; i < a->n; i++) sum += brecv(a->c);
    a->sum = sum;
    return NULL;
}

static void bench_prodcons(const char *name, int np, int nc, size_t cap, long total) {
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        bchan c = bchan_make(cap);
        targ a[16];
        void *(*fns[16])(void *);
        for (int i = 0; i < np + nc; i++) {
            a[i] = (targ){ .c = c, .n = total / (i < np ? np : nc) };
            fns[i] = i < np ? producer : consumer;
        }
        int64_t ns = run_threads(np + nc, fns, a);
        int64_t sum = 0;
        for (int i = np; i < np + nc; i++) sum += a[i].sum;
        if (sum != np * sum_to(total / np)) bench_fail(name, "sum");
        if (ns < best) best = ns;
        bchan_free(c);
    }
    bench_report(name, best, total);
}

/* ---- select_fanin: 4 producers, each its own cap-128 channel; one consumer selects ---- */
static int g_fanin_fd = -1;    /* select_fanin_pollcase: a 5th case, a pipe never ready */

static void *fanin_consumer(void *arg) {
    targ *a = arg;
    int64_t sum = 0, v = 0;
    goc_case cs[5];
    size_t n = 4;
    for (int k = 0; k < 4; k++) cs[k] = goc_recv_case(a->many[k].g, &v);
#ifdef GOC_POLL
    struct pollfd pf = { g_fanin_fd, POLLIN, 0 };
    if (g_fanin_fd >= 0) cs[n++] = goc_poll_case(&pf);
#endif
    bench_start_wait(&g_start);
    for (long i = 0; i < a->n; i++) {
        int r = goc_select(cs, n);
        if (r < 0 || r == 4) abort();
        sum += v;
    }
    a->sum = sum;
    return NULL;
}

static void bench_select_fanin_as(const char *name);
static void bench_select_fanin(void) { bench_select_fanin_as("select_fanin"); }

#ifdef GOC_POLL
/* select_fanin with a descriptor case that is never ready: what a select
 * with a GOC_POLL case costs (a poll(2) whenever its turn comes first). */
static void bench_select_fanin_pollcase(void) {
    int p[2];
    if (pipe(p) != 0) abort();
    g_fanin_fd = p[0];
    bench_select_fanin_as("select_fanin_pollcase");
    g_fanin_fd = -1;
    close(p[0]);
    close(p[1]);
}
#endif

static void bench_select_fanin_as(const char *name) {
    if (!g_goc) return;
    const long total = 2000000 / g_scale;
    int64_t best = INT64_MAX;
    for (int r = 0; r < REPS; r++) {
        targ a[5];
        void *(*fns[5])(void *);
        for (int k = 0; k < 4; k++) {
            a[k] = (targ){ .c = bchan_make(128), .n = total / 4 };
            fns[k] = producer;
        }
        a[4] = (targ){ .n = total };
        for (int k = 0; k < 4; k++) a[4].many[k] = a[k].c;
        fns[4] = fanin_consumer;
        int64_t ns = run_threads(5, fns, a);
        if (a[4].sum != 4 * sum_to(total / 4)) bench_fail(name, "sum");
        if (ns < best) best = ns;
        for (int k = 0; k < 4; k++) bchan_free(a[k].c);
    }
    bench_report(name, best, total);
}

/* ---- select_timeout_idle: select over 2 empty channels, 0 timeout ---- */
static void bench_select_timeout_idle(void) {
    if (!g_goc) return;
    const long n = 10000000 / g_scale;
    goc_chan *a = goc_chan_make(sizeof(int64_t), 1), *b = goc_chan_make(sizeof(int64_t), 1);
    int64_t va, vb, best = INT64_MAX;
    long timeouts = 0;
    for (int r = 0; r < REPS; r++) {
        timeouts = 0;
        int64_t t0 = bench_now();
        for (long i = 0; i < n; i++) {
            goc_case cs[2] = { goc_recv_case(a, &va), goc_recv_case(b, &vb) };
            timeouts += goc_select_timeout(cs, 2, 0) == GOC_TIMEOUT;
        }
        int64_t ns = bench_now() - t0;
        if (ns < best) best = ns;
    }
    if (timeouts != n) bench_fail("select_timeout_idle", "a case was chosen");
    goc_chan_free(a);
    goc_chan_free(b);
    bench_report("select_timeout_idle", best, n);
}

int main(int argc, char **argv) {
    const char *only = bench_args(argc, argv);     /* run only workloads containing this */
    if (!only) return 2;
    if (strstr("chan_uncontended", only)) bench_chan_uncontended();
    if (strstr("chan_pingpong_unbuf", only)) bench_chan_pingpong_unbuf();
    if (strstr("chan_spsc_buf", only)) bench_prodcons("chan_spsc_buf", 1, 1, 1024, 10000000 / g_scale);
    if (strstr("chan_mpmc_buf", only)) bench_prodcons("chan_mpmc_buf", 4, 4, 1024, 4000000 / g_scale);
    if (strstr("chan_mpmc_unbuf", only)) bench_prodcons("chan_mpmc_unbuf", 4, 4, 0, 400000 / g_scale);
    if (strstr("select_fanin", only)) bench_select_fanin();
#ifdef GOC_POLL
    if (strstr("select_fanin_pollcase", only) && getenv("BENCH_POLLCASE")) bench_select_fanin_pollcase();
#endif
    if (strstr("select_timeout_idle", only)) bench_select_timeout_idle();
    return 0;
}
