/* goc context.h - v0.1.0 - Go's context package for C11: cancellation,
 *                        deadlines and request values, with Done a channel
 * SPDX-License-Identifier: MIT
 *
 * DO THIS ONCE
 *   In exactly one C file (goc's implementations are C11):
 *       #define GOC_IMPLEMENTATION           (or each module's
 *       #include "context.h"                  GOC_<MODULE>_IMPLEMENTATION)
 *   Everywhere else include it plainly. Needs timer.h, pool.h, chan.h,
 *   sync.h and atomic.h beside it. Link with -pthread.
 *
 * EXAMPLE
 *       goc_ctx *ctx = goc_ctx_with_timeout(goc_ctx_background(), 100 * GOC_MILLISECOND);
 *       goc_case cs[2] = { goc_recv_case(results, &r),
 *                          goc_recv_case(goc_ctx_done(ctx), NULL) };
 *       if (goc_select(cs, 2) == 1)
 *           printf("gave up: %s\n", goc_strerror(goc_ctx_err(ctx)));  // "context deadline exceeded"
 *       goc_ctx_free(ctx);                  // cancels it (and its children), drops our reference
 *
 * API
 *   goc_ctx *goc_ctx_background(void);     never canceled, no deadline, no values; free is a no-op
 *   goc_ctx *goc_ctx_with_cancel(goc_ctx *parent);
 *   goc_ctx *goc_ctx_with_timeout(goc_ctx *parent, goc_duration d);
 *   goc_ctx *goc_ctx_with_deadline(goc_ctx *parent, int64_t deadline);   goc_now() clock
 *   goc_ctx *goc_ctx_with_value(goc_ctx *parent, const void *key, void *val);
 *       a new context, one reference for the caller. NULL with errno EINVAL
 *       (parent NULL) or ENOMEM. A child of a context that has already
 *       ended starts ended, with its parent's error; a deadline already
 *       past ends it at once with GOC_DEADLINE; a deadline later than the
 *       parent's is the parent's. Deadline arithmetic saturates:
 *       with_timeout(p, d) is with_deadline(p, goc_now() + d) without
 *       wrapping, so a d too large to add (GOC_FOREVER, INT64_MAX - 1, ...)
 *       is the deadline INT64_MAX, and a hugely negative d (INT64_MIN) is
 *       long past. The deadline INT64_MAX never comes: it is no deadline
 *       at all (goc_ctx_deadline answers false, no timer is armed), as
 *       with_cancel.
 *   void goc_ctx_retain(goc_ctx *ctx);     one more reference
 *   void goc_ctx_free(goc_ctx *ctx);       cancels ctx (GOC_CANCELED, if it has not ended)
 *                                          and drops the caller's reference: the creator's
 *                                          "defer cancel()". It cancels for every holder.
 *   void goc_ctx_release(goc_ctx *ctx);    drops one reference without cancelling: for a
 *                                          holder given one by goc_ctx_retain. Background:
 *                                          nothing. The last reference frees the context
 *                                          whether or not it was cancelled.
 *   void goc_ctx_cancel(goc_ctx *ctx);     ends ctx and every descendant with GOC_CANCELED;
 *                                          background and value contexts: nothing
 *   goc_chan *goc_ctx_done(goc_ctx *ctx);  closed when ctx ends (a signal channel: receive
 *                                          or select on it). NULL for background (and a value
 *                                          context over it), so a select case on it never fires
 *   int  goc_ctx_err(goc_ctx *ctx);        GOC_OK while running, then GOC_CANCELED or GOC_DEADLINE
 *   bool goc_ctx_deadline(goc_ctx *ctx, int64_t *deadline);   false: none
 *   void *goc_ctx_value(goc_ctx *ctx, const void *key);        the nearest ancestor's value, or NULL
 *       Keys are compared as pointers: use the address of a static
 *       object of your own, as Go code uses an unexported key type.
 *
 *   Go 1.20 / 1.21:
 *   void goc_ctx_cancel_cause(goc_ctx *ctx, int cause);
 *       goc_ctx_cancel, recording why: cause is any int of yours (a result
 *       code, an errno); GOC_OK counts as GOC_CANCELED. Only the first end
 *       of a context counts; its descendants end with the same cause.
 *   int  goc_ctx_cause(goc_ctx *ctx);       GOC_OK while ctx lives; then the cause given to
 *                                           cancel_cause, else goc_ctx_err's answer
 *                                           (GOC_DEADLINE for a deadline, GOC_CANCELED)
 *   goc_ctx_hook *goc_ctx_after_func(goc_ctx *ctx, void (*fn)(void *), void *arg);
 *       fn(arg) runs on a thread of its own (goc_go) once ctx ends, at once
 *       if it has (if no thread can be had, on the thread that ended ctx,
 *       as goc_after_func's callbacks do). NULL with errno EINVAL (ctx
 *       NULL, fn NULL, or a context that never ends: background and values
 *       over it) or ENOMEM. A pending hook holds a reference on the
 *       context (dropped when fn is started, or by the stop).
 *   bool goc_ctx_hook_stop(goc_ctx_hook *h);
 *       ends the hook and frees it; call it exactly once per hook, before
 *       or after fn ran (unlike Go's stop it is not optional: it frees the
 *       hook). true: it prevented fn from running; false: fn has been or
 *       is being started (it never waits for fn itself). NULL: false.
 *
 *   The blocking calls, bounded by a context. Each returns what the plain
 *   call returns, or goc_ctx_err(ctx) (GOC_CANCELED or GOC_DEADLINE) when
 *   ctx ends first; a context that has already ended answers that at once,
 *   without trying. ctx NULL: GOC_EINVAL; a context that never ends
 *   (background): the plain call.
 *   int goc_ctx_send(goc_ctx *ctx, goc_chan *ch, const void *elem);     goc_chan_send
 *   int goc_ctx_recv(goc_ctx *ctx, goc_chan *ch, void *out);            goc_chan_recv
 *   int goc_ctx_sem_acquire(goc_ctx *ctx, goc_sem *s, int64_t n);       goc_sem_acquire
 *   int goc_ctx_submit(goc_ctx *ctx, goc_workers *w, void (*fn)(void *), void *arg);
 *   int goc_ctx_sleep(goc_ctx *ctx, goc_duration d);                    GOC_OK after d
 *       Where both are ready at once (a value waiting and ctx ended), the
 *       operation or the context may win, as in Go's two-case select.
 *
 *   errgroup (golang.org/x/sync/errgroup): tasks that return an int.
 *   goc_group *goc_group_new(goc_ctx *parent);
 *       parent NULL: a plain group. Else the group owns a child of parent
 *       (goc_group_ctx), cancelled with the task's result as its cause by
 *       the first task that returns non-zero, and when wait returns. NULL
 *       with errno ENOMEM.
 *   goc_ctx *goc_group_ctx(goc_group *g);   that child, for the tasks (NULL without a parent)
 *   void goc_group_set_limit(goc_group *g, int n);
 *       at most n tasks at once (n < 0: no limit, the default); call while
 *       no task runs (else GOC_PANIC, as Go panics). With n == 0 no task
 *       can start: go and try_go answer GOC_EINVAL (Go's would block forever).
 *   int  goc_group_go(goc_group *g, int (*fn)(void *), void *arg);
 *       run fn(arg) on goc_go, waiting for room while at the limit.
 *       GOC_OK, GOC_ENOMEM, GOC_EINVAL (g or fn NULL, limit 0).
 *   int  goc_group_try_go(goc_group *g, int (*fn)(void *), void *arg);
 *       the same, or GOC_WOULDBLOCK at the limit, at once.
 *   int  goc_group_wait(goc_group *g);      waits for every task started; the first
 *                                           non-zero result, or GOC_OK
 *   void goc_group_free(goc_group *g);      after wait (it waits for running tasks
 *                                           anyway); frees the group's context
 *
 * LIFETIME
 *   Contexts are reference counted. A child holds a reference on its
 *   parent, so it stays valid when the caller freed the parent (freeing
 *   the parent still cancels it). Give every thread that keeps a context
 *   its own reference (goc_ctx_retain) and drop it with goc_ctx_release
 *   (goc_ctx_free would cancel the context for everyone); the creator
 *   ends with goc_ctx_free. goc_ctx_done's channel lives as long as the
 *   context, and longer if retained: goc_chan_retain(goc_ctx_done(c)) keeps
 *   the channel valid after the context is gone (it is closed by then, as
 *   the last goc_ctx_free cancels); drop it with goc_chan_free.
 *   Cancelling and freeing take bounded stack however deep the tree is.
 *
 * ORDERING
 *   Cancellation happens-before a receive on done that answers GOC_CLOSED,
 *   before goc_ctx_err (and goc_ctx_cause) returns the error, and before an
 *   after_func's fn runs. A group's tasks happen-before its wait returns.
 *
 * THREAD SAFETY
 *   Every function may be called from any thread on the same context.
 */
