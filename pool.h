/* goc pool.h - v0.1.0 - Go's go statement on cached threads, worker pools,
 *                     leaky free lists and sync.Pool for C11
 * SPDX-License-Identifier: MIT
 *
 * DO THIS ONCE
 *   In exactly one C file (goc's implementations are C11):
 *       #define GOC_IMPLEMENTATION           (or GOC_ATOMIC_, GOC_SYNC_,
 *       #include "pool.h"                     GOC_CHAN_ and GOC_POOL_IMPLEMENTATION)
 *   Everywhere else include it plainly. Needs chan.h, sync.h and atomic.h
 *   beside it. Link with -pthread.
 *
 * EXAMPLE
 *       static void work(void *arg) { ... }
 *       goc_waitgroup wg = {0};
 *       for (int i = 0; i < 100; i++) goc_wg_go(&wg, work, &items[i]);   // go work(&items[i])
 *       goc_wg_wait(&wg);
 *
 *       goc_workers *w = goc_workers_new(4, 64);   // 4 threads, 64 queued jobs at most
 *       goc_workers_submit(w, work, &items[0]);     // blocks while the queue is full
 *       goc_workers_wait(w);                        // every submitted job has finished
 *       goc_workers_free(w);                        // closes: runs what is queued, joins
 *
 *       goc_freelist *fl = goc_freelist_new(4096, 32);   // Effective Go's leaky buffer
 *       char *buf = goc_freelist_get(fl);  ...  goc_freelist_put(fl, buf);
 *
 * OPTIONS (see atomic.h for GOC_STATIC, GOC_SPIN, GOC_MALLOC/GOC_FREE)
 *   GOC_GO_IDLE        how long a goc_go thread with nothing to do waits for
 *                      new work before it exits (a goc_duration; default 3 s;
 *                      goc_go_set_idle changes it at run time)
 *   GOC_GO_STACK_SIZE  stack size of goc_go and goc_workers threads in bytes
 *                      (default: the system's, usually 8 MiB of address
 *                      space, touched only as used)
 *   GOC_POOL_LOCAL     objects a thread keeps in its own goc_pool cache (16)
 *
 * API
 *   int goc_go(void (*fn)(void *), void *arg);
 *       fn(arg) runs on a thread of its own, like Go's go statement. A
 *       thread whose task returned waits a while (GOC_GO_IDLE) for the next
 *       one, so a spawn is usually a hand-off to a waiting thread, not a
 *       pthread_create. Never capped: tasks that wait for each other all
 *       run. GOC_EINVAL: fn NULL; GOC_ENOMEM: no thread could be started.
 *   int goc_wg_go(goc_waitgroup *wg, void (*fn)(void *), void *arg);
 *       goc_wg_add(wg, 1), goc_go, and goc_wg_done(wg) when fn returns
 *       (Go 1.25's WaitGroup.Go). On failure the add is undone.
 *   void goc_go_set_idle(goc_duration d);      keep-alive of idle threads
 *       GOC_FOREVER (or any huge d): idle threads never exit; d <= 0: they
 *       exit as soon as they find nothing to do. Threads already waiting
 *       take the new value at once.
 *   void goc_go_stats(goc_go_counts *out);     spawns, threads created, live, idle
 *
 *   goc_workers *goc_workers_new(size_t nthreads, size_t queue_cap);
 *       nthreads fixed threads reading a queue of at most queue_cap jobs
 *       (0 is unbuffered: submit waits for a free worker). NULL, errno
 *       EINVAL (nthreads 0) or ENOMEM.
 *   int  goc_workers_submit(goc_workers *w, void (*fn)(void *), void *arg);
 *       blocks while the queue is full (backpressure). GOC_OK | GOC_CLOSED |
 *       GOC_EINVAL. From inside one of w's own jobs it never blocks: when
 *       the queue is full it runs the job at once, on the calling thread
 *       (otherwise n jobs submitting into a full queue would deadlock).
 *   int  goc_workers_try_submit(...);                  ... | GOC_WOULDBLOCK
 *   int  goc_workers_submit_timeout(..., goc_duration d);  ... | GOC_TIMEOUT
 *   void goc_workers_wait(goc_workers *w);   until every job submitted so far has finished
 *   int  goc_workers_wait_timeout(goc_workers *w, goc_duration d);  GOC_OK | GOC_TIMEOUT
 *   void goc_workers_close(goc_workers *w);  refuse new jobs, run the queued ones, join
 *   void goc_workers_free(goc_workers *w);   closes first if needed, then frees
 *   void goc_workers_stats(goc_workers *w, goc_workers_counts *out);
 *       queued (jobs in the queue now), running (jobs running now), done
 *       From inside one of w's jobs, wait would wait for itself and close
 *       and free would join their own thread: instead they set errno
 *       EDEADLK and return (close still refuses new jobs; free does nothing).
 *
 *   goc_freelist *goc_freelist_new(size_t item_size, size_t max_free);
 *   void *goc_freelist_get(goc_freelist *f);    recycled, or fresh from GOC_MALLOC (NULL: no memory)
 *   void  goc_freelist_put(goc_freelist *f, void *item);  kept if there is room, else freed
 *   void  goc_freelist_stats(goc_freelist *f, goc_freelist_counts *out);
 *       gets, hits (gets served by reuse), puts, drops (puts that freed)
 *   void  goc_freelist_free(goc_freelist *f);   frees the items it keeps
 *       Room: at most max_free items wait in total (max_free 0: none).
 *       Each thread keeps its last few puts (up to min(GOC_FREELIST_LOCAL
 *       (4), max_free)) for its own next gets, the rest go to a shared
 *       ring; a put beyond max_free kept is freed. get and put take no
 *       lock (a thread's first call registers its cache under one); NULL
 *       puts are ignored. NULL and errno EINVAL: item_size 0 or beyond
 *       PTRDIFF_MAX, max_free too large for memory; ENOMEM. The counts are
 *       exact once the list is quiet; on 32-bit targets they wrap at 2^32.
 *       goc_freelist_free: no thread may still use f.
 *
 *   goc_pool *goc_pool_new(void *(*new_fn)(void *arg), void (*free_fn)(void *obj, void *arg),
 *                          void *arg, size_t max_idle);
 *   void *goc_pool_get(goc_pool *p);    the calling thread's cache, the shared store, else new_fn(arg)
 *   void  goc_pool_put(goc_pool *p, void *obj);    beyond the bound: free_fn(obj, arg)
 *   void  goc_pool_free(goc_pool *p);   free_fn on every cached object (no thread may still use p;
 *                                        with GOC_DEBUG, a free while another thread holds the store's
 *                                        lock calls GOC_PANIC)
 *   void  goc_pool_stats(goc_pool *p, goc_pool_counts *out);
 *       gets, hits (gets served by a kept object), news (new_fn calls),
 *       frees (puts beyond the bound); exact once the pool is quiet
 *       At most max_idle objects are kept in total (max_idle 0: none).
 *       Each thread caches up to min(GOC_POOL_LOCAL, max_idle) of them
 *       without any lock, the shared store the rest. A thread's cache goes
 *       back to the store when the thread exits. new_fn NULL: get answers
 *       NULL when nothing is cached. free_fn NULL: objects beyond the
 *       bound are simply dropped (not freed). NULL, errno ENOMEM.
 *
 *   Free lists and pools share one pthread key for all their per-thread
 *   caches (so any number of them can be alive at once). If the process
 *   has no key left when the first is made, they work without caches.
 *
 * FORK
 *   After fork(), the child may use goc_go, free lists and pools made
 *   before the fork: goc_go starts its threads (and its monitor) afresh
 *   in the child; tasks still queued at the fork run in the parent only.
 *   A free list's or pool's cache of the forking thread is still that
 *   thread's in the child; the objects in the caches of the other threads
 *   (which do not exist in the child) are left there, no longer counted
 *   against max_free / max_idle, and neither reused nor freed. Worker
 *   pools (their threads are gone), objects other threads held or were
 *   in the middle of putting or getting at the fork, and locks they held
 *   are the program's (POSIX: only the forking thread exists in the
 *   child). A ring slot that another thread was putting into or getting
 *   from at the very moment of the fork stays busy in the child, and that
 *   ring then keeps no more items (its puts free them).
 *
 * THREAD NAMES
 *   goc's threads are named for gdb, top -H and perf: goc-go (goc_go's
 *   cached threads), goc-go-monitor, goc-worker (goc_workers), and
 *   timer.h's goc-timer (Linux and macOS; elsewhere they keep the
 *   default). The name is set once as a thread starts; a task may rename
 *   its thread, and the name then stays for that thread's later tasks.
 *
 * THREAD SAFETY
 *   Everything may be called from any thread, except each *_free (after
 *   every other use of that object).
 *
 * DOES NOT
 *   preempt or cancel a running task (use a context), or bound the threads
 *   goc_go creates: 10,000 tasks blocked at once are 10,000 threads.
 */
#include "chan.h"

#ifndef GOC_POOL_H
#define GOC_POOL_H

