/* atomic.h: result codes, typed atomics, backoff, wait/wake. */
#include "testutil.h"

TestSuite(atomic, .timeout = 30);

Test(atomic, strerror_names_every_code) {
    int codes[] = { GOC_OK, GOC_CLOSED, GOC_TIMEOUT, GOC_WOULDBLOCK, GOC_EINVAL,
                    GOC_ENOMEM, GOC_CANCELED, GOC_DEADLINE };
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        const char *s = goc_strerror(codes[i]);
        cr_assert_not_null(s);
        cr_assert_str_neq(s, "unknown goc result");
        for (size_t j = 0; j < i; j++) cr_assert_str_neq(s, goc_strerror(codes[j]));
    }
    cr_assert_str_eq(goc_strerror(GOC_CLOSED), "channel closed");
    cr_assert_not_null(goc_strerror(12345));
    cr_assert_not_null(goc_strerror(-999));
}

Test(atomic, durations) {
    cr_assert_eq(GOC_SECOND, 1000 * GOC_MILLISECOND);
    cr_assert_eq(GOC_MILLISECOND, 1000 * GOC_MICROSECOND);
    cr_assert_eq(GOC_MICROSECOND, 1000 * GOC_NANOSECOND);
    cr_assert_eq(sizeof(goc_duration), 8);
    int64_t a = goc_nanotime();
    t_sleep_ms(2);
    cr_assert_geq(goc_nanotime() - a, 2 * GOC_MILLISECOND);
}

Test(atomic, zero_values_and_ops) {
    goc_atomic_i32 i32 = {0}; goc_atomic_u32 u32 = {0};
    goc_atomic_i64 i64 = {0}; goc_atomic_u64 u64 = {0};
    goc_atomic_uptr up = {0}; goc_atomic_ptr p = {0}; goc_atomic_bool b = {0};
    cr_assert_eq(goc_atomic_i32_load(&i32), 0);
    cr_assert_null(goc_atomic_ptr_load(&p));
    cr_assert_not(goc_atomic_bool_load(&b));

    cr_assert_eq(goc_atomic_i32_add(&i32, -5), -5);           /* add returns the new value */
    cr_assert_eq(goc_atomic_i32_swap(&i32, 7), -5);
    cr_assert(goc_atomic_i32_cas(&i32, 7, 8));
    cr_assert_not(goc_atomic_i32_cas(&i32, 7, 9));
    cr_assert_eq(goc_atomic_i32_load(&i32), 8);
    cr_assert_eq(goc_atomic_i32_and(&i32, 0xC), 8);            /* and/or return the old value */
    cr_assert_eq(goc_atomic_i32_or(&i32, 3), 8);
    cr_assert_eq(goc_atomic_i32_load(&i32), 11);

    goc_atomic_u32_store(&u32, UINT32_MAX);
    cr_assert_eq(goc_atomic_u32_add(&u32, 1), 0);              /* wraps like Go */

    goc_atomic_i64_store(&i64, INT64_C(1) << 40);
    cr_assert_eq(goc_atomic_i64_add(&i64, 1), (INT64_C(1) << 40) + 1);
    cr_assert_eq(goc_atomic_u64_add(&u64, UINT64_C(1) << 63), UINT64_C(1) << 63);
    cr_assert_eq(goc_atomic_u64_or(&u64, 1), UINT64_C(1) << 63);
    cr_assert_eq(goc_atomic_u64_and(&u64, 1), (UINT64_C(1) << 63) | 1);
    cr_assert_eq(goc_atomic_u64_load(&u64), 1);

    cr_assert_eq(goc_atomic_uptr_add(&up, 16), 16);
    int x, y;
    goc_atomic_ptr_store(&p, &x);
    cr_assert(goc_atomic_ptr_cas(&p, &x, &y));
    cr_assert_eq(goc_atomic_ptr_swap(&p, NULL), &y);
    cr_assert(goc_atomic_bool_cas(&b, false, true));
    cr_assert(goc_atomic_bool_swap(&b, false));

    uint32_t e = 1;
    cr_assert_not(goc_atomic_u32_cas_explicit(&u32, &e, 5, GOC_ACQ_REL, GOC_ACQUIRE));
    cr_assert_eq(e, 0);                                        /* failed CAS reports what it saw */
    cr_assert(goc_atomic_u32_cas_explicit(&u32, &e, 5, GOC_ACQ_REL, GOC_ACQUIRE));
    cr_assert_eq(goc_atomic_u32_fetch_add_explicit(&u32, 1, GOC_RELAXED), 5);
    goc_atomic_fence(GOC_SEQ_CST);
    cr_assert_eq(goc_atomic_u32_load_explicit(&u32, GOC_ACQUIRE), 6);
}

