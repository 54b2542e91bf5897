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
 *   Cancellation happens-before a receive on done that answers GOC_CLOSED
 *   and before goc_ctx_err returns the error.
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
 * Lock order: goc__ctx_cancel_mu, then one context lock at a time; the
 * timer lock and a channel's lock may be taken under a context lock
 * (closing done, arming the timer).
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
    goc_mutex lock;                  /* children, timer, armed */
    goc_ctx *children;               /* registered below us */
    goc_ctx *reg;                    /* the canceler we are registered with (fixed) */
    goc_ctx *prev, *next;            /* links in reg's list (under reg's lock) */
    bool listed;                     /* on reg's list (under reg's lock) */
    bool had_children;               /* a child was ever listed (under lock) */
    goc_timer *timer;
    bool armed;                      /* the timer holds a reference (under lock) */
    goc_chan *done;
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
static bool goc__ctx_end(goc_ctx *c, int err, goc_ctx **todo, bool leaf_only) {
    goc_mutex_lock(&c->lock);
    if (leaf_only && c->had_children) {   /* a tree: the caller takes goc__ctx_cancel_mu */
        goc_mutex_unlock(&c->lock);
        return false;
    }
    if (goc_atomic_i32_load_explicit(&c->err, GOC_RELAXED) != GOC_OK) {
        goc_mutex_unlock(&c->lock);
        return true;
    }
    /* release: the error is published before done closes; err() and a
     * receive on done (acquire) see everything before the cancel. */
    goc_atomic_i32_store_explicit(&c->err, err, GOC_RELEASE);
    goc_chan_close(c->done);
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

static void goc__ctx_cancel(goc_ctx *c, int err) {
    goc_ctx *todo = NULL;
    /* A context that never had a child ends on its own (a child that
     * registers afterwards sees the error and ends itself). */
    if (goc__ctx_end(c, err, &todo, true)) return;
    goc_mutex_lock(&goc__ctx_cancel_mu);
    goc__ctx_end(c, err, &todo, false);
    while (todo) {
        goc_ctx *ch = todo;
        todo = ch->next;             /* ours: off every list, nobody else reads it */
        goc__ctx_end(ch, err, &todo, false);
        goc__ctx_release(ch);        /* the reference goc__ctx_end took */
    }
    goc_mutex_unlock(&goc__ctx_cancel_mu);
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
    if (err == GOC_OK) {
        c->prev = NULL;
        c->next = reg->children;
        if (c->next) c->next->prev = c;
        reg->children = c;
        c->listed = true;
        reg->had_children = true;
    }
    goc_mutex_unlock(&reg->lock);
    if (err != GOC_OK) goc__ctx_cancel(c, err);
}

GOC_DEF goc_ctx *goc_ctx_with_cancel(goc_ctx *parent) {
    goc_ctx *c = goc__ctx_new(parent, GOC__CTX_CANCEL);
    if (c) goc__ctx_register(c);
    return c;
}

static void goc__ctx_expire(void *arg) {
    goc_ctx *c = (goc_ctx *)arg;
    goc__ctx_cancel(c, GOC_DEADLINE);
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
        goc__ctx_cancel(c, GOC_DEADLINE);
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
    if (ctx && ctx->kind == GOC__CTX_CANCEL) goc__ctx_cancel(ctx, GOC_CANCELED);
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
