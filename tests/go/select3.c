/* Port of Go's test/chan/select3.go: which operations block, which do not.
 * Go's "blocks" (checked there by a 0.1 s race) becomes a timeout form that
 * must time out after 50 ms; "never blocks" must answer at once. Where Go
 * panics or blocks for ever on misuse, goc answers a result code (chan.h's manual):
 * send on a closed channel is GOC_CLOSED; an operation on a NULL channel,
 * and a blocking select with no usable case, are GOC_EINVAL. */
#define S3_BLOCK (50 * GOC_MILLISECOND)

static void s3_blocks_case(goc_case *cs, size_t n) {
    int64_t t0 = t_now();
    cr_assert_eq(goc_select_timeout(cs, n, S3_BLOCK), GOC_TIMEOUT, "should block");
    cr_assert_geq(t_now() - t0, S3_BLOCK);
}

Test(go, select3) {
    long seven = 7, x = 1;
    goc_chan *closedch = mk(sizeof(long), 0);
    goc_chan_close(closedch);

    /* sending/receiving from a nil channel: Go blocks for ever; goc refuses */
    cr_assert_eq(goc_chan_send(NULL, &seven), GOC_EINVAL);
    cr_assert_eq(goc_chan_recv(NULL, &x), GOC_EINVAL);

    /* ... inside a select a nil channel is never selected */
    goc_case nsend[1] = { goc_send_case(NULL, &seven) }, nrecv[1] = { goc_recv_case(NULL, &x) };
    cr_assert_eq(goc_select_try(nsend, 1), GOC_WOULDBLOCK);
    cr_assert_eq(goc_select_try(nrecv, 1), GOC_WOULDBLOCK);

    /* sending to an async channel with free buffer space never blocks */
    goc_chan *ch = mk(sizeof(long), 1);
    cr_assert_eq(goc_chan_send_timeout(ch, &seven, 0), GOC_OK);
    goc_chan_free(ch);

    /* receiving from a closed channel never blocks */
    for (int i = 0; i < 10; i++) {
        x = 5;
        cr_assert_eq(goc_chan_recv_timeout(closedch, &x, 0), GOC_CLOSED);
        cr_assert_eq(x, 0, "expected zero value when reading from closed channel");
    }

    /* sending to a closed channel: Go panics; goc answers GOC_CLOSED */
    cr_assert_eq(goc_chan_send(closedch, &seven), GOC_CLOSED);

    /* receiving from a non-ready channel always blocks */
    ch = mk(sizeof(long), 0);
    int64_t t0 = t_now();
    cr_assert_eq(goc_chan_recv_timeout(ch, &x, S3_BLOCK), GOC_TIMEOUT);
    cr_assert_geq(t_now() - t0, S3_BLOCK);

    /* empty selects, and selects with only nil channels: Go blocks for
     * ever; goc_select refuses, and the timeout form waits out its time */
    cr_assert_eq(goc_select(NULL, 0), GOC_EINVAL);
    s3_blocks_case(NULL, 0);
    cr_assert_eq(goc_select(nrecv, 1), GOC_EINVAL);
    s3_blocks_case(nrecv, 1);
    s3_blocks_case(nsend, 1);
    goc_case both_nil[2] = { goc_recv_case(NULL, &x), goc_send_case(NULL, &seven) };
    s3_blocks_case(both_nil, 2);

    /* selects with non-ready non-nil channels always block */
    goc_case nr[1] = { goc_recv_case(ch, &x) };
    s3_blocks_case(nr, 1);

    /* selects with default cases don't block */
    cr_assert_eq(goc_select_try(NULL, 0), GOC_WOULDBLOCK);
    cr_assert_eq(goc_select_try(nrecv, 1), GOC_WOULDBLOCK);
    cr_assert_eq(goc_select_try(nsend, 1), GOC_WOULDBLOCK);

    /* selects with ready channels don't block */
    goc_chan *as = mk(sizeof(long), 1);
    goc_case ready_send[1] = { goc_send_case(as, &seven) };
    cr_assert_eq(goc_select_try(ready_send, 1), 0);
    goc_case ready_recv[1] = { goc_recv_case(as, &x) };
    cr_assert_eq(goc_select_try(ready_recv, 1), 0);
    cr_assert_eq(x, 7);
    goc_chan_free(as);

    /* selects with closed channels behave like ordinary operations */
    goc_case cr[1] = { goc_recv_case(closedch, &x) };
    cr_assert_eq(goc_select_timeout(cr, 1, 0), 0);
    cr_assert_not(cr[0].ok);
    cr_assert_eq(x, 0);
    goc_case cs[1] = { goc_send_case(closedch, &seven) };
    cr_assert_eq(goc_select(cs, 1), 0);        /* Go panics here */
    cr_assert_not(cs[0].ok);

    /* select should not get confused if it sees itself */
    goc_case self[2] = { goc_send_case(ch, &seven), goc_recv_case(ch, &x) };
    s3_blocks_case(self, 2);

    goc_chan_free(ch);
    goc_chan_free(closedch);
}
