/* Descriptors and channels together: the GOC_POLL select case and
 * goc_chan_fd, the descriptor that polls readable while a receive on its
 * channel would not block. */
#include "testutil.h"
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <arpa/inet.h>

TestSuite(fd, .timeout = 60);

#define MS GOC_MILLISECOND

static void t_pipe(int p[2]) {
    cr_assert_eq(pipe(p), 0);
}

static bool t_readable(int fd) {
    struct pollfd q = { fd, POLLIN, 0 };
    int r = poll(&q, 1, 0);
    return r == 1 && (q.revents & POLLIN);
}

/* Waits up to ms for fd to be readable (or not); true when it got there. */
static bool t_await_readable(int fd, bool want, int ms) {
    for (int64_t end = t_now() + (int64_t)ms * MS; t_now() < end; t_sleep_ms(1))
        if (t_readable(fd) == want) return true;
    return t_readable(fd) == want;
}

static int t_open_fds(void) {
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

/* ---- the poll case ----------------------------------------------------------- */

Test(fd, poll_case_basics) {
    int p[2];
    t_pipe(p);
    goc_chan *c = goc_chan_make(sizeof(int), 0);
    struct pollfd pf = { p[0], POLLIN, 0 };
    goc_case cs[2] = { goc_recv_case(c, NULL), goc_poll_case(&pf) };
    cr_assert_eq(cs[1].dir, GOC_POLL);
    cr_assert_eq(cs[1].elem, &pf);
    cr_assert_eq(goc_select_try(cs, 2), GOC_WOULDBLOCK);
    int64_t t0 = t_now();
    cr_assert_eq(goc_select_timeout(cs, 2, 30 * MS), GOC_TIMEOUT);
    cr_assert_geq(t_now() - t0, 30 * MS, "never early");
    cr_assert_eq(goc_select_timeout(cs, 2, 0), GOC_TIMEOUT);
    cr_assert_eq(write(p[1], "x", 1), 1);
    pf.revents = 0;
    cr_assert_eq(goc_select_try(cs, 2), 1);
    cr_assert(cs[1].ok);
    cr_assert(pf.revents & POLLIN);
    cs[1].ok = false;
    cr_assert_eq(goc_select(cs, 2), 1);
    cr_assert_eq(goc_select_timeout(cs, 2, GOC_SECOND), 1);
    /* POLLOUT on the write end */
    struct pollfd wf = { p[1], POLLOUT, 0 };
    goc_case ws[1] = { goc_poll_case(&wf) };
    cr_assert_eq(goc_select(ws, 1), 0);
    cr_assert(wf.revents & POLLOUT);
    close(p[0]);
    close(p[1]);
    goc_chan_free(c);
}

Test(fd, poll_case_bad_input) {
    goc_case cs[2] = { goc_poll_case(NULL), goc_recv_case(NULL, NULL) };
    cr_assert_eq(goc_select(cs, 2), GOC_EINVAL);
    cr_assert_eq(goc_select_try(cs, 2), GOC_EINVAL);
    cr_assert_eq(goc_select_timeout(cs, 2, MS), GOC_EINVAL);
    /* a negative fd is ignored by poll(2): never ready, like a NULL channel */
    struct pollfd off = { -1, POLLIN, 0 };
    goc_case one[1] = { goc_poll_case(&off) };
    cr_assert_eq(goc_select(one, 1), GOC_EINVAL, "it would block for ever");
    cr_assert_eq(goc_select_try(one, 1), GOC_WOULDBLOCK);
    int64_t t0 = t_now();
    cr_assert_eq(goc_select_timeout(one, 1, 20 * MS), GOC_TIMEOUT);
    cr_assert_geq(t_now() - t0, 20 * MS);
    /* a bad dir after a poll case is still EINVAL */
    int p[2];
    t_pipe(p);
    struct pollfd pf = { p[0], POLLIN, 0 };
    goc_case bad[2] = { goc_poll_case(&pf), goc_recv_case(NULL, NULL) };
    bad[1].dir = 77;
    cr_assert_eq(goc_select_try(bad, 2), GOC_EINVAL);
    goc_chan *c = goc_chan_make(sizeof(int), 1);
    goc_case nul[2] = { goc_poll_case(&pf), goc_send_case(c, NULL) };
    cr_assert_eq(goc_select_try(nul, 2), GOC_EINVAL, "a send case with no value");
    goc_chan_free(c);
    close(p[0]);
    close(p[1]);
}

/* A closed descriptor: poll reports POLLNVAL, and the case is chosen with
 * it (a select that asks about a closed fd learns so at once). */
Test(fd, closed_descriptor_reports_pollnval) {
    int p[2];
    t_pipe(p);
    close(p[0]);
    close(p[1]);
    struct pollfd pf = { p[0], POLLIN, 0 };
    goc_case cs[1] = { goc_poll_case(&pf) };
    cr_assert_eq(goc_select_timeout(cs, 1, GOC_SECOND), 0);
    cr_assert(pf.revents & POLLNVAL);
}

typedef struct { int fd; int ms; int what; goc_chan *c; } t_later;
enum { LATER_WRITE, LATER_CLOSE, LATER_SEND, LATER_CLOSE_CHAN, LATER_RECV };

static void *later(void *arg) {
    t_later *l = arg;
    t_sleep_ms(l->ms);
    int v = 7;
    switch (l->what) {
    case LATER_WRITE: T_CHECK(write(l->fd, "y", 1) == 1); break;
    case LATER_CLOSE: close(l->fd); break;
    case LATER_SEND: T_CHECK(goc_chan_send(l->c, &v) == GOC_OK); break;
    case LATER_CLOSE_CHAN: goc_chan_close(l->c); break;
    case LATER_RECV: T_CHECK(goc_chan_recv(l->c, &v) == GOC_OK && v == 5); break;
    }
    return NULL;
}

/* The write end closed while a select sleeps on the read end: poll wakes
 * with POLLHUP, and the case is chosen. */
Test(fd, peer_closed_under_a_select_wakes_it) {
    int p[2];
    t_pipe(p);
    goc_chan *c = goc_chan_make(sizeof(int), 0);
    struct pollfd pf = { p[0], POLLIN, 0 };
    goc_case cs[2] = { goc_recv_case(c, NULL), goc_poll_case(&pf) };
    t_later l = { p[1], 20, LATER_CLOSE, NULL };
    t_threads th = {0};
    t_spawn(&th, later, &l);
    cr_assert_eq(goc_select_timeout(cs, 2, 10 * GOC_SECOND), 1);
    cr_assert(pf.revents & POLLHUP);
    t_join(&th);
    close(p[0]);
    goc_chan_free(c);
    T_NO_FAILURES();
}

/* The polled descriptor itself closed under a sleeping select: Linux's
 * poll keeps the file it sleeps on, so the select does not see it (the
 * manual says: do not); it must still end by its timeout or another case,
 * and never crash. */
Test(fd, descriptor_closed_under_a_select) {
    int p[2];
    t_pipe(p);
    goc_chan *c = goc_chan_make(sizeof(int), 0);
    struct pollfd pf = { p[0], POLLIN, 0 };
    goc_case cs[2] = { goc_recv_case(c, NULL), goc_poll_case(&pf) };
    t_later l = { p[0], 20, LATER_CLOSE, NULL };
    t_threads th = {0};
    t_spawn(&th, later, &l);
    int r = goc_select_timeout(cs, 2, 200 * MS);
    cr_assert(r == GOC_TIMEOUT || (r == 1 && (pf.revents & (POLLNVAL | POLLHUP))), "r %d revents %d", r, pf.revents);
    t_join(&th);
    /* and another case still wakes it */
    t_later s = { -1, 20, LATER_SEND, c };
    t_spawn(&th, later, &s);
    pf.fd = -1;
    int v = 0;
    cs[0] = goc_recv_case(c, &v);
    cr_assert_eq(goc_select_timeout(cs, 2, 10 * GOC_SECOND), 0);
    cr_assert_eq(v, 7);
    t_join(&th);
    close(p[1]);
    goc_chan_free(c);
    T_NO_FAILURES();
}

/* A select asleep in poll(2) is woken by each kind of channel partner: an
 * unbuffered sender (it moves the value), a buffered send ("try again"),
 * a close, an unbuffered receiver of its send case; and by a descriptor. */
static void sleeping_select_woken_by(size_t cap, int what, int expect_case, int expect_val, bool expect_ok) {
    int p[2];
    t_pipe(p);
    goc_chan *c = goc_chan_make(sizeof(int), cap);
    struct pollfd pf = { p[0], POLLIN, 0 };
    int v = 0, five = 5;
    goc_case cs[2] = { what == LATER_RECV ? goc_send_case(c, &five) : goc_recv_case(c, &v), goc_poll_case(&pf) };
    t_later l = { p[1], 30, what, c };
    t_threads th = {0};
    t_spawn(&th, later, &l);
    int64_t t0 = t_now();
    int r = goc_select_timeout(cs, 2, 10 * GOC_SECOND);
    cr_assert_eq(r, expect_case, "cap %zu what %d: %d", cap, what, r);
    cr_assert_lt(t_now() - t0, 5 * GOC_SECOND);
    if (expect_case == 0) {
        cr_assert_eq(cs[0].ok, expect_ok);
        if (what != LATER_RECV) cr_assert_eq(v, expect_val);
    }
    t_join(&th);
    close(p[0]);
    close(p[1]);
    goc_chan_free(c);
    T_NO_FAILURES();
}

Test(fd, sleeping_select_is_woken_by_every_partner) {
    sleeping_select_woken_by(0, LATER_SEND, 0, 7, true);
    sleeping_select_woken_by(4, LATER_SEND, 0, 7, true);
    sleeping_select_woken_by(0, LATER_CLOSE_CHAN, 0, 0, false);
    sleeping_select_woken_by(4, LATER_CLOSE_CHAN, 0, 0, false);
    sleeping_select_woken_by(0, LATER_RECV, 0, 0, true);
    sleeping_select_woken_by(0, LATER_WRITE, 1, 0, false);
    sleeping_select_woken_by(4, LATER_WRITE, 1, 0, false);
}

/* Many cases (the heap path): 20 pipes and 20 channels, one of each made
 * ready in turn. */
Test(fd, many_cases) {
    enum { N = 20 };
    int p[N][2];
    goc_chan *c[N];
    struct pollfd pf[N];
    goc_case cs[2 * N];
    for (int i = 0; i < N; i++) {
        t_pipe(p[i]);
        c[i] = goc_chan_make(sizeof(int), 1);
        pf[i] = (struct pollfd){ p[i][0], POLLIN, 0 };
        cs[2 * i] = goc_recv_case(c[i], NULL);
        cs[2 * i + 1] = goc_poll_case(&pf[i]);
    }
    cr_assert_eq(goc_select_try(cs, 2 * N), GOC_WOULDBLOCK);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(write(p[i][1], "z", 1), 1);
        cr_assert_eq(goc_select_timeout(cs, 2 * N, GOC_SECOND), 2 * i + 1);
        char b;
        cr_assert_eq(read(p[i][0], &b, 1), 1);
        int v = i;
        cr_assert_eq(goc_chan_send(c[i], &v), GOC_OK);
        cr_assert_eq(goc_select_timeout(cs, 2 * N, GOC_SECOND), 2 * i);
    }
    for (int i = 0; i < N; i++) { close(p[i][0]); close(p[i][1]); goc_chan_free(c[i]); }
}

