/* 08_graceful_close: closing channels gracefully.
 *
 * The channel closing principle (go101, "How to Gracefully Close
 * Channels"): don't close a channel from the receiver side, and don't
 * close a channel if it has multiple concurrent senders. Three patterns
 * follow from it:
 *
 *   1. One sender, many receivers: the sender closes the data channel.
 *   2. Many senders, one receiver: the receiver says "please stop sending"
 *      by closing an extra signal channel, stopCh; the senders watch it.
 *      The data channel is never closed (Go's GC reclaims it; here, the
 *      last reference does).
 *   3. Many senders, many receivers: anyone may ask a moderator to stop,
 *      through a one-slot toStop channel (a non-blocking send, so the
 *      asker never waits); the moderator closes stopCh, once:
 *
 *         toStop := make(chan string, 1)
 *         go func() { stoppedBy = <-toStop; close(stopCh) }()
 *         ...
 *         select { case toStop <- "sender#" + id: default: }
 *
 * goc differs from Go in one helpful way: a send on a closed channel
 * returns GOC_CLOSED instead of panicking, and a second close returns
 * GOC_CLOSED. The patterns still matter: a sender that sends on a closed
 * channel loses the value it sent.
 */
#define GOC_IMPLEMENTATION
#include "pool.h"
#include "check.h"

enum { MAX_VALUE = 100000, RECEIVERS = 4, SENDERS = 4, LIMIT = 5000 };

static unsigned next_rand(unsigned *s) { return (*s = *s * 1103515245u + 12345u) >> 8; }

/* ---- 1. one sender, many receivers ---------------------------------------- */
static goc_chan *data1;
static goc_atomic_i64 sum1;

static void sender1(void *arg) {
    (void)arg;
    for (int v = 1; v <= MAX_VALUE; v++) goc_chan_send(data1, &v);
    goc_chan_close(data1);                           /* the only sender closes */
}
static void receiver1(void *arg) {
    (void)arg;
    int v;
    while (goc_chan_recv(data1, &v) == GOC_OK)       /* for v := range dataCh */
        goc_atomic_i64_add(&sum1, v);
}

/* ---- 2. many senders, one receiver ----------------------------------------- */
static goc_chan *data2, *stop2;

static void sender2(void *arg) {
    unsigned seed = (unsigned)(intptr_t)arg;
    for (;;) {
        int v = (int)(next_rand(&seed) % MAX_VALUE);
        /* Check stopCh first: otherwise a sender could go on sending for a
           while after the stop, whenever the data case is also ready. */
        if (goc_chan_try_recv(stop2, NULL) == GOC_CLOSED) return;
        goc_case cs[2] = { goc_recv_case(stop2, NULL), goc_send_case(data2, &v) };
        if (goc_select(cs, 2) == 0) return;          /* case <-stopCh */
    }
}

/* ---- 3. many senders, many receivers, a moderator -------------------------- */
static goc_chan *data3, *stop3, *to_stop;            /* to_stop: chan int, cap 1 */
static goc_atomic_i64 received3;
static int stopped_by;

static void moderator(void *arg) {
    (void)arg;
    goc_chan_recv(to_stop, &stopped_by);             /* stoppedBy = <-toStop */
    goc_chan_close(stop3);                           /* close(stopCh): once, by one thread */
}
static void ask_to_stop(int who) {
    goc_chan_try_send(to_stop, &who);                /* select { case toStop <- id: default: } */
}
static void sender3(void *arg) {
    int id = (int)(intptr_t)arg;
    unsigned seed = (unsigned)id + 1;
    for (;;) {
        int v = (int)(next_rand(&seed) % MAX_VALUE);
        if (v == 0) { ask_to_stop(id); return; }
        if (goc_chan_try_recv(stop3, NULL) == GOC_CLOSED) return;
        goc_case cs[2] = { goc_recv_case(stop3, NULL), goc_send_case(data3, &v) };
        if (goc_select(cs, 2) == 0) return;
    }
}
static void receiver3(void *arg) {
    int id = 100 + (int)(intptr_t)arg;
    for (;;) {
        if (goc_chan_try_recv(stop3, NULL) == GOC_CLOSED) return;
        int v;
        goc_case cs[2] = { goc_recv_case(stop3, NULL), goc_recv_case(data3, &v) };
        if (goc_select(cs, 2) == 0) return;
        if (goc_atomic_i64_add(&received3, 1) == LIMIT) { ask_to_stop(id); return; }
    }
}

int main(void) {
    goc_waitgroup wg = {0};

    data1 = goc_chan_make(sizeof(int), 100);
    CHECK(data1 != NULL);
    for (int i = 0; i < RECEIVERS; i++) CHECK(goc_wg_go(&wg, receiver1, NULL) == GOC_OK);
    CHECK(goc_wg_go(&wg, sender1, NULL) == GOC_OK);
    goc_wg_wait(&wg);
    printf("1. one sender closed; %d receivers summed %lld\n", RECEIVERS, (long long)goc_atomic_i64_load(&sum1));
    CHECK(goc_atomic_i64_load(&sum1) == (int64_t)MAX_VALUE * (MAX_VALUE + 1) / 2);
    goc_chan_free(data1);

    data2 = goc_chan_make(sizeof(int), 100);
    stop2 = goc_chan_make(0, 0);
    CHECK(data2 && stop2);
    for (int i = 0; i < SENDERS; i++) CHECK(goc_wg_go(&wg, sender2, (void *)(intptr_t)(i + 1)) == GOC_OK);
    int got = 0, v;
    while (goc_chan_recv(data2, &v) == GOC_OK)
        if (++got == LIMIT) { goc_chan_close(stop2); break; }   /* the receiver asks them to stop */
    goc_wg_wait(&wg);                                /* every sender saw stopCh */
    printf("2. the receiver closed stopCh after %d values; %d senders stopped, %zu values left unread\n",
           got, SENDERS, goc_chan_len(data2));
    CHECK(got == LIMIT);
    goc_chan_free(data2);                            /* never closed: just released */
    goc_chan_free(stop2);

    data3 = goc_chan_make(sizeof(int), 100);
    stop3 = goc_chan_make(0, 0);
    to_stop = goc_chan_make(sizeof(int), 1);
    CHECK(data3 && stop3 && to_stop);
    CHECK(goc_wg_go(&wg, moderator, NULL) == GOC_OK);
    for (int i = 0; i < SENDERS; i++) CHECK(goc_wg_go(&wg, sender3, (void *)(intptr_t)i) == GOC_OK);
    for (int i = 0; i < RECEIVERS; i++) CHECK(goc_wg_go(&wg, receiver3, (void *)(intptr_t)i) == GOC_OK);
    goc_wg_wait(&wg);
    printf("3. stopped by %s#%d through the moderator; %lld values received\n",
           stopped_by >= 100 ? "receiver" : "sender", stopped_by % 100,
           (long long)goc_atomic_i64_load(&received3));
    CHECK(goc_chan_close(stop3) == GOC_CLOSED);      /* it was closed exactly once, by the moderator */
    goc_chan_free(data3);
    goc_chan_free(stop3);
    goc_chan_free(to_stop);
    return 0;
}
