/* Port of Go's test/chan/select6.go (Go issue 2075): a bug in select once
 * corrupted the queues of the cases that lost, when several waiters were
 * queued on the channel and the select was last in line; later waiters on
 * that channel then never woke. c1 is such a channel. */
typedef struct s6_chans { goc_chan *c1, *c2, *c3; } s6_chans;

static void s6_plain_receiver(void *p) { trecv_i(((s6_chans *)p)->c1); }

static void s6_selecting_receiver(void *p) {
    s6_chans *ch = p;
    goc_case cs[2] = { goc_recv_case(ch->c1, NULL), goc_recv_case(ch->c2, NULL) };
    int k = goc_select(cs, 2);
    T_CHECK(k == 1);                            /* case <-c1: panic("dummy") */
    tsend_i(ch->c3, 1);
    trecv_i(ch->c1);
}

static void s6_sender(void *p) { tsend_i(((s6_chans *)p)->c2, 1); }

Test(go, select6) {
    goc_waitgroup wg = {0};
    s6_chans ch = { mk(sizeof(long), 0), mk(sizeof(long), 0), mk(sizeof(long), 0) };
    go(&wg, s6_plain_receiver, &ch);
    go(&wg, s6_selecting_receiver, &ch);
    go(&wg, s6_sender, &ch);
    recv_i(ch.c3);
    send_i(ch.c1, 1);
    send_i(ch.c1, 1);
    goc_wg_wait(&wg);
    T_NO_FAILURES();
    goc_chan_free(ch.c1);
    goc_chan_free(ch.c2);
    goc_chan_free(ch.c3);
}
