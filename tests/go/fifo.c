/* Port of Go's test/chan/fifo.go: buffered and unbuffered channels act as
 * pure FIFOs. The unbuffered half threads a daisy chain of N threads that
 * each take their turn (signalled on `in`) to read the next value. */
enum { FIFO_N = 10 };

Test(go, fifo_asynch) {
    goc_chan *ch = mk(sizeof(long), FIFO_N);
    for (long i = 0; i < FIFO_N; i++) send_i(ch, i);
    for (long i = 0; i < FIFO_N; i++) cr_assert_eq(recv_i(ch), i, "bad receive");
    goc_chan_free(ch);
}

typedef struct fifo_link { goc_chan *ch, *in, *out; long val; } fifo_link;

static void fifo_chain(void *arg) {
    fifo_link *l = arg;
    trecv_i(l->in);
    long v = trecv_i(l->ch);
    T_CHECK(v == l->val);
    tsend_i(l->out, 1);
}

Test(go, fifo_synch) {
    goc_waitgroup wg = {0};
    goc_chan *ch = mk(sizeof(long), 0), *start = mk(sizeof(long), 0), *in = start;
    fifo_link links[FIFO_N];
    goc_chan *made[FIFO_N];
    for (long i = 0; i < FIFO_N; i++) {
        goc_chan *out = made[i] = mk(sizeof(long), 0);
        links[i] = (fifo_link){ ch, in, out, i };
        go(&wg, fifo_chain, &links[i]);
        in = out;
    }
    send_i(start, 0);
    for (long i = 0; i < FIFO_N; i++) send_i(ch, i);
    recv_i(in);
    goc_wg_wait(&wg);
    T_NO_FAILURES();
    for (int i = 0; i < FIFO_N; i++) goc_chan_free(made[i]);
    goc_chan_free(ch);
    goc_chan_free(start);
}
