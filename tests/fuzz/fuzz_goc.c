/* fuzz_goc.c - libFuzzer target: goc checked against a sequential model.
 *
 * Build and run: scripts/fuzz.sh [SECONDS]   (make fuzz FUZZ_TIME=60)
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *         -fno-sanitize-recover=all -I. -I/usr/include/stb tests/fuzz/fuzz_goc.c -pthread
 * Replay one input: build/fuzz/fuzz_goc FILE
 *
 * INPUT FORMAT
 *   byte 0, bit 7 clear: part A (deterministic, one thread), the rest of
 *   the input is a stream of operations: an opcode byte (taken modulo the
 *   number of operations, see enum op below) followed by the argument
 *   bytes that operation reads. A read past the end gives 0, and the run
 *   stops after MAX_OPS operations. Objects live in small slot tables:
 *   4 channels, 2 mutexes, 2 rwmutexes, 2 semaphores, a WaitGroup, a Cond,
 *   2 Onces, up to 16 contexts, 2 timers, 2 AfterFunc timers, a striped
 *   map. Durations
 *   are picked from tables that hold INT64_MIN, -1, 0, 1 and a few small
 *   positive values (and, for timers and contexts, waits that never come
 *   due during the run: 1 h, GOC_FOREVER).
 *   byte 0, bit 7 set: part B (2-3 threads). Byte 1: thread count, channel
 *   count; bytes 2-3: channel capacities; the remaining bytes are dealt
 *   round-robin to the threads (at most B_OPS each); each byte is one
 *   operation: bits 0-2 opcode, bit 3 channel, bits 4-7 duration index
 *   (INT64_MIN, -1, 0, 1 ns ... 2 ms: never a long wait).
 *
 * WHAT IS CHECKED (any failure aborts, so libFuzzer records the input)
 *   Part A, exactly against the model: channel result codes (OK,
 *   WOULDBLOCK, CLOSED, TIMEOUT, EINVAL for NULL channels and NULL
 *   elements), values (FIFO, nothing lost or duplicated, elem sizes 0, 1,
 *   8, 24, caps 0-4 with ring wrap-around, channels in caller memory via
 *   goc_chan_init), *out zeroed by a receive on a closed drained channel,
 *   a second close answers CLOSED, len/cap; select (try, timeout d <= 0 or
 *   small, blocking when the model says a case is ready, 0-4 cases and 17+
 *   to use the heap, NULL and repeated channels, bad dir): only a ready
 *   case is chosen, its effect and ok flag, WOULDBLOCK/TIMEOUT/EINVAL when
 *   none. Mutex, RWMutex try/timeout/blocking-when-free, weighted
 *   semaphore (EINVAL range, capacity), WaitGroup counter with
 *   wait_timeout, Cond wait_timeout keeping the mutex, Once. Contexts:
 *   trees up to depth 6 of cancel, value, timeout and deadline contexts;
 *   err, done closed iff the context or an ancestor ended, deadline
 *   inheritance, values, retain/free/release, a retained done channel
 *   outliving its context. Timers (Go 1.23): stop/reset answers, no stale
 *   value after stop/reset, fire time not before creation + d; AfterFunc
 *   stop/reset; goc_after; tickers' EINVAL cases. Striped map: put, get,
 *   del, load_or_store, string keys, len and range against a small table.
 *   Part B, after the threads are joined: every value a send reported OK
 *   is received exactly once (by a thread or by the final drain), no
 *   value whose send failed is received, values are intact (checksum) and
 *   on the channel they were sent on, each receiver sees each sender's
 *   values in order and the drain sees only later ones, result codes are
 *   legal (CLOSED only after a close; exactly one close per channel
 *   answers OK; a closed receive zeroes *out), and a mutex-guarded counter
 *   counts every successful lock.
 *   Everything is freed at the end of each input (leak detection is on).
 *
 * FOUND SO FAR: inputs in tests/fuzz/crashes/ (each reproduces on the
 *   commit it names in tests/fuzz/crashes/README, fixed since).
 */
#define _GNU_SOURCE
#define GOC_IMPLEMENTATION
#include "context.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "fuzz_goc: %s:%d: check failed: %s: ", __FILE__,    \
                    __LINE__, #cond);                                           \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
            abort();                                                            \
        }                                                                       \
    } while (0)

/* ---- input reader ------------------------------------------------------ */

typedef struct { const uint8_t *p; size_t n, i; } rd;
static uint8_t rb(rd *r) { return r->i < r->n ? r->p[r->i++] : 0; }
static bool rd_done(const rd *r) { return r->i >= r->n; }

static const goc_duration dur_a[8] = {
    INT64_MIN, INT64_MIN + 1, -GOC_SECOND, -1, 0, 1, 1000, 20000,
};
static goc_duration pick_dur(uint8_t b) { return dur_a[b & 7]; }

/* ======================================================================== */
/* Part A: the model                                                        */
/* ======================================================================== */

#define NCH 4
#define ESZ_MAX 24
#define MAX_OPS 400

typedef struct {
    goc_chan *ch;
    void *mem;            /* goc_chan_init memory, or NULL */
    int refs;
    size_t esz, cap;
    bool closed;
    uint8_t q[4][ESZ_MAX];
    size_t head, len;
} mchan;

static mchan chans[NCH];
static uint64_t next_val;

static const size_t esz_tab[4] = {0, 1, 8, 24};

static void make_val(size_t esz, uint8_t *out) {
    uint64_t v = ++next_val;
    uint64_t w[3] = {v, ~v * 0x9E3779B97F4A7C15ull, v ^ 0x5555AAAA5555AAAAull};
    memset(out, 0, ESZ_MAX);
    memcpy(out, w, esz);
}

static void mc_push(mchan *m, const uint8_t *v) {
    CHECK(m->len < m->cap, "model push on full channel");
    memcpy(m->q[(m->head + m->len) % m->cap], v, m->esz);
    m->len++;
}

static void mc_pop_check(mchan *m, const uint8_t *out, const char *what) {
    CHECK(m->len > 0, "model pop on empty channel");
    if (out) CHECK(memcmp(out, m->q[m->head], m->esz) == 0, "%s: wrong value (FIFO/lost/duplicated)", what);
    m->head = (m->head + 1) % m->cap;
    m->len--;
}

static bool all_zero(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) if (p[i]) return false;
    return true;
}

static void mc_drop(mchan *m) {
    if (!m->ch) return;
    while (m->refs > 0) { goc_chan_free(m->ch); m->refs--; }
    free(m->mem);
    memset(m, 0, sizeof *m);
}

static void mc_make(mchan *m, uint8_t a) {
    mc_drop(m);
    m->cap = (size_t)(a % 5);
    m->esz = esz_tab[(a >> 3) & 3];
    if ((a >> 5) & 1) {
        size_t sz = goc_chan_sizeof(m->esz, m->cap);
        CHECK(sz > 0, "goc_chan_sizeof(%zu, %zu) == 0", m->esz, m->cap);
        m->mem = malloc(sz);
        CHECK(m->mem, "malloc");
        memset(m->mem, 0xA5, sz);
        m->ch = goc_chan_init(m->mem, m->esz, m->cap);
    } else {
        m->ch = goc_chan_make(m->esz, m->cap);
    }
    CHECK(m->ch, "channel creation failed");
    m->refs = 1;
    CHECK(goc_chan_cap(m->ch) == m->cap, "cap");
    CHECK(goc_chan_len(m->ch) == 0, "len of a new channel");
}

/* A send on model channel m (NULL ch when the slot is empty). kind: 0 try,
 * 1 timeout d, 2 blocking (only when the model says it cannot block). */
