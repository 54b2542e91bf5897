/* 05_parallel: one piece of a computation per core, counted on a channel.
 *
 * Effective Go, "Parallelization":
 *
 *     func (v Vector) DoSome(i, n int, u Vector, c chan int) {
 *         for ; i < n; i++ {
 *             v[i] += u.Op(v[i])
 *         }
 *         c <- 1    // signal that this piece is done
 *     }
 *     var numCPU = runtime.NumCPU()
 *     func (v Vector) DoAll(u Vector) {
 *         c := make(chan int, numCPU)  // Buffering optional but sensible.
 *         for i := 0; i < numCPU; i++ {
 *             go v.DoSome(i*len(v)/numCPU, (i+1)*len(v)/numCPU, u, c)
 *         }
 *         // Drain the channel.
 *         for i := 0; i < numCPU; i++ {
 *             <-c    // wait for one task to complete
 *         }
 *         // All done.
 *     }
 *
 * The buffered channel lets each piece signal and exit without waiting
 * for main to be ready; main counts the signals. Each piece holds a
 * reference on the channel (goc_chan_retain), because it may still be on
 * its way out of goc_chan_send when main has counted it and freed its own.
 */
#define GOC_IMPLEMENTATION
#include "pool.h"
#include "check.h"
#include <unistd.h>

enum { LEN = 1 << 20, MAX_CPU = 64 };

struct piece {
    double *v;
    const double *u;
    size_t i, n;
    goc_chan *c;
};

static double op(double u, double x) { return u * x + 1.0; }

static void do_some(void *arg) {
    struct piece *p = arg;
    for (size_t i = p->i; i < p->n; i++) p->v[i] += op(p->u[i], p->v[i]);
    int one = 1;
    goc_chan_send(p->c, &one);                       /* c <- 1 */
    goc_chan_free(p->c);                             /* this piece's reference */
}

static void do_all(double *v, const double *u, int ncpu) {
    goc_chan *c = goc_chan_make(sizeof(int), (size_t)ncpu);
    CHECK(c != NULL);
    struct piece pieces[MAX_CPU];
    for (int i = 0; i < ncpu; i++) {
        pieces[i] = (struct piece){ v, u, (size_t)i * LEN / ncpu, (size_t)(i + 1) * LEN / ncpu, c };
        goc_chan_retain(c);                          /* each piece holds the channel */
        CHECK(goc_go(do_some, &pieces[i]) == GOC_OK);
    }
    for (int i = 0; i < ncpu; i++) goc_chan_recv(c, NULL);   /* drain the channel */
    goc_chan_free(c);
}

int main(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    int ncpu = n < 1 ? 1 : n > MAX_CPU ? MAX_CPU : (int)n;
    double *v = malloc(LEN * sizeof *v), *u = malloc(LEN * sizeof *u);
    CHECK(v && u);
    for (size_t i = 0; i < LEN; i++) { v[i] = (double)(i % 1000); u[i] = 0.5; }

    do_all(v, u, ncpu);

    for (size_t i = 0; i < LEN; i++) {             /* the serial answer, element by element */
        double x = (double)(i % 1000);
        CHECK(v[i] == x + op(0.5, x));
    }
    printf("%d elements in %d pieces, one per core; every element checked\n", LEN, ncpu);
    free(v);
    free(u);
    return 0;
}
