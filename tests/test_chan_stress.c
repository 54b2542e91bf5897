/* Channels under load: every value counted. Values are (producer << 32 |
 * sequence); a table counts how often each one arrived (it must be exactly
 * once for every successful send, zero otherwise), and each consumer checks
 * that it sees every producer's sequence numbers in increasing order
 * (per-sender FIFO). Race tests run for a fixed time, not a fixed count, so
 * that slow (sanitized) builds still reach the rare windows. */
#include "testutil.h"

TestSuite(stress, .timeout = 120);

enum { P = 4, C = 4, MAXSEQ = 400000 };

typedef struct run {
    goc_chan      *ch;          /* the channel under test */
    goc_chan      *ch2;         /* select tests: a second channel */
    long           per_producer;/* values each producer sends (0: until stopped) */
    goc_atomic_i32 stop;        /* producers: stop sending */
    int            mode;        /* how producers and consumers call the channel */
    int64_t        sent[P];     /* values each producer sent successfully: seq 0..sent-1 */
} run;

static goc_atomic_u32 g_seen[P][MAXSEQ];   /* arrivals per value */

enum { PLAIN, TIMEOUTS, TRIES, SELECTS };

static void reset_seen(void) { memset(g_seen, 0, sizeof g_seen); }

static uint64_t make_value(int p, int64_t seq) { return (uint64_t)p << 32 | (uint64_t)seq; }

/* Send one value as the mode says; returns GOC_OK or GOC_CLOSED (a
 * timeout or would-block is retried with the same value), or GOC_TIMEOUT
 * when told to stop before it got through. */
static int send_one(run *r, uint64_t v, unsigned *rng) {
    for (;;) {
        if (!r->per_producer && goc_atomic_i32_load(&r->stop)) return GOC_TIMEOUT;
        int res;
        *rng = *rng * 1103515245u + 12345u;
        switch (r->mode) {
        case TIMEOUTS: res = goc_chan_send_timeout(r->ch, &v, (goc_duration)(*rng >> 16) % 40 * GOC_MICROSECOND); break;
        case TRIES:    res = goc_chan_try_send(r->ch, &v); break;
        case SELECTS: {
            goc_case cs[2] = { goc_send_case(r->ch, &v), goc_send_case(r->ch2, &v) };
            res = goc_select_timeout(cs, 2, (goc_duration)(*rng >> 16) % 40 * GOC_MICROSECOND);
            if (res >= 0) res = cs[res].ok ? GOC_OK : GOC_CLOSED;
            break;
        }
        default:       res = goc_chan_send(r->ch, &v); break;
        }
        if (res == GOC_OK || res == GOC_CLOSED) return res;
        T_CHECK(res == GOC_TIMEOUT || res == GOC_WOULDBLOCK);
        if (res == GOC_WOULDBLOCK) sched_yield();
    }
}

static int g_pid_next;
static goc_mutex g_pid_mu;

static void *producer(void *arg) {
    run *r = arg;
    goc_mutex_lock(&g_pid_mu);
    int p = g_pid_next++;
    goc_mutex_unlock(&g_pid_mu);
    unsigned rng = (unsigned)p * 7919u + 1;
    int64_t seq = 0;
    for (; seq < MAXSEQ; seq++) {
        if (r->per_producer && seq == r->per_producer) break;
        if (!r->per_producer && goc_atomic_i32_load(&r->stop)) break;
        if (send_one(r, make_value(p, seq), &rng) != GOC_OK) break;
    }
    r->sent[p] = seq;
    return NULL;
}

