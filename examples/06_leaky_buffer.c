/* 06_leaky_buffer: a client and a server recycling buffers through a free list.
 *
 * Effective Go, "A leaky buffer":
 *
 *     var freeList = make(chan *Buffer, 100)
 *     var serverChan = make(chan *Buffer)
 *
 *     func client() {
 *         for {
 *             var b *Buffer
 *             select {                      // grab a buffer if available;
 *             case b = <-freeList:          // allocate if not
 *             default:
 *                 b = new(Buffer)
 *             }
 *             load(b)                       // read next message from the net
 *             serverChan <- b               // send to server
 *         }
 *     }
 *     func server() {
 *         for {
 *             b := <-serverChan             // wait for work
 *             process(b)
 *             select {                      // reuse buffer if free slot
 *             case freeList <- b:
 *             default:                      // free list full, just carry on
 *             }
 *         }
 *     }
 *
 * The free list "leaks": when it is full a returned buffer is simply
 * dropped (freed). goc_freelist is exactly that, without the select:
 * goc_freelist_get reuses or allocates, goc_freelist_put keeps or frees.
 * (It also lets each thread keep its last few puts for its own next gets,
 * so a thread that gets and puts touches no shared memory; here the
 * server only puts, so it keeps its first four, then feeds the client.)
 */
#define GOC_IMPLEMENTATION
#include "pool.h"
#include "check.h"
#include <string.h>

enum { MESSAGES = 10000, BUF_SIZE = 4096 };

struct buffer { long seq; char text[BUF_SIZE - sizeof(long)]; };

static goc_freelist *free_list;
static goc_chan *server_chan;            /* chan *Buffer, unbuffered */

static void client(void *arg) {
    (void)arg;
    for (long i = 0; i < MESSAGES; i++) {
        struct buffer *b = goc_freelist_get(free_list);   /* reuse, or allocate */
        CHECK(b != NULL);
        b->seq = i;                                         /* load(b) */
        snprintf(b->text, sizeof b->text, "message %ld", i);
        goc_chan_send(server_chan, &b);                     /* serverChan <- b */
    }
    goc_chan_close(server_chan);
    goc_chan_free(server_chan);                      /* the client's reference */
}

int main(void) {
    free_list = goc_freelist_new(sizeof(struct buffer), 100);
    server_chan = goc_chan_make(sizeof(struct buffer *), 0);
    CHECK(free_list && server_chan);
    goc_chan_retain(server_chan);                    /* one for the client */
    CHECK(goc_go(client, NULL) == GOC_OK);

    long expect = 0;
    struct buffer *b;
    while (goc_chan_recv(server_chan, &b) == GOC_OK) {   /* the server */
        char want[32];
        snprintf(want, sizeof want, "message %ld", expect);
        CHECK(b->seq == expect && strcmp(b->text, want) == 0);   /* process(b) */
        expect++;
        goc_freelist_put(free_list, b);                     /* keep it, or drop it */
    }

    goc_freelist_counts c;
    goc_freelist_stats(free_list, &c);
    printf("%ld messages; %llu buffer gets, %llu of them reused, %llu allocated\n", expect,
           (unsigned long long)c.gets, (unsigned long long)c.hits,
           (unsigned long long)(c.gets - c.hits));
    CHECK(expect == MESSAGES && c.gets == MESSAGES && c.puts == MESSAGES);
    /* One buffer in the client's hands, one in the server's, and the few the
       server's thread keeps for itself: never more fresh ones than that. */
    CHECK(c.gets - c.hits <= 2 + GOC_FREELIST_LOCAL);
    goc_freelist_free(free_list);
    goc_chan_free(server_chan);
    return 0;
}
