/* 04_chan_of_chans: each request carries its own reply channel.
 *
 * Effective Go, "Channels of channels": a channel is a first-class value,
 * so a client can send the server the channel on which to answer it.
 *
 *     type Request struct {
 *         args        []int
 *         f           func([]int) int
 *         resultChan  chan int
 *     }
 *     request := &Request{[]int{3, 4, 5}, sum, make(chan int)}
 *     clientRequests <- request           // send request
 *     fmt.Printf("answer: %d\n", <-request.resultChan)
 *
 *     func handle(queue chan *Request) {  // on the server side
 *         for req := range queue {
 *             req.resultChan <- req.f(req.args)
 *         }
 *     }
 *
 * There is nothing in this code that needs locking: the server never
 * mixes up replies, because each one goes back on the channel that came
 * with its request. In C the request travels by pointer, and there is no
 * garbage collector: the client hands the server a reference on the reply
 * channel along with the request (goc_chan_retain), and each side drops
 * its own (goc_chan_free), so whichever finishes last frees the channel.
 */
#define GOC_IMPLEMENTATION
#include "pool.h"
#include "check.h"

enum { SERVERS = 2, CLIENTS = 4, CALLS = 500 };

struct request {
    const int *args;
    size_t nargs;
    long (*f)(const int *args, size_t n);
    goc_chan *result;                                 /* chan long */
};

static goc_chan *client_requests;                    /* chan *Request */

static long sum(const int *a, size_t n) { long s = 0; for (size_t i = 0; i < n; i++) s += a[i]; return s; }
static long product(const int *a, size_t n) { long p = 1; for (size_t i = 0; i < n; i++) p *= a[i]; return p; }

static void handle(void *arg) {
    (void)arg;
    struct request *req;
    while (goc_chan_recv(client_requests, &req) == GOC_OK) {   /* for req := range queue */
        goc_chan *reply = req->result;       /* req lives on the client's stack: */
        long answer = req->f(req->args, req->nargs);   /* done with it before we answer */
        goc_chan_send(reply, &answer);                           /* req.resultChan <- ... */
        goc_chan_free(reply);                                    /* the server's reference */
    }
}

static void client(void *arg) {
    long id = (long)(intptr_t)arg, wrong = 0;
    for (int i = 0; i < CALLS; i++) {
        int args[3] = { (int)id, i, 3 };
        struct request req = { args, 3, (i & 1) ? product : sum, goc_chan_make(sizeof(long), 1) };
        CHECK(req.result != NULL);
        goc_chan_retain(req.result);                             /* the server's reference */
        struct request *p = &req;
        goc_chan_send(client_requests, &p);                      /* clientRequests <- request */
        long answer;
        goc_chan_recv(req.result, &answer);                      /* <-request.resultChan */
        if (answer != req.f(args, 3)) wrong++;
        goc_chan_free(req.result);                               /* ours */
    }
    CHECK(wrong == 0);
}

int main(void) {
    client_requests = goc_chan_make(sizeof(struct request *), 0);
    CHECK(client_requests != NULL);
    goc_waitgroup servers = {0}, clients = {0};
    for (int i = 0; i < SERVERS; i++) CHECK(goc_wg_go(&servers, handle, NULL) == GOC_OK);
    for (long c = 0; c < CLIENTS; c++) CHECK(goc_wg_go(&clients, client, (void *)(intptr_t)c) == GOC_OK);
    goc_wg_wait(&clients);
    goc_chan_close(client_requests);
    goc_wg_wait(&servers);
    goc_chan_free(client_requests);

    /* Effective Go's own request, answered by a server started for it. */
    goc_waitgroup one = {0};
    client_requests = goc_chan_make(sizeof(struct request *), 0);
    CHECK(client_requests && goc_wg_go(&one, handle, NULL) == GOC_OK);
    int args[3] = { 3, 4, 5 };
    struct request request = { args, 3, sum, goc_chan_make(sizeof(long), 1) }, *p = &request;
    CHECK(request.result != NULL);
    goc_chan_retain(request.result);
    goc_chan_send(client_requests, &p);
    long answer = 0;
    goc_chan_recv(request.result, &answer);
    goc_chan_free(request.result);
    goc_chan_close(client_requests);
    goc_wg_wait(&one);
    goc_chan_free(client_requests);
    printf("answer: %ld\n", answer);
    printf("%d clients made %d calls each through %d servers; every reply came back on its own channel\n",
           CLIENTS, CALLS, SERVERS);
    CHECK(answer == 12);
    return 0;
}
