/* Buffered ring, two senders: A sends 1 then 2, B sends 10, into a ring
 * of capacity 4, while the receiver takes values as they come. Proves the
 * three arrive once each and whole, and A's two in the order A sent them
 * (FIFO per sender), with B's CAS on tail free to land between, before or
 * after them: a sender's second claim of tail follows its first, and the
 * receiver's claims of head follow the slots in position order.
 * The first receive runs beside the senders; GenMC keeps only the
 * executions in which it found a value (assume), since a receive that
 * finds the ring empty is another check's business (ring_lost_wakeup) and
 * a polling loop multiplies the executions. Nothing is assumed after the
 * senders are joined: every value not yet received must be there then,
 * so a value lost in any execution fails the check. */
#include "verify.h"

static goc_chan *c;

static void *sender_a(void *arg) {
    (void)arg;
    int v = 1;
    assert(goc_chan_send(c, &v) == GOC_OK);
    v = 2;
    assert(goc_chan_send(c, &v) == GOC_OK);
    return NULL;
}

static void *sender_b(void *arg) {
    (void)arg;
    int v = 10;
    assert(goc_chan_send(c, &v) == GOC_OK);
    return NULL;
}

int main(void) {
    c = goc_chan_make(sizeof(int), 4);
    pthread_t a = v_spawn(sender_a, NULL), b = v_spawn(sender_b, NULL);
    int got[3] = {0, 0, 0};
    __VERIFIER_assume(goc_chan_try_recv(c, &got[0]) == GOC_OK);
    v_join(a);
    v_join(b);
    assert(goc_chan_try_recv(c, &got[1]) == GOC_OK);
    assert(goc_chan_try_recv(c, &got[2]) == GOC_OK);
    int x;
    assert(goc_chan_try_recv(c, &x) == GOC_WOULDBLOCK);
    int at1 = -1, at2 = -1, at10 = -1;
    for (int k = 0; k < 3; k++) {
        if (got[k] == 1) { assert(at1 < 0); at1 = k; }
        else if (got[k] == 2) { assert(at2 < 0); at2 = k; }
        else { assert(got[k] == 10 && at10 < 0); at10 = k; }
    }
    assert(at1 < at2);
    goc_chan_free(c);
    return 0;
}
