/* 20_epoll_chat: an epoll event loop that serves sockets and a channel.
 *
 * Programs built around an event loop (epoll, libuv, libevent) wait on
 * file descriptors, not on channels. goc_chan_fd gives a channel one: it
 * polls readable while a receive would not block, so the loop can watch it
 * beside its sockets and goc_chan_try_recv on its own schedule, with no
 * helper thread and no pipe.
 *
 * The loop here is a tiny chat relay on 127.0.0.1: every line a client
 * sends is echoed back to it in capitals, and every message that other
 * threads send on the `announce` channel goes out to every client. When
 * `announce` is closed, the loop says goodbye and stops. A Go programmer
 * would write the loop as
 *
 *     for {
 *         select {
 *         case conn := <-accepted:  ...
 *         case line := <-fromClient: ...
 *         case msg, ok := <-announce: if !ok { return }; broadcast(msg)
 *         }
 *     }
 *
 *     ./20_epoll_chat    self-test: two clients chat, three announcements, close
 */
#define _DEFAULT_SOURCE
#define GOC_IMPLEMENTATION
#include "pool.h"
#include "check.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct { char text[32]; } msg;

#define MAX_CLIENTS 8

struct relay {
    int listen_fd, ep;
    goc_chan *announce;                  /* of msg; closed: stop */
    int clients[MAX_CLIENTS], nclients;
    int echoed, broadcast;
};

static void send_all(int fd, const char *s) {
    CHECK(send(fd, s, strlen(s), MSG_NOSIGNAL) == (ssize_t)strlen(s));
}

static void relay_loop(void *arg) {
    struct relay *r = arg;
    int afd = goc_chan_fd(r->announce);  /* the channel, as the loop sees it */
    CHECK(afd >= 0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = r->listen_fd };
    CHECK(epoll_ctl(r->ep, EPOLL_CTL_ADD, r->listen_fd, &ev) == 0);
    ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = afd };
    CHECK(epoll_ctl(r->ep, EPOLL_CTL_ADD, afd, &ev) == 0);
    for (bool open = true; open;) {
        struct epoll_event got[8];
        int n = epoll_wait(r->ep, got, 8, -1);
        for (int i = 0; i < n; i++) {
            int fd = got[i].data.fd;
            if (fd == r->listen_fd) {                      /* a new client */
                int c = accept(r->listen_fd, NULL, NULL);
                CHECK(c >= 0 && r->nclients < MAX_CLIENTS);
                r->clients[r->nclients++] = c;
                ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = c };
                CHECK(epoll_ctl(r->ep, EPOLL_CTL_ADD, c, &ev) == 0);
            } else if (fd == afd) {                        /* the channel: take all it has */
                msg m;
                int rc;
                while ((rc = goc_chan_try_recv(r->announce, &m)) == GOC_OK) {
                    for (int k = 0; k < r->nclients; k++) send_all(r->clients[k], m.text);
                    r->broadcast++;
                }
                if (rc == GOC_CLOSED) open = false;        /* GOC_WOULDBLOCK: not yet */
            } else {                                       /* a client said something */
                char line[64];
                ssize_t k = recv(fd, line, sizeof line - 1, 0);
                if (k <= 0) continue;
                for (ssize_t j = 0; j < k; j++) line[j] = (char)toupper((unsigned char)line[j]);
                line[k] = 0;
                send_all(fd, line);
                r->echoed++;
            }
        }
    }
    for (int k = 0; k < r->nclients; k++) {
        send_all(r->clients[k], "bye\n");
        close(r->clients[k]);
    }
}

/* ---- the self-test: two clients and an announcer ---------------------------- */

static int port_of(int fd) {
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    CHECK(getsockname(fd, (struct sockaddr *)&a, &alen) == 0);
    return ntohs(a.sin_port);
}

/* Reads until `want` lines have arrived (or 5 s pass); returns them. */
static void read_lines(int fd, char *buf, size_t cap, int want) {
    size_t have = 0;
    int lines = 0;
    while (lines < want && have < cap - 1) {
        ssize_t n = recv(fd, buf + have, cap - 1 - have, 0);
        if (n <= 0) break;
        have += (size_t)n;
        buf[have] = 0;
        lines = 0;
        for (char *p = buf; (p = strchr(p, '\n')); p++) lines++;
    }
    buf[have] = 0;
}

struct client { int port, id; goc_waitgroup *ready; char got[256]; };

static void client(void *arg) {
    struct client *c = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = { 5, 0 };                         /* a read never hangs the test */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)c->port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    char hello[32];
    snprintf(hello, sizeof hello, "hello from %d\n", c->id);
    send_all(fd, hello);
    char echo[64];
    read_lines(fd, echo, sizeof echo, 1);                 /* our echo: we are in */
    CHECK(strncmp(echo, "HELLO FROM", 10) == 0);
    goc_wg_done(c->ready);
    read_lines(fd, c->got, sizeof c->got, 4);             /* 3 announcements and bye */
    close(fd);
}

int main(void) {
    struct relay r = { .announce = goc_chan_make(sizeof(msg), 4) };
    r.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    CHECK(r.listen_fd >= 0 && bind(r.listen_fd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(r.listen_fd, 8) == 0);
    CHECK((r.ep = epoll_create1(EPOLL_CLOEXEC)) >= 0 && r.announce != NULL);
    printf("relay on 127.0.0.1:%d\n", port_of(r.listen_fd));

    goc_waitgroup loop = {0}, ready = {0}, clients = {0};
    CHECK(goc_wg_go(&loop, relay_loop, &r) == GOC_OK);
    struct client cl[2] = { { port_of(r.listen_fd), 1, &ready, "" }, { port_of(r.listen_fd), 2, &ready, "" } };
    goc_wg_add(&ready, 2);
    for (int i = 0; i < 2; i++) CHECK(goc_wg_go(&clients, client, &cl[i]) == GOC_OK);
    goc_wg_wait(&ready);                                  /* both connected and echoed */

    const char *news[3] = { "news: one\n", "news: two\n", "news: three\n" };
    for (int i = 0; i < 3; i++) {                         /* any thread may announce */
        msg m;
        snprintf(m.text, sizeof m.text, "%s", news[i]);
        CHECK(goc_chan_send(r.announce, &m) == GOC_OK);
    }
    goc_chan_close(r.announce);                           /* the loop ends once it has sent them */
    goc_wg_wait(&clients);
    goc_wg_wait(&loop);
    for (int i = 0; i < 2; i++) {
        printf("client %d got: %s", cl[i].id, cl[i].got);
        CHECK(strcmp(cl[i].got, "news: one\nnews: two\nnews: three\nbye\n") == 0);
    }
    printf("echoed %d lines, broadcast %d messages to %d clients\n", r.echoed, r.broadcast, r.nclients);
    CHECK(r.echoed == 2 && r.broadcast == 3 && r.nclients == 2);
    close(r.ep);
    close(r.listen_fd);
    goc_chan_free(r.announce);                            /* closes its descriptor, too */
    return 0;
}
