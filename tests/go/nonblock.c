/* Port of Go's test/chan/nonblock.go: operations that test for blocking,
 * on several element sizes and types, for buffer sizes 0 and 1. A
 * non-blocking send to a waiting receiver (or receive from a waiting
 * sender) must succeed within a bounded number of tries. The Go test's
 * string becomes a char pointer. */
enum { NB_MAX_TRIES = 10000 };

typedef struct nb_arg { goc_chan *c, *strobe; } nb_arg;

static void nb_sleep(void) { sleep_us(10); gosched(); gosched(); gosched(); }

#define NB_PAIR(T, name, recv_want, send_val)                                   \
    static void name##_receiver(void *p) {                                      \
        nb_arg *a = p; T v; memset(&v, 0, sizeof v);                            \
        T_CHECK(goc_chan_recv(a->c, &v) == GOC_OK);                             \
        T_CHECK(recv_want);                                                     \
        bool t = true; T_CHECK(goc_chan_send(a->strobe, &t) == GOC_OK);          \
    }                                                                           \
    static void name##_sender(void *p) {                                        \
        nb_arg *a = p; T v = send_val;                                          \
        T_CHECK(goc_chan_send(a->c, &v) == GOC_OK);                             \
        bool t = true; T_CHECK(goc_chan_send(a->strobe, &t) == GOC_OK);          \
    }

NB_PAIR(int32_t, i32, v == 123, 234)
NB_PAIR(int64_t, i64, v == 123456, 234567)
NB_PAIR(bool, b, v == true, true)
NB_PAIR(const char *, s, v && strcmp(v, "hello") == 0, "hello again")

static bool i32_sent(const void *o) { return *(const int32_t *)o == 234; }
static bool i64_sent(const void *o) { return *(const int64_t *)o == 234567; }
static bool b_sent(const void *o) { return *(const bool *)o; }
static bool s_sent(const void *o) { return strcmp(*(const char *const *)o, "hello again") == 0; }

/* One round of the Go test for one type: a receiver waits, we send
 * without blocking; then a sender sends, we receive without blocking. */
static void nb_round(goc_waitgroup *wg, goc_chan *sync, size_t elem, size_t buffer,
                     void (*receiver)(void *), void (*sender)(void *),
                     const void *val, bool (*sent_ok)(const void *)) {
    goc_chan *c = mk(elem, buffer);
    nb_arg a = { c, sync };
    unsigned char out[16];
    cr_assert_eq(goc_chan_try_recv(c, out), GOC_WOULDBLOCK, "blocked receive succeeded");

    go(wg, receiver, &a);
    int try = 0;
    while (goc_chan_try_send(c, val) != GOC_OK) {
        cr_assert_lt(++try, NB_MAX_TRIES, "receiver buffer=%zu", buffer);
        nb_sleep();
    }
    cr_assert_eq(goc_chan_recv(sync, NULL), GOC_OK);

    go(wg, sender, &a);
    if (buffer > 0) cr_assert_eq(goc_chan_recv(sync, NULL), GOC_OK);
    try = 0;
    while (goc_chan_try_recv(c, out) != GOC_OK) {
        cr_assert_lt(++try, NB_MAX_TRIES, "sender buffer=%zu", buffer);
        nb_sleep();
    }
    cr_assert(sent_ok(out), "sender value");
    if (buffer == 0) cr_assert_eq(goc_chan_recv(sync, NULL), GOC_OK);
    goc_chan_free(c);
}

Test(go, nonblock) {
    goc_waitgroup wg = {0};
    goc_chan *sync = mk(sizeof(bool), 0);
    for (size_t buffer = 0; buffer < 2; buffer++) {
        int32_t i32 = 123;
        int64_t i64 = 123456;
        bool b = true;
        const char *s = "hello";
        nb_round(&wg, sync, sizeof i32, buffer, i32_receiver, i32_sender, &i32, i32_sent);
        nb_round(&wg, sync, sizeof i64, buffer, i64_receiver, i64_sender, &i64, i64_sent);
        nb_round(&wg, sync, sizeof b, buffer, b_receiver, b_sender, &b, b_sent);
        nb_round(&wg, sync, sizeof s, buffer, s_receiver, s_sender, &s, s_sent);
    }
    goc_wg_wait(&wg);
    T_NO_FAILURES();
    goc_chan_free(sync);
}