#include "timer.h"

#ifndef GOC_CONTEXT_H
#define GOC_CONTEXT_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct goc_ctx goc_ctx;
GOC_DEF goc_ctx  *goc_ctx_background(void);
GOC_DEF void      goc_ctx_retain(goc_ctx *ctx);
GOC_DEF goc_ctx  *goc_ctx_with_cancel(goc_ctx *parent);
GOC_DEF goc_ctx  *goc_ctx_with_timeout(goc_ctx *parent, goc_duration d);
GOC_DEF goc_ctx  *goc_ctx_with_deadline(goc_ctx *parent, int64_t deadline);
GOC_DEF goc_ctx  *goc_ctx_with_value(goc_ctx *parent, const void *key, void *val);
GOC_DEF void      goc_ctx_cancel(goc_ctx *ctx);
GOC_DEF goc_chan *goc_ctx_done(goc_ctx *ctx);
GOC_DEF int       goc_ctx_err(goc_ctx *ctx);
GOC_DEF bool      goc_ctx_deadline(goc_ctx *ctx, int64_t *deadline);
GOC_DEF void     *goc_ctx_value(goc_ctx *ctx, const void *key);
GOC_DEF void      goc_ctx_free(goc_ctx *ctx);
GOC_DEF void      goc_ctx_release(goc_ctx *ctx);

GOC_DEF void      goc_ctx_cancel_cause(goc_ctx *ctx, int cause);
GOC_DEF int       goc_ctx_cause(goc_ctx *ctx);
typedef struct goc_ctx_hook goc_ctx_hook;
GOC_DEF goc_ctx_hook *goc_ctx_after_func(goc_ctx *ctx, void (*fn)(void *), void *arg);
GOC_DEF bool      goc_ctx_hook_stop(goc_ctx_hook *h);

GOC_DEF int goc_ctx_send(goc_ctx *ctx, goc_chan *ch, const void *elem);
GOC_DEF int goc_ctx_recv(goc_ctx *ctx, goc_chan *ch, void *out);
GOC_DEF int goc_ctx_sem_acquire(goc_ctx *ctx, goc_sem *s, int64_t n);
GOC_DEF int goc_ctx_submit(goc_ctx *ctx, goc_workers *w, void (*fn)(void *), void *arg);
GOC_DEF int goc_ctx_sleep(goc_ctx *ctx, goc_duration d);

typedef struct goc_group goc_group;
GOC_DEF goc_group *goc_group_new(goc_ctx *parent);
GOC_DEF goc_ctx   *goc_group_ctx(goc_group *g);
GOC_DEF void       goc_group_set_limit(goc_group *g, int n);
GOC_DEF int        goc_group_go(goc_group *g, int (*fn)(void *), void *arg);
GOC_DEF int        goc_group_try_go(goc_group *g, int (*fn)(void *), void *arg);
GOC_DEF int        goc_group_wait(goc_group *g);
GOC_DEF void       goc_group_free(goc_group *g);

#ifdef __cplusplus
}
#endif

#endif /* GOC_CONTEXT_H */

/* ======================================================================== */
/*                             IMPLEMENTATION                               */
/* ======================================================================== */

#if (defined(GOC_CONTEXT_IMPLEMENTATION) || defined(GOC_IMPLEMENTATION)) && \
    !defined(GOC_CONTEXT_IMPL_INCLUDED)