/* poll(2) refuses more descriptors than RLIMIT_NOFILE, and a sleeping
 * select polls one more than its cases (its wake descriptor): at the limit
 * it answers GOC_EINVAL, not a hang or a crash; one below, it times out. In
 * a child, whose limit is lowered to 64. (A case on fd < 0 is not polled.) */
static int at_the_descriptor_limit(void) {
    struct rlimit rl = { 64, 64 };
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return 1;
    static struct pollfd pf[65];
    static goc_case cs[65];
    int p[2];
    if (pipe(p) != 0) return 8;
    for (int i = 0; i < 65; i++) {     /* one descriptor 65 times (poll allows it) */
        pf[i] = (struct pollfd){ p[0], POLLIN, 0 };
        cs[i] = goc_poll_case(&pf[i]);
    }
    if (goc_select_timeout(cs, 63, 5 * GOC_MILLISECOND) != GOC_TIMEOUT) return 2;
    if (goc_select_try(cs, 64) != GOC_WOULDBLOCK) return 3;
    if (goc_select_timeout(cs, 64, 5 * GOC_MILLISECOND) != GOC_EINVAL) return 4;
    if (goc_select(cs, 64) != GOC_EINVAL) return 5;
    if (goc_select_try(cs, 65) != GOC_EINVAL) return 6;
    if (goc_select_timeout(cs, 63, 5 * GOC_MILLISECOND) != GOC_TIMEOUT) return 7;   /* still fine */
    return 0;
}
Test(fd, more_cases_than_the_descriptor_limit) {
    pid_t pid = fork();
    if (pid == 0) _exit(at_the_descriptor_limit());
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
}

