/* 13_ticker_timer: a ticker heartbeat; the right way to Stop and Reset a timer.
 *
 * A heartbeat: a long job reports that it is alive on every tick,
 *
 *     ticker := time.NewTicker(interval)
 *     defer ticker.Stop()
 *     for {
 *         select {
 *         case <-ticker.C:   heartbeat <- struct{}{}
 *         case r := <-work:  ... ; if finished { return }
 *         }
 *     }
 *
 * Stop and Reset, from the notes on how Go schedules timers: before Go
 * 1.23 a timer that had fired left its value in the channel, so the idiom
 * was
 *
 *     if !t.Stop() { <-t.C }   // drain, or the next receive sees the stale value
 *     t.Reset(d)
 *
 * and that receive blocked for ever when the value had already been taken.
 * goc has Go 1.23's semantics: the channel is synchronous, Stop and Reset
 * take back a value nobody has received, and after they return no stale
 * value is ever seen. So just Reset (or Stop); the old idiom still works,
 * as long as the drain does not block (a try_recv).
 */
#define GOC_IMPLEMENTATION
#include "timer.h"
#include "check.h"

enum { STEPS = 10 };

static goc_chan *heartbeat;              /* chan struct{}, cap 1: a beat is dropped if unread */

static void long_job(void *arg) {
    long *steps = arg;
    goc_ticker *tk = goc_ticker_new(10 * GOC_MILLISECOND);
    CHECK(tk != NULL);
    goc_chan *work = goc_after(150 * GOC_MILLISECOND);   /* the job's only result */
    CHECK(work != NULL);
    for (;;) {
        goc_case cs[2] = { goc_recv_case(goc_ticker_chan(tk), NULL), goc_recv_case(work, NULL) };
        if (goc_select(cs, 2) == 1) break;           /* finished */
        goc_chan_try_send(heartbeat, NULL);          /* "still alive" */
        ++*steps;
    }
    goc_chan_free(work);
    goc_ticker_free(tk);                             /* defer ticker.Stop() */
    goc_chan_close(heartbeat);
    goc_chan_free(heartbeat);                        /* the job's reference */
}

int main(void) {
    heartbeat = goc_chan_make(0, 1);
    CHECK(heartbeat != NULL);
    long ticks = 0, beats = 0;
    goc_chan_retain(heartbeat);                      /* one for the job */
    CHECK(goc_go(long_job, &ticks) == GOC_OK);
    while (goc_chan_recv_timeout(heartbeat, NULL, GOC_SECOND) == GOC_OK) beats++;
    printf("heartbeat: %ld beats from a 150 ms job on a 10 ms ticker (%ld ticks)\n", beats, ticks);
    CHECK(beats >= 3 && beats <= ticks && ticks <= 16);
    goc_chan_free(heartbeat);

    /* Reset a timer that has fired but was not received: no stale value. */
    goc_timer *t = goc_timer_new(5 * GOC_MILLISECOND);
    CHECK(t != NULL);
    goc_sleep(20 * GOC_MILLISECOND);                 /* it fires; nobody receives */
    bool was_pending = goc_timer_reset(t, 30 * GOC_MILLISECOND);
    int64_t after_reset = goc_now(), fired;
    CHECK(goc_chan_recv(goc_timer_chan(t), &fired) == GOC_OK);
    printf("reset: the timer was %s; the next value came %lld ms after the reset\n",
           was_pending ? "pending" : "idle", (long long)((goc_now() - after_reset) / GOC_MILLISECOND));
    CHECK(was_pending && fired >= after_reset + 30 * GOC_MILLISECOND);

    /* Stop: true when it took back a value; then nothing arrives, ever. */
    goc_timer_reset(t, 5 * GOC_MILLISECOND);
    goc_sleep(20 * GOC_MILLISECOND);                 /* fired, not received */
    bool stopped = goc_timer_stop(t);
    int stale = goc_chan_recv_timeout(goc_timer_chan(t), NULL, 20 * GOC_MILLISECOND);
    printf("stop: %s, then a receive got %s\n", stopped ? "took back the value" : "was too late",
           goc_strerror(stale));
    CHECK(stopped && stale == GOC_TIMEOUT);

    /* The pre-1.23 idiom, made safe: a drain that cannot block. */
    if (!goc_timer_stop(t)) goc_chan_try_recv(goc_timer_chan(t), NULL);
    goc_timer_reset(t, GOC_MILLISECOND);
    CHECK(goc_chan_recv_timeout(goc_timer_chan(t), NULL, GOC_SECOND) == GOC_OK);
    goc_timer_free(t);
    return 0;
}
