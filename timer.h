/* goc timer.h - v0.1.0 - Go's time package for C11: monotonic clock, sleep,
 *                      Timer, Ticker, After, AfterFunc
 * SPDX-License-Identifier: MIT
 *
 * DO THIS ONCE
 *   In exactly one C file (goc's implementations are C11):
 *       #define GOC_IMPLEMENTATION           (or each module's
 *       #include "timer.h"                    GOC_<MODULE>_IMPLEMENTATION)
 *   Everywhere else include it plainly. Needs pool.h, chan.h, sync.h and
 *   atomic.h beside it. Link with -pthread.
 *
 * EXAMPLE
 *       goc_timer *t = goc_timer_new(50 * GOC_MILLISECOND);
 *       int64_t v;
 *       goc_case cs[2] = { goc_recv_case(results, &r),
 *                          goc_recv_case(goc_timer_chan(t), &v) };
 *       if (goc_select(cs, 2) == 1) { ... timed out ... }
 *       goc_timer_free(t);
 *
 *       goc_ticker *tk = goc_ticker_new(GOC_SECOND);
 *       for (int i = 0; i < 3; i++) goc_chan_recv(goc_ticker_chan(tk), &v);   // three ticks
 *       goc_ticker_free(tk);
 *
 * API (Go 1.23's semantics)
 *   int64_t goc_now(void);              monotonic nanoseconds
 *   void    goc_sleep(goc_duration d);  at least d (d <= 0: returns at once;
 *                                       GOC_FOREVER: never returns)
 *
 *   goc_timer *goc_timer_new(goc_duration d);
 *       after d, the time it fired (goc_now() then, never before creation +
 *       d) is sent on its channel. NULL, errno ENOMEM: no memory or no timer
 *       thread. d < 0 counts as 0 (INT64_MIN too: it fires at once).
 *   goc_chan *goc_timer_chan(goc_timer *t);   elem int64_t; owned by t (NULL for after_func timers)
 *   bool goc_timer_stop(goc_timer *t);
 *       true: this call prevented a value from being received (the timer
 *       had not fired, or had fired and nobody had taken the value yet).
 *   bool goc_timer_reset(goc_timer *t, goc_duration d);
 *       re-arms for d from now; true: the timer was pending as above.
 *   void goc_timer_free(goc_timer *t);        stops it and frees it
 *   goc_timer *goc_after_func(goc_duration d, void (*fn)(void *), void *arg);
 *       fn(arg) runs on a goc_go thread after d, so a slow fn delays no
 *       other timer. stop true: fn will not run (it had not started);
 *       reset re-arms it. Free it with goc_timer_free, before or after it
 *       fired (freeing does not wait for a running fn).
 *   goc_chan *goc_after(goc_duration d);
 *       a channel that receives the time once, after d. The caller frees it
 *       with goc_chan_free, fired or not: dropping its last reference stops
 *       and frees the timer at once (Go 1.23), so a goc_after(1 hour) in a
 *       select loop costs nothing once the round is over. NULL, errno ENOMEM.
 *
 *   goc_ticker *goc_ticker_new(goc_duration period);   period <= 0: NULL, errno EINVAL
 *   goc_chan   *goc_ticker_chan(goc_ticker *t);
 *   void goc_ticker_stop(goc_ticker *t);
 *   void goc_ticker_reset(goc_ticker *t, goc_duration period);  period <= 0: unchanged, errno EINVAL
 *   void goc_ticker_free(goc_ticker *t);
 *       A ticker fires every period; a receiver that falls behind finds one
 *       tick waiting and the missed ones dropped, and the schedule moves on
 *       from the present instead of firing the backlog.
 *
 *   DURATIONS: GOC_FOREVER (INT64_MAX) is "no limit", and all deadline
 *   arithmetic saturates (now + d never wraps): a timer, AfterFunc or
 *   goc_after of GOC_FOREVER, INT64_MAX - 1 or any d too large to add to
 *   the clock never fires (it stays pending: stop answers true), a ticker
 *   of such a period never ticks, and neither delays any other timer.
 *   Negative durations (down to INT64_MIN) are 0.
 *
 *   The Go 1.23 guarantee: once goc_timer_stop / goc_timer_reset /
 *   goc_ticker_stop / goc_ticker_reset returns, no value from the old
 *   schedule is received, so Go's old `if (!stop) drain` idiom is never
 *   needed (and never blocks: it finds nothing). Timer and ticker channels
 *   work in goc_select like any channel. Unlike Go 1.23, whose timer
 *   channels report cap 0, goc_chan_cap answers 1 and goc_chan_len 1 while a
 *   fired value waits: the value is held in a one-slot buffer that stop
 *   and reset empty.
 *
 * LIFETIME
 *   A timer's channel belongs to the timer: do not free it (except the
 *   references you add). goc_chan_retain on it keeps the channel valid
 *   after goc_timer_free / goc_ticker_free (it then receives nothing
 *   more); goc_chan_free those references when done. goc_after's channel
 *   belongs to the caller. An unfired timer that is freed, and a goc_after
 *   channel whose last reference is dropped, are out of the timer heap and
 *   their memory is freed at once.
 *
 * FORK
 *   fork() is fine after timers were used: the child gets a timer thread
 *   of its own. Timers pending at the fork (the child's copies: the same
 *   deadlines) restart it from the fork handler at once; otherwise the
 *   child's first timer call starts it. A pending timer whose channel
 *   another thread was inside a call on at the fork (its lock held) never
 *   fires in the child: that thread does not exist there (API.md: objects
 *   locked by other threads at the fork are the user's). AfterFunc
 *   callbacks run via goc_go (pool.h), whose own fork rules apply to them.
 *
 * COST
 *   Timers wait on one shared timer thread (named goc-timer), started by
 *   the first timer, in a 4-ary heap: adding, stopping and firing cost
 *   O(log n) under one lock. The thread sleeps until the earliest deadline and is woken early only
 *   when a new timer is due before that; a million timers waiting far in
 *   the future take memory (about 300 bytes each) and no CPU time. A
 *   timer is one allocation (its channel lives in the same block).
 *
 * THREAD SAFETY
 *   Every function may be called from any thread, also concurrently on the
 *   same timer, except *_free (after every other use).
 *
 * DOES NOT
 *   follow the wall clock (goc_now is CLOCK_MONOTONIC: it does not jump
 *   when the date is set), or spread timers over several heaps (one lock:
 *   fine up to millions of operations a second).
 */
