/* Port of Go's test/chan/doubleselect.go: flush out the case where two
 * cases of one select both run. A sender selects over four unbuffered
 * channels, sending a counter; four muxes forward into one channel; the
 * receiver must see every value exactly once. */
typedef struct ds_mux { goc_chan *out, *in, *done; } ds_mux;
typedef struct ds_send { long n; goc_chan *c[4]; } ds_send;

static void ds_sender(void *p) {
    ds_send *s = p;
    for (long i = 0; i < s->n; i++) {
        goc_case cs[4];
        for (int k = 0; k < 4; k++) cs[k] = goc_send_case(s->c[k], &i);
        int k = goc_select(cs, 4);
        T_CHECK(k >= 0 && k < 4 && cs[k].ok);
    }
    for (int k = 0; k < 4; k++) goc_chan_close(s->c[k]);
}

static void ds_mux_fn(void *p) {
    ds_mux *m = p;
    long v;
    while (goc_chan_recv(m->in, &v) == GOC_OK) tsend_i(m->out, v);
    tsend_i(m->done, 1);
}

static void ds_closer(void *p) {
    ds_mux *m = p;
    for (int k = 0; k < 4; k++) trecv_i(m->done);
    goc_chan_close(m->out);
}

Test(go, doubleselect) {
    goc_waitgroup wg = {0};
    ds_send s = { .n = T_ITERS(100000) };
    goc_chan *done = mk(sizeof(long), 0), *cmux = mk(sizeof(long), 0);
    ds_mux m[4];
    for (int k = 0; k < 4; k++) {
        s.c[k] = mk(sizeof(long), 0);
        m[k] = (ds_mux){ cmux, s.c[k], done };
    }
    go(&wg, ds_sender, &s);
    for (int k = 0; k < 4; k++) go(&wg, ds_mux_fn, &m[k]);
    go(&wg, ds_closer, &m[0]);
    unsigned char *seen = calloc((size_t)s.n, 1);
    long v, count = 0;
    while (goc_chan_recv(cmux, &v) == GOC_OK) {
        cr_assert(v >= 0 && v < s.n);
        cr_assert_eq(seen[v], 0, "got duplicate value: %ld", v);
        seen[v] = 1;
        count++;
    }
    cr_assert_eq(count, s.n, "lost values");
    goc_wg_wait(&wg);
    T_NO_FAILURES();
    free(seen);
    for (int k = 0; k < 4; k++) goc_chan_free(s.c[k]);
    goc_chan_free(done);
    goc_chan_free(cmux);
}
