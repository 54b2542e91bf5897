/* 07_select_timeout: select over channels that become ready at different
 * times; select with a timeout.
 *
 * The classic pair from "Go by Example" (Select; Timeouts):
 *
 *     go func() { time.Sleep(1 * time.Second); c1 <- "one" }()
 *     go func() { time.Sleep(2 * time.Second); c2 <- "two" }()
 *     for i := 0; i < 2; i++ {
 *         select {
 *         case msg1 := <-c1: fmt.Println("received", msg1)
 *         case msg2 := <-c2: fmt.Println("received", msg2)
 *         }
 *     }
 *
 *     select {
 *     case res := <-c1: fmt.Println(res)
 *     case <-time.After(1 * time.Second): fmt.Println("timeout 1")
 *     }
 *
 * Both sleeps run at once, so the loop takes as long as the longer one,
 * not their sum. A timeout is just one more case: time.After's channel
 * (goc_after), or goc_select_timeout, which needs no channel at all.
 * The delays here are shorter than Go by Example's.
 */
#define GOC_IMPLEMENTATION
#include "timer.h"
#include "check.h"
#include <string.h>

typedef struct { char s[16]; } msg;

struct delayed { goc_duration delay; goc_chan *c; const char *text; };

static void send_later(void *arg) {
    struct delayed *d = arg;
    goc_sleep(d->delay);
    msg m;
    snprintf(m.s, sizeof m.s, "%s", d->text);
    goc_chan_send(d->c, &m);             /* buffered (cap 1): never stuck if nobody listens */
    goc_chan_free(d->c);                 /* the reference go_later gave us */
}

/* go func() { time.Sleep(delay); c <- text }(): the task gets its own
   reference on c (it may still be leaving goc_chan_send when the receiver
   frees its own); main waits for the tasks before it returns. */
static goc_waitgroup senders;
static void go_later(struct delayed *d) {
    goc_chan_retain(d->c);
    CHECK(goc_wg_go(&senders, send_later, d) == GOC_OK);
}

int main(void) {
    goc_chan *c1 = goc_chan_make(sizeof(msg), 1), *c2 = goc_chan_make(sizeof(msg), 1);
    CHECK(c1 && c2);
    int64_t start = goc_now();
    struct delayed one = { 50 * GOC_MILLISECOND, c1, "one" }, two = { 200 * GOC_MILLISECOND, c2, "two" };
    go_later(&one);
    go_later(&two);

    char order[2][16];
    for (int i = 0; i < 2; i++) {
        msg m1, m2;
        goc_case cs[2] = { goc_recv_case(c1, &m1), goc_recv_case(c2, &m2) };
        int k = goc_select(cs, 2);
        printf("received %s\n", k == 0 ? m1.s : m2.s);
        snprintf(order[i], sizeof order[i], "%s", k == 0 ? m1.s : m2.s);
    }
    int64_t took = goc_now() - start;
    printf("both in %lld ms (the longer delay, not the sum)\n", (long long)(took / GOC_MILLISECOND));
    CHECK(strcmp(order[0], "one") == 0 && strcmp(order[1], "two") == 0);
    CHECK(took >= 200 * GOC_MILLISECOND);

    /* A result that takes 200 ms, awaited for 50 ms through time.After. */
    struct delayed slow = { 200 * GOC_MILLISECOND, c1, "result 1" };
    go_later(&slow);
    msg res;
    goc_chan *after = goc_after(50 * GOC_MILLISECOND);  /* time.After(50 * time.Millisecond) */
    CHECK(after != NULL);
    goc_case cs[2] = { goc_recv_case(c1, &res), goc_recv_case(after, NULL) };
    int k = goc_select(cs, 2);
    printf("%s\n", k == 0 ? res.s : "timeout 1");
    CHECK(k == 1);
    goc_chan_free(after);

    /* A result that takes 20 ms, awaited for up to 2 s: no timer channel needed. */
    struct delayed quick = { 20 * GOC_MILLISECOND, c2, "result 2" };
    go_later(&quick);
    goc_case cs2[1] = { goc_recv_case(c2, &res) };
    k = goc_select_timeout(cs2, 1, 2 * GOC_SECOND);
    printf("%s\n", k == 0 ? res.s : "timeout 2");
    CHECK(k == 0 && strcmp(res.s, "result 2") == 0);

    CHECK(goc_chan_recv(c1, &res) == GOC_OK);  /* the slow result still arrives; nobody lost it */
    CHECK(strcmp(res.s, "result 1") == 0);
    goc_chan_free(c1);
    goc_chan_free(c2);
    goc_wg_wait(&senders);
    return 0;
}
