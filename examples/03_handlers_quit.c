/* 03_handlers_quit: a fixed set of handlers reading one request channel.
 *
 * Effective Go, "Channels": instead of a goroutine per request, start a
 * fixed number of handle goroutines all reading from the request channel;
 * the number of goroutines limits the number of simultaneous calls. Serve
 * also accepts a channel on which it is told to exit.
 *
 *     func handle(queue chan *Request) {
 *         for r := range queue {
 *             process(r)
 *         }
 *     }
 *     func Serve(clientRequests chan *Request, quit chan bool) {
 *         for i := 0; i < MaxOutstanding; i++ {
 *             go handle(clientRequests)
 *         }
 *         <-quit  // wait to be told to exit
 *     }
 *
 * Here the handlers also watch the quit channel, so closing it stops them
 * even while clients could still send: a select over both channels.
 */
#define GOC_IMPLEMENTATION
#include "pool.h"
#include "check.h"

enum { MAX_OUTSTANDING = 3, REQUESTS = 3000 };

static goc_chan *requests;               /* chan int */
static goc_chan *quit;                   /* chan struct{}: closed to say "exit" */
static goc_waitgroup handlers, handled;
static long per_handler[MAX_OUTSTANDING];
static goc_atomic_i64 seen[REQUESTS];    /* each request must be handled exactly once */

static void handle(void *arg) {
    long *count = arg;
    for (;;) {
        int r;
        goc_case cs[2] = { goc_recv_case(requests, &r), goc_recv_case(quit, NULL) };
        if (goc_select(cs, 2) == 1) return;          /* case <-quit */
        goc_atomic_i64_add(&seen[r], 1);             /* process(r) */
        (*count)++;
        goc_wg_done(&handled);
    }
}

int main(void) {
    requests = goc_chan_make(sizeof(int), 16);
    quit = goc_chan_make(0, 0);
    CHECK(requests && quit);

    for (int i = 0; i < MAX_OUTSTANDING; i++)        /* go handle(clientRequests) */
        CHECK(goc_wg_go(&handlers, handle, &per_handler[i]) == GOC_OK);

    goc_wg_add(&handled, REQUESTS);
    for (int r = 0; r < REQUESTS; r++) CHECK(goc_chan_send(requests, &r) == GOC_OK);
    goc_wg_wait(&handled);                           /* every request answered... */
    goc_chan_close(quit);                            /* ...then: quit */
    goc_wg_wait(&handlers);

    long total = 0;
    for (int i = 0; i < MAX_OUTSTANDING; i++) {
        printf("handler %d handled %ld requests\n", i, per_handler[i]);
        total += per_handler[i];
    }
    for (int r = 0; r < REQUESTS; r++) CHECK(goc_atomic_i64_load(&seen[r]) == 1);
    CHECK(total == REQUESTS);
    printf("%ld requests, each handled once; the handlers exited on quit\n", total);
    goc_chan_free(requests);
    goc_chan_free(quit);
    return 0;
}
