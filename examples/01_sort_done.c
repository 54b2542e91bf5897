/* 01_sort_done: signal completion on an unbuffered channel.
 *
 * Effective Go, "Channels":
 *
 *     c := make(chan int)   // allocate a channel
 *     go func() {           // start the sort; when it completes, signal
 *         list.Sort()
 *         c <- 1
 *     }()
 *     doSomethingForAWhile()
 *     <-c                   // wait for sort to finish; discard sent value
 *
 * The receiver blocks until there is data; the unbuffered send completes
 * only when the receiver has it, so when `<-c` returns the sort is done and
 * its writes are visible (the send happens-before the receive completes).
 * goc: a channel of element size 0 carries no data, only the event.
 *
 * One thing Go does for you that C does not: the channel must outlive
 * every call on it. The sender may still be inside goc_chan_send, on its
 * way out, when the receiver already has the signal, so it gets a
 * reference of its own (goc_chan_retain) and drops it when done.
 */
#define GOC_IMPLEMENTATION
#include "pool.h"
#include "check.h"

enum { N = 200000 };

struct sort_job {
    int *list;
    size_t n;
    goc_chan *done;          /* chan struct{} */
};

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void sort_in_background(void *arg) {
    struct sort_job *job = arg;
    qsort(job->list, job->n, sizeof *job->list, cmp_int);
    goc_chan_send(job->done, NULL);                  /* c <- 1 */
    goc_chan_free(job->done);                        /* the sender's reference */
}

int main(void) {
    static int list[N];
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) list[i] = (int)((seed = seed * 1103515245u + 12345u) >> 8);

    struct sort_job job = { list, N, goc_chan_make(0, 0) };
    CHECK(job.done != NULL);
    goc_chan_retain(job.done);                       /* one reference for the sorter */
    CHECK(goc_go(sort_in_background, &job) == GOC_OK);   /* go func() { ... }() */

    long busy = 0;                                   /* doSomethingForAWhile() */
    for (int i = 0; i < 1000; i++) busy += i;

    goc_chan_recv(job.done, NULL);                   /* <-c */
    for (int i = 1; i < N; i++) CHECK(list[i - 1] <= list[i]);
    printf("sorted %d numbers in the background while main summed to %ld\n", N, busy);
    goc_chan_free(job.done);
    return 0;
}