static void a_send(mchan *m, int kind, goc_duration d, bool null_elem) {
    uint8_t v[ESZ_MAX];
    make_val(m->ch ? m->esz : 8, v);
    const void *elem = null_elem ? NULL : v;
    bool ready = m->ch && (m->closed || m->len < m->cap);
    if (kind == 2 && !ready && m->ch && !(null_elem && m->esz)) kind = 0;   /* would block for ever */
    int r = kind == 0 ? goc_chan_try_send(m->ch, elem)
          : kind == 1 ? goc_chan_send_timeout(m->ch, elem, d)
                      : goc_chan_send(m->ch, elem);
    int want;
    if (!m->ch || (null_elem && m->esz)) want = GOC_EINVAL;
    else if (m->closed) want = GOC_CLOSED;
    else if (m->len < m->cap) want = GOC_OK;
    else want = kind == 0 ? GOC_WOULDBLOCK : GOC_TIMEOUT;
    CHECK(r == want, "send kind %d d %lld: got %d want %d (cap %zu len %zu closed %d)", kind,
          (long long)d, r, want, m->cap, m->len, m->closed);
    if (r == GOC_OK) mc_push(m, v);
}

static void a_recv(mchan *m, int kind, goc_duration d, bool null_out) {
    uint8_t out[ESZ_MAX];
    memset(out, 0xA5, sizeof out);
    void *o = null_out ? NULL : out;
    bool ready = m->ch && (m->closed || m->len > 0);
    if (kind == 2 && !ready && m->ch) kind = 0;
    int r = kind == 0 ? goc_chan_try_recv(m->ch, o)
          : kind == 1 ? goc_chan_recv_timeout(m->ch, o, d)
                      : goc_chan_recv(m->ch, o);
    int want;
    if (!m->ch) want = GOC_EINVAL;
    else if (m->len > 0) want = GOC_OK;
    else if (m->closed) want = GOC_CLOSED;
    else want = kind == 0 ? GOC_WOULDBLOCK : GOC_TIMEOUT;
    CHECK(r == want, "recv kind %d d %lld: got %d want %d (cap %zu len %zu closed %d)", kind,
          (long long)d, r, want, m->cap, m->len, m->closed);
    if (r == GOC_OK) mc_pop_check(m, o, "recv");
    if (r == GOC_CLOSED && o) CHECK(all_zero(out, m->esz), "closed drained recv did not zero *out");
}

/* ---- select ---- */

static void a_select(rd *r) {
    uint8_t a = rb(r);
    int mode = a & 3;                 /* 0 try, 1 timeout, 2 blocking, 3 timeout */
    size_t n = (size_t)((a >> 2) % 5);
    if (((a >> 5) & 7) == 7) n = 17 + (a & 3);   /* past GOC_SELECT_STACK_CASES: heap */
    goc_duration d = pick_dur(rb(r));
    goc_case cs[24];
    uint8_t vals[24][ESZ_MAX], outs[24][ESZ_MAX];
    int slot[24];
    bool bad = false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = rb(r);
        int t = c % 6;
        slot[i] = t < 4 ? t : t == 4 ? -1 : (i ? slot[0] : -1);
        goc_chan *ch = slot[i] >= 0 ? chans[slot[i]].ch : NULL;
        if (!ch) slot[i] = -1;
        int dir = ((c >> 3) & 1) ? GOC_RECV : GOC_SEND;
        bool null_elem = ((c >> 4) & 3) == 3;
        if (((c >> 6) & 3) == 3 && (c & 0x20)) { dir = (c & 8) ? 0 : 7; }   /* invalid dir */
        make_val(ESZ_MAX, vals[i]);
        memset(outs[i], 0xA5, ESZ_MAX);
        cs[i] = dir == GOC_RECV ? goc_recv_case(ch, null_elem ? NULL : outs[i])
                                : goc_send_case(ch, null_elem ? NULL : vals[i]);
        cs[i].dir = dir;
        cs[i].ok = (c & 0x80) != 0;   /* garbage in ok: the chosen case must set it */
        if (dir != GOC_SEND && dir != GOC_RECV) bad = true;
        if (dir == GOC_SEND && ch && null_elem && chans[slot[i]].esz) bad = true;
    }
    /* Which cases are ready, at this instant. */
    bool ready[24], any = false, nonnull = false;
    for (size_t i = 0; i < n; i++) {
        ready[i] = false;
        if (slot[i] < 0) continue;
        nonnull = true;
        mchan *m = &chans[slot[i]];
        if (cs[i].dir == GOC_SEND) ready[i] = m->closed || m->len < m->cap;
        else if (cs[i].dir == GOC_RECV) ready[i] = m->closed || m->len > 0;
        any |= ready[i];
    }
    if (mode == 2 && !any && nonnull && !bad) mode = 0;   /* would block for ever */
    int res = mode == 0 ? goc_select_try(cs, n)
            : mode == 2 ? goc_select(cs, n)
                        : goc_select_timeout(cs, n, d);
    if (bad) { CHECK(res == GOC_EINVAL, "select with a bad case: %d", res); return; }
    if (!any) {
        int want = mode == 0 ? GOC_WOULDBLOCK : mode == 2 ? GOC_EINVAL : GOC_TIMEOUT;
        CHECK(res == want, "select mode %d n %zu, no case ready: got %d want %d", mode, n, res, want);
        return;
    }
    CHECK(res >= 0 && (size_t)res < n, "select mode %d n %zu: got %d with a case ready", mode, n, res);
    CHECK(ready[res], "select chose case %d, which is not ready", res);
    mchan *m = &chans[slot[res]];
    goc_case *c = &cs[res];
    if (c->dir == GOC_SEND) {
        if (m->closed) CHECK(!c->ok, "send case on a closed channel: ok true");
        else { CHECK(c->ok, "send case completed: ok false"); mc_push(m, vals[res]); }
    } else {
        if (m->len > 0) { CHECK(c->ok, "recv case: ok false"); mc_pop_check(m, c->elem, "select recv"); }
        else {
            CHECK(!c->ok, "recv case on a closed drained channel: ok true");
            if (c->elem) CHECK(all_zero(outs[res], m->esz), "select closed recv did not zero out");
        }
    }
}

/* ---- sync ---- */

typedef struct { goc_mutex mu; bool locked; } mmutex;
typedef struct { goc_rwmutex mu; int readers; bool writer; } mrw;
typedef struct { goc_sem s; int64_t size, cur; } msem;
static mmutex mus[2];
static mrw rws[2];
static msem sems[2];
static goc_waitgroup wg;
static int64_t wg_count;
static goc_cond cond;
static goc_once onces[2];
static int once_runs[2];

static void once_fn(void *arg) { (*(int *)arg)++; }

static const int64_t sem_caps[8] = {0, 1, 2, 3, 5, 100, -1, INT64_MAX};

static void a_mutex(rd *r) {
    uint8_t a = rb(r);
    mmutex *m = &mus[a & 1];
    switch ((a >> 1) % 4) {
    case 0: { bool ok = goc_mutex_trylock(&m->mu);
              CHECK(ok == !m->locked, "mutex trylock %d locked %d", ok, m->locked);
              m->locked = true; break; }
    case 1: if (!m->locked) { goc_mutex_lock(&m->mu); m->locked = true; } break;
    case 2: { goc_duration d = pick_dur(rb(r));
              int rr = goc_mutex_lock_timeout(&m->mu, d);
              CHECK(rr == (m->locked ? GOC_TIMEOUT : GOC_OK), "mutex lock_timeout %d", rr);
              m->locked = true; break; }
    case 3: if (m->locked) { goc_mutex_unlock(&m->mu); m->locked = false; } break;
    }
}