#ifdef __cplusplus
extern "C" {
#endif

GOC_DEF int  goc_go(void (*fn)(void *), void *arg);
GOC_DEF int  goc_wg_go(goc_waitgroup *wg, void (*fn)(void *), void *arg);
GOC_DEF void goc_go_set_idle(goc_duration d);
typedef struct goc_go_counts {
    uint64_t spawns;     /* goc_go calls that succeeded */
    uint64_t created;    /* threads started (the rest were hand-offs) */
    size_t   live;       /* goc_go threads alive now */
    size_t   idle;       /* of them, waiting for work */
} goc_go_counts;
GOC_DEF void goc_go_stats(goc_go_counts *out);

typedef struct goc_workers goc_workers;
GOC_DEF goc_workers *goc_workers_new(size_t nthreads, size_t queue_cap);
GOC_DEF int  goc_workers_submit(goc_workers *w, void (*fn)(void *), void *arg);
GOC_DEF int  goc_workers_try_submit(goc_workers *w, void (*fn)(void *), void *arg);
GOC_DEF int  goc_workers_submit_timeout(goc_workers *w, void (*fn)(void *), void *arg,
                                        goc_duration d);
GOC_DEF void goc_workers_wait(goc_workers *w);
GOC_DEF int  goc_workers_wait_timeout(goc_workers *w, goc_duration d);
GOC_DEF void goc_workers_close(goc_workers *w);
GOC_DEF void goc_workers_free(goc_workers *w);
typedef struct goc_workers_counts { uint64_t queued, running, done; } goc_workers_counts;
GOC_DEF void goc_workers_stats(goc_workers *w, goc_workers_counts *out);
/* Internal, for context.h's goc_ctx_submit: submit unless a receive on
 * `done` completes first (then GOC_CANCELED). */
GOC_DEF int  goc__workers_submit_done(goc_workers *w, void (*fn)(void *), void *arg, goc_chan *done);

/* Items a thread keeps for itself in a free list / objects in a pool's
 * per-thread cache (0: none; define before including, where the
 * implementation is compiled). */
#ifndef GOC_POOL_LOCAL
#define GOC_POOL_LOCAL 16
#endif
#ifndef GOC_FREELIST_LOCAL
#define GOC_FREELIST_LOCAL 4
#endif
typedef struct goc_freelist goc_freelist;
typedef struct goc_freelist_counts { uint64_t gets, hits, puts, drops; } goc_freelist_counts;
GOC_DEF goc_freelist *goc_freelist_new(size_t item_size, size_t max_free);
GOC_DEF void *goc_freelist_get(goc_freelist *f);
GOC_DEF void  goc_freelist_put(goc_freelist *f, void *item);
GOC_DEF void  goc_freelist_stats(goc_freelist *f, goc_freelist_counts *out);
GOC_DEF void  goc_freelist_free(goc_freelist *f);

typedef struct goc_pool goc_pool;
GOC_DEF goc_pool *goc_pool_new(void *(*new_fn)(void *arg), void (*free_fn)(void *obj, void *arg),
                               void *arg, size_t max_idle);
GOC_DEF void *goc_pool_get(goc_pool *p);
GOC_DEF void  goc_pool_put(goc_pool *p, void *obj);
GOC_DEF void  goc_pool_free(goc_pool *p);
typedef struct goc_pool_counts { uint64_t gets, hits, news, frees; } goc_pool_counts;
GOC_DEF void  goc_pool_stats(goc_pool *p, goc_pool_counts *out);

/* Internal: names the calling thread (goc-go, goc-timer, ...) for gdb,
 * top -H and perf; used by timer.h too. */
GOC_DEF void goc__thread_name(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* GOC_POOL_H */

/* ======================================================================== */
/*                             IMPLEMENTATION                               */
/* ======================================================================== */

#if (defined(GOC_POOL_IMPLEMENTATION) || defined(GOC_IMPLEMENTATION)) && \
    !defined(GOC_POOL_IMPL_INCLUDED)
#define GOC_POOL_IMPL_INCLUDED

#ifdef __cplusplus
#error "goc: compile the implementation as C11 (the declarations are fine in C++)"
#endif

/*
 * Design
 *
 * goc_go. Threads whose task returned wait for the next one on an idle
 * list (doubly linked, most recently idle first, under one goc_mutex). A
 * spawn pops the first idle thread and hands it the task through the
 * thread's own record: fn, arg and a state word
 *     IDLE    on the list, spinning for work
 *     PARKED  on the list, asleep on the word (goc_wait_u32)
 *     WORK    popped: fn/arg are set; run them
 * The spawner writes fn/arg, then swaps the word to WORK (release, so the
 * thread's acquire load of WORK sees fn/arg) and wakes it only if the old
 * state was PARKED: a thread that is still spinning costs no system call.
 * Popping the most recently idle thread keeps hot threads busy and lets
 * the others reach their keep-alive and exit: a thread that timed out
 * takes the lock, and if it is still on the list, unlinks itself and
 * exits; if a spawner popped it in the meantime, it waits for the WORK
 * that follows. The spawner hands over (swap and wake) while it holds the
 * lock, so a thread that later takes the lock to exit knows no spawner
 * still touches its record: the record can be freed.
 *
 * With nobody idle, a new thread helps only while some core has no task
 * thread: below that (live - idle < cores) the spawn starts a thread;
 * above it, the task goes into a FIFO run queue (a ring under the same
 * lock) that threads empty before they go idle, as Go's scheduler queues
 * goroutines for its Ps. Invariant: the queue is non-empty only while no
 * thread is idle (a spawn hands to an idle thread first; a thread checks
 * the queue before it goes idle, both under the lock).
 * A queue could starve if every running task blocked, say waiting for a
 * queued one: Go has sysmon for that, and goc a monitor thread (started
 * by the first queued task, asleep while the queue is empty). Every
 * GOC__GO_TICK it checks whether a queued task was taken since its last
 * look; if none was, it starts threads for queued tasks, one more per
 * stalled tick. So there is no cap on tasks running at once, and a burst
 * of short tasks costs a queue push each, not a pthread_create.
 *
 * Worker pool: a goc channel of {fn, arg} jobs (its capacity is the
 * queue bound, so submit is a channel send with all its forms) read by n
 * threads, and a WaitGroup counting submitted-but-unfinished jobs (add
 * before the send, done after the job ran or when the send failed). Close
 * closes the channel: the workers drain it, see GOC_CLOSED and return,
 * and close joins them. A thread-local pointer tells a worker's own calls
 * apart from outside ones.
 *
 * Free list: a small per-thread cache (GOC_FREELIST_LOCAL items, found
 * through goc's one pthread key, as the object pool's) in front of
 * Vyukov's bounded MPMC ring of item pointers (the same scheme as chan.h's
 * buffered channel, without closing or waiting). A thread that puts and
 * gets again gets back the item it put last: no shared line moves, and
 * the item's own memory is still in its cache. With only the ring, two
 * threads getting and putting moved the ring's position, the slot and the
 * 4 KiB buffer between the cores on every operation (246 ns a get+put
 * against malloc's 13). A thread that only puts (a server in the leaky-
 * buffer pattern) fills its cache first, then feeds the ring. The ring's
 * two positions count its puts (tail) and gets (head); the caches count
 * their own hits and puts, written only by their owner; misses and drops
 * have counters, on paths that call malloc/free anyway. An exiting
 * thread's cache goes back to the ring.
 * The ring has max_free slots rounded up to a power of two, and a slot is
 * pos & (slots - 1): the positions are uintptr_t and wrap (after 2^32
 * operations on 32-bit targets), and since the slot count divides 2^N the
 * slot sequence carries on across the wrap unchanged (with pos % cap and
 * a cap that does not divide 2^N, positions 2^N - 1 and 0 could name the
 * same slot, and a put overwrote an item). The stamps are compared as
 * differences (intptr_t), which wrap along. The spare slots never fill:
 * the idle counter (below) bounds the items at max_free.
 *
 * The idle bound (free list and pool): max_free / max_idle count the
 * objects kept in total, caches included. One atomic counter per list or
 * pool: a put reserves one (a CAS loop that fails at the bound: drop the
 * object), a get that takes a kept object releases one. It is relaxed
 * (it only counts, it orders nothing): the objects are handed over by
 * the thread's own cache, the ring's stamps or the store's lock. The
 * cost is one RMW on a shared line per get and per put; a thread that
 * alone uses a list keeps that line in its own cache.
 *
 * Object pool: goc's one pthread key finds the calling thread's cache (a
 * small array no other thread touches while that thread lives). Overflow
 * and underflow move half a cache to or from the shared store (an array
 * under a goc_mutex), so the lock is taken once per GOC_POOL_LOCAL/2
 * operations at most. Every cache is also on the pool's list (under the
 * registry's lock, see "per-thread caches" below) so that goc_pool_free
 * can reach the caches of threads that are still alive; the key's
 * destructor hands an exiting thread's cache back to the store.
 *
 * Per-thread caches: one pthread key for all of goc (there are only
 * ~1,024 keys in a process; a key per pool made the 1,025th fail). Its
 * value is the thread's table, indexed by the owner's small id, each
 * entry (owner serial, cache). The details are at goc__towner.
 *
 * Fork: pthread_atfork handlers (registered when the program is loaded,
 * GOC__FORK_AT_LOAD, or at the first goc_go, pool or free list without
 * constructors). prepare takes goc_go's lock, the registry's and every
 * pool's store lock; the parent lets go; the child resets goc_go to no
 * threads and no monitor, drops the caches of threads that do not exist
 * there, and re-initializes the locks (goc_mutex's zero value).
 *
 * Lock order: goc_go's lock, then the registry's, then a pool's store
 * lock (fork's prepare takes them in that order; a thread's exit holds
 * the registry's while it hands its caches back to the stores); the
 * workers' close lock is a leaf (channel calls happen outside them).
 * No user code (new_fn, free_fn) runs under any of them.
 */

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#ifndef GOC_GO_IDLE
#define GOC_GO_IDLE (3 * GOC_SECOND)
#endif

/* ---- thread names ------------------------------------------------------- */

/* goc's own threads say what they are in gdb's `info threads`, top -H,
 * perf and /proc/<pid>/task/<tid>/comm: goc-go (goc_go's cached threads),
 * goc-go-monitor, goc-worker, goc-timer. Set once as each thread starts,
 * so a task that renames its goc-go thread keeps its name for the tasks
 * that thread runs later. prctl rather than pthread_setname_np: glibc
 * declares the latter only under _GNU_SOURCE, and both are the same
 * system call. The name is cut to 15 bytes by the kernel. */
GOC_DEF void goc__thread_name(const char *name) {
#if defined(__linux__) && defined(PR_SET_NAME)
    (void)prctl(PR_SET_NAME, (unsigned long)name, 0UL, 0UL, 0UL);
#elif defined(__APPLE__)
    (void)pthread_setname_np(name);            /* names the calling thread only */
#else
    (void)name;   /* FreeBSD has pthread_set_name_np; POSIX has no such call */
#endif
}

/* ---- goc_go ------------------------------------------------------------- */

enum { GOC__GO_IDLE = 0, GOC__GO_PARKED = 1, GOC__GO_WORK = 2 };

typedef struct goc__gthread {
    struct goc__gthread *prev, *next;   /* idle list links (under the lock) */
    bool idle;                          /* on the idle list (under the lock) */
    void (*fn)(void *);
    void *arg;
    goc_waitgroup *wg;                  /* goc_wg_go: done() after fn */
    goc_atomic_u32 state;
} goc__gthread;

typedef struct goc__gtask { void (*fn)(void *); void *arg; goc_waitgroup *wg; } goc__gtask;

static struct {
    goc_mutex lock;
    goc__gthread *idle;                 /* most recently idle first */
    size_t nidle, live;                 /* under the lock */
    goc__gtask *q;                      /* run queue: a ring (under the lock) */
    size_t qhead, qlen, qcap;
    uint64_t qpops;                     /* tasks taken from the queue so far */
    size_t ncpu;                        /* 0 until the first spawn */
    bool mon_started, mon_parked;
    goc_atomic_u32 mon_word;            /* bumped to wake the monitor */
    goc_atomic_u64 spawns, created;
    goc_atomic_i64 keep;                /* keep-alive; 0 means GOC_GO_IDLE */
} goc__go;

#ifndef GOC__GO_TICK
#define GOC__GO_TICK (50 * GOC_MICROSECOND)   /* the monitor's look at the queue */
#endif

static void goc__pool_init_once(void);
static goc_atomic_u32 goc__pool_once;   /* goc__once_fork (not pthread_once: fork) */

GOC_DEF void goc_go_set_idle(goc_duration d) {
    /* seq_cst is more than needed: a waiting thread reads it (relaxed)
     * each time it wakes; a value a little late changes one keep-alive. */
    goc_atomic_i64_store(&goc__go.keep, d > 0 ? d : 1);
    /* Parked threads compute their deadline from it: wake them so that
     * they look again (a spurious return for them; records on the idle
     * list stay alive while the lock is held). The fork handlers first,
     * as before every first use of the lock. */
    goc__once_fork(&goc__pool_once, goc__pool_init_once);
    goc_mutex_lock(&goc__go.lock);
    for (goc__gthread *t = goc__go.idle; t; t = t->next) goc_wake_one(&t->state);
    goc_mutex_unlock(&goc__go.lock);
}

GOC_DEF void goc_go_stats(goc_go_counts *out) {
    if (!out) return;
    goc__once_fork(&goc__pool_once, goc__pool_init_once);
    goc_mutex_lock(&goc__go.lock);
    out->live = goc__go.live;
    out->idle = goc__go.nidle;
    goc_mutex_unlock(&goc__go.lock);
    out->spawns = goc_atomic_u64_load(&goc__go.spawns);
    out->created = goc_atomic_u64_load(&goc__go.created);
}

static void goc__go_unlink(goc__gthread *t) {    /* under the lock */
    if (t->prev) t->prev->next = t->next; else goc__go.idle = t->next;
    if (t->next) t->next->prev = t->prev;
    t->prev = t->next = NULL;
    t->idle = false;
    goc__go.nidle--;
}

/* Put a thread whose task returned on the idle list (under the lock). */
static void goc__go_enlist_locked(goc__gthread *t) {
    /* relaxed: nobody reads the state until a spawner pops t, under the lock */
    goc_atomic_u32_store_explicit(&t->state, GOC__GO_IDLE, GOC_RELAXED);
    t->prev = NULL;
    t->next = goc__go.idle;
    if (t->next) t->next->prev = t;
    goc__go.idle = t;
    t->idle = true;
    goc__go.nidle++;
}

/* Wait on the idle list for a task. false: the keep-alive ran out and the
 * thread is off the list, so nobody will hand it anything: exit. */
static bool goc__go_await(goc__gthread *t) {
    /* Spin first: in a spawn-and-wait loop the next task comes within a
     * microsecond, and a sleeping thread costs tens to wake. The spin
     * must outlast a wake-up of the spawner (~50 µs here): shorter, and
     * once one side sleeps, both sleep at every hand-off from then on,
     * each waking too late for the other. So it is timed: 5 x GOC_SPIN µs,
     * pausing first, then yielding (the core is given away, not burnt,
     * when other threads want it). */
    goc_backoff b = {0};
    int64_t spin_end = 0;
    const int64_t spin = (int64_t)goc__spin_budget() * 5 * GOC_MICROSECOND;
    for (;;) {   /* acquire: pairs with the spawner's release swap, so fn/arg are seen */
        if (goc_atomic_u32_load_explicit(&t->state, GOC_ACQUIRE) == GOC__GO_WORK) return true;
        if (b.step < GOC_BACKOFF_SPIN_LIMIT && goc_backoff_snooze(&b)) continue;
        if (spin == 0) break;
        int64_t now = goc_nanotime();
        if (!spin_end) spin_end = goc_add_sat(now, spin);
        if (now >= spin_end) break;
        sched_yield();
    }

    int64_t since = goc_nanotime();
    /* seq_cst CAS against the spawner's seq_cst swap: exactly one of them
     * sees the other's value, so either we see WORK or it sees PARKED. */
    if (!goc_atomic_u32_cas(&t->state, GOC__GO_IDLE, GOC__GO_PARKED)) return true;   /* WORK */
    bool popped = false;
    for (;;) {
        if (goc_atomic_u32_load_explicit(&t->state, GOC_ACQUIRE) == GOC__GO_WORK) return true;
        if (popped) {                           /* WORK follows at once */
            goc_wait_u32(&t->state, GOC__GO_PARKED, GOC_FOREVER);
            continue;
        }
        /* Read again at every wake: goc_go_set_idle wakes us to look.
         * Saturating: a keep-alive of GOC_FOREVER (or any huge one) is a
         * deadline that never comes, and goc_until answers GOC_FOREVER. */
        int64_t keep = goc_atomic_i64_load_explicit(&goc__go.keep, GOC_RELAXED);
        goc_duration left = goc_until(goc_add_sat(since, keep > 0 ? keep : GOC_GO_IDLE));
        if (left > 0) {
            goc_wait_u32(&t->state, GOC__GO_PARKED, left);
            continue;
        }
        goc_mutex_lock(&goc__go.lock);
        bool still = t->idle;
        if (still) { goc__go_unlink(t); goc__go.live--; }
        goc_mutex_unlock(&goc__go.lock);
        if (still) return false;
        popped = true;
    }
}

static goc__gtask goc__go_qpop(void) {              /* under the lock; qlen > 0 */
    goc__gtask task = goc__go.q[goc__go.qhead];
    goc__go.qhead = (goc__go.qhead + 1) % goc__go.qcap;
    goc__go.qlen--;
    goc__go.qpops++;
    return task;
}

static bool goc__go_qpush(goc__gtask task) {          /* under the lock */
    if (goc__go.qlen == goc__go.qcap) {
        size_t cap = goc__go.qcap ? goc__go.qcap * 2 : 256;
        goc__gtask *q = (goc__gtask *)GOC_MALLOC(cap * sizeof *q);
        if (!q) return false;
        for (size_t i = 0; i < goc__go.qlen; i++) q[i] = goc__go.q[(goc__go.qhead + i) % goc__go.qcap];
        GOC_FREE(goc__go.q);
        goc__go.q = q;
        goc__go.qhead = 0;
        goc__go.qcap = cap;
    }
    goc__go.q[(goc__go.qhead + goc__go.qlen++) % goc__go.qcap] = task;
    return true;
}

/* This thread is one of goc_go's: a fork from inside a task leaves it
 * running in the child, where it must still be counted (goc__fork_child). */
static _Thread_local bool goc__go_is_self;

static void *goc__go_main(void *p) {
    goc__gthread *t = (goc__gthread *)p;
    goc__gtask task = { t->fn, t->arg, t->wg };
    goc__go_is_self = true;
    goc__thread_name("goc-go");
    for (;;) {
        task.fn(task.arg);
        goc_mutex_lock(&goc__go.lock);
        if (goc__go.qlen) {                 /* queued work first */
            goc__gtask next = goc__go_qpop();
            goc_mutex_unlock(&goc__go.lock);
            if (task.wg) goc_wg_done(task.wg);
            task = next;
            continue;
        }
        /* Idle before done(): the waiter's next spawn then finds this
         * thread, awake and spinning, instead of one that sleeps. */
        goc__go_enlist_locked(t);
        goc_mutex_unlock(&goc__go.lock);
        if (task.wg) goc_wg_done(task.wg);
        if (!goc__go_await(t)) break;
        task.fn = t->fn;
        task.arg = t->arg;
        task.wg = t->wg;
    }
    GOC_FREE(t);
    return NULL;
}

/* Start a thread for task; the caller counted it in live. */
static bool goc__go_start(goc__gtask task) {
    goc__gthread *t = (goc__gthread *)GOC_CALLOC(1, sizeof *t);
    if (!t) return false;
    t->fn = task.fn;
    t->arg = task.arg;
    t->wg = task.wg;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
#ifdef GOC_GO_STACK_SIZE
    pthread_attr_setstacksize(&attr, GOC_GO_STACK_SIZE);
#endif
    pthread_t id;
    int rc = pthread_create(&id, &attr, goc__go_main, t);
    pthread_attr_destroy(&attr);
    if (rc != 0) { GOC_FREE(t); return false; }
    goc_atomic_u64_add(&goc__go.created, 1);
    return true;
}

/* The monitor: while tasks wait in the queue, it looks every tick whether
 * any was taken since the last look. None: every thread is stuck in a
 * task (blocked, perhaps waiting for a queued one), so it starts threads
 * for queued tasks, more at each stalled tick (1, 2, 3...), so that
 * 10,000 tasks that wait on each other are all running within a few
 * hundred ticks. With the queue empty it sleeps until a spawn queues. */
static void *goc__go_monitor(void *unused) {
    (void)unused;
    goc__thread_name("goc-go-monitor");
    uint64_t last = 0;
    size_t stalls = 0;
    goc__gtask batch[32];
    for (;;) {
        goc_mutex_lock(&goc__go.lock);
        if (!goc__go.qlen) {
            goc__go.mon_parked = true;
            uint32_t seen = goc_atomic_u32_load(&goc__go.mon_word);
            goc_mutex_unlock(&goc__go.lock);
            goc_wait_u32(&goc__go.mon_word, seen, GOC_FOREVER);
            stalls = 0;
            last = UINT64_MAX;
            continue;
        }
        size_t n = 0;
        if (goc__go.qpops == last) {
            if (stalls < 32) stalls++;
            while (n < stalls && goc__go.qlen) batch[n++] = goc__go_qpop();
            goc__go.live += n;
        } else {
            stalls = 0;
        }
        last = goc__go.qpops;
        goc_mutex_unlock(&goc__go.lock);
        for (size_t i = 0; i < n; i++) {
            if (goc__go_start(batch[i])) continue;
            goc_mutex_lock(&goc__go.lock);      /* no thread: back in the queue */
            goc__go.live--;
            goc__go_qpush(batch[i]);            /* room: it was just taken out */
            goc_mutex_unlock(&goc__go.lock);
        }
        goc_atomic_u32 tick = {0};
        goc_wait_u32(&tick, 0, GOC__GO_TICK);
    }
    return NULL;
}

static int goc__go_spawn(void (*fn)(void *), void *arg, goc_waitgroup *wg) {
    if (!fn) return GOC_EINVAL;
    goc__once_fork(&goc__pool_once, goc__pool_init_once);   /* the fork handlers */
    goc__gtask task = { fn, arg, wg };
    goc_mutex_lock(&goc__go.lock);
    goc__gthread *t = goc__go.idle;
    if (t) {
        goc__go_unlink(t);
        t->fn = fn;
        t->arg = arg;
        t->wg = wg;
        if (goc_atomic_u32_swap(&t->state, GOC__GO_WORK) == GOC__GO_PARKED)
            goc_wake_one(&t->state);
        goc_mutex_unlock(&goc__go.lock);
        goc_atomic_u64_add(&goc__go.spawns, 1);
        return GOC_OK;
    }
    if (!goc__go.ncpu) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        goc__go.ncpu = n > 0 ? (size_t)n : 1;
    }
    /* Every core busy with a task: a new thread would only queue for a
     * core. Queue the task instead; a thread that finishes takes it, and
     * the monitor starts threads if the running ones are stuck. */
    if (goc__go.live - goc__go.nidle >= goc__go.ncpu) {
        bool ok = true;
        if (!goc__go.mon_started) {
            pthread_attr_t attr;
            pthread_t id;
            pthread_attr_init(&attr);
            pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
            ok = pthread_create(&id, &attr, goc__go_monitor, NULL) == 0;
            pthread_attr_destroy(&attr);
            goc__go.mon_started = ok;
        }
        if (ok && goc__go_qpush(task)) {
            /* The bump is under the lock the monitor read the word under:
             * its wait either sees it or is woken by it. */
            if (goc__go.mon_parked) {
                goc__go.mon_parked = false;
                goc_atomic_u32_add(&goc__go.mon_word, 1);
                goc_wake_one(&goc__go.mon_word);
            }
            goc_mutex_unlock(&goc__go.lock);
            goc_atomic_u64_add(&goc__go.spawns, 1);
            return GOC_OK;
        }
    }
    goc__go.live++;       /* counted before the thread exists: it may idle at once */
    goc_mutex_unlock(&goc__go.lock);
    if (!goc__go_start(task)) {
        goc_mutex_lock(&goc__go.lock);
        goc__go.live--;
        goc_mutex_unlock(&goc__go.lock);
        return GOC_ENOMEM;
    }
    goc_atomic_u64_add(&goc__go.spawns, 1);
    return GOC_OK;
}

GOC_DEF int goc_go(void (*fn)(void *), void *arg) { return goc__go_spawn(fn, arg, NULL); }

GOC_DEF int goc_wg_go(goc_waitgroup *wg, void (*fn)(void *), void *arg) {
    if (!wg || !fn) return GOC_EINVAL;
    goc_wg_add(wg, 1);
    int rc = goc__go_spawn(fn, arg, wg);
    if (rc != GOC_OK) goc_wg_done(wg);
    return rc;
}

/* ---- worker pool -------------------------------------------------------- */

typedef struct goc__job { void (*fn)(void *); void *arg; } goc__job;

struct goc_workers {
    goc_chan *jobs;
    goc_waitgroup pending;      /* submitted, not yet finished */
    goc_mutex close_lock;       /* one closer joins */
    bool joined;                /* under close_lock */
    size_t n;
    pthread_t *threads;
    /* Counts for goc_workers_stats only: relaxed adds, they order nothing
     * (the job hand-off is the channel's, completion is the WaitGroup's). */
    goc_atomic_u64 running, done;
};

static _Thread_local goc_workers *goc__workers_self;   /* the pool this thread works for */

static void *goc__workers_main(void *p) {
    goc_workers *w = (goc_workers *)p;
    goc__workers_self = w;
    goc__thread_name("goc-worker");
    goc__job job;
    while (goc_chan_recv(w->jobs, &job) == GOC_OK) {
        goc_atomic_u64_fetch_add_explicit(&w->running, 1, GOC_RELAXED);
        job.fn(job.arg);
        goc_atomic_u64_fetch_add_explicit(&w->running, (uint64_t)-1, GOC_RELAXED);
        goc_atomic_u64_fetch_add_explicit(&w->done, 1, GOC_RELAXED);
        goc_wg_done(&w->pending);
    }
    return NULL;
}

GOC_DEF goc_workers *goc_workers_new(size_t nthreads, size_t queue_cap) {
    if (nthreads == 0 || nthreads > SIZE_MAX / sizeof(pthread_t)) { errno = EINVAL; return NULL; }
    goc_workers *w = (goc_workers *)GOC_CALLOC(1, sizeof *w);
    if (!w) { errno = ENOMEM; return NULL; }
    int err = ENOMEM;
    w->threads = (pthread_t *)GOC_CALLOC(nthreads, sizeof *w->threads);
    if (w->threads) {
        w->jobs = goc_chan_make(sizeof(goc__job), queue_cap);
        if (!w->jobs && errno == EINVAL) err = EINVAL;   /* queue_cap too large */
    }
    if (!w->threads || !w->jobs) goto fail;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
#ifdef GOC_GO_STACK_SIZE      /* the same threads as goc_go's, the same stacks */
    pthread_attr_setstacksize(&attr, GOC_GO_STACK_SIZE);
#endif
    for (; w->n < nthreads; w->n++)
        if (pthread_create(&w->threads[w->n], &attr, goc__workers_main, w) != 0) break;
    pthread_attr_destroy(&attr);
    if (w->n == nthreads) return w;
fail:
    if (w->jobs) goc_chan_close(w->jobs);
    for (size_t i = 0; i < w->n; i++) pthread_join(w->threads[i], NULL);
    if (w->jobs) goc_chan_free(w->jobs);
    GOC_FREE(w->threads);
    GOC_FREE(w);
    errno = err;
    return NULL;
}

GOC_DEF void goc_workers_stats(goc_workers *w, goc_workers_counts *out) {
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!w) return;
    out->queued = goc_chan_len(w->jobs);
    out->running = goc_atomic_u64_load_explicit(&w->running, GOC_RELAXED);
    out->done = goc_atomic_u64_load_explicit(&w->done, GOC_RELAXED);
}

