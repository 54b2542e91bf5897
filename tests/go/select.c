/* Port of Go's test/chan/select.go: a select with a default sends on each
 * ready channel once (a case whose channel was used is then set to nil, a
 * NULL channel here), and every case's value is computed each time the
 * select is entered, chosen or not - in C the caller builds the cases, so
 * the count of value computations checks the same thing. */
static unsigned sel_counter, sel_shift;

static unsigned sel_get_value(void) { sel_counter++; return 1u << sel_shift; }

static int sel_send(goc_chan *a, goc_chan *b) {
    int i = 0;
    for (;;) {
        unsigned va = sel_get_value(), vb = sel_get_value();
        goc_case cs[2] = { goc_send_case(a, &va), goc_send_case(b, &vb) };
        int k = goc_select_try(cs, 2);
        if (k == GOC_WOULDBLOCK) break;             /* default: break LOOP */
        cr_assert(k == 0 || k == 1);
        i++;
        if (k == 0) a = NULL; else b = NULL;
        sel_shift++;
    }
    return i;
}

Test(go, select) {
    goc_chan *a = mk(sizeof(unsigned), 1), *b = mk(sizeof(unsigned), 1);
    int v = sel_send(a, b);
    cr_assert_eq(v, 2, "Send returned %d != 2", v);
    unsigned av = 0, bv = 0;
    goc_chan_recv(a, &av);
    goc_chan_recv(b, &bv);
    cr_assert_eq(av | bv, 3u, "bad values %u %u", av, bv);
    v = sel_send(a, NULL);
    cr_assert_eq(v, 1, "Send returned %d != 1", v);
    cr_assert_eq(sel_counter, 10u, "counter is %u != 10", sel_counter);
    goc_chan_free(a);
    goc_chan_free(b);
}
