/* context.h, with ports of Go's context/context_test.go (each test that is
 * a port names its Go original). */
#include "testutil.h"
#include <unistd.h>
#include <errno.h>

TestSuite(context, .timeout = 60);

#define MS GOC_MILLISECOND

/* Done is closed: a receive answers GOC_CLOSED at once. */
static bool is_done(goc_ctx *c) {
    goc_chan *d = goc_ctx_done(c);
    return d && goc_chan_try_recv(d, NULL) == GOC_CLOSED;
}

/* Port of TestBackground. */
Test(context, go_TestBackground) {
    goc_ctx *bg = goc_ctx_background();
    cr_assert_not_null(bg);
    cr_assert_eq(goc_ctx_background(), bg);
    cr_assert_null(goc_ctx_done(bg));
    cr_assert_eq(goc_ctx_err(bg), GOC_OK);
    int64_t d = 7;
    cr_assert_not(goc_ctx_deadline(bg, &d));
    cr_assert_eq(d, 7);
    cr_assert_null(goc_ctx_value(bg, &d));
    goc_ctx_cancel(bg);                 /* nothing */
    goc_ctx_retain(bg);
    goc_ctx_free(bg);                   /* no-op */
    cr_assert_eq(goc_ctx_err(bg), GOC_OK);
    /* a select case on background's done is never ready */
    goc_case cs[1] = { goc_recv_case(goc_ctx_done(bg), NULL) };
    cr_assert_eq(goc_select_timeout(cs, 1, MS), GOC_TIMEOUT);
}

/* Port of TestWithCancel: cancel reaches children and grandchildren, not
 * the parent. */
Test(context, go_TestWithCancel) {
    goc_ctx *c1 = goc_ctx_with_cancel(goc_ctx_background());
    cr_assert_not_null(c1);
    cr_assert_not_null(goc_ctx_done(c1));
    goc_ctx *o[3];
    o[0] = c1;
    o[1] = goc_ctx_with_cancel(c1);
    o[2] = goc_ctx_with_cancel(o[1]);
    for (int i = 0; i < 3; i++) {
        cr_assert_not(is_done(o[i]), "o[%d] done before cancel", i);
        cr_assert_eq(goc_ctx_err(o[i]), GOC_OK);
    }
    goc_ctx_cancel(o[1]);
    cr_assert_not(is_done(o[0]), "parent canceled by child");
    cr_assert(is_done(o[1]) && is_done(o[2]));
    cr_assert_eq(goc_ctx_err(o[1]), GOC_CANCELED);
    cr_assert_eq(goc_ctx_err(o[2]), GOC_CANCELED);
    goc_ctx_cancel(o[0]);
    cr_assert(is_done(o[0]));
    for (int i = 2; i >= 0; i--) goc_ctx_free(o[i]);
}

/* Port of TestParentFinishesChild: cancel of the parent ends children of
 * every kind, through value contexts too, with the parent's error. */
Test(context, go_TestParentFinishesChild) {
    static int key;
    static char v[] = "v";
    goc_ctx *parent = goc_ctx_with_cancel(goc_ctx_background());
    goc_ctx *cancel_child = goc_ctx_with_cancel(parent);
    goc_ctx *value_child = goc_ctx_with_value(parent, &key, v);
    goc_ctx *timer_child = goc_ctx_with_timeout(value_child, 3600 * GOC_SECOND);
    goc_ctx *under_value = goc_ctx_with_cancel(value_child);
    cr_assert(cancel_child && value_child && timer_child && under_value);
    cr_assert_eq(goc_ctx_done(value_child), goc_ctx_done(parent), "a value context has its parent's done");
    goc_ctx_cancel(parent);
    goc_ctx *all[] = { parent, cancel_child, value_child, timer_child, under_value };
    for (int i = 0; i < 5; i++) {
        cr_assert(is_done(all[i]), "ctx %d not done", i);
        cr_assert_eq(goc_ctx_err(all[i]), GOC_CANCELED, "ctx %d", i);
    }
    cr_assert_eq(goc_ctx_value(timer_child, &key), (void *)v);
    /* a child made after the parent ended starts ended */
    goc_ctx *late = goc_ctx_with_cancel(parent);
    cr_assert(is_done(late));
    cr_assert_eq(goc_ctx_err(late), GOC_CANCELED);
    goc_ctx *late_deadline = goc_ctx_with_timeout(parent, GOC_SECOND);
    cr_assert_eq(goc_ctx_err(late_deadline), GOC_CANCELED);
    goc_ctx_free(late_deadline);
    goc_ctx_free(late);
    for (int i = 4; i >= 0; i--) goc_ctx_free(all[i]);
}