/* mode: 0 blocking, 1 try, 2 timeout d */
static int goc__workers_submit(goc_workers *w, void (*fn)(void *), void *arg, int mode,
                               goc_duration d, goc_chan *done) {
    if (!w || !fn) return GOC_EINVAL;
    goc__job job = { fn, arg };
    goc_wg_add(&w->pending, 1);
    int rc;
    if (mode == 1) {
        rc = goc_chan_try_send(w->jobs, &job);
    } else if (goc__workers_self == w) {
        /* A job of ours: blocking could deadlock every worker; run it here. */
        rc = goc_chan_try_send(w->jobs, &job);
        if (rc == GOC_WOULDBLOCK) {
            fn(arg);
            rc = GOC_OK;
            goc_wg_done(&w->pending);
        }
    } else if (mode == 2) {
        rc = goc_chan_send_timeout(w->jobs, &job, d);
    } else if (mode == 3) {
        goc_case cs[2] = { goc_send_case(w->jobs, &job), goc_recv_case(done, NULL) };
        int i = goc_select(cs, 2);
        rc = i == 0 ? (cs[0].ok ? GOC_OK : GOC_CLOSED) : i == 1 ? GOC_CANCELED : i;
    } else {
        rc = goc_chan_send(w->jobs, &job);
    }
    if (rc != GOC_OK) goc_wg_done(&w->pending);
    return rc;
}

