/* goc_chan: making, sizes, send/recv/try/timeout, close, len/cap, zero-size
 * elements, caller memory, reference counting, typed channels, misuse. */
#include "testutil.h"
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>

TestSuite(chan, .timeout = 30);

/* ---- making ---------------------------------------------------------------- */

Test(chan, make_sizes_and_overflow) {
    size_t caps[] = { 0, 1, 2, 3, 7, 128, 1000 };
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        goc_chan *c = goc_chan_make(sizeof(long), caps[i]);
        cr_assert_not_null(c);
        cr_assert_eq(goc_chan_cap(c), caps[i]);
        cr_assert_eq(goc_chan_len(c), 0);
        goc_chan_free(c);
    }
    errno = 0;
    cr_assert_null(goc_chan_make(SIZE_MAX, 2));
    cr_assert_eq(errno, EINVAL);
    errno = 0;
    cr_assert_null(goc_chan_make(8, SIZE_MAX));
    cr_assert_eq(errno, EINVAL);
    errno = 0;
    cr_assert_null(goc_chan_make(SIZE_MAX / 2, SIZE_MAX / 4));
    cr_assert_eq(errno, EINVAL);
    cr_assert_eq(goc_chan_sizeof(SIZE_MAX, 2), 0);
    cr_assert_gt(goc_chan_sizeof(8, 0), 0);
    cr_assert_gt(goc_chan_sizeof(8, 128), goc_chan_sizeof(8, 1));
}

Test(chan, null_channel_and_null_elem_are_einval) {
    long v = 1;
    goc_case none[1] = { goc_recv_case(NULL, &v) };
    cr_assert_eq(goc_chan_send(NULL, &v), GOC_EINVAL);
    cr_assert_eq(goc_chan_recv(NULL, &v), GOC_EINVAL);
    cr_assert_eq(goc_chan_try_send(NULL, &v), GOC_EINVAL);
    cr_assert_eq(goc_chan_try_recv(NULL, &v), GOC_EINVAL);
    cr_assert_eq(goc_chan_send_timeout(NULL, &v, GOC_MILLISECOND), GOC_EINVAL);
    cr_assert_eq(goc_chan_recv_timeout(NULL, &v, GOC_MILLISECOND), GOC_EINVAL);
    cr_assert_eq(goc_chan_close(NULL), GOC_EINVAL);
    cr_assert_eq(goc_chan_len(NULL), 0);
    cr_assert_eq(goc_chan_cap(NULL), 0);
    goc_chan_retain(NULL);
    goc_chan_free(NULL);
    cr_assert_eq(goc_select(none, 1), GOC_EINVAL);
    for (size_t cap = 0; cap < 2; cap++) {
        goc_chan *c = goc_chan_make(sizeof v, cap);
        cr_assert_eq(goc_chan_send(c, NULL), GOC_EINVAL);
        cr_assert_eq(goc_chan_try_send(c, NULL), GOC_EINVAL);
        cr_assert_eq(goc_chan_send_timeout(c, NULL, 1), GOC_EINVAL);
        goc_chan_free(c);
    }
}

/* ---- caller memory ------------------------------------------------------------ */

Test(chan, init_in_caller_memory) {
    /* max_align_t alignment is all goc_chan_init asks for; try every
     * 16-byte offset within a cache line. */
    static alignas(64) unsigned char buf[64 + 4096];
    for (size_t off = 0; off < 64; off += alignof(max_align_t)) {
        for (size_t cap = 0; cap < 20; cap += 3) {
            size_t need = goc_chan_sizeof(sizeof(int), cap);
            cr_assert_leq(need + off, sizeof buf);
            memset(buf, 0xA5, sizeof buf);
            goc_chan *c = goc_chan_init(buf + off, sizeof(int), cap);
            cr_assert_not_null(c);
            cr_assert_geq((unsigned char *)c, buf + off);
            cr_assert_eq((uintptr_t)c % GOC_CACHELINE, 0);
            for (int i = 0; i < (int)cap; i++) cr_assert_eq(goc_chan_send(c, &i), GOC_OK);
            cr_assert_eq(goc_chan_try_send(c, &off), GOC_WOULDBLOCK);
            for (int i = 0; i < (int)cap; i++) {
                int v = -1;
                cr_assert_eq(goc_chan_recv(c, &v), GOC_OK);
                cr_assert_eq(v, i);
            }
            cr_assert_eq(goc_chan_close(c), GOC_OK);
            goc_chan_free(c);   /* must not free buf (ASan would report it) */
        }
    }
    errno = 0;
    cr_assert_null(goc_chan_init(NULL, 4, 4));
    cr_assert_eq(errno, EINVAL);
    errno = 0;
    cr_assert_null(goc_chan_init(buf, SIZE_MAX, 4));
    cr_assert_eq(errno, EINVAL);
}

