/* Port of the behaviour tests of Go's src/runtime/chan_test.go: TestChan,
 * TestNonblockRecvRace, TestNonblockSelectRace, TestNonblockSelectRace2,
 * TestSelfSelect, TestSelectStress, TestChanSendInterface,
 * TestPseudoRandomSend, TestMultiConsumer, TestSelectDuplicateChannel and
 * TestSelectFairness. Sizes are Go's -short ones where the full ones would
 * spawn a hundred thousand OS threads. */

/* ---- TestChan ---------------------------------------------------------------- */
typedef struct ct_recv { goc_chan *c; goc_atomic_i32 done; } ct_recv;

static void ct_recv_one(void *p) {
    ct_recv *r = p;
    goc_chan_recv(r->c, NULL);
    goc_atomic_i32_store(&r->done, 1);
}

static void ct_send_one(void *p) {
    ct_recv *r = p;
    long zero = 0;
    goc_chan_send(r->c, &zero);
    goc_atomic_i32_store(&r->done, 1);
}

typedef struct ct_args { goc_chan *c; goc_chan *done; long n; } ct_args;

static void ct_send_n(void *p) {
    ct_args *a = p;
    for (long i = 0; i < a->n; i++) tsend_i(a->c, i);
}

static void ct_recv_count(void *p) {
    ct_args *a = p;
    long *counts = calloc((size_t)a->n, sizeof *counts);
    for (long i = 0; i < a->n; i++) {
        long v = trecv_i(a->c);
        if (v >= 0 && v < a->n) counts[v]++;
    }
    T_CHECK(goc_chan_send(a->done, &counts) == GOC_OK);
}

static void ct_close_unblocks(void *p) {
    ct_args *a = p;
    long v = 99;
    bool ok = goc_chan_recv(a->c, &v) == GOC_CLOSED && v == 0;
    T_CHECK(goc_chan_send(a->done, &ok) == GOC_OK);
}

Test(go, runtime_TestChan) {
    goc_waitgroup wg = {0};
    const size_t N = T_SCALE > 1 ? 6 : 20;
    for (size_t cap = 0; cap < N; cap++) {
        {   /* receive from an empty chan blocks; non-blocking receive does not */
            goc_chan *c = mk(sizeof(long), cap);
            ct_recv r1 = { .c = c }, r2 = { .c = c };
            go(&wg, ct_recv_one, &r1);
            go(&wg, ct_recv_one, &r2);
            t_sleep_ms(1);
            cr_assert(!goc_atomic_i32_load(&r1.done) && !goc_atomic_i32_load(&r2.done),
                      "chan[%zu]: receive from empty chan", cap);
            cr_assert_eq(goc_chan_try_recv(c, NULL), GOC_WOULDBLOCK);
            goc_case cs[1] = { goc_recv_case(c, NULL) };
            cr_assert_eq(goc_select_try(cs, 1), GOC_WOULDBLOCK);
            send_i(c, 0);
            send_i(c, 0);
            goc_wg_wait(&wg);
            goc_chan_free(c);
        }
        {   /* send to a full chan blocks; non-blocking send does not */
            goc_chan *c = mk(sizeof(long), cap);
            for (size_t i = 0; i < cap; i++) send_i(c, (long)i);
            ct_recv s = { .c = c };
            go(&wg, ct_send_one, &s);
            t_sleep_ms(1);
            cr_assert(!goc_atomic_i32_load(&s.done), "chan[%zu]: send to full chan", cap);
            long zero = 0;
            goc_case cs[1] = { goc_send_case(c, &zero) };
            cr_assert_eq(goc_select_try(cs, 1), GOC_WOULDBLOCK);
            recv_i(c);
            goc_wg_wait(&wg);
            goc_chan_free(c);
        }
        {   /* we receive 0 from a closed chan, after the buffered values */
            goc_chan *c = mk(sizeof(long), cap);
            for (size_t i = 0; i < cap; i++) send_i(c, (long)i);
            goc_chan_close(c);
            for (size_t i = 0; i < cap; i++) cr_assert_eq(recv_i(c), (long)i);
            long v = 5;
            cr_assert_eq(goc_chan_recv(c, &v), GOC_CLOSED);
            cr_assert_eq(v, 0);
            goc_chan_free(c);
        }
        {   /* close unblocks receive */
            goc_chan *c = mk(sizeof(long), cap), *done = mk(sizeof(bool), 0);
            ct_args a = { c, done, 0 };
            go(&wg, ct_close_unblocks, &a);
            t_sleep_ms(1);
            goc_chan_close(c);
            bool ok = false;
            cr_assert_eq(goc_chan_recv(done, &ok), GOC_OK);
            cr_assert(ok, "chan[%zu]: received non zero from closed chan", cap);
            goc_wg_wait(&wg);
            goc_chan_free(c);
            goc_chan_free(done);
        }
        {   /* 100 integers in FIFO order, twice; then 4 x 1000 in 4 threads */
            goc_chan *c = mk(sizeof(long), cap), *done = mk(sizeof(long *), 0);
            for (int twice = 0; twice < 2; twice++) {
                ct_args a = { c, NULL, 100 };
                go(&wg, ct_send_n, &a);
                for (long i = 0; i < 100; i++) {
                    long v = -1;
                    cr_assert_eq(goc_chan_recv(c, &v), GOC_OK, "chan[%zu]: receive failed", cap);
                    cr_assert_eq(v, i, "chan[%zu]: received %ld, expected %ld", cap, v, i);
                }
                goc_wg_wait(&wg);
            }
            enum { CT_P = 4, CT_L = 1000 };
            ct_args a = { c, done, CT_L };
            for (int p = 0; p < CT_P; p++) go(&wg, ct_send_n, &a);
            for (int p = 0; p < CT_P; p++) go(&wg, ct_recv_count, &a);
            long total[CT_L] = {0};
            for (int p = 0; p < CT_P; p++) {
                long *counts = NULL;
                cr_assert_eq(goc_chan_recv(done, &counts), GOC_OK);
                for (int k = 0; k < CT_L; k++) total[k] += counts[k];
                free(counts);
            }
            for (int k = 0; k < CT_L; k++)
                cr_assert_eq(total[k], CT_P, "chan[%zu]: received %ld of value %d, expected %d",
                             cap, total[k], k, CT_P);
            goc_wg_wait(&wg);
            goc_chan_free(c);
            goc_chan_free(done);
        }
        {   /* len/cap */
            goc_chan *c = mk(sizeof(long), cap);
            cr_assert(goc_chan_len(c) == 0 && goc_chan_cap(c) == cap);
            for (size_t i = 0; i < cap; i++) send_i(c, (long)i);
            cr_assert(goc_chan_len(c) == cap && goc_chan_cap(c) == cap);
            goc_chan_free(c);
        }
    }
    T_NO_FAILURES();
}

