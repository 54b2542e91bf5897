/* goc sync.h - v0.1.0 - Go's sync package for C11: Mutex, RWMutex, WaitGroup,
 *                     Once, Cond, weighted Semaphore, striped map
 * SPDX-License-Identifier: MIT
 *
 * DO THIS ONCE
 *   In exactly one C file (goc's implementations are C11):
 *       #define GOC_IMPLEMENTATION          (or GOC_ATOMIC_IMPLEMENTATION and
 *       #include "sync.h"                    GOC_SYNC_IMPLEMENTATION)
 *   Everywhere else include it plainly. Needs atomic.h beside it. Link with
 *   -pthread. Only the striped map needs stb_ds (<stb/stb_ds.h> from
 *   Debian's libstb-dev, or a vendored "stb_ds.h"), where the implementation
 *   is compiled: without it the rest builds, and goc_smap_* are left out.
 *
 * OPTIONS (see atomic.h for GOC_STATIC, GOC_SPIN, GOC_PANIC, GOC_MALLOC...)
 *   GOC_RW_SLOTS      threads that can hold biased RWMutex read locks at
 *                     once (default 64; a cache line each, 4 KiB in all);
 *                     other threads read-lock on the shared count. 0: no
 *                     biased reads (no table, no thread-local storage).
 *   GOC_NO_SMAP       leave the striped map out even where stb_ds is found
 *                     (where the implementation is compiled).
 *   GOC_NO_STB_DS_IMPLEMENTATION  the program compiles stb_ds's implementation
 *                     itself (STB_DS_IMPLEMENTATION elsewhere): goc will not.
 *                     Needed too when two translation units both use
 *                     GOC_STATIC with the sync implementation, since stb_ds's
 *                     functions cannot be made static.
 *   GOC_REALLOC(p, sz) the allocator stb_ds uses for the striped map (with
 *                     GOC_FREE); default: the C library's realloc/free.
 *
 * ZERO VALUES
 *   Every primitive but the semaphore (goc_sem_init gives its capacity) and
 *   the striped map (goc_smap_new) is ready when zeroed: `goc_mutex mu = {0};`,
 *   static storage, or calloc. None needs a destroy call; none may be copied
 *   or moved after first use (blocked threads hold pointers into it).
 *
 * FREEING THE MOMENT A WAIT RETURNS
 *   As in Go, a waiter may free the object (or let the stack frame holding
 *   it go) as soon as its call returns: a semaphore used as a one-shot
 *   completion, "lock, unlock, free", a WaitGroup or Cond on the waiter's
 *   stack. Every release (unlock, runlock, done, signal, release) touches
 *   the object for the last time before the waiter can return. Other threads
 *   still inside a call on the object are another matter: free it only
 *   when nobody else can be using it.
 *
 * API (each blocking call has a try and a timeout form; a timeout d <= 0
 * polls once without waiting and answers GOC_TIMEOUT if it could not
 * proceed; GOC_FOREVER, or any d too large to add to the clock, is no limit)
 *
 *   goc_mutex
 *     void goc_mutex_lock(goc_mutex *m);
 *     bool goc_mutex_trylock(goc_mutex *m);
 *     int  goc_mutex_lock_timeout(goc_mutex *m, goc_duration d);   GOC_OK | GOC_TIMEOUT
 *     void goc_mutex_unlock(goc_mutex *m);            unlocked: GOC_PANIC
 *       Any thread may unlock (as in Go). Not recursive. Blocked lockers
 *       spin briefly, then park in FIFO order; newcomers may overtake a
 *       woken waiter (throughput), but a waiter that has waited over 1 ms is
 *       handed the lock directly by the next unlock (Go's starvation mode).
 *
 *   goc_rwmutex
 *     void goc_rwmutex_rlock(goc_rwmutex *m);    bool goc_rwmutex_tryrlock(goc_rwmutex *m);
 *     int  goc_rwmutex_rlock_timeout(goc_rwmutex *m, goc_duration d);
 *     void goc_rwmutex_runlock(goc_rwmutex *m);  no reader: GOC_PANIC
 *     void goc_rwmutex_lock(goc_rwmutex *m);     bool goc_rwmutex_trylock(goc_rwmutex *m);
 *     int  goc_rwmutex_lock_timeout(goc_rwmutex *m, goc_duration d);
 *     void goc_rwmutex_unlock(goc_rwmutex *m);   not write-locked: GOC_PANIC
 *       A writer waiting in lock keeps new readers out, so a stream of
 *       readers cannot starve it; waiters are served in arrival order (all
 *       readers queued before the next writer enter together). Read locks
 *       are not recursive: a reader that read-locks again while a writer
 *       waits deadlocks, as in Go. Any thread may runlock a read lock
 *       another took (as in Go).
 *       Biased reads: while writes are rare, a read lock writes only the
 *       calling thread's own cache line (its slot in a table of
 *       GOC_RW_SLOTS), so readers on many cores do not fight over the
 *       lock's line; a writer then pays for looking at every slot in use
 *       (one cache line each) and waits for the readers it finds. Where
 *       that does not pay (writes about as frequent as reads), the lock
 *       reads on its shared count for a while. A thread's slot is its own
 *       until it exits; threads beyond GOC_RW_SLOTS at once, and a
 *       thread's read locks while it holds another in its slot, use the
 *       count. A fork child keeps the slots of the parent's other threads
 *       (and their read locks, like every lock they held: API.md's fork
 *       rules).
 *
 *   goc_waitgroup
 *     void goc_wg_add(goc_waitgroup *wg, int64_t delta);   counter < 0: GOC_PANIC
 *     void goc_wg_done(goc_waitgroup *wg);
 *     void goc_wg_wait(goc_waitgroup *wg);
 *     int  goc_wg_wait_timeout(goc_waitgroup *wg, goc_duration d);
 *       Reusable round after round, once every wait() of the round has
 *       returned (as in Go: a new add(+n) from 0 while a wait() is still
 *       inside may leave that wait for the next round; with GOC_DEBUG,
 *       defined where the implementation is compiled, the wait() calls
 *       GOC_PANIC instead). Everything a thread did before its done()
 *       happens-before wait() returns.
 *
 *   goc_once
 *     void goc_once_do(goc_once *o, void (*fn)(void *), void *arg);
 *       fn runs exactly once; every caller returns only after it finished.
 *       After that, a call costs one acquire load. fn must not call
 *       goc_once_do on the same once (deadlock, as in Go).
 *
 *   goc_cond (Go's sync.Cond; the mutex is passed to each wait)
 *     void goc_cond_wait(goc_cond *c, goc_mutex *m);   m locked on entry and on return
 *     int  goc_cond_wait_timeout(goc_cond *c, goc_mutex *m, goc_duration d);
 *     void goc_cond_signal(goc_cond *c);      wakes the longest waiter, if any
 *     void goc_cond_broadcast(goc_cond *c);   wakes every waiter
 *       As always with condition variables, re-check the predicate in a loop.
 *       Signal and broadcast cost one load when nobody waits.
 *
 *   goc_sem (golang.org/x/sync/semaphore: weighted, FIFO)
 *     void goc_sem_init(goc_sem *s, int64_t capacity);
 *     int  goc_sem_acquire(goc_sem *s, int64_t n);       n < 0 or n > capacity: GOC_EINVAL
 *     bool goc_sem_try_acquire(goc_sem *s, int64_t n);   false while others are queued
 *     int  goc_sem_acquire_timeout(goc_sem *s, int64_t n, goc_duration d);
 *     void goc_sem_release(goc_sem *s, int64_t n);       more than held: GOC_PANIC
 *       Waiters are served strictly in order: a large request at the head is
 *       not starved by small ones behind it.
 *
 *   goc_smap (striped concurrent hash map; u64 keys and string keys are two
 *   separate key spaces of one map; values are void *)
 *     goc_smap *goc_smap_new(size_t stripes);   0: 64; rounded up to a power of 2; NULL: no memory
 *     void  goc_smap_free(goc_smap *m);
 *     int   goc_smap_put(goc_smap *m, uint64_t key, void *val);       insert or replace
 *     bool  goc_smap_get(goc_smap *m, uint64_t key, void **val);      val may be NULL
 *     bool  goc_smap_del(goc_smap *m, uint64_t key);
 *     bool  goc_smap_load_or_store(goc_smap *m, uint64_t key, void *val, void **actual);
 *                                                   true: it was there (loaded)
 *     int   goc_smap_sput(goc_smap *m, const char *key, void *val);  key copied in
 *     bool  goc_smap_sget(goc_smap *m, const char *key, void **val);
 *     bool  goc_smap_sdel(goc_smap *m, const char *key);
 *     size_t goc_smap_len(goc_smap *m);              exact when no writer runs
 *     void  goc_smap_range(goc_smap *m, bool (*fn)(const goc_smap_entry *e, void *arg), void *arg);
 *       Range visits each entry once, stripe by stripe, holding the stripe's
 *       read lock while fn runs: fn must not call into the map (a put would
 *       deadlock on the same stripe). It stops when fn returns false.
 *       A NULL map or NULL string key: put answers GOC_EINVAL, the rest
 *       answer false / 0. stb_ds does not report out-of-memory: a failed
 *       allocation inside it is fatal (it asserts).
 *
 * THREAD SAFETY
 *   Every function may be called concurrently from any number of threads on
 *   the same object, except goc_sem_init and goc_smap_free (which must not
 *   race with any other use; with GOC_DEBUG, goc_smap_free of a map whose
 *   stripe lock another thread holds, in a range say, calls GOC_PANIC).
 *
 * DOES NOT
 *   detect deadlock, recurse (no recursive mutex), or track lock owners.
 */
#include "atomic.h"

#ifndef GOC_SYNC_H
#define GOC_SYNC_H

