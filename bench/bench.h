/* Shared benchmark plumbing: timing, a start barrier, result lines.
 * Each workload prints one line, "<workload> <ns_per_op> <ops_per_sec>"
 * (docs/benchmarks.md), and exits non-zero if its own check of the result fails. */
#ifndef GOC_BENCH_H
#define GOC_BENCH_H
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int g_goc;            /* 1: goc, 0: the pthread/libc peer */
static long g_scale = 1;     /* divides every workload's size, for quick runs */

/* argv: goc|pthread [scale [workload]]. Sets g_goc and g_scale; returns the
 * filter (a workload runs when its name contains it; "" runs all), or NULL
 * after printing the usage. */
static inline const char *bench_args(int argc, char **argv) {
    if (argc < 2 || (strcmp(argv[1], "goc") && strcmp(argv[1], "pthread"))) {
        fprintf(stderr, "usage: %s goc|pthread [scale [workload]]\n", argv[0]);
        return NULL;
    }
    g_goc = strcmp(argv[1], "goc") == 0;
    if (argc > 2) g_scale = atol(argv[2]) > 0 ? atol(argv[2]) : 1;
    return argc > 3 ? argv[3] : "";
}

static inline int64_t bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Threads start together: each waits until all have arrived. The clock
 * starts when the last one arrives: a timer read after the wait could come
 * after the workers had already run (the main thread may be descheduled
 * right after the release; freelist_getput at 1/10 size once reported
 * 0.00 ns an op that way). */
typedef struct bench_start {
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    int             arrived, need;
    int64_t         t0;          /* when the last party arrived */
} bench_start;

static inline void bench_start_init(bench_start *s, int need) {
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->arrived = 0;
    s->need = need;
}

/* Returns the start time (the same for every party). */
static inline int64_t bench_start_wait(bench_start *s) {
    pthread_mutex_lock(&s->mu);
    if (++s->arrived == s->need) {
        s->t0 = bench_now();
        pthread_cond_broadcast(&s->cv);
    }
    while (s->arrived < s->need) pthread_cond_wait(&s->cv, &s->mu);
    int64_t t0 = s->t0;
    pthread_mutex_unlock(&s->mu);
    return t0;
}

static inline void bench_report(const char *workload, int64_t ns, int64_t ops) {
    double per = (double)ns / (double)ops;
    printf("%s %.2f %.0f\n", workload, per, 1e9 / per);
    fflush(stdout);
}

static inline void bench_fail(const char *workload, const char *what) {
    fprintf(stderr, "%s: WRONG RESULT: %s\n", workload, what);
    exit(1);
}

/* Run fn `reps` times and keep the fastest (the machine is noisy). */
#define BENCH_BEST_OF(reps, ns_var, body) do {                      \
        int64_t best_ = INT64_MAX;                                  \
        for (int r_ = 0; r_ < (reps); r_++) {                       \
            int64_t t0_ = bench_now();                              \
            body;                                                   \
            int64_t d_ = bench_now() - t0_;                         \
            if (d_ < best_) best_ = d_;                             \
        }                                                           \
        ns_var = best_;                                             \
    } while (0)
#endif