/* ---- TestNonblockRecvRace ------------------------------------------------------- */
static void nbr_try(void *p) {
    goc_case cs[1] = { goc_recv_case(p, NULL) };
    T_CHECK(goc_select_try(cs, 1) == 0);     /* "chan is not ready" otherwise */
}

Test(go, runtime_TestNonblockRecvRace) {
    goc_waitgroup wg = {0};
    long n = T_ITERS(3000);
    for (long i = 0; i < n; i++) {
        goc_chan *c = mk(sizeof(long), 1);
        send_i(c, 1);
        go(&wg, nbr_try, c);
        goc_chan_close(c);
        goc_chan_recv(c, NULL);
        goc_wg_wait(&wg);
        goc_chan_free(c);
    }
    T_NO_FAILURES();
}

/* ---- TestNonblockSelectRace, TestNonblockSelectRace2 ------------------------------ */
/* A select acts on the state of the channels at one moment, not over a
 * smeared window: at least one of c1, c2 is always ready while the other
 * thread selects, so it must never take the default. */
typedef struct nbs { goc_chan *c1, *c2, *done; } nbs;

static void nbs_select(void *p) {
    nbs *s = p;
    goc_case cs[2] = { goc_recv_case(s->c1, NULL), goc_recv_case(s->c2, NULL) };
    bool ok = goc_select_try(cs, 2) != GOC_WOULDBLOCK;
    T_CHECK(goc_chan_send(s->done, &ok) == GOC_OK);
}

static void nonblock_select_race(bool close_c2) {
    goc_waitgroup wg = {0};
    long n = T_ITERS(5000);
    goc_chan *done = mk(sizeof(bool), 1);
    for (long i = 0; i < n; i++) {
        nbs s = { mk(sizeof(long), 1), mk(sizeof(long), close_c2 ? 0 : 1), done };
        send_i(s.c1, 1);
        go(&wg, nbs_select, &s);
        if (close_c2) goc_chan_close(s.c2); else send_i(s.c2, 1);
        goc_chan_try_recv(s.c1, NULL);
        bool ok = false;
        cr_assert_eq(goc_chan_recv(done, &ok), GOC_OK);
        cr_assert(ok, "no chan is ready");
        goc_wg_wait(&wg);
        goc_chan_free(s.c1);
        goc_chan_free(s.c2);
    }
    goc_chan_free(done);
    T_NO_FAILURES();
}