/* ---- buffered basics ----------------------------------------------------------- */

Test(chan, buffered_fifo_len_and_wraparound) {
    goc_chan *c = goc_chan_make(sizeof(long), 3);
    long next_in = 0, next_out = 0;
    for (int round = 0; round < 1000; round++) {   /* many laps around 3 slots */
        int k = 1 + round % 3;
        for (int i = 0; i < k; i++, next_in++) cr_assert_eq(goc_chan_send(c, &next_in), GOC_OK);
        cr_assert_eq(goc_chan_len(c), (size_t)k);
        if (k == 3) cr_assert_eq(goc_chan_try_send(c, &next_in), GOC_WOULDBLOCK);
        for (int i = 0; i < k; i++) {
            long v = -1;
            cr_assert_eq(goc_chan_recv(c, &v), GOC_OK);
            cr_assert_eq(v, next_out);
            next_out++;
        }
        cr_assert_eq(goc_chan_len(c), 0);
        cr_assert_eq(goc_chan_try_recv(c, NULL), GOC_WOULDBLOCK);
    }
    goc_chan_free(c);
}

Test(chan, recv_into_null_discards) {
    goc_chan *c = goc_chan_make(sizeof(long), 2);
    long v = 7;
    goc_chan_send(c, &v);
    v = 8;
    goc_chan_send(c, &v);
    cr_assert_eq(goc_chan_recv(c, NULL), GOC_OK);
    v = 0;
    cr_assert_eq(goc_chan_recv(c, &v), GOC_OK);
    cr_assert_eq(v, 8);
    goc_chan_free(c);
}

Test(chan, odd_element_sizes) {
    /* sizes that are not the fast-path 4/8/16, including one over a line */
    size_t sizes[] = { 1, 3, 12, 24, 100 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        for (size_t cap = 0; cap < 3; cap += 2) {
            goc_chan *c = goc_chan_make(n, cap);
            unsigned char in[100], out[101];
            for (size_t i = 0; i < n; i++) in[i] = (unsigned char)(i * 7 + n);
            if (cap) {
                cr_assert_eq(goc_chan_send(c, in), GOC_OK);
                memset(out, 0, sizeof out);
                cr_assert_eq(goc_chan_recv(c, out), GOC_OK);
                cr_assert_eq(memcmp(in, out, n), 0);
            }
            goc_chan_close(c);
            memset(out, 0xFF, sizeof out);
            cr_assert_eq(goc_chan_recv(c, out), GOC_CLOSED);
            for (size_t i = 0; i < n; i++) cr_assert_eq(out[i], 0);   /* zeroed */
            cr_assert_eq(out[n], 0xFF);                               /* and no more */
            goc_chan_free(c);
        }
    }
}

/* ---- zero-size elements ----------------------------------------------------------- */

static void *signal_three(void *arg) {
    goc_chan *c = arg;
    for (int i = 0; i < 3; i++) T_CHECK(goc_chan_send(c, NULL) == GOC_OK);
    return NULL;
}

