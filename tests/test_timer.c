/* timer.h: the clock, sleep, Timer, AfterFunc, After and Ticker, with
 * ports of Go's time/sleep_test.go and time/tick_test.go (each test that
 * is a port names its Go original), and Go 1.23's guarantee that no stale
 * value is received after stop or reset. */
#include "testutil.h"
#include <errno.h>

TestSuite(timer, .timeout = 120);

#define MS GOC_MILLISECOND

Test(timer, now_is_monotonic_and_sleep_sleeps) {
    int64_t a = goc_now();
    goc_sleep(20 * MS);
    int64_t b = goc_now();
    cr_assert_geq(b - a, 20 * MS);
    goc_sleep(0);
    goc_sleep(-5);
    cr_assert_geq(goc_now(), b);
}

/* Timers never fire early: the value sent is goc_now() at firing, at
 * least creation + d, and it arrives no earlier. */
/* The timer thread is named goc-timer (pool.h's THREAD NAMES): one of
 * the process's threads says so once a timer has run. */
#if defined(__linux__)
#include <dirent.h>
#include <stdio.h>
#include <string.h>
Test(timer, timer_thread_is_named) {
    goc_chan *c = goc_after(1 * MS);
    cr_assert_eq(goc_chan_recv(c, NULL), GOC_OK);
    goc_chan_free(c);
    bool seen = false;
    DIR *d = opendir("/proc/self/task");
    cr_assert_not_null(d);
    for (struct dirent *e; !seen && (e = readdir(d)) != NULL;) {
        char path[300], name[32] = {0};
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        seen = fgets(name, sizeof name, f) && strcmp(name, "goc-timer\n") == 0;
        fclose(f);
    }
    closedir(d);
    cr_assert(seen, "no thread named goc-timer");
}
#endif

Test(timer, timers_never_fire_early) {
    for (int i = 0; i < 50; i++) {
        goc_duration d = (goc_duration)(i % 7) * MS + (goc_duration)i * 13 * GOC_MICROSECOND;
        int64_t t0 = goc_now();
        goc_timer *t = goc_timer_new(d);
        cr_assert_not_null(t);
        int64_t v = 0;
        cr_assert_eq(goc_chan_recv(goc_timer_chan(t), &v), GOC_OK);
        int64_t got = goc_now();
        cr_assert_geq(v - t0, d, "fired %lld ns early", (long long)(t0 + d - v));
        cr_assert_geq(got, v);
        goc_timer_free(t);
    }
}

/* Many timers at once, in random order of deadlines: each fires once,
 * none early (the heap orders them). */
Test(timer, many_timers_fire_in_deadline_order) {
    enum { N = 300 };
    goc_timer *ts[N];
    int64_t due[N];
    int64_t t0 = goc_now();
    for (int i = 0; i < N; i++) {
        goc_duration d = (goc_duration)((i * 7919) % N) * 100 * GOC_MICROSECOND;
        due[i] = t0 + d;
        ts[i] = goc_timer_new(d);
    }
    for (int i = 0; i < N; i++) {
        int64_t v;
        cr_assert_eq(goc_chan_recv(goc_timer_chan(ts[i]), &v), GOC_OK);
        cr_assert_geq(v, due[i]);
        cr_assert_eq(goc_chan_try_recv(goc_timer_chan(ts[i]), &v), GOC_WOULDBLOCK, "one value only");
        goc_timer_free(ts[i]);
    }
}

/* Tens of thousands of timers due within a few ms of each other: the
 * timer thread once computed a wait of exactly -1 ns (GOC_FOREVER) for a
 * deadline just passed and slept for ever. */
Test(timer, dense_deadlines_all_fire) {
    int n = T_ITERS(50000);
    goc_timer **ts = malloc((size_t)n * sizeof *ts);
    for (int i = 0; i < n; i++) ts[i] = goc_timer_new((goc_duration)(i % 200) * 50 * GOC_MICROSECOND);
    for (int i = 0; i < n; i++) {
        cr_assert_eq(goc_chan_recv_timeout(goc_timer_chan(ts[i]), NULL, 10 * GOC_SECOND), GOC_OK, "timer %d never fired", i);
        goc_timer_free(ts[i]);
    }
    free(ts);
}