Test(go, runtime_TestNonblockSelectRace) { nonblock_select_race(false); }
Test(go, runtime_TestNonblockSelectRace2) { nonblock_select_race(true); }

/* ---- TestSelfSelect --------------------------------------------------------------- */
/* Send and receive on the same channel in one select neither crashes nor
 * deadlocks, and (unbuffered) never receives its own value. */
typedef struct self_arg { goc_chan *c; long p; size_t cap; } self_arg;

static void self_fn(void *arg) {
    self_arg *a = arg;
    for (int i = 0; i < 1000; i++) {
        long v = -1, mine = a->p;
        goc_case cs[2];
        if (a->p == 0 || i % 2 == 0) {
            cs[0] = goc_send_case(a->c, &mine);
            cs[1] = goc_recv_case(a->c, &v);
        } else {
            cs[0] = goc_recv_case(a->c, &v);
            cs[1] = goc_send_case(a->c, &mine);
        }
        int k = goc_select(cs, 2);
        T_CHECK(k == 0 || k == 1);
        if (k >= 0 && cs[k].dir == GOC_RECV) T_CHECK(!(a->cap == 0 && v == a->p));   /* self receive */
    }
}

Test(go, runtime_TestSelfSelect) {
    size_t caps[] = { 0, 10 };
    for (int ci = 0; ci < 2; ci++) {
        goc_waitgroup wg = {0};
        goc_chan *c = mk(sizeof(long), caps[ci]);
        self_arg a[2] = { { c, 0, caps[ci] }, { c, 1, caps[ci] } };
        go(&wg, self_fn, &a[0]);
        go(&wg, self_fn, &a[1]);
        goc_wg_wait(&wg);
        goc_chan_free(c);
    }
    T_NO_FAILURES();
}

/* ---- TestSelectStress ---------------------------------------------------------- */
/* 4 senders and 4 receivers, one per channel (two unbuffered, two
 * buffered), plus one thread sending N values on each in a single select
 * and one receiving N from each in a single select: all chaotic, no
 * deadlock. */
typedef struct ss_arg { goc_chan **c; int k; long n; } ss_arg;

static void ss_sender(void *p) { ss_arg *a = p; for (long i = 0; i < a->n; i++) tsend_i(a->c[a->k], 0); }
static void ss_receiver(void *p) { ss_arg *a = p; for (long i = 0; i < a->n; i++) trecv_i(a->c[a->k]); }

static void ss_select_sender(void *p) {
    ss_arg *a = p;
    goc_chan *c1[4];
    long n[4] = {0}, zero = 0;
    memcpy(c1, a->c, sizeof c1);
    for (long i = 0; i < 4 * a->n; i++) {
        goc_case cs[4] = { goc_send_case(c1[3], &zero), goc_send_case(c1[2], &zero),
                           goc_send_case(c1[0], &zero), goc_send_case(c1[1], &zero) };
        static const int which[4] = { 3, 2, 0, 1 };
        int k = goc_select(cs, 4);
        T_CHECK(k >= 0 && k < 4);
        if (k < 0) return;
        if (++n[which[k]] == a->n) c1[which[k]] = NULL;
    }
}

static void ss_select_receiver(void *p) {
    ss_arg *a = p;
    goc_chan *c1[4];
    long n[4] = {0};
    memcpy(c1, a->c, sizeof c1);
    for (long i = 0; i < 4 * a->n; i++) {
        goc_case cs[4];
        for (int k = 0; k < 4; k++) cs[k] = goc_recv_case(c1[k], NULL);
        int k = goc_select(cs, 4);
        T_CHECK(k >= 0 && k < 4);
        if (k < 0) return;
        if (++n[k] == a->n) c1[k] = NULL;
    }
}