#define GOC_CONTEXT_IMPL_INCLUDED

#ifdef __cplusplus
#error "goc: compile the implementation as C11 (the declarations are fine in C++)"
#endif

/*
 * Design
 *
 * Three kinds of context: background (one static object), cancel (made
 * by with_cancel, with_timeout and with_deadline) and value. Every
 * context holds a reference on its parent. A cancel context owns a done
 * channel (unbuffered, zero-size, in the same allocation) that cancel
 * closes, its error (an atomic, so err() takes no lock) and a list of
 * the cancel contexts directly below it: its own children and those
 * below value contexts under it. Each such child records the canceler
 * it is registered with (`reg`), the nearest cancel ancestor, which
 * never changes.
 *
 * Cancel of c: under c's lock, set the error, close done, and detach the
 * child list, taking a reference on every child that is not already
 * dying (a child whose count reached 0 is waiting for c's lock to take
 * itself off the list: it is just dropped from the list). Then, with no
 * lock held, cancel each child and drop the reference. So a thread holds
 * at most one context lock at a time and nothing can deadlock; a child
 * is never freed under the feet of the parent that cancels it. The
 * children go on one work list (linked through their own `next`, free
 * once they are off their parent's list), and their children after them:
 * cancel is a loop, not a recursion (a 300,000-generation chain once
 * overflowed the stack).
 *
 * When goc_ctx_cancel (or free) returns, every descendant has ended, as
 * in Go. Detaching the list hands a subtree to one canceller, so a second
 * canceller that reaches an already-ended node (a deadline firing in the
 * middle of the tree while the root is cancelled) must not return before
 * the first has finished that subtree: it skipped the node and returned
 * with grandchildren still live (make soak found it). Cancels that may
 * reach descendants therefore run one at a time, under goc__ctx_cancel_mu;
 * a context that never had a child (the common per-request context) ends
 * without it.
 *
 * Lifetimes. A cancel context's block holds its done channel; the block
 * belongs to done's references: the context holds the first one, and
 * done's last-reference hook (goc__chan_on_last) frees the block. So the
 * last goc__ctx_release unregisters, frees the timer and drops the
 * context's done reference last of all (then never touches c again), and
 * a goc_chan_retain'ed done outlives the context (the block used to be
 * freed with the last context reference, under a retained done's feet).
 * goc_ctx_release drops a reference without cancelling; goc_ctx_free is
 * cancel + release.
 *
 * Deadlines saturate (goc_deadline_after, goc_until): INT64_MAX is no
 * deadline (no timer), anything at or before now ends the context at once.
 *
 * A deadline is an AfterFunc timer that cancels with GOC_DEADLINE. The
 * pending timer holds a reference on its context; whoever stops it in
 * time (cancel) drops that reference, else the callback drops it when
 * done. The last reference unregisters the context from its canceler,
 * frees the timer and the context, and drops the parent.
 *
 * Causes. The cause is stored (relaxed) just before the error, whose
 * release store publishes it: goc_ctx_cause reads the error (acquire)
 * first. A cancel carries its cause down the tree with its error.
 *
 * Hooks (goc_ctx_after_func, and the context-bounded waits that cannot be
 * a select: goc_ctx_sem_acquire). A hook sits on its canceler's list,
 * under that canceler's lock, like a child. The end of the context
 * detaches the list (under the lock, as it does the children) and, once
 * no context lock and not goc__ctx_cancel_mu is held, fires each hook:
 * state PENDING -> RUNNING, then either goc_go(fn, arg) (after_func; if
 * no thread can be had, fn runs right there) or fn(arg) on the cancelling
 * thread (an internal hook: a few instructions that end a wait), then
 * RUNNING -> RAN (release), and a wake by address if a stopper waits.
 * Stopping decides under the same lock: a hook still listed is taken off
 * and never fires (stop answers true); one already detached fires or has
 * fired, so the stopper waits until it is RAN before it frees the hook or
 * returns: the firing side's last touch of a hook is that RAN store. So a
 * hook may live on its owner's stack (the internal ones do: no
 * allocation, nothing to fail). RAN comes after an internal hook's fn (a
 * few instructions that end a wait) but before an after_func's goc_go,
 * so a stopper never waits for user code; internal hooks fire first.
 * A pending after_func hook holds a reference on its canceler. The
 * stopper sets STOP and the firing side adds RUNNING, each with one RMW
 * of the state: if STOP came first, the stopper may still lock the
 * canceler, so it keeps the reference and drops it; else the firing side
 * drops it after RAN, and the stopper never touches the canceler. (A
 * first version dropped it at the fire while the stopper could still
 * lock it: TSan found the use-after-free. A second kept it until the
 * stop, which leaked every context whose hook was never stopped.)
 *
 * Lock order: goc__ctx_cancel_mu, then one context lock at a time; the
 * timer lock and a channel's lock may be taken under a context lock
 * (closing done, arming the timer). A semaphore's lock may be held when a
 * context lock is taken (goc_ctx_sem_acquire arms its hook under it); the
 * hooks fire with no context lock held, and an internal hook's fn takes
 * no lock.
 */

#include <errno.h>
#include <string.h>

enum { GOC__CTX_BACKGROUND, GOC__CTX_CANCEL, GOC__CTX_VALUE };

struct goc_ctx {
    goc_atomic_i64 refs;
    int kind;
    goc_ctx *parent;                 /* a reference; NULL for background */
    bool has_deadline;
    int64_t deadline;
    const void *key;                 /* value contexts */
    void *val;
    /* cancel contexts */
    goc_atomic_i32 err;
    goc_atomic_i32 cause;            /* set just before err (see the design) */
    goc_mutex lock;                  /* children, hooks, timer, armed */
    goc_ctx *children;               /* registered below us */
    goc_ctx_hook *hooks;             /* pending hooks (under lock) */
    goc_ctx *reg;                    /* the canceler we are registered with (fixed) */
    goc_ctx *prev, *next;            /* links in reg's list (under reg's lock) */
    bool listed;                     /* on reg's list (under reg's lock) */
    bool had_children;               /* a child was ever listed (under lock) */
    goc_timer *timer;
    bool armed;                      /* the timer holds a reference (under lock) */
    goc_chan *done;
};