/* Both ready: each is chosen, about equally (Go's uniform choice). */
Test(fd, ready_fd_and_channel_are_both_chosen) {
    int p[2];
    t_pipe(p);
    cr_assert_eq(write(p[1], "x", 1), 1);
    goc_chan *c = goc_chan_make(sizeof(int), 1);
    int one = 1;
    struct pollfd pf = { p[0], POLLIN, 0 };
    goc_case cs[2] = { goc_recv_case(c, NULL), goc_poll_case(&pf) };
    int n[2] = {0, 0};
    for (int i = 0; i < 2000; i++) {
        if (goc_chan_len(c) == 0) goc_chan_send(c, &one);
        int r = goc_select_try(cs, 2);
        cr_assert(r == 0 || r == 1);
        n[r]++;
    }
    cr_assert_gt(n[0], 700, "%d / %d", n[0], n[1]);
    cr_assert_gt(n[1], 700, "%d / %d", n[0], n[1]);
    close(p[0]);
    close(p[1]);
    goc_chan_free(c);
}

/* Racing: a sender on an unbuffered channel and a writer on a pipe, both
 * at once, many rounds; each select completes exactly one case, no value
 * is lost or duplicated, nobody hangs. */
typedef struct { goc_chan *c; int wfd; int rounds; goc_atomic_i64 sent; } t_race;

