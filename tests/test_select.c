/* goc_select, goc_select_try, goc_select_timeout: choice, fairness, mixed
 * directions, duplicate channels, closed and NULL channels, misuse. */
#include "testutil.h"

TestSuite(select, .timeout = 60);

/* Two always-ready cases: each chosen 45-55% of 100,000 times. */
Test(select, uniform_choice_between_two_ready_cases) {
    goc_chan *a = goc_chan_make(sizeof(int), 1), *b = goc_chan_make(sizeof(int), 1);
    int one = 1, two = 2, v;
    goc_chan_send(a, &one);
    goc_chan_send(b, &two);
    long n[2] = {0, 0};
    const long trials = 100000;
    for (long i = 0; i < trials; i++) {
        goc_case cs[2] = { goc_recv_case(a, &v), goc_recv_case(b, &v) };
        int k = goc_select(cs, 2);
        cr_assert(k == 0 || k == 1);
        cr_assert(cs[k].ok);
        cr_assert_eq(v, k + 1);
        n[k]++;
        goc_chan_send(k ? b : a, &v);      /* ready again */
    }
    cr_assert(n[0] >= trials * 45 / 100 && n[0] <= trials * 55 / 100,
              "case 0 chosen %ld of %ld times", n[0], trials);
    goc_chan_free(a);
    goc_chan_free(b);
}

/* Four ready cases, some sends and some receives, with select_try. */
Test(select, uniform_choice_among_four_mixed_cases) {
    goc_chan *c[4];
    for (int i = 0; i < 4; i++) c[i] = goc_chan_make(sizeof(int), 1);
    int x = 7, v;
    goc_chan_send(c[0], &x);
    goc_chan_send(c[2], &x);
    long n[4] = {0};
    const long trials = 40000;
    for (long i = 0; i < trials; i++) {
        goc_case cs[4] = { goc_recv_case(c[0], &v), goc_send_case(c[1], &x),
                           goc_recv_case(c[2], &v), goc_send_case(c[3], &x) };
        int k = goc_select_try(cs, 4);
        cr_assert(k >= 0 && k < 4);
        n[k]++;
        /* put the chosen channel back as it was */
        if (k == 0 || k == 2) goc_chan_send(c[k], &x); else goc_chan_recv(c[k], NULL);
    }
    for (int k = 0; k < 4; k++)
        cr_assert(n[k] >= trials * 22 / 100 && n[k] <= trials * 28 / 100,
                  "case %d chosen %ld of %ld times", k, n[k], trials);
    for (int i = 0; i < 4; i++) goc_chan_free(c[i]);
}

Test(select, only_the_ready_case_is_chosen) {
    goc_chan *empty = goc_chan_make(sizeof(int), 1), *full = goc_chan_make(sizeof(int), 1);
    int v = 3;
    goc_chan_send(full, &v);
    for (int i = 0; i < 100; i++) {
        goc_case cs[3] = { goc_recv_case(empty, &v), goc_send_case(full, &v), goc_recv_case(full, &v) };
        cr_assert_eq(goc_select(cs, 3), 2);
        cr_assert(cs[2].ok);
        cr_assert_eq(v, 3);
        goc_chan_send(full, &v);
    }
    goc_chan_free(empty);
    goc_chan_free(full);
}

Test(select, closed_channels_give_ok_false) {
    for (size_t cap = 0; cap < 2; cap++) {
        goc_chan *c = goc_chan_make(sizeof(int), cap);
        int v = 9;
        goc_chan_close(c);
        goc_case r[1] = { goc_recv_case(c, &v) };
        r[0].ok = true;
        cr_assert_eq(goc_select(r, 1), 0);
        cr_assert_not(r[0].ok);
        cr_assert_eq(v, 0);
        goc_case s[1] = { goc_send_case(c, &v) };
        s[0].ok = true;
        cr_assert_eq(goc_select_try(s, 1), 0);
        cr_assert_not(s[0].ok);
        goc_chan_free(c);
    }
    /* buffered: values first, then ok = false */
    goc_chan *c = goc_chan_make(sizeof(int), 2);
    int v = 4;
    goc_chan_send(c, &v);
    goc_chan_close(c);
    goc_case r[1] = { goc_recv_case(c, &v) };
    cr_assert_eq(goc_select(r, 1), 0);
    cr_assert(r[0].ok);
    cr_assert_eq(v, 4);
    cr_assert_eq(goc_select(r, 1), 0);
    cr_assert_not(r[0].ok);
    goc_chan_free(c);
}