#ifdef __cplusplus
extern "C" {
#endif

/* A blocked thread: a node on its own stack, linked into a primitive's wait
 * queue (defined in the implementation). */
struct goc__waiter;
typedef struct goc__waitq { struct goc__waiter *head, *tail; } goc__waitq;

typedef struct goc_mutex {
    goc_atomic_u32 state;   /* LOCKED | QLOCK | QUEUED | WOKEN bits (see implementation) */
    goc__waitq     q;       /* parked waiters, FIFO; guarded by the QLOCK bit */
} goc_mutex;

typedef struct goc_rwmutex {
    goc_atomic_u32 state;   /* reader count | WRITER | WWAIT | QUEUED | BIAS bits */
    uint32_t       nwriters;/* writers in q; guarded by qmu */
    goc_mutex      qmu;     /* guards q and every slow-path state change */
    goc__waitq     q;       /* parked readers and writers, FIFO */
    goc_atomic_i64 inhibit; /* biased reads off until this time (0: not off) */
} goc_rwmutex;

typedef struct goc_waitgroup {
    goc_atomic_u64 state;   /* counter (int32, high half) | WAITING flag (bit 0);
                               waiters sleep on the counter's half */
} goc_waitgroup;

typedef struct goc_once {
    goc_atomic_u32 state;   /* NEW, RUNNING, RUNNING_WITH_WAITERS, DONE */
} goc_once;

typedef struct goc_cond {
    goc_atomic_u32 nwait;   /* threads in q; read without qmu by signal */
    goc_mutex      qmu;     /* guards q */
    goc__waitq     q;
} goc_cond;

typedef struct goc_sem {
    goc_mutex  mu;          /* guards everything below */
    int64_t    size;        /* capacity */
    int64_t    cur;         /* units held */
    goc__waitq q;           /* parked acquirers, FIFO */
} goc_sem;

typedef struct goc_smap goc_smap;
typedef struct goc_smap_entry {
    uint64_t    key;    /* the u64 key, when skey is NULL */
    const char *skey;   /* the string key, or NULL */
    void       *val;
} goc_smap_entry;

GOC_DEF void goc_mutex_lock(goc_mutex *m);
GOC_DEF bool goc_mutex_trylock(goc_mutex *m);
GOC_DEF int  goc_mutex_lock_timeout(goc_mutex *m, goc_duration d);
GOC_DEF void goc_mutex_unlock(goc_mutex *m);

GOC_DEF void goc_rwmutex_rlock(goc_rwmutex *m);
GOC_DEF bool goc_rwmutex_tryrlock(goc_rwmutex *m);
GOC_DEF int  goc_rwmutex_rlock_timeout(goc_rwmutex *m, goc_duration d);
GOC_DEF void goc_rwmutex_runlock(goc_rwmutex *m);
GOC_DEF void goc_rwmutex_lock(goc_rwmutex *m);
GOC_DEF bool goc_rwmutex_trylock(goc_rwmutex *m);
GOC_DEF int  goc_rwmutex_lock_timeout(goc_rwmutex *m, goc_duration d);
GOC_DEF void goc_rwmutex_unlock(goc_rwmutex *m);

GOC_DEF void goc_wg_add(goc_waitgroup *wg, int64_t delta);
GOC_DEF void goc_wg_done(goc_waitgroup *wg);
GOC_DEF void goc_wg_wait(goc_waitgroup *wg);
GOC_DEF int  goc_wg_wait_timeout(goc_waitgroup *wg, goc_duration d);

#define GOC__ONCE_DONE 3u
GOC_DEF void goc__once_slow(goc_once *o, void (*fn)(void *), void *arg);
/* The fast path is inline: one acquire load, paired with the release store
 * that ends fn's run, so whatever fn wrote is visible to every caller, and
 * one branch, laid out to fall through once done: a call in a hot loop is
 * then a load and a not-taken branch (once_done: 0.5-0.7 ns, from 0.8-1.3
 * with the slow-path call in the loop's way; Go 1.19: 1.5, same run). */
GOC_INLINE void goc_once_do(goc_once *o, void (*fn)(void *), void *arg) {
    if (GOC__UNLIKELY(goc_atomic_u32_load_explicit(&o->state, GOC_ACQUIRE) != GOC__ONCE_DONE))
        goc__once_slow(o, fn, arg);
}

GOC_DEF void goc_cond_wait(goc_cond *c, goc_mutex *m);
GOC_DEF int  goc_cond_wait_timeout(goc_cond *c, goc_mutex *m, goc_duration d);
GOC_DEF void goc_cond_signal(goc_cond *c);
GOC_DEF void goc_cond_broadcast(goc_cond *c);

GOC_DEF void goc_sem_init(goc_sem *s, int64_t capacity);
GOC_DEF int  goc_sem_acquire(goc_sem *s, int64_t n);
GOC_DEF bool goc_sem_try_acquire(goc_sem *s, int64_t n);
GOC_DEF int  goc_sem_acquire_timeout(goc_sem *s, int64_t n, goc_duration d);
GOC_DEF void goc_sem_release(goc_sem *s, int64_t n);

/* Internal, for context.h's goc_ctx_sem_acquire: an acquire that another
 * thread can end. When the acquire must wait, arm(arg, word) is called
 * under the semaphore's lock, just before the waiter queues (it may call
 * goc__wait_cancel(word) at once: then it never queues), so that the
 * context's end calls goc__wait_cancel(word); disarm(arg)
 * runs before the waiter's frame goes, and must wait out a cancel still
 * touching word. GOC_OK, GOC_EINVAL, or GOC_CANCELED when cancelled first. */
typedef struct goc__wait_arm {
    void (*arm)(void *arg, goc_atomic_u32 *word);
    void (*disarm)(void *arg);
    void *arg;
} goc__wait_arm;
GOC_DEF int  goc__sem_acquire_armed(goc_sem *s, int64_t n, const goc__wait_arm *a);
GOC_DEF void goc__wait_cancel(goc_atomic_u32 *word);

/* Is stb_ds within reach of this translation unit? The striped map's
 * implementation is compiled only where it is (see "The striped map is the
 * one part of goc that needs stb_ds" in the implementation). A compiler
 * without __has_include (gcc before 5) is not asked: it needs
 * <stb/stb_ds.h>, or GOC_NO_SMAP. */
#if defined(__has_include)
#  if __has_include(<stb/stb_ds.h>) || __has_include("stb_ds.h")
#    define GOC__SMAP_FOUND 1
#  else
#    define GOC__SMAP_FOUND 0
#  endif
#else
#  define GOC__SMAP_FOUND 1
#endif
/* With GOC_STATIC, a declaration without its definition is a warning (gcc:
 * declared static but never defined): declared only where defined. */
#if !defined(GOC_STATIC) || (GOC__SMAP_FOUND && !defined(GOC_NO_SMAP))
GOC_DEF goc_smap *goc_smap_new(size_t stripes);
GOC_DEF void   goc_smap_free(goc_smap *m);
GOC_DEF int    goc_smap_put(goc_smap *m, uint64_t key, void *val);
GOC_DEF bool   goc_smap_get(goc_smap *m, uint64_t key, void **val);
GOC_DEF bool   goc_smap_del(goc_smap *m, uint64_t key);
GOC_DEF bool   goc_smap_load_or_store(goc_smap *m, uint64_t key, void *val, void **actual);
GOC_DEF int    goc_smap_sput(goc_smap *m, const char *key, void *val);
GOC_DEF bool   goc_smap_sget(goc_smap *m, const char *key, void **val);
GOC_DEF bool   goc_smap_sdel(goc_smap *m, const char *key);
GOC_DEF size_t goc_smap_len(goc_smap *m);
GOC_DEF void   goc_smap_range(goc_smap *m, bool (*fn)(const goc_smap_entry *e, void *arg), void *arg);
#endif

#ifdef __cplusplus
}
#endif

#endif /* GOC_SYNC_H */

/* ======================================================================== */
/*                             IMPLEMENTATION                               */
/* ======================================================================== */

#if (defined(GOC_SYNC_IMPLEMENTATION) || defined(GOC_IMPLEMENTATION)) && \
    !defined(GOC_SYNC_IMPL_INCLUDED)
#define GOC_SYNC_IMPL_INCLUDED

#ifdef __cplusplus
#error "goc: compile the implementation as C11 (the declarations are fine in C++)"
#endif

/*
 * Design
 *
 * Waiting. A thread that must block puts a goc__waiter node (on its own
 * stack) into the primitive's FIFO queue and parks on the node's own 32-bit
 * word with goc_wait_u32. Whoever releases the primitive takes the node out
 * of the queue, decides what the waiter gets, and says so by storing into
 * the node's word:
 *     WOKEN    "try again" (the mutex in normal mode, cond signal)
 *     GRANTED  "it is yours": the releaser already did the waiter's
 *              acquisition for it (mutex hand-off, rwmutex, semaphore)
 * Because each waiter has its own word, a wake is precise (no thundering
 * herd) and a grant has exactly one recipient. A waiter whose time runs out
 * takes the queue lock and looks at its word: still WAITING means it is
 * still queued, so it unlinks itself and reports GOC_TIMEOUT; anything else
 * means it was dequeued first, and it honours what it was given. A
 * context's end (goc_ctx_sem_acquire, context.h) does the same to a
 * semaphore waiter from outside: it CASes WAITING to CANCELED and wakes
 * it, and the waiter, seeing CANCELED, looks again under the lock like a
 * waiter whose deadline passed (a TAKEN word is never cancelled).
 *
 * Last touches. Once the releaser stores WOKEN or GRANTED, the waiter may
 * return at once - and free the primitive (a semaphore used as a one-shot
 * completion, "lock, unlock, free", a Cond on the waiter's stack) and its
 * own stack frame (the node). So a release has two steps:
 *   1. under the queue lock: dequeue the waiters and mark each TAKEN
 *      ("dequeued, the verdict is on its way"), then drop the lock - the
 *      release's last touch of the primitive;
 *   2. with no lock: store each waiter's verdict (WOKEN or GRANTED), then
 *      goc_wake_one(&node->word), which compares addresses and never
 *      touches the memory (see atomic.h). A node's `next` is read before
 *      its verdict is stored.
 * A waiter cannot leave while its word is TAKEN (it waits for the verdict,
 * whatever its deadline says: the releaser is a few instructions from
 * writing it), so the node outlives step 2; and it cannot free the
 * primitive before its verdict, which comes after step 1. An earlier
 * version stored the verdicts under the lock and unlocked afterwards:
 * the granted waiter could free the semaphore before that unlock wrote
 * to it (tests/test_hooks.c widens the window after a grant to catch it).
 *
 * Queue locks. The mutex guards its own queue with a bit (QLOCK) of its
 * state word, held for a few instructions and never across a system call.
 * Every other primitive guards its queue with an internal goc_mutex.
 * Lock order: a primitive's internal goc_mutex is a leaf; nothing is taken
 * while holding it except a mutex's QLOCK (inside goc_mutex itself).
 *
 * Mutex state bits:
 *     LOCKED  the mutex is held (stays set through a hand-off)
 *     QLOCK   a thread is editing the queue
 *     QUEUED  the queue is non-empty: an unlock must look at it
 *     WOKEN   a dequeued waiter is on its way to compete: another unlock
 *             need not wake anyone (Go's mutexWoken; spares a futex call)
 * Invariants: QUEUED == (q.head != NULL) whenever QLOCK is clear. WOKEN is
 * set only by an unlock that dequeued a waiter with WOKEN, and cleared only
 * by that waiter (when it acquires, re-queues, or gives up while LOCKED is
 * set, so the holder's unlock will wake the next one).
 * Normal mode lets a running thread take a just-freed lock ahead of the woken
 * waiter (no sleep/wake on the critical path, which is where the throughput
 * is); a waiter queued for over GOC__STARVE_NS is instead handed the lock by
 * the unlock, LOCKED never dropping, so nobody can overtake it (Go's
 * starvation mode, decided per waiter).
 */

#include <pthread.h>
#include <string.h>

/* The striped map is the one part of goc that needs stb_ds, so its
 * implementation is compiled only where stb_ds is found: <stb/stb_ds.h>
 * (Debian's libstb-dev), else "stb_ds.h" (beside sync.h or on the include
 * path), as GOC__SMAP_FOUND says. Without it, or with GOC_NO_SMAP,
 * everything else in sync.h is compiled as usual and only the goc_smap_*
 * functions are left out: a program that calls one fails to link, naming
 * the function. */
#if GOC__SMAP_FOUND && !defined(GOC_NO_SMAP)
#  define GOC__SMAP 1
#else
#  define GOC__SMAP 0
#endif

#if GOC__SMAP
#if !defined(GOC_NO_STB_DS_IMPLEMENTATION) && !defined(STB_DS_IMPLEMENTATION)
#  define STB_DS_IMPLEMENTATION
#  define GOC__STB_DS_HERE
#endif
/* stb_ds v0.67 hashes an 8-byte key with `d[3] << 24` on a promoted
 * unsigned char: a signed overflow (undefined behaviour) for every u64 key
 * with a byte >= 0x80 there, which UBSan reports in any program using the
 * striped map (the extremes sweep found it with UINT64_MAX). The result is
 * what every compiler computes anyway; where goc compiles stb_ds, the
 * function is declared first with the shift check off, which gcc and clang
 * both carry over to the definition. */
#if defined(GOC__STB_DS_HERE) && defined(__has_attribute)
#  if __has_attribute(no_sanitize)
size_t stbds_hash_bytes(void *p, size_t len, size_t seed) __attribute__((no_sanitize("shift")));
#  endif
#endif
#ifdef GOC_REALLOC
#  define STBDS_REALLOC(ctx, p, sz) GOC_REALLOC(p, sz)
#  define STBDS_FREE(ctx, p)        GOC_FREE(p)
#endif
#ifndef STBDS_NO_SHORT_NAMES
#  define STBDS_NO_SHORT_NAMES   /* keep stb_ds's generic names out of user code */
#endif
#if defined(__has_include)
#  if __has_include(<stb/stb_ds.h>)
#    include <stb/stb_ds.h>
#  else
#    include "stb_ds.h"
#  endif
#else
#  include <stb/stb_ds.h>
#endif
#ifdef GOC__STB_DS_HERE
#  undef STB_DS_IMPLEMENTATION
#endif
#endif /* GOC__SMAP */

#define GOC__W_WAITING 0u
#define GOC__W_WOKEN   1u
#define GOC__W_GRANTED 2u
#define GOC__W_TAKEN   3u   /* dequeued; WOKEN or GRANTED follows (see the design) */
#define GOC__W_CANCELED 4u  /* still queued, but its context ended (goc__wait_cancel) */
#ifndef GOC__TEST_HOOK_GRANTED
#  define GOC__TEST_HOOK_GRANTED() ((void)0)   /* after a verdict: nothing may follow */
#endif
#ifndef GOC__TEST_HOOK_RW_RELEASED
#  define GOC__TEST_HOOK_RW_RELEASED() ((void)0)   /* after an RWMutex release: likewise */
#endif

struct goc__waiter {
    struct goc__waiter *next, *prev; /* queue links; guarded by the queue's lock */
    goc_atomic_u32      word;        /* WAITING -> WOKEN or GRANTED, by the releaser */
    uint32_t            writer;      /* rwmutex: a writer (else a reader) */
    int64_t             since;       /* mutex: when it first queued */
    int64_t             n;           /* semaphore: units asked for */
};

#define GOC__NO_DEADLINE INT64_MAX
#ifndef GOC_RW_SLOTS
#  define GOC_RW_SLOTS 64
#endif

