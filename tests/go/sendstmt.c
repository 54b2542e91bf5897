/* Port of Go's test/chan/sendstmt.go: the parsing cases of the send
 * statement become plain C; what remains is a channel of channels (send
 * into the channel received from another) and a send of an expression. */
Test(go, sendstmt_chanchan) {
    goc_chan *cc = mk(sizeof(goc_chan *), 1), *c = mk(sizeof(long), 1);
    cr_assert_eq(goc_chan_send(cc, &c), GOC_OK);
    goc_chan *inner = NULL;
    cr_assert_eq(goc_chan_recv(cc, &inner), GOC_OK);   /* <-cc, evaluated on entry */
    long two = 2;
    goc_case cs[1] = { goc_send_case(inner, &two) };
    cr_assert_eq(goc_select_try(cs, 1), 0, "nonblock");
    cr_assert_eq(recv_i(c), 2, "bad receive");
    goc_chan_free(cc);
    goc_chan_free(c);
}

Test(go, sendstmt_sendprec) {
    goc_chan *c = mk(sizeof(bool), 1);
    bool v = false || true;
    cr_assert_eq(goc_chan_send(c, &v), GOC_OK);
    bool got = false;
    cr_assert_eq(goc_chan_recv(c, &got), GOC_OK);
    cr_assert(got, "sent false");
    goc_chan_free(c);
}
