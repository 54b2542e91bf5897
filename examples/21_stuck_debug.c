/* 21_stuck_debug: a program that hangs, and GOC_DEBUG saying why.
 *
 * Go prints every goroutine's stack when a program is stuck (SIGQUIT, or
 * "all goroutines are asleep - deadlock!"). goc's answer: build with
 * GOC_DEBUG (where the implementation is compiled) and call
 * goc_debug_dump(stdout): it lists every operation that is blocked - which
 * primitive, which operation, the channel's name (goc_chan_set_name), and
 * for how long. Run a program with GOC_DEBUG_WARN=2 in the environment and
 * any operation blocked longer than 2 s is reported on stderr by itself.
 *
 * The bug here is a classic one: the workers send their results on an
 * unbuffered channel, and main waits for the workers to finish before it
 * reads any result, so the workers wait for main and main for them:
 *
 *     for _, j := range jobs { jobsCh <- j }
 *     close(jobsCh)
 *     wg.Wait()                    // stuck: nobody reads results yet
 *     for r := range results { ... }
 *
 * The dump shows both workers blocked in a send on 'results'. The fix -
 * read the results while the workers run - ends the program.
 */
#define GOC_DEBUG
#define GOC_IMPLEMENTATION
#include "pool.h"
#include "check.h"
#include <string.h>

static goc_chan *jobs, *results;

static void worker(void *arg) {
    (void)arg;
    int j;
    while (goc_chan_recv(jobs, &j) == GOC_OK) {
        int r = j * j;
        goc_chan_send(results, &r);          /* waits for a reader */
    }
}

int main(void) {
    jobs = goc_chan_make(sizeof(int), 8);
    results = goc_chan_make(sizeof(int), 0);
    goc_chan_set_name(jobs, "jobs");
    goc_chan_set_name(results, "results");
    goc_waitgroup wg = {0};
    for (int i = 0; i < 2; i++) CHECK(goc_wg_go(&wg, worker, NULL) == GOC_OK);
    for (int j = 1; j <= 4; j++) CHECK(goc_chan_send(jobs, &j) == GOC_OK);
    goc_chan_close(jobs);

    /* The bug: wait before reading. A real program would hang here; this
     * one gives up after half a second and asks goc what is blocked. */
    if (goc_wg_wait_timeout(&wg, 500 * GOC_MILLISECOND) == GOC_TIMEOUT) {
        printf("stuck for 0.5 s; goc_debug_dump says:\n");
        FILE *f = tmpfile();
        CHECK(f != NULL);
        goc_debug_dump(f);
        char dump[2048] = "";
        rewind(f);
        size_t n = fread(dump, 1, sizeof dump - 1, f);
        dump[n] = 0;
        fclose(f);
        fputs(dump, stdout);
        /* both workers, in a send on 'results' */
        char *first = strstr(dump, "chan send on");
        CHECK(first && strstr(first, "'results'"));
        CHECK(strstr(first + 1, "chan send on") != NULL);
    }

    /* The fix: read the results; the workers finish. */
    int sum = 0, r;
    for (int k = 0; k < 4; k++) {
        CHECK(goc_chan_recv(results, &r) == GOC_OK);
        sum += r;
    }
    goc_wg_wait(&wg);
    printf("reading the results unblocked them: sum of squares %d\n", sum);
    CHECK(sum == 1 + 4 + 9 + 16);
    goc_chan_free(jobs);
    goc_chan_free(results);
    return 0;
}
