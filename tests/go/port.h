/* Helpers for the ports of Go's channel tests: `go`, a detached thread
 * counted by a WaitGroup (goroutines need no join; these are waited for
 * together at the end of each test), and small stacks so that thousands
 * of them fit. */
#ifndef GOC_GO_PORT_H
#define GOC_GO_PORT_H
#include "../testutil.h"

typedef struct go_task {
    void (*fn)(void *);
    void          *arg;
    goc_waitgroup *wg;
} go_task;

static void *go_trampoline(void *p) {
    go_task t = *(go_task *)p;
    free(p);
    t.fn(t.arg);
    goc_wg_done(t.wg);
    return NULL;
}

/* Go's `go fn(arg)`, accounted in wg. */
static void go(goc_waitgroup *wg, void (*fn)(void *), void *arg) {
    go_task *t = malloc(sizeof *t);
    cr_assert_not_null(t);
    *t = (go_task){ fn, arg, wg };
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&at, T_SCALE > 1 ? 1 << 20 : 128 << 10);
    goc_wg_add(wg, 1);
    pthread_t id;
    int r = pthread_create(&id, &at, go_trampoline, t);
    pthread_attr_destroy(&at);
    cr_assert_eq(r, 0, "pthread_create: %d", r);
}

/* Go's runtime.Gosched and a short time.Sleep. */
static inline void gosched(void) { sched_yield(); }
static inline void sleep_us(long us) {
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
    nanosleep(&ts, NULL);
}

/* Make a channel or fail the test. */
static inline goc_chan *mk(size_t elem, size_t cap) {
    goc_chan *c = goc_chan_make(elem, cap);
    cr_assert_not_null(c);
    return c;
}

/* Typed one-liners for the int channels most of these tests use. */
static inline void send_i(goc_chan *c, long v) { cr_assert_eq(goc_chan_send(c, &v), GOC_OK); }
static inline long recv_i(goc_chan *c) { long v = -1; cr_assert_eq(goc_chan_recv(c, &v), GOC_OK); return v; }
/* In other threads (Criterion asserts only on the test's own thread). */
static inline void tsend_i(goc_chan *c, long v) { T_CHECK(goc_chan_send(c, &v) == GOC_OK); }
static inline long trecv_i(goc_chan *c) { long v = -1; T_CHECK(goc_chan_recv(c, &v) == GOC_OK); return v; }
#endif