enum { GOC__HOOK_PENDING = 0, GOC__HOOK_RUNNING = 1, GOC__HOOK_RAN = 2,   /* the low 2 bits */
       GOC__HOOK_WAITER = 4,        /* a stopper sleeps until RAN */
       GOC__HOOK_STOP = 8 };        /* a stopper came before the firing side */

struct goc_ctx_hook {
    goc_ctx_hook *prev, *next;       /* on the canceler's list (under its lock); then
                                        `next` links the cancel's fire list */
    goc_ctx *ctx;                    /* the canceler (NULL: fired at creation) */
    void (*fn)(void *);
    void *arg;
    bool listed;                     /* on ctx's list (under ctx's lock) */
    bool thread;                     /* after_func: fn runs on goc_go, and the hook
                                        holds a reference on ctx while pending */
    goc_atomic_u32 state;            /* GOC__HOOK_* (see the design) */
};

static goc_ctx goc__ctx_bg = { .kind = GOC__CTX_BACKGROUND };

GOC_DEF goc_ctx *goc_ctx_background(void) { return &goc__ctx_bg; }

GOC_DEF void goc_ctx_retain(goc_ctx *ctx) {
    /* seq_cst like every count change: the last decrement must see all */
    if (ctx && ctx->kind != GOC__CTX_BACKGROUND) goc_atomic_i64_add(&ctx->refs, 1);
}

/* The nearest cancel context at or above ctx (NULL: background). */
static goc_ctx *goc__ctx_canceler(goc_ctx *ctx) {
    while (ctx && ctx->kind == GOC__CTX_VALUE) ctx = ctx->parent;
    return ctx && ctx->kind == GOC__CTX_CANCEL ? ctx : NULL;
}

/* The done channel's last reference is gone: the context's own (dropped
 * by goc__ctx_release) and every goc_chan_retain'ed one. The block holds
 * the channel, so it goes now and not before. */
static void goc__ctx_done_last(void *arg) { GOC_FREE(arg); }

/* Off reg's list, if still on it (a cancel of reg may have taken c off). */
static void goc__ctx_unlist(goc_ctx *c) {
    goc_ctx *reg = c->reg;
    if (!reg) return;
    goc_mutex_lock(&reg->lock);
    if (c->listed) {
        if (c->prev) c->prev->next = c->next; else reg->children = c->next;
        if (c->next) c->next->prev = c->prev;
        c->listed = false;
    }
    goc_mutex_unlock(&reg->lock);
}

/* Drop one reference. The last one unregisters c, frees its timer and
 * drops its parent: iteratively, so a chain of any depth is freed in
 * bounded stack. (Children hold references on c, so c's last reference
 * never has children left to free: nothing to walk downwards.) */
static void goc__ctx_release(goc_ctx *c) {
    while (c && c->kind != GOC__CTX_BACKGROUND) {
        /* seq_cst: the last decrement must see every other holder's writes */
        if (goc_atomic_i64_add(&c->refs, -1) != 0) return;
        goc__ctx_unlist(c);
        if (c->timer) goc_timer_free(c->timer);
        goc_ctx *parent = c->parent;
        /* The block goes with done's last reference (goc__ctx_done_last):
         * now, unless someone retained done. Not touched after this. */
        if (c->done) goc_chan_free(c->done);
        else GOC_FREE(c);
        c = parent;                  /* drop our reference on the parent, iteratively */
    }
}

/* A reference on c unless it is already dying (count 0). */
static bool goc__ctx_try_retain(goc_ctx *c) {
    int64_t n = goc_atomic_i64_load(&c->refs);
    while (n > 0)
        if (goc_atomic_i64_cas_explicit(&c->refs, &n, n + 1, GOC_SEQ_CST, GOC_SEQ_CST)) return true;
    return false;
}

/* End c alone: set its error, close done, stop its timer, take it off its
 * canceler's list, and push its live children (each with a reference
 * taken) on *todo, linked through their `next` (they are off every list
 * now: nobody else reads their links). Nothing if c had already ended. */
static bool goc__ctx_end(goc_ctx *c, int err, int cause, goc_ctx **todo, goc_ctx_hook **fire,
                         bool leaf_only) {
    goc_mutex_lock(&c->lock);
    if (leaf_only && c->had_children) {   /* a tree: the caller takes goc__ctx_cancel_mu */
        goc_mutex_unlock(&c->lock);
        return false;
    }
    if (goc_atomic_i32_load_explicit(&c->err, GOC_RELAXED) != GOC_OK) {
        goc_mutex_unlock(&c->lock);
        return true;
    }
    /* release: the error (and the cause before it) is published before
     * done closes; err() and a receive on done (acquire) see everything
     * before the cancel. */
    goc_atomic_i32_store_explicit(&c->cause, cause, GOC_RELAXED);
    goc_atomic_i32_store_explicit(&c->err, err, GOC_RELEASE);
    goc_chan_close(c->done);
    for (goc_ctx_hook *h = c->hooks, *next; h; h = next) {
        next = h->next;
        h->listed = false;           /* ours now: fired once the locks are dropped */
        h->next = *fire;
        *fire = h;
    }
    c->hooks = NULL;
    for (goc_ctx *ch = c->children, *next; ch; ch = next) {
        next = ch->next;
        ch->listed = false;
        if (goc__ctx_try_retain(ch)) { ch->next = *todo; *todo = ch; }
    }
    c->children = NULL;
    bool armed = c->armed;
    c->armed = false;
    goc_mutex_unlock(&c->lock);

    /* The timer's reference. Never the last one: our caller holds one. */
    if (armed && goc_timer_stop(c->timer)) goc__ctx_release(c);
    /* Off the list of our own canceler (a parent's cancel already took us off). */
    goc__ctx_unlist(c);
    return true;
}

/* End c and every descendant, iteratively: a work list (through the
 * descendants' own links) instead of one stack frame per generation, so
 * a chain of any depth cancels in bounded stack, on any thread. */