/* Port of Go's time/sleep_test.go TestAfterFunc: a callback that re-arms
 * itself through a fresh AfterFunc, ten times. */
static goc_atomic_i64 af_i;
static goc_chan *af_done;
static goc_timer *af_timers[16];
static void af_step(void *arg) {
    (void)arg;
    int64_t i = goc_atomic_i64_add(&af_i, -1);
    if (i >= 0) {
        af_timers[i] = goc_after_func(0, af_step, NULL);
        T_CHECK(af_timers[i] != NULL);
        return;
    }
    goc_chan_send(af_done, NULL);
}

Test(timer, go_TestAfterFunc) {
    goc_atomic_i64_store(&af_i, 10);
    af_done = goc_chan_make(0, 0);
    goc_timer *first = goc_after_func(0, af_step, NULL);
    cr_assert_eq(goc_chan_recv(af_done, NULL), GOC_OK);
    T_NO_FAILURES();
    goc_timer_free(first);
    for (int i = 0; i < 10; i++) goc_timer_free(af_timers[i]);
    goc_chan_free(af_done);
}

/* AfterFunc: stop before it runs prevents it; a slow callback does not
 * delay other timers (each runs on its own thread). */
static goc_atomic_i64 af_runs;
static void af_count(void *arg) { (void)arg; goc_atomic_i64_add(&af_runs, 1); }
static void af_slow(void *arg) { (void)arg; t_sleep_ms(1000); goc_atomic_i64_add(&af_runs, 100); }

Test(timer, after_func_stop_reset_and_slow_callbacks) {
    goc_atomic_i64_store(&af_runs, 0);
    goc_timer *t = goc_after_func(50 * MS, af_count, NULL);
    cr_assert(goc_timer_stop(t), "stopped before it ran");
    cr_assert_not(goc_timer_stop(t));
    cr_assert_not(goc_timer_reset(t, 10 * MS), "was not pending");
    cr_assert(t_await_i64(&af_runs, 1, 5000), "reset re-armed it");
    cr_assert_not(goc_timer_stop(t), "it ran");
    goc_timer_free(t);

    goc_atomic_i64_store(&af_runs, 0);
    goc_timer *slow = goc_after_func(0, af_slow, NULL);
    t_sleep_ms(20);                                 /* the slow one is running */
    int64_t t0 = goc_now();
    goc_timer *fast = goc_timer_new(10 * MS);
    int64_t v;
    goc_chan_recv(goc_timer_chan(fast), &v);
    cr_assert_lt(goc_now() - t0, 600 * MS, "a slow callback delayed another timer");
    cr_assert_eq(goc_atomic_i64_load(&af_runs), 0);
    cr_assert(t_await_i64(&af_runs, 100, 5000));
    goc_timer_free(fast);
    goc_timer_free(slow);
    errno = 0;
    cr_assert_null(goc_after_func(MS, NULL, NULL));
    cr_assert_eq(errno, EINVAL);
}

/* Port of Go's time/sleep_test.go TestAfter and TestAfterTick: After
 * delivers once, no earlier than asked, and ten in a row take at least
 * ten times as long. */
Test(timer, go_TestAfter_TestAfterTick) {
    int64_t t0 = goc_now();
    goc_chan *a = goc_after(20 * MS);
    cr_assert_not_null(a);
    int64_t v;
    cr_assert_eq(goc_chan_recv(a, &v), GOC_OK);
    cr_assert_geq(v - t0, 20 * MS);
    cr_assert_geq(goc_now() - t0, 20 * MS);
    goc_chan_free(a);
    t0 = goc_now();
    for (int i = 0; i < 10; i++) {
        a = goc_after(2 * MS);
        goc_chan_recv(a, NULL);
        goc_chan_free(a);
    }
    cr_assert_geq(goc_now() - t0, 20 * MS);
    /* freed before it fires: the timer keeps its own reference (ASan: no leak, no UAF) */
    for (int i = 0; i < 100; i++) goc_chan_free(goc_after((i % 3) * MS));
    t_sleep_ms(20);
}

/* Port of Go's time/sleep_test.go TestReset (and the Stop results of
 * TestTimerStopStress): reset and stop report whether the timer was
 * pending, and the timer fires at the new time. */