/* Absolute deadline for a timeout d > 0 (saturating; GOC_FOREVER: none). */
static int64_t goc__deadline(goc_duration d) { return goc_deadline_after(d); }

static void goc__q_push(goc__waitq *q, struct goc__waiter *w) {
    w->next = NULL;
    w->prev = q->tail;
    if (q->tail) q->tail->next = w; else q->head = w;
    q->tail = w;
}

static void goc__q_unlink(goc__waitq *q, struct goc__waiter *w) {
    if (w->prev) w->prev->next = w->next; else q->head = w->next;
    if (w->next) w->next->prev = w->prev; else q->tail = w->prev;
    w->next = w->prev = NULL;
}

static struct goc__waiter *goc__q_pop(goc__waitq *q) {
    struct goc__waiter *w = q->head;
    if (w) goc__q_unlink(q, w);
    return w;
}

/* Park until the node's word holds a verdict (WOKEN or GRANTED) or the
 * deadline passes while it is still WAITING (or is CANCELED); returns the
 * word (WAITING: timed out or cancelled, and the caller must look again
 * under the queue lock). A TAKEN
 * word waits for its verdict whatever the deadline. Spins briefly first: a
 * hand-off between two running threads takes well under a microsecond, a
 * futex sleep and wake tens of them. The acquire load pairs with the
 * releaser's release store of the verdict (goc__grant), so a grant carries
 * the releaser's writes with it. */
static uint32_t goc__park(struct goc__waiter *w, int64_t deadline) {
    goc_backoff b = {0};
    for (;;) {
        uint32_t v = goc_atomic_u32_load_explicit(&w->word, GOC_ACQUIRE);
        if (v == GOC__W_WOKEN || v == GOC__W_GRANTED) return v;
        if (v == GOC__W_CANCELED) return GOC__W_WAITING;   /* like a deadline: look under the lock */
        if (goc_backoff_snooze(&b)) continue;
        if (v == GOC__W_TAKEN) {
            goc_wait_u32(&w->word, GOC__W_TAKEN, GOC_FOREVER);
            continue;
        }
        goc_duration left = goc_until(deadline);
        if (left <= 0) return GOC__W_WAITING;
        goc_wait_u32(&w->word, GOC__W_WAITING, left);
    }
}

/* A waiter whose time ran out looked at its word under the queue lock and
 * found it dequeued (TAKEN, or already a verdict): it dropped the lock and
 * now waits for the verdict, which is at most a few instructions away. */
static uint32_t goc__await_verdict(struct goc__waiter *w) {
    return goc__park(w, GOC__NO_DEADLINE);
}

/* Step 1 of a release (see the design), under the queue lock: w has been
 * dequeued. Relaxed: a waiter reads TAKEN either under the same lock, or
 * in goc__park, where it only means "keep waiting". */
static void goc__take(struct goc__waiter *w) {
    goc_atomic_u32_store_explicit(&w->word, GOC__W_TAKEN, GOC_RELAXED);
}

/* Step 2, with no lock held: the verdict, then a wake by address only (w
 * may be gone the moment the store lands). Release: pairs with goc__park's
 * acquire load, so a grant carries the releaser's writes with it. */
static void goc__grant(struct goc__waiter *w, uint32_t what) {
    goc_atomic_u32 *word = &w->word;
    goc_atomic_u32_store_explicit(word, what, GOC_RELEASE);
    goc_wake_one(word);
    GOC__TEST_HOOK_GRANTED();
}

/* Step 2 for a list of taken waiters chained through `next`: each
 * successor is read before its node gets its verdict. */
static void goc__grant_list(struct goc__waiter *list, uint32_t what) {
    for (struct goc__waiter *w = list, *next; w; w = next) {
        next = w->next;
        goc__grant(w, what);
    }
}

/* ==== Mutex ============================================================== */

#define GOC__M_LOCKED 1u
#define GOC__M_QLOCK  2u
#define GOC__M_QUEUED 4u
#define GOC__M_WOKEN  8u
#define GOC__STARVE_NS (1000 * 1000)   /* Go's starvationThresholdNs: 1 ms */
#ifndef GOC__TEST_HOOK_UNLOCK_SIGNALLED
#  define GOC__TEST_HOOK_UNLOCK_SIGNALLED() ((void)0)
#endif

/* Take the QLOCK bit; returns the state with it held. It guards a few
 * instructions only, so waiting for it spins; past the GOC_SPIN budget it
 * sleeps in short slices instead (a preempted holder must get to run, and
 * GOC_SPIN=0 must mean no spinning). */
static uint32_t goc__mutex_qlock(goc_mutex *m) {
    goc_backoff b = {0};
    for (;;) {
        uint32_t s = goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED);
        /* Acquire: pairs with the release that dropped QLOCK, so the queue
         * links written under it are visible. */
        if (!(s & GOC__M_QLOCK) &&
            goc_atomic_u32_cas_weak_explicit(&m->state, &s, s | GOC__M_QLOCK,
                                             GOC_ACQUIRE, GOC_RELAXED))
            return s | GOC__M_QLOCK;
        if (!goc_backoff_snooze(&b))
            goc_wait_u32(&m->state, s, 20 * GOC_MICROSECOND);
    }
}

/* Drop QLOCK, setting QUEUED from the queue and applying set/clear. A CAS
 * loop, because LOCKED and WOKEN may change while we hold QLOCK. Release:
 * the queue edits are published with it. */
static uint32_t goc__mutex_qunlock(goc_mutex *m, uint32_t set, uint32_t clear) {
    uint32_t s = goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED), n;
    do {
        n = (s & ~(GOC__M_QLOCK | GOC__M_QUEUED | clear)) | set;
        if (m->q.head) n |= GOC__M_QUEUED;
    } while (!goc_atomic_u32_cas_weak_explicit(&m->state, &s, n, GOC_RELEASE, GOC_RELAXED));
    return n;
}

GOC_NOIPA GOC_DEF bool goc_mutex_trylock(goc_mutex *m) {
    uint32_t s = goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED);
    while (!(s & GOC__M_LOCKED)) {
        /* Acquire: pairs with the release in unlock; the critical section
         * cannot float above this. */
        if (goc_atomic_u32_cas_weak_explicit(&m->state, &s, s | GOC__M_LOCKED,
                                             GOC_ACQUIRE, GOC_RELAXED))
            return true;
    }
    return false;
}

/* A waiter that was WOKEN gives up (its time ran out): take the lock if it
 * is free right now, else clear WOKEN in the same CAS that sees LOCKED set,
 * so that the holder's unlock wakes the next waiter.
 * The unlock that woke us sets the WOKEN bit (dropping LOCKED and QLOCK in
 * the same CAS) before it stores WOKEN into our node, so the bit we clear
 * is set already; an earlier version stored into the node first, and a
 * waiter giving up in between cleared a bit not yet set, which then told
 * every later unlock that a woken waiter was coming. QLOCK is still taken
 * here, which keeps this rare path in step with the queue editors. */
static int goc__mutex_woken_give_up(goc_mutex *m) {
    uint32_t s = goc__mutex_qlock(m);
    for (;;) {
        bool locked = s & GOC__M_LOCKED;
        uint32_t n = (s & ~(GOC__M_QLOCK | GOC__M_WOKEN)) | GOC__M_LOCKED;
        /* acq_rel: acquire a free lock's last release; release QLOCK. */
        if (goc_atomic_u32_cas_weak_explicit(&m->state, &s, n, GOC_ACQ_REL, GOC_RELAXED))
            return locked ? GOC_TIMEOUT : GOC_OK;
    }
}

static int goc__mutex_lock_slow(goc_mutex *m, int64_t deadline) {
    struct goc__waiter w;
    goc_backoff b = {0};
    bool woken = false;       /* we were dequeued with WOKEN and own that bit */
    w.since = 0;
    for (;;) {
        uint32_t s = goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED);
        if (!(s & GOC__M_LOCKED)) {
            uint32_t n = s | GOC__M_LOCKED;
            if (woken) n &= ~GOC__M_WOKEN;
            if (goc_atomic_u32_cas_weak_explicit(&m->state, &s, n, GOC_ACQUIRE, GOC_RELAXED))
                return GOC_OK;
            continue;
        }
        /* Spin while nobody is queued (or we are the woken one): the holder
         * is likely running and about to unlock. */
        if ((!(s & GOC__M_QUEUED) || woken) && goc_backoff_snooze(&b)) continue;
        if (deadline != GOC__NO_DEADLINE && goc_nanotime() >= deadline)
            return woken ? goc__mutex_woken_give_up(m) : GOC_TIMEOUT;

        /* Queue up. Under QLOCK, link the node, then drop QLOCK in a CAS
         * that also checks LOCKED is still set: if the holder unlocked
         * meanwhile it saw no QUEUED and woke nobody, so we must not sleep. */
        goc__mutex_qlock(m);
        if (!w.since) w.since = goc_nanotime();
        goc_atomic_u32_store_explicit(&w.word, GOC__W_WAITING, GOC_RELAXED);
        goc__q_push(&m->q, &w);
        s = goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED);
        for (;;) {
            uint32_t n;
            if (s & GOC__M_LOCKED) {
                n = (s & ~GOC__M_QLOCK) | GOC__M_QUEUED;
                if (woken) n &= ~GOC__M_WOKEN;
                if (goc_atomic_u32_cas_weak_explicit(&m->state, &s, n, GOC_RELEASE, GOC_RELAXED))
                    break;
            } else {
                goc__q_unlink(&m->q, &w);
                n = (s & ~(GOC__M_QLOCK | GOC__M_QUEUED)) | GOC__M_LOCKED;
                if (woken) n &= ~GOC__M_WOKEN;
                if (m->q.head) n |= GOC__M_QUEUED;
                if (goc_atomic_u32_cas_weak_explicit(&m->state, &s, n, GOC_ACQ_REL, GOC_RELAXED))
                    return GOC_OK;
                goc__q_push(&m->q, &w);   /* CAS lost: back in line, look again */
            }
        }
        woken = false;

        GOC__DBG_REC(dbg);
        GOC__DBG_BLOCK(dbg, "mutex", "lock", m, NULL);
        uint32_t got = goc__park(&w, deadline);
        GOC__DBG_UNBLOCK(dbg);
        if (got == GOC__W_WAITING) {          /* timed out: still queued? */
            goc__mutex_qlock(m);
            got = goc_atomic_u32_load_explicit(&w.word, GOC_ACQUIRE);
            if (got == GOC__W_WAITING) goc__q_unlink(&m->q, &w);
            goc__mutex_qunlock(m, 0, 0);
            if (got == GOC__W_WAITING) return GOC_TIMEOUT;
            got = goc__await_verdict(&w);     /* dequeued: the unlock decides */
        }
        if (got == GOC__W_GRANTED) return GOC_OK;   /* handed off: LOCKED is ours */
        woken = true;                               /* WOKEN: compete again */
        b.step = 0;                                 /* a whole spin budget again: */
        b.until = 0;                                /* field by field, as a struct copy
                                                       is a memset GenMC cannot model */
    }
}

GOC_NOIPA GOC_DEF void goc_mutex_lock(goc_mutex *m) {
    uint32_t s = 0;
    if (goc_atomic_u32_cas_explicit(&m->state, &s, GOC__M_LOCKED, GOC_ACQUIRE, GOC_RELAXED))
        return;
    goc__mutex_lock_slow(m, GOC__NO_DEADLINE);
}

GOC_NOIPA GOC_DEF int goc_mutex_lock_timeout(goc_mutex *m, goc_duration d) {
    if (goc_mutex_trylock(m)) return GOC_OK;
    if (d <= 0) return GOC_TIMEOUT;
    return goc__mutex_lock_slow(m, goc__deadline(d));
}