static void a_rw(rd *r) {
    uint8_t a = rb(r);
    mrw *m = &rws[a & 1];
    switch ((a >> 1) % 8) {
    case 0: { if (m->readers > 50) break;
              bool ok = goc_rwmutex_tryrlock(&m->mu);
              CHECK(ok == !m->writer, "tryrlock %d writer %d", ok, m->writer);
              if (ok) m->readers++; break; }
    case 1: if (!m->writer && m->readers < 50) { goc_rwmutex_rlock(&m->mu); m->readers++; } break;
    case 2: { if (m->readers > 50) break;
              int rr = goc_rwmutex_rlock_timeout(&m->mu, pick_dur(rb(r)));
              CHECK(rr == (m->writer ? GOC_TIMEOUT : GOC_OK), "rlock_timeout %d", rr);
              if (rr == GOC_OK) m->readers++; break; }
    case 3: if (m->readers) { goc_rwmutex_runlock(&m->mu); m->readers--; } break;
    case 4: { bool ok = goc_rwmutex_trylock(&m->mu);
              CHECK(ok == (!m->writer && !m->readers), "rw trylock %d (r %d w %d)", ok, m->readers, m->writer);
              if (ok) m->writer = true; break; }
    case 5: if (!m->writer && !m->readers) { goc_rwmutex_lock(&m->mu); m->writer = true; } break;
    case 6: { int rr = goc_rwmutex_lock_timeout(&m->mu, pick_dur(rb(r)));
              CHECK(rr == ((m->writer || m->readers) ? GOC_TIMEOUT : GOC_OK), "rw lock_timeout %d", rr);
              if (rr == GOC_OK) m->writer = true; break; }
    case 7: if (m->writer) { goc_rwmutex_unlock(&m->mu); m->writer = false; } break;
    }
}

static void a_sem(rd *r) {
    uint8_t a = rb(r);
    msem *s = &sems[a & 1];
    uint8_t b = rb(r);
    int64_t nt[8] = {-1, 0, 1, 2, 3, s->size, s->size == INT64_MAX ? INT64_MIN : s->size + 1, 7};
    int64_t n = nt[b & 7];
    bool inval = n < 0 || n > s->size;
    bool fits = !inval && s->size - s->cur >= n;
    switch ((a >> 1) % 5) {
    case 0: goc_sem_init(&s->s, sem_caps[b >> 5]);
            s->size = sem_caps[b >> 5] < 0 ? 0 : sem_caps[b >> 5]; s->cur = 0; break;
    case 1: { bool ok = goc_sem_try_acquire(&s->s, n);
              CHECK(ok == fits, "sem try_acquire(%lld) size %lld cur %lld: %d", (long long)n,
                    (long long)s->size, (long long)s->cur, ok);
              if (ok) s->cur += n; break; }
    case 2: { int rr = goc_sem_acquire_timeout(&s->s, n, pick_dur(b >> 3));
              int want = inval ? GOC_EINVAL : fits ? GOC_OK : GOC_TIMEOUT;
              CHECK(rr == want, "sem acquire_timeout(%lld): %d want %d", (long long)n, rr, want);
              if (rr == GOC_OK) s->cur += n; break; }
    case 3: if (inval || fits) {
                int rr = goc_sem_acquire(&s->s, n);
                CHECK(rr == (inval ? GOC_EINVAL : GOC_OK), "sem acquire(%lld): %d", (long long)n, rr);
                if (rr == GOC_OK) s->cur += n;
            } break;
    case 4: { int64_t k = (int64_t)(b >> 3) % 4;
              if (k > s->cur) k = s->cur;
              goc_sem_release(&s->s, k); s->cur -= k; break; }
    }
}

static void a_wg(rd *r) {
    uint8_t a = rb(r);
    static const int64_t deltas[8] = {-2, -1, 0, 1, 2, 3, 100, -100};
    switch (a % 4) {
    case 0: { int64_t dl = deltas[(a >> 2) & 7];
              if (wg_count + dl >= 0 && wg_count + dl < 100000) { goc_wg_add(&wg, dl); wg_count += dl; }
              break; }
    case 1: if (wg_count > 0) { goc_wg_done(&wg); wg_count--; } break;
    case 2: { int rr = goc_wg_wait_timeout(&wg, pick_dur(a >> 2));
              CHECK(rr == (wg_count ? GOC_TIMEOUT : GOC_OK), "wg wait_timeout %d count %lld", rr, (long long)wg_count);
              break; }
    case 3: if (!wg_count) goc_wg_wait(&wg); break;
    }
}

static void a_cond(rd *r) {
    uint8_t a = rb(r);
    switch (a % 4) {
    case 0: goc_cond_signal(&cond); break;
    case 1: goc_cond_broadcast(&cond); break;
    case 2: case 3:
        if (!mus[0].locked) break;
        { int rr = goc_cond_wait_timeout(&cond, &mus[0].mu, pick_dur(a >> 2));
          CHECK(rr == GOC_TIMEOUT || rr == GOC_OK, "cond wait_timeout %d", rr);
          CHECK(!goc_mutex_trylock(&mus[0].mu), "cond wait_timeout returned without the mutex"); }
        break;
    }
}

/* ---- contexts ---- */

#define NCTX 16
#define CTX_DEPTH 6
enum { K_CANCEL, K_VALUE };
typedef struct {
    goc_ctx *ctx;
    int parent;          /* -1: background */
    int kind, depth;
    int err;             /* cancel kind: its own error */
    int hrefs;           /* references the fuzzer holds */
    int kids;            /* children not dead */
    bool timer;          /* a deadline timer holds a reference */
    bool dead;
    bool has_dl;
    int64_t dl;
    int key;
    uintptr_t val;
} mctx;
static mctx ctxs[NCTX];
static int nctx;
static int ctx_keys[3];

typedef struct { goc_chan *ch; int node; } held_done;
static held_done helds[4];

static int ctx_err(int i) {
    while (i >= 0 && ctxs[i].kind == K_VALUE) i = ctxs[i].parent;
    return i < 0 ? GOC_OK : ctxs[i].err;
}

static bool ctx_has_done(int i) {
    while (i >= 0 && ctxs[i].kind == K_VALUE) i = ctxs[i].parent;
    return i >= 0;
}

static bool is_ancestor(int anc, int i) {
    for (; i >= 0; i = ctxs[i].parent) if (i == anc) return true;
    return false;
}

static void ctx_maybe_die(int i) {
    while (i >= 0) {
        mctx *c = &ctxs[i];
        if (c->dead || c->hrefs || c->kids || c->timer) return;
        c->dead = true;
        c->ctx = NULL;
        i = c->parent;
        if (i >= 0) ctxs[i].kids--;
    }
}

static void ctx_model_cancel(int i, int err) {
    if (ctxs[i].kind != K_CANCEL) return;
    for (int j = 0; j < nctx; j++) {
        if (ctxs[j].dead || !is_ancestor(i, j) || ctxs[j].kind != K_CANCEL) continue;
        if (ctxs[j].err == GOC_OK) {
            ctxs[j].err = err;
            if (ctxs[j].timer) { ctxs[j].timer = false; }
        }
    }
    for (int j = nctx - 1; j >= 0; j--) ctx_maybe_die(j);
}

static int pick_live_ctx(uint8_t b) {
    int live[NCTX], n = 0;
    for (int i = 0; i < nctx; i++) if (ctxs[i].hrefs > 0) live[n++] = i;
    return n ? live[b % n] : -1;
}