static goc_mutex goc__ctx_cancel_mu;   /* one subtree cancel at a time (see the design) */

/* Fire the hooks a cancel detached (see the design); no lock held. The
 * hooks' contexts stay: an after_func hook holds a reference until it is
 * stopped (the stopper takes the context's lock), an internal hook's
 * context is held by the waiter. */
static void goc__ctx_fire_list(goc_ctx_hook *h) {
    while (h) {
        goc_ctx_hook *next = h->next;    /* read before RAN: the hook may go then */
        void (*fn)(void *) = h->fn;
        void *arg = h->arg;
        bool thread = h->thread;
        goc_ctx *ref = h->ctx;
        /* acq_rel, one RMW against the stopper's: whichever comes first
         * decides who drops an after_func hook's reference (see the design) */
        uint32_t st = goc_atomic_u32_fetch_add_explicit(&h->state, GOC__HOOK_RUNNING, GOC_ACQ_REL);
        if (!thread) fn(arg);            /* internal: done before RAN, its stopper waits */
        /* release: fn's effects come before the stopper frees the hook; the
         * last touch of h. An after_func's fn, already copied, is started
         * after it: a stopper never waits for user code. */
        uint32_t old = goc_atomic_u32_fetch_add_explicit(&h->state, GOC__HOOK_RAN - GOC__HOOK_RUNNING,
                                                         GOC_RELEASE);
        if (old & GOC__HOOK_WAITER) goc_wake_all(&h->state);   /* by address only */
        if (thread) {
            /* No thread to be had: run it here, as goc_after_func's timer does. */
            if (goc_go(fn, arg) != GOC_OK) fn(arg);
            if (!(st & GOC__HOOK_STOP)) goc__ctx_release(ref);   /* else the stopper's */
        }
        h = next;
    }
}

/* Internal hooks first (a waiter's cancel), then after_func's: a waiter
 * never waits behind a hook that runs user code. */
static void goc__ctx_fire(goc_ctx_hook *h) {
    goc_ctx_hook *internal = NULL, *user = NULL;
    while (h) {
        goc_ctx_hook *next = h->next;    /* nothing has fired yet: h stays */
        goc_ctx_hook **to = h->thread ? &user : &internal;
        h->next = *to;
        *to = h;
        h = next;
    }
    goc__ctx_fire_list(internal);
    goc__ctx_fire_list(user);
}

static void goc__ctx_cancel(goc_ctx *c, int err, int cause) {
    goc_ctx *todo = NULL;
    goc_ctx_hook *fire = NULL;
    /* A context that never had a child ends on its own (a child that
     * registers afterwards sees the error and ends itself). */
    if (goc__ctx_end(c, err, cause, &todo, &fire, true)) {
        goc__ctx_fire(fire);
        return;
    }
    goc_mutex_lock(&goc__ctx_cancel_mu);
    goc__ctx_end(c, err, cause, &todo, &fire, false);
    while (todo) {
        goc_ctx *ch = todo;
        todo = ch->next;             /* ours: off every list, nobody else reads it */
        goc__ctx_end(ch, err, cause, &todo, &fire, false);
        goc__ctx_release(ch);        /* the reference goc__ctx_end took */
    }
    goc_mutex_unlock(&goc__ctx_cancel_mu);
    goc__ctx_fire(fire);
}

static goc_ctx *goc__ctx_new(goc_ctx *parent, int kind) {
    if (!parent) { errno = EINVAL; return NULL; }
    size_t off = (sizeof(goc_ctx) + _Alignof(max_align_t) - 1) / _Alignof(max_align_t) * _Alignof(max_align_t);
    size_t size = kind == GOC__CTX_CANCEL ? off + goc_chan_sizeof(0, 0) : sizeof(goc_ctx);
    goc_ctx *c = (goc_ctx *)GOC_MALLOC(size);
    if (!c) { errno = ENOMEM; return NULL; }
    memset(c, 0, sizeof *c);
    goc_atomic_i64_store_explicit(&c->refs, 1, GOC_RELAXED);
    c->kind = kind;
    goc_ctx_retain(parent);
    c->parent = parent;
    c->has_deadline = goc_ctx_deadline(parent, &c->deadline);
    if (kind == GOC__CTX_CANCEL) {
        /* The context holds done's first reference; the block is freed
         * when done's last reference goes (goc__ctx_done_last). */
        c->done = goc_chan_init((char *)c + off, 0, 0);
        goc__chan_on_last(c->done, goc__ctx_done_last, c);
    }
    return c;
}

/* Put a new cancel context on its canceler's list, or end it at once if
 * the canceler has ended. */
static void goc__ctx_register(goc_ctx *c) {
    goc_ctx *reg = goc__ctx_canceler(c->parent);
    if (!reg) return;
    c->reg = reg;
    goc_mutex_lock(&reg->lock);
    int err = goc_atomic_i32_load_explicit(&reg->err, GOC_RELAXED);
    int cause = goc_atomic_i32_load_explicit(&reg->cause, GOC_RELAXED);   /* under reg's lock */
    if (err == GOC_OK) {
        c->prev = NULL;
        c->next = reg->children;
        if (c->next) c->next->prev = c;
        reg->children = c;
        c->listed = true;
        reg->had_children = true;
    }
    goc_mutex_unlock(&reg->lock);
    if (err != GOC_OK) goc__ctx_cancel(c, err, cause);
}

GOC_DEF goc_ctx *goc_ctx_with_cancel(goc_ctx *parent) {
    goc_ctx *c = goc__ctx_new(parent, GOC__CTX_CANCEL);
    if (c) goc__ctx_register(c);
    return c;
}

static void goc__ctx_expire(void *arg) {
    goc_ctx *c = (goc_ctx *)arg;
    goc__ctx_cancel(c, GOC_DEADLINE, GOC_DEADLINE);
    goc__ctx_release(c);             /* the timer's reference */
}

