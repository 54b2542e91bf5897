/* make soak: goc's primitives under traffic, for a given time, with close,
 * cancel, timeout and free racing the traffic. Not a benchmark: every round
 * checks what it observed, and the totals at the end say how much was
 * exercised.
 *
 *   build/soak/soak [seconds]      (default 600; make soak SOAK_TIME=...)
 *
 * Channel rounds, one after another on the main thread: a channel of a
 * random capacity (0..4), 1-3 senders sending tagged, numbered values with
 * plain, timed and select sends (a select also holds a goc_after case and
 * a context's done channel), 1-3 receivers likewise, a closer that closes
 * the channel at a random moment and a canceller that cancels the round's
 * context at another. After the round: every value a sender was told
 * GOC_OK for was received exactly once (what was still buffered at the
 * close is drained and counted), each receiver saw each sender's values in
 * increasing order, and nothing was received that was not sent.
 *
 * Beside the rounds, for the whole time: lockers on a mutex, an RWMutex and
 * a semaphore, with plain and timed acquisitions, checking mutual exclusion
 * on unprotected counters; one-shot completions (a heap semaphore, a Cond,
 * a WaitGroup) freed by the waiter the moment it is released; context trees
 * built, cancelled and freed (with deadlines); timers reset and stopped
 * against their own firing; worker pools created, fed and freed.
 *
 * Exit 0 and a line of totals when every check held; 1 otherwise. */
#define _DEFAULT_SOURCE 1
#define GOC_IMPLEMENTATION
#include "context.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

static goc_atomic_i64 failures;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "soak: %s:%d: %s\n", __FILE__, __LINE__, #c); \
                                   goc_atomic_i64_add(&failures, 1); } } while (0)

static goc_atomic_bool stop;
static int64_t end_time;

static uint64_t rnd(uint64_t *s) {            /* xorshift64* */
    *s ^= *s >> 12; *s ^= *s << 25; *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Dull;
}

/* ---- channel rounds ---------------------------------------------------------- */

#define MAXS 3
#define MAXR 3
#define PER_SENDER 2000

typedef struct round {
    goc_chan *ch;
    goc_ctx *ctx;
    int nsend, nrecv;
    uint8_t sent_ok[MAXS][PER_SENDER];        /* by the sender: GOC_OK was answered */
    goc_atomic_u32 got[MAXS][PER_SENDER];     /* by any receiver: times received */
    uint64_t seed;
} round_t;

typedef struct worker { round_t *r; int id; uint64_t seed; } worker;

static struct { goc_atomic_i64 rounds, sent, received, timeouts, closed_sends, selects, canceled; } tot;

static uint32_t tag(int s, int i) { return (uint32_t)s << 24 | (uint32_t)i; }

static void *sender(void *arg) {
    worker *w = arg;
    round_t *r = w->r;
    for (int i = 0; i < PER_SENDER; i++) {
        uint32_t v = tag(w->id, i);
        int res;
        switch (rnd(&w->seed) % 4) {
        case 0: res = goc_chan_send(r->ch, &v); break;
        case 1: res = goc_chan_send_timeout(r->ch, &v, (goc_duration)(rnd(&w->seed) % 50) * GOC_MICROSECOND); break;
        case 2: res = goc_chan_try_send(r->ch, &v); break;
        default: {
            goc_chan *after = goc_after((goc_duration)(rnd(&w->seed) % 100) * GOC_MICROSECOND);
            goc_case cs[3] = { goc_send_case(r->ch, &v), goc_recv_case(after, NULL),
                               goc_recv_case(goc_ctx_done(r->ctx), NULL) };
            int k = goc_select(cs, 3);
            goc_chan_free(after);              /* often before it fired */
            goc_atomic_i64_add(&tot.selects, 1);
            res = k == 0 ? (cs[0].ok ? GOC_OK : GOC_CLOSED) : k == 1 ? GOC_TIMEOUT : GOC_CANCELED;
            if (k == 2) goc_atomic_i64_add(&tot.canceled, 1);
        }
        }
        CHECK(res == GOC_OK || res == GOC_CLOSED || res == GOC_TIMEOUT || res == GOC_WOULDBLOCK ||
              res == GOC_CANCELED);
        if (res == GOC_OK) { r->sent_ok[w->id][i] = 1; goc_atomic_i64_add(&tot.sent, 1); }
        if (res == GOC_TIMEOUT || res == GOC_WOULDBLOCK) goc_atomic_i64_add(&tot.timeouts, 1);
        if (res == GOC_CLOSED) { goc_atomic_i64_add(&tot.closed_sends, 1); break; }
    }
    goc_chan_free(r->ch);                      /* each thread holds its own reference */
    return NULL;
}