Test(go, runtime_TestSelectStress) {
    goc_waitgroup wg = {0};
    goc_chan *c[4] = { mk(sizeof(long), 0), mk(sizeof(long), 0), mk(sizeof(long), 2), mk(sizeof(long), 3) };
    long n = T_ITERS(10000);
    ss_arg a[4], all = { c, 0, n };
    for (int k = 0; k < 4; k++) {
        a[k] = (ss_arg){ c, k, n };
        go(&wg, ss_sender, &a[k]);
        go(&wg, ss_receiver, &a[k]);
    }
    go(&wg, ss_select_sender, &all);
    go(&wg, ss_select_receiver, &all);
    goc_wg_wait(&wg);
    T_NO_FAILURES();
    for (int k = 0; k < 4; k++) goc_chan_free(c[k]);
}

/* ---- TestChanSendInterface ----------------------------------------------------------- */
Test(go, runtime_TestChanSendInterface) {
    struct mt { int unused; } m0, m1;
    struct mt *m = &m0, *other = &m1;
    goc_chan *c = mk(sizeof(struct mt *), 1);
    cr_assert_eq(goc_chan_send(c, &m), GOC_OK);
    goc_case one[1] = { goc_send_case(c, &m) };
    cr_assert_eq(goc_select_try(one, 1), GOC_WOULDBLOCK);
    goc_case two[2] = { goc_send_case(c, &m), goc_send_case(c, &other) };
    cr_assert_eq(goc_select_try(two, 2), GOC_WOULDBLOCK);
    goc_chan_free(c);
}

/* ---- TestPseudoRandomSend ------------------------------------------------------------ */
typedef struct prs { goc_chan *c; long *l; long n; goc_mutex *m; } prs;

static void prs_recv(void *p) {
    prs *a = p;
    for (long i = 0; i < a->n; i++) {
        gosched();
        a->l[i] = trecv_i(a->c);
    }
    goc_mutex_unlock(a->m);
}

Test(go, runtime_TestPseudoRandomSend) {
    enum { PRS_N = 100 };
    size_t caps[] = { 0, PRS_N };
    for (int ci = 0; ci < 2; ci++) {
        goc_waitgroup wg = {0};
        goc_chan *c = mk(sizeof(long), caps[ci]);
        long l[PRS_N];
        goc_mutex m = {0};
        goc_mutex_lock(&m);
        prs a = { c, l, PRS_N, &m };
        go(&wg, prs_recv, &a);
        long one = 1, zero = 0;
        for (int i = 0; i < PRS_N; i++) {
            goc_case cs[2] = { goc_send_case(c, &one), goc_send_case(c, &zero) };
            cr_assert(goc_select(cs, 2) >= 0);
        }
        goc_mutex_lock(&m);                    /* wait */
        long n0 = 0, n1 = 0;
        for (int i = 0; i < PRS_N; i++) { n0 += (l[i] + 1) % 2; n1 += l[i]; }
        cr_assert(n0 > PRS_N / 10 && n1 > PRS_N / 10,
                  "Want pseudorandom, got %ld zeros and %ld ones (chan cap %zu)", n0, n1, caps[ci]);
        goc_mutex_unlock(&m);
        goc_wg_wait(&wg);
        goc_chan_free(c);
    }
    T_NO_FAILURES();
}

/* ---- TestMultiConsumer --------------------------------------------------------------- */
enum { MC_NWORK = 23 };
static const long mc_pn[] = { 2, 3, 7, 11, 13, 17, 19, 23, 27, 31 };
typedef struct mc_env { goc_chan *q, *r; goc_waitgroup workers; long niter, expect; } mc_env;
typedef struct mc_worker { mc_env *e; long w; } mc_worker;

static void mc_work(void *p) {
    mc_worker *wk = p;
    long v;
    while (goc_chan_recv(wk->e->q, &v) == GOC_OK) {       /* for v := range q */
        if (mc_pn[wk->w % 10] == v) gosched();             /* mess with the FIFO-ish order */
        tsend_i(wk->e->r, v);
    }
    goc_wg_done(&wk->e->workers);
}

static void mc_feed(void *p) {
    mc_env *e = p;
    for (long i = 0; i < e->niter; i++) {
        long v = mc_pn[i % 10];
        e->expect += v;
        tsend_i(e->q, v);
    }
    goc_chan_close(e->q);       /* no more work */
    goc_wg_wait(&e->workers);   /* workers done */
    goc_chan_close(e->r);       /* ... so there can be no more results */
}

