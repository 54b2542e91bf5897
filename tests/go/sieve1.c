/* Port of Go's test/chan/sieve1.go: primes up to 100 from a daisy chain of
 * filter threads on unbuffered channels, checked.
 * Goroutines that block for ever are simply collected in Go; threads must
 * end. So the chain is torn down from its end: the test closes `primes`,
 * and every stage, when a send or receive answers GOC_CLOSED, closes both
 * its channels and returns - the closes cascade back to the generator.
 * Each channel is shared by the two stages it links, and each stage holds
 * its own reference to both (goc_chan_retain / goc_chan_free). */
typedef struct sv1_filter { goc_chan *in, *out; long prime; } sv1_filter;

static goc_waitgroup sv1_wg;

static void sv1_generate(void *p) {
    goc_chan *ch = p;
    for (long i = 2;; i++)
        if (goc_chan_send(ch, &i) != GOC_OK) break;   /* ch <- i */
    goc_chan_free(ch);
}

static void sv1_filter_fn(void *p) {
    sv1_filter *f = p;
    long i;
    while (goc_chan_recv(f->in, &i) == GOC_OK)        /* for i := range in */
        if (i % f->prime != 0 && goc_chan_send(f->out, &i) != GOC_OK) break;
    goc_chan_close(f->in);
    goc_chan_close(f->out);
    goc_chan_free(f->in);
    goc_chan_free(f->out);
    free(f);
}

static void sv1_sieve(void *p) {
    goc_chan *primes = p;
    goc_chan *ch = goc_chan_make(sizeof(long), 0);
    goc_chan_retain(ch);
    go(&sv1_wg, sv1_generate, ch);
    for (;;) {
        long prime;
        if (goc_chan_recv(ch, &prime) != GOC_OK) break;
        if (goc_chan_send(primes, &prime) != GOC_OK) break;
        goc_chan *ch1 = goc_chan_make(sizeof(long), 0);
        sv1_filter *f = malloc(sizeof *f);
        *f = (sv1_filter){ ch, ch1, prime };         /* hands our reference to ch over */
        goc_chan_retain(ch1);
        go(&sv1_wg, sv1_filter_fn, f);
        ch = ch1;
    }
    goc_chan_close(ch);
    goc_chan_free(ch);
}

Test(go, sieve1) {
    static const long a[] = { 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53,
                              59, 61, 67, 71, 73, 79, 83, 89, 97 };
    goc_chan *primes = mk(sizeof(long), 0);
    go(&sv1_wg, sv1_sieve, primes);
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        long x = recv_i(primes);
        cr_assert_eq(x, a[i], "%ld != %ld", x, a[i]);
    }
    goc_chan_close(primes);
    goc_wg_wait(&sv1_wg);                             /* everything torn down */
    goc_chan_free(primes);
}