static void take(round_t *r, uint32_t v, int last[MAXS]) {
    int s = (int)(v >> 24), i = (int)(v & 0xFFFFFF);
    CHECK(s < r->nsend && i < PER_SENDER);
    if (s >= r->nsend || i >= PER_SENDER) return;
    CHECK(i > last[s]);                        /* per-sender order, per receiver */
    last[s] = i;
    goc_atomic_u32_add(&r->got[s][i], 1);
    goc_atomic_i64_add(&tot.received, 1);
}

static void *receiver(void *arg) {
    worker *w = arg;
    round_t *r = w->r;
    int last[MAXS] = { -1, -1, -1 };
    for (;;) {
        uint32_t v;
        int res;
        switch (rnd(&w->seed) % 3) {
        case 0: res = goc_chan_recv(r->ch, &v); break;
        case 1: res = goc_chan_recv_timeout(r->ch, &v, (goc_duration)(rnd(&w->seed) % 50) * GOC_MICROSECOND); break;
        default: {
            goc_case cs[2] = { goc_recv_case(r->ch, &v), goc_recv_case(goc_ctx_done(r->ctx), NULL) };
            int k = goc_select_timeout(cs, 2, (goc_duration)(rnd(&w->seed) % 100) * GOC_MICROSECOND);
            goc_atomic_i64_add(&tot.selects, 1);
            res = k == 0 ? (cs[0].ok ? GOC_OK : GOC_CLOSED) : k == 1 ? GOC_TIMEOUT : k;
        }
        }
        if (res == GOC_OK) take(r, v, last);
        else if (res == GOC_CLOSED) break;
        else CHECK(res == GOC_TIMEOUT);
    }
    goc_chan_free(r->ch);
    return NULL;
}

static void *closer(void *arg) {
    worker *w = arg;
    goc_sleep((goc_duration)(rnd(&w->seed) % 3000) * GOC_MICROSECOND);
    if (rnd(&w->seed) % 2) goc_ctx_cancel(w->r->ctx);
    goc_sleep((goc_duration)(rnd(&w->seed) % 3000) * GOC_MICROSECOND);
    int c = goc_chan_close(w->r->ch);
    CHECK(c == GOC_OK);
    CHECK(goc_chan_close(w->r->ch) == GOC_CLOSED);
    goc_chan_free(w->r->ch);
    return NULL;
}