Test(timer, go_TestReset_and_stop_results) {
    /* Margins of 150 ms or more either way: a test thread descheduled for
     * tens of ms on a busy VM must not turn into a failure. */
    goc_timer *t = goc_timer_new(200 * MS);
    t_sleep_ms(10);
    cr_assert(goc_timer_reset(t, 400 * MS), "active timer: reset is true");
    t_sleep_ms(250);                      /* past the first deadline, not the second */
    cr_assert_eq(goc_chan_len(goc_timer_chan(t)), 0, "the old schedule did not fire");
    int64_t v;
    cr_assert_eq(goc_chan_recv(goc_timer_chan(t), &v), GOC_OK);
    cr_assert_not(goc_timer_stop(t), "fired and received: stop is false");
    cr_assert_not(goc_timer_reset(t, MS));
    t_sleep_ms(20);
    cr_assert(goc_timer_stop(t), "fired but not received: still pending (Go 1.23)");
    cr_assert_eq(goc_chan_try_recv(goc_timer_chan(t), &v), GOC_WOULDBLOCK, "stop emptied it");
    cr_assert_not(goc_timer_stop(t));
    goc_timer_free(t);

    t = goc_timer_new(-5);                /* negative: fires at once */
    cr_assert_eq(goc_chan_recv_timeout(goc_timer_chan(t), &v, 5 * GOC_SECOND), GOC_OK);
    goc_timer_free(t);
    cr_assert_null(goc_timer_chan(NULL));
    cr_assert_not(goc_timer_stop(NULL));
    cr_assert_not(goc_timer_reset(NULL, MS));
    goc_timer_free(NULL);
}

/* Go 1.23's guarantee (Go's time/sleep_test.go testTimerChan, "no stale
 * values"): thousands of rounds of reset racing the timer's own firing;
 * after reset returns, a value received must come from the new schedule,
 * that is, be no earlier than the reset's start + the new duration. */
Test(timer, no_stale_value_after_reset_or_stop) {
    goc_timer *t = goc_timer_new(0);
    int rounds = T_ITERS(5000);
    for (int i = 0; i < rounds; i++) {
        /* let the old schedule be anywhere: not fired, firing, fired */
        goc_duration old = (goc_duration)(i % 5) * 20 * GOC_MICROSECOND;
        goc_timer_reset(t, old);
        for (volatile int k = 0; k < (i % 7) * 200; k++) {}
        int64_t before = goc_now();
        goc_timer_reset(t, 100 * GOC_MICROSECOND);
        int64_t v;
        cr_assert_eq(goc_chan_recv(goc_timer_chan(t), &v), GOC_OK);
        cr_assert_geq(v, before + 100 * GOC_MICROSECOND, "round %d: a stale value from the old schedule", i);
        /* and stop: nothing at all arrives afterwards */
        goc_timer_reset(t, (goc_duration)(i % 3) * 10 * GOC_MICROSECOND);
        for (volatile int k = 0; k < (i % 5) * 300; k++) {}
        goc_timer_stop(t);
        cr_assert_eq(goc_chan_try_recv(goc_timer_chan(t), &v), GOC_WOULDBLOCK, "round %d: value after stop", i);
    }
    int64_t v;
    cr_assert_eq(goc_chan_recv_timeout(goc_timer_chan(t), &v, 5 * MS), GOC_TIMEOUT);
    goc_timer_free(t);
}

/* Go's old idiom `if (!t.Stop()) { <-t.C }` must never block (Go 1.23). */
Test(timer, stop_then_drain_idiom_never_blocks) {
    for (int i = 0; i < T_ITERS(2000); i++) {
        goc_timer *t = goc_timer_new((goc_duration)(i % 4) * 25 * GOC_MICROSECOND);
        for (volatile int k = 0; k < (i % 9) * 100; k++) {}
        if (!goc_timer_stop(t)) {
            int64_t v;
            /* nothing to drain: try finds nothing, not even late */
            cr_assert_eq(goc_chan_recv_timeout(goc_timer_chan(t), &v, GOC_MILLISECOND), GOC_TIMEOUT);
        }
        goc_timer_free(t);
    }
}

/* A receiver blocked on the timer while another thread stops it: it gets
 * nothing from the stopped timer, and the timer works in select. */