/* Port of TestChildFinishesFirst: a child that ends (or is freed) first
 * leaves the parent running and off its list; cancel of a parent after a
 * child was freed is safe (ASan). */
Test(context, go_TestChildFinishesFirst) {
    goc_ctx *parent = goc_ctx_with_cancel(goc_ctx_background());
    goc_ctx *child = goc_ctx_with_cancel(parent);
    goc_ctx_cancel(child);
    cr_assert(is_done(child));
    cr_assert_not(is_done(parent));
    goc_ctx_free(child);
    goc_ctx *child2 = goc_ctx_with_timeout(parent, GOC_SECOND);
    goc_ctx_free(child2);           /* freed without cancel first: free cancels */
    goc_ctx_cancel(parent);
    cr_assert(is_done(parent));
    goc_ctx_free(parent);
}

/* Freeing the parent first: the child keeps it alive, and the free
 * cancels the child (context.h's manual). */
Test(context, free_parent_first) {
    goc_ctx *parent = goc_ctx_with_cancel(goc_ctx_background());
    static int key;
    goc_ctx *v = goc_ctx_with_value(parent, &key, &key);
    goc_ctx *child = goc_ctx_with_cancel(v);
    goc_ctx_free(parent);
    goc_ctx_free(v);
    cr_assert(is_done(child));
    cr_assert_eq(goc_ctx_err(child), GOC_CANCELED);
    cr_assert_eq(goc_ctx_value(child, &key), &key, "ancestors stay valid");
    goc_ctx_free(child);
}

/* Port of TestDeadline and TestTimeout: a deadline ends the context with
 * GOC_DEADLINE, not before; a parent's earlier deadline wins. */
Test(context, go_TestDeadline_TestTimeout) {
    int64_t t0 = goc_now();
    goc_ctx *c = goc_ctx_with_deadline(goc_ctx_background(), t0 + 50 * MS);
    int64_t d;
    cr_assert(goc_ctx_deadline(c, &d));
    cr_assert_eq(d, t0 + 50 * MS);
    cr_assert_eq(goc_chan_recv(goc_ctx_done(c), NULL), GOC_CLOSED);
    cr_assert_geq(goc_now(), t0 + 50 * MS, "ended early");
    cr_assert_eq(goc_ctx_err(c), GOC_DEADLINE);
    goc_ctx_free(c);

    goc_ctx *o = goc_ctx_with_timeout(goc_ctx_background(), 30 * MS);
    goc_ctx *later = goc_ctx_with_timeout(o, 3600 * GOC_SECOND);   /* the parent's deadline wins */
    cr_assert(goc_ctx_deadline(later, &d));
    int64_t od;
    goc_ctx_deadline(o, &od);
    cr_assert_eq(d, od);
    goc_case cs[1] = { goc_recv_case(goc_ctx_done(later), NULL) };
    cr_assert_eq(goc_select_timeout(cs, 1, 5 * GOC_SECOND), 0);
    cr_assert_eq(goc_ctx_err(later), GOC_DEADLINE);
    goc_ctx_free(later);
    goc_ctx_free(o);

    goc_ctx *past = goc_ctx_with_deadline(goc_ctx_background(), goc_now() - GOC_SECOND);
    cr_assert(is_done(past));
    cr_assert_eq(goc_ctx_err(past), GOC_DEADLINE);
    goc_ctx_free(past);
}

/* Port of TestCanceledTimeout: cancel before the deadline wins, with
 * GOC_CANCELED, and the timer no longer holds the context. */
Test(context, go_TestCanceledTimeout) {
    goc_ctx *c = goc_ctx_with_timeout(goc_ctx_background(), GOC_SECOND);
    goc_ctx *o = goc_ctx_with_cancel(c);
    goc_ctx_cancel(c);
    goc_case cs[1] = { goc_recv_case(goc_ctx_done(o), NULL) };
    cr_assert_eq(goc_select_timeout(cs, 1, 100 * MS), 0, "a select on done wakes when canceled");
    cr_assert_eq(goc_ctx_err(o), GOC_CANCELED);
    goc_ctx_free(o);
    goc_ctx_free(c);    /* ASan: nothing leaks although the timer was pending */
}

