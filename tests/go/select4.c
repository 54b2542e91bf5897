/* Port of Go's test/chan/select4.go: a receive case that is not chosen
 * must not touch its destination (Go: must not even evaluate it). */
Test(go, select4) {
    struct { long a; } x = { 0 };
    long canary = 1234;
    goc_chan *c = mk(sizeof(long), 1), *c1 = mk(sizeof(long), 0);
    send_i(c, 42);
    goc_case cs[2] = { goc_recv_case(c1, &canary), goc_recv_case(c, &x.a) };
    cr_assert_eq(goc_select(cs, 2), 1);
    cr_assert_eq(x.a, 42, "BUG: %ld", x.a);
    cr_assert_eq(canary, 1234, "BUG: the other case's destination was written");
    goc_chan_free(c);
    goc_chan_free(c1);
}