GOC_DEF GOC_NOIPA int goc_workers_submit(goc_workers *w, void (*fn)(void *), void *arg) {
    return goc__workers_submit(w, fn, arg, 0, 0, NULL);
}
GOC_DEF int goc_workers_try_submit(goc_workers *w, void (*fn)(void *), void *arg) {
    return goc__workers_submit(w, fn, arg, 1, 0, NULL);
}
GOC_DEF GOC_NOIPA int goc_workers_submit_timeout(goc_workers *w, void (*fn)(void *), void *arg,
                                                 goc_duration d) {
    return goc__workers_submit(w, fn, arg, 2, d, NULL);
}
GOC_DEF GOC_NOIPA int goc__workers_submit_done(goc_workers *w, void (*fn)(void *), void *arg,
                                               goc_chan *done) {
    return goc__workers_submit(w, fn, arg, done ? 3 : 0, 0, done);
}

GOC_DEF GOC_NOIPA void goc_workers_wait(goc_workers *w) {
    if (!w) return;
    if (goc__workers_self == w) { errno = EDEADLK; return; }
    goc_wg_wait(&w->pending);
}

GOC_DEF GOC_NOIPA int goc_workers_wait_timeout(goc_workers *w, goc_duration d) {
    if (!w) return GOC_EINVAL;
    if (goc__workers_self == w) { errno = EDEADLK; return GOC_EINVAL; }
    return goc_wg_wait_timeout(&w->pending, d);
}