#include "pool.h"

#ifndef GOC_TIMER_H
#define GOC_TIMER_H

#ifdef __cplusplus
extern "C" {
#endif

GOC_DEF int64_t goc_now(void);
GOC_DEF void    goc_sleep(goc_duration d);

typedef struct goc_timer goc_timer;
GOC_DEF goc_timer *goc_timer_new(goc_duration d);
GOC_DEF goc_chan  *goc_timer_chan(goc_timer *t);
GOC_DEF bool       goc_timer_stop(goc_timer *t);
GOC_DEF bool       goc_timer_reset(goc_timer *t, goc_duration d);
GOC_DEF void       goc_timer_free(goc_timer *t);
GOC_DEF goc_timer *goc_after_func(goc_duration d, void (*fn)(void *), void *arg);
GOC_DEF goc_chan  *goc_after(goc_duration d);

typedef struct goc_ticker goc_ticker;
GOC_DEF goc_ticker *goc_ticker_new(goc_duration period);
GOC_DEF goc_chan   *goc_ticker_chan(goc_ticker *t);
GOC_DEF void        goc_ticker_stop(goc_ticker *t);
GOC_DEF void        goc_ticker_reset(goc_ticker *t, goc_duration period);
GOC_DEF void        goc_ticker_free(goc_ticker *t);

/* For goc's tests, not a public API: how many timers are in the heap. */
GOC_DEF size_t      goc__tm_pending(void);

#ifdef __cplusplus
}
#endif

#endif /* GOC_TIMER_H */

/* ======================================================================== */
/*                             IMPLEMENTATION                               */
/* ======================================================================== */

#if (defined(GOC_TIMER_IMPLEMENTATION) || defined(GOC_IMPLEMENTATION)) && \
    !defined(GOC_TIMER_IMPL_INCLUDED)
#define GOC_TIMER_IMPL_INCLUDED

#ifdef __cplusplus
#error "goc: compile the implementation as C11 (the declarations are fine in C++)"
#endif

