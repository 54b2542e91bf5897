/* context.h, with ports of Go's context/context_test.go (each test that is
 * a port names its Go original). */
#include "testutil.h"
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
 * cancels the child (API.md). */
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
