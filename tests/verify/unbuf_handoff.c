/* Unbuffered hand-off: whichever of sender and receiver arrives second
 * pops the other's entry under the channel lock, copies the value straight
 * across, and ends the operation with a release store of the final word.
 * Proves the receiver gets the value (no race on the bytes copied), a
 * send completes only with a receiver (the receiver cannot see the send
 * finished before its own receive began), the partner's last touch of the
 * first party's stack comes before that party returns, and nobody is left
 * asleep. */
#include "verify.h"

static goc_chan *c;
static atomic_int sent;

static void *sender(void *arg) {
    (void)arg;
    int v = 7;
    assert(goc_chan_send(c, &v) == GOC_OK);
    V_STORE(&sent, 1);
    V_FINISH();
    return NULL;
}

static void *receiver(void *arg) {
    (void)arg;
    int got = 0;
    int before = V_LOAD(&sent);
    assert(goc_chan_recv(c, &got) == GOC_OK);
    assert(before == 0);
    assert(got == 7);
    V_FINISH();
    return NULL;
}

int main(void) {
    c = goc_chan_make(sizeof(int), 0);
    pthread_t s = v_spawn(sender, NULL), r = v_spawn(receiver, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(s);
    v_join(r);
    goc_chan_free(c);
    return 0;
}