static goc_timer *race_t;
static void *blocked_receiver(void *arg) {
    (void)arg;
    int64_t v;
    goc_case cs[1] = { goc_recv_case(goc_timer_chan(race_t), &v) };
    *(int *)arg = goc_select_timeout(cs, 1, 100 * MS);
    return NULL;
}

Test(timer, stop_with_a_receiver_blocked_in_select) {
    race_t = goc_timer_new(GOC_SECOND);
    int result = 99;
    t_threads th = {0};
    t_spawn(&th, blocked_receiver, &result);
    t_sleep_ms(10);
    cr_assert(goc_timer_stop(race_t));
    t_join(&th);
    cr_assert_eq(result, GOC_TIMEOUT);
    goc_timer_reset(race_t, 5 * MS);
    t_spawn(&th, blocked_receiver, &result);
    t_join(&th);
    cr_assert_eq(result, 0, "fired into the select");
    goc_timer_free(race_t);
}

/* Port of Go's time/tick_test.go TestTicker: ticks come at the period; a
 * reset to another period takes effect; stop ends them. */
Test(timer, go_TestTicker) {
    goc_duration period = 5 * MS;
    int count = 10;
    int64_t t0 = goc_now(), v;
    goc_ticker *tk = goc_ticker_new(period);
    cr_assert_not_null(tk);
    for (int i = 0; i < count; i++) cr_assert_eq(goc_chan_recv(goc_ticker_chan(tk), &v), GOC_OK);
    int64_t dt = goc_now() - t0;
    cr_assert_geq(dt, count * period);
    cr_assert_lt(dt, 50 * count * period, "ticks far too slow: %lld ns", (long long)dt);
    t0 = goc_now();
    goc_ticker_reset(tk, 2 * period);
    for (int i = 0; i < count / 2; i++) goc_chan_recv(goc_ticker_chan(tk), &v);
    cr_assert_geq(goc_now() - t0, count / 2 * 2 * period);
    goc_ticker_stop(tk);
    cr_assert_eq(goc_chan_recv_timeout(goc_ticker_chan(tk), &v, 4 * period), GOC_TIMEOUT, "a tick after stop");
    goc_ticker_free(tk);
}

/* Port of Go's time/tick_test.go TestNewTickerLtZeroDuration and
 * TestTickerResetLtZeroDuration (Go panics; goc answers EINVAL). */
Test(timer, go_TestNewTickerLtZeroDuration) {
    errno = 0;
    cr_assert_null(goc_ticker_new(-1));
    cr_assert_eq(errno, EINVAL);
    cr_assert_null(goc_ticker_new(0));
    goc_ticker *tk = goc_ticker_new(GOC_SECOND);
    errno = 0;
    goc_ticker_reset(tk, 0);
    cr_assert_eq(errno, EINVAL);
    int64_t v;
    cr_assert_eq(goc_chan_try_recv(goc_ticker_chan(tk), &v), GOC_WOULDBLOCK, "unchanged: no tick yet");
    goc_ticker_free(tk);
    goc_ticker_stop(NULL);
    goc_ticker_reset(NULL, MS);
    goc_ticker_free(NULL);
    cr_assert_null(goc_ticker_chan(NULL));
}

/* A slow receiver finds one tick waiting, the missed ones dropped, and the
 * schedule going on from now (Go's ticker drops ticks). */
Test(timer, ticker_drops_ticks_for_a_slow_receiver) {
    goc_ticker *tk = goc_ticker_new(2 * MS);
    t_sleep_ms(50);                         /* ~25 periods */
    cr_assert_eq(goc_chan_len(goc_ticker_chan(tk)), 1, "one tick waits, not 25");
    int64_t v1, v2;
    goc_chan_recv(goc_ticker_chan(tk), &v1);
    int64_t t0 = goc_now();
    goc_chan_recv(goc_ticker_chan(tk), &v2);
    cr_assert_lt(goc_now() - t0, 2 * GOC_SECOND, "the ticker goes on ticking after the drop");
    cr_assert_gt(v2, v1);
    goc_ticker_free(tk);
}

/* Tickers and timers stopped and reset from many threads at once. */
static void *churn(void *arg) {
    (void)arg;
    for (int i = 0; i < T_ITERS(20000); i++) {
        goc_timer *t = goc_timer_new((goc_duration)(i % 50) * GOC_MICROSECOND);
        if (i % 3 == 0) goc_timer_reset(t, GOC_SECOND);
        goc_timer_stop(t);
        goc_timer_free(t);
    }
    return NULL;
}