GOC_NOIPA GOC_DEF void goc_mutex_unlock(goc_mutex *m) {
    uint32_t s = GOC__M_LOCKED;
    /* Release: publishes the critical section to the next acquirer. */
    if (goc_atomic_u32_cas_explicit(&m->state, &s, 0, GOC_RELEASE, GOC_RELAXED))
        return;
    goc_backoff b = {0};
    for (;;) {
        if (!(s & GOC__M_LOCKED)) GOC_PANIC("sync: unlock of unlocked mutex");
        if (!(s & GOC__M_QUEUED) || (s & GOC__M_WOKEN)) {
            /* Nobody to wake, or a woken waiter is already on its way. */
            if (goc_atomic_u32_cas_weak_explicit(&m->state, &s, s & ~GOC__M_LOCKED,
                                                 GOC_RELEASE, GOC_RELAXED))
                return;
            continue;
        }
        if (s & GOC__M_QLOCK) {
            goc_backoff_spin(&b);
            s = goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED);
            continue;
        }
        if (goc_atomic_u32_cas_weak_explicit(&m->state, &s, s | GOC__M_QLOCK,
                                             GOC_ACQUIRE, GOC_RELAXED))
            break;
    }
    /* We hold LOCKED and QLOCK, and the queue is not empty. */
    struct goc__waiter *w = goc__q_pop(&m->q);
    bool handoff = goc_sub_sat(goc_nanotime(), w->since) > GOC__STARVE_NS;
    goc__take(w);
    GOC__TEST_HOOK_UNLOCK_SIGNALLED();   /* tests widen this window */
    if (handoff)
        goc__mutex_qunlock(m, 0, 0);                        /* LOCKED passes to w */
    else
        goc__mutex_qunlock(m, GOC__M_WOKEN, GOC__M_LOCKED); /* release: pairs with the next acquire */
    /* Our last touch of m was that CAS: a granted w may free m at once. */
    goc__grant(w, handoff ? GOC__W_GRANTED : GOC__W_WOKEN);
}

/* ==== RWMutex ============================================================ */
/*
 * state: the number of readers holding it (low 28 bits) and
 *     WRITER  a writer holds it
 *     WWAIT   a writer is queued: new readers queue too (no writer starvation)
 *     QUEUED  the queue is non-empty: a release must look at it
 * Fast paths are one fetch_add (rlock, runlock) or one CAS (lock, unlock).
 * So the reader count may include, for a moment, readers that found a
 * writer in or waiting and are backing out (see tryrlock).
 * Everything that queues, or dequeues, happens under qmu; WWAIT and QUEUED
 * change only under qmu. A thread queues only after a CAS that saw it could
 * not enter and set QUEUED: any release after that CAS sees QUEUED and comes
 * to qmu to grant, so no waiter is forgotten.
 * Grants (goc__rw_dispatch) go in FIFO order: the writer at the head when
 * the lock is free, else every reader before the first queued writer while
 * no writer holds it. A granted waiter's acquisition is done for it.
 *
 * Biased reads (BRAVO: Dice and Kogan, USENIX ATC 2019, with a slot per
 * thread instead of a hashed table). The count above is one cache line
 * that every rlock and runlock of every core writes: with readers on two
 * cores, each read lock pays for moving it. So while BIAS is set, a reader
 * publishes itself instead in its own thread's slot, a cache line of a
 * global table (goc__rw_slots, GOC_RW_SLOTS of them, claimed at a
 * thread's first read lock and given back when it exits), and writes
 * nothing shared at all:
 *     reader: slot = m (seq_cst); then state (seq_cst): BIAS, no WRITER or
 *             WWAIT: it holds the read lock; else it clears the slot again
 *             and takes the count path.
 *     writer: takes the lock as above (WRITER), then, if BIAS was set,
 *             clears it (seq_cst) and waits until no slot holds m.
 * The two seq_cst pairs are a store-buffering pattern: either the reader
 * sees the writer (WRITER, or BIAS gone) and backs out, or the writer sees
 * the reader's slot and waits for it. A slot is cleared with release and
 * the writer reads it with acquire, so the read section happens before
 * the write one; a biased reader's view of the last writer comes through
 * BIAS, set by a count-path reader's RMW (in the release sequence of the
 * writer's unlock).
 * Who may hold which: read holds are interchangeable. Invariant: the read
 * holds of m are the slots that hold m plus the count. A runlock gives up
 * one: its own slot if it holds m, else one of the count, else (a read
 * lock taken on another thread, as Go allows; or none: GOC_PANIC) another
 * thread's slot holding m, by CAS. A reader backing out whose slot was
 * taken so meanwhile gives up one hold in its stead. Holds can move while
 * a runlock looks for one (a runlock elsewhere clears its own slot, a
 * new count unit appears): one that finds none looks again, up to
 * GOC__RW_LOOKS times, before it calls GOC_PANIC.
 * When bias pays (goc__rw_revoke): a writer pays one cache line per slot
 * in use. It counts the biased reads since the last revocation (each
 * slot's count); fewer than GOC__RW_PAYS per slot looked at, and biased
 * reads stay off for 9 times the revocation's duration (BRAVO's rule),
 * after which a count-path reader turns them on again. The zero value
 * starts unbiased; the first count-path reader sets BIAS.
 * Last touches: a biased runlock's is the CAS on its slot, not on m.
 */
#define GOC__RW_READERS 0x0FFFFFFFu
#define GOC__RW_WRITER  (1u << 28)
#define GOC__RW_WWAIT   (1u << 29)
#define GOC__RW_QUEUED  (1u << 30)
#define GOC__RW_BIAS    (1u << 31)

/* ---- reader slots (biased reads) ---- */
#if GOC_RW_SLOTS > 0
typedef struct goc__rw_slot {
    goc_atomic_uptr lock;     /* the RWMutex its thread holds a biased read lock on, or 0 */
    goc_atomic_u32  reads;    /* biased read locks taken: its thread adds, writers zero it */
} goc__rw_slot;
typedef struct { GOC_ALIGNED_CACHELINE goc__rw_slot s; } goc__rw_line;
static goc__rw_line   goc__rw_slots[GOC_RW_SLOTS];
static goc_atomic_u32 goc__rw_used[(GOC_RW_SLOTS + 31) / 32];   /* a bit per claimed slot */
static goc_atomic_u32 goc__rw_high;        /* slots [0, high) have been claimed: writers look there */
static goc__rw_slot   goc__rw_none;        /* a thread's "no slot to be had" */
static _Thread_local goc__rw_slot *goc__rw_mine;   /* NULL: none claimed yet */
static _Thread_local uint32_t goc__rw_tick;        /* paces a count-path reader's clock reads */
#ifndef GOC_MODEL_CHECK   /* GenMC has no thread keys: the model's threads keep their slots */
static goc_atomic_u32 goc__rw_key_once;
static pthread_key_t  goc__rw_key;
static bool           goc__rw_key_ok;
#endif
#define GOC__RW_PAYS 2    /* biased reads per slot looked at, for a revocation to pay */
#ifdef GOC_MODEL_CHECK
#  define GOC__RW_LOOKS 2   /* GenMC bounds every loop */
#else
#  define GOC__RW_LOOKS 1000 /* a runlock looking for a hold that moves, before GOC_PANIC */
#endif

#ifndef GOC_MODEL_CHECK
/* A thread exits: its slot is free again, unless it still holds a read
 * lock there (a lock never unlocked: the slot stays out of use). */
static void goc__rw_slot_exit(void *p) {
    goc__rw_slot *sl = (goc__rw_slot *)p;
    /* Later exit code of this thread (another key's destructor) may still
     * read-lock: on the count, not in a slot that is someone else's now. */
    goc__rw_mine = &goc__rw_none;
    if (goc_atomic_uptr_load_explicit(&sl->lock, GOC_RELAXED) != 0) return;
    size_t i = (size_t)((goc__rw_line *)(void *)sl - goc__rw_slots);
    goc_atomic_u32_fetch_and_explicit(&goc__rw_used[i / 32], ~(1u << (i % 32)), GOC_RELEASE);
}
static void goc__rw_key_init(void) {
    goc__rw_key_ok = pthread_key_create(&goc__rw_key, goc__rw_slot_exit) == 0;
}
#endif

/* The calling thread's slot, claimed on first use; &goc__rw_none when all
 * are taken (that thread's reads then take the count path). */
static goc__rw_slot *goc__rw_claim(void) {
#ifndef GOC_MODEL_CHECK
    goc__once_fork(&goc__rw_key_once, goc__rw_key_init);
#endif
    for (uint32_t w = 0; w < (GOC_RW_SLOTS + 31) / 32; w++) {
        uint32_t v = goc_atomic_u32_load_explicit(&goc__rw_used[w], GOC_RELAXED);
        for (;;) {
            uint32_t free_bits = ~v;
            if (w == GOC_RW_SLOTS / 32) free_bits &= (1u << (GOC_RW_SLOTS % 32)) - 1;   /* the last word's tail */
            if (!free_bits) break;
            uint32_t b = 0;
            while (!((free_bits >> b) & 1)) b++;
            /* Acquire: the slot's last owner cleared it before giving it back. */
            if (!goc_atomic_u32_cas_weak_explicit(&goc__rw_used[w], &v, v | (1u << b), GOC_ACQUIRE, GOC_RELAXED))
                continue;
            uint32_t i = w * 32 + b, high = goc_atomic_u32_load(&goc__rw_high);
            /* seq_cst: a writer that sees this thread's slot store (seq_cst,
             * later) sees this too, and looks at the slot. */
            while (high < i + 1 && !goc_atomic_u32_cas(&goc__rw_high, high, i + 1))
                high = goc_atomic_u32_load(&goc__rw_high);
            goc__rw_slot *sl = &goc__rw_slots[i].s;
#ifndef GOC_MODEL_CHECK
            if (goc__rw_key_ok) pthread_setspecific(goc__rw_key, sl);
#endif
            return goc__rw_mine = sl;
        }
    }
    return goc__rw_mine = &goc__rw_none;
}

static void goc__rw_reader_leave(goc_rwmutex *m);

/* A biased read lock, if m is biased and this thread's slot is free. */
static bool goc__rw_try_biased(goc_rwmutex *m) {
    goc__rw_slot *sl = goc__rw_mine;
    if (!sl) sl = goc__rw_claim();
    /* Acquire: a runlock elsewhere that took this slot (a release CAS) has
     * its read section published to us before we reuse the slot; our
     * store below is not a read-modify-write, so it would end that
     * release sequence for the writer that reads it. */
    if (sl == &goc__rw_none || goc_atomic_uptr_load_explicit(&sl->lock, GOC_ACQUIRE) != 0) return false;
    uintptr_t me = (uintptr_t)(void *)m;
    /* Only this thread moves its slot off 0: a plain store will do. seq_cst
     * with the load below: the store-buffering pair with goc__rw_revoke. */
    goc_atomic_uptr_store(&sl->lock, me);
    if ((goc_atomic_u32_load(&m->state) & (GOC__RW_BIAS | GOC__RW_WRITER | GOC__RW_WWAIT)) == GOC__RW_BIAS) {
        /* Only this thread adds: no read-modify-write (a writer zeroing it
         * meanwhile may lose one count: it is a policy hint). */
        uint32_t r = goc_atomic_u32_load_explicit(&sl->reads, GOC_RELAXED);
        goc_atomic_u32_store_explicit(&sl->reads, r + 1, GOC_RELAXED);
        return true;
    }
    /* Back out. A runlock of another thread may have taken the slot as a
     * hold meanwhile (see "Who may hold which"): then give one up for it. */
    if (!goc_atomic_uptr_cas_explicit(&sl->lock, &me, 0, GOC_RELEASE, GOC_ACQUIRE))   /* acquire: as above */
        goc__rw_reader_leave(m);
    return false;
}

/* A runlock that found no hold of its own: another thread's slot that
 * holds m, if any (a read lock taken on one thread, unlocked on another). */
static bool goc__rw_take_other_slot(goc_rwmutex *m) {
    uint32_t n = goc_atomic_u32_load(&goc__rw_high);
    for (uint32_t i = 0; i < n; i++) {
        uintptr_t want = (uintptr_t)(void *)m;
        if (goc_atomic_uptr_load_explicit(&goc__rw_slots[i].s.lock, GOC_RELAXED) == want &&
            goc_atomic_uptr_cas_explicit(&goc__rw_slots[i].s.lock, &want, 0, GOC_RELEASE, GOC_RELAXED))
            return true;
    }
    return false;
}

/* Whether a slot holds m (GOC_DEBUG's check of a free: a biased reader
 * is inside a call on the object). Acquire: what the reader did before. */
#ifdef GOC_DEBUG
static bool goc__rw_in_a_slot(goc_rwmutex *m) {
    uint32_t n = goc_atomic_u32_load(&goc__rw_high);
    for (uint32_t i = 0; i < n; i++)
        if (goc_atomic_uptr_load_explicit(&goc__rw_slots[i].s.lock, GOC_ACQUIRE) == (uintptr_t)(void *)m) return true;
    return false;
}
#endif

/* A count-path reader, seen as s before its count: turn biased reads on,
 * unless writers are about or a writer turned them off a while ago (then
 * look at the clock one time in 16). Holds are interchangeable, so a
 * writer may hold m by now (another thread's runlock took our unit): BIAS
 * set then is harmless (biased readers back out on WRITER, and the writer
 * revoked or will revoke), and a lost store to inhibit is a policy hint. */
