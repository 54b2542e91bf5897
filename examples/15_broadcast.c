/* 15_broadcast: broadcast to many listeners through linked channels.
 *
 * From the notes (after Roger Peppe's "linked channels"): a broadcast
 * value travels with the channel that carries the next one,
 *
 *     type broadcast struct {
 *         c chan broadcast   // where the next value will be
 *         v interface{}
 *     }
 *
 * in one-slot channels. A reader takes the value and at once puts it back,
 * so every other reader finds it too, then moves on to b.c:
 *
 *     func (r *Receiver) Read() interface{} {
 *         b := <-r.C
 *         v := b.v
 *         r.C <- b       // put it back for the others
 *         r.C = b.c
 *         return v
 *     }
 *
 * The writer fills the current channel's only slot and moves on, so it
 * never waits for readers, and a slow reader misses nothing: the values it
 * has not read yet wait for it down the chain. A listener starts at the
 * broadcaster's current channel (asked for through listenc, so that it is
 * never between two writes).
 *
 * C has no garbage collector to reclaim the channels every reader has
 * passed; this version keeps them until the broadcaster is freed, which
 * suits a bounded stream (a long one would count readers per link).
 */
#define GOC_IMPLEMENTATION
#include "timer.h"
#include "check.h"

enum { VALUES = 2000, LISTENERS = 3 };

typedef struct { goc_chan *c; long v; } broadcast;   /* c NULL: the end of the stream */

typedef struct {
    goc_chan *sendc;                     /* chan long: values to broadcast */
    goc_chan *listenc;                   /* chan (chan (chan broadcast)): listen requests */
    goc_chan *endc;                      /* closed: the stream ends */
    goc_chan *first;                     /* the chain, kept to free it */
    goc_waitgroup running;
} broadcaster;

static void broadcaster_run(void *arg) {
    broadcaster *b = arg;
    goc_chan *currc = b->first;
    for (;;) {
        long v;
        goc_chan *reply;
        goc_case cs[3] = { goc_recv_case(b->sendc, &v), goc_recv_case(b->listenc, &reply),
                           goc_recv_case(b->endc, NULL) };
        int k = goc_select(cs, 3);
        if (k == 0) {                                /* case v := <-sendc */
            goc_chan *c = goc_chan_make(sizeof(broadcast), 1);
            CHECK(c != NULL);
            broadcast cell = { c, v };
            goc_chan_send(currc, &cell);             /* currc <- b: the slot is free, never blocks */
            currc = c;
        } else if (k == 1) {                         /* case r := <-listenc */
            goc_chan_send(reply, &currc);            /* r <- currc */
            goc_chan_free(reply);                    /* the reference the listener gave us */
        } else {
            broadcast end = { NULL, 0 };
            goc_chan_send(currc, &end);
            return;
        }
    }
}

static int broadcaster_start(broadcaster *b) {
    *b = (broadcaster){ .sendc = goc_chan_make(sizeof(long), 0),
                        .listenc = goc_chan_make(sizeof(goc_chan *), 0),
                        .endc = goc_chan_make(0, 0), .first = goc_chan_make(sizeof(broadcast), 1) };
    if (!b->sendc || !b->listenc || !b->endc || !b->first) return GOC_ENOMEM;
    return goc_wg_go(&b->running, broadcaster_run, b);
}
static void broadcaster_write(broadcaster *b, long v) { goc_chan_send(b->sendc, &v); }
static void broadcaster_end(broadcaster *b) { goc_chan_close(b->endc); goc_wg_wait(&b->running); }

/* Every listener must be done reading. */
static void broadcaster_free(broadcaster *b) {
    for (goc_chan *c = b->first; c;) {
        broadcast cell = { NULL, 0 };
        goc_chan_try_recv(c, &cell);
        goc_chan_free(c);
        c = cell.c;
    }
    goc_chan_free(b->sendc);
    goc_chan_free(b->listenc);
    goc_chan_free(b->endc);
}

typedef struct { goc_chan *c; } receiver;

static receiver broadcaster_listen(broadcaster *b) {
    goc_chan *reply = goc_chan_make(sizeof(goc_chan *), 1), *c = NULL;
    CHECK(reply != NULL);
    goc_chan_retain(reply);                          /* for the broadcaster, who answers on it */
    goc_chan_send(b->listenc, &reply);
    goc_chan_recv(reply, &c);
    goc_chan_free(reply);
    return (receiver){ c };
}

/* The next value; false at the end of the stream. */
static bool receiver_read(receiver *r, long *v) {
    broadcast cell;
    goc_chan_recv(r->c, &cell);                      /* b := <-r.C */
    goc_chan_send(r->c, &cell);                      /* r.C <- b */
    if (!cell.c) return false;
    *v = cell.v;
    r->c = cell.c;
    return true;
}

struct listener { broadcaster *b; receiver r; bool slow; long got, first; bool in_order; };

static void listen_all(void *arg) {
    struct listener *l = arg;
    long v, want = -1;
    l->in_order = true;
    while (receiver_read(&l->r, &v)) {
        if (want < 0) l->first = v;
        else if (v != want) l->in_order = false;
        want = v + 1;
        l->got++;
        if (l->slow && v % 100 == 0) goc_sleep(GOC_MILLISECOND);   /* falls far behind */
    }
}

int main(void) {
    broadcaster b;
    CHECK(broadcaster_start(&b) == GOC_OK);
    struct listener ls[LISTENERS + 1];
    goc_waitgroup wg = {0};
    for (int i = 0; i < LISTENERS; i++) {
        ls[i] = (struct listener){ &b, broadcaster_listen(&b), i == 0, 0, -1, true };
        CHECK(goc_wg_go(&wg, listen_all, &ls[i]) == GOC_OK);
    }
    int64_t start = goc_now();
    for (long v = 0; v < VALUES / 2; v++) broadcaster_write(&b, v);
    ls[LISTENERS] = (struct listener){ &b, broadcaster_listen(&b), false, 0, -1, true };  /* a late one */
    CHECK(goc_wg_go(&wg, listen_all, &ls[LISTENERS]) == GOC_OK);
    for (long v = VALUES / 2; v < VALUES; v++) broadcaster_write(&b, v);
    int64_t wrote = goc_now() - start;
    broadcaster_end(&b);
    goc_wg_wait(&wg);

    printf("the writer sent %d values in %lld ms, waiting for no reader\n", VALUES,
           (long long)(wrote / GOC_MILLISECOND));
    for (int i = 0; i <= LISTENERS; i++) {
        printf("  listener %d%s: %ld values from %ld, %s\n", i,
               ls[i].slow ? " (slow)" : i == LISTENERS ? " (late)" : "", ls[i].got, ls[i].first,
               ls[i].in_order ? "in order" : "OUT OF ORDER");
        CHECK(ls[i].in_order);
        CHECK(i == LISTENERS ? ls[i].first == VALUES / 2 && ls[i].got == VALUES / 2
                             : ls[i].first == 0 && ls[i].got == VALUES);
    }
    broadcaster_free(&b);
    return 0;
}