Test(go, runtime_TestMultiConsumer) {
    goc_waitgroup wg = {0};
    mc_env e = { .q = mk(sizeof(long), MC_NWORK * 3), .r = mk(sizeof(long), MC_NWORK * 3), .niter = T_ITERS(271828) };
    mc_worker wk[MC_NWORK];
    goc_wg_add(&e.workers, MC_NWORK);
    for (long i = 0; i < MC_NWORK; i++) {
        wk[i] = (mc_worker){ &e, i };
        go(&wg, mc_work, &wk[i]);
    }
    go(&wg, mc_feed, &e);
    long n = 0, s = 0, v;
    while (goc_chan_recv(e.r, &v) == GOC_OK) { n++; s += v; }
    goc_wg_wait(&wg);
    cr_assert(n == e.niter && s == e.expect, "Expected sum %ld (got %ld) from %ld iter (saw %ld)",
              e.expect, s, e.niter, n);
    T_NO_FAILURES();
    goc_chan_free(e.q);
    goc_chan_free(e.r);
}

/* ---- TestSelectDuplicateChannel -------------------------------------------------------- */
/* The same thread queued several times on one channel: leaving must not
 * corrupt the queue. */
typedef struct sdc { goc_chan *c, *d, *e; } sdc;

static void sdc_a(void *p) {
    sdc *s = p;
    goc_case cs[3] = { goc_recv_case(s->c, NULL), goc_recv_case(s->c, NULL), goc_recv_case(s->d, NULL) };
    T_CHECK(goc_select(cs, 3) == 2);
    tsend_i(s->e, 9);
}

static void sdc_b(void *p) { trecv_i(((sdc *)p)->c); }

Test(go, runtime_TestSelectDuplicateChannel) {
    goc_waitgroup wg = {0};
    sdc s = { mk(sizeof(long), 0), mk(sizeof(long), 0), mk(sizeof(long), 0) };
    go(&wg, sdc_a, &s);
    t_sleep_ms(1);                    /* A queues first on c */
    go(&wg, sdc_b, &s);
    t_sleep_ms(1);                    /* B queues on c behind it */
    send_i(s.d, 7);                   /* wake A; it leaves c's queue */
    recv_i(s.e);                      /* A is done */
    send_i(s.c, 8);                   /* wake B: the queue must still be right */
    goc_wg_wait(&wg);
    T_NO_FAILURES();
    goc_chan_free(s.c);
    goc_chan_free(s.d);
    goc_chan_free(s.e);
}

/* ---- TestSelectFairness --------------------------------------------------------------- */
typedef struct sf { goc_chan *c1, *c2, *c3, *c4, *out, *done; } sf;

static void sf_loop(void *p) {
    sf *s = p;
    for (;;) {
        unsigned char b = 0;
        goc_case cs[4] = { goc_recv_case(s->c3, &b), goc_recv_case(s->c4, &b),
                           goc_recv_case(s->c1, &b), goc_recv_case(s->c2, &b) };
        T_CHECK(goc_select(cs, 4) >= 0);
        goc_case out[2] = { goc_send_case(s->out, &b), goc_recv_case(s->done, NULL) };
        if (goc_select(out, 2) == 1) return;
    }
}

Test(go, runtime_TestSelectFairness) {
    enum { TRIALS = 10000 };
    goc_waitgroup wg = {0};
    sf s = { mk(1, TRIALS + 1), mk(1, TRIALS + 1), mk(1, 0), mk(1, 0), mk(1, 0), mk(1, 0) };
    unsigned char one = 1, two = 2;
    for (int i = 0; i < TRIALS + 1; i++) { goc_chan_send(s.c1, &one); goc_chan_send(s.c2, &two); }
    go(&wg, sf_loop, &s);
    long cnt1 = 0, cnt2 = 0;
    for (int i = 0; i < TRIALS; i++) {
        unsigned char b = 0;
        cr_assert_eq(goc_chan_recv(s.out, &b), GOC_OK);
        if (b == 1) cnt1++;
        else if (b == 2) cnt2++;
        else cr_assert(false, "unexpected value %d on channel", b);
    }
    /* more than 10 sigma from the mean would be unfair */
    double mean = TRIALS * 0.5, sd = 50.0;    /* sqrt(TRIALS * 0.25) */
    cr_assert((double)cnt1 > mean - 10 * sd && (double)cnt1 < mean + 10 * sd,
              "unfair select: in %d trials, results were %ld, %ld", TRIALS, cnt1, cnt2);
    goc_chan_close(s.done);
    goc_wg_wait(&wg);
    T_NO_FAILURES();
    goc_chan *all[] = { s.c1, s.c2, s.c3, s.c4, s.out, s.done };
    for (int i = 0; i < 6; i++) goc_chan_free(all[i]);
}