static void goc__rw_maybe_bias(goc_rwmutex *m, uint32_t s) {
    if (s & (GOC__RW_BIAS | GOC__RW_WRITER | GOC__RW_WWAIT | GOC__RW_QUEUED)) return;
    int64_t until = goc_atomic_i64_load_explicit(&m->inhibit, GOC_RELAXED);
    if (until) {
        if ((++goc__rw_tick & 15) || goc_nanotime() < until) return;
        goc_atomic_i64_store_explicit(&m->inhibit, 0, GOC_RELAXED);
    }
    /* Relaxed: an RMW, so in the release sequence of the last writer's
     * unlock, which is what a biased reader's load of BIAS acquires. */
    goc_atomic_u32_fetch_or_explicit(&m->state, GOC__RW_BIAS, GOC_RELAXED);
}

/* A writer that holds m (WRITER): if BIAS is set, clear it and wait until
 * no slot holds m, until `deadline` (INT64_MIN: look once, do not wait).
 * false: a biased reader is still in at the deadline; BIAS is set again
 * (so that BIAS off always means "no slot holds m") and the caller
 * unlocks. */
static bool goc__rw_revoke(goc_rwmutex *m, int64_t deadline) {
    if (!(goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED) & GOC__RW_BIAS)) return true;
    /* seq_cst: the store-buffering pair with goc__rw_try_biased. */
    goc_atomic_u32_and(&m->state, ~GOC__RW_BIAS);
    uint32_t n = goc_atomic_u32_load(&goc__rw_high), reads = 0;
    /* The biased reads since the last revocation: a load and a store, no
     * read-modify-write (an owner's add in between is lost: a hint). */
    for (uint32_t i = 0; i < n; i++) {
        reads += goc_atomic_u32_load_explicit(&goc__rw_slots[i].s.reads, GOC_RELAXED);
        goc_atomic_u32_store_explicit(&goc__rw_slots[i].s.reads, 0, GOC_RELAXED);
    }
    bool pays = reads >= GOC__RW_PAYS * n;
    int64_t t0 = pays ? 0 : goc_nanotime();   /* the clock only when it will be inhibited */
    uintptr_t me = (uintptr_t)(void *)m;
    for (uint32_t i = 0; i < n; i++) {
        goc__rw_slot *sl = &goc__rw_slots[i].s;
        goc_backoff b = {0};
        int64_t nap = GOC_MICROSECOND;
        /* seq_cst: the store-buffering pair's fourth access (an acquire
         * load could read the slot's old 0 although our clear of BIAS came
         * after the reader's look at it: GenMC found that, rwmutex_bias);
         * and an acquire, which pairs with the reader's release of it. */
        while (goc_atomic_uptr_load(&sl->lock) == me) {
            if (deadline == INT64_MIN || (deadline != GOC__NO_DEADLINE && goc_nanotime() >= deadline)) {
                /* BIAS back on: BIAS off must mean no slot holds m (a
                 * writer that finds it off does not look at the slots). */
                goc_atomic_u32_or(&m->state, GOC__RW_BIAS);
                return false;
            }
#ifndef GOC_MODEL_CHECK   /* the model spins (GenMC turns the loop into an assumption) */
            if (!goc_backoff_snooze(&b)) {     /* a long read section: nap, up to 1 ms */
                goc_atomic_u32 never = {0};
                goc_wait_u32(&never, 0, nap);
                if (nap < GOC_MILLISECOND) nap *= 2;
            }
#endif
        }
    }
    if (pays) {
        goc_atomic_i64_store_explicit(&m->inhibit, 0, GOC_RELAXED);
        return true;
    }
    /* Off for 9 times what this took (BRAVO's rule), at most 10 ms: a
     * long read section waited for is not what revoking costs. */
    int64_t t1 = goc_nanotime(), off = 9 * (t1 - t0) + 1;
    if (off > 10 * GOC_MILLISECOND) off = 10 * GOC_MILLISECOND;
    goc_atomic_i64_store_explicit(&m->inhibit, goc_add_sat(t1, off), GOC_RELAXED);
    return true;
}
/* What a writer's unlock leaves in the state when nobody is queued: BIAS,
 * unless biased reads are off for a while. Read before the release, which
 * is the unlock's last touch. */
static uint32_t goc__rw_bias_after_write(goc_rwmutex *m) {
    return goc_atomic_i64_load_explicit(&m->inhibit, GOC_RELAXED) ? 0 : GOC__RW_BIAS;
}
#else
static uint32_t goc__rw_bias_after_write(goc_rwmutex *m) { (void)m; return 0; }
#ifdef GOC_DEBUG
static bool goc__rw_in_a_slot(goc_rwmutex *m) { (void)m; return false; }
#endif
static bool goc__rw_try_biased(goc_rwmutex *m) { (void)m; return false; }
static bool goc__rw_take_other_slot(goc_rwmutex *m) { (void)m; return false; }
static void goc__rw_maybe_bias(goc_rwmutex *m, uint32_t s) { (void)m; (void)s; }
static bool goc__rw_revoke(goc_rwmutex *m, int64_t deadline) { (void)m; (void)deadline; return true; }
#endif

/* Under qmu: give up the caller's own hold (`release`: GOC__RW_WRITER, 1
 * for a read lock, or 0), grant what can be granted (in queue order), fix
 * WWAIT and QUEUED - all in the first CAS - and take the grantees; returns
 * them, for goc__grant_list once qmu is dropped. */
static struct goc__waiter *goc__rw_dispatch(goc_rwmutex *m, uint32_t release, bool *unreleased) {
    struct goc__waiter *granted = NULL, **tail = &granted;
    uint32_t s = goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED);
    for (;;) {
        /* A read hold given up on the count finds none there: another
         * releaser took the last unit (read holds are interchangeable, see
         * "Who may hold which"); the caller gives up a slot instead. */
        if (release == 1 && !(s & GOC__RW_READERS)) { release = 0; *unreleased = true; }
        uint32_t base = s - release;     /* clears WRITER, or counts one reader out */
        struct goc__waiter *w = m->q.head;
        uint32_t n = base & ~(GOC__RW_WWAIT | GOC__RW_QUEUED);
        if (w && w->writer) {
            if (base & (GOC__RW_READERS | GOC__RW_WRITER)) w = NULL;   /* must wait */
            else n |= GOC__RW_WRITER;
        } else if (w) {
            if (base & GOC__RW_WRITER) {
                w = NULL;
            } else {
                n += 1;
                if ((n & GOC__RW_READERS) == 0) GOC_PANIC("sync: too many RWMutex readers");
            }
        }
        uint32_t writers = m->nwriters - (w && w->writer);
        bool more = m->q.head && (w == NULL || m->q.head->next != NULL);
        if (writers) n |= GOC__RW_WWAIT;
        if (more) n |= GOC__RW_QUEUED;
        /* acq_rel: acquire what the last holder published (its release),
         * release it on to the grantee along with our own bookkeeping. */
        if (!goc_atomic_u32_cas_weak_explicit(&m->state, &s, n, GOC_ACQ_REL, GOC_RELAXED))
            continue;
        s = n;
        release = 0;
        if (!w) break;
        bool writer = w->writer;
        goc__q_unlink(&m->q, w);
        if (writer) m->nwriters--;
        goc__take(w);
        *tail = w;
        tail = &w->next;
        if (writer) break;       /* a writer is alone */
    }
    *tail = NULL;
    return granted;
}

static int goc__rw_wait(goc_rwmutex *m, bool writer, int64_t deadline) {
    struct goc__waiter w;
    goc_backoff b = {0};
    uint32_t block = writer ? (GOC__RW_READERS | GOC__RW_WRITER)
                            : (GOC__RW_WRITER | GOC__RW_WWAIT);
    /* Spin a little on the fast path first. */
    for (;;) {
        uint32_t s = goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED);
        if (!writer && (s & (GOC__RW_BIAS | GOC__RW_WRITER | GOC__RW_WWAIT)) == GOC__RW_BIAS &&
            goc__rw_try_biased(m))
            return GOC_OK;
        if (!(s & block) && !(writer && (s & GOC__RW_QUEUED))) {
            uint32_t n = writer ? s | GOC__RW_WRITER : s + 1;
            if (goc_atomic_u32_cas_weak_explicit(&m->state, &s, n, GOC_ACQUIRE, GOC_RELAXED))
                return GOC_OK;
            continue;
        }
        if (!goc_backoff_snooze(&b)) break;
    }
    if (deadline != GOC__NO_DEADLINE && goc_nanotime() >= deadline) return GOC_TIMEOUT;

    goc_mutex_lock(&m->qmu);
    uint32_t s = goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED);
    for (;;) {
        /* A writer does not overtake anyone queued (a release is on its way
         * to grant them); a reader may join readers while no writer waits. */
        if (!(s & block) && !(writer && m->q.head)) {
            uint32_t n = writer ? s | GOC__RW_WRITER : s + 1;
            if (goc_atomic_u32_cas_weak_explicit(&m->state, &s, n, GOC_ACQUIRE, GOC_RELAXED)) {
                goc_mutex_unlock(&m->qmu);
                return GOC_OK;
            }
            continue;
        }
        uint32_t n = s | GOC__RW_QUEUED | (writer ? GOC__RW_WWAIT : 0);
        if (goc_atomic_u32_cas_weak_explicit(&m->state, &s, n, GOC_RELAXED, GOC_RELAXED))
            break;
    }
    w.writer = writer;
    goc_atomic_u32_store_explicit(&w.word, GOC__W_WAITING, GOC_RELAXED);
    goc__q_push(&m->q, &w);
    if (writer) m->nwriters++;
    goc_mutex_unlock(&m->qmu);

    GOC__DBG_REC(dbg);
    GOC__DBG_BLOCK(dbg, "rwmutex", writer ? "lock" : "rlock", m, NULL);
    uint32_t parked = goc__park(&w, deadline);
    GOC__DBG_UNBLOCK(dbg);
    if (parked != GOC__W_WAITING) return GOC_OK;
    goc_mutex_lock(&m->qmu);
    bool timed_out = goc_atomic_u32_load_explicit(&w.word, GOC_RELAXED) == GOC__W_WAITING;
    struct goc__waiter *granted = NULL;
    if (timed_out) {
        goc__q_unlink(&m->q, &w);
        if (writer) m->nwriters--;
        granted = goc__rw_dispatch(m, 0, NULL);   /* a writer leaving may let readers in */
    }
    goc_mutex_unlock(&m->qmu);
    if (!timed_out) {
        goc__await_verdict(&w);   /* granted as the time ran out: the lock is ours */
        return GOC_OK;
    }
    goc__grant_list(granted, GOC__W_GRANTED);
    return GOC_TIMEOUT;
}

/* Does a release of `what` (GOC__RW_WRITER, or 1: a read lock) from state
 * s have to hand the lock on? A writer, whenever anyone is queued; a
 * reader, when it is the last one and no writer holds the lock (a reader
 * backing out while a writer holds it leaves the hand-on to the writer). */
static bool goc__rw_must_dispatch(uint32_t s, uint32_t what) {
    if (!(s & GOC__RW_QUEUED)) return false;
    return what == GOC__RW_WRITER || ((s & GOC__RW_READERS) == 1 && !(s & GOC__RW_WRITER));
}

/* A release that must hand the lock on; false: a read hold (what == 1)
 * found the count empty and gave up nothing. Last touch (see "Last touches"):
 * the hold is given up inside the dispatch's CAS, under qmu, so nobody can
 * take the lock, drop it and free m between our release and our use of
 * qmu (an earlier version released first and then took qmu: a queued
 * writer that timed out meanwhile could lock, unlock and free m under
 * it). After the CAS, either someone was granted (they are still inside
 * their lock call until goc__grant_list, so m cannot be freed yet) or
 * waiters stay queued, whose QUEUED/WWAIT bits keep every fast path out;
 * qmu's unlock is then the last touch. If the queue has emptied (its
 * waiters timed out), the release is a plain CAS, our last touch, unless
 * someone queued meanwhile, when we go round again. */
static bool goc__rw_release_queued(goc_rwmutex *m, uint32_t what) {
    for (;;) {
        goc_mutex_lock(&m->qmu);
        if (m->q.head) {
            bool unreleased = false;
            struct goc__waiter *granted = goc__rw_dispatch(m, what, &unreleased);
            goc_mutex_unlock(&m->qmu);
            goc__grant_list(granted, GOC__W_GRANTED);
            return !unreleased;
        }
        goc_mutex_unlock(&m->qmu);
        uint32_t s = goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED);
        while (!goc__rw_must_dispatch(s, what)) {
            if (what == 1 && !(s & GOC__RW_READERS)) return false;   /* as in dispatch */
            /* Release: the critical section before the next acquirer. */
            if (goc_atomic_u32_cas_weak_explicit(&m->state, &s, s - what, GOC_RELEASE, GOC_RELAXED)) {
                GOC__TEST_HOOK_RW_RELEASED();
                return true;
            }
        }
    }
}

