/* demo: goc in ten seconds.
 *
 * A burst of 6,000 jobs goes through a worker pool (8 threads, a queue of
 * 64: the producer blocks while it is full). Every job runs under a
 * context: its own 20 ms timeout, under the whole run's context. A few
 * jobs are slow and hit their timeout. After 2 s an AfterFunc timer
 * cancels the run: the jobs still queued see the cancel and skip. A ticker
 * redraws the progress line every 100 ms. At the end the counts must add
 * up: every job submitted is done, timed out or canceled, exactly once.
 *
 *     make demo
 */
#define _DEFAULT_SOURCE
#define GOC_IMPLEMENTATION
#include "context.h"
#include "check.h"
#include <unistd.h>

enum { JOBS = 6000, WORKERS = 8, QUEUE = 64, BAR = 40 };
#define JOB_TIMEOUT (20 * GOC_MILLISECOND)
#define CANCEL_AT (2 * GOC_SECOND)

static goc_ctx *run;                     /* the whole run; canceled at CANCEL_AT */
static goc_atomic_i64 done, timed_out, canceled, started;

struct job { goc_duration work; };
static struct job jobs[JOBS];

static void run_job(void *arg) {
    struct job *j = arg;
    if (goc_ctx_err(run) != GOC_OK) {            /* canceled while queued: skip */
        goc_atomic_i64_add(&canceled, 1);
        return;
    }
    goc_atomic_i64_add(&started, 1);
    goc_ctx *ctx = goc_ctx_with_timeout(run, JOB_TIMEOUT);
    goc_chan *work = goc_after(j->work);         /* the "work": a wait of j->work */
    CHECK(ctx && work);
    goc_case cs[2] = { goc_recv_case(work, NULL), goc_recv_case(goc_ctx_done(ctx), NULL) };
    if (goc_select(cs, 2) == 0) goc_atomic_i64_add(&done, 1);
    else if (goc_ctx_err(ctx) == GOC_DEADLINE) goc_atomic_i64_add(&timed_out, 1);
    else goc_atomic_i64_add(&canceled, 1);       /* the run was canceled mid-job */
    goc_chan_free(work);
    goc_ctx_free(ctx);
}

static void cancel_run(void *arg) { (void)arg; goc_ctx_cancel(run); }

struct producer { goc_workers *pool; goc_atomic_i64 submitted; };   /* read by the progress line */
static void produce(void *arg) {
    struct producer *p = arg;
    for (int i = 0; i < JOBS; i++)
        if (goc_workers_submit(p->pool, run_job, &jobs[i]) == GOC_OK) goc_atomic_i64_add(&p->submitted, 1);
}

static void progress(long submitted, bool tty, int64_t start) {
    long d = (long)goc_atomic_i64_load(&done), t = (long)goc_atomic_i64_load(&timed_out),
         c = (long)goc_atomic_i64_load(&canceled);
    int fill = (int)((d + t + c) * BAR / JOBS);
    char bar[BAR + 1];
    for (int i = 0; i < BAR; i++) bar[i] = i < fill ? '#' : '.';
    bar[BAR] = 0;
    printf("%s%5.2fs [%s] submitted %4ld  done %4ld  timed out %3ld  canceled %4ld%s",
           tty ? "\r" : "", (double)(goc_now() - start) / GOC_SECOND, bar, submitted, d, t, c,
           tty ? "" : "\n");
    fflush(stdout);
}

int main(void) {
    unsigned seed = 2026;
    int slow = 0;
    for (int i = 0; i < JOBS; i++) {             /* 2-6 ms of work; 2% need 50 ms */
        seed = seed * 1103515245u + 12345u;
        bool is_slow = (seed >> 8) % 50 == 0;
        slow += is_slow;
        jobs[i].work = is_slow ? 50 * GOC_MILLISECOND : (2 + (goc_duration)((seed >> 12) % 5)) * GOC_MILLISECOND;
    }
    bool tty = isatty(STDOUT_FILENO);
    printf("goc demo: %d jobs through %d workers (queue %d), each with a %d ms timeout;\n"
           "%d of them are slow (50 ms); the whole run is canceled after %.1f s.\n\n",
           JOBS, WORKERS, QUEUE, (int)(JOB_TIMEOUT / GOC_MILLISECOND), slow, (double)CANCEL_AT / GOC_SECOND);

    run = goc_ctx_with_cancel(goc_ctx_background());
    goc_workers *pool = goc_workers_new(WORKERS, QUEUE);
    goc_timer *cancel = goc_after_func(CANCEL_AT, cancel_run, NULL);
    goc_ticker *tick = goc_ticker_new(tty ? 100 * GOC_MILLISECOND : 500 * GOC_MILLISECOND);
    CHECK(run && pool && cancel && tick);
    int64_t start = goc_now();
    struct producer p = { .pool = pool };
    goc_waitgroup producing = {0};
    CHECK(goc_wg_go(&producing, produce, &p) == GOC_OK);

    /* Redraw on every tick until the pool has run every job. */
    while (goc_wg_wait_timeout(&producing, 0) == GOC_TIMEOUT || goc_workers_wait_timeout(pool, 0) == GOC_TIMEOUT) {
        goc_chan_recv(goc_ticker_chan(tick), NULL);
        progress((long)goc_atomic_i64_load(&p.submitted), tty, start);
    }
    if (tty) progress((long)goc_atomic_i64_load(&p.submitted), tty, start);
    printf("\n%s", tty ? "\n" : "");
    goc_ticker_free(tick);
    goc_timer_free(cancel);
    goc_workers_free(pool);

    long d = (long)goc_atomic_i64_load(&done), t = (long)goc_atomic_i64_load(&timed_out),
         c = (long)goc_atomic_i64_load(&canceled);
    printf("run ended: %s\n", goc_strerror(goc_ctx_err(run)));
    long submitted = (long)goc_atomic_i64_load(&p.submitted);
    printf("submitted %ld = done %ld + timed out %ld + canceled %ld  %s\n", submitted, d, t, c,
           submitted == d + t + c ? "(adds up)" : "(DOES NOT ADD UP)");
    CHECK(submitted == JOBS && d + t + c == JOBS);
    CHECK(goc_ctx_err(run) == GOC_CANCELED && t > 0);
    goc_ctx_free(run);
    return 0;
}