/* Port of TestValues: the nearest value for a key wins; other keys pass. */
Test(context, go_TestValues) {
    static int k1, k2, k3;
    goc_ctx *c0 = goc_ctx_background();
    goc_ctx *c1 = goc_ctx_with_value(c0, &k1, "c1k1");
    goc_ctx *c2 = goc_ctx_with_value(c1, &k2, "c2k2");
    goc_ctx *c3 = goc_ctx_with_value(c2, &k3, "c3k3");
    goc_ctx *c4 = goc_ctx_with_value(c3, &k1, "c4k1");
    goc_ctx *c5 = goc_ctx_with_cancel(c4);
    cr_assert_null(goc_ctx_value(c0, &k1));
    cr_assert_str_eq(goc_ctx_value(c1, &k1), "c1k1");
    cr_assert_null(goc_ctx_value(c1, &k2));
    cr_assert_str_eq(goc_ctx_value(c3, &k2), "c2k2");
    cr_assert_str_eq(goc_ctx_value(c4, &k1), "c4k1");
    cr_assert_str_eq(goc_ctx_value(c5, &k1), "c4k1");
    cr_assert_str_eq(goc_ctx_value(c5, &k3), "c3k3");
    cr_assert_null(goc_ctx_done(c4), "value over background: never done");
    goc_ctx_cancel(c4);                 /* a value context cannot be canceled */
    cr_assert_eq(goc_ctx_err(c4), GOC_OK);
    goc_ctx *all[] = { c5, c4, c3, c2, c1 };
    for (int i = 0; i < 5; i++) goc_ctx_free(all[i]);
}

/* Port of TestSimultaneousCancels: a tree of contexts canceled from its
 * root while many threads wait on the leaves. */
static void *wait_done(void *arg) {
    goc_ctx *c = arg;
    T_CHECK(goc_chan_recv(goc_ctx_done(c), NULL) == GOC_CLOSED);
    T_CHECK(goc_ctx_err(c) == GOC_CANCELED);
    goc_ctx_free(c);
    return NULL;
}

Test(context, go_TestSimultaneousCancels) {
    goc_ctx *root = goc_ctx_with_cancel(goc_ctx_background());
    goc_ctx *level[3][4];
    t_threads th = {0};
    for (int i = 0; i < 4; i++) {
        level[0][i] = goc_ctx_with_cancel(root);
        level[1][i] = goc_ctx_with_timeout(level[0][i], 3600 * GOC_SECOND);
        level[2][i] = goc_ctx_with_cancel(level[1][i]);
        for (int l = 0; l < 3; l++) {
            goc_ctx_retain(level[l][i]);
            t_spawn(&th, wait_done, level[l][i]);
        }
    }
    t_sleep_ms(10);
    goc_ctx_cancel(root);
    t_join(&th);
    T_NO_FAILURES();
    for (int l = 2; l >= 0; l--) for (int i = 0; i < 4; i++) goc_ctx_free(level[l][i]);
    goc_ctx_free(root);
}

/* Port of TestInterlockedCancels and TestLayersCancel/TestLayersTimeout
 * under stress: cancels of parents, children and deadlines firing race
 * with frees, in every order. */
static void *race_round(void *arg) {
    (void)arg;
    for (int i = 0; i < T_ITERS(3000); i++) {
        goc_ctx *p = goc_ctx_with_cancel(goc_ctx_background());
        goc_ctx *c = goc_ctx_with_timeout(p, (goc_duration)(i % 4) * 20 * GOC_MICROSECOND);
        goc_ctx *g = goc_ctx_with_cancel(c);
        if (i % 2) goc_ctx_cancel(p);
        if (i % 3 == 0) goc_ctx_free(c), c = NULL;
        goc_ctx_cancel(g);
        T_CHECK(goc_ctx_err(g) != GOC_OK);
        goc_ctx_free(p);
        if (c) goc_ctx_free(c);
        goc_ctx_free(g);
    }
    return NULL;
}