/*
 * Design
 *
 * One timer thread and one 4-ary min-heap of {when, timer} entries (the
 * deadline is copied into the entry so that sifting compares within the
 * array, not through pointers), under one goc_mutex, the timer lock. Each
 * timer knows its heap slot (idx), so stop removes it in O(log n).
 *
 * The thread sleeps on a private word until the earliest deadline. It
 * publishes that instant (sleep_until, under the lock); whoever adds a
 * timer due earlier lowers sleep_until, bumps the word and wakes the
 * thread. The thread read the word before it dropped the lock, so a bump
 * made after that fails its goc_wait_u32: no wake-up is lost. Stopping a
 * timer never wakes the thread: at worst it wakes once for nothing.
 *
 * Go 1.23's guarantee (no stale value after stop/reset) follows from one
 * rule: a timer's value is delivered only under the timer lock, and stop
 * and reset, under the same lock, take the timer out of the heap and
 * empty its one-slot channel. Whatever the thread delivered before is
 * thrown away by stop, and after stop nothing new is delivered. stop is
 * true when either removal found something: the timer was pending.
 * Delivery is a try_send, which never blocks: a timer's slot is empty
 * (reset emptied it), and a ticker whose slot is full drops the tick.
 *
 * AfterFunc callbacks are collected under the lock (fn and arg copied, not
 * the timer, which the user may free at once) and started with goc_go
 * after the lock is dropped, so a slow callback delays nobody.
 *
 * Lifetimes. A channel timer (goc_timer_new, goc_ticker_new, goc_after)
 * is one block with its channel, and the block belongs to the channel's
 * references: the channel's last-reference hook (goc__chan_on_last)
 * takes the timer lock, takes the timer out of the heap if it is still
 * there and frees the block. goc_timer_free stops the timer and drops the
 * timer's reference; goc_after hands its one reference to the caller. (It
 * used to be a separate channel with a reference held by the timer until
 * it fired, so an unfired goc_after kept ~400 bytes and a heap slot until
 * its deadline.) The thread touches a timer only under the timer lock,
 * and the hook frees only under it and after the unschedule, so the
 * thread never sees a freed block: a delivery racing the last
 * goc_chan_free finishes first. An AfterFunc timer has no channel; the
 * thread copies fn and arg, and goc_timer_free frees it after the stop.
 *
 * Time arithmetic saturates (atomic.h's goc_add_sat, goc_deadline_after,
 * goc_until): a deadline past the end of int64_t is INT64_MAX, which is
 * never due, so huge durations and periods neither fire at once (the
 * wrapped sum once did) nor make the thread loop re-arming a ticker under
 * the lock (it once did, hanging every timer in the process).
 *
 * Fork: pthread_atfork handlers (registered when the program is loaded,
 * GOC__FORK_AT_LOAD, or at the first timer where the compiler has no
 * constructors) take the timer lock over fork(); the child resets it and
 * starts its own thread (see goc__tm_fork_child).
 *
 * Lock order: timer lock, then a timer channel's own lock (inside
 * try_send / try_recv). Nothing takes the timer lock while holding a
 * channel's (the last-reference hook runs in goc_chan_free, which holds no
 * channel lock).
 */

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#define GOC__TM_NONE SIZE_MAX
#define GOC__TM_BATCH 64            /* AfterFunc callbacks started per round */

struct goc_timer {
    int64_t when;                   /* INT64_MAX: never (still scheduled: stop answers true) */
    goc_duration period;            /* > 0: a ticker */
    size_t idx;                     /* heap slot, GOC__TM_NONE when not scheduled */
    void (*fn)(void *);             /* AfterFunc: no channel */
    void *arg;
    goc_chan *ch;                   /* in the same block; its last reference frees the block */
};

struct goc_ticker { goc_timer t; };

typedef struct goc__tm_entry { int64_t when; goc_timer *t; } goc__tm_entry;

static struct {
    goc_mutex lock;
    goc__tm_entry *heap;
    size_t n, cap;
    int64_t sleep_until;            /* when the thread wakes next (INT64_MAX: never) */
    bool started;                   /* a timer thread runs in this process (under lock) */
    goc_atomic_u32 word;            /* bumped to wake the thread early */
} goc__tm;

static goc_atomic_u32 goc__tm_atfork_once;   /* goc__once_fork (not pthread_once: fork) */

