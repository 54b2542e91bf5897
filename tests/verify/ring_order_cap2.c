/* Buffered ring, capacity 2, per-sender order across the wrap-around: one
 * value has already gone through, so the sender's two values land in slot
 * 1 (lap 0) and then slot 0 (lap 1), while a receiver takes them as they
 * come. Proves they arrive once each, whole, and in the order sent (FIFO
 * per sender), and the ring is empty after: each stamp store (release)
 * publishes its value, and the receiver's claim of head follows the
 * stamps lap by lap. */
#include "verify.h"

static goc_chan *c;

static void *sender(void *arg) {
    (void)arg;
    int v = 2;
    assert(goc_chan_send(c, &v) == GOC_OK);
    v = 3;
    assert(goc_chan_send(c, &v) == GOC_OK);
    V_FINISH();
    return NULL;
}

int main(void) {
    c = goc_chan_make(sizeof(int), 2);
    int v = 1, a = 0, b = 0;
    assert(goc_chan_send(c, &v) == GOC_OK && goc_chan_recv(c, &a) == GOC_OK && a == 1);
    pthread_t s = v_spawn(sender, NULL);
    while (goc_chan_try_recv(c, &a) == GOC_WOULDBLOCK) {}
    assert(goc_chan_recv(c, &b) == GOC_OK);
    assert(a == 2 && b == 3);
    assert(goc_chan_try_recv(c, &a) == GOC_WOULDBLOCK);
    v_join(s);
    goc_chan_free(c);
    return 0;
}