static void ctx_check(int i) {
    mctx *c = &ctxs[i];
    int want = ctx_err(i);
    CHECK(goc_ctx_err(c->ctx) == want, "ctx %d err %d want %d", i, goc_ctx_err(c->ctx), want);
    goc_chan *done = goc_ctx_done(c->ctx);
    CHECK((done != NULL) == ctx_has_done(i), "ctx %d done %p", i, (void *)done);
    if (done) {
        int rr = goc_chan_try_recv(done, NULL);
        CHECK(rr == (want ? GOC_CLOSED : GOC_WOULDBLOCK), "ctx %d done try_recv %d err %d", i, rr, want);
        goc_case cs[2] = {goc_recv_case(done, NULL), goc_recv_case(NULL, NULL)};
        int s = goc_select_try(cs, 2);
        CHECK(s == (want ? 0 : GOC_WOULDBLOCK), "ctx %d select on done %d", i, s);
    }
    int64_t dl = 0;
    bool has = goc_ctx_deadline(c->ctx, &dl);
    CHECK(has == c->has_dl && (!has || dl == c->dl), "ctx %d deadline %d %lld want %d %lld", i, has,
          (long long)dl, c->has_dl, (long long)c->dl);
    for (int k = 0; k < 3; k++) {
        uintptr_t v = 0;
        for (int j = i; j >= 0; j = ctxs[j].parent)
            if (ctxs[j].kind == K_VALUE && ctxs[j].key == k) { v = ctxs[j].val; break; }
        CHECK((uintptr_t)goc_ctx_value(c->ctx, &ctx_keys[k]) == v, "ctx %d value of key %d", i, k);
    }
}

static void a_ctx_new(rd *r) {
    uint8_t a = rb(r), b = rb(r);
    if (nctx >= NCTX) return;
    int p = (a & 1) ? -1 : pick_live_ctx(a >> 1);
    if (p >= 0 && ctxs[p].depth >= CTX_DEPTH) p = -1;
    goc_ctx *parent = p < 0 ? goc_ctx_background() : ctxs[p].ctx;
    int i = nctx;
    mctx *c = &ctxs[i];
    memset(c, 0, sizeof *c);
    c->parent = p;
    c->depth = p < 0 ? 1 : ctxs[p].depth + 1;
    c->has_dl = p >= 0 && ctxs[p].has_dl;
    c->dl = p >= 0 ? ctxs[p].dl : 0;
    c->err = ctx_err(p);
    int64_t now = goc_now();
    int64_t base = now - now % GOC_SECOND;   /* fixed absolute deadlines, 1 h and 2 h ahead */
    switch ((a >> 5) & 3) {
    case 0: c->kind = K_CANCEL; c->ctx = goc_ctx_with_cancel(parent); break;
    case 1: c->kind = K_VALUE; c->key = b % 3; c->val = (uintptr_t)(0x1000 + i);
            c->ctx = goc_ctx_with_value(parent, &ctx_keys[c->key], (void *)c->val); break;
    case 2: {   /* with_timeout: d <= 0 ends it at once; GOC_FOREVER never */
        static const goc_duration td[4] = {INT64_MIN, -1, 0, GOC_FOREVER};
        goc_duration d = td[b & 3];
        /* Found here: with_timeout once computed goc_now() + d without
         * saturating (GOC_FOREVER wrapped: the context ended at once), and
         * with_deadline deadline - goc_now() (UB for INT64_MIN). */
        c->kind = K_CANCEL;
        c->ctx = goc_ctx_with_timeout(parent, d);
        if (d == GOC_FOREVER) {   /* never ends by time; whatever deadline it reports */
            c->has_dl = goc_ctx_deadline(c->ctx, &c->dl);
        } else {
            if (!c->has_dl) { c->has_dl = true; c->dl = INT64_MIN; }   /* filled in below */
            int64_t got = 0;
            CHECK(goc_ctx_deadline(c->ctx, &got), "with_timeout(%lld): no deadline", (long long)d);
            if (c->dl == INT64_MIN || got < c->dl) c->dl = got;
            if (c->err == GOC_OK) c->err = GOC_DEADLINE;
        }
        break;
    }
    case 3: {
        int64_t dt[4] = {INT64_MIN, 0, base + 3600 * GOC_SECOND, base + 7200 * GOC_SECOND};
        int64_t dl = dt[b & 3];
        c->kind = K_CANCEL;
        c->ctx = goc_ctx_with_deadline(parent, dl);
        if (c->has_dl && c->dl <= dl) break;   /* the parent's deadline: a plain cancel context */
        c->has_dl = true;
        c->dl = dl;
        if (dl <= now) { if (c->err == GOC_OK) c->err = GOC_DEADLINE; }
        else if (c->err == GOC_OK) c->timer = true;
        break;
    }
    }
    CHECK(c->ctx, "context creation failed");
    c->hrefs = 1;
    if (p >= 0) ctxs[p].kids++;
    nctx++;
    ctx_check(i);
}

static void a_ctx_op(rd *r) {
    uint8_t a = rb(r);
    int i = pick_live_ctx(a >> 3);
    switch (a & 7) {
    case 0: if (i >= 0) { goc_ctx_cancel(ctxs[i].ctx); ctx_model_cancel(i, GOC_CANCELED); } break;
    case 1: if (i >= 0) ctx_check(i); break;
    case 2: if (i >= 0 && ctxs[i].hrefs < 4) { goc_ctx_retain(ctxs[i].ctx); ctxs[i].hrefs++; } break;
    case 3: if (i >= 0) {
                goc_ctx *x = ctxs[i].ctx;
                ctx_model_cancel(i, GOC_CANCELED);
                ctxs[i].hrefs--;
                ctx_maybe_die(i);
                goc_ctx_free(x);
            } break;
    case 4: if (i >= 0) {
                /* release: drop a reference without cancelling. An armed
                 * deadline keeps the context for an hour: free that one. */
                goc_ctx *x = ctxs[i].ctx;
                bool rel = !(ctxs[i].timer && ctxs[i].hrefs == 1);
                if (!rel) ctx_model_cancel(i, GOC_CANCELED);
                ctxs[i].hrefs--;
                ctx_maybe_die(i);
                if (rel) goc_ctx_release(x); else goc_ctx_free(x);
            } break;
    case 5: {   /* hold a done channel past its context (found here: it was
                 * freed with the context, a use-after-free) */
        int h = (a >> 3) & 3;
        if (helds[h].ch) {
            int want = ctx_err(helds[h].node);
            int rr = goc_chan_try_recv(helds[h].ch, NULL);
            CHECK(rr == (want ? GOC_CLOSED : GOC_WOULDBLOCK), "held done of ctx %d: %d err %d",
                  helds[h].node, rr, want);
            goc_chan_free(helds[h].ch);
            helds[h].ch = NULL;
        } else if (i >= 0 && goc_ctx_done(ctxs[i].ctx)) {
            helds[h].ch = goc_ctx_done(ctxs[i].ctx);
            helds[h].node = i;
            goc_chan_retain(helds[h].ch);
        }
        break;
    }
    case 6: case 7: {   /* background: never ends, NULL done, free and cancel no-ops */
        goc_ctx *bg = goc_ctx_background();
        goc_ctx_cancel(bg);
        goc_ctx_free(bg);
        goc_ctx_retain(bg);
        CHECK(goc_ctx_err(bg) == GOC_OK && goc_ctx_done(bg) == NULL, "background");
        CHECK(!goc_ctx_deadline(bg, NULL) && !goc_ctx_value(bg, &ctx_keys[0]), "background");
        goc_ctx_release(bg);
        break;
    }
    }
}

/* ---- timers ---- */