Test(atomic, layout_is_natural) {
    cr_assert_eq(sizeof(goc_atomic_i64), 8);
    cr_assert_eq(_Alignof(goc_atomic_i64), 8);   /* even on 32-bit targets */
    cr_assert_eq(_Alignof(goc_atomic_u64), 8);
    cr_assert_eq(sizeof(goc_atomic_u32), 4);
    struct { char c; GOC_ALIGNED_CACHELINE int x; } s;
    cr_assert_eq((uintptr_t)&s.x % GOC_CACHELINE, 0);
}

/* Many threads add to one counter: no update is lost. */
static goc_atomic_i64 g_counter;
static void *adder(void *arg) {
    int n = *(int *)arg;
    for (int i = 0; i < n; i++) goc_atomic_i64_add(&g_counter, 1);
    return NULL;
}
Test(atomic, add_is_atomic_under_contention) {
    t_threads t = {0};
    int n = T_ITERS(200000);
    goc_atomic_i64_store(&g_counter, 0);
    for (int i = 0; i < 4; i++) t_spawn(&t, adder, &n);
    t_join(&t);
    cr_assert_eq(goc_atomic_i64_load(&g_counter), 4 * (int64_t)n);
}

/* GOC_SPIN is microseconds: the backoff spins its relax rounds, then
 * yields until GOC_SPIN us have passed, and then says park - and keeps
 * saying it. With GOC_SPIN=0 (the matrix's spin-0 row) it never spins. */
Test(atomic, backoff_is_bounded) {
    goc_backoff b = {0};
    int rounds = 0;
    int64_t t0 = goc_nanotime();
    while (goc_backoff_snooze(&b)) rounds++;
    int64_t took = goc_nanotime() - t0;
    if (GOC_SPIN == 0) {
        cr_assert_eq(rounds, 0);
    } else {
        cr_assert_geq(rounds, GOC_BACKOFF_SPIN_LIMIT + 1);
        cr_assert_geq(took, (int64_t)GOC_SPIN * GOC_MICROSECOND, "spun %lld ns", (long long)took);
        /* bounded: the budget and a generous second for the yields' slices */
        cr_assert_lt(took, (int64_t)GOC_SPIN * GOC_MICROSECOND + GOC_SECOND, "spun %lld ns", (long long)took);
    }
    cr_assert(!goc_backoff_snooze(&b));
    /* spin rounds first (the ring's CAS retries do) must not use up the
     * budget: the clock starts at the first yield, whatever the step */
    goc_backoff c = {0};
    for (int i = 0; i < 2 * GOC_BACKOFF_SPIN_LIMIT; i++) goc_backoff_spin(&c);
    if (GOC_SPIN > 0) cr_assert(goc_backoff_snooze(&c));
    for (int i = 0; i < 100; i++) goc_backoff_spin(&b);   /* spin never grows past its cap */
    goc_cpu_relax();
}

/* ---- wait / wake ---- */

Test(atomic, wait_returns_at_once_on_other_value) {
    goc_atomic_u32 w = {0};
    goc_atomic_u32_store(&w, 3);
    int64_t t0 = t_now();
    cr_assert_eq(goc_wait_u32(&w, 2, GOC_SECOND), GOC_OK);
    cr_assert_lt(t_now() - t0, 500 * GOC_MILLISECOND);
}