static void channel_round(uint64_t *seed) {
    round_t *r = calloc(1, sizeof *r);
    r->ch = goc_chan_make(sizeof(uint32_t), rnd(seed) % 5);
    r->ctx = goc_ctx_with_timeout(goc_ctx_background(), (goc_duration)(rnd(seed) % 5000) * GOC_MICROSECOND);
    r->nsend = 1 + (int)(rnd(seed) % MAXS);
    r->nrecv = 1 + (int)(rnd(seed) % MAXR);
    pthread_t t[MAXS + MAXR + 1];
    worker w[MAXS + MAXR + 1];
    int n = 0;
    for (int i = 0; i < r->nsend; i++, n++) {
        w[n] = (worker){ r, i, rnd(seed) | 1 };
        goc_chan_retain(r->ch);
        pthread_create(&t[n], NULL, sender, &w[n]);
    }
    for (int i = 0; i < r->nrecv; i++, n++) {
        w[n] = (worker){ r, i, rnd(seed) | 1 };
        goc_chan_retain(r->ch);
        pthread_create(&t[n], NULL, receiver, &w[n]);
    }
    w[n] = (worker){ r, 0, rnd(seed) | 1 };
    goc_chan_retain(r->ch);
    pthread_create(&t[n], NULL, closer, &w[n]);
    n++;
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    /* Receivers leave at GOC_CLOSED, which comes only after the buffer is
     * drained: so nothing may be left. */
    uint32_t v;
    CHECK(goc_chan_try_recv(r->ch, &v) == GOC_CLOSED);
    for (int s = 0; s < r->nsend; s++)
        for (int i = 0; i < PER_SENDER; i++) {
            uint32_t g = goc_atomic_u32_load(&r->got[s][i]);
            CHECK(g == r->sent_ok[s][i]);     /* exactly once if sent, never if not */
        }
    goc_chan_free(r->ch);
    goc_ctx_free(r->ctx);
    free(r);
    goc_atomic_i64_add(&tot.rounds, 1);
}

/* ---- side load ---------------------------------------------------------------- */

static goc_mutex mu;
static goc_rwmutex rw;
static goc_sem sem;
static long in_mu, in_w, in_r, in_sem;          /* occupancy, checked by the holders */
static struct { goc_atomic_i64 locks, lock_timeouts, oneshots, ctxs, timers, jobs; } side;

static void *lockers(void *arg) {
    uint64_t seed = (uintptr_t)arg | 1;
    while (!goc_atomic_bool_load(&stop)) {
        goc_duration d = (goc_duration)(rnd(&seed) % 200) * GOC_MICROSECOND - 20 * GOC_MICROSECOND;
        switch (rnd(&seed) % 5) {
        case 0:
            if (goc_mutex_lock_timeout(&mu, d) != GOC_OK) { goc_atomic_i64_add(&side.lock_timeouts, 1); break; }
            CHECK(++in_mu == 1); in_mu--;
            goc_mutex_unlock(&mu);
            break;
        case 1:
            if (goc_rwmutex_lock_timeout(&rw, d) != GOC_OK) { goc_atomic_i64_add(&side.lock_timeouts, 1); break; }
            CHECK(++in_w == 1 && __atomic_load_n(&in_r, __ATOMIC_SEQ_CST) == 0); in_w--;
            goc_rwmutex_unlock(&rw);
            break;
        case 2:
            if (goc_rwmutex_rlock_timeout(&rw, d) != GOC_OK) { goc_atomic_i64_add(&side.lock_timeouts, 1); break; }
            __atomic_add_fetch(&in_r, 1, __ATOMIC_SEQ_CST);
            CHECK(in_w == 0);
            __atomic_sub_fetch(&in_r, 1, __ATOMIC_SEQ_CST);
            goc_rwmutex_runlock(&rw);
            break;
        default: {
            int64_t n = 1 + (int64_t)(rnd(&seed) % 3);
            if (goc_sem_acquire_timeout(&sem, n, d) != GOC_OK) { goc_atomic_i64_add(&side.lock_timeouts, 1); break; }
            CHECK(__atomic_add_fetch(&in_sem, n, __ATOMIC_SEQ_CST) <= 4);
            __atomic_sub_fetch(&in_sem, n, __ATOMIC_SEQ_CST);
            goc_sem_release(&sem, n);
        }
        }
        goc_atomic_i64_add(&side.locks, 1);
    }
    return NULL;
}