Test(chan, zero_size_elements) {
    goc_chan *b = goc_chan_make(0, 2);
    cr_assert_not_null(b);
    cr_assert_eq(goc_chan_send(b, NULL), GOC_OK);
    cr_assert_eq(goc_chan_send(b, NULL), GOC_OK);
    cr_assert_eq(goc_chan_try_send(b, NULL), GOC_WOULDBLOCK);
    cr_assert_eq(goc_chan_len(b), 2);
    cr_assert_eq(goc_chan_recv(b, NULL), GOC_OK);
    cr_assert_eq(goc_chan_recv(b, NULL), GOC_OK);
    cr_assert_eq(goc_chan_try_recv(b, NULL), GOC_WOULDBLOCK);
    goc_chan_free(b);

    goc_chan *u = goc_chan_make(0, 0);
    t_threads t = {0};
    t_spawn(&t, signal_three, u);
    for (int i = 0; i < 3; i++) cr_assert_eq(goc_chan_recv(u, NULL), GOC_OK);
    t_join(&t);
    cr_assert_eq(goc_chan_close(u), GOC_OK);
    cr_assert_eq(goc_chan_recv(u, NULL), GOC_CLOSED);
    goc_chan_free(u);
    T_NO_FAILURES();
}

/* ---- close ------------------------------------------------------------------------ */

Test(chan, buffered_values_drain_after_close) {
    goc_chan *c = goc_chan_make(sizeof(int), 5);
    for (int i = 0; i < 4; i++) goc_chan_send(c, &i);
    cr_assert_eq(goc_chan_close(c), GOC_OK);
    cr_assert_eq(goc_chan_len(c), 4);
    for (int i = 0; i < 4; i++) {
        int v = -1;
        cr_assert_eq(goc_chan_recv(c, &v), GOC_OK);
        cr_assert_eq(v, i);
    }
    for (int k = 0; k < 3; k++) {          /* and then closed, for ever, without blocking */
        int v = 99;
        cr_assert_eq(goc_chan_recv(c, &v), GOC_CLOSED);
        cr_assert_eq(v, 0);
        v = 99;
        cr_assert_eq(goc_chan_try_recv(c, &v), GOC_CLOSED);
        cr_assert_eq(v, 0);
        cr_assert_eq(goc_chan_recv_timeout(c, &v, GOC_SECOND), GOC_CLOSED);
    }
    goc_chan_free(c);
}

Test(chan, send_on_closed_and_close_twice) {
    for (size_t cap = 0; cap < 3; cap++) {
        goc_chan *c = goc_chan_make(sizeof(int), cap);
        int v = 1;
        cr_assert_eq(goc_chan_close(c), GOC_OK);
        cr_assert_eq(goc_chan_close(c), GOC_CLOSED);
        cr_assert_eq(goc_chan_send(c, &v), GOC_CLOSED);
        cr_assert_eq(goc_chan_try_send(c, &v), GOC_CLOSED);
        cr_assert_eq(goc_chan_send_timeout(c, &v, GOC_SECOND), GOC_CLOSED);
        cr_assert_eq(goc_chan_send_timeout(c, &v, 0), GOC_CLOSED);
        cr_assert_eq(goc_chan_len(c), 0);
        goc_chan_free(c);
    }
}

typedef struct blocked_op {
    goc_chan      *c;
    int            value;
    int            result;
    int            timed;     /* 1: the _timeout form (10 s), 2: a one-case select_timeout */
    int64_t        took;      /* how long the call blocked */
    goc_atomic_i32 started, finished;
} blocked_op;

#define BLOCKED_TIMEOUT (10 * GOC_SECOND)

static void *blocked_sender(void *arg) {
    blocked_op *b = arg;
    goc_atomic_i32_store(&b->started, 1);
    int64_t t0 = t_now();
    if (b->timed == 1) b->result = goc_chan_send_timeout(b->c, &b->value, BLOCKED_TIMEOUT);
    else if (b->timed == 2) {
        goc_case cs[1] = { goc_send_case(b->c, &b->value) };
        int k = goc_select_timeout(cs, 1, BLOCKED_TIMEOUT);
        b->result = k == 0 ? (cs[0].ok ? GOC_OK : GOC_CLOSED) : k;
    } else b->result = goc_chan_send(b->c, &b->value);
    b->took = t_now() - t0;
    goc_atomic_i32_store(&b->finished, 1);
    return NULL;
}