GOC_DEF GOC_NOIPA void goc_workers_close(goc_workers *w) {
    if (!w) return;
    goc_chan_close(w->jobs);
    if (goc__workers_self == w) { errno = EDEADLK; return; }
    goc_mutex_lock(&w->close_lock);
    if (!w->joined) {
        for (size_t i = 0; i < w->n; i++) pthread_join(w->threads[i], NULL);
        w->joined = true;
    }
    goc_mutex_unlock(&w->close_lock);
}

GOC_DEF void goc_workers_free(goc_workers *w) {
    if (!w) return;
    if (goc__workers_self == w) { errno = EDEADLK; return; }
    goc_workers_close(w);
    goc_chan_free(w->jobs);
    GOC_FREE(w->threads);
    GOC_FREE(w);
}

/* ---- per-thread caches (free list and object pool) ----------------------- */

/* One pthread key for all of goc: its value is the calling thread's table
 * (goc__tls), indexed by the owner's id (a free list or pool), each entry
 * the owner's serial and the thread's cache for it. Ids are small and
 * reused (a free-id stack), serials never: an entry whose serial is not
 * its owner's belongs to an owner since freed, and is never followed. The
 * registry (one goc_mutex) holds the ids, each owner's list of caches, and
 * the list of tables; the lookup takes no lock (a thread-local pointer, an
 * index, a compare). Who frees what: an owner's free takes its caches off
 * its list under the lock and frees them; an exiting thread, under the
 * lock, gives back the caches whose owners are still registered (they
 * cannot go away meanwhile) and frees them; a stale entry is never read. */
typedef struct goc__towner goc__towner;
typedef struct goc__tcache {
    struct goc__tcache *prev, *next;    /* on owner->caches (registry lock) */
    struct goc__tls *tls;               /* the thread's table (for fork's child) */
    void (*drop_rest)(struct goc__tcache *c);   /* see give_back */
} goc__tcache;

struct goc__towner {
    size_t id;                  /* index into every thread's table */
    uint64_t serial;            /* never 0, never reused */
    size_t cache_size;
    goc_mutex *lock;            /* the owner's own lock (held across fork), or NULL */
    goc__tcache *caches;        /* (registry lock) */
    /* Under the registry lock, for a cache already off the list: an
     * exiting thread's, handed back (false: c was freed; true: c keeps
     * what could not be kept, and c->drop_rest(c) is called once the lock
     * is released, as it may run user code) ... */
    bool (*give_back)(goc__towner *o, goc__tcache *c);
    /* ... or, in a child after fork(), one of a thread that does not exist
     * there: count it out and free c (its items are left alone). */
    void (*abandon)(goc__towner *o, goc__tcache *c);
    /* In the child, once the others are abandoned: set the idle count from
     * what is really kept (a thread caught between reserving a place and
     * filling it left the count one too high for good); own: the forking
     * thread's cache, or NULL. */
    void (*recount)(goc__towner *o, goc__tcache *own);
};

typedef struct goc__tls_ent { uint64_t serial; goc__tcache *c; } goc__tls_ent;
typedef struct goc__tls {
    struct goc__tls *prev, *next;       /* every table (registry lock) */
    size_t cap;                         /* tab and cap change under the registry lock */
    goc__tls_ent *tab;
} goc__tls;

static struct {
    goc_mutex lock;
    goc__towner **owners;       /* by id; NULL: free */
    size_t *free_ids;           /* as many as owners */
    size_t nids, nfree, cap;
    uint64_t serial;
    goc__tls *threads;
    pthread_key_t key;
    bool key_ok;                /* false: no key (none left), no caches at all */
} goc__reg;

static _Thread_local goc__tls *goc__tls_self;   /* = pthread_getspecific(goc__reg.key) */

/* Register o: an id and a serial. false: out of memory. */
static bool goc__towner_add(goc__towner *o) {
    goc__once_fork(&goc__pool_once, goc__pool_init_once);
    goc_mutex_lock(&goc__reg.lock);
    size_t id;
    if (goc__reg.nfree) {
        id = goc__reg.free_ids[--goc__reg.nfree];
    } else {
        if (goc__reg.nids == goc__reg.cap) {
            size_t cap = goc__reg.cap ? goc__reg.cap * 2 : 16;
            goc__towner **owners = (goc__towner **)GOC_CALLOC(cap, sizeof *owners);
            size_t *ids = (size_t *)GOC_MALLOC(cap * sizeof *ids);
            if (!owners || !ids || cap > SIZE_MAX / sizeof *ids) {
                goc_mutex_unlock(&goc__reg.lock);
                GOC_FREE(owners);
                GOC_FREE(ids);
                return false;
            }
            if (goc__reg.nids) memcpy(owners, goc__reg.owners, goc__reg.nids * sizeof *owners);
            GOC_FREE(goc__reg.owners);
            GOC_FREE(goc__reg.free_ids);          /* nfree is 0 here */
            goc__reg.owners = owners;
            goc__reg.free_ids = ids;
            goc__reg.cap = cap;
        }
        id = goc__reg.nids++;
    }
    o->id = id;
    o->serial = ++goc__reg.serial;
    o->caches = NULL;
    goc__reg.owners[id] = o;
    goc_mutex_unlock(&goc__reg.lock);
    return true;
}

/* Unregister o; its caches, off every table's reach, are the caller's. */
static goc__tcache *goc__towner_remove(goc__towner *o) {
    goc_mutex_lock(&goc__reg.lock);
    goc__reg.owners[o->id] = NULL;
    goc__reg.free_ids[goc__reg.nfree++] = o->id;
    goc__tcache *list = o->caches;
    o->caches = NULL;
    goc_mutex_unlock(&goc__reg.lock);
    return list;
}

/* The owner of table entry id, if it is still the one the entry was made
 * for (registry lock). */
static goc__towner *goc__tls_live(const goc__tls *t, size_t id) {
    const goc__tls_ent *e = &t->tab[id];
    if (!e->c || id >= goc__reg.nids) return NULL;
    goc__towner *o = goc__reg.owners[id];
    return o && o->serial == e->serial ? o : NULL;
}