/* Receive until the channel (both, for selects) is closed and drained. */
static void *consumer(void *arg) {
    run *r = arg;
    int64_t last[P];
    for (int p = 0; p < P; p++) last[p] = -1;
    unsigned rng = 12345;
    goc_chan *a = r->ch, *b = r->mode == SELECTS ? r->ch2 : NULL;
    for (;;) {
        uint64_t v = 0;
        int res;
        rng = rng * 1103515245u + 12345u;
        switch (r->mode) {
        case TIMEOUTS: res = goc_chan_recv_timeout(a, &v, (goc_duration)(rng >> 16) % 40 * GOC_MICROSECOND); break;
        case TRIES:    /* two try-ers never meet on an unbuffered channel: block at times */
            res = rng >> 30 ? goc_chan_try_recv(a, &v) : goc_chan_recv(a, &v);
            break;
        case SELECTS: {
            if (!a && !b) return NULL;
            goc_case cs[2] = { goc_recv_case(a, &v), goc_recv_case(b, &v) };
            int k = goc_select_timeout(cs, 2, (goc_duration)(rng >> 16) % 40 * GOC_MICROSECOND);
            if (k == GOC_TIMEOUT) continue;
            T_CHECK(k == 0 || k == 1);
            if (k != 0 && k != 1) continue;
            if (!cs[k].ok) {                /* that channel is done: a Go nil channel now */
                if (k == 0) a = NULL; else b = NULL;
                continue;
            }
            res = GOC_OK;
            break;
        }
        default:       res = goc_chan_recv(a, &v); break;
        }
        if (res == GOC_CLOSED) return NULL;
        if (res == GOC_TIMEOUT || res == GOC_WOULDBLOCK) {
            if (res == GOC_WOULDBLOCK) sched_yield();
            continue;
        }
        T_CHECK(res == GOC_OK);
        int p = (int)(v >> 32);
        int64_t seq = (int64_t)(v & 0xFFFFFFFFu);
        T_CHECK(p >= 0 && p < P && seq < MAXSEQ);
        if (p < 0 || p >= P || seq >= MAXSEQ) continue;
        goc_atomic_u32_add(&g_seen[p][seq], 1);
        /* Per-sender FIFO holds for one channel; with two, only per channel. */
        if (r->mode != SELECTS) {
            T_CHECK(seq > last[p]);
            last[p] = seq;
        }
    }
}

/* Every value sent arrived exactly once; nothing else arrived. */
static void check_counts(run *r) {
    int64_t bad = 0;
    for (int p = 0; p < P; p++) {
        cr_assert_leq(r->sent[p], MAXSEQ);
        for (int64_t s = 0; s < MAXSEQ; s++) {
            uint32_t n = goc_atomic_u32_load(&g_seen[p][s]);
            if (n != (s < r->sent[p] ? 1u : 0u)) {
                if (bad++ < 5) fprintf(stderr, "value %d/%lld arrived %u times (sent %lld)\n",
                                       p, (long long)s, n, (long long)r->sent[p]);
            }
        }
    }
    cr_assert_eq(bad, 0, "%lld values lost or duplicated", (long long)bad);
    T_NO_FAILURES();
}

/* Producers and consumers run; producers end (per_producer values, or at
 * stop after run_ms), then the channels close and consumers drain. */
static void run_traffic(run *r, int run_ms) {
    t_threads prod = {0}, cons = {0};
    reset_seen();
    g_pid_next = 0;
    for (int i = 0; i < C; i++) t_spawn(&cons, consumer, r);
    for (int i = 0; i < P; i++) t_spawn(&prod, producer, r);
    if (!r->per_producer) {
        t_sleep_ms(run_ms);
        goc_atomic_i32_store(&r->stop, 1);
    }
    t_join(&prod);
    goc_chan_close(r->ch);
    if (r->ch2) goc_chan_close(r->ch2);
    t_join(&cons);
    check_counts(r);
}

static void mpmc(size_t cap, int mode, long per_producer, int run_ms) {
    run r = { .ch = goc_chan_make(sizeof(uint64_t), cap), .per_producer = per_producer, .mode = mode };
    if (mode == SELECTS) r.ch2 = goc_chan_make(sizeof(uint64_t), cap ? 0 : 3);   /* mixed kinds */
    run_traffic(&r, run_ms);
    goc_chan_free(r.ch);
    if (r.ch2) goc_chan_free(r.ch2);
}

Test(stress, mpmc_buffered_counted) {
    mpmc(1024, PLAIN, T_ITERS(200000), 0);
    mpmc(7, PLAIN, T_ITERS(100000), 0);
    mpmc(1, PLAIN, T_ITERS(50000), 0);
}

