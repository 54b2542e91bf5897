/* 14_timing_wheel: a timing wheel whose buckets are channels closed to broadcast expiry.
 *
 * From the notes (after siddontang's timingwheel): closing a channel wakes
 * every receiver at once, so a timer can be a channel that everyone due at
 * time T waits on, closed at T. A wheel keeps one such channel per tick:
 *
 *     func (w *TimingWheel) After(timeout time.Duration) <-chan struct{} {
 *         w.Lock()
 *         index := (w.pos + int(timeout/w.interval)) % len(w.cs)
 *         b := w.cs[index]
 *         w.Unlock()
 *         return b
 *     }
 *     func (w *TimingWheel) onTicker() {       // on every tick of w.ticker
 *         w.Lock()
 *         lastC := w.cs[w.pos]
 *         w.cs[w.pos] = make(chan struct{})
 *         w.pos = (w.pos + 1) % len(w.cs)
 *         w.Unlock()
 *         close(lastC)
 *     }
 *
 * Thousands of timeouts cost a few channels and one ticker, at the price
 * of precision: a timeout ends within an interval of when it was due
 * (two, when a tick reaches the wheel's thread late and the next one on
 * time).
 * In C a bucket's channel is reference counted: the wheel holds one
 * reference, After hands the caller another (goc_chan_retain under the
 * lock), and the tick closes the channel and drops the wheel's.
 */
#define GOC_IMPLEMENTATION
#include "timer.h"
#include "check.h"
#include <errno.h>

enum { BUCKETS = 32, WAITERS = 8, WAITS_EACH = 6 };
#define INTERVAL (10 * GOC_MILLISECOND)

typedef struct {
    goc_mutex mu;
    goc_duration interval, max_timeout;
    goc_chan *cs[BUCKETS];
    size_t pos;
    long closed;                         /* buckets closed so far */
    goc_ticker *ticker;
    goc_chan *quit;
    goc_waitgroup running;
} wheel;

static void wheel_run(void *arg) {
    wheel *w = arg;
    for (;;) {
        goc_case cs[2] = { goc_recv_case(goc_ticker_chan(w->ticker), NULL), goc_recv_case(w->quit, NULL) };
        if (goc_select(cs, 2) == 1) return;          /* case <-w.quit */
        goc_chan *fresh = goc_chan_make(0, 0);       /* onTicker */
        CHECK(fresh != NULL);
        goc_mutex_lock(&w->mu);
        goc_chan *last = w->cs[w->pos];
        w->cs[w->pos] = fresh;
        w->pos = (w->pos + 1) % BUCKETS;
        w->closed++;
        goc_mutex_unlock(&w->mu);
        goc_chan_close(last);                        /* broadcast: every waiter wakes */
        goc_chan_free(last);                         /* the wheel's reference */
    }
}

static int wheel_start(wheel *w, goc_duration interval) {
    *w = (wheel){ .interval = interval, .max_timeout = interval * BUCKETS };
    for (size_t i = 0; i < BUCKETS; i++)
        if (!(w->cs[i] = goc_chan_make(0, 0))) return GOC_ENOMEM;
    if (!(w->quit = goc_chan_make(0, 0)) || !(w->ticker = goc_ticker_new(interval))) return GOC_ENOMEM;
    return goc_wg_go(&w->running, wheel_run, w);
}

static void wheel_stop(wheel *w) {
    goc_chan_close(w->quit);
    goc_wg_wait(&w->running);
    goc_ticker_free(w->ticker);
    for (size_t i = 0; i < BUCKETS; i++) goc_chan_free(w->cs[i]);
    goc_chan_free(w->quit);
}

/* A channel closed about `timeout` from now; the caller frees it. NULL and
   errno EINVAL beyond the wheel's reach (Go's version panics). */
static goc_chan *wheel_after(wheel *w, goc_duration timeout) {
    if (timeout < 0 || timeout >= w->max_timeout) { errno = EINVAL; return NULL; }
    goc_mutex_lock(&w->mu);
    goc_chan *b = w->cs[(w->pos + (size_t)(timeout / w->interval)) % BUCKETS];
    goc_chan_retain(b);                              /* the caller's reference */
    goc_mutex_unlock(&w->mu);
    return b;
}

static wheel w;
static goc_atomic_i64 early, waits;

static void waiter(void *arg) {
    unsigned seed = (unsigned)(intptr_t)arg * 7919u + 1;
    for (int i = 0; i < WAITS_EACH; i++) {
        seed = seed * 1103515245u + 12345u;
        goc_duration timeout = (goc_duration)((seed >> 8) % 150) * GOC_MILLISECOND;
        int64_t start = goc_now();
        goc_chan *c = wheel_after(&w, timeout);
        CHECK(c != NULL);
        CHECK(goc_chan_recv(c, NULL) == GOC_CLOSED);   /* <-w.After(timeout) */
        if (goc_now() - start < timeout - 2 * w.interval) goc_atomic_i64_add(&early, 1);
        goc_atomic_i64_add(&waits, 1);
        goc_chan_free(c);
    }
}

int main(void) {
    CHECK(wheel_start(&w, INTERVAL) == GOC_OK);
    int64_t start = goc_now();
    goc_waitgroup wg = {0};
    for (int i = 0; i < WAITERS; i++) CHECK(goc_wg_go(&wg, waiter, (void *)(intptr_t)i) == GOC_OK);
    goc_wg_wait(&wg);
    CHECK(wheel_after(&w, w.max_timeout) == NULL && errno == EINVAL);
    goc_mutex_lock(&w.mu);
    long closed = w.closed;
    goc_mutex_unlock(&w.mu);
    wheel_stop(&w);

    printf("%lld timeouts of 0-150 ms served in %lld ms by %ld closed channels; %lld ended early\n",
           (long long)goc_atomic_i64_load(&waits), (long long)((goc_now() - start) / GOC_MILLISECOND),
           closed, (long long)goc_atomic_i64_load(&early));
    CHECK(goc_atomic_i64_load(&waits) == WAITERS * WAITS_EACH);
    CHECK(goc_atomic_i64_load(&early) == 0);
    return 0;
}