static void goc__tcache_unlink(goc__towner *o, goc__tcache *c) {   /* registry lock */
    if (c->prev) c->prev->next = c->next; else o->caches = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

/* The key's destructor: the exiting thread's caches go back to their owners. */
static void goc__tls_exit(void *v) {
    goc__tls *t = (goc__tls *)v;
    if (goc__tls_self == t) goc__tls_self = NULL;
    goc__tcache *rest = NULL;
    goc_mutex_lock(&goc__reg.lock);
    if (t->prev) t->prev->next = t->next; else goc__reg.threads = t->next;
    if (t->next) t->next->prev = t->prev;
    for (size_t id = 0; id < t->cap; id++) {
        goc__towner *o = goc__tls_live(t, id);
        if (!o) continue;
        goc__tcache *c = t->tab[id].c;
        goc__tcache_unlink(o, c);
        if (o->give_back(o, c)) { c->next = rest; rest = c; }
    }
    goc_mutex_unlock(&goc__reg.lock);
    while (rest) {
        goc__tcache *next = rest->next;
        rest->drop_rest(rest);
        rest = next;
    }
    GOC_FREE(t->tab);
    GOC_FREE(t);
}

/* The calling thread's cache for o, if it has one. */
static inline goc__tcache *goc__tcache_find(const goc__towner *o) {
    goc__tls *t = goc__tls_self;
    if (t && o->id < t->cap && t->tab[o->id].serial == o->serial) return t->tab[o->id].c;
    return NULL;
}

/* Make the calling thread's cache for o: zeroed, on o's list. NULL when
 * out of memory or without a key (go without). */
static goc__tcache *goc__tcache_make(goc__towner *o) {
    if (!goc__reg.key_ok) return NULL;
    goc__tls *t = goc__tls_self;
    if (!t) {
        t = (goc__tls *)GOC_CALLOC(1, sizeof *t);
        if (!t) return NULL;
        if (pthread_setspecific(goc__reg.key, t) != 0) { GOC_FREE(t); return NULL; }
        goc__tls_self = t;
        goc_mutex_lock(&goc__reg.lock);
        t->next = goc__reg.threads;
        if (t->next) t->next->prev = t;
        goc__reg.threads = t;
        goc_mutex_unlock(&goc__reg.lock);
    }
    goc__tls_ent *tab = NULL;
    size_t cap = t->cap;
    if (o->id >= cap) {
        cap = cap ? cap : 4;
        while (cap <= o->id) cap *= 2;
        tab = (goc__tls_ent *)GOC_CALLOC(cap, sizeof *tab);
        if (!tab) return NULL;
        if (t->cap) memcpy(tab, t->tab, t->cap * sizeof *tab);
    }
    goc__tcache *c = (goc__tcache *)GOC_CALLOC(1, o->cache_size);
    if (!c) { GOC_FREE(tab); return NULL; }
    c->tls = t;
    goc__tls_ent *old = NULL;
    goc_mutex_lock(&goc__reg.lock);      /* so that fork's child sees a whole table */
    if (tab) { old = t->tab; t->tab = tab; t->cap = cap; }
    c->next = o->caches;
    if (c->next) c->next->prev = c;
    o->caches = c;
    t->tab[o->id].serial = o->serial;    /* a stale entry's cache was freed by its owner */
    t->tab[o->id].c = c;
    goc_mutex_unlock(&goc__reg.lock);
    GOC_FREE(old);
    return c;
}

static inline goc__tcache *goc__tcache_of(goc__towner *o) {
    goc__tcache *c = goc__tcache_find(o);
    return c ? c : goc__tcache_make(o);
}

/* (A function, so that a cache size of 0 compiles without a warning.) */
static inline size_t goc__min_size(size_t a, size_t b) { return a < b ? a : b; }

/* The idle bound: one counter per free list / pool of the objects it keeps
 * (shared store or ring, and every thread's cache). A put first reserves
 * one (false: the bound is reached, drop it); an object leaving the idle
 * state (a get) releases one after it is taken out. Relaxed: the counter
 * orders no memory and pairs with nothing, it only counts (the objects
 * themselves are handed over by the thread's own cache, the ring's stamps
 * or the store's lock); all its changes are read-modify-writes of one
 * word, so their single modification order keeps it within max. */
static inline bool goc__idle_take(goc_atomic_uptr *idle, size_t max) {
    uintptr_t v = goc_atomic_uptr_load_explicit(idle, GOC_RELAXED);
    do {
        if (v >= max) return false;
    } while (!goc_atomic_uptr_cas_weak_explicit(idle, &v, v + 1, GOC_RELAXED, GOC_RELAXED));
    return true;
}
static inline void goc__idle_give(goc_atomic_uptr *idle, size_t n) {
    goc_atomic_uptr_fetch_add_explicit(idle, (uintptr_t)0 - (uintptr_t)n, GOC_RELAXED);
}

/* One more on a counter only its owner writes. */
static inline void goc__own_count(goc_atomic_uptr *c) {
    goc_atomic_uptr_store_explicit(c, goc_atomic_uptr_load_explicit(c, GOC_RELAXED) + 1, GOC_RELAXED);
}
/* A count that orders nothing (relaxed). */
static inline void goc__count(goc_atomic_uptr *c, uintptr_t n) {
    goc_atomic_uptr_fetch_add_explicit(c, n, GOC_RELAXED);
}

/* ---- fork --------------------------------------------------------------- */

/* prepare: take goc_go's lock, the registry's and every owner's (in that
 * order, the order they nest in), so that the child gets them in a
 * consistent state; parent: let go; child: reset goc_go to "no threads, no
 * monitor, nothing queued" (queued tasks run in the parent), drop the
 * caches of the threads that do not exist in the child, release the locks
 * by re-initializing them (only this thread exists). The flag says
 * whether prepare ran: the parent handler must not unlock what it did not
 * take (timer.h's goc__tm_forking says when musl skips prepare). */
static bool goc__pool_forking;
static void goc__fork_prepare(void) {
    goc_mutex_lock(&goc__go.lock);
    goc_mutex_lock(&goc__reg.lock);
    for (size_t id = 0; id < goc__reg.nids; id++)
        if (goc__reg.owners[id] && goc__reg.owners[id]->lock) goc_mutex_lock(goc__reg.owners[id]->lock);
    goc__pool_forking = true;
}

static void goc__fork_parent(void) {
    if (!goc__pool_forking) return;
    goc__pool_forking = false;
    for (size_t id = goc__reg.nids; id-- > 0;)
        if (goc__reg.owners[id] && goc__reg.owners[id]->lock) goc_mutex_unlock(goc__reg.owners[id]->lock);
    goc_mutex_unlock(&goc__reg.lock);
    goc_mutex_unlock(&goc__go.lock);
}

static void goc__fork_child(void) {
    goc__pool_forking = false;
    goc__once_fork_child(&goc__pool_once);
    for (goc__gthread *t = goc__go.idle, *next; t; t = next) {   /* threads of the parent */
        next = t->next;
        GOC_FREE(t);
    }
    goc__go.idle = NULL;
    goc__go.nidle = 0;
    /* The forking thread goes on in the child; if it is one of ours it will
     * idle and exit (live--) when its task returns: it stays counted (at 0
     * the count wrapped, and every spawn then went through the monitor). */
    goc__go.live = goc__go_is_self ? 1 : 0;
    goc__go.qhead = goc__go.qlen = 0;
    goc__go.mon_started = goc__go.mon_parked = false;
    goc_atomic_u32_store_explicit(&goc__go.mon_word, 0, GOC_RELAXED);
    memset(&goc__go.lock, 0, sizeof goc__go.lock);

    goc__tls *self = goc__tls_self;
    for (goc__tls *t = goc__reg.threads, *next; t; t = next) {
        next = t->next;
        if (t == self) continue;
        for (size_t id = 0; id < t->cap; id++) {
            goc__towner *o = goc__tls_live(t, id);
            if (!o) continue;
            goc__tcache_unlink(o, t->tab[id].c);
            o->abandon(o, t->tab[id].c);
        }
        GOC_FREE(t->tab);
        GOC_FREE(t);
    }
    goc__reg.threads = self;
    if (self) self->prev = self->next = NULL;
    for (size_t id = 0; id < goc__reg.nids; id++) {
        goc__towner *o = goc__reg.owners[id];
        if (!o) continue;
        if (o->lock) memset(o->lock, 0, sizeof(goc_mutex));
        goc__tcache *mine = self && id < self->cap && self->tab[id].serial == o->serial ? self->tab[id].c : NULL;
        o->recount(o, mine);
    }
    memset(&goc__reg.lock, 0, sizeof goc__reg.lock);
}

static void goc__pool_init_once(void) {
    /* Out of pthread keys (there are ~1024, shared with the program): no
     * thread caches anywhere; free lists and pools use their shared part. */
    goc__reg.key_ok = pthread_key_create(&goc__reg.key, goc__tls_exit) == 0;
    goc__wait_init();
    pthread_atfork(goc__fork_prepare, goc__fork_parent, goc__fork_child);
}
GOC__FORK_AT_LOAD(goc__pool_once, goc__pool_init_once)

/* ---- leaky free list ---------------------------------------------------- */

typedef struct goc__fl_slot {
    goc_atomic_uptr stamp;      /* p: free for the put at position p; p + 1: holds an item */
    void *item;
} goc__fl_slot;

/* A thread's own few items. Only the owner touches n and items; hits and
 * kept are written by the owner alone (relaxed load + store, no
 * read-modify-write, so nothing bounces) and read by goc_freelist_stats. */
typedef struct goc__fl_cache {
    goc__tcache link;
    size_t n;
    size_t res;     /* places reserved in f->idle: n <= res <= local_max (see goc_freelist_put) */
    goc_atomic_uptr hits, kept;
    void *items[GOC_FREELIST_LOCAL > 0 ? GOC_FREELIST_LOCAL : 1];
} goc__fl_cache;

struct goc_freelist {
    GOC_ALIGNED_CACHELINE goc_atomic_uptr tail;   /* puts the ring kept */
    GOC_ALIGNED_CACHELINE goc_atomic_uptr head;   /* gets the ring served */
    GOC_ALIGNED_CACHELINE goc_atomic_uptr idle;   /* items kept, ring and caches (goc__idle_take) */
    GOC_ALIGNED_CACHELINE goc_atomic_uptr misses, drops;
    size_t item_size, max_free, local_max;
    size_t cap;                     /* ring slots: max_free rounded up to a power of 2 */
    goc__fl_slot *slots;
    goc__towner own;                /* caches */
    uint64_t retired_hits, retired_kept;   /* counts of caches gone (registry lock) */
};

/* The ring: one CAS each way; false when empty / full. */
static bool goc__fl_ring_get(goc_freelist *f, void **item) {
    if (!f->cap) return false;
    uintptr_t pos = goc_atomic_uptr_load_explicit(&f->head, GOC_RELAXED);
    for (;;) {
        goc__fl_slot *s = &f->slots[pos & (f->cap - 1)];
        /* acquire: pairs with the put's release of stamp, so item is seen */
        intptr_t dif = (intptr_t)(goc_atomic_uptr_load_explicit(&s->stamp, GOC_ACQUIRE) - (pos + 1));
        if (dif == 0) {
            /* relaxed: the position only claims the slot; the slot's stamp
             * (acquire above, release below) orders the item. */
            if (goc_atomic_uptr_cas_weak_explicit(&f->head, &pos, pos + 1, GOC_RELAXED, GOC_RELAXED)) {
                *item = s->item;
                /* release: our read of item is done before a put reuses the slot */
                goc_atomic_uptr_store_explicit(&s->stamp, pos + f->cap, GOC_RELEASE);
                return true;
            }
        } else if (dif < 0) {
            return false;                                /* empty */
        } else {
            pos = goc_atomic_uptr_load_explicit(&f->head, GOC_RELAXED);
        }
    }
}

static bool goc__fl_ring_put(goc_freelist *f, void *item) {
    if (!f->cap) return false;
    uintptr_t pos = goc_atomic_uptr_load_explicit(&f->tail, GOC_RELAXED);
    for (;;) {
        goc__fl_slot *s = &f->slots[pos & (f->cap - 1)];
        /* acquire: pairs with the get's release, so its read of item is over */
        intptr_t dif = (intptr_t)(goc_atomic_uptr_load_explicit(&s->stamp, GOC_ACQUIRE) - pos);
        if (dif == 0) {
            /* relaxed: as in get, the stamp does the ordering */
            if (goc_atomic_uptr_cas_weak_explicit(&f->tail, &pos, pos + 1, GOC_RELAXED, GOC_RELAXED)) {
                s->item = item;
                goc_atomic_uptr_store_explicit(&s->stamp, pos + 1, GOC_RELEASE);
                return true;
            }
        } else if (dif < 0) {
            return false;                                /* full */
        } else {
            pos = goc_atomic_uptr_load_explicit(&f->tail, GOC_RELAXED);
        }
    }
}

#define GOC__FL_OF(o) ((goc_freelist *)(void *)((char *)(o) - offsetof(goc_freelist, own)))

/* An exiting thread's items go to the ring (registry lock; GOC_FREE is
 * not user code); its counts are kept, minus the items it hands over (the
 * ring or drops counts them now). */
static bool goc__fl_give_back(goc__towner *o, goc__tcache *l) {
    goc_freelist *f = GOC__FL_OF(o);
    goc__fl_cache *c = (goc__fl_cache *)l;
    f->retired_hits += goc_atomic_uptr_load_explicit(&c->hits, GOC_RELAXED);
    f->retired_kept += goc_atomic_uptr_load_explicit(&c->kept, GOC_RELAXED) - c->n;
    goc__idle_give(&f->idle, c->res - c->n);   /* the items keep theirs, in the ring */
    for (size_t i = 0; i < c->n; i++) {
        if (goc__fl_ring_put(f, c->items[i])) continue;
        goc__idle_give(&f->idle, 1);
        goc__count(&f->drops, 1);
        GOC_FREE(c->items[i]);
    }
    GOC_FREE(c);
    return false;
}

/* Fork's child: the items of a thread that is gone are left where they are
 * (its cache may be mid-update); they no longer count as kept. */
static void goc__fl_abandon(goc__towner *o, goc__tcache *l) {
    goc_freelist *f = GOC__FL_OF(o);
    goc__fl_cache *c = (goc__fl_cache *)l;
    f->retired_hits += goc_atomic_uptr_load_explicit(&c->hits, GOC_RELAXED);
    f->retired_kept += goc_atomic_uptr_load_explicit(&c->kept, GOC_RELAXED);
    goc__idle_give(&f->idle, c->res);
    GOC_FREE(c);
}

static void goc__fl_recount(goc__towner *o, goc__tcache *own) {
    goc_freelist *f = GOC__FL_OF(o);
    uintptr_t ring = goc_atomic_uptr_load_explicit(&f->tail, GOC_RELAXED) -
                     goc_atomic_uptr_load_explicit(&f->head, GOC_RELAXED);
    size_t n = (size_t)ring + (own ? ((goc__fl_cache *)own)->res : 0);
    goc_atomic_uptr_store_explicit(&f->idle, n, GOC_RELAXED);   /* one thread: nothing to order */
}

static inline goc__fl_cache *goc__fl_cache_of(goc_freelist *f) {
    return (goc__fl_cache *)goc__tcache_of(&f->own);
}

GOC_DEF goc_freelist *goc_freelist_new(size_t item_size, size_t max_free) {
    if (item_size == 0 || item_size > PTRDIFF_MAX || max_free > SIZE_MAX / 4 / sizeof(goc__fl_slot)) {
        errno = EINVAL;
        return NULL;
    }
    size_t cap = max_free ? 1 : 0;
    while (cap < max_free) cap *= 2;
    /* The struct is cache-line aligned; GOC_MALLOC only promises max_align_t,
     * so over-allocate and align by hand (the original pointer sits before). */
    size_t need = sizeof(goc_freelist) + GOC_CACHELINE + sizeof(void *);
    char *raw = (char *)GOC_MALLOC(need);
    goc__fl_slot *slots = cap ? (goc__fl_slot *)GOC_CALLOC(cap, sizeof *slots) : NULL;
    if (!raw || (cap && !slots)) {
        GOC_FREE(raw);
        GOC_FREE(slots);
        errno = ENOMEM;
        return NULL;
    }
    uintptr_t at = ((uintptr_t)raw + sizeof(void *) + GOC_CACHELINE - 1) & ~(uintptr_t)(GOC_CACHELINE - 1);
    goc_freelist *f = (goc_freelist *)at;
    memset(f, 0, sizeof *f);
    ((void **)f)[-1] = raw;
    f->item_size = item_size;
    f->max_free = max_free;
    f->cap = cap;
    f->slots = slots;
    for (size_t i = 0; i < cap; i++) goc_atomic_uptr_store_explicit(&slots[i].stamp, i, GOC_RELAXED);
    f->local_max = goc__min_size(max_free, GOC_FREELIST_LOCAL);
    f->own.cache_size = sizeof(goc__fl_cache);
    f->own.give_back = goc__fl_give_back;
    f->own.abandon = goc__fl_abandon;
    f->own.recount = goc__fl_recount;
    if (!goc__towner_add(&f->own)) {
        GOC_FREE(slots);
        GOC_FREE(raw);
        errno = ENOMEM;
        return NULL;
    }
    return f;
}

GOC_DEF void *goc_freelist_get(goc_freelist *f) {
    if (!f) return NULL;
    goc__fl_cache *c = f->local_max ? goc__fl_cache_of(f) : NULL;
    void *item;
    if (c && c->n) {                         /* the item this thread put last */
        goc__own_count(&c->hits);
        return c->items[--c->n];             /* its place stays reserved for our next put */
    }
    if (c && c->res) {                       /* a miss: our empty places are others' room */
        goc__idle_give(&f->idle, c->res);
        c->res = 0;
    }
    if (goc__fl_ring_get(f, &item)) {
        goc__idle_give(&f->idle, 1);
        return item;
    }
    goc__count(&f->misses, 1);
    return GOC_MALLOC(f->item_size);
}

/* The bound is a total (pool.h's manual): f->idle counts the ring's items and every
 * cache's reserved places. A cache keeps the places it took for as long as
 * it is used for get-then-put (so the hot path touches no shared line: a
 * shared count per operation tripled freelist_getput's cost) and gives
 * them back when it misses (its thread now lives off the ring), exits or
 * is dropped at a fork. An idle thread's empty places are the price: at
 * most local_max per thread that stopped half-way. */
GOC_DEF void goc_freelist_put(goc_freelist *f, void *item) {
    if (!f || !item) return;
    goc__fl_cache *c = f->local_max ? goc__fl_cache_of(f) : NULL;
    if (c && c->n < c->res) {                /* a place we hold already */
        c->items[c->n++] = item;
        goc__own_count(&c->kept);
        return;
    }
    if (goc__idle_take(&f->idle, f->max_free)) {
        if (c && c->n < f->local_max) {
            c->res++;
            c->items[c->n++] = item;
            goc__own_count(&c->kept);
            return;
        }
        /* The ring has room for every reserved item, but a slot whose get
         * has not finished yet looks full: then the item is dropped. */
        if (goc__fl_ring_put(f, item)) return;
        goc__idle_give(&f->idle, 1);
    }
    goc__count(&f->drops, 1);
    GOC_FREE(item);
}

GOC_DEF void goc_freelist_stats(goc_freelist *f, goc_freelist_counts *out) {
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!f) return;
    goc_mutex_lock(&goc__reg.lock);
    uint64_t local_hits = f->retired_hits, local_kept = f->retired_kept;
    for (goc__tcache *l = f->own.caches; l; l = l->next) {
        goc__fl_cache *c = (goc__fl_cache *)l;
        local_hits += goc_atomic_uptr_load_explicit(&c->hits, GOC_RELAXED);
        local_kept += goc_atomic_uptr_load_explicit(&c->kept, GOC_RELAXED);
    }
    goc_mutex_unlock(&goc__reg.lock);
    uint64_t hits = goc_atomic_uptr_load(&f->head) + local_hits;
    uint64_t kept = goc_atomic_uptr_load(&f->tail) + local_kept;
    uint64_t misses = goc_atomic_uptr_load(&f->misses), drops = goc_atomic_uptr_load(&f->drops);
    out->gets = hits + misses;
    out->hits = hits;
    out->puts = kept + drops;
    out->drops = drops;
}