static void *race_sender(void *arg) {
    t_race *r = arg;
    for (int i = 0; i < r->rounds; i++) {
        int v = i;
        int rc = goc_chan_send_timeout(r->c, &v, (i % 3) * 50 * GOC_MICROSECOND + GOC_MICROSECOND);
        T_CHECK(rc == GOC_OK || rc == GOC_TIMEOUT);
        if (rc == GOC_OK) goc_atomic_i64_add(&r->sent, 1);
    }
    int done = -1;
    T_CHECK(goc_chan_send(r->c, &done) == GOC_OK);
    return NULL;
}

static void *race_writer(void *arg) {
    t_race *r = arg;
    for (int i = 0; i < r->rounds; i++) {
        if (i % 4 == 0) T_CHECK(write(r->wfd, "w", 1) == 1);
        for (volatile int k = 0; k < (i % 7) * 100; k++) {}
    }
    return NULL;
}

static void race_rounds(size_t cap) {
    int p[2];
    t_pipe(p);
    cr_assert_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    t_race r = { goc_chan_make(sizeof(int), cap), p[1], T_ITERS(20000), {0} };
    t_threads th = {0};
    t_spawn(&th, race_sender, &r);
    t_spawn(&th, race_writer, &r);
    int64_t got = 0;
    struct pollfd pf = { p[0], POLLIN, 0 };
    int v;
    goc_case cs[2] = { goc_recv_case(r.c, &v), goc_poll_case(&pf) };
    for (;;) {
        int s = goc_select_timeout(cs, 2, 20 * GOC_SECOND);
        cr_assert(s == 0 || s == 1, "select answered %d", s);
        if (s == 1) {
            char buf[64];
            while (read(p[0], buf, sizeof buf) > 0) {}
            continue;
        }
        cr_assert(cs[0].ok);
        if (v == -1) break;
        got++;
    }
    t_join(&th);
    cr_assert_eq(got, goc_atomic_i64_load(&r.sent));
    close(p[0]);
    close(p[1]);
    goc_chan_free(r.c);
    T_NO_FAILURES();
}

Test(fd, select_races_a_sender_and_a_writer) {
    race_rounds(0);
    race_rounds(2);
}

/* Many threads' selects asleep on descriptors at once, woken by channel
 * traffic: the wake descriptors are borrowed and returned, and a late wake
 * meant for one select only makes a later one look again. */
typedef struct { goc_chan *c; int fd; int n; } t_many;

static void *fd_receiver(void *arg) {
    t_many *m = arg;
    struct pollfd pf = { m->fd, POLLIN, 0 };
    int v;
    goc_case cs[2] = { goc_recv_case(m->c, &v), goc_poll_case(&pf) };
    for (int i = 0; i < m->n; i++) T_CHECK(goc_select_timeout(cs, 2, 20 * GOC_SECOND) == 0);
    return NULL;
}

Test(fd, many_selects_asleep_on_descriptors) {
    int p[2];
    t_pipe(p);                                  /* never written: never ready */
    goc_chan *c = goc_chan_make(sizeof(int), 0);
    t_many m = { c, p[0], T_ITERS(5000) };
    t_threads th = {0};
    for (int i = 0; i < 4; i++) t_spawn(&th, fd_receiver, &m);
    for (int i = 0; i < 4 * m.n; i++) cr_assert_eq(goc_chan_send(c, &i), GOC_OK);
    t_join(&th);
    close(p[0]);
    close(p[1]);
    goc_chan_free(c);
    T_NO_FAILURES();
}

/* A loop on a real loopback TCP socket: a client thread writes lines on
 * the socket and sends numbers on a channel; the loop selects on the
 * socket, the channel and a context's done channel, and sees everything. */
typedef struct { int fd; goc_chan *c; goc_ctx *ctx; int n; } t_sock;

static void *sock_client(void *arg) {
    t_sock *s = arg;
    for (int i = 0; i < s->n; i++) {
        T_CHECK(write(s->fd, "abcd", 4) == 4);
        T_CHECK(goc_chan_send(s->c, &i) == GOC_OK);
    }
    goc_ctx_cancel(s->ctx);
    return NULL;
}