GOC_DEF int64_t goc_now(void) { return goc_nanotime(); }

/* Sleep on goc's own parking primitive (a word nobody wakes): one code
 * path on every platform the wait/wake layer supports. */
GOC_DEF GOC_NOIPA void goc_sleep(goc_duration d) {
    if (d <= 0) return;
    int64_t end = goc_deadline_after(d);          /* INT64_MAX: for ever */
    goc_atomic_u32 never = {0};
    for (goc_duration left = d; left > 0; left = goc_until(end))
        goc_wait_u32(&never, 0, left);            /* GOC_FOREVER: no limit */
}

/* ---- the heap (under the lock) ------------------------------------------ */

static void goc__tm_set(size_t i, goc__tm_entry e) {
    goc__tm.heap[i] = e;
    e.t->idx = i;
}

static void goc__tm_up(size_t i) {
    goc__tm_entry e = goc__tm.heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 4;
        if (goc__tm.heap[parent].when <= e.when) break;
        goc__tm_set(i, goc__tm.heap[parent]);
        i = parent;
    }
    goc__tm_set(i, e);
}

static void goc__tm_down(size_t i) {
    goc__tm_entry e = goc__tm.heap[i];
    size_t n = goc__tm.n;
    for (;;) {
        size_t first = 4 * i + 1, best = i;
        int64_t best_when = e.when;
        for (size_t c = first; c < first + 4 && c < n; c++)
            if (goc__tm.heap[c].when < best_when) { best = c; best_when = goc__tm.heap[c].when; }
        if (best == i) break;
        goc__tm_set(i, goc__tm.heap[best]);
        i = best;
    }
    goc__tm_set(i, e);
}

static bool goc__tm_resize(size_t cap) {
    goc__tm_entry *h = (goc__tm_entry *)GOC_MALLOC(cap * sizeof *h);
    if (!h) return false;
    if (goc__tm.n) memcpy(h, goc__tm.heap, goc__tm.n * sizeof *h);
    GOC_FREE(goc__tm.heap);
    goc__tm.heap = h;
    goc__tm.cap = cap;
    return true;
}

static void goc__tm_remove(goc_timer *t) {
    size_t i = t->idx, last = --goc__tm.n;
    t->idx = GOC__TM_NONE;
    if (i != last) {
        goc__tm_set(i, goc__tm.heap[last]);
        if (i > 0 && goc__tm.heap[(i - 1) / 4].when > goc__tm.heap[i].when) goc__tm_up(i);
        else goc__tm_down(i);
    }
    /* A million timers stopped should not keep their slots for ever. */
    if (goc__tm.cap > 256 && goc__tm.n < goc__tm.cap / 4) goc__tm_resize(goc__tm.cap / 2);
}

static void *goc__tm_main(void *unused);

/* ---- fork ------------------------------------------------------------------
 * The child of fork() has no timer thread, and the timer lock may have been
 * held by another thread at the fork. prepare takes the lock, so the heap is
 * consistent in the child's copy; the parent lets go of it; the child resets
 * it to its zero value (its waiters do not exist there), forgets the thread
 * and starts a new one at once when timers were pending (their deadlines
 * carry over: the monotonic clock is the same), else on the next timer. */
static bool goc__tm_start(void);

/* Whether prepare ran: musl runs no prepare when a fork finds no handler
 * registered yet, yet runs the parent handlers of those registered while
 * it forked (another thread's first timer), which would unlock a lock
 * nobody took: "unlock of unlocked mutex". Only the forking thread, under
 * the C library's fork lock, touches it. chan.h's descriptors do the same. */
