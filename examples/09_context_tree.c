/* 09_context_tree: a context tree A -> B -> C canceled from the top; a deadline.
 *
 * From the context notes the examples were started from:
 *
 *     ctxA, cancelA := context.WithCancel(context.Background())
 *     ctxB, _ := context.WithCancel(ctxA)
 *     ctxC, _ := context.WithTimeout(ctxB, time.Hour)
 *     go work(ctxA, "A"); go work(ctxB, "B"); go work(ctxC, "C")
 *     cancelA()          // A, B and C all see <-ctx.Done()
 *
 *     func work(ctx context.Context, name string) {
 *         for {
 *             select {
 *             case <-ctx.Done(): fmt.Println(name, ctx.Err()); return
 *             default:           // one more step of work
 *             }
 *         }
 *     }
 *
 * Canceling a context cancels its descendants, never its ancestors. A
 * deadline is a cancellation the timer thread makes. In C every context is
 * reference counted: each worker gets its own reference, and the creator
 * frees its own.
 */
#define GOC_IMPLEMENTATION
#include "context.h"
#include "check.h"

struct worker { goc_ctx *ctx; const char *name; long steps; int err; };

static void work(void *arg) {
    struct worker *w = arg;
    for (;;) {
        goc_case cs[1] = { goc_recv_case(goc_ctx_done(w->ctx), NULL) };
        /* select { case <-ctx.Done(): ... case <-time.After(1 ms): one more step } */
        if (goc_select_timeout(cs, 1, GOC_MILLISECOND) == 0) break;
        w->steps++;
    }
    w->err = goc_ctx_err(w->ctx);
    goc_ctx_free(w->ctx);                            /* this worker's reference */
}

static void start(goc_waitgroup *wg, struct worker *w, goc_ctx *ctx, const char *name) {
    *w = (struct worker){ ctx, name, 0, GOC_OK };
    goc_ctx_retain(ctx);                             /* one reference for the worker */
    CHECK(goc_wg_go(wg, work, w) == GOC_OK);
}

int main(void) {
    goc_waitgroup wg = {0};
    goc_ctx *a = goc_ctx_with_cancel(goc_ctx_background());
    goc_ctx *b = goc_ctx_with_cancel(a);
    goc_ctx *c = goc_ctx_with_timeout(b, 3600 * GOC_SECOND);
    goc_ctx *d = goc_ctx_with_cancel(b);             /* a sibling of C */
    CHECK(a && b && c && d);
    struct worker wa, wb, wc, wd;
    start(&wg, &wa, a, "A");
    start(&wg, &wb, b, "B");
    start(&wg, &wc, c, "C");
    start(&wg, &wd, d, "D");

    goc_sleep(20 * GOC_MILLISECOND);
    goc_ctx_cancel(d);                               /* a leaf: only D ends */
    goc_sleep(5 * GOC_MILLISECOND);
    CHECK(goc_ctx_err(a) == GOC_OK && goc_ctx_err(b) == GOC_OK && goc_ctx_err(c) == GOC_OK);
    printf("canceled D: A, B and C still run\n");
    goc_ctx_cancel(a);                               /* cancelA() */
    goc_wg_wait(&wg);
    struct worker *all[4] = { &wa, &wb, &wc, &wd };
    for (int i = 0; i < 4; i++) {
        printf("  %s: %s after %ld steps\n", all[i]->name, goc_strerror(all[i]->err), all[i]->steps);
        CHECK(all[i]->err == GOC_CANCELED);
    }
    goc_ctx_free(d);
    goc_ctx_free(c);
    goc_ctx_free(b);
    goc_ctx_free(a);

    /* A deadline: work that would take 1 s, given 50 ms. */
    int64_t start_ns = goc_now();
    goc_ctx *ctx = goc_ctx_with_timeout(goc_ctx_background(), 50 * GOC_MILLISECOND);
    CHECK(ctx != NULL);
    int64_t deadline;
    CHECK(goc_ctx_deadline(ctx, &deadline));
    goc_chan *slow_result = goc_after(GOC_SECOND);
    CHECK(slow_result != NULL);
    goc_case cs[2] = { goc_recv_case(slow_result, NULL), goc_recv_case(goc_ctx_done(ctx), NULL) };
    int k = goc_select(cs, 2);
    int64_t took = goc_now() - start_ns;
    printf("with a 50 ms timeout: %s after %lld ms\n", k == 1 ? goc_strerror(goc_ctx_err(ctx)) : "done",
           (long long)(took / GOC_MILLISECOND));
    CHECK(k == 1 && goc_ctx_err(ctx) == GOC_DEADLINE);
    CHECK(goc_now() >= deadline && took >= 50 * GOC_MILLISECOND);
    goc_chan_free(slow_result);
    goc_ctx_free(ctx);
    return 0;
}