static void *blocked_receiver(void *arg) {
    blocked_op *b = arg;
    goc_atomic_i32_store(&b->started, 1);
    b->value = -1;
    int64_t t0 = t_now();
    if (b->timed == 1) b->result = goc_chan_recv_timeout(b->c, &b->value, BLOCKED_TIMEOUT);
    else if (b->timed == 2) {
        goc_case cs[1] = { goc_recv_case(b->c, &b->value) };
        int k = goc_select_timeout(cs, 1, BLOCKED_TIMEOUT);
        b->result = k == 0 ? (cs[0].ok ? GOC_OK : GOC_CLOSED) : k;
    } else b->result = goc_chan_recv(b->c, &b->value);
    b->took = t_now() - t0;
    goc_atomic_i32_store(&b->finished, 1);
    return NULL;
}

/* Wait until a thread has started its call and has had ample time to block in it. */
static void settle(blocked_op *b) {
    while (!goc_atomic_i32_load(&b->started)) t_sleep_ms(1);
    t_sleep_ms(30);
}

/* A cap-2 channel holding 1 and 2, and a thread blocked sending 3 into it. */
static goc_chan *full_with_blocked_sender(blocked_op *b, t_threads *t) {
    goc_chan *c = goc_chan_make(sizeof(int), 2);
    int v = 1;
    goc_chan_send(c, &v);
    v = 2;
    goc_chan_send(c, &v);
    *b = (blocked_op){ .c = c, .value = 3 };
    t_spawn(t, blocked_sender, b);
    settle(b);
    return c;
}

/* tylertreat/chan gets both of these wrong: one sender never wakes, the
 * other is told its value was sent although nobody received it. */
Test(chan, close_wakes_sender_blocked_on_full_buffer) {
    blocked_op b;
    t_threads t = {0};
    goc_chan *c = full_with_blocked_sender(&b, &t);
    cr_assert_eq(goc_atomic_i32_load(&b.finished), 0, "send on a full channel must block");
    cr_assert_eq(goc_chan_close(c), GOC_OK);
    t_join(&t);
    cr_assert_eq(b.result, GOC_CLOSED);
    /* the buffered values drain; the blocked sender's did not get in */
    int got;
    cr_assert_eq(goc_chan_recv(c, &got), GOC_OK);
    cr_assert_eq(got, 1);
    cr_assert_eq(goc_chan_recv(c, &got), GOC_OK);
    cr_assert_eq(got, 2);
    cr_assert_eq(goc_chan_recv(c, &got), GOC_CLOSED);
    goc_chan_free(c);
}

Test(chan, close_wakes_sender_blocked_on_unbuffered) {
    goc_chan *c = goc_chan_make(sizeof(int), 0);
    blocked_op b = { .c = c, .value = 3 };
    t_threads t = {0};
    t_spawn(&t, blocked_sender, &b);
    settle(&b);
    cr_assert_eq(goc_atomic_i32_load(&b.finished), 0, "unbuffered send without receiver must block");
    cr_assert_eq(goc_chan_close(c), GOC_OK);
    t_join(&t);
    cr_assert_eq(b.result, GOC_CLOSED, "nobody received the value: the send must not report success");
    int got = 5;
    cr_assert_eq(goc_chan_recv(c, &got), GOC_CLOSED);
    cr_assert_eq(got, 0);
    goc_chan_free(c);
}

/* Every form - plain, _timeout, select_timeout - is woken by close at
 * once, with GOC_CLOSED, long before its own time would run out. */