GOC_DEF goc_ctx *goc_ctx_with_deadline(goc_ctx *parent, int64_t deadline) {
    int64_t pd;
    /* INT64_MAX never comes (goc_deadline_after's "never"): no deadline. */
    if (deadline == INT64_MAX || (parent && goc_ctx_deadline(parent, &pd) && pd <= deadline))
        return goc_ctx_with_cancel(parent);     /* the parent ends first anyway */
    goc_ctx *c = goc__ctx_new(parent, GOC__CTX_CANCEL);
    if (!c) return NULL;
    c->has_deadline = true;
    c->deadline = deadline;
    goc__ctx_register(c);
    goc_duration d = goc_until(deadline);       /* saturating: INT64_MIN is long past */
    if (d <= 0) {
        goc__ctx_cancel(c, GOC_DEADLINE, GOC_DEADLINE);
        return c;
    }
    goc_ctx_retain(c);               /* the timer's reference */
    goc_mutex_lock(&c->lock);
    bool live = goc_atomic_i32_load_explicit(&c->err, GOC_RELAXED) == GOC_OK;
    if (live) {
        /* Armed under our lock: a callback that fires at once waits for it
         * in cancel, and sees timer and armed set. */
        c->timer = goc_after_func(d, goc__ctx_expire, c);
        c->armed = c->timer != NULL;
    }
    goc_mutex_unlock(&c->lock);
    if (!live || !c->timer) {
        goc__ctx_release(c);
        if (live) { goc_ctx_free(c); errno = ENOMEM; return NULL; }
    }
    return c;
}

GOC_DEF goc_ctx *goc_ctx_with_timeout(goc_ctx *parent, goc_duration d) {
    /* Saturating: GOC_FOREVER and any d too large to add are INT64_MAX (no
     * deadline); hugely negative ones are long past. */
    return goc_ctx_with_deadline(parent, goc_deadline_after(d));
}

GOC_DEF goc_ctx *goc_ctx_with_value(goc_ctx *parent, const void *key, void *val) {
    goc_ctx *c = goc__ctx_new(parent, GOC__CTX_VALUE);
    if (c) { c->key = key; c->val = val; }
    return c;
}

GOC_DEF void goc_ctx_cancel(goc_ctx *ctx) {
    if (ctx && ctx->kind == GOC__CTX_CANCEL) goc__ctx_cancel(ctx, GOC_CANCELED, GOC_CANCELED);
}

GOC_DEF goc_chan *goc_ctx_done(goc_ctx *ctx) {
    goc_ctx *c = goc__ctx_canceler(ctx);
    return c ? c->done : NULL;
}

GOC_DEF int goc_ctx_err(goc_ctx *ctx) {
    goc_ctx *c = goc__ctx_canceler(ctx);
    /* acquire: pairs with cancel's release store */
    return c ? goc_atomic_i32_load_explicit(&c->err, GOC_ACQUIRE) : GOC_OK;
}

GOC_DEF bool goc_ctx_deadline(goc_ctx *ctx, int64_t *deadline) {
    if (!ctx || !ctx->has_deadline) return false;
    if (deadline) *deadline = ctx->deadline;
    return true;
}

GOC_DEF void *goc_ctx_value(goc_ctx *ctx, const void *key) {
    for (; ctx; ctx = ctx->parent)
        if (ctx->kind == GOC__CTX_VALUE && ctx->key == key) return ctx->val;
    return NULL;
}

GOC_DEF void goc_ctx_free(goc_ctx *ctx) {
    if (!ctx || ctx->kind == GOC__CTX_BACKGROUND) return;
    goc_ctx_cancel(ctx);
    goc__ctx_release(ctx);
}

GOC_DEF void goc_ctx_release(goc_ctx *ctx) {
    if (!ctx || ctx->kind == GOC__CTX_BACKGROUND) return;
    goc__ctx_release(ctx);
}

/* ---- Go 1.20/1.21: causes and AfterFunc --------------------------------- */

GOC_DEF void goc_ctx_cancel_cause(goc_ctx *ctx, int cause) {
    if (ctx && ctx->kind == GOC__CTX_CANCEL)
        goc__ctx_cancel(ctx, GOC_CANCELED, cause != GOC_OK ? cause : GOC_CANCELED);
}

GOC_DEF int goc_ctx_cause(goc_ctx *ctx) {
    goc_ctx *c = goc__ctx_canceler(ctx);
    if (!c) return GOC_OK;
    /* acquire: pairs with cancel's release store of err, after the cause */
    if (goc_atomic_i32_load_explicit(&c->err, GOC_ACQUIRE) == GOC_OK) return GOC_OK;
    return goc_atomic_i32_load_explicit(&c->cause, GOC_RELAXED);
}

/* Put h on c's list unless c has ended; false: it has (nothing listed). */
static bool goc__ctx_hook_add(goc_ctx *c, goc_ctx_hook *h) {
    goc_mutex_lock(&c->lock);
    bool live = goc_atomic_i32_load_explicit(&c->err, GOC_RELAXED) == GOC_OK;
    if (live) {
        h->prev = NULL;
        h->next = c->hooks;
        if (h->next) h->next->prev = h;
        c->hooks = h;
        h->listed = true;
    }
    goc_mutex_unlock(&c->lock);
    return live;
}

/* End h: true if it was still listed (it will never fire); else wait
 * until whoever fires it has stored RAN, its last touch. The context is
 * touched only when the stop bit came before the firing side's RMW: the
 * firing side then leaves the hook's reference to us, so the context is
 * alive while we lock it (an internal hook's context is the caller's).
 * *drop: we hold the hook's reference and must drop it. */