typedef struct { goc_timer *t; bool pending; int64_t t0; goc_duration d; } mtimer;
static mtimer timers[2];
static const goc_duration dur_t[8] = {INT64_MIN, -1, 0, 1, 1000, 3600 * GOC_SECOND, GOC_FOREVER, INT64_MAX - 1};

static bool tm_can_fire(const mtimer *m) { return m->d < 3600 * GOC_SECOND; }

static void tm_check_value(const mtimer *m, int64_t v) {
    CHECK(tm_can_fire(m), "timer with d %lld fired", (long long)m->d);
    int64_t dd = m->d > 0 ? m->d : 0;
    CHECK(v >= m->t0 + dd, "timer fired at %lld, before %lld + %lld", (long long)v, (long long)m->t0, (long long)dd);
    CHECK(v <= goc_now(), "timer value in the future");
}

static void a_timer(rd *r) {
    uint8_t a = rb(r);
    mtimer *m = &timers[a & 1];
    goc_duration d = dur_t[(a >> 4) & 7];
    int op = (a >> 1) & 7;
    if (!m->t && op != 0) return;
    switch (op) {
    case 0:
        if (m->t) goc_timer_free(m->t);
        m->t0 = goc_now();
        m->t = goc_timer_new(d);
        CHECK(m->t, "goc_timer_new");
        m->pending = true; m->d = d;
        CHECK(goc_chan_cap(goc_timer_chan(m->t)) == 1, "timer cap");
        break;
    case 1: { bool s = goc_timer_stop(m->t);
              CHECK(s == m->pending, "timer stop %d pending %d", s, m->pending);
              m->pending = false;
              CHECK(goc_chan_try_recv(goc_timer_chan(m->t), NULL) == GOC_WOULDBLOCK, "value after stop");
              CHECK(goc_chan_len(goc_timer_chan(m->t)) == 0, "len after stop");
              break; }
    case 2: { int64_t t0 = goc_now();
              bool s = goc_timer_reset(m->t, d);
              CHECK(s == m->pending, "timer reset %d pending %d", s, m->pending);
              m->pending = true; m->t0 = t0; m->d = d;
              if (!tm_can_fire(m))
                  CHECK(goc_chan_try_recv(goc_timer_chan(m->t), NULL) == GOC_WOULDBLOCK, "value after reset");
              break; }
    case 3: case 4: {
        int64_t v = -1;
        goc_duration w = (op == 4 && m->pending && m->d <= 1000) ? 20 * GOC_MILLISECOND : 0;
        int rr = goc_chan_recv_timeout(goc_timer_chan(m->t), &v, w);
        CHECK(rr == GOC_OK || rr == GOC_TIMEOUT, "timer recv %d", rr);
        if (rr == GOC_OK) { CHECK(m->pending, "timer value while not pending"); tm_check_value(m, v); m->pending = false; }
        break;
    }
    case 5: { size_t l = goc_chan_len(goc_timer_chan(m->t));
              CHECK(l <= (m->pending && tm_can_fire(m) ? 1u : 0u), "timer len %zu", l); break; }
    case 6: { goc_case cs[2] = {goc_recv_case(goc_timer_chan(m->t), NULL), goc_recv_case(NULL, NULL)};
              int s = goc_select_try(cs, 2);
              CHECK(s == 0 || s == GOC_WOULDBLOCK, "timer select %d", s);
              if (s == 0) { CHECK(m->pending && tm_can_fire(m) && cs[0].ok, "timer select fired"); m->pending = false; }
              break; }
    case 7: goc_timer_free(m->t); m->t = NULL; break;
    }
}

/* AfterFunc: armed either to run at once (d <= 0: the model waits for it
 * to run) or in an hour (it never runs in the run). */
typedef struct { goc_timer *t; bool pending; goc_atomic_i32 runs; int want_runs; } maf;
static maf afs[2];

static void af_fn(void *arg) { goc_atomic_i32_add(&((maf *)arg)->runs, 1); }

static void af_armed(maf *m, bool soon) {
    if (!soon) { m->pending = true; return; }
    m->want_runs++;
    int64_t until = goc_now() + 5 * GOC_SECOND;
    while (goc_atomic_i32_load(&m->runs) < m->want_runs) {
        CHECK(goc_now() < until, "after_func(d <= 0) did not run within 5 s");
        goc_sleep(20 * GOC_MICROSECOND);
    }
    m->pending = false;
}

static void a_afunc(rd *r) {
    uint8_t a = rb(r);
    maf *m = &afs[a & 1];
    static const goc_duration ad[4] = {INT64_MIN, 0, 3600 * GOC_SECOND, GOC_FOREVER};
    goc_duration d = ad[(a >> 3) & 3];
    bool soon = d <= 0;
    switch ((a >> 1) & 3) {
    case 0: if (m->t) goc_timer_free(m->t);
            m->t = goc_after_func(d, af_fn, m);
            CHECK(m->t, "goc_after_func");
            CHECK(goc_timer_chan(m->t) == NULL, "after_func timer has a channel");
            af_armed(m, soon); break;
    case 1: if (m->t) { bool s = goc_timer_stop(m->t);
                        CHECK(s == m->pending, "after_func stop %d pending %d", s, m->pending);
                        m->pending = false; } break;
    case 2: if (m->t) { bool s = goc_timer_reset(m->t, d);
                        CHECK(s == m->pending, "after_func reset %d pending %d", s, m->pending);
                        af_armed(m, soon); } break;
    case 3: if (m->t) { goc_timer_free(m->t); m->t = NULL; } break;
    }
    CHECK(goc_atomic_i32_load(&m->runs) == m->want_runs, "after_func ran %d times, want %d",
          goc_atomic_i32_load(&m->runs), m->want_runs);
}

static void a_after_ticker(rd *r) {
    uint8_t a = rb(r);
    if (a & 1) {   /* goc_after */
        goc_duration d = dur_t[(a >> 1) & 7];
        int64_t t0 = goc_now();
        goc_chan *ch = goc_after(d);
        CHECK(ch, "goc_after");
        if ((a >> 4) & 1) {
            mtimer m = {NULL, true, t0, d};
            int64_t v = -1;
            int rr = goc_chan_recv_timeout(ch, &v, tm_can_fire(&m) && d <= 1000 ? 20 * GOC_MILLISECOND : 0);
            CHECK(rr == GOC_OK || rr == GOC_TIMEOUT, "after recv %d", rr);
            if (rr == GOC_OK) {
                tm_check_value(&m, v);
                CHECK(goc_chan_try_recv(ch, NULL) == GOC_WOULDBLOCK, "goc_after sent twice");
            }
        }
        goc_chan_free(ch);
    } else {       /* tickers: the EINVAL cases, and a ticker that never ticks here */
        static const goc_duration pd[4] = {INT64_MIN, -1, 0, -GOC_SECOND};
        errno = 0;
        CHECK(goc_ticker_new(pd[(a >> 1) & 3]) == NULL && errno == EINVAL, "ticker_new(<= 0)");
        goc_ticker *tk = goc_ticker_new(3600 * GOC_SECOND);
        CHECK(tk, "goc_ticker_new");
        errno = 0;
        goc_ticker_reset(tk, pd[(a >> 3) & 3]);
        CHECK(errno == EINVAL, "ticker_reset(<= 0) errno %d", errno);
        if ((a >> 5) & 1) goc_ticker_reset(tk, 7200 * GOC_SECOND);
        if ((a >> 6) & 1) goc_ticker_stop(tk);
        CHECK(goc_chan_try_recv(goc_ticker_chan(tk), NULL) == GOC_WOULDBLOCK, "ticker ticked");
        goc_ticker_free(tk);
    }
}

