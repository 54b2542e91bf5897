/* Buffered ring, capacity 1, at wrap-around: one value has already gone
 * through, so the sender's slot is the same slot at lap 1 (stamp
 * one_lap). Proves the value arrives once and whole: the sender's stamp
 * store (release) publishes the value copied in before it to the receiver
 * that sees the stamp (acquire), and the receiver's stamp store frees the
 * slot only after its copy out. */
#include "verify.h"

static goc_chan *c;

static void *sender(void *arg) {
    (void)arg;
    int v = 2;
    assert(goc_chan_send(c, &v) == GOC_OK);
    V_FINISH();
    return NULL;
}

int main(void) {
    c = goc_chan_make(sizeof(int), 1);
    int v = 1, got = 0;
    assert(goc_chan_send(c, &v) == GOC_OK && goc_chan_recv(c, &got) == GOC_OK && got == 1);
    pthread_t s = v_spawn(sender, NULL);
    assert(goc_chan_recv(c, &got) == GOC_OK);
    assert(got == 2);
    assert(goc_chan_try_recv(c, &got) == GOC_WOULDBLOCK);
    v_join(s);
    goc_chan_free(c);
    return 0;
}