Test(context, cancel_free_and_deadline_races) {
    t_threads th = {0};
    for (int i = 0; i < 4; i++) t_spawn(&th, race_round, NULL);
    t_join(&th);
    T_NO_FAILURES();
    t_sleep_ms(20);   /* deadline callbacks still in flight drop their references */
}

Test(context, misuse) {
    errno = 0;
    cr_assert_null(goc_ctx_with_cancel(NULL));
    cr_assert_eq(errno, EINVAL);
    cr_assert_null(goc_ctx_with_timeout(NULL, MS));
    cr_assert_null(goc_ctx_with_value(NULL, NULL, NULL));
    cr_assert_null(goc_ctx_done(NULL));
    cr_assert_eq(goc_ctx_err(NULL), GOC_OK);
    cr_assert_not(goc_ctx_deadline(NULL, NULL));
    cr_assert_null(goc_ctx_value(NULL, NULL));
    goc_ctx_cancel(NULL);
    goc_ctx_free(NULL);
    goc_ctx_retain(NULL);
}

/* ---- deadlines saturate --------------------------------------------------
 * with_timeout(bg, INT64_MAX) computed now + d, which wrapped into the
 * past: the context ended at once with a negative deadline. INT64_MIN
 * wrapped the other way (deadline - now) and never ended. */
Test(context, huge_and_negative_deadlines, .timeout = 30) {
    goc_ctx *bg = goc_ctx_background();
    goc_ctx *forever = goc_ctx_with_timeout(bg, GOC_FOREVER);
    goc_ctx *huge = goc_ctx_with_timeout(bg, INT64_MAX - 1);
    goc_ctx *far = goc_ctx_with_deadline(bg, INT64_MAX - 1);
    goc_ctx *at_max = goc_ctx_with_deadline(bg, INT64_MAX);
    goc_ctx *neg_to = goc_ctx_with_timeout(bg, INT64_MIN);
    goc_ctx *neg_dl = goc_ctx_with_deadline(bg, INT64_MIN);
    goc_ctx *neg1 = goc_ctx_with_timeout(bg, -1);
    cr_assert(forever && huge && far && at_max && neg_to && neg_dl && neg1);

    /* Hugely negative: ended at once, by the deadline. */
    cr_assert_eq(goc_ctx_err(neg_to), GOC_DEADLINE);
    cr_assert_eq(goc_ctx_err(neg_dl), GOC_DEADLINE);
    cr_assert_eq(goc_ctx_err(neg1), GOC_DEADLINE);
    cr_assert(is_done(neg_to) && is_done(neg_dl) && is_done(neg1));

    t_sleep_ms(30);
    int64_t now = goc_now(), dl = 0;
    goc_ctx *live[] = { forever, huge, far, at_max };
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(goc_ctx_err(live[i]), GOC_OK, "context %d ended by time", i);
        cr_assert(!is_done(live[i]));
        /* No deadline at all, or one that is not in the past. */
        if (goc_ctx_deadline(live[i], &dl)) cr_assert_gt(dl, now, "context %d: deadline %lld", i, (long long)dl);
    }
    /* INT64_MAX is no deadline (documented). */
    cr_assert_not(goc_ctx_deadline(forever, NULL));
    cr_assert_not(goc_ctx_deadline(huge, NULL));
    cr_assert_not(goc_ctx_deadline(at_max, NULL));
    cr_assert(goc_ctx_deadline(far, &dl) && dl == INT64_MAX - 1);

    /* A 100 ms child of a context with a huge deadline ends after ~100 ms. */
    goc_ctx *parents[] = { forever, far };
    for (int i = 0; i < 2; i++) {
        int64_t t0 = goc_now();
        goc_ctx *c = goc_ctx_with_timeout(parents[i], 100 * MS);
        cr_assert_not_null(c);
        cr_assert_eq(goc_ctx_err(c), GOC_OK, "the child ended at once");
        cr_assert(goc_ctx_deadline(c, &dl));
        cr_assert_geq(dl, t0 + 100 * MS);
        cr_assert_lt(dl, t0 + 100 * MS + 2 * GOC_SECOND);
        cr_assert_eq(goc_chan_recv_timeout(goc_ctx_done(c), NULL, 20 * GOC_SECOND), GOC_CLOSED);
        cr_assert_geq(goc_now() - t0, 100 * MS);
        cr_assert_eq(goc_ctx_err(c), GOC_DEADLINE);
        cr_assert_eq(goc_ctx_err(parents[i]), GOC_OK);
        goc_ctx_free(c);
    }
    goc_ctx *all[] = { forever, huge, far, at_max, neg_to, neg_dl, neg1 };
    for (int i = 0; i < 7; i++) goc_ctx_free(all[i]);
}