/* A reader leaves (runlock, or a reader backing out): a CAS, not a blind
 * fetch_add, because the last reader out with waiters queued must not
 * give up its count before it holds qmu (goc__rw_release_queued). */
static void goc__rw_reader_leave(goc_rwmutex *m) {
    /* The first CAS guesses the state (one reader, nothing queued) rather
     * than loading it: on a line another core holds, a load and then a CAS
     * are two transfers of it, a failed CAS is one (it returns the state
     * and leaves the line here, so the retry is local). */
    uint32_t s = 1;
    if (goc_atomic_u32_cas_explicit(&m->state, &s, 0, GOC_RELEASE, GOC_RELAXED)) {
        GOC__TEST_HOOK_RW_RELEASED();
        return;
    }
    unsigned looked = 0;
    for (;;) {
        if ((s & GOC__RW_READERS) == 0) {
            if (goc__rw_take_other_slot(m)) return;
            /* The holds can move while we look (a runlock elsewhere clears
             * its own slot while a count unit appears): look again, a few
             * times, before calling it misuse. */
            if (GOC_RW_SLOTS > 0 && ++looked < GOC__RW_LOOKS) {
                goc_cpu_relax();
                s = goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED);
                continue;
            }
            GOC_PANIC("sync: RUnlock of unlocked RWMutex");
        }
        if (goc__rw_must_dispatch(s, 1)) {
            if (goc__rw_release_queued(m, 1)) return;
            s = goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED);
            continue;
        }
        /* Release: the read section happens-before a later writer's lock. */
        if (goc_atomic_u32_cas_weak_explicit(&m->state, &s, s - 1, GOC_RELEASE, GOC_RELAXED)) {
            GOC__TEST_HOOK_RW_RELEASED();
            return;
        }
    }
}

/* A reader that counted itself in, then found a writer there or waiting:
 * it counts itself out again, exactly as runlock does, including letting the
 * queue move if it was the last reader out (a writer may be waiting just
 * for that count to drop). */
static void goc__rw_back_out(goc_rwmutex *m) { goc__rw_reader_leave(m); }

GOC_NOIPA GOC_DEF bool goc_rwmutex_tryrlock(goc_rwmutex *m) {
    /* One fetch_add, not a load and a CAS: under contention a CAS loop pays
     * for the cache line twice and retries. The count may so go up for a
     * moment while a writer holds or waits (Go's RLock does the same); such
     * a reader backs out at once, and nobody trusts the count meanwhile:
     * a writer is granted only at zero readers, and the last one out,
     * including one backing out, lets the queue move. */
    if ((goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED) & (GOC__RW_BIAS | GOC__RW_WRITER | GOC__RW_WWAIT)) ==
            GOC__RW_BIAS && goc__rw_try_biased(m))
        return true;
    uint32_t s = goc_atomic_u32_fetch_add_explicit(&m->state, 1, GOC_ACQUIRE);
    if (!(s & (GOC__RW_WRITER | GOC__RW_WWAIT))) {
        if ((s & GOC__RW_READERS) == GOC__RW_READERS - 1) {
            goc__rw_back_out(m);
            GOC_PANIC("sync: too many RWMutex readers");
        }
        goc__rw_maybe_bias(m, s);
        return true;
    }
    goc__rw_back_out(m);
    return false;
}

GOC_NOIPA GOC_DEF void goc_rwmutex_rlock(goc_rwmutex *m) {
    if (!goc_rwmutex_tryrlock(m)) goc__rw_wait(m, false, GOC__NO_DEADLINE);
}

GOC_NOIPA GOC_DEF int goc_rwmutex_rlock_timeout(goc_rwmutex *m, goc_duration d) {
    if (goc_rwmutex_tryrlock(m)) return GOC_OK;
    if (d <= 0) return GOC_TIMEOUT;
    return goc__rw_wait(m, false, goc__deadline(d));
}

GOC_NOIPA GOC_DEF void goc_rwmutex_runlock(goc_rwmutex *m) {
#if GOC_RW_SLOTS > 0
    /* A biased hold: clear the slot (release: the read section before the
     * revoking writer's acquire). A CAS, not a store: another thread's
     * runlock may take the slot meanwhile (see "Who may hold which"). */
    goc__rw_slot *sl = goc__rw_mine;
    uintptr_t me = (uintptr_t)(void *)m;
    if (sl && goc_atomic_uptr_load_explicit(&sl->lock, GOC_ACQUIRE) == me &&
        goc_atomic_uptr_cas_explicit(&sl->lock, &me, 0, GOC_RELEASE, GOC_ACQUIRE))   /* acquire: see try_biased */
        return;
#endif
    /* The last reader out lets the queue move, unless a writer holds the
     * lock (a reader that backed out): the writer's unlock will do it. */
    goc__rw_reader_leave(m);
}

/* The write lock on the count (biased readers aside). */
static bool goc__rw_trylock_count(goc_rwmutex *m) {
    uint32_t s = goc_atomic_u32_load_explicit(&m->state, GOC_RELAXED);
    while (!(s & (GOC__RW_READERS | GOC__RW_WRITER | GOC__RW_QUEUED))) {
        if (goc_atomic_u32_cas_weak_explicit(&m->state, &s, s | GOC__RW_WRITER,
                                             GOC_ACQUIRE, GOC_RELAXED))
            return true;
    }
    return false;
}

GOC_NOIPA GOC_DEF bool goc_rwmutex_trylock(goc_rwmutex *m) {
    if (!goc__rw_trylock_count(m)) return false;
    if (goc__rw_revoke(m, INT64_MIN)) return true;
    goc_rwmutex_unlock(m);   /* a biased reader is in */
    return false;
}

GOC_NOIPA GOC_DEF void goc_rwmutex_lock(goc_rwmutex *m) {
    if (!goc__rw_trylock_count(m)) goc__rw_wait(m, true, GOC__NO_DEADLINE);
    goc__rw_revoke(m, GOC__NO_DEADLINE);
}

GOC_NOIPA GOC_DEF int goc_rwmutex_lock_timeout(goc_rwmutex *m, goc_duration d) {
    int64_t deadline = d <= 0 ? INT64_MIN : goc__deadline(d);
    if (!goc__rw_trylock_count(m)) {
        if (d <= 0) return GOC_TIMEOUT;
        if (goc__rw_wait(m, true, deadline) != GOC_OK) return GOC_TIMEOUT;
    }
    if (goc__rw_revoke(m, deadline)) return GOC_OK;
    goc_rwmutex_unlock(m);   /* biased readers stayed in past the deadline */
    return GOC_TIMEOUT;
}

GOC_NOIPA GOC_DEF void goc_rwmutex_unlock(goc_rwmutex *m) {
    uint32_t s = GOC__RW_WRITER;
    /* Nobody queued: the readers that come next may read biased at once
     * (unless biased reads are off for a while), not only after a reader
     * on the count has turned them on. */
    uint32_t to = goc__rw_bias_after_write(m);
    if (goc_atomic_u32_cas_explicit(&m->state, &s, to, GOC_RELEASE, GOC_RELAXED)) return;
    for (;;) {
        /* Readers may be counted here for a moment (see tryrlock): only the
         * missing WRITER bit tells misuse. */
        if (!(s & GOC__RW_WRITER))
            GOC_PANIC("sync: Unlock of unlocked RWMutex");
        if (goc__rw_must_dispatch(s, GOC__RW_WRITER)) {
            goc__rw_release_queued(m, GOC__RW_WRITER);
            return;
        }
        if (goc_atomic_u32_cas_weak_explicit(&m->state, &s, s & ~GOC__RW_WRITER,
                                             GOC_RELEASE, GOC_RELAXED)) {
            GOC__TEST_HOOK_RW_RELEASED();
            return;
        }
    }
}

/* ==== WaitGroup ========================================================== */
/*
 * state: the counter in the high 32 bits (signed, as Go's), WAITING in bit 0.
 * A waiter sets WAITING and sleeps on the counter's 32-bit half for as long
 * as it holds the value it saw. The add that brings the counter to 0 and
 * finds WAITING set wakes that address - and writes nothing more.
 * Use-after-free hazard: a waiter that sees 0 may return and free the
 * WaitGroup at once (Go allows reuse as soon as Wait returns), so the
 * fetch_add that reaches 0 is the adder's last write; the wake after it
 * uses the address only (safe on freed memory, see atomic.h). An earlier
 * version cleared WAITING and bumped a generation word after the counter
 * reached 0 - writes into memory a waiter could already have freed;
 * tests/test_hooks.c widens that window. WAITING therefore outlives the
 * round: the waiter that returns on seeing 0 clears it (it still owns the
 * WaitGroup inside Wait), with a CAS that fails harmlessly if a new round
 * has begun. A stale WAITING (a waiter that timed out) costs at most one
 * futile wake.
 * Lost wake-ups: WAITING and the counter are one word, so the waiter's CAS
 * that sets WAITING and the adder's fetch_add are ordered: either the adder
 * sees WAITING and wakes, or the waiter's CAS fails and it sees the new
 * counter; and the futex sleeps only while the counter half is unchanged.
 */
#define GOC__WG_WAITING 1ull
/* GOC_DEBUG: bits 1-31 count the rounds that ended (the adds that brought
 * the counter to 0), so that a waiter woken into a new round can tell that
 * the WaitGroup was reused before its Wait returned (Go panics then too;
 * without the check the waiter would miss the zero and wait for the next
 * one). The count changes in the same CAS that reaches 0, so the adder's
 * last write is still that one. */
#ifdef GOC_DEBUG
#  define GOC__WG_ROUND  2ull
#  define GOC__WG_ROUNDS 0xFFFFFFFEull
static uint64_t goc__wg_add_dbg(goc_waitgroup *wg, int64_t delta) {
    uint64_t s = goc_atomic_u64_load_explicit(&wg->state, GOC_RELAXED);
    for (;;) {
        uint64_t ns = s + ((uint64_t)delta << 32);   /* as the fetch_add: high half only */
        if ((int64_t)(int32_t)(s >> 32) + delta == 0)
            ns = (ns & ~GOC__WG_ROUNDS) | ((s + GOC__WG_ROUND) & GOC__WG_ROUNDS);
        if (goc_atomic_u64_cas_weak_explicit(&wg->state, &s, ns, GOC_SEQ_CST, GOC_RELAXED)) return s;
    }
}
#endif
#ifndef GOC__TEST_HOOK_WG_ZERO
#  define GOC__TEST_HOOK_WG_ZERO() ((void)0)
#endif

GOC_NOIPA GOC_DEF void goc_wg_add(goc_waitgroup *wg, int64_t delta) {
    if (delta > INT32_MAX || delta < INT32_MIN) GOC_PANIC("sync: WaitGroup counter overflow");
    /* seq_cst: release for the work before done(), and ordered against the
     * waiter's CAS of WAITING (see above). */
#ifdef GOC_DEBUG
    uint64_t s = goc__wg_add_dbg(wg, delta);
#else
    uint64_t s = goc_atomic_u64_fetch_add_explicit(&wg->state, (uint64_t)delta << 32, GOC_SEQ_CST);
#endif
    int64_t v = (int64_t)(int32_t)(s >> 32) + delta;
    if (v > INT32_MAX) GOC_PANIC("sync: WaitGroup counter overflow");
    if (v < 0) GOC_PANIC("sync: negative WaitGroup counter");
    if (v == 0 && (s & GOC__WG_WAITING)) {
        GOC__TEST_HOOK_WG_ZERO();
        goc__wake_u64_hi(&wg->state);   /* by address only: wg may be gone */
    }
}

GOC_NOIPA GOC_DEF void goc_wg_done(goc_waitgroup *wg) { goc_wg_add(wg, -1); }

/* The counter is 0: clear a WAITING left by the round that just ended
 * (see above); a new round's add makes the CAS fail, which is fine. */
static int goc__wg_zero(goc_waitgroup *wg, uint64_t s) {
    if (s & GOC__WG_WAITING) goc_atomic_u64_cas(&wg->state, s, s & ~GOC__WG_WAITING);
    return GOC_OK;
}

