/* Port of Go's test/chan/sieve2.go: primes up to 100 by Eratosthenes over
 * odd candidates. A merging thread keeps a heap of "peek channels" (one per
 * prime's stream of odd multiples) and emits composites in increasing
 * order; the sieve thread removes them from the candidates and feeds new
 * primes back through a proxy thread with an expanding buffer (a select
 * whose send case is a nil channel while the buffer is empty).
 * Tear-down as in sieve1: the test closes `out`, and a thread that meets
 * GOC_CLOSED closes the channels it uses and returns. The pipeline's
 * channels are owned by the test, which frees them after every thread has
 * ended; the multiples channels are the merger's. */
static goc_waitgroup sv2_wg;

static void sv2_odds_fn(void *p) {                    /* 5, 7, 9, ... */
    goc_chan *out = p;
    for (long n = 5;; n += 2)
        if (goc_chan_send(out, &n) != GOC_OK) return;
}

typedef struct sv2_mult { goc_chan *out; long p; } sv2_mult;

static void sv2_multiples_fn(void *arg) {             /* p*p, p*p + 2p, ... */
    sv2_mult *m = arg;
    for (long n = m->p * m->p;; n += 2 * m->p)
        if (goc_chan_send(m->out, &n) != GOC_OK) break;
    goc_chan_free(m->out);
    free(m);
}

static goc_chan *sv2_multiples(long p) {
    sv2_mult *m = malloc(sizeof *m);
    *m = (sv2_mult){ goc_chan_make(sizeof(long), 10), p };
    goc_chan_retain(m->out);                          /* one for the generator, one for us */
    go(&sv2_wg, sv2_multiples_fn, m);
    return m->out;
}

/* The merger's heap of peek channels, ordered by head. */
typedef struct sv2_peek { long head; goc_chan *ch; } sv2_peek;
typedef struct sv2_heap { sv2_peek *v; size_t n, cap; } sv2_heap;

static void sv2_push(sv2_heap *h, sv2_peek x) {
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 16;
        h->v = realloc(h->v, h->cap * sizeof *h->v);
    }
    size_t i = h->n++;
    while (i && h->v[(i - 1) / 2].head > x.head) { h->v[i] = h->v[(i - 1) / 2]; i = (i - 1) / 2; }
    h->v[i] = x;
}

static sv2_peek sv2_pop(sv2_heap *h) {
    sv2_peek top = h->v[0], last = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && h->v[c + 1].head < h->v[c].head) c++;
        if (last.head <= h->v[c].head) break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n) h->v[i] = last;
    return top;
}

typedef struct sv2_pipe { goc_chan *out, *composites, *primes, *proxy, *candidates; } sv2_pipe;

/* Merge the multiples of every prime that arrives on `primes` into
 * increasing `composites`. */
static void sv2_merger(void *arg) {
    sv2_pipe *s = arg;
    sv2_heap h = { 0 };
    long min = 15, p;
    for (;;) {
        if (goc_chan_recv(s->primes, &p) != GOC_OK) break;
        goc_chan *m = sv2_multiples(p);
        long head;
        if (goc_chan_recv(m, &head) != GOC_OK) { goc_chan_close(m); goc_chan_free(m); break; }
        bool stop = false;
        while (!stop && min < head) {
            if (goc_chan_send(s->composites, &min) != GOC_OK) { stop = true; break; }
            sv2_peek mc = sv2_pop(&h);
            min = mc.head;
            goc_chan_recv(mc.ch, &mc.head);
            sv2_push(&h, mc);
        }
        while (!stop && min == head) {
            sv2_peek mc = sv2_pop(&h);
            min = mc.head;
            goc_chan_recv(mc.ch, &mc.head);
            sv2_push(&h, mc);
        }
        if (stop || goc_chan_send(s->composites, &head) != GOC_OK) {
            goc_chan_close(m);                        /* stop its generator too */
            goc_chan_free(m);
            break;
        }
        sv2_peek nm = { 0, m };
        goc_chan_recv(m, &nm.head);
        sv2_push(&h, nm);
    }
    for (size_t i = 0; i < h.n; i++) {                /* stop the generators */
        goc_chan_close(h.v[i].ch);
        goc_chan_free(h.v[i].ch);
    }
    free(h.v);
    goc_chan_close(s->composites);
    goc_chan_close(s->primes);
}

/* Relay `proxy` into `primes` through an ever-growing ring, so that the
 * sieve's sends never block (the merger reads primes far more slowly). */
static void sv2_sendproxy(void *arg) {
    sv2_pipe *s = arg;
    size_t cap = 16, first = 0, last = 0;             /* ring of cap slots, one kept free */
    long *ring = malloc(cap * sizeof *ring), e = 0, in;
    for (;;) {
        goc_chan *c = s->primes;
        if (first == last) c = NULL;                  /* buffer empty: disable output */
        else e = ring[first];
        goc_case cs[2] = { goc_recv_case(s->proxy, &in), goc_send_case(c, &e) };
        int k = goc_select(cs, 2);
        if (k < 0 || !cs[k].ok) break;
        if (k == 0) {
            ring[last] = in;
            last = (last + 1) % cap;
            if (last == first) {                      /* full: expand it */
                long *bigger = malloc(2 * cap * sizeof *bigger);
                for (size_t i = 0; i < cap; i++) bigger[i] = ring[(first + i) % cap];
                free(ring);
                ring = bigger;
                first = 0;
                last = cap;
                cap *= 2;
            }
        } else {
            first = (first + 1) % cap;
        }
    }
    free(ring);
    goc_chan_close(s->proxy);
    goc_chan_close(s->primes);
}

/* Sieve the composites out of the candidates. */
static void sv2_sieve(void *arg) {
    sv2_pipe *s = arg;
    long p, c;
    if (goc_chan_recv(s->candidates, &p) != GOC_OK) goto out;
    for (;;) {
        if (goc_chan_recv(s->composites, &c) != GOC_OK) goto out;
        while (p < c) {
            if (goc_chan_send(s->proxy, &p) != GOC_OK) goto out;
            if (goc_chan_send(s->out, &p) != GOC_OK) goto out;
            if (goc_chan_recv(s->candidates, &p) != GOC_OK) goto out;
        }
        if (p == c && goc_chan_recv(s->candidates, &p) != GOC_OK) goto out;
    }
out:
    goc_chan_close(s->out);
    goc_chan_close(s->composites);
    goc_chan_close(s->proxy);
    goc_chan_close(s->candidates);
}

Test(go, sieve2) {
    static const long a[] = { 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53,
                              59, 61, 67, 71, 73, 79, 83, 89, 97 };
    sv2_pipe s = { mk(sizeof(long), 10), mk(sizeof(long), 50), mk(sizeof(long), 10),
                   mk(sizeof(long), 10), mk(sizeof(long), 50) };
    send_i(s.out, 2);
    send_i(s.out, 3);
    send_i(s.primes, 3);
    go(&sv2_wg, sv2_odds_fn, s.candidates);
    go(&sv2_wg, sv2_merger, &s);
    go(&sv2_wg, sv2_sendproxy, &s);
    go(&sv2_wg, sv2_sieve, &s);
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        long x = recv_i(s.out);
        cr_assert_eq(x, a[i], "%ld != %ld", x, a[i]);
    }
    goc_chan_close(s.out);
    goc_wg_wait(&sv2_wg);
    goc_chan *all[] = { s.out, s.composites, s.primes, s.proxy, s.candidates };
    for (int i = 0; i < 5; i++) goc_chan_free(all[i]);
}