/* ---- deep chains: bounded stack -------------------------------------------
 * Cancel recursed once per generation: a 300,000-deep chain overflowed
 * the stack. */
static void deep_chain(int n, bool cancel_first) {
    goc_ctx **cs = malloc((size_t)n * sizeof *cs);
    T_CHECK(cs != NULL);
    if (!cs) return;
    goc_ctx *p = goc_ctx_background();
    for (int i = 0; i < n; i++) {
        /* every 64th a value context in between: cancel contexts below it
         * register with the nearest cancel ancestor */
        cs[i] = i % 64 == 63 ? goc_ctx_with_value(p, &cs, NULL) : goc_ctx_with_cancel(p);
        T_CHECK(cs[i] != NULL);
        if (!cs[i]) return;
        p = cs[i];
    }
    if (cancel_first) {
        goc_ctx_cancel(cs[0]);
        T_CHECK(goc_ctx_err(cs[n - 1]) == GOC_CANCELED);
        T_CHECK(goc_chan_try_recv(goc_ctx_done(cs[n - 1]), NULL) == GOC_CLOSED);
        T_CHECK(goc_ctx_err(cs[n / 2]) == GOC_CANCELED);
        /* Root first: the leaf's free then releases the whole chain. */
        for (int i = 0; i < n; i++) goc_ctx_free(cs[i]);
    } else {
        /* No cancel: release everything but the leaf, then free the leaf
         * (its cancel has no children; the release walks up n parents). */
        for (int i = 0; i < n - 1; i++) goc_ctx_release(cs[i]);
        T_CHECK(goc_ctx_err(cs[n - 1]) == GOC_OK);
        goc_ctx_free(cs[n - 1]);
    }
    free(cs);
}

Test(context, deep_chain_cancel_and_free_iterative, .timeout = 120) {
    deep_chain(300000, true);
    deep_chain(300000, false);
    T_NO_FAILURES();
}

static void *small_stack_chain(void *arg) {
    (void)arg;
    deep_chain(20000, true);
    deep_chain(20000, false);
    return NULL;
}

Test(context, deep_chain_on_a_small_stack, .timeout = 120) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    /* 64 KiB, or the system's least (128 KiB on aarch64 with 64 KiB pages) */
    size_t stack = 64 * 1024;
    long least = sysconf(_SC_THREAD_STACK_MIN);
    if (least > 0 && (size_t)least > stack) stack = (size_t)least;
    cr_assert_eq(pthread_attr_setstacksize(&attr, stack), 0);
    pthread_t id;
    cr_assert_eq(pthread_create(&id, &attr, small_stack_chain, NULL), 0);
    pthread_attr_destroy(&attr);
    pthread_join(id, NULL);
    T_NO_FAILURES();
}

/* ---- done outlives the context when retained ------------------------------
 * The done channel lives in the context's block, which was freed with the
 * context's last reference: a retained done was a heap use-after-free. */
Test(context, retained_done_outlives_the_context, .timeout = 30) {
    goc_ctx *bg = goc_ctx_background();
    goc_ctx *a = goc_ctx_with_cancel(bg);
    goc_ctx *b = goc_ctx_with_timeout(bg, 3600 * GOC_SECOND);
    goc_ctx *p = goc_ctx_with_cancel(bg);
    goc_ctx *pv = goc_ctx_with_value(p, &bg, NULL);
    goc_ctx *c = goc_ctx_with_cancel(pv);
    goc_ctx *d = goc_ctx_with_timeout(bg, MS);
    cr_assert(a && b && p && pv && c && d);
    goc_ctx *cs[] = { a, b, c, d };
    goc_chan *done[4];
    for (int i = 0; i < 4; i++) { done[i] = goc_ctx_done(cs[i]); goc_chan_retain(done[i]); }
    cr_assert_eq(goc_chan_recv_timeout(done[3], NULL, 20 * GOC_SECOND), GOC_CLOSED);   /* d by its deadline */
    goc_ctx_free(a);
    goc_ctx_free(b);
    goc_ctx_free(p);       /* cancels c through the value context */
    cr_assert_eq(goc_ctx_err(c), GOC_CANCELED);
    goc_ctx_free(pv);
    goc_ctx_free(c);
    goc_ctx_free(d);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(goc_chan_recv(done[i], NULL), GOC_CLOSED);
        cr_assert_eq(goc_chan_try_recv(done[i], NULL), GOC_CLOSED);
        goc_case cs1[1] = { goc_recv_case(done[i], NULL) };
        cr_assert_eq(goc_select(cs1, 1), 0);
        goc_chan_free(done[i]);
    }
}

