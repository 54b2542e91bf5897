/* 16_cron: a cron-like scheduler: first run at a given time, then every
 * period, stopped through its context.
 *
 * From the notes on scheduling work at a time and on a period:
 *
 *     func schedule(ctx context.Context, first time.Time, period time.Duration, job func()) {
 *         t := time.NewTimer(time.Until(first))
 *         defer t.Stop()
 *         select {
 *         case <-t.C:
 *         case <-ctx.Done(): return
 *         }
 *         job()
 *         tk := time.NewTicker(period)
 *         defer tk.Stop()
 *         for {
 *             select {
 *             case <-tk.C:       job()
 *             case <-ctx.Done(): return
 *             }
 *         }
 *     }
 *
 * The job runs on the scheduler's thread, so a slow run delays the next
 * one instead of overlapping it; the ticker drops the ticks it missed
 * rather than running the job several times in a row to catch up.
 * Canceling the context (or its deadline) stops the schedule at once,
 * even in the middle of the first wait. Times here are goc_now()'s
 * monotonic clock; a wall-clock time ("at 03:00") becomes a delay first.
 */
#define GOC_IMPLEMENTATION
#include "context.h"
#include "check.h"

enum { MAX_RUNS = 64 };
#define PERIOD (20 * GOC_MILLISECOND)

struct schedule {
    goc_ctx *ctx;
    int64_t first;                       /* goc_now() time of the first run */
    goc_duration period;
    const char *name;
    int64_t runs[MAX_RUNS];              /* when the job ran */
    int nruns;
};

static void job(struct schedule *s) {
    if (s->nruns < MAX_RUNS) s->runs[s->nruns++] = goc_now();
}

static void schedule(void *arg) {
    struct schedule *s = arg;
    goc_chan *done = goc_ctx_done(s->ctx);
    goc_timer *t = goc_timer_new(s->first - goc_now());   /* time.Until(first) */
    CHECK(t != NULL);
    goc_case wait[2] = { goc_recv_case(goc_timer_chan(t), NULL), goc_recv_case(done, NULL) };
    int k = goc_select(wait, 2);
    goc_timer_free(t);
    if (k == 1) goto out;                            /* case <-ctx.Done() */
    job(s);
    goc_ticker *tk = goc_ticker_new(s->period);
    CHECK(tk != NULL);
    for (;;) {
        goc_case cs[2] = { goc_recv_case(goc_ticker_chan(tk), NULL), goc_recv_case(done, NULL) };
        if (goc_select(cs, 2) == 1) break;
        job(s);
    }
    goc_ticker_free(tk);
out:
    goc_ctx_free(s->ctx);                            /* the schedule's reference */
}

static void start(goc_waitgroup *wg, struct schedule *s, goc_ctx *ctx, int64_t first, const char *name) {
    *s = (struct schedule){ .ctx = ctx, .first = first, .period = PERIOD, .name = name };
    goc_ctx_retain(ctx);
    CHECK(goc_wg_go(wg, schedule, s) == GOC_OK);
}

int main(void) {
    goc_waitgroup wg = {0};
    int64_t now = goc_now();
    /* Stopped by a deadline: first run in 30 ms, then every 20 ms, for 125 ms. */
    goc_ctx *app = goc_ctx_with_timeout(goc_ctx_background(), 125 * GOC_MILLISECOND);
    /* Stopped by a cancel before its first run was due. */
    goc_ctx *never = goc_ctx_with_cancel(app);
    CHECK(app && never);
    struct schedule a, b;
    start(&wg, &a, app, now + 30 * GOC_MILLISECOND, "report");
    start(&wg, &b, never, now + GOC_SECOND, "backup");
    goc_sleep(10 * GOC_MILLISECOND);
    goc_ctx_cancel(never);
    goc_wg_wait(&wg);

    printf("%s: %d runs, at", a.name, a.nruns);
    for (int i = 0; i < a.nruns; i++) printf(" %lld", (long long)((a.runs[i] - now) / GOC_MILLISECOND));
    printf(" ms; then %s\n", goc_strerror(goc_ctx_err(app)));
    printf("%s: %d runs; %s before its first run\n", b.name, b.nruns, goc_strerror(goc_ctx_err(never)));
    CHECK(a.nruns >= 2 && a.nruns <= 5 && b.nruns == 0);
    CHECK(a.runs[0] >= a.first);
    for (int i = 1; i < a.nruns; i++) CHECK(a.runs[i] >= a.runs[0] + i * PERIOD);
    CHECK(goc_ctx_err(app) == GOC_DEADLINE && goc_ctx_err(never) == GOC_CANCELED);
    goc_ctx_free(never);
    goc_ctx_free(app);
    return 0;
}