/* ---- striped map: u64 keys 0-7 and string keys "k0".."k3", two key spaces ---- */

static goc_smap *smap;
static uintptr_t smap_u[8], smap_s[4];   /* model: 0 absent, else the value */
static const char *const skeys[4] = {"k0", "k1", "k2", "k3"};

static bool smap_range_fn(const goc_smap_entry *e, void *arg) {
    int *seen = (int *)arg;
    if (e->skey) {
        int k = -1;
        for (int i = 0; i < 4; i++) if (!strcmp(e->skey, skeys[i])) k = i;
        CHECK(k >= 0 && smap_s[k] == (uintptr_t)e->val, "smap range: string entry");
        CHECK(!(seen[1] & (1 << k)), "smap range: string key twice"); seen[1] |= 1 << k;
    } else {
        CHECK(e->key < 8 && smap_u[e->key] == (uintptr_t)e->val, "smap range: u64 entry");
        CHECK(!(seen[0] & (1 << e->key)), "smap range: key twice"); seen[0] |= 1 << (int)e->key;
    }
    return true;
}

static void a_smap(rd *r) {
    uint8_t a = rb(r), b = rb(r);
    if (!smap) { smap = goc_smap_new((size_t)(a & 7)); CHECK(smap, "goc_smap_new"); }
    int k = b & 7, sk = b & 3;
    uintptr_t val = 0x100 + (uintptr_t)(b >> 3);
    char key[4];
    memcpy(key, skeys[sk], 3);   /* a copy: keys are compared by content */
    void *got = (void *)1;
    switch ((a >> 3) % 9) {
    case 0: CHECK(goc_smap_put(smap, (uint64_t)k, (void *)val) == GOC_OK, "smap put"); smap_u[k] = val; break;
    case 1: { bool f = goc_smap_get(smap, (uint64_t)k, &got);
              CHECK(f == (smap_u[k] != 0) && (!f || (uintptr_t)got == smap_u[k]), "smap get %d", k); break; }
    case 2: CHECK(goc_smap_del(smap, (uint64_t)k) == (smap_u[k] != 0), "smap del"); smap_u[k] = 0; break;
    case 3: { bool l = goc_smap_load_or_store(smap, (uint64_t)k, (void *)val, &got);
              CHECK(l == (smap_u[k] != 0), "smap load_or_store loaded %d", l);
              CHECK((uintptr_t)got == (l ? smap_u[k] : val), "smap load_or_store actual");
              if (!l) smap_u[k] = val; break; }
    case 4: CHECK(goc_smap_sput(smap, key, (void *)val) == GOC_OK, "smap sput"); smap_s[sk] = val; break;
    case 5: { bool f = goc_smap_sget(smap, key, &got);
              CHECK(f == (smap_s[sk] != 0) && (!f || (uintptr_t)got == smap_s[sk]), "smap sget"); break; }
    case 6: CHECK(goc_smap_sdel(smap, key) == (smap_s[sk] != 0), "smap sdel"); smap_s[sk] = 0; break;
    case 7: { size_t n = 0;
              for (int i = 0; i < 8; i++) n += smap_u[i] != 0;
              for (int i = 0; i < 4; i++) n += smap_s[i] != 0;
              CHECK(goc_smap_len(smap) == n, "smap len %zu want %zu", goc_smap_len(smap), n); break; }
    case 8: { int seen[2] = {0, 0};
              goc_smap_range(smap, smap_range_fn, seen);
              int wu = 0, ws = 0;
              for (int i = 0; i < 8; i++) if (smap_u[i]) wu |= 1 << i;
              for (int i = 0; i < 4; i++) if (smap_s[i]) ws |= 1 << i;
              CHECK(seen[0] == wu && seen[1] == ws, "smap range missed entries"); break; }
    }
    CHECK(goc_smap_put(NULL, 1, NULL) == GOC_EINVAL && !goc_smap_get(NULL, 1, NULL) && goc_smap_len(NULL) == 0,
          "smap NULL map");
    CHECK(goc_smap_sput(smap, NULL, NULL) == GOC_EINVAL && !goc_smap_sget(smap, NULL, NULL), "smap NULL key");
}

/* ---- part A driver ---- */

enum op {
    OP_MAKE, OP_RETAIN, OP_FREE, OP_TRY_SEND, OP_SEND_TO, OP_SEND, OP_TRY_RECV, OP_RECV_TO,
    OP_RECV, OP_CLOSE, OP_LENCAP, OP_SELECT, OP_SELECT2, OP_MUTEX, OP_RW, OP_SEM, OP_WG,
    OP_COND, OP_ONCE, OP_CTX_NEW, OP_CTX_OP, OP_CTX_OP2, OP_TIMER, OP_AFUNC, OP_AFTER, OP_SMAP, OP_COUNT
};