Test(chan, close_wakes_every_blocked_receiver) {
    for (int form = 0; form < 3; form++) for (size_t cap = 0; cap < 2; cap++) {
        goc_chan *c = goc_chan_make(sizeof(int), cap);
        blocked_op b[4];
        t_threads t = {0};
        for (int i = 0; i < 4; i++) {
            b[i] = (blocked_op){ .c = c, .timed = form };
            t_spawn(&t, blocked_receiver, &b[i]);
        }
        for (int i = 0; i < 4; i++) settle(&b[i]);
        cr_assert_eq(goc_chan_close(c), GOC_OK);
        t_join(&t);
        for (int i = 0; i < 4; i++) {
            cr_assert_eq(b[i].result, GOC_CLOSED, "form %d cap %zu", form, cap);
            cr_assert_eq(b[i].value, 0);
            cr_assert_lt(b[i].took, BLOCKED_TIMEOUT / 2);
        }
        goc_chan_free(c);
    }
}

Test(chan, close_wakes_every_blocked_sender) {
    for (int form = 0; form < 3; form++) for (size_t cap = 0; cap < 2; cap++) {
        goc_chan *c = goc_chan_make(sizeof(int), cap);
        int fill = 0;
        if (cap) goc_chan_send(c, &fill);
        blocked_op b[4];
        t_threads t = {0};
        for (int i = 0; i < 4; i++) {
            b[i] = (blocked_op){ .c = c, .value = i + 10, .timed = form };
            t_spawn(&t, blocked_sender, &b[i]);
        }
        for (int i = 0; i < 4; i++) settle(&b[i]);
        cr_assert_eq(goc_chan_close(c), GOC_OK);
        t_join(&t);
        for (int i = 0; i < 4; i++) {
            cr_assert_eq(b[i].result, GOC_CLOSED, "form %d cap %zu", form, cap);
            cr_assert_lt(b[i].took, BLOCKED_TIMEOUT / 2);
        }
        if (cap) {
            int v = -1;
            cr_assert_eq(goc_chan_recv(c, &v), GOC_OK);
            cr_assert_eq(v, 0);
        }
        cr_assert_eq(goc_chan_recv(c, NULL), GOC_CLOSED);
        goc_chan_free(c);
    }
}

/* ---- blocking and rendezvous ---------------------------------------------------------- */

Test(chan, unbuffered_send_waits_for_the_receiver) {
    goc_chan *c = goc_chan_make(sizeof(int), 0);
    blocked_op b = { .c = c, .value = 42 };
    t_threads t = {0};
    t_spawn(&t, blocked_sender, &b);
    settle(&b);
    cr_assert_eq(goc_atomic_i32_load(&b.finished), 0);
    int v = 0;
    cr_assert_eq(goc_chan_recv(c, &v), GOC_OK);
    cr_assert_eq(v, 42);
    t_join(&t);
    cr_assert_eq(b.result, GOC_OK);
    goc_chan_free(c);
}

Test(chan, unbuffered_recv_waits_for_the_sender) {
    goc_chan *c = goc_chan_make(sizeof(int), 0);
    blocked_op b = { .c = c };
    t_threads t = {0};
    t_spawn(&t, blocked_receiver, &b);
    settle(&b);
    cr_assert_eq(goc_atomic_i32_load(&b.finished), 0);
    int v = 42;
    cr_assert_eq(goc_chan_send(c, &v), GOC_OK);
    t_join(&t);
    cr_assert_eq(b.result, GOC_OK);
    cr_assert_eq(b.value, 42);
    goc_chan_free(c);
}

/* A receive from a full buffer with a blocked sender lets that sender's
 * value in behind the buffered ones: per-sender FIFO. */
Test(chan, blocked_sender_value_queues_behind_buffered_ones) {
    blocked_op b;
    t_threads t = {0};
    goc_chan *c = full_with_blocked_sender(&b, &t);
    for (int want = 1; want <= 3; want++) {
        int got = -1;
        cr_assert_eq(goc_chan_recv(c, &got), GOC_OK);
        cr_assert_eq(got, want);
    }
    t_join(&t);
    cr_assert_eq(b.result, GOC_OK);
    cr_assert_eq(goc_chan_len(c), 0);
    goc_chan_free(c);
}