Test(select, null_cases_and_misuse) {
    int v = 0;
    goc_case nul[2] = { goc_recv_case(NULL, &v), goc_send_case(NULL, &v) };
    cr_assert_eq(goc_select(nul, 2), GOC_EINVAL);
    cr_assert_eq(goc_select(NULL, 0), GOC_EINVAL);
    cr_assert_eq(goc_select_try(nul, 2), GOC_WOULDBLOCK);
    cr_assert_eq(goc_select_try(NULL, 0), GOC_WOULDBLOCK);
    cr_assert_eq(goc_select_timeout(nul, 2, 0), GOC_TIMEOUT);
    int64_t t0 = t_now();
    cr_assert_eq(goc_select_timeout(nul, 2, 15 * GOC_MILLISECOND), GOC_TIMEOUT);
    cr_assert_geq(t_now() - t0, 15 * GOC_MILLISECOND);   /* Go's select with a lone timer */
    cr_assert_eq(goc_select(NULL, 3), GOC_EINVAL);

    goc_chan *c = goc_chan_make(sizeof(int), 1);
    goc_case bad[2] = { goc_recv_case(c, &v), goc_recv_case(c, &v) };
    bad[1].dir = 4;                /* 3 is GOC_POLL */
    cr_assert_eq(goc_select(bad, 2), GOC_EINVAL);
    bad[1].dir = 0;
    cr_assert_eq(goc_select_try(bad, 2), GOC_EINVAL);
    bad[1].ch = NULL;              /* a bad dir is bad even on a NULL channel */
    cr_assert_eq(goc_select_timeout(bad, 2, 0), GOC_EINVAL);
    goc_case nullval[1] = { goc_send_case(c, NULL) };
    cr_assert_eq(goc_select_try(nullval, 1), GOC_EINVAL);

    /* a NULL case beside a ready one is never chosen */
    goc_chan_send(c, &v);
    for (int i = 0; i < 50; i++) {
        goc_case cs[3] = { goc_recv_case(NULL, &v), goc_recv_case(c, &v), goc_send_case(NULL, &v) };
        cr_assert_eq(goc_select(cs, 3), 1);
        goc_chan_send(c, &v);
    }
    goc_chan_free(c);
}

static void *select_try_never_blocks_fn(void *arg) {
    goc_atomic_i32 *done = arg;
    goc_chan *u = goc_chan_make(sizeof(int), 0), *full = goc_chan_make(sizeof(int), 1);
    goc_chan *empty = goc_chan_make(sizeof(int), 4);
    int v = 1;
    goc_chan_send(full, &v);
    for (int i = 0; i < 10000; i++) {
        goc_case cs[4] = { goc_send_case(u, &v), goc_recv_case(u, &v),
                           goc_send_case(full, &v), goc_recv_case(empty, &v) };
        T_CHECK(goc_select_try(cs, 4) == GOC_WOULDBLOCK);
        T_CHECK(goc_select_timeout(cs, 4, 0) == GOC_TIMEOUT);
    }
    goc_chan_free(u);
    goc_chan_free(full);
    goc_chan_free(empty);
    goc_atomic_i32_store(done, 1);
    return NULL;
}

