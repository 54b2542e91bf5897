/* Select over two buffered channels: one already holds a value, and a
 * sender puts one in the other while the select polls it (the model's
 * fixed poll order looks at the sender's channel first), so both cases
 * can be ready at once. Proves exactly one case completes, with its own
 * value, and the other value stays in its channel. It does not reach the
 * claim word: one case is always ready, so the select never registers
 * (the registered path did not fit CI's time; see the README). */
#include "verify.h"

static goc_chan *c1, *c2;

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
    int v = 1, got = 0;
    assert(goc_chan_send(c1, &v) == GOC_OK);
    pthread_t s = v_spawn(sender, NULL);
    goc_case cases[2] = {
        { .ch = c1, .dir = GOC_RECV, .elem = &got },
        { .ch = c2, .dir = GOC_RECV, .elem = &got },
    };
    int i = goc_select(cases, 2);
    assert((i == 0 || i == 1) && got == i + 1);
    v_join(s);
    int x = 0, left = 0;
    if (goc_chan_try_recv(c1, &x) == GOC_OK) { assert(x == 1); left++; }
    if (goc_chan_try_recv(c2, &x) == GOC_OK) { assert(x == 2); left++; }
    assert(left == 1);
    goc_chan_free(c1);
    goc_chan_free(c2);
    return 0;
}