/* Everything a sender wrote before its send is visible after the receive
 * (TSan checks the plain accesses). */
typedef struct hb_msg { long payload[8]; } hb_msg;
static hb_msg g_msgs[1000];

static void *hb_sender(void *arg) {
    goc_chan *c = arg;
    for (int i = 0; i < 1000; i++) {
        for (int k = 0; k < 8; k++) g_msgs[i].payload[k] = i * 8 + k;   /* plain writes */
        hb_msg *p = &g_msgs[i];
        T_CHECK(goc_chan_send(c, &p) == GOC_OK);
    }
    return NULL;
}

Test(chan, send_happens_before_receive) {
    for (size_t cap = 0; cap < 3; cap += 2) {
        goc_chan *c = goc_chan_make(sizeof(hb_msg *), cap);
        t_threads t = {0};
        t_spawn(&t, hb_sender, c);
        for (int i = 0; i < 1000; i++) {
            hb_msg *p = NULL;
            cr_assert_eq(goc_chan_recv(c, &p), GOC_OK);
            for (int k = 0; k < 8; k++) cr_assert_eq(p->payload[k], i * 8 + k);
        }
        t_join(&t);
        goc_chan_free(c);
    }
    T_NO_FAILURES();
}

/* ---- timeouts ----------------------------------------------------------------------------- */

static void *recv_timeout_20ms(void *arg) {
    goc_chan *c = arg;
    int v = 5;
    int64_t t0 = t_now();
    int r = goc_chan_recv_timeout(c, &v, 20 * GOC_MILLISECOND);
    int64_t took = t_now() - t0;
    T_CHECK(r == GOC_TIMEOUT);
    T_CHECK(took >= 20 * GOC_MILLISECOND);
    return NULL;
}

static void *send_timeout_20ms(void *arg) {
    goc_chan *c = arg;
    int v = 5;
    int64_t t0 = t_now();
    int r = goc_chan_send_timeout(c, &v, 20 * GOC_MILLISECOND);
    int64_t took = t_now() - t0;
    T_CHECK(r == GOC_TIMEOUT);
    T_CHECK(took >= 20 * GOC_MILLISECOND);
    return NULL;
}

Test(chan, timeouts_never_return_early) {
    for (size_t cap = 0; cap < 2; cap++) {
        goc_chan *c = goc_chan_make(sizeof(int), cap);
        int fill = 0;
        t_threads t = {0};
        for (int i = 0; i < 3; i++) t_spawn(&t, recv_timeout_20ms, c);
        t_join(&t);
        if (cap) goc_chan_send(c, &fill);
        for (int i = 0; i < 3; i++) t_spawn(&t, send_timeout_20ms, c);
        t_join(&t);
        goc_chan_free(c);
    }
    T_NO_FAILURES();
}

Test(chan, zero_and_negative_timeouts_poll) {
    for (size_t cap = 0; cap < 2; cap++) {
        goc_chan *c = goc_chan_make(sizeof(int), cap);
        int v = 1;
        cr_assert_eq(goc_chan_recv_timeout(c, &v, 0), GOC_TIMEOUT);
        cr_assert_eq(goc_chan_recv_timeout(c, &v, -5), GOC_TIMEOUT);
        if (cap) {
            cr_assert_eq(goc_chan_send_timeout(c, &v, 0), GOC_OK);
            cr_assert_eq(goc_chan_send_timeout(c, &v, -1), GOC_TIMEOUT);
            cr_assert_eq(goc_chan_recv_timeout(c, &v, 0), GOC_OK);
        } else {
            cr_assert_eq(goc_chan_send_timeout(c, &v, 0), GOC_TIMEOUT);
        }
        goc_chan_free(c);
    }
}

Test(chan, huge_timeout_does_not_overflow) {
    goc_chan *c = goc_chan_make(sizeof(int), 1);
    int v = 3;
    cr_assert_eq(goc_chan_send_timeout(c, &v, INT64_MAX), GOC_OK);
    cr_assert_eq(goc_chan_recv_timeout(c, &v, INT64_MAX), GOC_OK);
    goc_chan_free(c);
}