static void part_a(const uint8_t *data, size_t size) {
    rd r = {data, size, 0};
    memset(chans, 0, sizeof chans);
    memset(mus, 0, sizeof mus);
    memset(rws, 0, sizeof rws);
    memset(&wg, 0, sizeof wg);
    memset(&cond, 0, sizeof cond);
    memset(onces, 0, sizeof onces);
    memset(once_runs, 0, sizeof once_runs);
    memset(ctxs, 0, sizeof ctxs);
    memset(helds, 0, sizeof helds);
    memset(timers, 0, sizeof timers);
    memset(afs, 0, sizeof afs);
    nctx = 0;
    wg_count = 0;
    smap = NULL;
    memset(smap_u, 0, sizeof smap_u);
    memset(smap_s, 0, sizeof smap_s);
    for (int i = 0; i < 2; i++) { goc_sem_init(&sems[i].s, 3); sems[i].size = 3; sems[i].cur = 0; }

    for (int ops = 0; ops < MAX_OPS && !rd_done(&r); ops++) {
        uint8_t op = rb(&r) % OP_COUNT;
        uint8_t a;
        mchan *m;
        switch (op) {
        case OP_MAKE: a = rb(&r); mc_make(&chans[a & 3], a >> 2); break;
        case OP_RETAIN: a = rb(&r); m = &chans[a & 3];
            if (m->ch && m->refs < 4) { goc_chan_retain(m->ch); m->refs++; } break;
        case OP_FREE: a = rb(&r); m = &chans[a & 3];
            if (m->ch) {
                if (m->refs == 1) mc_drop(m);
                else { goc_chan_free(m->ch); m->refs--; }
            } break;
        case OP_TRY_SEND: case OP_SEND_TO: case OP_SEND:
            a = rb(&r);
            a_send(&chans[a & 3], op - OP_TRY_SEND, pick_dur(a >> 2), ((a >> 5) & 7) == 7);
            break;
        case OP_TRY_RECV: case OP_RECV_TO: case OP_RECV:
            a = rb(&r);
            a_recv(&chans[a & 3], op - OP_TRY_RECV, pick_dur(a >> 2), ((a >> 5) & 3) == 3);
            break;
        case OP_CLOSE: a = rb(&r); m = &chans[a & 3];
            { int rr = goc_chan_close(m->ch);
              int want = !m->ch ? GOC_EINVAL : m->closed ? GOC_CLOSED : GOC_OK;
              CHECK(rr == want, "close: %d want %d", rr, want);
              if (m->ch) m->closed = true; }
            break;
        case OP_LENCAP: a = rb(&r); m = &chans[a & 3];
            CHECK(goc_chan_len(m->ch) == m->len, "len %zu want %zu", goc_chan_len(m->ch), m->len);
            CHECK(goc_chan_cap(m->ch) == m->cap, "cap");
            break;
        case OP_SELECT: case OP_SELECT2: a_select(&r); break;
        case OP_MUTEX: a_mutex(&r); break;
        case OP_RW: a_rw(&r); break;
        case OP_SEM: a_sem(&r); break;
        case OP_WG: a_wg(&r); break;
        case OP_COND: a_cond(&r); break;
        case OP_ONCE: a = rb(&r);
            goc_once_do(&onces[a & 1], once_fn, &once_runs[a & 1]);
            CHECK(once_runs[a & 1] == 1, "once ran %d times", once_runs[a & 1]);
            break;
        case OP_CTX_NEW: a_ctx_new(&r); break;
        case OP_CTX_OP: case OP_CTX_OP2: a_ctx_op(&r); break;
        case OP_TIMER: a_timer(&r); break;
        case OP_AFUNC: a_afunc(&r); break;
        case OP_AFTER: a_after_ticker(&r); break;
        case OP_SMAP: a_smap(&r); break;
        }
    }

    /* Drain and check what is left, then free everything. */
    for (int i = 0; i < NCH; i++) {
        mchan *c = &chans[i];
        if (!c->ch) continue;
        while (c->len) a_recv(c, 0, 0, false);
        a_recv(c, 1, 0, false);
        mc_drop(c);
    }
    for (int i = 0; i < 4; i++) if (helds[i].ch) { goc_chan_free(helds[i].ch); helds[i].ch = NULL; }
    for (int i = 0; i < nctx; i++) {
        while (ctxs[i].hrefs > 0) {
            goc_ctx *x = ctxs[i].ctx;
            ctx_model_cancel(i, GOC_CANCELED);
            ctxs[i].hrefs--;
            ctx_maybe_die(i);
            goc_ctx_free(x);
        }
    }
    for (int i = 0; i < nctx; i++) CHECK(ctxs[i].dead, "model: context %d not dead at the end", i);
    for (int i = 0; i < 2; i++) {
        if (timers[i].t) goc_timer_free(timers[i].t);
        if (afs[i].t) goc_timer_free(afs[i].t);
        CHECK(goc_atomic_i32_load(&afs[i].runs) == afs[i].want_runs, "after_func ran after free/stop");
    }
    for (int i = 0; i < 2; i++) {
        if (mus[i].locked) goc_mutex_unlock(&mus[i].mu);
        CHECK(goc_mutex_trylock(&mus[i].mu), "mutex free at the end");
        goc_mutex_unlock(&mus[i].mu);
        while (rws[i].readers) { goc_rwmutex_runlock(&rws[i].mu); rws[i].readers--; }
        if (rws[i].writer) goc_rwmutex_unlock(&rws[i].mu);
        CHECK(goc_rwmutex_trylock(&rws[i].mu), "rwmutex free at the end");
        goc_rwmutex_unlock(&rws[i].mu);
        if (sems[i].cur) goc_sem_release(&sems[i].s, sems[i].cur);
        CHECK(sems[i].size == 0 || goc_sem_try_acquire(&sems[i].s, sems[i].size), "semaphore full at the end");
    }
    if (smap) { goc_smap_free(smap); smap = NULL; }
    if (wg_count) goc_wg_add(&wg, -wg_count);
    CHECK(goc_wg_wait_timeout(&wg, 0) == GOC_OK, "waitgroup at 0");
}

/* ======================================================================== */
/* Part B: a few threads                                                    */
/* ======================================================================== */

#define B_THREADS 3
#define B_OPS 12
#define B_MAXSEQ (B_OPS * 2 + 2)

typedef struct { uint32_t sender, chan; uint64_t seq, check; } bval;
static uint64_t bcheck(uint32_t s, uint32_t c, uint64_t q) {
    return (q + 1) * 0x9E3779B97F4A7C15ull ^ ((uint64_t)s << 40) ^ ((uint64_t)c << 56) ^ 0xC0FFEEull;
}

static const goc_duration dur_b[16] = {
    INT64_MIN, -1, 0, 1, 1000, 10000, 50000, 100000,
    200000, 500000, GOC_MILLISECOND, GOC_MILLISECOND, 2 * GOC_MILLISECOND, 0, 1, 100000,
};

typedef struct {
    int id;
    uint8_t prog[B_OPS];
    int nops;
    /* results */
    uint64_t nseq;
    int8_t sent[B_MAXSEQ];        /* per seq: 1 sent OK, 0 not sent */
    uint8_t sent_chan[B_MAXSEQ];
    bval got[B_OPS * 2];
    int ngot;
    int closes_ok[2];
    int locks;
} bthread;

static struct {
    int nthreads, nchans;
    goc_chan *ch[2];
    goc_atomic_i32 closed_ok[2];   /* set before a close is attempted */
    goc_mutex mu;
    int counter;
    bthread th[B_THREADS];
} B;

static bool b_closed(int c) { return goc_atomic_i32_load(&B.closed_ok[c]) != 0; }

static void b_prepare(bthread *t, int c, bval *v) {
    CHECK(t->nseq < B_MAXSEQ, "seq overflow");
    v->sender = (uint32_t)t->id; v->chan = (uint32_t)c; v->seq = t->nseq;
    v->check = bcheck(v->sender, v->chan, v->seq);
    t->sent[t->nseq] = 0; t->sent_chan[t->nseq] = (uint8_t)c;
    t->nseq++;
}

static void b_got(bthread *t, int c, const bval *v) {
    CHECK(v->check == bcheck(v->sender, v->chan, v->seq), "torn or corrupt value");
    CHECK(v->chan == (uint32_t)c, "value sent on channel %u received on %d", v->chan, c);
    CHECK(v->sender < (uint32_t)B.nthreads, "bad sender");
    CHECK(t->ngot < B_OPS * 2, "too many received");
    t->got[t->ngot++] = *v;
}

static void b_recv_result(bthread *t, int c, int r, bval *v, bool timeout_form) {
    if (r == GOC_OK) { b_got(t, c, v); return; }
    CHECK(r == GOC_CLOSED || r == (timeout_form ? GOC_TIMEOUT : GOC_WOULDBLOCK), "recv result %d", r);
    if (r == GOC_CLOSED) {
        CHECK(b_closed(c), "recv CLOSED on channel %d, which no close closed", c);
        CHECK(all_zero((const uint8_t *)v, sizeof *v), "closed recv did not zero *out");
    }
}

static void b_send_result(bthread *t, int c, int r, const bval *v, bool timeout_form, bool self_closed) {
    if (r == GOC_OK) {
        CHECK(!self_closed, "send OK after this thread closed the channel");
        t->sent[v->seq] = 1;
        return;
    }
    CHECK(r == GOC_CLOSED || r == (timeout_form ? GOC_TIMEOUT : GOC_WOULDBLOCK), "send result %d", r);
    if (r == GOC_CLOSED) CHECK(b_closed(c), "send CLOSED on channel %d, which no close closed", c);
    if (self_closed) CHECK(r == GOC_CLOSED, "send after own close: %d", r);
}