Test(timer, churn_from_many_threads) {
    t_threads th = {0};
    for (int i = 0; i < 4; i++) t_spawn(&th, churn, NULL);
    t_join(&th);
    /* the timer thread still works */
    goc_timer *t = goc_timer_new(MS);
    cr_assert_eq(goc_chan_recv_timeout(goc_timer_chan(t), NULL, 5 * GOC_SECOND), GOC_OK);
    goc_timer_free(t);
}

/* A million (a hundred thousand under the sanitizers' T_SCALE) timers far
 * in the future cost no CPU: the timer thread sleeps. */
Test(timer, many_far_timers_leave_the_timer_thread_idle) {
    int n = 1000000 / T_SCALE;
    goc_timer **ts = malloc((size_t)n * sizeof *ts);
    cr_assert_not_null(ts);
    for (int i = 0; i < n; i++) cr_assert_not_null(ts[i] = goc_timer_new(3600 * GOC_SECOND + i));
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    t_sleep_ms(300);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    int64_t cpu = (c1.tv_sec - c0.tv_sec) * GOC_SECOND + (c1.tv_nsec - c0.tv_nsec);
    /* A timer thread that polled would use most of the 300 ms; 100 ms
     * leaves room for a VM's accounting noise. */
    cr_assert_lt(cpu, 100 * MS, "the process used %lld ns of CPU while timers waited", (long long)cpu);
    for (int i = 0; i < n; i++) goc_timer_free(ts[i]);
    free(ts);
}

/* ---- huge and negative durations (saturating deadline arithmetic) ------- */

static goc_atomic_i64 huge_calls;
static void huge_fn(void *arg) { (void)arg; goc_atomic_i64_add(&huge_calls, 1); }

/* A 10 ms timer still fires (the timer thread is alive and not looping
 * under the lock), within a generous bound. */
static void expect_timers_work(void) {
    goc_timer *t = goc_timer_new(10 * MS);
    cr_assert_not_null(t);
    cr_assert_eq(goc_chan_recv_timeout(goc_timer_chan(t), NULL, 10 * GOC_SECOND), GOC_OK,
                 "a 10 ms timer did not fire: the timer thread is stuck");
    goc_timer_free(t);
}

/* A ticker of a huge period wrapped its deadline, fired, and re-armed by
 * a wrapping `next += ...` for ever under the timer lock: every timer in
 * the process hung. It must simply never tick. */
Test(timer, huge_ticker_period_never_ticks_and_hangs_nothing, .timeout = 30) {
    goc_ticker *a = goc_ticker_new(INT64_MAX);
    goc_ticker *b = goc_ticker_new(INT64_MAX - 1);
    goc_ticker *c = goc_ticker_new(INT64_MAX / 2);   /* fits now + period, not the next tick */
    goc_ticker *d = goc_ticker_new(MS);
    cr_assert(a && b && c && d);
    goc_ticker_reset(d, INT64_MAX);                  /* reset to a huge period, too */
    expect_timers_work();
    expect_timers_work();
    cr_assert_eq(goc_chan_try_recv(goc_ticker_chan(a), NULL), GOC_WOULDBLOCK);
    cr_assert_eq(goc_chan_try_recv(goc_ticker_chan(b), NULL), GOC_WOULDBLOCK);
    cr_assert_eq(goc_chan_try_recv(goc_ticker_chan(c), NULL), GOC_WOULDBLOCK);
    cr_assert_eq(goc_chan_try_recv(goc_ticker_chan(d), NULL), GOC_WOULDBLOCK, "reset dropped the old schedule");
    goc_ticker_stop(a);
    goc_ticker_reset(a, INT64_MAX);
    goc_ticker_free(a);
    goc_ticker_free(b);
    goc_ticker_free(c);
    goc_ticker_free(d);
    expect_timers_work();
}

/* Port of Go's time/sleep_test.go TestOverflowSleep (and its Timer /
 * AfterFunc / Reset relatives): now + INT64_MAX wrapped into the past and
 * fired at once. A huge duration never fires; a hugely negative one fires
 * at once. */