/* One-shot completions the waiter frees the moment it is released. */
typedef struct oneshot { goc_sem s; goc_mutex m; goc_cond c; bool flag; goc_waitgroup wg; } oneshot;
static void release_oneshot(void *arg) {
    oneshot *o = arg;
    goc_sem_release(&o->s, 1);
}
static void signal_oneshot(void *arg) {
    oneshot *o = arg;
    goc_mutex_lock(&o->m);
    o->flag = true;
    goc_mutex_unlock(&o->m);
    goc_cond_signal(&o->c);
}
static void done_oneshot(void *arg) { goc_wg_done(&((oneshot *)arg)->wg); }

static void *oneshots(void *arg) {
    (void)arg;
    while (!goc_atomic_bool_load(&stop)) {
        oneshot *o = calloc(1, sizeof *o);
        goc_sem_init(&o->s, 1);
        goc_sem_acquire(&o->s, 1);
        CHECK(goc_go(release_oneshot, o) == GOC_OK);
        CHECK(goc_sem_acquire(&o->s, 1) == GOC_OK);
        free(o);
        o = calloc(1, sizeof *o);
        CHECK(goc_go(signal_oneshot, o) == GOC_OK);
        goc_mutex_lock(&o->m);
        while (!o->flag) goc_cond_wait(&o->c, &o->m);
        goc_mutex_unlock(&o->m);
        free(o);
        o = calloc(1, sizeof *o);
        goc_wg_add(&o->wg, 1);
        CHECK(goc_go(done_oneshot, o) == GOC_OK);
        goc_wg_wait(&o->wg);
        free(o);
        goc_atomic_i64_add(&side.oneshots, 3);
    }
    return NULL;
}

static void *contexts(void *arg) {
    uint64_t seed = (uintptr_t)arg | 1;
    while (!goc_atomic_bool_load(&stop)) {
        goc_ctx *root = goc_ctx_with_cancel(goc_ctx_background());
        goc_ctx *kids[16];
        int n = 0;
        goc_ctx *p = root;
        for (int i = 0; i < 16; i++) {
            goc_ctx *c;
            switch (rnd(&seed) % 3) {
            case 0: c = goc_ctx_with_cancel(p); break;
            case 1: c = goc_ctx_with_timeout(p, (goc_duration)(rnd(&seed) % 500) * GOC_MICROSECOND); break;
            default: c = goc_ctx_with_value(p, &kids, p); break;
            }
            CHECK(c != NULL);
            kids[n++] = c;
            if (rnd(&seed) % 2) p = c;
        }
        goc_sleep((goc_duration)(rnd(&seed) % 300) * GOC_MICROSECOND);
        if (rnd(&seed) % 2) goc_ctx_cancel(kids[rnd(&seed) % 16]);
        goc_ctx_free(root);
        for (int i = 0; i < n; i++) {
            CHECK(goc_ctx_err(kids[i]) != GOC_OK);       /* the root's cancel reached all */
            if (rnd(&seed) % 2) goc_ctx_free(kids[i]); else goc_ctx_release(kids[i]);
        }
        goc_atomic_i64_add(&side.ctxs, 17);
    }
    return NULL;
}

static void *timers(void *arg) {
    uint64_t seed = (uintptr_t)arg | 1;
    while (!goc_atomic_bool_load(&stop)) {
        goc_timer *t = goc_timer_new((goc_duration)(rnd(&seed) % 100) * GOC_MICROSECOND);
        for (int i = 0; i < 8; i++) {
            goc_sleep((goc_duration)(rnd(&seed) % 50) * GOC_MICROSECOND);
            bool was = rnd(&seed) % 2 ? goc_timer_stop(t)
                                      : goc_timer_reset(t, (goc_duration)(rnd(&seed) % 100) * GOC_MICROSECOND);
            (void)was;
            int64_t when;
            /* after stop/reset returns, no value of the old schedule arrives */
            if (goc_chan_try_recv(goc_timer_chan(t), &when) == GOC_OK) CHECK(when > 0);
        }
        goc_timer_free(t);
        goc_atomic_i64_add(&side.timers, 1);
    }
    return NULL;
}