Test(stress, mpmc_unbuffered_counted) {
    mpmc(0, PLAIN, T_ITERS(50000), 0);
}

Test(stress, mpmc_try_ops_counted) {
    mpmc(16, TRIES, T_ITERS(50000), 0);
    mpmc(0, TRIES, 0, 300);
}

/* A timeout racing a send neither loses nor duplicates the value: both
 * sides use timeouts of 0-40 us, so many expire as a partner arrives. */
Test(stress, timeouts_racing_sends) {
    mpmc(0, TIMEOUTS, 0, 400);
    mpmc(2, TIMEOUTS, 0, 400);
    mpmc(64, TIMEOUTS, 0, 300);
}

/* Selects over a buffered and an unbuffered channel, with timeouts,
 * mixed with nothing else: counted. */
Test(stress, selects_counted) {
    mpmc(0, SELECTS, 0, 400);
    mpmc(5, SELECTS, 0, 400);
}

/* Close races the traffic: producers send until GOC_CLOSED, consumers
 * receive until GOC_CLOSED. Every send that answered GOC_OK arrived once,
 * every other value never. */
static void *closer(void *arg) {
    run *r = arg;
    t_sleep_ms(1 + (int)(goc_nanotime() / 1000 % 5));
    T_CHECK(goc_chan_close(r->ch) == GOC_OK);
    return NULL;
}

Test(stress, close_racing_traffic) {
    int64_t end = t_now() + 1500 * GOC_MILLISECOND;
    int rounds = 0;
    size_t caps[] = { 0, 1, 3, 100 };
    while (t_now() < end || rounds < 8) {
        size_t cap = caps[rounds % 4];
        run r = { .ch = goc_chan_make(sizeof(uint64_t), cap), .mode = rounds % 8 < 4 ? PLAIN : TIMEOUTS };
        t_threads prod = {0}, cons = {0}, cl = {0};
        reset_seen();
        g_pid_next = 0;
        for (int i = 0; i < C; i++) t_spawn(&cons, consumer, &r);
        for (int i = 0; i < P; i++) t_spawn(&prod, producer, &r);
        t_spawn(&cl, closer, &r);
        t_join(&prod);           /* a producer blocked in send must wake at close */
        t_join(&cons);
        t_join(&cl);
        check_counts(&r);
        goc_chan_free(r.ch);
        rounds++;
    }
}

/* Close races blocked selects and plain operations on the same channel,
 * both directions: everybody wakes, with the right answer. */
static goc_chan *g_close_ch;

static void *close_race_waiter(void *arg) {
    long kind = (long)arg;
    uint64_t v = 1;
    int res;
    if (kind == 0) res = goc_chan_send(g_close_ch, &v);
    else if (kind == 1) res = goc_chan_recv(g_close_ch, &v);
    else {
        goc_chan *idle = goc_chan_make(8, 0);
        goc_case cs[2] = { goc_recv_case(idle, &v),
                           kind == 2 ? goc_send_case(g_close_ch, &v) : goc_recv_case(g_close_ch, &v) };
        int k = goc_select(cs, 2);
        T_CHECK(k == 1);
        res = cs[1].ok ? GOC_OK : GOC_CLOSED;
        goc_chan_free(idle);
    }
    T_CHECK(res == GOC_CLOSED || res == GOC_OK);
    return NULL;
}

Test(stress, close_races_blocked_waiters) {
    int64_t end = t_now() + 1000 * GOC_MILLISECOND;
    int rounds = 0;
    while (t_now() < end || rounds < 20) {
        g_close_ch = goc_chan_make(8, rounds % 2);
        t_threads t = {0};
        for (long k = 0; k < 8; k++) t_spawn(&t, close_race_waiter, (void *)(k % 4));
        if (rounds % 3) t_sleep_ms(rounds % 3);
        goc_chan_close(g_close_ch);
        t_join(&t);
        goc_chan_free(g_close_ch);
        rounds++;
    }
    T_NO_FAILURES();
}
