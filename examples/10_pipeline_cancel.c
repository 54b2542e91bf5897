/* 10_pipeline_cancel: a pipeline with fan-out, fan-in and explicit cancellation.
 *
 * The Go blog, "Go Concurrency Patterns: Pipelines and cancellation":
 *
 *     func gen(done <-chan struct{}, nums ...int) <-chan int       // stage 1
 *     func sq(done <-chan struct{}, in <-chan int) <-chan int      // stage 2, fanned out
 *     func merge(done <-chan struct{}, cs ...<-chan int) <-chan int // fan-in
 *
 *     done := make(chan struct{})
 *     defer close(done)
 *     in := gen(done, 2, 3)
 *     c1 := sq(done, in)     // distribute the sq work across two
 *     c2 := sq(done, in)     // goroutines that both read from in
 *     out := merge(done, c1, c2)
 *     fmt.Println(<-out)     // 4 or 9
 *
 * Every stage closes its outbound channel when its sends are done, and
 * every send is a select that also watches done, so when main stops
 * reading early and closes done, every upstream stage returns instead of
 * blocking for ever on a send nobody will receive (a goroutine leak).
 * Here a WaitGroup counts the stages, so the program can check that they
 * all returned.
 */
#define GOC_IMPLEMENTATION
#include "pool.h"
#include "check.h"

enum { N = 1000, SQUARERS = 2 };

static goc_waitgroup stages;             /* every stage task of the run */

/* Send v on out unless done closes first: select { case out <- v: case <-done: } */
static bool send_or_done(goc_chan *out, long v, goc_chan *done) {
    goc_case cs[2] = { goc_send_case(out, &v), goc_recv_case(done, NULL) };
    return goc_select(cs, 2) == 0;
}

struct stage { goc_chan *done, *in, *out; long n; };

static void gen(void *arg) {
    struct stage *s = arg;
    for (long i = 1; i <= s->n; i++)
        if (!send_or_done(s->out, i, s->done)) break;
    goc_chan_close(s->out);                          /* defer close(out) */
}

static void sq(void *arg) {
    struct stage *s = arg;
    long v;
    while (goc_chan_recv(s->in, &v) == GOC_OK)       /* for n := range in */
        if (!send_or_done(s->out, v * v, s->done)) break;
    goc_chan_close(s->out);
}

/* One output task per inbound channel; the last one to finish closes out. */
struct merge { goc_chan *done, *out; goc_waitgroup outputs; };
struct output { struct merge *m; goc_chan *c; };

static void output(void *arg) {
    struct output *o = arg;
    long v;
    while (goc_chan_recv(o->c, &v) == GOC_OK)
        if (!send_or_done(o->m->out, v, o->m->done)) break;
    goc_wg_done(&o->m->outputs);
}
static void close_when_outputs_done(void *arg) {
    struct merge *m = arg;
    goc_wg_wait(&m->outputs);
    goc_chan_close(m->out);
}

/* Runs gen -> SQUARERS x sq -> merge; main reads at most `take` values. */
static void run(long take, long *count, long *sum) {
    goc_chan *done = goc_chan_make(0, 0), *in = goc_chan_make(sizeof(long), 0);
    goc_chan *c[SQUARERS], *out = goc_chan_make(sizeof(long), 0);
    CHECK(done && in && out);
    struct stage g = { done, NULL, in, N }, s[SQUARERS];
    struct merge m = { .done = done, .out = out };
    struct output o[SQUARERS];
    CHECK(goc_wg_go(&stages, gen, &g) == GOC_OK);
    goc_wg_add(&m.outputs, SQUARERS);
    for (int i = 0; i < SQUARERS; i++) {
        c[i] = goc_chan_make(sizeof(long), 0);
        CHECK(c[i] != NULL);
        s[i] = (struct stage){ done, in, c[i], 0 };
        o[i] = (struct output){ &m, c[i] };
        CHECK(goc_wg_go(&stages, sq, &s[i]) == GOC_OK);
        CHECK(goc_wg_go(&stages, output, &o[i]) == GOC_OK);
    }
    CHECK(goc_wg_go(&stages, close_when_outputs_done, &m) == GOC_OK);

    long v;
    *count = *sum = 0;
    while (*count < take && goc_chan_recv(out, &v) == GOC_OK) { ++*count; *sum += v; }
    goc_chan_close(done);                            /* defer close(done): tell every stage */
    goc_wg_wait(&stages);                            /* ...and see that they all returned */

    goc_chan_free(done); goc_chan_free(in); goc_chan_free(out);
    for (int i = 0; i < SQUARERS; i++) goc_chan_free(c[i]);
}

int main(void) {
    long count, sum;
    run(N, &count, &sum);
    printf("whole run: %ld squares, sum %ld\n", count, sum);
    CHECK(count == N && sum == (long)N * (N + 1) * (2 * N + 1) / 6);

    run(1, &count, &sum);
    printf("took one value (%ld), closed done: all %d stage tasks returned\n", sum, 2 + 2 * SQUARERS);
    /* Which square comes first depends on the scheduling (the two squarers
       and their outputs race), but it is one of them. */
    bool square = false;
    for (long i = 1; i <= N; i++) square |= i * i == sum;
    CHECK(count == 1 && square);
    return 0;
}