static int goc__wg_wait(goc_waitgroup *wg, int64_t deadline) {
    goc_backoff b = {0};
    for (;;) {
        /* seq_cst (acquire is what the caller needs: the workers' writes
         * before their done() are visible once we see 0). */
        uint64_t s = goc_atomic_u64_load(&wg->state);
        if ((s >> 32) == 0) return goc__wg_zero(wg, s);
        if (goc_backoff_snooze(&b)) continue;
        if (!(s & GOC__WG_WAITING)) {
            if (!goc_atomic_u64_cas(&wg->state, s, s | GOC__WG_WAITING)) continue;
        }
        goc_duration left = goc_until(deadline);
        if (left <= 0) return GOC_TIMEOUT;
        GOC__DBG_REC(dbg);
        GOC__DBG_BLOCK(dbg, "waitgroup", "wait", wg, NULL);
        goc__wait_u64_hi(&wg->state, (uint32_t)(s >> 32), left);   /* the counter's half */
        GOC__DBG_UNBLOCK(dbg);
#ifdef GOC_DEBUG
        uint64_t now = goc_atomic_u64_load(&wg->state);
        if ((now >> 32) != 0 && ((now ^ s) & GOC__WG_ROUNDS))
            GOC_PANIC("sync: WaitGroup is reused before previous Wait has returned");
#endif
    }
}

GOC_NOIPA GOC_DEF void goc_wg_wait(goc_waitgroup *wg) { goc__wg_wait(wg, GOC__NO_DEADLINE); }

GOC_NOIPA GOC_DEF int goc_wg_wait_timeout(goc_waitgroup *wg, goc_duration d) {
    uint64_t s = goc_atomic_u64_load(&wg->state);
    if ((s >> 32) == 0) return goc__wg_zero(wg, s);
    if (d <= 0) return GOC_TIMEOUT;
    return goc__wg_wait(wg, goc__deadline(d));
}

/* ==== Once =============================================================== */
/*
 * The tempting version, `if (!done) { done = 1; fn(); }` (or a CAS on done
 * before fn), is wrong: a second caller would return while fn still runs.
 * So the state has a RUNNING phase that others wait out.
 */
#define GOC__ONCE_NEW     0u
#define GOC__ONCE_RUNNING 1u
#define GOC__ONCE_WAITERS 2u   /* running, and someone sleeps on state */

GOC_NOIPA GOC_DEF void goc__once_slow(goc_once *o, void (*fn)(void *), void *arg) {
    uint32_t s = GOC__ONCE_NEW;
    if (goc_atomic_u32_cas_explicit(&o->state, &s, GOC__ONCE_RUNNING, GOC_ACQUIRE, GOC_ACQUIRE)) {
        fn(arg);
        /* Release: fn's writes happen-before every DONE seen by an acquire. */
        if (goc_atomic_u32_swap_explicit(&o->state, GOC__ONCE_DONE, GOC_RELEASE) == GOC__ONCE_WAITERS)
            goc_wake_all(&o->state);
        return;
    }
    goc_backoff b = {0};
    while (s != GOC__ONCE_DONE) {
        if (goc_backoff_snooze(&b)) {
            s = goc_atomic_u32_load_explicit(&o->state, GOC_ACQUIRE);
            continue;
        }
        if (s == GOC__ONCE_RUNNING &&
            !goc_atomic_u32_cas_explicit(&o->state, &s, GOC__ONCE_WAITERS, GOC_ACQUIRE, GOC_ACQUIRE))
            continue;   /* s was reloaded */
        GOC__DBG_REC(dbg);
        GOC__DBG_BLOCK(dbg, "once", "do", o, "another thread runs fn");
        goc_wait_u32(&o->state, GOC__ONCE_WAITERS, GOC_FOREVER);
        GOC__DBG_UNBLOCK(dbg);
        s = goc_atomic_u32_load_explicit(&o->state, GOC_ACQUIRE);
    }
}

/* ==== Cond =============================================================== */
/*
 * A FIFO of waiter nodes under qmu. wait() queues itself *before* it
 * unlocks the user's mutex, so a signal sent by anyone who took that mutex
 * afterwards finds it. nwait lets signal skip qmu when nobody waits: it is
 * raised (seq_cst) before the user's mutex is released, so a signaller that
 * took the mutex after, or saw the predicate change, sees it.
 */
static int goc__cond_wait(goc_cond *c, goc_mutex *m, int64_t deadline) {
    struct goc__waiter w;
    goc_atomic_u32_store_explicit(&w.word, GOC__W_WAITING, GOC_RELAXED);
    goc_mutex_lock(&c->qmu);
    goc__q_push(&c->q, &w);
    goc_atomic_u32_add(&c->nwait, 1);
    goc_mutex_unlock(&c->qmu);
    goc_mutex_unlock(m);

    int r = GOC_OK;
    GOC__DBG_REC(dbg);
    GOC__DBG_BLOCK(dbg, "cond", "wait", c, NULL);
    uint32_t parked = goc__park(&w, deadline);
    GOC__DBG_UNBLOCK(dbg);
    if (parked == GOC__W_WAITING) {
        goc_mutex_lock(&c->qmu);
        if (goc_atomic_u32_load_explicit(&w.word, GOC_RELAXED) == GOC__W_WAITING) {
            goc__q_unlink(&c->q, &w);
            goc_atomic_u32_add(&c->nwait, (uint32_t)-1);
            r = GOC_TIMEOUT;
        }
        goc_mutex_unlock(&c->qmu);
        /* Signalled as the time ran out: we took the signal, so report it
         * (returning GOC_TIMEOUT would lose a wake-up someone counted on),
         * once the signaller has stored it: our node must outlive that. */
        if (r == GOC_OK) goc__await_verdict(&w);
    }
    goc_mutex_lock(m);
    return r;
}

GOC_NOIPA GOC_DEF void goc_cond_wait(goc_cond *c, goc_mutex *m) {
    goc__cond_wait(c, m, GOC__NO_DEADLINE);
}

GOC_NOIPA GOC_DEF int goc_cond_wait_timeout(goc_cond *c, goc_mutex *m, goc_duration d) {
    if (d <= 0) {          /* poll: nothing can have been signalled to us */
        goc_mutex_unlock(m);
        goc_mutex_lock(m);
        return GOC_TIMEOUT;
    }
    return goc__cond_wait(c, m, goc__deadline(d));
}

static void goc__cond_notify(goc_cond *c, bool all) {
    if (goc_atomic_u32_load(&c->nwait) == 0) return;   /* nobody: no lock */
    goc_mutex_lock(&c->qmu);
    struct goc__waiter *list = NULL, **tail = &list;
    while (c->q.head) {
        struct goc__waiter *w = goc__q_pop(&c->q);
        goc_atomic_u32_add(&c->nwait, (uint32_t)-1);
        goc__take(w);
        *tail = w;
        tail = &w->next;
        if (!all) break;
    }
    *tail = NULL;
    goc_mutex_unlock(&c->qmu);    /* the last touch of c: a woken waiter may free it */
    goc__grant_list(list, GOC__W_WOKEN);
}

GOC_NOIPA GOC_DEF void goc_cond_signal(goc_cond *c)    { goc__cond_notify(c, false); }
GOC_NOIPA GOC_DEF void goc_cond_broadcast(goc_cond *c) { goc__cond_notify(c, true); }

/* ==== Semaphore ========================================================== */
/*
 * golang.org/x/sync/semaphore's design: a mutex, the units held, and a FIFO
 * of waiters. release() grants waiters from the head for as long as the head
 * fits, and stops at the first that does not: that is what keeps a large
 * request from being starved by a stream of small ones.
 */
GOC_DEF void goc_sem_init(goc_sem *s, int64_t capacity) {
    /* Field by field, not memset: the model checker (make verify) needs
     * each store as wide as the field it is read as. */
    goc_atomic_u32_store_explicit(&s->mu.state, 0, GOC_RELAXED);
    s->mu.q.head = s->mu.q.tail = NULL;
    s->q.head = s->q.tail = NULL;
    s->cur = 0;
    s->size = capacity < 0 ? 0 : capacity;
}

/* Under mu: grant from the head for as long as the head fits; returns the
 * taken grantees, for goc__grant_list once mu is dropped. */
static struct goc__waiter *goc__sem_grant(goc_sem *s) {
    struct goc__waiter *list = NULL, **tail = &list;
    while (s->q.head && s->q.head->n <= s->size - s->cur) {
        struct goc__waiter *w = goc__q_pop(&s->q);
        s->cur += w->n;
        goc__take(w);
        *tail = w;
        tail = &w->next;
    }
    *tail = NULL;
    return list;
}

/* A waiter still queued (not TAKEN) can be cancelled: WAITING becomes
 * CANCELED, and it wakes to take itself out under the lock, as when its
 * deadline passes. A releaser that took it first wins (the CAS fails, or
 * goc__take's store overwrites CANCELED under the lock, and the grant
 * follows): a grant that raced a cancel is kept. Relaxed: CANCELED
 * carries nothing; the waiter reads the verdict again under the lock.
 * The word's owner keeps it alive until goc__wait_arm's disarm returns,
 * and the wake is by address. */
GOC_DEF void goc__wait_cancel(goc_atomic_u32 *word) {
    uint32_t v = GOC__W_WAITING;
    if (goc_atomic_u32_cas_explicit(word, &v, GOC__W_CANCELED, GOC_RELAXED, GOC_RELAXED))
        goc_wake_all(word);
}

static int goc__sem_acquire(goc_sem *s, int64_t n, int64_t deadline, bool poll, const goc__wait_arm *a) {
    if (n < 0 || n > s->size) return GOC_EINVAL;
    goc_mutex_lock(&s->mu);
    if (s->size - s->cur >= n && !s->q.head) {
        s->cur += n;
        goc_mutex_unlock(&s->mu);
        return GOC_OK;
    }
    if (poll) {
        goc_mutex_unlock(&s->mu);
        return GOC_TIMEOUT;
    }
    struct goc__waiter w;
    w.n = n;
    goc_atomic_u32_store_explicit(&w.word, GOC__W_WAITING, GOC_RELAXED);
    if (a) a->arm(a->arg, &w.word);   /* an ended context cancels at once: then we never queue */
    if (a && goc_atomic_u32_load_explicit(&w.word, GOC_RELAXED) == GOC__W_CANCELED) {
        goc_mutex_unlock(&s->mu);
        a->disarm(a->arg);
        return GOC_CANCELED;
    }
    goc__q_push(&s->q, &w);
    goc_mutex_unlock(&s->mu);

    GOC__DBG_REC(dbg);
    GOC__DBG_BLOCK(dbg, "semaphore", "acquire", s, NULL);
    uint32_t parked = goc__park(&w, deadline);
    GOC__DBG_UNBLOCK(dbg);
    if (parked != GOC__W_WAITING) {
        if (a) a->disarm(a->arg);
        return GOC_OK;
    }
    goc_mutex_lock(&s->mu);
    uint32_t v = goc_atomic_u32_load_explicit(&w.word, GOC_RELAXED);
    bool gave_up = v == GOC__W_WAITING || v == GOC__W_CANCELED;   /* still queued */
    struct goc__waiter *granted = NULL;
    if (gave_up) {
        goc__q_unlink(&s->q, &w);
        granted = goc__sem_grant(s);   /* we may have been the big one holding the rest up */
    }
    goc_mutex_unlock(&s->mu);
    if (!gave_up) goc__await_verdict(&w);   /* granted as time ran out: keep it */
    if (a) a->disarm(a->arg);               /* before w goes: a cancel may still be at the word */
    if (!gave_up) return GOC_OK;
    goc__grant_list(granted, GOC__W_GRANTED);
    return v == GOC__W_CANCELED ? GOC_CANCELED : GOC_TIMEOUT;
}

GOC_DEF int goc__sem_acquire_armed(goc_sem *s, int64_t n, const goc__wait_arm *a) {
    return goc__sem_acquire(s, n, GOC__NO_DEADLINE, false, a);
}

GOC_NOIPA GOC_DEF int goc_sem_acquire(goc_sem *s, int64_t n) {
    return goc__sem_acquire(s, n, GOC__NO_DEADLINE, false, NULL);
}

GOC_NOIPA GOC_DEF bool goc_sem_try_acquire(goc_sem *s, int64_t n) {
    return goc__sem_acquire(s, n, 0, true, NULL) == GOC_OK;
}

GOC_NOIPA GOC_DEF int goc_sem_acquire_timeout(goc_sem *s, int64_t n, goc_duration d) {
    return goc__sem_acquire(s, n, d > 0 ? goc__deadline(d) : 0, d <= 0, NULL);
}

