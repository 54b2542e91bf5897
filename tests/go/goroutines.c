/* Port of Go's test/chan/goroutines.go: make a lot of threads, chained
 * together by unbuffered channels (each passes on what its right
 * neighbour sends), and tear them down cleanly. 10,000 as in Go; fewer
 * under the sanitizers, which cap the number of live threads. */
typedef struct gr_link { goc_chan *left, *right; } gr_link;

static void gr_f(void *p) {
    gr_link *l = p;
    long v = trecv_i(l->right);
    tsend_i(l->left, v);                 /* left <- <-right */
}

Test(go, goroutines) {
    long n = T_SCALE > 1 ? 1000 : 10000;
    goc_waitgroup wg = {0};
    goc_chan **chans = malloc((size_t)(n + 1) * sizeof *chans);
    gr_link *links = malloc((size_t)n * sizeof *links);
    chans[0] = mk(sizeof(long), 0);
    for (long i = 0; i < n; i++) {
        chans[i + 1] = mk(sizeof(long), 0);
        links[i] = (gr_link){ chans[i], chans[i + 1] };
        go(&wg, gr_f, &links[i]);
    }
    long one = 1;
    cr_assert_eq(goc_chan_send_timeout(chans[n], &one, 60 * GOC_SECOND), GOC_OK);
    cr_assert_eq(recv_i(chans[0]), 1);
    goc_wg_wait(&wg);
    T_NO_FAILURES();
    for (long i = 0; i <= n; i++) goc_chan_free(chans[i]);
    free(chans);
    free(links);
}