static bool goc__tm_forking;
static void goc__tm_fork_prepare(void) {
    goc_mutex_lock(&goc__tm.lock);
    goc__tm_forking = true;
}
static void goc__tm_fork_parent(void) {
    if (!goc__tm_forking) return;
    goc__tm_forking = false;
    goc_mutex_unlock(&goc__tm.lock);
}
static void goc__tm_fork_child(void) {
    goc__tm_forking = false;
    goc__once_fork_child(&goc__tm_atfork_once);
    memset(&goc__tm.lock, 0, sizeof goc__tm.lock);
    /* A timer whose channel another thread of the parent had locked at the
     * fork (a receive queueing itself on it): its send would wait for that
     * lock for ever, holding the timer lock, and no timer of the child
     * would fire again (seen: the child's first goc_after never fired).
     * Such timers leave the child's schedule; their channels are objects
     * locked by other threads at the fork, the user's (API.md). The rest
     * make a heap again, from the bottom up. */
    size_t kept = 0;
    for (size_t i = 0; i < goc__tm.n; i++) {
        goc__tm_entry e = goc__tm.heap[i];
        if (e.t->ch && goc__chan_fork_locked(e.t->ch)) e.t->idx = GOC__TM_NONE;
        else goc__tm_set(kept++, e);
    }
    goc__tm.n = kept;
    for (size_t i = kept; i-- > 0;) goc__tm_down(i);
    goc__tm.started = false;
    /* Relaxed: the child has one thread; the new timer thread reads the
     * word after pthread_create, which orders it. */
    goc_atomic_u32_store_explicit(&goc__tm.word, 0, GOC_RELAXED);
    if (goc__tm.n) goc__tm_start();   /* fails: the next timer call retries */
}
static void goc__tm_atfork(void) {
    goc__wait_init();
    pthread_atfork(goc__tm_fork_prepare, goc__tm_fork_parent, goc__tm_fork_child);
}
GOC__FORK_AT_LOAD(goc__tm_atfork_once, goc__tm_atfork)

/* Start the timer thread (under the lock, or single-threaded in a fork
 * child). false: no thread. */
static bool goc__tm_start(void) {
    goc__once_fork(&goc__tm_atfork_once, goc__tm_atfork);
    pthread_attr_t attr;
    pthread_t id;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    goc__tm.sleep_until = INT64_MAX;
    int rc = pthread_create(&id, &attr, goc__tm_main, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) return false;
    goc__tm.started = true;
    return true;
}

/* Schedule t at t->when; wakes the thread when t is due before it would
 * wake anyway. false: no memory (or no thread). */
static bool goc__tm_add(goc_timer *t) {
    if (!goc__tm.started && !goc__tm_start()) return false;
    if (goc__tm.n == goc__tm.cap && !goc__tm_resize(goc__tm.cap ? goc__tm.cap * 2 : 64)) return false;
    goc__tm_entry e = { t->when, t };
    goc__tm.heap[goc__tm.n] = e;
    goc__tm_up(goc__tm.n++);
    if (t->when < goc__tm.sleep_until) {
        goc__tm.sleep_until = t->when;
        /* seq_cst add: the thread's wait compares against the value it read
         * under the lock, so it either sees this bump or is woken by it. */
        goc_atomic_u32_add(&goc__tm.word, 1);
        goc_wake_one(&goc__tm.word);
    }
    return true;
}

/* Take t out of the schedule and empty its slot; true: a value was pending. */
static bool goc__tm_unschedule(goc_timer *t) {
    bool pending = false;
    if (t->idx != GOC__TM_NONE) { goc__tm_remove(t); pending = true; }
    if (t->ch && goc_chan_try_recv(t->ch, NULL) == GOC_OK) pending = true;
    return pending;
}

/* ---- the timer thread ---------------------------------------------------- */

typedef struct goc__tm_call { void (*fn)(void *); void *arg; } goc__tm_call;

