/* Port of Go's test/chan/select2.go: selects do not consume undue memory.
 * 100,000 selects after a warm-up must not grow the heap by more than
 * 110 kB (glibc's mallinfo2 counts it; goc's select of two cases uses no
 * heap at all). */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
#include <malloc.h>
#define S2_HEAP() ((long)mallinfo2().uordblks)
#else
#define S2_HEAP() 0L
#endif

typedef struct s2_arg { goc_chan *c; long n; } s2_arg;

static void s2_sender(void *p) {
    s2_arg *a = p;
    for (long i = 0; i < a->n; i++) tsend_i(a->c, 1);
}

static void s2_receiver(goc_chan *c, goc_chan *dummy, long n) {
    for (long i = 0; i < n; i++) {
        goc_case cs[2] = { goc_recv_case(c, NULL), goc_recv_case(dummy, NULL) };
        int k = goc_select(cs, 2);
        cr_assert_eq(k, 0, "dummy");
    }
}

Test(go, select2) {
    goc_waitgroup wg = {0};
    goc_chan *c = mk(sizeof(long), 0), *dummy = mk(sizeof(long), 0);
    s2_arg a = { c, T_ITERS(100000) };
    go(&wg, s2_sender, &a);                    /* warm up */
    s2_receiver(c, dummy, a.n);
    goc_wg_wait(&wg);
    long alloc = S2_HEAP();
    go(&wg, s2_sender, &a);                    /* the second time must not grow */
    s2_receiver(c, dummy, a.n);
    goc_wg_wait(&wg);
    long grew = S2_HEAP() - alloc;
    cr_assert_leq(grew, 110000, "too much memory for %ld selects: %ld", a.n, grew);
    T_NO_FAILURES();
    goc_chan_free(c);
    goc_chan_free(dummy);
}