Test(select, select_try_never_blocks) {
    goc_atomic_i32 done = {0};
    t_threads t = {0};
    t_spawn(&t, select_try_never_blocks_fn, &done);
    for (int i = 0; i < 10000 && !goc_atomic_i32_load(&done); i++) t_sleep_ms(1);
    cr_assert_eq(goc_atomic_i32_load(&done), 1, "select_try blocked");
    t_join(&t);
    T_NO_FAILURES();
}

static void *select_timeout_20ms_fn(void *arg) {
    goc_chan *c = arg;
    int v;
    goc_case cs[2] = { goc_recv_case(c, &v), goc_recv_case(c, NULL) };   /* no thread sends */
    int64_t t0 = t_now();
    T_CHECK(goc_select_timeout(cs, 2, 20 * GOC_MILLISECOND) == GOC_TIMEOUT);
    T_CHECK(t_now() - t0 >= 20 * GOC_MILLISECOND);
    return NULL;
}

Test(select, timeout_never_returns_early) {
    goc_chan *u = goc_chan_make(sizeof(int), 0);
    t_threads t = {0};
    for (int i = 0; i < 3; i++) t_spawn(&t, select_timeout_20ms_fn, u);
    t_join(&t);
    goc_chan_free(u);
    T_NO_FAILURES();
}

typedef struct partner { goc_chan *c; int dir; int value; int delay_ms; int result; } partner;

static void *partner_fn(void *arg) {
    partner *p = arg;
    t_sleep_ms(p->delay_ms);
    p->result = p->dir == GOC_SEND ? goc_chan_send(p->c, &p->value) : goc_chan_recv(p->c, &p->value);
    return NULL;
}

/* A blocked select wakes for the partner that comes, in either direction,
 * buffered or not, with the same channel in several cases. */
Test(select, blocks_until_a_partner_comes) {
    for (size_t cap = 0; cap < 2; cap++) {
        for (int dir = GOC_SEND; dir <= GOC_RECV; dir++) {
            goc_chan *idle = goc_chan_make(sizeof(int), 0);
            goc_chan *c = goc_chan_make(sizeof(int), cap);
            int fill = 0;
            if (cap && dir == GOC_SEND) goc_chan_send(c, &fill);   /* full: the send case waits */
            partner p = { .c = c, .dir = dir == GOC_SEND ? GOC_RECV : GOC_SEND, .value = 55, .delay_ms = 20 };
            t_threads t = {0};
            t_spawn(&t, partner_fn, &p);
            int in = 0, out = 66;
            goc_case cs[4] = { goc_recv_case(idle, &in), dir == GOC_SEND ? goc_send_case(c, &out)
                                                                         : goc_recv_case(c, &in),
                               goc_send_case(idle, &out), dir == GOC_SEND ? goc_send_case(c, &out)
                                                                          : goc_recv_case(c, &in) };
            int k = goc_select(cs, 4);
            cr_assert(k == 1 || k == 3, "chose %d", k);
            cr_assert(cs[k].ok);
            t_join(&t);
            cr_assert_eq(p.result, GOC_OK);
            if (dir == GOC_RECV) cr_assert_eq(in, 55);
            else if (cap) {                       /* our value went in behind the filler */
                cr_assert_eq(p.value, 0);
                int got = 0;
                cr_assert_eq(goc_chan_recv(c, &got), GOC_OK);
                cr_assert_eq(got, 66);
            } else cr_assert_eq(p.value, 66);
            goc_chan_free(idle);
            goc_chan_free(c);
        }
    }
}

static void *close_after_20ms(void *arg) {
    t_sleep_ms(20);
    goc_chan_close(arg);
    return NULL;
}