static void *goc__tm_main(void *unused) {
    (void)unused;
    goc__thread_name("goc-timer");
    goc__tm_call calls[GOC__TM_BATCH];
    goc_mutex_lock(&goc__tm.lock);
    for (;;) {
        int64_t now = goc_nanotime();
        size_t ncalls = 0;
        while (goc__tm.n && goc__tm.heap[0].when <= now && ncalls < GOC__TM_BATCH) {
            goc_timer *t = goc__tm.heap[0].t;
            goc__tm_remove(t);
            if (t->fn) {
                calls[ncalls].fn = t->fn;
                calls[ncalls++].arg = t->arg;
                continue;
            }
            /* Under the lock: the channel's last-reference hook takes it
             * before it frees the block, so t lives until this returns. */
            goc_chan_try_send(t->ch, &now);      /* a full ticker slot drops the tick */
            if (t->period > 0) {
                /* Missed periods are skipped: the next tick is the first one
                 * still in the future on the old grid. Saturating: a huge
                 * period is a next tick that never comes. */
                int64_t next = goc_add_sat(t->when, t->period);
                if (next <= now) {
                    int64_t behind = now - next;  /* >= 0, and no overflow: both are clock readings */
                    next = goc_add_sat(goc_add_sat(next, behind / t->period * t->period), t->period);
                }
                t->when = next;
                goc__tm_add(t);   /* fails only out of memory: the ticker stops */
            }
        }
        bool more = ncalls == GOC__TM_BATCH;
        int64_t next = goc__tm.n ? goc__tm.heap[0].when : INT64_MAX;
        goc__tm.sleep_until = more ? now : next;
        uint32_t seen = goc_atomic_u32_load(&goc__tm.word);
        goc_mutex_unlock(&goc__tm.lock);

        for (size_t i = 0; i < ncalls; i++)
            if (goc_go(calls[i].fn, calls[i].arg) != GOC_OK) calls[i].fn(calls[i].arg);   /* no thread: run it here */
        /* goc_until: GOC_FOREVER for INT64_MAX (nothing due, or only
         * timers that never fire); <= 0 for a deadline just passed, which
         * goc_wait_u32 does not wait on (GOC_FOREVER was once -1, and a
         * wait of -1 ns slept for ever with 50,000 timers due). */
        if (!more) goc_wait_u32(&goc__tm.word, seen, goc_until(next));
        goc_mutex_lock(&goc__tm.lock);
    }
    return NULL;
}

/* ---- timers --------------------------------------------------------------- */

static size_t goc__tm_chan_offset(void) {
    size_t a = _Alignof(max_align_t);
    return (sizeof(goc_ticker) + a - 1) / a * a;
}

/* Schedule a new timer (its when set); false: no memory or no timer thread. */
static bool goc__tm_arm(goc_timer *t) {
    t->idx = GOC__TM_NONE;
    /* The fork handlers before the lock is first taken: registered later
     * (at the thread's start, under the lock), a fork in between left the
     * child a lock held for ever (tests/test_fork.c found it). */
    goc__once_fork(&goc__tm_atfork_once, goc__tm_atfork);
    goc_mutex_lock(&goc__tm.lock);
    bool ok = goc__tm_add(t);
    goc_mutex_unlock(&goc__tm.lock);
    return ok;
}

/* The last reference to a timer's channel is gone (goc_timer_free,
 * goc_ticker_free, goc_chan_free on goc_after's channel, or a holder's
 * goc_chan_free after those): take the timer out of the schedule, under the
 * timer lock, and free the block. Under that lock also means after any
 * delivery the thread had begun, and the thread never finds t again. */
static void goc__tm_chan_last(void *arg) {
    goc_timer *t = (goc_timer *)arg;
    goc_mutex_lock(&goc__tm.lock);
    if (t->idx != GOC__TM_NONE) goc__tm_remove(t);
    goc_mutex_unlock(&goc__tm.lock);
    GOC_FREE(t);
}

/* A timer or ticker and its one-slot channel in one block. The channel's
 * one reference (the timer's, or goc_after's caller's) owns the block. */
static goc_timer *goc__tm_new(int64_t when, goc_duration period) {
    size_t off = goc__tm_chan_offset();
    goc_timer *t = (goc_timer *)GOC_MALLOC(off + goc_chan_sizeof(sizeof(int64_t), 1));
    if (!t) { errno = ENOMEM; return NULL; }
    memset(t, 0, sizeof(goc_ticker));
    t->idx = GOC__TM_NONE;
    t->ch = goc_chan_init((char *)t + off, sizeof(int64_t), 1);
    goc__chan_on_last(t->ch, goc__tm_chan_last, t);
    t->when = when;
    t->period = period;
    bool ok = goc__tm_arm(t);
    if (!ok) { goc_chan_free(t->ch); errno = ENOMEM; return NULL; }   /* frees t */
    return t;
}

/* Saturating: d >= what is left of int64_t is INT64_MAX, a timer that never
 * fires; d <= 0 is now. */
static int64_t goc__tm_when(goc_duration d) { return goc_deadline_after(d > 0 ? d : 0); }

GOC_DEF size_t goc__tm_pending(void) {
    goc_mutex_lock(&goc__tm.lock);
    size_t n = goc__tm.n;
    goc_mutex_unlock(&goc__tm.lock);
    return n;
}