Test(fd, loop_on_a_loopback_socket) {
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(ls, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t alen = sizeof a;
    cr_assert_eq(getsockname(ls, (struct sockaddr *)&a, &alen), 0);
    cr_assert_eq(listen(ls, 1), 0);
    int cl = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_eq(connect(cl, (struct sockaddr *)&a, sizeof a), 0);
    int sv = accept(ls, NULL, NULL);
    cr_assert_geq(sv, 0);
    cr_assert_eq(fcntl(sv, F_SETFL, O_NONBLOCK), 0);

    goc_ctx *ctx = goc_ctx_with_cancel(goc_ctx_background());
    t_sock s = { cl, goc_chan_make(sizeof(int), 0), ctx, T_ITERS(2000) };
    t_threads th = {0};
    t_spawn(&th, sock_client, &s);
    long bytes = 0, msgs = 0;
    struct pollfd pf = { sv, POLLIN, 0 };
    int v;
    goc_case cs[3] = { goc_poll_case(&pf), goc_recv_case(s.c, &v), goc_recv_case(goc_ctx_done(ctx), NULL) };
    bool done = false;
    while (!done || bytes < 4L * s.n) {
        int r = goc_select_timeout(cs, done ? 2 : 3, 20 * GOC_SECOND);
        cr_assert(r >= 0, "select answered %d", r);
        if (r == 0) {
            char buf[4096];
            ssize_t k;
            while ((k = read(sv, buf, sizeof buf)) > 0) bytes += k;
        } else if (r == 1) {
            cr_assert_eq(v, msgs);
            msgs++;
        } else {
            done = true;
        }
    }
    t_join(&th);
    cr_assert_eq(msgs, s.n);
    cr_assert_eq(bytes, 4L * s.n);
    close(sv);
    close(cl);
    close(ls);
    goc_chan_free(s.c);
    goc_ctx_free(ctx);
    T_NO_FAILURES();
}

/* Forked child: the wake descriptors' lock is not inherited held. */
static void *select_forever(void *arg) {
    t_many *m = arg;
    struct pollfd pf = { m->fd, POLLIN, 0 };
    goc_case cs[2] = { goc_recv_case(m->c, NULL), goc_poll_case(&pf) };
    /* short sleeps: the wake descriptors' lock is taken and given back
     * all the time, so that a fork often finds it held or waited for */
    for (int r; (r = goc_select_timeout(cs, 2, GOC_MILLISECOND)) == GOC_TIMEOUT || (r == 0 && cs[0].ok);) {}
    return NULL;
}

Test(fd, poll_select_in_a_forked_child) {
    int p[2];
    t_pipe(p);
    goc_chan *c = goc_chan_make(sizeof(int), 0);
    t_many m = { c, p[0], 0 };
    t_threads th = {0};
    for (int i = 0; i < 4; i++) t_spawn(&th, select_forever, &m);
    for (int i = 0; i < 100; i++) {
        int v = i;
        goc_chan_send(c, &v);
        fflush(NULL);
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
            int q[2];
            if (pipe(q) != 0) _exit(2);
            goc_chan *cc = goc_chan_make(sizeof(int), 1);
            struct pollfd pf = { q[0], POLLIN, 0 };
            goc_case cs[2] = { goc_recv_case(cc, NULL), goc_poll_case(&pf) };
            if (goc_select_timeout(cs, 2, 5 * MS) != GOC_TIMEOUT) _exit(3);
            if (write(q[1], "c", 1) != 1) _exit(4);
            _exit(goc_select_timeout(cs, 2, 5 * GOC_SECOND) == 1 ? 0 : 5);
        }
        int st = 0;
        pid_t r = 0;
        for (int64_t end = t_now() + 20 * GOC_SECOND; (r = waitpid(pid, &st, WNOHANG)) == 0 && t_now() < end;)
            t_sleep_ms(2);
        if (r == 0) { kill(pid, SIGKILL); waitpid(pid, &st, 0); cr_assert(false, "child %d hung", i); }
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d: status %d", i, st);
    }
    goc_chan_close(c);
    t_join(&th);
    close(p[0]);
    close(p[1]);
    goc_chan_free(c);
}

/* ---- goc_chan_fd ----------------------------------------------------------- */

