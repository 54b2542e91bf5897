/* Select over two unbuffered channels, registered and asleep on both,
 * and two senders, one per channel, that arrive only then: each pops the
 * select's entry from its own channel and races the other for the one
 * claim word. Proves exactly one send completes (the other finds the
 * select claimed and answers WOULDBLOCK), the select reports that case
 * with that sender's value, moved straight into its element, and nobody
 * is left asleep. The losing sender's last touch of the select's entry
 * (`linked` = 0, under its channel's lock) comes before the select
 * unregisters from that channel, whichever of the two gets there first. */
#include "verify.h"

static goc_chan *c1, *c2;
static atomic_int ok1, ok2;

static void *sender1(void *arg) {
    (void)arg;
    __VERIFIER_assume(goc__mc_parked() == 1);   /* the select sleeps */
    int v = 1;
    V_STORE(&ok1, goc_chan_try_send(c1, &v) == GOC_OK);
    V_FINISH();
    return NULL;
}

static void *sender2(void *arg) {
    (void)arg;
    __VERIFIER_assume(goc__mc_parked() == 1);
    int v = 2;
    V_STORE(&ok2, goc_chan_try_send(c2, &v) == GOC_OK);
    V_FINISH();
    return NULL;
}

static atomic_int chosen;

static void *selector(void *arg) {
    (void)arg;
    int got = 0;
    goc_case cases[2];
    cases[0].ch = c1; cases[0].dir = GOC_RECV; cases[0].elem = &got;
    cases[1].ch = c2; cases[1].dir = GOC_RECV; cases[1].elem = &got;
    int i = goc_select(cases, 2);
    assert((i == 0 || i == 1) && got == i + 1);
    V_STORE(&chosen, i + 1);
    V_FINISH();
    return NULL;
}

int main(void) {
    c1 = goc_chan_make(sizeof(int), 0);
    c2 = goc_chan_make(sizeof(int), 0);
    pthread_t t = v_spawn(selector, NULL);
    pthread_t s1 = v_spawn(sender1, NULL), s2 = v_spawn(sender2, NULL);
    VERIFY_NOT_STUCK(3);   /* a select left asleep: both senders refused */
    v_join(t);
    v_join(s1);
    v_join(s2);
    assert(V_LOAD(&ok1) + V_LOAD(&ok2) == 1);
    assert(V_LOAD(V_LOAD(&chosen) == 1 ? &ok1 : &ok2) == 1);
    goc_chan_free(c1);
    goc_chan_free(c2);
    return 0;
}