Test(timer, go_TestOverflowSleep_huge_durations_never_fire, .timeout = 30) {
    goc_atomic_i64_store(&huge_calls, 0);
    goc_duration huge[] = { INT64_MAX, INT64_MAX - 1, INT64_MAX / 2 + GOC_SECOND };
    enum { H = sizeof huge / sizeof huge[0] };
    goc_chan *after[H];
    goc_timer *tm[H], *af[H], *rs[H];
    for (int i = 0; i < H; i++) {
        after[i] = goc_after(huge[i]);
        tm[i] = goc_timer_new(huge[i]);
        af[i] = goc_after_func(huge[i], huge_fn, NULL);
        rs[i] = goc_timer_new(MS);
        cr_assert(after[i] && tm[i] && af[i] && rs[i]);
        goc_timer_reset(rs[i], huge[i]);
    }
    expect_timers_work();
    t_sleep_ms(20);
    for (int i = 0; i < H; i++) {
        cr_assert_eq(goc_chan_try_recv(after[i], NULL), GOC_WOULDBLOCK, "goc_after(huge[%d]) fired", i);
        cr_assert_eq(goc_chan_try_recv(goc_timer_chan(tm[i]), NULL), GOC_WOULDBLOCK, "timer_new(huge[%d]) fired", i);
        cr_assert_eq(goc_chan_try_recv(goc_timer_chan(rs[i]), NULL), GOC_WOULDBLOCK, "timer_reset(huge[%d]) fired", i);
    }
    cr_assert_eq(goc_atomic_i64_load(&huge_calls), 0, "after_func(huge) ran");
    for (int i = 0; i < H; i++) {
        cr_assert(goc_timer_stop(tm[i]), "a never-firing timer is pending");
        cr_assert(goc_timer_stop(af[i]));
        goc_chan_free(after[i]);
        goc_timer_free(tm[i]);
        goc_timer_free(af[i]);
        goc_timer_free(rs[i]);
    }
    cr_assert_eq(goc_atomic_i64_load(&huge_calls), 0);
}

Test(timer, hugely_negative_durations_fire_at_once, .timeout = 30) {
    goc_atomic_i64_store(&huge_calls, 0);
    goc_duration neg[] = { INT64_MIN, INT64_MIN + 1, -1 };
    for (int i = 0; i < 3; i++) {
        int64_t t0 = goc_now();
        goc_chan *a = goc_after(neg[i]);
        goc_timer *t = goc_timer_new(neg[i]);
        goc_timer *f = goc_after_func(neg[i], huge_fn, NULL);
        cr_assert(a && t && f);
        int64_t v = 0;
        cr_assert_eq(goc_chan_recv_timeout(a, &v, 10 * GOC_SECOND), GOC_OK);
        cr_assert_geq(v, t0);
        cr_assert_eq(goc_chan_recv_timeout(goc_timer_chan(t), &v, 10 * GOC_SECOND), GOC_OK);
        cr_assert(!goc_timer_reset(t, neg[i]));
        cr_assert_eq(goc_chan_recv_timeout(goc_timer_chan(t), &v, 10 * GOC_SECOND), GOC_OK);
        goc_chan_free(a);
        goc_timer_free(t);
        goc_timer_free(f);
    }
    for (int64_t end = goc_now() + 10 * GOC_SECOND; goc_atomic_i64_load(&huge_calls) < 3 && goc_now() < end;)
        t_sleep_ms(1);
    cr_assert_eq(goc_atomic_i64_load(&huge_calls), 3);
}

/* goc_sleep(INT64_MAX) computed now + d: signed overflow (UBSan aborts).
 * Non-positive durations return at once; huge ones sleep (for ever: the
 * sleepers are left behind, detached, when the test process exits). */