/* ---- release: drop a reference without cancelling -------------------------
 * goc_ctx_free cancels for every holder; a holder given a reference by
 * retain drops it with goc_ctx_release. */
static void *holder(void *arg) {
    goc_ctx *c = (goc_ctx *)arg;          /* a reference of our own */
    T_CHECK(goc_ctx_err(c) == GOC_OK);
    goc_ctx_release(c);
    return NULL;
}

Test(context, release_does_not_cancel, .timeout = 30) {
    goc_ctx *c = goc_ctx_with_cancel(goc_ctx_background());
    goc_ctx *v = goc_ctx_with_value(c, &c, &c);
    goc_ctx *t = goc_ctx_with_timeout(c, 3600 * GOC_SECOND);
    cr_assert(c && v && t);
    t_threads th = {0};
    for (int i = 0; i < 4; i++) { goc_ctx_retain(c); t_spawn(&th, holder, c); }
    t_join(&th);
    T_NO_FAILURES();
    cr_assert_eq(goc_ctx_err(c), GOC_OK, "a holder's release cancelled the context");
    goc_ctx_retain(t);
    goc_ctx_release(t);
    cr_assert_eq(goc_ctx_err(t), GOC_OK);
    goc_ctx_retain(v);
    goc_ctx_release(v);
    cr_assert_eq(goc_ctx_value(v, &c), &c);
    goc_ctx_release(goc_ctx_background());   /* no-op */
    goc_ctx_release(NULL);
    /* A holder that stays: the creator's free cancels for it too. */
    goc_ctx_retain(c);
    goc_ctx_free(c);
    cr_assert_eq(goc_ctx_err(c), GOC_CANCELED, "the creator's free cancels");
    cr_assert_eq(goc_ctx_err(t), GOC_CANCELED);
    cr_assert_eq(goc_chan_try_recv(goc_ctx_done(c), NULL), GOC_CLOSED);
    goc_ctx_release(t);
    goc_ctx_release(v);
    goc_ctx_release(c);                      /* the last one: freed (ASan: no leak) */
}

/* When cancel returns, every descendant has ended (Go: children are
 * cancelled before cancel returns). A deadline firing in the middle of
 * the tree hands that subtree to the timer's cancel; the root's cancel,
 * reaching the already-ended node, used to skip it and return with its
 * grandchildren still live (make soak found it). */
Test(context, cancel_returns_after_every_descendant_ended) {
    enum { K = 200 };
    static goc_ctx *kids[K];
    int live = 0;
    for (int round = 0; round < T_ITERS(300); round++) {
        goc_ctx *root = goc_ctx_with_cancel(goc_ctx_background());
        goc_ctx *mid = goc_ctx_with_timeout(root, (round % 20) * GOC_MICROSECOND);
        goc_ctx *p = mid;
        for (int i = 0; i < K; i++) kids[i] = p = goc_ctx_with_cancel(i % 2 ? p : mid);
        /* the deadline's cancel has begun on its own thread: race it */
        while (round % 2 && goc_ctx_err(mid) == GOC_OK) goc_cpu_relax();
        goc_ctx_cancel(root);
        for (int i = 0; i < K; i++) {
            live += goc_ctx_err(kids[i]) == GOC_OK;
            live += goc_chan_try_recv(goc_ctx_done(kids[i]), NULL) != GOC_CLOSED;
        }
        for (int i = 0; i < K; i++) goc_ctx_free(kids[i]);
        goc_ctx_free(mid);
        goc_ctx_free(root);
    }
    cr_assert_eq(live, 0, "%d descendants still live after cancel returned", live);
}
