/* The floors of a blocking hand-off between two threads, for the table of
 * bench/run.sh: what a round trip costs when each side sleeps in the
 * kernel (a futex ping-pong) and when each side spins and gives its core
 * away between looks (a sched_yield ping-pong). No library is in either:
 * they show what the machine, quiet or loaded, allows any channel.
 * Usage: floor SCALE  ->  "floor_futex_pingpong <ns> <ops/s>" and
 *                         "floor_yield_pingpong <ns> <ops/s>" (a round trip;
 * best of 3 runs of up to 200,000 / SCALE round trips or 0.5 s each) */
#define _GNU_SOURCE
#include "bench.h"
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

static _Atomic unsigned turn;     /* 0: ping's move, 1: pong's */
static _Atomic int stop;          /* ping's last pass: pong leaves */
static int use_futex;

static void wait_for(unsigned want) {
    unsigned v;
    while ((v = atomic_load_explicit(&turn, memory_order_acquire)) != want) {
        if (use_futex) syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
        else sched_yield();
    }
}
static void pass_to(unsigned who) {
    atomic_store_explicit(&turn, who, memory_order_release);
    if (use_futex) syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *pong(void *unused) {
    (void)unused;
    for (;;) {
        wait_for(1);
        if (atomic_load_explicit(&stop, memory_order_relaxed)) return NULL;
        pass_to(0);
    }
}

/* Round trips for at most n of them or `budget` ns, whichever is first
 * (under load a yield can cost a whole time slice): ns per round trip. */
static double one(int futex, long n, int64_t budget) {
    use_futex = futex;
    atomic_store(&turn, 0);
    atomic_store(&stop, 0);
    pthread_t t;
    if (pthread_create(&t, NULL, pong, NULL) != 0) bench_fail("floor", "pthread_create");
    int64_t t0 = bench_now(), ns = 0;
    long i = 0;
    while (i < n) {
        pass_to(1);
        wait_for(0);
        i++;
        if ((i & 63) == 0 && (ns = bench_now() - t0) > budget) break;
    }
    ns = bench_now() - t0;
    atomic_store(&stop, 1);       /* ordered before the pass by its release */
    pass_to(1);
    pthread_join(t, NULL);
    return (double)ns / (double)i;
}

static void floor_of(const char *name, int futex, long n) {
    double best = 1e300;
    for (int r = 0; r < 3; r++) {
        double per = one(futex, n, 500 * 1000 * 1000);
        if (per < best) best = per;
    }
    printf("%s %.2f %.0f\n", name, best, 1e9 / best);
    fflush(stdout);
}

int main(int argc, char **argv) {
    long scale = argc > 1 ? atol(argv[1]) : 1;
    if (scale < 1) scale = 1;
    floor_of("floor_futex_pingpong", 1, 200000 / scale);
    floor_of("floor_yield_pingpong", 0, 200000 / scale);
    return 0;
}