Test(fd, chan_fd_buffered_level) {
    goc_chan *c = goc_chan_make(sizeof(int), 4);
    int fd = goc_chan_fd(c);
    cr_assert_geq(fd, 0);
    cr_assert_eq(goc_chan_fd(c), fd, "one descriptor per channel");
    cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    cr_assert_not(t_readable(fd), "empty");
    int v = 1;
    goc_chan_send(c, &v);
    cr_assert(t_readable(fd), "a value is buffered");
    goc_chan_send(c, &v);
    cr_assert(t_readable(fd));
    goc_chan_recv(c, &v);
    cr_assert(t_readable(fd), "one left");
    goc_chan_recv(c, &v);
    /* Drained by receives: it may stay readable (lazy) until a try finds
     * nothing - what an event loop does last, every time. */
    cr_assert_eq(goc_chan_try_recv(c, &v), GOC_WOULDBLOCK);
    cr_assert_not(t_readable(fd), "a try found nothing: unreadable");
    /* a select's send case counts too */
    goc_case sc[1] = { goc_send_case(c, &v) };
    cr_assert_eq(goc_select(sc, 1), 0);
    cr_assert(t_readable(fd));
    goc_case rc[1] = { goc_recv_case(c, &v) };
    cr_assert_eq(goc_select(rc, 1), 0);
    cr_assert_eq(goc_chan_recv_timeout(c, &v, 0), GOC_TIMEOUT);
    cr_assert_not(t_readable(fd), "a recv_timeout poll that found nothing: unreadable");
    /* a send into an empty channel after the drain makes it readable again */
    goc_chan_send(c, &v);
    cr_assert(t_readable(fd));
    goc_chan_recv(c, &v);
    cr_assert_eq(goc_chan_try_recv(c, &v), GOC_WOULDBLOCK);
    cr_assert_not(t_readable(fd));
    goc_chan_send(c, &v);
    goc_chan_close(c);
    cr_assert(t_readable(fd), "closed with a value");
    goc_chan_recv(c, &v);
    cr_assert(t_readable(fd), "closed and drained: a receive answers at once");
    cr_assert_eq(goc_chan_try_recv(c, &v), GOC_CLOSED);
    goc_chan_free(c);
    errno = 0;
    cr_assert_eq(fcntl(fd, F_GETFD), -1, "the last free closed it");
    cr_assert_eq(errno, EBADF);
}

Test(fd, chan_fd_asked_late_sees_the_state) {
    goc_chan *c = goc_chan_make(sizeof(int), 4);
    int v = 3;
    goc_chan_send(c, &v);
    int fd = goc_chan_fd(c);
    cr_assert(t_readable(fd), "a value was buffered before the descriptor existed");
    goc_chan_free(c);
    goc_chan *d = goc_chan_make(sizeof(int), 0);
    goc_chan_close(d);
    cr_assert(t_readable(goc_chan_fd(d)), "closed before");
    goc_chan_free(d);
    errno = 0;
    cr_assert_eq(goc_chan_fd(NULL), -1);
    cr_assert_eq(errno, EINVAL);
}

static void *blocked_sender(void *arg) {
    goc_chan *c = arg;
    int v = 9;
    T_CHECK(goc_chan_send(c, &v) == GOC_OK);
    return NULL;
}

Test(fd, chan_fd_unbuffered_sender_waiting) {
    goc_chan *c = goc_chan_make(sizeof(int), 0);
    int fd = goc_chan_fd(c);
    cr_assert_not(t_readable(fd));
    t_threads th = {0};
    t_spawn(&th, blocked_sender, c);
    cr_assert(t_await_readable(fd, true, 5000), "a sender waits");
    int v = 0;
    cr_assert_eq(goc_chan_try_recv(c, &v), GOC_OK);
    cr_assert_eq(v, 9);
    t_join(&th);
    cr_assert_eq(goc_chan_try_recv(c, &v), GOC_WOULDBLOCK);
    cr_assert_not(t_readable(fd), "nobody waits, and a try found nothing");
    /* a sender that gives up: readable while it waited; the next try that
     * finds nothing makes it unreadable */
    v = 4;
    cr_assert_eq(goc_chan_send_timeout(c, &v, 20 * MS), GOC_TIMEOUT);
    cr_assert_eq(goc_chan_try_recv(c, &v), GOC_WOULDBLOCK);
    cr_assert_not(t_readable(fd));
    goc_chan_close(c);
    cr_assert(t_readable(fd));
    goc_chan_free(c);
    T_NO_FAILURES();
}

/* An event loop: poll the descriptor, then try_recv until WOULDBLOCK;
 * producers on other threads. If the descriptor ever failed to be readable
 * while values wait, the loop would stall: the poll's time limit says so. */
typedef struct { goc_chan *c; int n; } t_prod;

static void *producer(void *arg) {
    t_prod *p = arg;
    for (int i = 0; i < p->n; i++) {
        int v = 1;
        T_CHECK(goc_chan_send(p->c, &v) == GOC_OK);
        if (i % 64 == 0) sched_yield();
    }
    return NULL;
}

static void event_loop(size_t cap) {
    goc_chan *c = goc_chan_make(sizeof(int), cap);
    int fd = goc_chan_fd(c);
    cr_assert_geq(fd, 0);
    t_prod p = { c, T_ITERS(50000) };
    t_threads th = {0};
    t_spawn(&th, producer, &p);
    t_spawn(&th, producer, &p);
    long got = 0, polls = 0;
    while (got < 2L * p.n) {
        struct pollfd q = { fd, POLLIN, 0 };
        int r = poll(&q, 1, 10000);
        cr_assert_eq(r, 1, "cap %zu: the descriptor was not readable for 10 s with %ld of %d received",
                     cap, got, 2 * p.n);
        polls++;
        int v;
        while (goc_chan_try_recv(c, &v) == GOC_OK) got++;
    }
    t_join(&th);
    cr_assert_eq(got, 2L * p.n);
    cr_assert_not(t_readable(fd), "all received: not readable");
    goc_chan_free(c);
    T_NO_FAILURES();
}