static bool goc__ctx_hook_end(goc_ctx_hook *h, bool *drop) {
    goc_ctx *c = h->ctx;
    *drop = false;
    uint32_t first = GOC__HOOK_RAN;
    if (c) {   /* fetch_or, as a CAS loop */
        first = goc_atomic_u32_load_explicit(&h->state, GOC_RELAXED);
        while (!goc_atomic_u32_cas_weak_explicit(&h->state, &first, first | GOC__HOOK_STOP,
                                                 GOC_ACQ_REL, GOC_RELAXED)) {}
    }
    if ((first & 3u) == GOC__HOOK_PENDING) {
        *drop = h->thread;
        goc_mutex_lock(&c->lock);
        bool listed = h->listed;
        if (listed) {
            if (h->prev) h->prev->next = h->next; else c->hooks = h->next;
            if (h->next) h->next->prev = h->prev;
            h->listed = false;
        }
        goc_mutex_unlock(&c->lock);
        if (listed) return true;
    }
    /* acquire: pairs with the RAN store, so fn's writes and the firing
     * side's reads of h are done before h goes */
    uint32_t st = goc_atomic_u32_load_explicit(&h->state, GOC_ACQUIRE);
    while ((st & 3u) != GOC__HOOK_RAN) {
        if (!(st & GOC__HOOK_WAITER)) {
            if (!goc_atomic_u32_cas_explicit(&h->state, &st, st | GOC__HOOK_WAITER,
                                             GOC_ACQUIRE, GOC_ACQUIRE))
                continue;
            st |= GOC__HOOK_WAITER;
        }
        goc_wait_u32(&h->state, st, GOC_FOREVER);
        st = goc_atomic_u32_load_explicit(&h->state, GOC_ACQUIRE);
    }
    return false;
}

GOC_DEF goc_ctx_hook *goc_ctx_after_func(goc_ctx *ctx, void (*fn)(void *), void *arg) {
    goc_ctx *c = goc__ctx_canceler(ctx);
    if (!c || !fn) { errno = EINVAL; return NULL; }     /* never ends: fn would never run */
    goc_ctx_hook *h = (goc_ctx_hook *)GOC_CALLOC(1, sizeof *h);
    if (!h) { errno = ENOMEM; return NULL; }
    h->fn = fn;
    h->arg = arg;
    h->thread = true;
    goc_ctx_retain(c);               /* the pending hook's reference */
    h->ctx = c;
    if (goc__ctx_hook_add(c, h)) return h;
    /* Ended already: fn starts now, and the hook is born RAN. */
    h->ctx = NULL;
    goc__ctx_release(c);
    goc_atomic_u32_store_explicit(&h->state, GOC__HOOK_RAN, GOC_RELAXED);
    if (goc_go(fn, arg) != GOC_OK) {
        GOC_FREE(h);
        errno = ENOMEM;
        return NULL;
    }
    return h;
}

GOC_DEF bool goc_ctx_hook_stop(goc_ctx_hook *h) {
    if (!h) return false;
    bool drop;
    bool prevented = goc__ctx_hook_end(h, &drop);
    if (drop) goc__ctx_release(h->ctx);   /* the hook's reference, left to us */
    GOC_FREE(h);
    return prevented;
}

/* ---- the blocking calls, bounded by a context ----------------------------- */

/* The end of ctx (its done channel), or NULL: *rc is the answer already
 * (ctx NULL, or ended) when it returns NULL with *rc set; neither: it
 * never ends, use the plain call. */
static goc_chan *goc__ctx_bound(goc_ctx *ctx, int *rc) {
    *rc = GOC_OK;
    if (!ctx) { *rc = GOC_EINVAL; return NULL; }
    goc_chan *done = goc_ctx_done(ctx);
    if (done) *rc = goc_ctx_err(ctx);
    return *rc == GOC_OK ? done : NULL;
}

/* A two-case select: the operation (case 0) or the end of ctx (case 1). */
static int goc__ctx_select(goc_ctx *ctx, goc_case op, goc_chan *done) {
    goc_case cs[2] = { op, goc_recv_case(done, NULL) };
    int i = goc_select(cs, 2);
    if (i == 0) return cs[0].ok ? GOC_OK : GOC_CLOSED;
    return i == 1 ? goc_ctx_err(ctx) : i;
}

GOC_DEF int goc_ctx_send(goc_ctx *ctx, goc_chan *ch, const void *elem) {
    if (!ch) return GOC_EINVAL;
    int rc;
    goc_chan *done = goc__ctx_bound(ctx, &rc);
    if (rc != GOC_OK) return rc;
    if (!done) return goc_chan_send(ch, elem);
    return goc__ctx_select(ctx, goc_send_case(ch, elem), done);
}

GOC_DEF int goc_ctx_recv(goc_ctx *ctx, goc_chan *ch, void *out) {
    if (!ch) return GOC_EINVAL;
    int rc;
    goc_chan *done = goc__ctx_bound(ctx, &rc);
    if (rc != GOC_OK) return rc;
    if (!done) return goc_chan_recv(ch, out);
    return goc__ctx_select(ctx, goc_recv_case(ch, out), done);
}

GOC_DEF int goc_ctx_submit(goc_ctx *ctx, goc_workers *w, void (*fn)(void *), void *arg) {
    if (!w || !fn) return GOC_EINVAL;
    int rc;
    goc_chan *done = goc__ctx_bound(ctx, &rc);
    if (rc != GOC_OK) return rc;
    rc = goc__workers_submit_done(w, fn, arg, done);
    return rc == GOC_CANCELED ? goc_ctx_err(ctx) : rc;
}

GOC_DEF int goc_ctx_sleep(goc_ctx *ctx, goc_duration d) {
    int rc;
    goc_chan *done = goc__ctx_bound(ctx, &rc);
    if (rc != GOC_OK) return rc;
    if (!done) {
        goc_sleep(d);
        return GOC_OK;
    }
    if (d <= 0) return GOC_OK;
    goc_case cs[1] = { goc_recv_case(done, NULL) };
    rc = goc_select_timeout(cs, 1, d);
    return rc == GOC_TIMEOUT ? GOC_OK : goc_ctx_err(ctx);
}

/* goc_ctx_sem_acquire: the waiter's hook, on its stack; its fn cancels
 * the queued waiter's word (sync.h's goc__wait_cancel). */
typedef struct goc__ctx_semwait {
    goc_ctx_hook h;
    goc_ctx *c;
    goc_atomic_u32 *word;
} goc__ctx_semwait;

static void goc__ctx_semwait_fire(void *arg) {
    goc__wait_cancel(((goc__ctx_semwait *)arg)->word);
}

