/* A select that registers and sleeps: it waits to receive from two empty
 * buffered channels, queueing an entry in each (on its own stack) and
 * sleeping on its claim word; a sender fills one. The sender claims the
 * select's entry (CAS on the claim word, "try again"), drops it from the
 * queue, and its last touch of the entry is `linked = 0` (release), which
 * the select reads (acquire) to leave without the lock - its stack, and
 * the entries in it, gone at once. Proves the select is never left
 * asleep (its registration re-checks the rings after its seq_cst store
 * of `waiting`, the Dekker pattern of ring_lost_wakeup), takes that value
 * and nothing else, and no partner touches its entries after it returned
 * (GenMC reports any such access as a use of freed memory). The twin
 * weakens the Dekker store; weakening `linked = 0` instead made GenMC
 * 0.10.3 itself abort (std::bad_alloc) at once. */
#include "verify.h"

static goc_chan *c1, *c2;

static void *selector(void *arg) {
    (void)arg;
    int got = 0;
    goc_case cases[2] = {
        { .ch = c1, .dir = GOC_RECV, .elem = &got },
        { .ch = c2, .dir = GOC_RECV, .elem = &got },
    };
    int i = goc_select(cases, 2);
    assert(i == 1 && got == 2);
    V_FINISH();
    return NULL;
}

static void *sender(void *arg) {
    (void)arg;
    int v = 2;
    assert(goc_chan_send(c2, &v) == GOC_OK);
    V_FINISH();
    return NULL;
}

int main(void) {
    c1 = goc_chan_make(sizeof(int), 1);
    c2 = goc_chan_make(sizeof(int), 1);
    pthread_t a = v_spawn(selector, NULL), b = v_spawn(sender, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(a);
    v_join(b);
    int x;
    assert(goc_chan_try_recv(c1, &x) == GOC_WOULDBLOCK && goc_chan_try_recv(c2, &x) == GOC_WOULDBLOCK);
    goc_chan_free(c1);
    goc_chan_free(c2);
    return 0;
}