GOC_DEF void goc_freelist_free(goc_freelist *f) {
    if (!f) return;
    for (goc__tcache *l = goc__towner_remove(&f->own), *next; l; l = next) {
        next = l->next;
        goc__fl_cache *c = (goc__fl_cache *)l;
        for (size_t i = 0; i < c->n; i++) GOC_FREE(c->items[i]);
        GOC_FREE(c);
    }
    void *item;
    while (goc__fl_ring_get(f, &item)) GOC_FREE(item);
    GOC_FREE(f->slots);
    GOC_FREE(((void **)f)[-1]);
}

/* ---- object pool -------------------------------------------------------- */

typedef struct goc__pool_cache {
    goc__tcache link;
    size_t n;
    goc_atomic_uptr hits;                  /* written by the thread alone */
    void (*free_fn)(void *, void *);       /* for drop_rest, after give_back */
    void *arg;
    void *items[GOC_POOL_LOCAL > 0 ? GOC_POOL_LOCAL : 1];
} goc__pool_cache;

struct goc_pool {
    void *(*new_fn)(void *);
    void (*free_fn)(void *, void *);
    void *arg;
    size_t max_idle, local_max;
    goc_atomic_uptr idle;           /* objects kept, store and caches (goc__idle_take) */
    goc_atomic_uptr store_hits, misses, news, frees;   /* counts (goc__count) */
    goc_mutex lock;                 /* store */
    void **store;
    size_t nstore, store_cap;
    goc__towner own;                /* caches */
    uint64_t retired_hits;          /* hits of caches gone (registry lock) */
};

