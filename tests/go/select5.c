/* Port of Go's test/chan/select5.go, which generates every combination of
 * a send or receive on a buffered channel phrased as a plain operation or
 * as a select - blocking or not (a default before or after the real case),
 * with or without a dummy send, a dummy receive (on an unbuffered channel
 * nobody uses), a nil send and a nil receive beside it - and checks that
 * the real case, and only it, runs. Its "nonblock" template selects over
 * dummy and nil cases only: the default must run and the receive
 * destinations stay untouched. Go's evaluation-order templates have no
 * C counterpart (the caller builds the cases). All combinations are
 * enumerated here directly rather than through a generated file. */
static goc_chan *s5_c, *s5_dummy;
static long s5_n = 1;

/* flags: which extra cases; nb: 0 blocking, 1 default (try). */
enum { S5_DSEND = 1, S5_DRECV = 2, S5_NSEND = 4, S5_NRECV = 8 };

static int s5_select(int dir, long *x, int flags, int nb, int *real) {
    goc_case cs[5];
    size_t n = 0;
    long one = 1, junk = -1;
    if (flags & S5_DSEND) cs[n++] = goc_send_case(s5_dummy, &one);
    if (flags & S5_DRECV) cs[n++] = goc_recv_case(s5_dummy, &junk);
    *real = (int)n;
    cs[n++] = dir == GOC_RECV ? goc_recv_case(s5_c, x) : goc_send_case(s5_c, x);
    if (flags & S5_NSEND) cs[n++] = goc_send_case(NULL, &one);
    if (flags & S5_NRECV) cs[n++] = goc_recv_case(NULL, &junk);
    int k = nb ? goc_select_try(cs, n) : goc_select(cs, n);
    cr_assert_eq(junk, -1, "a dummy receive wrote its destination");
    return k;
}

Test(go, select5) {
    s5_c = mk(sizeof(long), 1);
    s5_dummy = mk(sizeof(long), 0);
    int cases = 0;
    for (int dir = GOC_SEND; dir <= GOC_RECV; dir++) {
        for (int plain = 0; plain < 2; plain++) {
            for (int flags = 0; flags < 16; flags++) {
                for (int nb = 0; nb < 2; nb++) {
                    if (plain && (flags || nb)) continue;   /* one plain form per direction */
                    long x = -1;
                    int real = -1;
                    if (dir == GOC_RECV) {                   /* c <- n; receive it into x */
                        send_i(s5_c, s5_n);
                        if (plain) cr_assert_eq(goc_chan_recv(s5_c, &x), GOC_OK);
                        else cr_assert_eq(s5_select(GOC_RECV, &x, flags, nb, &real), real, "nonblock");
                    } else {                                 /* send n one way; x = <-c */
                        long v = s5_n;
                        if (plain) cr_assert_eq(goc_chan_send(s5_c, &v), GOC_OK);
                        else cr_assert_eq(s5_select(GOC_SEND, &v, flags, nb, &real), real, "nonblock");
                        x = recv_i(s5_c);
                    }
                    cr_assert_eq(x, s5_n, "have %ld want %ld", x, s5_n);
                    s5_n++;
                    cases++;
                }
            }
        }
    }
    /* the nonblock template: nothing is ready, the default runs */
    for (int flags = 0; flags < 16; flags++) {
        long x = s5_n;
        goc_case cs[5];
        size_t n = 0;
        long one = 1;
        if (flags & S5_DSEND) cs[n++] = goc_send_case(s5_dummy, &one);
        if (flags & S5_DRECV) cs[n++] = goc_recv_case(s5_dummy, &x);
        if (flags & S5_NSEND) cs[n++] = goc_send_case(NULL, &one);
        if (flags & S5_NRECV) cs[n++] = goc_recv_case(NULL, &x);
        cs[n++] = goc_recv_case(NULL, NULL);
        cr_assert_eq(goc_select_try(cs, n), GOC_WOULDBLOCK);
        cr_assert_eq(x, s5_n, "have %ld want %ld", x, s5_n);
        s5_n++;
        cases++;
    }
    cr_assert_eq(cases, 2 + 2 * 16 * 2 + 16);
    goc_chan_free(s5_c);
    goc_chan_free(s5_dummy);
}