Test(select, close_wakes_a_blocked_select) {
    for (size_t cap = 0; cap < 2; cap++) {
        for (int dir = GOC_SEND; dir <= GOC_RECV; dir++) {
            goc_chan *c = goc_chan_make(sizeof(int), cap), *other = goc_chan_make(sizeof(int), 0);
            int v = 1;
            if (cap && dir == GOC_SEND) goc_chan_send(c, &v);
            t_threads t = {0};
            t_spawn(&t, close_after_20ms, c);
            goc_case cs[2] = { goc_recv_case(other, &v), { .ch = c, .dir = dir, .elem = &v, .ok = true } };
            cr_assert_eq(goc_select(cs, 2), 1);
            t_join(&t);
            cr_assert_not(cs[1].ok);          /* completed because the channel closed */
            goc_chan_free(c);
            goc_chan_free(other);
        }
    }
}

/* Send and receive on the same unbuffered channel in one select: it must
 * never pair with itself (Go: "select should not get confused if it sees
 * itself"), so with nobody else it times out. */
Test(select, never_pairs_with_itself) {
    goc_chan *c = goc_chan_make(sizeof(int), 0);
    int in = 0, out = 1;
    goc_case cs[2] = { goc_send_case(c, &out), goc_recv_case(c, &in) };
    cr_assert_eq(goc_select_timeout(cs, 2, 30 * GOC_MILLISECOND), GOC_TIMEOUT);
    cr_assert_eq(goc_select_try(cs, 2), GOC_WOULDBLOCK);
    goc_chan_free(c);
}

/* More cases than fit on the stack: the heap path. */
Test(select, many_cases) {
    enum { N = 100 };
    goc_chan *c[N];
    goc_case cs[N];
    int v[N];
    for (int i = 0; i < N; i++) {
        c[i] = goc_chan_make(sizeof(int), 1);
        cs[i] = goc_recv_case(c[i], &v[i]);
    }
    int x = 5;
    goc_chan_send(c[73], &x);
    cr_assert_eq(goc_select(cs, N), 73);
    cr_assert_eq(v[73], 5);
    cr_assert_eq(goc_select_try(cs, N), GOC_WOULDBLOCK);
    cr_assert_eq(goc_select_timeout(cs, N, GOC_MILLISECOND), GOC_TIMEOUT);
    t_threads t = {0};
    partner p = { .c = c[12], .dir = GOC_SEND, .value = 12, .delay_ms = 10 };
    t_spawn(&t, partner_fn, &p);
    cr_assert_eq(goc_select(cs, N), 12);
    cr_assert_eq(v[12], 12);
    t_join(&t);
    for (int i = 0; i < N; i++) goc_chan_free(c[i]);
}

/* Only one case completes, however many partners are ready at once: four
 * receivers wait on four unbuffered channels; one select sends to all of
 * them, 2000 times; exactly 2000 values arrive, each once. */
typedef struct drain_arg { goc_chan *c; long got; long sum; } drain_arg;

static void *drain_fn(void *arg) {
    drain_arg *d = arg;
    long v;
    while (goc_chan_recv(d->c, &v) == GOC_OK) { d->got++; d->sum += v; }
    return NULL;
}

Test(select, exactly_one_case_completes) {
    goc_chan *c[4];
    drain_arg d[4];
    t_threads t = {0};
    for (int i = 0; i < 4; i++) {
        c[i] = goc_chan_make(sizeof(long), 0);
        d[i] = (drain_arg){ .c = c[i] };
        t_spawn(&t, drain_fn, &d[i]);
    }
    const long n = T_ITERS(20000);
    for (long i = 1; i <= n; i++) {
        goc_case cs[4];
        for (int k = 0; k < 4; k++) cs[k] = goc_send_case(c[k], &i);
        int k = goc_select(cs, 4);
        cr_assert(k >= 0 && k < 4 && cs[k].ok);
    }
    for (int i = 0; i < 4; i++) goc_chan_close(c[i]);
    t_join(&t);
    long got = 0, sum = 0;
    for (int i = 0; i < 4; i++) { got += d[i].got; sum += d[i].sum; goc_chan_free(c[i]); }
    cr_assert_eq(got, n);
    cr_assert_eq(sum, n * (n + 1) / 2);
}