GOC_DEF goc_timer *goc_timer_new(goc_duration d) { return goc__tm_new(goc__tm_when(d), 0); }

GOC_DEF goc_chan *goc_timer_chan(goc_timer *t) { return t ? t->ch : NULL; }

GOC_DEF bool goc_timer_stop(goc_timer *t) {
    if (!t) return false;
    goc_mutex_lock(&goc__tm.lock);
    bool pending = goc__tm_unschedule(t);
    goc_mutex_unlock(&goc__tm.lock);
    return pending;
}

GOC_DEF bool goc_timer_reset(goc_timer *t, goc_duration d) {
    if (!t) return false;
    goc_mutex_lock(&goc__tm.lock);
    bool pending = goc__tm_unschedule(t);
    t->when = goc__tm_when(d);
    goc__tm_add(t);    /* fails only when the heap cannot grow: the timer stays stopped */
    goc_mutex_unlock(&goc__tm.lock);
    return pending;
}

GOC_DEF void goc_timer_free(goc_timer *t) {
    if (!t) return;
    goc_timer_stop(t);                  /* unfired: out of the heap now */
    if (t->ch) goc_chan_free(t->ch);    /* the last reference frees the block (goc__tm_chan_last) */
    else GOC_FREE(t);                   /* AfterFunc: the thread copied fn and arg, never t */
}

GOC_DEF goc_timer *goc_after_func(goc_duration d, void (*fn)(void *), void *arg) {
    if (!fn) { errno = EINVAL; return NULL; }
    goc_timer *t = (goc_timer *)GOC_CALLOC(1, sizeof *t);
    if (!t) { errno = ENOMEM; return NULL; }
    t->fn = fn;
    t->arg = arg;
    t->when = goc__tm_when(d);
    bool ok = goc__tm_arm(t);
    if (!ok) { GOC_FREE(t); errno = ENOMEM; return NULL; }
    return t;
}

/* A timer whose channel's one reference is the caller's: dropping it (fired
 * or not) unschedules and frees the timer at once (Go 1.23). */
GOC_DEF goc_chan *goc_after(goc_duration d) {
    goc_timer *t = goc__tm_new(goc__tm_when(d), 0);
    return t ? t->ch : NULL;
}

/* ---- tickers -------------------------------------------------------------- */

GOC_DEF goc_ticker *goc_ticker_new(goc_duration period) {
    if (period <= 0) { errno = EINVAL; return NULL; }
    return (goc_ticker *)goc__tm_new(goc_deadline_after(period), period);
}

GOC_DEF goc_chan *goc_ticker_chan(goc_ticker *t) { return t ? t->t.ch : NULL; }

GOC_DEF void goc_ticker_stop(goc_ticker *t) { if (t) goc_timer_stop(&t->t); }

GOC_DEF void goc_ticker_reset(goc_ticker *t, goc_duration period) {
    if (!t) return;
    if (period <= 0) { errno = EINVAL; return; }
    goc_mutex_lock(&goc__tm.lock);
    goc__tm_unschedule(&t->t);
    t->t.period = period;
    t->t.when = goc_deadline_after(period);
    goc__tm_add(&t->t);
    goc_mutex_unlock(&goc__tm.lock);
}

GOC_DEF void goc_ticker_free(goc_ticker *t) { if (t) goc_timer_free(&t->t); }

#endif /* GOC_TIMER_IMPLEMENTATION */

/*
 * ------------------------------------------------------------------------------
 * This software is available under the MIT licence (LICENSE in goc's repository):
 *
 * MIT License
 *
 * Copyright (c) 2026 the goc authors
 *
 * Permission is hereby granted, free of charge, to any person obtaining a copy
 * of this software and associated documentation files (the "Software"), to deal
 * in the Software without restriction, including without limitation the rights
 * to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 * copies of the Software, and to permit persons to whom the Software is
 * furnished to do so, subject to the following conditions:
 *
 * The above copyright notice and this permission notice shall be included in all
 * copies or substantial portions of the Software.
 *
 * THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 * IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 * FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 * AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 * LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 * OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
 * SOFTWARE.
 * ------------------------------------------------------------------------------
 */
