/* Semaphore of one unit, release handing it to a parked acquirer: the
 * grant (the releaser takes the unit for the waiter and stores GRANTED,
 * release) publishes the releaser's critical section to the grantee, and
 * the releaser's last touch of the semaphore comes before that grant.
 * The grantee frees the semaphore as soon as it returns: GenMC reports any
 * later access by the releaser as a use of freed memory. */
#include "verify.h"
#include <stdlib.h>

static goc_sem *s;
static int x;

static void *holder(void *arg) {
    (void)arg;
    x = 1;
    goc_sem_release(s, 1);
    V_FINISH();
    return NULL;
}

static void *acquirer(void *arg) {
    (void)arg;
    assert(goc_sem_acquire(s, 1) == GOC_OK);
    assert(x == 1);
    free(s);                       /* the last user frees it at once */
    V_FINISH();
    return NULL;
}

int main(void) {
    s = malloc(sizeof *s);
    goc_sem_init(s, 1);
    assert(goc_sem_acquire(s, 1) == GOC_OK);   /* the holder's unit */
    pthread_t a = v_spawn(holder, NULL), b = v_spawn(acquirer, NULL);
    VERIFY_NOT_STUCK(2);
    v_join(a);
    v_join(b);
    return 0;
}
