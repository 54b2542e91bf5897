/* 18_clock_server: a TCP clock server; one goc_go per connection; shut down
 * gracefully on SIGINT through a context.
 *
 * The Go Programming Language, "Example: Concurrent Clock Server":
 *
 *     listener, err := net.Listen("tcp", "localhost:8000")
 *     for {
 *         conn, err := listener.Accept()
 *         if err != nil { log.Print(err); continue }
 *         go handleConn(conn)    // handle connections concurrently
 *     }
 *     func handleConn(c net.Conn) {
 *         defer c.Close()
 *         for {
 *             _, err := io.WriteString(c, time.Now().Format("15:04:05\n"))
 *             if err != nil { return }   // e.g., client disconnected
 *             time.Sleep(1 * time.Second)
 *         }
 *     }
 *
 * plus a graceful shutdown: signal.NotifyContext(ctx, os.Interrupt) gives
 * a context canceled by Ctrl-C; the accept loop and every connection
 * watch it, finish, and the server waits for them before it returns.
 *
 * In C a signal handler may not call goc (nothing there is
 * async-signal-safe), so SIGINT is blocked in every thread and one task
 * takes it with sigwait() and cancels the context. A blocking accept() does
 * not watch channels, so the accept loop selects on the listening socket
 * (goc_poll_case: ready when poll(2) would say POLLIN) and the context's
 * done channel in one goc_select: Go's
 *
 *     select { case conn := <-accepted: ...; case <-ctx.Done(): return }
 *
 * without the goroutine, the channel or the pipe that would take in C.
 *
 *     ./18_clock_server              self-test: serve on a free port, connect two
 *                                    clients, read two ticks each, send ourselves SIGINT
 *     ./18_clock_server -serve 8000  serve until Ctrl-C (try: nc localhost 8000)
 */
#define _DEFAULT_SOURCE
#define GOC_IMPLEMENTATION
#include "context.h"
#include "check.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct server {
    goc_ctx *ctx;                        /* canceled by SIGINT */
    int listen_fd;
    goc_waitgroup conns;                 /* one per live connection */
    goc_atomic_i64 served;
};

struct conn { struct server *s; int fd; };

static void handle_conn(void *arg) {
    struct conn *c = arg;
    goc_ticker *tk = goc_ticker_new(GOC_SECOND);
    CHECK(tk != NULL);
    for (;;) {
        char line[16];
        time_t now = time(NULL);
        struct tm tm;
        strftime(line, sizeof line, "%H:%M:%S\n", localtime_r(&now, &tm));   /* "15:04:05\n" */
        if (send(c->fd, line, strlen(line), MSG_NOSIGNAL) < 0) break;   /* client gone */
        goc_case cs[2] = { goc_recv_case(goc_ticker_chan(tk), NULL),
                           goc_recv_case(goc_ctx_done(c->s->ctx), NULL) };
        if (goc_select(cs, 2) == 1) break;           /* shutting down */
    }
    goc_ticker_free(tk);
    close(c->fd);                                    /* defer c.Close() */
    goc_atomic_i64_add(&c->s->served, 1);
    goc_wg_done(&c->s->conns);
    free(c);
}

/* sigwait() for SIGINT, then cancel: the signal.NotifyContext of this program. */
static void cancel_on_sigint(void *arg) {
    goc_ctx *ctx = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    int sig;
    if (sigwait(&set, &sig) == 0) goc_ctx_cancel(ctx);
    goc_ctx_free(ctx);
}

static void serve(void *arg) {
    struct server *s = arg;
    struct pollfd listening = { s->listen_fd, POLLIN, 0 };
    for (;;) {
        goc_case cs[2] = { goc_poll_case(&listening),                /* a client knocks */
                           goc_recv_case(goc_ctx_done(s->ctx), NULL) };  /* or we stop */
        int r = goc_select(cs, 2);
        if (r == 1) break;                           /* ctx ended */
        CHECK(r == 0);
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0) continue;                        /* log, continue */
        struct conn *c = malloc(sizeof *c);
        CHECK(c != NULL);
        *c = (struct conn){ s, fd };
        goc_wg_add(&s->conns, 1);
        CHECK(goc_go(handle_conn, c) == GOC_OK);     /* go handleConn(conn) */
    }
    goc_wg_wait(&s->conns);                          /* every connection has said goodbye */
}

static int listen_on(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    CHECK(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 16) == 0);
    return fd;
}

/* ---- the self-test's clients ----------------------------------------------- */
struct client { int port; char ticks[2][16]; bool ok; };

static void client(void *arg) {
    struct client *cl = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = { 5, 0 };                    /* a read never hangs the test */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)cl->port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    char buf[64];
    size_t have = 0;
    int lines = 0;
    while (lines < 2 && have < sizeof buf - 1) {
        ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
        if (n <= 0) break;
        have += (size_t)n;
        buf[have] = 0;
        lines = 0;
        for (char *p = buf; (p = strchr(p, '\n')); p++) lines++;
    }
    int h, m, sec, h2, m2, sec2;
    cl->ok = lines >= 2 && sscanf(buf, "%d:%d:%d\n%d:%d:%d", &h, &m, &sec, &h2, &m2, &sec2) == 6;
    if (cl->ok) { memcpy(cl->ticks[0], buf, 8); memcpy(cl->ticks[1], buf + 9, 8); }
    close(fd);
}

int main(int argc, char **argv) {
    int port = argc == 3 && strcmp(argv[1], "-serve") == 0 ? atoi(argv[2]) : 0;
    sigset_t set;                        /* before any thread starts: they inherit the mask */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    CHECK(pthread_sigmask(SIG_BLOCK, &set, NULL) == 0);

    struct server s = { .ctx = goc_ctx_with_cancel(goc_ctx_background()), .listen_fd = listen_on(port) };
    CHECK(s.ctx != NULL);
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    CHECK(getsockname(s.listen_fd, (struct sockaddr *)&a, &alen) == 0);
    port = ntohs(a.sin_port);
    printf("clock server on 127.0.0.1:%d%s\n", port, argc == 3 ? "; Ctrl-C stops it" : "");
    fflush(stdout);

    goc_waitgroup server = {0};
    goc_ctx_retain(s.ctx);
    CHECK(goc_go(cancel_on_sigint, s.ctx) == GOC_OK);
    CHECK(goc_wg_go(&server, serve, &s) == GOC_OK);

    if (argc != 3) {                                 /* the self-test */
        struct client cl[2] = { { .port = port }, { .port = port } };
        goc_waitgroup clients = {0};
        for (int i = 0; i < 2; i++) CHECK(goc_wg_go(&clients, client, &cl[i]) == GOC_OK);
        goc_wg_wait(&clients);
        for (int i = 0; i < 2; i++) {
            printf("client %d read %.8s and %.8s\n", i, cl[i].ticks[0], cl[i].ticks[1]);
            CHECK(cl[i].ok);
        }
        kill(getpid(), SIGINT);                      /* as if Ctrl-C */
    }
    goc_wg_wait(&server);
    printf("SIGINT: %s; %lld connections closed, server stopped\n", goc_strerror(goc_ctx_err(s.ctx)),
           (long long)goc_atomic_i64_load(&s.served));
    CHECK(goc_ctx_err(s.ctx) == GOC_CANCELED);
    if (argc != 3) CHECK(goc_atomic_i64_load(&s.served) == 2);
    close(s.listen_fd);
    goc_ctx_free(s.ctx);
    return 0;
}