static goc_atomic_i64 sleepers_woke;
static void *forever_sleeper(void *arg) {
    goc_sleep(*(goc_duration *)arg);
    goc_atomic_i64_add(&sleepers_woke, 1);
    return NULL;
}
Test(timer, sleep_saturates, .timeout = 30) {
    int64_t t0 = goc_now();
    goc_sleep(INT64_MIN);
    goc_sleep(INT64_MIN + 1);
    goc_sleep(-1);
    goc_sleep(0);
    cr_assert_lt(goc_now() - t0, 2 * GOC_SECOND, "a non-positive sleep waited");
    static goc_duration ds[] = { GOC_FOREVER, INT64_MAX - 1, INT64_MAX / 2 + GOC_SECOND };
    for (int i = 0; i < 3; i++) {
        pthread_t id;
        cr_assert_eq(pthread_create(&id, NULL, forever_sleeper, &ds[i]), 0);
        pthread_detach(id);
    }
    t_sleep_ms(100);
    cr_assert_eq(goc_atomic_i64_load(&sleepers_woke), 0, "a huge sleep returned");
}

#ifdef __GLIBC__
#include <malloc.h>    /* mallinfo2 */
#endif

/* ---- goc_after freed before it fires (Go 1.23) ----------------------------
 * Each unfired goc_after used to keep its timer, a heap slot and its
 * channel (~400 bytes) until the deadline: 100,000 select rounds with a
 * goc_after(1 hour) held ~40 MB for an hour. Dropping the channel's last
 * reference now unschedules and frees it at once. */
Test(timer, after_freed_unfired_releases_its_timer, .timeout = 60) {
    enum { ROUNDS = 100000 };
    goc_chan *ready = goc_chan_make(sizeof(int), 1);
    size_t base = goc__tm_pending();
#if defined(__GLIBC__) && T_SCALE == 1
    size_t heap0 = mallinfo2().uordblks;
#endif
    for (int i = 0; i < ROUNDS; i++) {
        int one = 1, got = 0;
        cr_assert_eq(goc_chan_send(ready, &one), GOC_OK);
        goc_chan *ch = goc_after(3600 * GOC_SECOND);
        cr_assert_not_null(ch);
        goc_case cs[2] = { goc_recv_case(ready, &got), goc_recv_case(ch, NULL) };
        cr_assert_eq(goc_select(cs, 2), 0, "the hour went by");
        goc_chan_free(ch);
    }
    size_t pending = goc__tm_pending();
    cr_assert_lt(pending, base + 100, "%zu timers still in the heap", pending - base);
#if defined(__GLIBC__) && T_SCALE == 1
    size_t heap1 = mallinfo2().uordblks;
    cr_assert_lt(heap1, heap0 + 4 * 1024 * 1024, "the heap grew by %zu bytes", heap1 - heap0);
#endif
    /* Timers freed unfired leave the heap at once, too. */
    for (int i = 0; i < 1000; i++) goc_timer_free(goc_timer_new(3600 * GOC_SECOND));
    cr_assert_lt(goc__tm_pending(), base + 100);
    goc_chan_free(ready);
}

/* The last goc_chan_free of a goc_after channel races its delivery: the
 * hook waits for the timer lock, so the thread never writes into a freed
 * block (ASan). Fired and never received, fired and received, unfired. */
Test(timer, after_free_races_its_delivery, .timeout = 60) {
    int n = T_ITERS(20000);
    for (int i = 0; i < n; i++) {
        goc_chan *ch = goc_after((goc_duration)(i % 50) * GOC_MICROSECOND);
        cr_assert_not_null(ch);
        if (i % 3 == 0) cr_assert_eq(goc_chan_recv_timeout(ch, NULL, 10 * GOC_SECOND), GOC_OK);
        goc_chan_free(ch);
    }
    goc_chan *ch = goc_after(MS);
    cr_assert_eq(goc_chan_recv_timeout(ch, NULL, 10 * GOC_SECOND), GOC_OK);
    t_sleep_ms(2);
    goc_chan_free(ch);
    cr_assert_lt(goc__tm_pending(), 100);
}

/* A retained timer channel stays valid after goc_timer_free / goc_ticker_free
 * (the block belongs to the channel's references) and receives nothing more. */
Test(timer, retained_timer_channel_outlives_the_timer, .timeout = 30) {
    goc_timer *t = goc_timer_new(MS);
    goc_ticker *tk = goc_ticker_new(MS);
    cr_assert(t && tk);
    goc_chan *tc = goc_timer_chan(t), *kc = goc_ticker_chan(tk);
    goc_chan_retain(tc);
    goc_chan_retain(kc);
    t_sleep_ms(5);
    goc_timer_free(t);
    goc_ticker_free(tk);
    t_sleep_ms(5);
    cr_assert_eq(goc_chan_try_recv(tc, NULL), GOC_WOULDBLOCK);
    cr_assert_eq(goc_chan_try_recv(kc, NULL), GOC_WOULDBLOCK);
    cr_assert_eq(goc_chan_cap(tc), 1);
    goc_chan_free(tc);
    goc_chan_free(kc);
    expect_timers_work();
}