static void *b_thread(void *arg) {
    bthread *t = (bthread *)arg;
    bool self_closed[2] = {false, false};
    for (int k = 0; k < t->nops; k++) {
        uint8_t b = t->prog[k];
        int c = B.nchans == 2 ? (b >> 3) & 1 : 0;
        int o = 1 - c < B.nchans ? 1 - c : c;
        goc_duration d = dur_b[b >> 4];
        bval v;
        int r;
        switch (b & 7) {
        case 0: b_prepare(t, c, &v);
                b_send_result(t, c, goc_chan_send_timeout(B.ch[c], &v, d), &v, true, self_closed[c]); break;
        case 1: b_prepare(t, c, &v);
                b_send_result(t, c, goc_chan_try_send(B.ch[c], &v), &v, false, self_closed[c]); break;
        case 2: memset(&v, 0xA5, sizeof v);
                b_recv_result(t, c, goc_chan_recv_timeout(B.ch[c], &v, d), &v, true); break;
        case 3: memset(&v, 0xA5, sizeof v);
                b_recv_result(t, c, goc_chan_try_recv(B.ch[c], &v), &v, false); break;
        case 4: {   /* select: send on c, receive on the other (or the same) */
            bval sv, rv;
            memset(&rv, 0xA5, sizeof rv);
            b_prepare(t, c, &sv);
            goc_case cs[3] = {goc_send_case(B.ch[c], &sv), goc_recv_case(B.ch[o], &rv), goc_recv_case(NULL, NULL)};
            r = (b >> 4) >= 14 ? goc_select_try(cs, 3) : goc_select_timeout(cs, 3, d);
            CHECK(r == 0 || r == 1 || r == GOC_TIMEOUT || r == GOC_WOULDBLOCK, "select %d", r);
            if (r == 0) {
                if (cs[0].ok) { CHECK(!self_closed[c], "select send OK after own close"); t->sent[sv.seq] = 1; }
                else CHECK(b_closed(c), "select send ok=false on an open channel");
            } else if (r == 1) {
                if (cs[1].ok) b_got(t, o, &rv);
                else { CHECK(b_closed(o), "select recv ok=false on an open channel");
                       CHECK(all_zero((const uint8_t *)&rv, sizeof rv), "select closed recv: out not zeroed"); }
            }
            break;
        }
        case 5: {   /* select: receive on both */
            bval r0, r1;
            memset(&r0, 0xA5, sizeof r0); memset(&r1, 0xA5, sizeof r1);
            goc_case cs[2] = {goc_recv_case(B.ch[c], &r0), goc_recv_case(B.ch[o], &r1)};
            r = goc_select_timeout(cs, 2, d);
            CHECK(r == 0 || r == 1 || r == GOC_TIMEOUT, "select recv %d", r);
            if (r >= 0) {
                int cc = r == 0 ? c : o;
                bval *pv = r == 0 ? &r0 : &r1;
                if (cs[r].ok) b_got(t, cc, pv);
                else { CHECK(b_closed(cc), "select recv ok=false on an open channel");
                       CHECK(all_zero((const uint8_t *)pv, sizeof *pv), "select closed recv: out not zeroed"); }
            }
            break;
        }
        case 6:     /* close (a closer); on other threads, a lock */
            if (t->id == 0 || (b >> 4) == 15) {
                goc_atomic_i32_store(&B.closed_ok[c], 1);   /* before: others may see CLOSED at once */
                r = goc_chan_close(B.ch[c]);
                CHECK(r == GOC_OK || r == GOC_CLOSED, "close %d", r);
                if (r == GOC_OK) t->closes_ok[c]++;
                self_closed[c] = true;
                break;
            }
            /* fall through */
        case 7:
            if (goc_mutex_lock_timeout(&B.mu, d) == GOC_OK) {
                B.counter++;
                t->locks++;
                goc_mutex_unlock(&B.mu);
            }
            break;
        }
    }
    return NULL;
}

static void part_b(const uint8_t *data, size_t size) {
    rd r = {data, size, 0};
    uint8_t h = rb(&r);
    memset(&B, 0, sizeof B);
    B.nthreads = 2 + (h & 1);
    B.nchans = 1 + ((h >> 1) & 1);
    for (int c = 0; c < 2; c++) {
        size_t cap = (size_t)(rb(&r) % 4);
        B.ch[c] = c < B.nchans ? goc_chan_make(sizeof(bval), cap) : NULL;
        if (c < B.nchans) CHECK(B.ch[c], "chan make");
    }
    for (int i = 0; i < B.nthreads; i++) B.th[i].id = i;
    for (int k = 0; !rd_done(&r); k++) {
        bthread *t = &B.th[k % B.nthreads];
        if (t->nops >= B_OPS) break;
        t->prog[t->nops++] = rb(&r);
    }
    pthread_t tids[B_THREADS];
    for (int i = 0; i < B.nthreads; i++)
        CHECK(pthread_create(&tids[i], NULL, b_thread, &B.th[i]) == 0, "pthread_create");
    for (int i = 0; i < B.nthreads; i++) pthread_join(tids[i], NULL);

    /* Drain what is left in the buffers. */
    bthread drain;
    memset(&drain, 0, sizeof drain);
    bthread *dr = &drain;
    int drained_from[B_OPS * 2];
    for (int c = 0; c < B.nchans; c++) {
        for (;;) {
            bval v;
            memset(&v, 0xA5, sizeof v);
            int rr = goc_chan_try_recv(B.ch[c], &v);
            if (rr != GOC_OK) {
                CHECK(rr == (b_closed(c) ? GOC_CLOSED : GOC_WOULDBLOCK), "drain end %d", rr);
                break;
            }
            drained_from[dr->ngot] = c;
            b_got(dr, c, &v);
        }
        CHECK(goc_chan_len(B.ch[c]) == 0, "len after drain");
        int closes = 0;
        for (int i = 0; i < B.nthreads; i++) closes += B.th[i].closes_ok[c];
        CHECK(closes == (b_closed(c) ? 1 : 0), "%d closes of channel %d answered OK", closes, c);
    }
    (void)drained_from;

    /* Exactly once, in order. */
    int times[B_THREADS][B_MAXSEQ];
    memset(times, 0, sizeof times);
    for (int i = 0; i <= B.nthreads; i++) {
        bthread *t = i < B.nthreads ? &B.th[i] : dr;
        int64_t last[B_THREADS][2];
        for (int s = 0; s < B_THREADS; s++) last[s][0] = last[s][1] = -1;
        for (int k = 0; k < t->ngot; k++) {
            bval *v = &t->got[k];
            CHECK(v->seq < B.th[v->sender].nseq, "value never prepared");
            CHECK(B.th[v->sender].sent[v->seq] == 1, "received value %u/%llu whose send did not answer OK",
                  v->sender, (unsigned long long)v->seq);
            CHECK((int64_t)v->seq > last[v->sender][v->chan], "receiver %d: sender %u out of order", i, v->sender);
            last[v->sender][v->chan] = (int64_t)v->seq;
            times[v->sender][v->seq]++;
        }
        if (i == B.nthreads) break;
    }
    /* The drain sees only values later than any a thread received. */
    for (int k = 0; k < dr->ngot; k++) {
        bval *v = &dr->got[k];
        for (int i = 0; i < B.nthreads; i++)
            for (int j = 0; j < B.th[i].ngot; j++) {
                bval *w = &B.th[i].got[j];
                if (w->sender == v->sender && w->chan == v->chan)
                    CHECK(w->seq < v->seq, "drained %llu, but the later %llu was received before",
                          (unsigned long long)v->seq, (unsigned long long)w->seq);
            }
    }
    int locks = 0;
    for (int s = 0; s < B.nthreads; s++) {
        locks += B.th[s].locks;
        for (uint64_t q = 0; q < B.th[s].nseq; q++)
            CHECK(times[s][q] == B.th[s].sent[q], "value %d/%llu sent %d, received %d times", s,
                  (unsigned long long)q, B.th[s].sent[q], times[s][q]);
    }
    CHECK(B.counter == locks, "mutex counter %d, locks %d", B.counter, locks);
    for (int c = 0; c < B.nchans; c++) goc_chan_free(B.ch[c]);
}

/* ======================================================================== */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    if (data[0] & 0x80) part_b(data + 1, size - 1);
    else part_a(data + 1, size - 1);
    return 0;
}