Test(fd, chan_fd_event_loop_buffered) { event_loop(16); }
Test(fd, chan_fd_event_loop_unbuffered) { event_loop(0); }

/* Concurrent first calls: one descriptor, the others' freed. */
static goc_atomic_i64 fd_seen[4];
typedef struct { goc_chan *c; int i; } t_first;
static void *first_call(void *arg) {
    t_first *f = arg;
    goc_atomic_i64_store(&fd_seen[f->i], goc_chan_fd(f->c));
    return NULL;
}

Test(fd, chan_fd_concurrent_first_calls_and_no_leak) {
    int before = t_open_fds();
    for (int round = 0; round < T_ITERS(500); round++) {
        goc_chan *c = goc_chan_make(sizeof(int), round % 2);
        t_first f[4];
        t_threads th = {0};
        for (int i = 0; i < 4; i++) { f[i] = (t_first){ c, i }; t_spawn(&th, first_call, &f[i]); }
        t_join(&th);
        for (int i = 1; i < 4; i++) cr_assert_eq(goc_atomic_i64_load(&fd_seen[i]), goc_atomic_i64_load(&fd_seen[0]));
        goc_chan_free(c);
    }
    for (int i = 0; i < T_ITERS(20000); i++) {
        goc_chan *c = goc_chan_make(sizeof(int), 1);
        cr_assert_geq(goc_chan_fd(c), 0);
        goc_chan_free(c);
    }
    cr_assert_eq(t_open_fds(), before, "descriptors left open");
}

/* goc_after's channel (freed through its owner's hook) and a channel in
 * caller memory close their descriptor too. */
Test(fd, chan_fd_on_timer_and_caller_memory_channels) {
    int before = t_open_fds();
    for (int i = 0; i < 200; i++) {
        goc_chan *a = goc_after(i % 2 ? MS : GOC_SECOND);
        int fd = goc_chan_fd(a);
        cr_assert_geq(fd, 0);
        if (i % 2) cr_assert(t_await_readable(fd, true, 5000), "the timer fired");
        goc_chan_free(a);
    }
    static _Alignas(max_align_t) unsigned char mem[4096];
    cr_assert_leq(goc_chan_sizeof(sizeof(int), 2), sizeof mem);
    goc_chan *m = goc_chan_init(mem, sizeof(int), 2);
    int fd = goc_chan_fd(m);
    cr_assert_geq(fd, 0);
    goc_chan_free(m);
    t_sleep_ms(20);
    cr_assert_eq(t_open_fds(), before);
}

/* An event loop and a blocking receiver compete for one channel; the
 * producers close it when done. Every value arrives once, and the loop
 * wakes for the close (readable) even when the other receiver took the
 * last values. */
typedef struct { goc_chan *c; goc_atomic_i64 got; } t_compete;

static void *blocking_receiver(void *arg) {
    t_compete *k = arg;
    int v;
    while (goc_chan_recv(k->c, &v) == GOC_OK) goc_atomic_i64_add(&k->got, 1);
    return NULL;
}

static void *producer_then_close(void *arg) {
    t_prod *p = arg;
    producer(p);
    goc_chan_close(p->c);
    return NULL;
}

static void compete(size_t cap) {
    t_compete k = { goc_chan_make(sizeof(int), cap), {0} };
    int fd = goc_chan_fd(k.c);
    t_prod p = { k.c, T_ITERS(50000) };
    t_threads th = {0};
    t_spawn(&th, blocking_receiver, &k);
    t_spawn(&th, producer_then_close, &p);
    long got = 0;
    for (;;) {
        struct pollfd q = { fd, POLLIN, 0 };
        cr_assert_eq(poll(&q, 1, 10000), 1, "cap %zu: not readable for 10 s (%ld received here)", cap, got);
        int v, r;
        while ((r = goc_chan_try_recv(k.c, &v)) == GOC_OK) got++;
        if (r == GOC_CLOSED) break;
        cr_assert_eq(r, GOC_WOULDBLOCK);
    }
    t_join(&th);
    cr_assert_eq(got + goc_atomic_i64_load(&k.got), p.n);
    goc_chan_free(k.c);
    T_NO_FAILURES();
}

Test(fd, chan_fd_loop_competes_with_a_blocking_receiver) {
    compete(8);
    compete(0);
}

