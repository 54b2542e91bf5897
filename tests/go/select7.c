/* Port of Go's test/chan/select7.go: select when discarding a value. Three
 * ways to receive (plain, a one-case select, a select with an idle second
 * channel), each discarding the value, against three ways to send. */
static void s7_recv1(void *c) { T_CHECK(goc_chan_recv(c, NULL) == GOC_OK); }

static void s7_recv2(void *c) {
    goc_case cs[1] = { goc_recv_case(c, NULL) };
    T_CHECK(goc_select(cs, 1) == 0);
}

static void s7_recv3(void *c) {
    goc_chan *c2 = goc_chan_make(sizeof(long), 0);
    goc_case cs[2] = { goc_recv_case(c, NULL), goc_recv_case(c2, NULL) };
    T_CHECK(goc_select(cs, 2) == 0);
    goc_chan_free(c2);
}

static void s7_send(int how, void (*recv)(void *)) {
    goc_waitgroup wg = {0};
    goc_chan *c = mk(sizeof(long), 0), *c2 = mk(sizeof(long), 0);
    long one = 1;
    go(&wg, recv, c);
    gosched();
    if (how == 1) {
        cr_assert_eq(goc_chan_send(c, &one), GOC_OK);
    } else if (how == 2) {
        goc_case cs[1] = { goc_send_case(c, &one) };
        cr_assert_eq(goc_select(cs, 1), 0);
    } else {
        goc_case cs[2] = { goc_send_case(c, &one), goc_send_case(c2, &one) };
        cr_assert_eq(goc_select(cs, 2), 0);
    }
    goc_wg_wait(&wg);
    goc_chan_free(c);
    goc_chan_free(c2);
}

Test(go, select7) {
    void (*recvs[3])(void *) = { s7_recv1, s7_recv2, s7_recv3 };
    for (int r = 0; r < 3; r++)
        for (int s = 1; s <= 3; s++) s7_send(s, recvs[r]);
    T_NO_FAILURES();
}