static void *send_after_10ms(void *arg) {
    goc_chan *c = arg;
    t_sleep_ms(10);
    int v = 77;
    T_CHECK(goc_chan_send(c, &v) == GOC_OK);
    return NULL;
}

Test(chan, timeout_form_completes_when_partner_comes) {
    for (size_t cap = 0; cap < 2; cap++) {
        goc_chan *c = goc_chan_make(sizeof(int), cap);
        t_threads t = {0};
        t_spawn(&t, send_after_10ms, c);
        int v = 0;
        cr_assert_eq(goc_chan_recv_timeout(c, &v, 10 * GOC_SECOND), GOC_OK);
        cr_assert_eq(v, 77);
        t_join(&t);
        goc_chan_free(c);
    }
    T_NO_FAILURES();
}

/* ---- reference counting --------------------------------------------------------------------- */

static void *use_and_drop(void *arg) {
    goc_chan *c = arg;           /* this thread owns one reference */
    int v = 1;
    T_CHECK(goc_chan_send(c, &v) == GOC_OK);
    goc_chan_free(c);
    return NULL;
}

Test(chan, reference_counting) {
    for (int round = 0; round < 50; round++) {
        goc_chan *c = goc_chan_make(sizeof(int), 8);
        t_threads t = {0};
        for (int i = 0; i < 4; i++) {
            goc_chan_retain(c);
            t_spawn(&t, use_and_drop, c);
        }
        for (int i = 0; i < 4; i++) cr_assert_eq(goc_chan_recv(c, NULL), GOC_OK);
        goc_chan_free(c);        /* the last of the five drops frees (ASan: no leak, no UAF) */
        t_join(&t);
    }
    T_NO_FAILURES();
}

/* ---- typed channels --------------------------------------------------------------------------- */

typedef struct point { int x, y; } point;
GOC_CHAN_TYPED(point_chan, point);
GOC_CHAN_TYPED(dbl_chan, double);

Test(chan, typed_channels) {
    point_chan pc = point_chan_make(2);
    cr_assert_not_null(point_chan_chan(pc));
    cr_assert_eq(point_chan_cap(pc), 2);
    cr_assert_eq(point_chan_send(pc, (point){1, 2}), GOC_OK);
    cr_assert_eq(point_chan_try_send(pc, (point){3, 4}), GOC_OK);
    cr_assert_eq(point_chan_try_send(pc, (point){5, 6}), GOC_WOULDBLOCK);
    cr_assert_eq(point_chan_send_timeout(pc, (point){5, 6}, 0), GOC_TIMEOUT);
    cr_assert_eq(point_chan_len(pc), 2);
    point p = {0, 0};
    cr_assert_eq(point_chan_recv(pc, &p), GOC_OK);
    cr_assert(p.x == 1 && p.y == 2);
    cr_assert_eq(point_chan_try_recv(pc, &p), GOC_OK);
    cr_assert(p.x == 3 && p.y == 4);
    cr_assert_eq(point_chan_recv_timeout(pc, &p, 0), GOC_TIMEOUT);
    cr_assert_eq(point_chan_close(pc), GOC_OK);
    cr_assert_eq(point_chan_recv(pc, &p), GOC_CLOSED);
    point_chan_free(pc);

    dbl_chan dc = dbl_chan_make(1);
    double d = 0;
    goc_case cs[1] = { goc_send_case(dbl_chan_chan(dc), &(double){2.5}) };
    cr_assert_eq(goc_select(cs, 1), 0);
    cr_assert_eq(dbl_chan_recv(dc, &d), GOC_OK);
    cr_assert_eq(d, 2.5);
    dbl_chan_free(dc);
}

Test(chan, strerror_names_results) {
    cr_assert_str_eq(goc_strerror(GOC_CLOSED), "channel closed");
    cr_assert_str_eq(goc_strerror(GOC_WOULDBLOCK), "operation would block");
}