static void goc__ctx_semwait_arm(void *arg, goc_atomic_u32 *word) {
    goc__ctx_semwait *sw = (goc__ctx_semwait *)arg;
    sw->word = word;
    if (!goc__ctx_hook_add(sw->c, &sw->h)) {   /* ended meanwhile: cancel now */
        sw->h.ctx = NULL;
        goc_atomic_u32_store_explicit(&sw->h.state, GOC__HOOK_RAN, GOC_RELAXED);
        goc__wait_cancel(word);
    }
}

static void goc__ctx_semwait_disarm(void *arg) {
    bool drop;                       /* never: an internal hook holds no reference */
    (void)goc__ctx_hook_end(&((goc__ctx_semwait *)arg)->h, &drop);
}

GOC_DEF int goc_ctx_sem_acquire(goc_ctx *ctx, goc_sem *s, int64_t n) {
    if (!s) return GOC_EINVAL;
    int rc;
    goc_chan *done = goc__ctx_bound(ctx, &rc);
    if (rc != GOC_OK) return rc;
    if (!done) return goc_sem_acquire(s, n);
    goc__ctx_semwait sw;
    memset(&sw, 0, sizeof sw);
    sw.c = goc__ctx_canceler(ctx);
    sw.h.ctx = sw.c;
    sw.h.fn = goc__ctx_semwait_fire;
    sw.h.arg = &sw;
    goc__wait_arm a = { goc__ctx_semwait_arm, goc__ctx_semwait_disarm, &sw };
    rc = goc__sem_acquire_armed(s, n, &a);
    return rc == GOC_CANCELED ? goc_ctx_err(ctx) : rc;
}

/* ---- errgroup --------------------------------------------------------------- */
/*
 * A WaitGroup counts the tasks; the first non-zero result wins a CAS and
 * cancels the group's context with itself as the cause; a semaphore of
 * capacity n is the limit (golang.org/x/sync/errgroup's channel of tokens).
 * A task's last touch of the group is its wg done: wait may return and
 * the group be freed right after.
 */
struct goc_group {
    goc_waitgroup wg;
    goc_atomic_i32 err;              /* the first non-zero result */
    goc_atomic_i32 active;           /* tasks started, not ended (set_limit's check) */
    goc_ctx *ctx;                    /* ours (NULL without a parent) */
    bool limited;
    int limit;
    goc_sem sem;                     /* limit units, one per running task */
};

typedef struct goc__group_task {
    goc_group *g;
    int (*fn)(void *);
    void *arg;
} goc__group_task;

static void goc__group_run(void *arg) {
    goc__group_task t = *(goc__group_task *)arg;
    GOC_FREE(arg);
    int r = t.fn(t.arg);
    goc_group *g = t.g;
    int none = GOC_OK;
    /* relaxed: wait reads it after the WaitGroup, which orders it */
    if (r != GOC_OK && goc_atomic_i32_cas_explicit(&g->err, &none, r, GOC_RELAXED, GOC_RELAXED) &&
        g->ctx)
        goc_ctx_cancel_cause(g->ctx, r);
    goc_atomic_i32_add(&g->active, -1);
    if (g->limited) goc_sem_release(&g->sem, 1);
    goc_wg_done(&g->wg);             /* the last touch of g */
}

GOC_DEF goc_group *goc_group_new(goc_ctx *parent) {
    goc_group *g = (goc_group *)GOC_CALLOC(1, sizeof *g);
    if (!g) { errno = ENOMEM; return NULL; }
    if (parent && !(g->ctx = goc_ctx_with_cancel(parent))) {
        GOC_FREE(g);
        errno = ENOMEM;
        return NULL;
    }
    return g;
}

GOC_DEF goc_ctx *goc_group_ctx(goc_group *g) { return g ? g->ctx : NULL; }

GOC_DEF void goc_group_set_limit(goc_group *g, int n) {
    if (!g) return;
    if (goc_atomic_i32_load(&g->active) > 0) {   /* its semaphore is in use: refuse loudly */
        GOC_PANIC("errgroup: goc_group_set_limit while tasks run");
        return;
    }
    g->limited = n >= 0;
    g->limit = n;
    if (n >= 0) goc_sem_init(&g->sem, n);
}

static int goc__group_go(goc_group *g, int (*fn)(void *), void *arg, bool wait) {
    if (!g || !fn || (g->limited && g->limit == 0)) return GOC_EINVAL;
    if (g->limited) {
        if (wait) goc_sem_acquire(&g->sem, 1);
        else if (!goc_sem_try_acquire(&g->sem, 1)) return GOC_WOULDBLOCK;
    }
    goc__group_task *t = (goc__group_task *)GOC_MALLOC(sizeof *t);
    int rc = GOC_ENOMEM;
    if (t) {
        t->g = g;
        t->fn = fn;
        t->arg = arg;
        goc_wg_add(&g->wg, 1);
        goc_atomic_i32_add(&g->active, 1);
        rc = goc_go(goc__group_run, t);
        if (rc != GOC_OK) {
            goc_atomic_i32_add(&g->active, -1);
            goc_wg_done(&g->wg);
            GOC_FREE(t);
        }
    }
    if (rc != GOC_OK && g->limited) goc_sem_release(&g->sem, 1);
    return rc;
}

GOC_DEF int goc_group_go(goc_group *g, int (*fn)(void *), void *arg) {
    return goc__group_go(g, fn, arg, true);
}

GOC_DEF int goc_group_try_go(goc_group *g, int (*fn)(void *), void *arg) {
    return goc__group_go(g, fn, arg, false);
}

GOC_DEF int goc_group_wait(goc_group *g) {
    if (!g) return GOC_EINVAL;
    goc_wg_wait(&g->wg);
    int err = goc_atomic_i32_load_explicit(&g->err, GOC_RELAXED);
    if (g->ctx) goc_ctx_cancel_cause(g->ctx, err);   /* GOC_OK counts as GOC_CANCELED */
    return err;
}

GOC_DEF void goc_group_free(goc_group *g) {
    if (!g) return;
    goc_wg_wait(&g->wg);             /* a task still running would touch g */
    goc_ctx_free(g->ctx);
    GOC_FREE(g);
}

#endif /* GOC_CONTEXT_IMPLEMENTATION */

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