GOC_NOIPA GOC_DEF void goc_sem_release(goc_sem *s, int64_t n) {
    goc_mutex_lock(&s->mu);
    if (n < 0 || n > s->cur) {
        goc_mutex_unlock(&s->mu);
        GOC_PANIC("semaphore: released more than held");
        return;
    }
    s->cur -= n;
    struct goc__waiter *granted = goc__sem_grant(s);
    goc_mutex_unlock(&s->mu);   /* the last touch of s: a grantee may free it */
    goc__grant_list(granted, GOC__W_GRANTED);
}

/* ==== Striped map ======================================================== */
#if GOC__SMAP
/*
 * A power-of-two array of stripes, each on its own cache line(s): an
 * RWMutex over two stb_ds hash maps (u64 keys; string keys in strdup mode,
 * so keys are copied in and freed on delete). The stripe is picked from a
 * mix of the key's bits, independent of stb_ds's own hash.
 *
 * stb_ds traps, avoided here: its plain look-ups (hmgeti, shgeti, hmget)
 * write a scratch field inside the table, so two readers under one read
 * lock would race; and even its _ts look-up allocates when the table is
 * still NULL. Readers therefore call stbds_hmget_key_ts on a local copy of
 * the table pointer, after checking it is not NULL. Writers call the
 * stbds_*_key functions directly, which also keeps stb_ds's use of `typeof`
 * (not a keyword under -std=c11) out of goc. And a new table's hash index
 * takes its seed from a global that stb_ds updates without a lock, so all
 * tables are made up front in goc_smap_new, under one lock. (A program that
 * also makes stb_ds hash maps on other threads shares that global with us.)
 */
typedef struct goc__smap_u64 { uint64_t key; void *value; } goc__smap_u64;
typedef struct goc__smap_str { char *key; void *value; } goc__smap_str;

typedef struct goc__smap_stripe {
    goc_rwmutex    mu;
    goc__smap_u64 *hm;   /* guarded by mu */
    goc__smap_str *sh;   /* guarded by mu; created in strdup mode */
} goc__smap_stripe;

#define GOC__SMAP_STRIPE_BYTES \
    ((sizeof(goc__smap_stripe) + GOC_CACHELINE - 1) / GOC_CACHELINE * GOC_CACHELINE)

struct goc_smap {
    size_t mask;          /* stripes - 1 */
    void  *raw;           /* the allocation, before alignment */
    char  *stripes;       /* cache-line aligned, GOC__SMAP_STRIPE_BYTES each */
};

static goc__smap_stripe *goc__smap_stripe_u64(goc_smap *m, uint64_t k) {
    k ^= k >> 33; k *= 0xff51afd7ed558ccdull;    /* MurmurHash3's finaliser */
    k ^= k >> 33; k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return (goc__smap_stripe *)(m->stripes + (k & m->mask) * GOC__SMAP_STRIPE_BYTES);
}

static goc__smap_stripe *goc__smap_stripe_str(goc_smap *m, const char *s) {
    uint64_t h = 0xcbf29ce484222325ull;          /* FNV-1a */
    while (*s) { h ^= (unsigned char)*s++; h *= 0x100000001b3ull; }
    return goc__smap_stripe_u64(m, h);
}

static goc_mutex goc__smap_seed_mu;   /* see goc_smap_new */

GOC_DEF goc_smap *goc_smap_new(size_t stripes) {
    size_t n = 1;
    if (stripes == 0) stripes = 64;
    if (stripes > ((size_t)1 << 20)) stripes = (size_t)1 << 20;
    while (n < stripes) n <<= 1;
    goc_smap *m = (goc_smap *)GOC_CALLOC(1, sizeof *m);
    if (!m) return NULL;
    m->raw = GOC_CALLOC(n * GOC__SMAP_STRIPE_BYTES + GOC_CACHELINE, 1);
    if (!m->raw) { GOC_FREE(m); return NULL; }
    uintptr_t p = ((uintptr_t)m->raw + GOC_CACHELINE - 1) & ~(uintptr_t)(GOC_CACHELINE - 1);
    m->stripes = (char *)p;
    m->mask = n - 1;
    /* Every table gets its hash index now, on this thread and under a
     * process-wide lock: stb_ds seeds each new index from one global
     * (stbds_hash_seed) that it updates unguarded, so two first inserts in
     * two stripes at once would race on it. Later growth reuses the seed. */
    goc_mutex_lock(&goc__smap_seed_mu);
    for (size_t i = 0; i < n; i++) {
        goc__smap_stripe *st = (goc__smap_stripe *)(m->stripes + i * GOC__SMAP_STRIPE_BYTES);
        st->hm = (goc__smap_u64 *)stbds_shmode_func(sizeof *st->hm, STBDS_SH_NONE);
        st->sh = (goc__smap_str *)stbds_shmode_func(sizeof *st->sh, STBDS_SH_STRDUP);
    }
    goc_mutex_unlock(&goc__smap_seed_mu);
    return m;
}

GOC_DEF void goc_smap_free(goc_smap *m) {
    if (!m) return;
    for (size_t i = 0; i <= m->mask; i++) {
        goc__smap_stripe *st = (goc__smap_stripe *)(m->stripes + i * GOC__SMAP_STRIPE_BYTES);
#ifdef GOC_DEBUG
        /* Held: any bit but BIAS (which an unlocked lock keeps), or a
         * biased reader's slot. */
        if ((goc_atomic_u32_load_explicit(&st->mu.state, GOC_ACQUIRE) & ~GOC__RW_BIAS) || goc__rw_in_a_slot(&st->mu))
            GOC_PANIC("sync: goc_smap_free of a map whose stripe lock another thread holds (it is still inside a call on the map)");
#endif
        stbds_hmfree(st->hm);
        stbds_shfree(st->sh);
    }
    GOC_FREE(m->raw);
    GOC_FREE(m);
}

/* Look up under (at least) a read lock: never writes to the table. */
static goc__smap_u64 *goc__smap_find(goc__smap_stripe *st, uint64_t key) {
    goc__smap_u64 *t = st->hm;     /* local copy: the _ts call returns it */
    ptrdiff_t i;
    if (!t) return NULL;
    t = (goc__smap_u64 *)stbds_hmget_key_ts(t, sizeof *t, &key, sizeof key, &i, STBDS_HM_BINARY);
    return i >= 0 ? &t[i] : NULL;
}

static goc__smap_str *goc__smap_sfind(goc__smap_stripe *st, const char *key) {
    goc__smap_str *t = st->sh;
    ptrdiff_t i;
    t = (goc__smap_str *)stbds_hmget_key_ts(t, sizeof *t, (void *)key, sizeof t->key, &i,
                                            STBDS_HM_STRING);
    return i >= 0 ? &t[i] : NULL;
}

static void goc__smap_insert(goc__smap_stripe *st, uint64_t key, void *val) {
    st->hm = (goc__smap_u64 *)stbds_hmput_key(st->hm, sizeof *st->hm, &key, sizeof key,
                                              STBDS_HM_BINARY);
    ptrdiff_t i = stbds_temp(st->hm - 1);
    st->hm[i].key = key;
    st->hm[i].value = val;
}

GOC_NOIPA GOC_DEF int goc_smap_put(goc_smap *m, uint64_t key, void *val) {
    if (!m) return GOC_EINVAL;
    goc__smap_stripe *st = goc__smap_stripe_u64(m, key);
    goc_rwmutex_lock(&st->mu);
    goc__smap_insert(st, key, val);
    goc_rwmutex_unlock(&st->mu);
    return GOC_OK;
}

GOC_NOIPA GOC_DEF bool goc_smap_get(goc_smap *m, uint64_t key, void **val) {
    if (!m) return false;
    goc__smap_stripe *st = goc__smap_stripe_u64(m, key);
    goc_rwmutex_rlock(&st->mu);
    goc__smap_u64 *e = goc__smap_find(st, key);
    if (e && val) *val = e->value;
    goc_rwmutex_runlock(&st->mu);
    return e != NULL;
}

GOC_NOIPA GOC_DEF bool goc_smap_del(goc_smap *m, uint64_t key) {
    if (!m) return false;
    goc__smap_stripe *st = goc__smap_stripe_u64(m, key);
    bool found = false;
    goc_rwmutex_lock(&st->mu);
    if (st->hm) {
        st->hm = (goc__smap_u64 *)stbds_hmdel_key(st->hm, sizeof *st->hm, &key, sizeof key,
                                                  offsetof(goc__smap_u64, key), STBDS_HM_BINARY);
        found = stbds_temp(st->hm - 1) != 0;
    }
    goc_rwmutex_unlock(&st->mu);
    return found;
}

GOC_NOIPA GOC_DEF bool goc_smap_load_or_store(goc_smap *m, uint64_t key, void *val, void **actual) {
    if (!m) return false;
    goc__smap_stripe *st = goc__smap_stripe_u64(m, key);
    goc_rwmutex_rlock(&st->mu);           /* the common case: already there */
    goc__smap_u64 *e = goc__smap_find(st, key);
    if (e) {
        if (actual) *actual = e->value;
        goc_rwmutex_runlock(&st->mu);
        return true;
    }
    goc_rwmutex_runlock(&st->mu);
    goc_rwmutex_lock(&st->mu);
    e = goc__smap_find(st, key);          /* look again: someone may have won */
    bool loaded = e != NULL;
    if (loaded) val = e->value;
    else goc__smap_insert(st, key, val);
    if (actual) *actual = val;
    goc_rwmutex_unlock(&st->mu);
    return loaded;
}

GOC_NOIPA GOC_DEF int goc_smap_sput(goc_smap *m, const char *key, void *val) {
    if (!m || !key) return GOC_EINVAL;
    goc__smap_stripe *st = goc__smap_stripe_str(m, key);
    goc_rwmutex_lock(&st->mu);
    st->sh = (goc__smap_str *)stbds_hmput_key(st->sh, sizeof *st->sh, (void *)key,
                                              sizeof st->sh->key, STBDS_HM_STRING);
    st->sh[stbds_temp(st->sh - 1)].value = val;
    goc_rwmutex_unlock(&st->mu);
    return GOC_OK;
}

GOC_NOIPA GOC_DEF bool goc_smap_sget(goc_smap *m, const char *key, void **val) {
    if (!m || !key) return false;
    goc__smap_stripe *st = goc__smap_stripe_str(m, key);
    goc_rwmutex_rlock(&st->mu);
    goc__smap_str *e = goc__smap_sfind(st, key);
    if (e && val) *val = e->value;
    goc_rwmutex_runlock(&st->mu);
    return e != NULL;
}

GOC_NOIPA GOC_DEF bool goc_smap_sdel(goc_smap *m, const char *key) {
    if (!m || !key) return false;
    goc__smap_stripe *st = goc__smap_stripe_str(m, key);
    goc_rwmutex_lock(&st->mu);
    st->sh = (goc__smap_str *)stbds_hmdel_key(st->sh, sizeof *st->sh, (void *)key,
                                              sizeof st->sh->key,
                                              offsetof(goc__smap_str, key), STBDS_HM_STRING);
    bool found = stbds_temp(st->sh - 1) != 0;
    goc_rwmutex_unlock(&st->mu);
    return found;
}

GOC_NOIPA GOC_DEF size_t goc_smap_len(goc_smap *m) {
    size_t n = 0;
    if (!m) return 0;
    for (size_t i = 0; i <= m->mask; i++) {
        goc__smap_stripe *st = (goc__smap_stripe *)(m->stripes + i * GOC__SMAP_STRIPE_BYTES);
        goc_rwmutex_rlock(&st->mu);
        n += stbds_hmlenu(st->hm) + stbds_hmlenu(st->sh);
        goc_rwmutex_runlock(&st->mu);
    }
    return n;
}

GOC_NOIPA GOC_DEF void goc_smap_range(goc_smap *m, bool (*fn)(const goc_smap_entry *e, void *arg),
                                      void *arg) {
    if (!m || !fn) return;
    for (size_t i = 0; i <= m->mask; i++) {
        goc__smap_stripe *st = (goc__smap_stripe *)(m->stripes + i * GOC__SMAP_STRIPE_BYTES);
        bool go_on = true;
        goc_rwmutex_rlock(&st->mu);
        size_t n = stbds_hmlenu(st->hm);
        for (size_t j = 0; go_on && j < n; j++) {
            goc_smap_entry e = { st->hm[j].key, NULL, st->hm[j].value };
            go_on = fn(&e, arg);
        }
        n = stbds_hmlenu(st->sh);
        for (size_t j = 0; go_on && j < n; j++) {
            goc_smap_entry e = { 0, st->sh[j].key, st->sh[j].value };
            go_on = fn(&e, arg);
        }
        goc_rwmutex_runlock(&st->mu);
        if (!go_on) return;
    }
}

#endif /* GOC__SMAP */

#endif /* GOC_SYNC_IMPLEMENTATION */

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
