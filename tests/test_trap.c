/* The trap GOC_NOIPA guards against (atomic.h): GCC 12 at -O2, with the implementation in the same
 * translation unit, concluded from the inlined body that a wait cannot
 * change a private static and turned `while (!ready) goc_cond_wait(...)`
 * into an endless loop. Built at -O2 with GOC_IMPLEMENTATION right here;
 * the flags are plain statics whose address is never taken. */
#define GOC_IMPLEMENTATION
#include "sync.h"
#ifdef GOC_TEST_SHIM
#include "crit_shim.h"
#else
#include <criterion/criterion.h>
#endif
#include <pthread.h>

TestSuite(trap, .timeout = 20);

static goc_mutex mu;
static goc_cond cond;
static int ready;                 /* guarded by mu */

static void *setter(void *arg) {
    (void)arg;
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    goc_mutex_lock(&mu);
    ready = 1;
    goc_cond_broadcast(&cond);
    goc_mutex_unlock(&mu);
    return NULL;
}

Test(trap, static_flag_cond_wait) {
    pthread_t t;
    pthread_create(&t, NULL, setter, NULL);
    goc_mutex_lock(&mu);
    while (!ready) goc_cond_wait(&cond, &mu);
    goc_mutex_unlock(&mu);
    pthread_join(t, NULL);
    cr_assert_eq(ready, 1);
}

static int done_flag;             /* written before done(), read after wait() */
static goc_waitgroup wg;
static void *worker(void *arg) {
    (void)arg;
    done_flag = 7;
    goc_wg_done(&wg);
    return NULL;
}

Test(trap, static_flag_waitgroup) {
    pthread_t t;
    goc_wg_add(&wg, 1);
    pthread_create(&t, NULL, worker, NULL);
    goc_wg_wait(&wg);
    cr_assert_eq(done_flag, 7);
    pthread_join(t, NULL);
}

static int counter;               /* guarded by mu */
static void *bump(void *arg) {
    (void)arg;
    for (int i = 0; i < 1000; i++) {
        goc_mutex_lock(&mu);
        counter++;
        goc_mutex_unlock(&mu);
    }
    return NULL;
}

Test(trap, static_counter_mutex) {
    pthread_t t[2];
    for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, bump, NULL);
    for (;;) {                    /* poll the static under the lock */
        goc_mutex_lock(&mu);
        int c = counter;
        goc_mutex_unlock(&mu);
        if (c == 2000) break;
    }
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
}
