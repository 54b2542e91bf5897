/* hello_chan: goc's chan.h at work, in one short program.
 *
 * A pipeline, as in Go: a generator sends 1..N on an unbuffered channel;
 * three squarers fan out from it and fan in to one buffered channel; the
 * main thread sums the squares with a select that also watches a quit
 * channel and a timeout. The generator closes its channel when done, the
 * last squarer closes the results, and `for v := range ch` becomes
 * `while (goc_chan_recv(ch, &v) == GOC_OK)`. Every figure printed is
 * checked.
 *
 *     make demo          (or: cc -std=c11 -I. examples/hello_chan.c -pthread)
 */
#define GOC_IMPLEMENTATION
#include "chan.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { N = 100000, SQUARERS = 3 };

static goc_chan *numbers;      /* unbuffered: generator -> squarers */
static goc_chan *squares;      /* buffered: squarers -> main */
static goc_chan *quit;         /* a signal channel: closed to say "stop" */
static goc_waitgroup squarers_done;

static void *generate(void *arg) {
    (void)arg;
    for (long i = 1; i <= N; i++)
        if (goc_chan_send(numbers, &i) != GOC_OK) break;   /* numbers <- i */
    goc_chan_close(numbers);                                  /* close(numbers) */
    return NULL;
}

static void *square(void *arg) {
    long *handled = arg, v;
    while (goc_chan_recv(numbers, &v) == GOC_OK) {          /* for v := range numbers */
        long sq = v * v;
        goc_chan_send(squares, &sq);
        (*handled)++;
    }
    goc_wg_done(&squarers_done);
    return NULL;
}

/* The last squarer to finish closes the results. */
static void *close_when_done(void *arg) {
    (void)arg;
    goc_wg_wait(&squarers_done);
    goc_chan_close(squares);
    return NULL;
}

int main(void) {
    numbers = goc_chan_make(sizeof(long), 0);
    squares = goc_chan_make(sizeof(long), 64);
    quit = goc_chan_make(0, 0);
    if (!numbers || !squares || !quit) return 1;

    pthread_t gen, sq[SQUARERS], closer;
    long handled[SQUARERS] = {0};
    goc_wg_add(&squarers_done, SQUARERS);
    pthread_create(&gen, NULL, generate, NULL);
    for (int i = 0; i < SQUARERS; i++) pthread_create(&sq[i], NULL, square, &handled[i]);
    pthread_create(&closer, NULL, close_when_done, NULL);

    /* select { case sq, ok := <-squares: ...; case <-quit: ...; case <-time.After(1s): ... } */
    long total = 0, count = 0, sqv = 0;
    int timeouts = 0;
    for (;;) {
        goc_case cs[2] = { goc_recv_case(squares, &sqv), goc_recv_case(quit, NULL) };
        int k = goc_select_timeout(cs, 2, GOC_SECOND);
        if (k == GOC_TIMEOUT) { timeouts++; break; }
        if (k == 1 || !cs[0].ok) break;            /* quit, or squares closed and drained */
        total += sqv;
        count++;
    }

    /* A select that cannot proceed at once: the default case. */
    goc_case idle[1] = { goc_recv_case(quit, NULL) };
    int nothing = goc_select_try(idle, 1);

    pthread_join(gen, NULL);
    for (int i = 0; i < SQUARERS; i++) pthread_join(sq[i], NULL);
    pthread_join(closer, NULL);

    long want = (long)N * (N + 1) * (2L * N + 1) / 6;   /* 1^2 + ... + N^2 */
    printf("hello_chan: %ld squares summed through a pipeline of %d squarers\n", count, SQUARERS);
    for (int i = 0; i < SQUARERS; i++) printf("  squarer %d handled %ld numbers\n", i, handled[i]);
    printf("  sum of squares %ld (expected %ld), timeouts %d, idle select %s\n", total, want,
           timeouts, nothing == GOC_WOULDBLOCK ? "took the default" : "did not");
    long handled_all = 0;
    for (int i = 0; i < SQUARERS; i++) handled_all += handled[i];
    bool ok = count == N && total == want && handled_all == N && timeouts == 0 &&
              nothing == GOC_WOULDBLOCK;

    goc_chan_free(numbers);
    goc_chan_free(squares);
    goc_chan_free(quit);
    printf("hello_chan: %s\n", ok ? "OK" : "WRONG");
    return ok ? 0 : 1;
}
