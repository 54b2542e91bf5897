/* Buffered ring, close racing a send: the close sets the mark bit in tail
 * with an RMW, so a send's claim of tail is either before it (the send
 * succeeds and its value stays receivable after the close) or after it
 * (GOC_CLOSED, nothing stored). Proves a value sent with GOC_OK is
 * received, whole (by a receive that races the copy), and one refused is
 * not; the channel then answers GOC_CLOSED, with a zeroed value. */
#include "verify.h"

static goc_chan *c;
static atomic_int send_result;

static void *sender(void *arg) {
    (void)arg;
    int v = 7;
    V_STORE(&send_result, goc_chan_send(c, &v) + 100);
    V_FINISH();
    return NULL;
}

int main(void) {
    c = goc_chan_make(sizeof(int), 1);
    pthread_t s = v_spawn(sender, NULL);
    assert(goc_chan_close(c) == GOC_OK);
    int got = -1;
    int r = goc_chan_recv(c, &got);     /* races the send's copy */
    assert(r == GOC_OK ? got == 7 : (r == GOC_CLOSED && got == 0));
    v_join(s);
    int sr = V_LOAD(&send_result) - 100;
    assert(sr == GOC_OK || sr == GOC_CLOSED);
    assert((sr == GOC_OK) == (r == GOC_OK));
    assert(goc_chan_recv(c, &got) == GOC_CLOSED && got == 0);
    goc_chan_free(c);
    return 0;
}