/* ---- fork ------------------------------------------------------------------
 * The child of a process that used timers had no timer thread (but the
 * flag said "started"), so its timers never fired. ThreadSanitizer does
 * not allow threads to be started after a multi-threaded fork (it kills
 * the child), so this runs outside make tsan only. On GOC_NO_FUTEX it
 * also checks atomic.h's parking table, which starts afresh in the child
 * (a node of a thread parked at the fork once stayed queued there, on a
 * dead thread's stack that glibc handed to the child's next thread: the
 * child crashed in 3 of 15 runs). */
#include <sys/wait.h>
#include <unistd.h>

static void fork_and_expect(int (*child)(void)) {
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) _exit(child());
    int status = 0;
    pid_t r = 0;
    for (int64_t end = goc_now() + 30 * GOC_SECOND; (r = waitpid(pid, &status, WNOHANG)) == 0 && goc_now() < end;)
        t_sleep_ms(5);
    if (r == 0) { kill(pid, SIGKILL); waitpid(pid, &status, 0); cr_assert(false, "the child hung"); }
    cr_assert_eq(r, pid);
    cr_assert(WIFEXITED(status), "the child died (status %d)", status);
    cr_assert_eq(WEXITSTATUS(status), 0, "the child's timer did not fire (exit %d)", WEXITSTATUS(status));
}

static bool child_waits_first;
static int child_new_timer(void) {
    if (child_waits_first) t_sleep_ms(20);   /* the thread the fork handler started parks */
    goc_timer *t = goc_timer_new(10 * MS);
    if (!t) return 2;
    int64_t v = 0;
    if (goc_chan_recv_timeout(goc_timer_chan(t), &v, 2 * GOC_SECOND) != GOC_OK) return 1;
    /* The child's thread parked until a far deadline, then woken early by
     * an earlier timer: the wake must reach it (on the parking table, a
     * node of the parent's timer thread, parked at the fork, is still
     * queued on the same word in the child). */
    goc_timer *far = goc_timer_new(3600 * GOC_SECOND);
    t_sleep_ms(20);
    goc_timer_reset(t, 10 * MS);
    int rc = goc_chan_recv_timeout(goc_timer_chan(t), &v, 2 * GOC_SECOND) == GOC_OK ? 0 : 3;
    goc_timer_free(far);
    goc_timer_free(t);
    return rc;
}

static goc_chan *inherited;
static int child_inherited_timer(void) {
    /* No timer call in the child: the pending timer must fire anyway. */
    return goc_chan_recv_timeout(inherited, NULL, 2 * GOC_SECOND) == GOC_OK ? 0 : 1;
}

Test(timer, timers_fire_in_a_forked_child, .timeout = 60) {
#if T_TSAN
    return;
#endif
    goc_timer *t = goc_timer_new(MS);
    cr_assert_eq(goc_chan_recv(goc_timer_chan(t), NULL), GOC_OK);   /* the thread runs */
    fork_and_expect(child_new_timer);
    /* Again with the timer thread busy: the fork handlers take its lock. */
    goc_ticker *tk = goc_ticker_new(50 * GOC_MICROSECOND);
    for (int i = 0; i < 5; i++) fork_and_expect(child_new_timer);
    /* A timer pending at the fork fires in the child, too. */
    inherited = goc_after(20 * MS);
    fork_and_expect(child_inherited_timer);
    goc_chan_free(inherited);
    /* Only a far timer pending: the parent's thread is parked on its wake
     * word at the fork, the child's is started by the fork handler, and a
     * nearer timer in the child must wake it. */
    goc_ticker_free(tk);
    tk = NULL;
    goc_timer *far = goc_timer_new(3600 * GOC_SECOND);
    t_sleep_ms(20);
    child_waits_first = true;
    fork_and_expect(child_new_timer);
    goc_timer_free(far);
    goc_timer_free(t);
    expect_timers_work();
}
