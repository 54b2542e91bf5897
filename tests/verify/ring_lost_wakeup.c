/* Buffered ring, the lost-wake-up argument: a receiver finds the channel
 * empty, queues (setting the RECVQ bit of `waiting`, seq_cst), re-checks
 * the positions (seq_cst) and sleeps; a sender moves tail (seq_cst CAS)
 * and then reads the bits (seq_cst) to decide whether to wake anyone. In
 * the single order of seq_cst operations one comes first (Dekker): either
 * the sender sees the bit and wakes the receiver, or the receiver sees the
 * value and does not sleep. Proves the receiver is never left asleep. */
#include "verify.h"

static goc_chan *c;

static void *receiver(void *arg) {
    (void)arg;
    int got = 0;
    assert(goc_chan_recv(c, &got) == GOC_OK);
    assert(got == 7);
    V_FINISH();
    return NULL;
}

static void *sender(void *arg) {
    (void)arg;
    int v = 7;
    assert(goc_chan_send(c, &v) == GOC_OK);
    V_FINISH();
    return NULL;
}

int main(void) {
    c = goc_chan_make(sizeof(int), 1);
    pthread_t r = v_spawn(receiver, NULL), s = v_spawn(sender, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(r);
    v_join(s);
    goc_chan_free(c);
    return 0;
}
