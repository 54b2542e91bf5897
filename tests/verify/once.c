/* Once: two threads race to run fn. Proves fn runs exactly once, and that
 * whoever returns from goc_once_do - the runner, a caller that waited for
 * it, or one that took the inline fast path - sees what fn wrote (the
 * DONE store's release pairs with the fast path's acquire load). */
#include "verify.h"

static goc_once once;
static int calls, data;

static void fn(void *arg) { (void)arg; calls++; data = 42; }

static void *caller(void *arg) {
    (void)arg;
    goc_once_do(&once, fn, NULL);
    assert(data == 42);
    V_FINISH();
    return NULL;
}

int main(void) {
    pthread_t a = v_spawn(caller, NULL), b = v_spawn(caller, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(a);
    v_join(b);
    assert(calls == 1);
    return 0;
}
