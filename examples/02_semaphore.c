/* 02_semaphore: a buffered channel as a semaphore.
 *
 * Effective Go, "Channels": a buffered channel limits throughput.
 *
 *     var sem = make(chan int, MaxOutstanding)
 *
 *     func handle(r *Request) {
 *         sem <- 1    // wait for active queue to drain
 *         process(r)  // may take a long time
 *         <-sem       // done; enable next request to run
 *     }
 *     func Serve(queue chan *Request) {
 *         for {
 *             req := <-queue
 *             go handle(req)  // don't wait for handle to finish
 *         }
 *     }
 *
 * At most MaxOutstanding requests are processed at once, but Serve still
 * starts a goroutine (here: a thread) for every request, and they pile up
 * blocked on sem. The fix gates the spawning instead:
 *
 *     func Serve(queue chan *Request) {
 *         for req := range queue {
 *             sem <- 1
 *             go func(req *Request) { process(req); <-sem }(req)
 *         }
 *     }
 *
 * This program runs both and counts, for each, the most requests in
 * process at once and the most tasks alive at once.
 */
#define GOC_IMPLEMENTATION
#include "pool.h"
#include "timer.h"
#include "check.h"

enum { MAX_OUTSTANDING = 4, REQUESTS = 64 };

static goc_chan *sem;                    /* chan int, cap MAX_OUTSTANDING */
static goc_waitgroup all_done;
static goc_atomic_i64 in_process, alive, processed;
static goc_atomic_i64 max_in_process, max_alive;

static void raise_max(goc_atomic_i64 *max, int64_t v) {
    int64_t m = goc_atomic_i64_load(max);
    while (v > m && !goc_atomic_i64_cas(max, m, v)) m = goc_atomic_i64_load(max);
}

static void process(int req) {
    raise_max(&max_in_process, goc_atomic_i64_add(&in_process, 1));
    goc_sleep(GOC_MILLISECOND);          /* may take a long time */
    (void)req;
    goc_atomic_i64_add(&processed, 1);
    goc_atomic_i64_add(&in_process, -1);
}

/* Version 1: every request gets a task at once; the task waits on sem. */
static void handle(void *arg) {
    int one = 1;
    goc_chan_send(sem, &one);            /* sem <- 1 */
    process((int)(intptr_t)arg);
    goc_atomic_i64_add(&alive, -1);      /* counted out before the slot is given back */
    goc_chan_recv(sem, NULL);            /* <-sem */
    goc_wg_done(&all_done);
}

/* Version 2: the caller took the slot before spawning. */
static void handle_gated(void *arg) {
    process((int)(intptr_t)arg);
    goc_atomic_i64_add(&alive, -1);      /* counted out before the slot is given back */
    goc_chan_recv(sem, NULL);            /* <-sem */
    goc_wg_done(&all_done);
}

static void serve(goc_chan *queue, bool gated) {
    int req, one = 1;
    while (goc_chan_recv(queue, &req) == GOC_OK) {   /* for req := range queue */
        if (gated) goc_chan_send(sem, &one);         /* sem <- 1, before the go */
        raise_max(&max_alive, goc_atomic_i64_add(&alive, 1));
        goc_wg_add(&all_done, 1);
        CHECK(goc_go(gated ? handle_gated : handle, (void *)(intptr_t)req) == GOC_OK);
    }
    goc_wg_wait(&all_done);
}

static void run(bool gated) {
    goc_atomic_i64_store(&max_in_process, 0);
    goc_atomic_i64_store(&max_alive, 0);
    goc_atomic_i64_store(&processed, 0);
    goc_chan *queue = goc_chan_make(sizeof(int), REQUESTS);
    CHECK(queue != NULL);
    for (int i = 0; i < REQUESTS; i++) goc_chan_send(queue, &i);
    goc_chan_close(queue);
    serve(queue, gated);
    goc_chan_free(queue);

    int64_t maxp = goc_atomic_i64_load(&max_in_process), maxa = goc_atomic_i64_load(&max_alive);
    printf("%-22s %d requests, at most %lld in process, at most %2lld tasks alive\n",
           gated ? "gate the spawning:" : "spawn, then block:", REQUESTS, (long long)maxp,
           (long long)maxa);
    CHECK(goc_atomic_i64_load(&processed) == REQUESTS);
    CHECK(maxp <= MAX_OUTSTANDING);
    if (gated) CHECK(maxa <= MAX_OUTSTANDING);
}

int main(void) {
    sem = goc_chan_make(sizeof(int), MAX_OUTSTANDING);
    CHECK(sem != NULL);
    run(false);
    run(true);
    goc_chan_free(sem);
    return 0;
}