#define GOC__POOL_OF(o) ((goc_pool *)(void *)((char *)(o) - offsetof(goc_pool, own)))

static void goc__pool_drop(goc_pool *p, void *obj) {
    if (p->free_fn) p->free_fn(obj, p->arg);
}

/* Move n objects (reserved already) into the shared store; answers how
 * many went in (fewer only when out of memory: the caller drops the rest).
 * Takes the store's lock; calls no user code. */
static size_t goc__pool_stash(goc_pool *p, void **objs, size_t n) {
    goc_mutex_lock(&p->lock);
    size_t want = n;
    if (p->nstore + want > p->store_cap) {
        size_t cap = p->store_cap ? p->store_cap * 2 : 2 * GOC_POOL_LOCAL + 8;   /* never 0 */
        while (cap < p->nstore + want) cap *= 2;
        if (cap > p->max_idle) cap = p->max_idle;     /* the store never holds more */
        void **grown = cap <= SIZE_MAX / sizeof(void *) ? (void **)GOC_MALLOC(cap * sizeof(void *)) : NULL;
        if (grown) {
            if (p->nstore) memcpy(grown, p->store, p->nstore * sizeof(void *));
            GOC_FREE(p->store);
            p->store = grown;
            p->store_cap = cap;
        }
        if (p->nstore + want > p->store_cap) want = p->store_cap - p->nstore;   /* keep what fits */
    }
    for (size_t i = 0; i < want; i++) p->store[p->nstore++] = objs[i];
    goc_mutex_unlock(&p->lock);
    return want;
}

/* Drop n reserved objects that found no place. */
static void goc__pool_unkeep(goc_pool *p, void **objs, size_t n) {
    if (!n) return;
    goc__idle_give(&p->idle, n);
    goc__count(&p->frees, n);
    for (size_t i = 0; i < n; i++) goc__pool_drop(p, objs[i]);
}

static void goc__pool_drop_rest(goc__tcache *l) {
    goc__pool_cache *c = (goc__pool_cache *)l;
    if (c->free_fn)
        for (size_t i = 0; i < c->n; i++) c->free_fn(c->items[i], c->arg);
    GOC_FREE(c);
}

/* Registry lock held: the store takes everything (the bound counts the
 * cache already), unless out of memory; free_fn runs after the unlock. */
static bool goc__pool_give_back(goc__towner *o, goc__tcache *l) {
    goc_pool *p = GOC__POOL_OF(o);
    goc__pool_cache *c = (goc__pool_cache *)l;
    p->retired_hits += goc_atomic_uptr_load_explicit(&c->hits, GOC_RELAXED);
    size_t kept = goc__pool_stash(p, c->items, c->n);
    if (kept == c->n) { GOC_FREE(c); return false; }
    size_t rest = c->n - kept;
    memmove(c->items, c->items + kept, rest * sizeof(void *));
    c->n = rest;
    goc__idle_give(&p->idle, rest);
    goc__count(&p->frees, rest);
    c->free_fn = p->free_fn;
    c->arg = p->arg;
    c->link.drop_rest = goc__pool_drop_rest;
    return true;
}

static void goc__pool_abandon(goc__towner *o, goc__tcache *l) {
    goc_pool *p = GOC__POOL_OF(o);
    goc__pool_cache *c = (goc__pool_cache *)l;
    p->retired_hits += goc_atomic_uptr_load_explicit(&c->hits, GOC_RELAXED);
    goc__idle_give(&p->idle, c->n);
    GOC_FREE(c);
}

static void goc__pool_recount(goc__towner *o, goc__tcache *own) {
    goc_pool *p = GOC__POOL_OF(o);
    size_t n = p->nstore + (own ? ((goc__pool_cache *)own)->n : 0);
    goc_atomic_uptr_store_explicit(&p->idle, n, GOC_RELAXED);   /* one thread: nothing to order */
}

static inline goc__pool_cache *goc__pool_cache_of(goc_pool *p) {
    return (goc__pool_cache *)goc__tcache_of(&p->own);
}

GOC_DEF goc_pool *goc_pool_new(void *(*new_fn)(void *), void (*free_fn)(void *, void *),
                               void *arg, size_t max_idle) {
    goc_pool *p = (goc_pool *)GOC_CALLOC(1, sizeof *p);
    if (!p) { errno = ENOMEM; return NULL; }
    p->new_fn = new_fn;
    p->free_fn = free_fn;
    p->arg = arg;
    p->max_idle = max_idle;
    p->local_max = goc__min_size(max_idle, GOC_POOL_LOCAL);
    p->own.cache_size = sizeof(goc__pool_cache);
    p->own.lock = &p->lock;
    p->own.give_back = goc__pool_give_back;
    p->own.abandon = goc__pool_abandon;
    p->own.recount = goc__pool_recount;
    if (!goc__towner_add(&p->own)) {
        GOC_FREE(p);
        errno = ENOMEM;
        return NULL;
    }
    return p;
}

GOC_DEF void *goc_pool_get(goc_pool *p) {
    if (!p) return NULL;
    goc__pool_cache *c = p->local_max ? goc__pool_cache_of(p) : NULL;
    void *obj = NULL;
    if (c && c->n) {
        goc__own_count(&c->hits);
        obj = c->items[--c->n];
        goc__idle_give(&p->idle, 1);
        return obj;
    }
    if (p->max_idle) {
        goc_mutex_lock(&p->lock);
        if (c) {   /* refill half a cache in one visit to the store */
            size_t take = goc__min_size(p->nstore, (p->local_max + 1) / 2);
            for (size_t i = 0; i < take; i++) c->items[c->n++] = p->store[--p->nstore];
            if (c->n) obj = c->items[--c->n];
        } else if (p->nstore) {   /* no cache (out of memory, or no key): the store alone */
            obj = p->store[--p->nstore];
        }
        goc_mutex_unlock(&p->lock);
        if (obj) {
            goc__count(&p->store_hits, 1);
            goc__idle_give(&p->idle, 1);
            return obj;
        }
    }
    goc__count(&p->misses, 1);
    if (!p->new_fn) return NULL;
    goc__count(&p->news, 1);
    return p->new_fn(p->arg);
}

GOC_DEF void goc_pool_put(goc_pool *p, void *obj) {
    if (!p || !obj) return;
    if (!goc__idle_take(&p->idle, p->max_idle)) {   /* max_idle kept already */
        goc__count(&p->frees, 1);
        goc__pool_drop(p, obj);
        return;
    }
    goc__pool_cache *c = p->local_max ? goc__pool_cache_of(p) : NULL;
    if (!c) {
        if (!goc__pool_stash(p, &obj, 1)) goc__pool_unkeep(p, &obj, 1);
        return;
    }
    if (c->n == p->local_max) {   /* spill the older half */
        size_t half = (c->n + 1) / 2;
        size_t kept = goc__pool_stash(p, c->items, half);
        goc__pool_unkeep(p, c->items + kept, half - kept);
        memmove(c->items, c->items + half, (c->n - half) * sizeof(void *));
        c->n -= half;
    }
    c->items[c->n++] = obj;
}

GOC_DEF void goc_pool_stats(goc_pool *p, goc_pool_counts *out) {
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!p) return;
    goc_mutex_lock(&goc__reg.lock);
    uint64_t hits = p->retired_hits;
    for (goc__tcache *l = p->own.caches; l; l = l->next)
        hits += goc_atomic_uptr_load_explicit(&((goc__pool_cache *)l)->hits, GOC_RELAXED);
    goc_mutex_unlock(&goc__reg.lock);
    hits += goc_atomic_uptr_load_explicit(&p->store_hits, GOC_RELAXED);
    out->hits = hits;
    out->gets = hits + goc_atomic_uptr_load_explicit(&p->misses, GOC_RELAXED);
    out->news = goc_atomic_uptr_load_explicit(&p->news, GOC_RELAXED);
    out->frees = goc_atomic_uptr_load_explicit(&p->frees, GOC_RELAXED);
}

GOC_DEF void goc_pool_free(goc_pool *p) {
    if (!p) return;
    GOC__DBG_HELD(&p->lock.state, 1u, "pool: goc_pool_free of a pool whose lock another thread holds (it is still inside a call on the pool)");
    for (goc__tcache *l = goc__towner_remove(&p->own), *next; l; l = next) {
        next = l->next;
        goc__pool_cache *c = (goc__pool_cache *)l;
        for (size_t i = 0; i < c->n; i++) goc__pool_drop(p, c->items[i]);
        GOC_FREE(c);
    }
    for (size_t i = 0; i < p->nstore; i++) goc__pool_drop(p, p->store[i]);
    GOC_FREE(p->store);
    GOC_FREE(p);
}

#endif /* GOC_POOL_IMPLEMENTATION */

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
