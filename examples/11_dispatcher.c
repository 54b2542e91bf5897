/* 11_dispatcher: the two-tier dispatcher: a job queue and a pool of worker channels.
 *
 * "Handling 1 Million Requests per Minute with Go" (Marcio Castilho):
 *
 *     var JobQueue chan Job                  // tier 1: every incoming job
 *     type Worker struct {
 *         WorkerPool chan chan Job           // tier 2: idle workers' own channels
 *         JobChannel chan Job
 *         quit       chan bool
 *     }
 *     func (w Worker) Start() {
 *         go func() {
 *             for {
 *                 w.WorkerPool <- w.JobChannel   // register: "I am idle"
 *                 select {
 *                 case job := <-w.JobChannel: job.Payload.UploadToS3()
 *                 case <-w.quit: return
 *                 }
 *             }
 *         }()
 *     }
 *     func (d *Dispatcher) dispatch() {
 *         for job := range JobQueue {
 *             go func(job Job) {
 *                 jobChannel := <-d.WorkerPool   // wait for an idle worker
 *                 jobChannel <- job              // hand it the job
 *             }(job)
 *         }
 *     }
 *
 * A job goes to a worker that has said it is idle, so a slow job never
 * holds up the others behind it. One change for threads: Go's dispatcher
 * starts a goroutine per job so that it never blocks; with threads, that
 * would mean a thread per waiting job. Here the dispatcher waits for an
 * idle worker itself, and the bounded JobQueue pushes back on producers.
 */
#define GOC_IMPLEMENTATION
#include "pool.h"
#include "check.h"

enum { WORKERS = 4, PRODUCERS = 2, JOBS_EACH = 10000 };

typedef struct { long id; long payload; } job;

static goc_chan *job_queue;              /* chan Job, cap 64 */
static goc_chan *worker_pool;            /* chan chan Job, cap WORKERS */
static goc_chan *quit;                   /* closed: workers return */
static goc_atomic_i64 done_jobs, done_sum;

struct worker { goc_chan *jobs; long handled; };

static void worker_run(void *arg) {
    struct worker *w = arg;
    for (;;) {
        goc_chan_send(worker_pool, &w->jobs);        /* WorkerPool <- JobChannel */
        job j;
        goc_case cs[2] = { goc_recv_case(w->jobs, &j), goc_recv_case(quit, NULL) };
        if (goc_select(cs, 2) == 1) return;          /* case <-w.quit */
        goc_atomic_i64_add(&done_sum, j.payload * 2);   /* the work */
        goc_atomic_i64_add(&done_jobs, 1);
        w->handled++;
    }
}

static void dispatch(void *arg) {
    (void)arg;
    job j;
    while (goc_chan_recv(job_queue, &j) == GOC_OK) { /* for job := range JobQueue */
        goc_chan *idle;
        goc_chan_recv(worker_pool, &idle);           /* jobChannel := <-d.WorkerPool */
        goc_chan_send(idle, &j);                     /* jobChannel <- job */
    }
}

static void produce(void *arg) {
    long first = (long)(intptr_t)arg * JOBS_EACH;
    for (long i = first; i < first + JOBS_EACH; i++) {
        job j = { i, i };
        CHECK(goc_chan_send(job_queue, &j) == GOC_OK);
    }
}

int main(void) {
    job_queue = goc_chan_make(sizeof(job), 64);
    worker_pool = goc_chan_make(sizeof(goc_chan *), WORKERS);
    quit = goc_chan_make(0, 0);
    CHECK(job_queue && worker_pool && quit);

    goc_waitgroup workers = {0}, dispatcher = {0}, producers = {0};
    struct worker w[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        w[i] = (struct worker){ goc_chan_make(sizeof(job), 0), 0 };
        CHECK(w[i].jobs != NULL);
        CHECK(goc_wg_go(&workers, worker_run, &w[i]) == GOC_OK);
    }
    CHECK(goc_wg_go(&dispatcher, dispatch, NULL) == GOC_OK);
    for (int p = 0; p < PRODUCERS; p++)
        CHECK(goc_wg_go(&producers, produce, (void *)(intptr_t)p) == GOC_OK);

    goc_wg_wait(&producers);
    goc_chan_close(job_queue);           /* no more jobs: the dispatcher drains and returns */
    goc_wg_wait(&dispatcher);            /* every job is in a worker's hands now */
    goc_chan_close(quit);                /* workers finish their job, then return */
    goc_wg_wait(&workers);

    long total = 0, n = (long)PRODUCERS * JOBS_EACH;
    for (int i = 0; i < WORKERS; i++) {
        printf("worker %d handled %ld jobs\n", i, w[i].handled);
        total += w[i].handled;
        goc_chan_free(w[i].jobs);
    }
    printf("%ld jobs dispatched to %d workers, %lld done\n", n, WORKERS,
           (long long)goc_atomic_i64_load(&done_jobs));
    CHECK(total == n && goc_atomic_i64_load(&done_jobs) == n);
    CHECK(goc_atomic_i64_load(&done_sum) == n * (n - 1));   /* 2 * (0 + 1 + ... + n-1) */
    goc_chan_free(job_queue);
    goc_chan_free(worker_pool);
    goc_chan_free(quit);
    return 0;
}