Test(atomic, wait_times_out_no_earlier_than_asked) {
    goc_atomic_u32 w = {0};
    for (int i = 0; i < 3; i++) {
        int64_t t0 = t_now();
        int r;
        /* spurious returns are allowed: loop like every caller does */
        do r = goc_wait_u32(&w, 0, 20 * GOC_MILLISECOND - (t_now() - t0));
        while (r == GOC_OK && t_now() - t0 < 20 * GOC_MILLISECOND);
        cr_assert_eq(r, GOC_TIMEOUT);
        cr_assert_geq(t_now() - t0, 20 * GOC_MILLISECOND);
    }
    cr_assert_eq(goc_wait_u32(&w, 0, 0), GOC_TIMEOUT);   /* 0: do not sleep */
}

typedef struct { goc_atomic_u32 word; goc_atomic_i64 awake; goc_atomic_i64 started; } waitctx;
static void *waiter(void *arg) {
    waitctx *c = arg;
    goc_atomic_i64_add(&c->started, 1);
    while (goc_atomic_u32_load(&c->word) == 0 || goc_atomic_u32_load(&c->word) == 2)
        goc_wait_u32(&c->word, goc_atomic_u32_load(&c->word), GOC_FOREVER);
    goc_atomic_i64_add(&c->awake, 1);
    return NULL;
}

Test(atomic, wake_all_wakes_every_waiter) {
    waitctx c = {0};
    t_threads t = {0};
    for (int i = 0; i < 6; i++) t_spawn(&t, waiter, &c);
    cr_assert(t_await_i64(&c.started, 6, 5000));
    t_sleep_ms(20);
    cr_assert_eq(goc_atomic_i64_load(&c.awake), 0);
    goc_atomic_u32_store(&c.word, 1);
    goc_wake_all(&c.word);
    t_join(&t);
    cr_assert_eq(goc_atomic_i64_load(&c.awake), 6);
}

/* wake_one wakes one: with a value that keeps them waiting (2), one wake
 * returns exactly one waiter from goc_wait_u32 (it then waits again). */
typedef struct { goc_atomic_u32 word; goc_atomic_i64 returns; goc_atomic_i64 parked; } onectx;
static void *one_waiter(void *arg) {
    onectx *c = arg;
    while (goc_atomic_u32_load(&c->word) != 9) {
        goc_atomic_i64_add(&c->parked, 1);
        goc_wait_u32(&c->word, 0, GOC_FOREVER);
        goc_atomic_i64_add(&c->returns, 1);
    }
    return NULL;
}
Test(atomic, wake_one_wakes_one) {
    onectx c = {0};
    t_threads t = {0};
    for (int i = 0; i < 3; i++) t_spawn(&t, one_waiter, &c);
    cr_assert(t_await_i64(&c.parked, 3, 5000));
    t_sleep_ms(50);                       /* let all three really sleep */
    int64_t before = goc_atomic_i64_load(&c.returns);
    goc_wake_one(&c.word);
    t_sleep_ms(50);
    cr_assert_eq(goc_atomic_i64_load(&c.returns) - before, 1);
    goc_atomic_u32_store(&c.word, 9);
    goc_wake_all(&c.word);
    t_join(&t);
}

Test(atomic, wake_on_dead_address_is_harmless) {
    goc_atomic_u32 *w = malloc(sizeof *w);
    volatile uintptr_t addr = (uintptr_t)w;   /* hide the reuse from -Wuse-after-free */
    free(w);
    goc_wake_one((goc_atomic_u32 *)addr);   /* compares addresses only */
    goc_wake_all((goc_atomic_u32 *)addr);
}

/* GOC_PANIC's default prints and aborts. */
Test(atomic, panic_aborts, .signal = SIGABRT) {
    GOC_PANIC("test panic");
}
