/* 12_limit_workers: limiting concurrency with an unbuffered channel and a WaitGroup.
 *
 * From the notes on limiting the number of goroutines: rather than one
 * goroutine per task (a million tasks, a million goroutines), start a
 * fixed number of workers that range over an unbuffered channel, feed the
 * tasks into it, close it, and wait.
 *
 *     ch := make(chan int)              // unbuffered: a send waits for a free worker
 *     var wg sync.WaitGroup
 *     for i := 0; i < workers; i++ {
 *         wg.Add(1)
 *         go func() {
 *             defer wg.Done()
 *             for t := range ch { do(t) }
 *         }()
 *     }
 *     for i := 0; i < tasks; i++ { ch <- i }
 *     close(ch)
 *     wg.Wait()
 *
 * The unbuffered channel is the limit: the feeder cannot run ahead of the
 * workers, and never more than `workers` tasks run at once.
 */
#define GOC_IMPLEMENTATION
#include "pool.h"
#include "timer.h"
#include "check.h"

enum { WORKERS = 3, TASKS = 300 };

static goc_chan *ch;
static goc_atomic_i64 running, max_running, done, sum;

static void do_task(int t) {
    int64_t now = goc_atomic_i64_add(&running, 1), m = goc_atomic_i64_load(&max_running);
    while (now > m && !goc_atomic_i64_cas(&max_running, m, now)) m = goc_atomic_i64_load(&max_running);
    goc_sleep(100 * GOC_MICROSECOND);                /* the work */
    goc_atomic_i64_add(&sum, t);
    goc_atomic_i64_add(&done, 1);
    goc_atomic_i64_add(&running, -1);
}

static void worker(void *arg) {
    (void)arg;
    int t;
    while (goc_chan_recv(ch, &t) == GOC_OK) do_task(t);   /* for t := range ch */
}

int main(void) {
    ch = goc_chan_make(sizeof(int), 0);
    CHECK(ch != NULL);
    goc_waitgroup wg = {0};
    for (int i = 0; i < WORKERS; i++) CHECK(goc_wg_go(&wg, worker, NULL) == GOC_OK);
    for (int i = 0; i < TASKS; i++) goc_chan_send(ch, &i);
    goc_chan_close(ch);
    goc_wg_wait(&wg);

    printf("%lld tasks done by %d workers, at most %lld at once\n", (long long)goc_atomic_i64_load(&done),
           WORKERS, (long long)goc_atomic_i64_load(&max_running));
    CHECK(goc_atomic_i64_load(&done) == TASKS);
    CHECK(goc_atomic_i64_load(&sum) == (int64_t)TASKS * (TASKS - 1) / 2);
    CHECK(goc_atomic_i64_load(&max_running) <= WORKERS);
    goc_chan_free(ch);
    return 0;
}
