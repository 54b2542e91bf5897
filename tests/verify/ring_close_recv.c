/* Buffered ring, close racing a receive on the empty channel: the
 * receiver either sees the mark before it queues, or is queued when the
 * close claims every waiter under the channel lock and tells it to look
 * again. Proves the receive ends with GOC_CLOSED and a zeroed value, and
 * the receiver is never left asleep. */
#include "verify.h"

static goc_chan *c;

static void *receiver(void *arg) {
    (void)arg;
    int got = -1;
    assert(goc_chan_recv(c, &got) == GOC_CLOSED);
    assert(got == 0);
    V_FINISH();
    return NULL;
}

static void *closer(void *arg) {
    (void)arg;
    assert(goc_chan_close(c) == GOC_OK);
    V_FINISH();
    return NULL;
}

int main(void) {
    c = goc_chan_make(sizeof(int), 1);
    pthread_t r = v_spawn(receiver, NULL), k = v_spawn(closer, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(r);
    v_join(k);
    goc_chan_free(c);
    return 0;
}