/* The race of the lazy drain: a try_recv that finds nothing drains the
 * descriptor at the very moment a send makes it readable again (the
 * sender sees it readable still, and does not signal). Each round: the
 * descriptor is left readable on an empty channel (a blocking receive took
 * the value), then a sender and a trier start together. Afterwards, if
 * the value is still there, the descriptor must be readable. */
typedef struct { goc_chan *c; goc_atomic_i32 go, done; int rounds; } t_lazy;

static void *lazy_trier(void *arg) {
    t_lazy *z = arg;
    for (int i = 1; i <= z->rounds; i++) {
        while (goc_atomic_i32_load(&z->go) != i) goc_cpu_relax();
        int v;
        if (goc_chan_try_recv(z->c, &v) == GOC_OK) T_CHECK(v == i);
        goc_atomic_i32_store(&z->done, i);
    }
    return NULL;
}

Test(fd, chan_fd_drain_racing_a_send) {
    t_lazy z = { goc_chan_make(sizeof(int), 1), {0}, {0}, T_ITERS(20000) };
    int fd = goc_chan_fd(z.c);
    t_threads th = {0};
    t_spawn(&th, lazy_trier, &z);
    int lost = 0;
    for (int i = 1; i <= z.rounds; i++) {
        int v = 0;
        cr_assert_eq(goc_chan_send(z.c, &v), GOC_OK);
        cr_assert_eq(goc_chan_recv(z.c, &v), GOC_OK);   /* readable, and empty */
        goc_atomic_i32_store(&z.go, i);
        for (volatile int k = 0; k < (i % 13) * 10; k++) {}
        v = i;
        cr_assert_eq(goc_chan_send(z.c, &v), GOC_OK);
        while (goc_atomic_i32_load(&z.done) != i) goc_cpu_relax();
        if (goc_chan_len(z.c) == 1 && !t_readable(fd)) lost++;
        goc_chan_try_recv(z.c, &v);                     /* empty again for the next round */
    }
    t_join(&th);
    cr_assert_eq(lost, 0, "%d rounds left a value with the descriptor unreadable", lost);
    goc_chan_free(z.c);
    T_NO_FAILURES();
}

/* After fork, the wake descriptors on the free list and the watching
 * descriptors must not be the parent's open files (a drain in one process
 * would eat a wake meant for the other). Open file descriptions share
 * their status flags: the child clears O_NONBLOCK on every non-blocking
 * descriptor the parent had, and the parent's must keep it. */
static bool t_is_nonblocking(int fd) {
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK);
}

Test(fd, fork_child_gets_its_own_descriptors) {
    bool before[256];
    for (int fd = 0; fd < 256; fd++) before[fd] = t_is_nonblocking(fd);   /* the test runner's own */
    int p[2];
    t_pipe(p);
    struct pollfd pf = { p[0], POLLIN, 0 };
    goc_case cs[1] = { goc_poll_case(&pf) };
    cr_assert_eq(goc_select_timeout(cs, 1, MS), GOC_TIMEOUT);   /* a wake descriptor, now on the free list */
    goc_chan *c = goc_chan_make(sizeof(int), 1);
    int cfd = goc_chan_fd(c);
    cr_assert_geq(cfd, 0);
    int nb[256], n = 0;
    for (int fd = 3; fd < 256 && n < 256; fd++) if (!before[fd] && t_is_nonblocking(fd)) nb[n++] = fd;
    cr_assert_geq(n, 2, "a wake descriptor and a watching one");
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        for (int i = 0; i < n; i++) fcntl(nb[i], F_SETFL, fcntl(nb[i], F_GETFL) & ~O_NONBLOCK);
        /* and the child's own still work */
        int v = 1;
        if (goc_chan_send(c, &v) != GOC_OK) _exit(2);
        struct pollfd q = { cfd, POLLIN, 0 };
        if (poll(&q, 1, 1000) != 1) _exit(3);
        _exit(goc_select_timeout(cs, 1, MS) == GOC_TIMEOUT ? 0 : 4);
    }
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
    for (int i = 0; i < n; i++) cr_assert(t_is_nonblocking(nb[i]), "descriptor %d is shared with the child", nb[i]);
    cr_assert_not(t_readable(cfd), "the child's send is not the parent's");
    goc_chan_free(c);
    close(p[0]);
    close(p[1]);
}

/* The child's renewed watching descriptor keeps FD_CLOEXEC (dup2 clears
 * it), so an exec after fork does not inherit it. */
Test(fd, fork_child_descriptors_stay_close_on_exec) {
    goc_chan *c = goc_chan_make(sizeof(int), 1);
    int cfd = goc_chan_fd(c);
    cr_assert(fcntl(cfd, F_GETFD) & FD_CLOEXEC);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) _exit(fcntl(cfd, F_GETFD) & FD_CLOEXEC ? 0 : 1);
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child's descriptor lost FD_CLOEXEC");
    goc_chan_free(c);
}