static goc_atomic_i64 jobs_ran;
static void job(void *arg) { (void)arg; goc_atomic_i64_add(&jobs_ran, 1); }

static void *workers(void *arg) {
    uint64_t seed = (uintptr_t)arg | 1;
    while (!goc_atomic_bool_load(&stop)) {
        goc_workers *w = goc_workers_new(1 + rnd(&seed) % 3, rnd(&seed) % 4 + 1);
        int64_t before = goc_atomic_i64_load(&jobs_ran), ok = 0;
        for (int i = 0; i < 50; i++) {
            int r = rnd(&seed) % 2 ? goc_workers_submit(w, job, NULL)
                                   : goc_workers_submit_timeout(w, job, NULL, (goc_duration)(rnd(&seed) % 20) * GOC_MICROSECOND);
            CHECK(r == GOC_OK || r == GOC_TIMEOUT);
            ok += r == GOC_OK;
        }
        goc_workers_free(w);                    /* runs the queued ones first */
        CHECK(goc_atomic_i64_load(&jobs_ran) - before == ok);
        goc_atomic_i64_add(&side.jobs, ok);
    }
    return NULL;
}

int main(int argc, char **argv) {
    int64_t secs = argc > 1 ? atoll(argv[1]) : 600;
    goc_sem_init(&sem, 4);
    int64_t start = goc_now();
    end_time = goc_add_sat(start, secs * GOC_SECOND);
    pthread_t side_t[6];
    void *(*fns[6])(void *) = { lockers, lockers, oneshots, contexts, timers, workers };
    for (int i = 0; i < 6; i++) pthread_create(&side_t[i], NULL, fns[i], (void *)(uintptr_t)(i * 7919 + 1));
    uint64_t seed = (uint64_t)start | 1;
    int64_t next_report = start + 60 * GOC_SECOND;
    while (goc_now() < end_time && goc_atomic_i64_load(&failures) == 0) {
        channel_round(&seed);
        if (goc_now() >= next_report) {
            fprintf(stderr, "soak: %lld s, %lld rounds\n", (long long)((goc_now() - start) / GOC_SECOND),
                    (long long)goc_atomic_i64_load(&tot.rounds));
            next_report += 60 * GOC_SECOND;
        }
    }
    goc_atomic_bool_store(&stop, true);
    for (int i = 0; i < 6; i++) pthread_join(side_t[i], NULL);
    int64_t took = (goc_now() - start) / GOC_SECOND;
    printf("soak: %lld s: %lld channel rounds, %lld values sent = received %lld, %lld timeouts, "
           "%lld sends refused by close, %lld selects (%lld ended by cancel); "
           "%lld lock acquisitions (%lld timed out), %lld one-shot frees, %lld contexts, "
           "%lld timer lifetimes, %lld worker jobs; %lld failures\n",
           (long long)took, (long long)goc_atomic_i64_load(&tot.rounds),
           (long long)goc_atomic_i64_load(&tot.sent), (long long)goc_atomic_i64_load(&tot.received),
           (long long)goc_atomic_i64_load(&tot.timeouts), (long long)goc_atomic_i64_load(&tot.closed_sends),
           (long long)goc_atomic_i64_load(&tot.selects), (long long)goc_atomic_i64_load(&tot.canceled),
           (long long)goc_atomic_i64_load(&side.locks), (long long)goc_atomic_i64_load(&side.lock_timeouts),
           (long long)goc_atomic_i64_load(&side.oneshots), (long long)goc_atomic_i64_load(&side.ctxs),
           (long long)goc_atomic_i64_load(&side.timers), (long long)goc_atomic_i64_load(&side.jobs),
           (long long)goc_atomic_i64_load(&failures));
    return goc_atomic_i64_load(&failures) == 0 && goc_atomic_i64_load(&tot.sent) == goc_atomic_i64_load(&tot.received) ? 0 : 1;
}
