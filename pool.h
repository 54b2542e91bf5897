/* goc pool.h - v0.1 - Go's go statement on cached threads, worker pools,
 *                     leaky free lists and sync.Pool for C11
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
 *   GOC_GO_STACK_SIZE  stack size of goc_go threads in bytes (default: the
 *                      system's, usually 8 MiB of address space, touched
 *                      only as used)
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
 *       Room: each thread keeps its last min(GOC_FREELIST_LOCAL (4),
 *       max_free) puts for its own next gets, and a shared ring keeps
 *       max_free more; so at most max_free + 4 per thread that uses the
 *       list wait (max_free 0: none). get and put take no lock (a thread's
 *       first call registers its cache under one); NULL puts are ignored.
 *       The counts are exact once the list is quiet; on 32-bit targets they
 *       wrap at 2^32. goc_freelist_free: no thread may still use f.
 *
 *   goc_pool *goc_pool_new(void *(*new_fn)(void *arg), void (*free_fn)(void *obj, void *arg),
 *                          void *arg, size_t max_idle);
 *   void *goc_pool_get(goc_pool *p);    the calling thread's cache, the shared store, else new_fn(arg)
 *   void  goc_pool_put(goc_pool *p, void *obj);    beyond the bound: free_fn(obj, arg)
 *   void  goc_pool_free(goc_pool *p);   free_fn on every cached object (no thread may still use p)
 *       Each thread caches up to min(GOC_POOL_LOCAL, max_idle) objects
 *       without any lock; the shared store holds up to max_idle more. A
 *       thread's cache goes back to the store when the thread exits.
 *       new_fn NULL: get answers NULL when nothing is cached. free_fn NULL:
 *       objects beyond the bound are simply dropped (not freed).
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
 * through a pthread key per list, as the object pool's) in front of
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
 *
 * Object pool: a pthread key per pool finds the calling thread's cache (a
 * small array no other thread touches while that thread lives). Overflow
 * and underflow move half a cache to or from the shared store (an array
 * under a goc_mutex), so the lock is taken once per GOC_POOL_LOCAL/2
 * operations at most. Every cache is also on the pool's list (under the
 * same mutex) so that goc_pool_free can reach the caches of threads that
 * are still alive; the key's destructor hands an exiting thread's cache
 * back to the store.
 *
 * Lock order: goc_go's lock, a pool's lock and the workers' close
 * lock are leaves (channel calls happen outside them).
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#ifndef GOC_GO_IDLE
#define GOC_GO_IDLE (3 * GOC_SECOND)
#endif

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

GOC_DEF void goc_go_set_idle(goc_duration d) {
    /* seq_cst is more than needed: a thread reads it (relaxed) when it
     * starts to wait; a value a little late changes one keep-alive only. */
    goc_atomic_i64_store(&goc__go.keep, d > 0 ? d : 1);
}

GOC_DEF void goc_go_stats(goc_go_counts *out) {
    if (!out) return;
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
     * each waking too late for the other. So it is timed: GOC_SPIN x 5 µs,
     * pausing first, then yielding (the core is given away, not burnt,
     * when other threads want it). */
    goc_backoff b = {0};
    int64_t spin_end = 0;
    for (;;) {   /* acquire: pairs with the spawner's release swap, so fn/arg are seen */
        if (goc_atomic_u32_load_explicit(&t->state, GOC_ACQUIRE) == GOC__GO_WORK) return true;
        if (b.step < GOC_BACKOFF_SPIN_LIMIT && goc_backoff_snooze(&b)) continue;
        if (GOC_SPIN == 0) break;
        int64_t now = goc_nanotime();
        if (!spin_end) spin_end = now + (int64_t)GOC_SPIN * 5 * GOC_MICROSECOND;
        if (now >= spin_end) break;
        sched_yield();
    }

    int64_t keep = goc_atomic_i64_load_explicit(&goc__go.keep, GOC_RELAXED);
    int64_t deadline = goc_nanotime() + (keep > 0 ? keep : GOC_GO_IDLE);
    /* seq_cst CAS against the spawner's seq_cst swap: exactly one of them
     * sees the other's value, so either we see WORK or it sees PARKED. */
    if (!goc_atomic_u32_cas(&t->state, GOC__GO_IDLE, GOC__GO_PARKED)) return true;   /* WORK */
    for (;;) {
        if (goc_atomic_u32_load_explicit(&t->state, GOC_ACQUIRE) == GOC__GO_WORK) return true;
        if (deadline == INT64_MAX) {            /* popped: WORK follows at once */
            goc_wait_u32(&t->state, GOC__GO_PARKED, GOC_FOREVER);
            continue;
        }
        int64_t left = deadline - goc_nanotime();
        if (left > 0) {
            goc_wait_u32(&t->state, GOC__GO_PARKED, left);
            continue;
        }
        goc_mutex_lock(&goc__go.lock);
        bool still = t->idle;
        if (still) { goc__go_unlink(t); goc__go.live--; }
        goc_mutex_unlock(&goc__go.lock);
        if (still) return false;
        deadline = INT64_MAX;
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

static void *goc__go_main(void *p) {
    goc__gthread *t = (goc__gthread *)p;
    goc__gtask task = { t->fn, t->arg, t->wg };
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
};

static _Thread_local goc_workers *goc__workers_self;   /* the pool this thread works for */

static void *goc__workers_main(void *p) {
    goc_workers *w = (goc_workers *)p;
    goc__workers_self = w;
    goc__job job;
    while (goc_chan_recv(w->jobs, &job) == GOC_OK) {
        job.fn(job.arg);
        goc_wg_done(&w->pending);
    }
    return NULL;
}

GOC_DEF goc_workers *goc_workers_new(size_t nthreads, size_t queue_cap) {
    if (nthreads == 0) { errno = EINVAL; return NULL; }
    goc_workers *w = (goc_workers *)GOC_CALLOC(1, sizeof *w);
    if (!w) { errno = ENOMEM; return NULL; }
    w->threads = (pthread_t *)GOC_CALLOC(nthreads, sizeof *w->threads);
    w->jobs = goc_chan_make(sizeof(goc__job), queue_cap);
    if (!w->threads || !w->jobs) goto fail;
    for (; w->n < nthreads; w->n++)
        if (pthread_create(&w->threads[w->n], NULL, goc__workers_main, w) != 0) goto fail;
    return w;
fail:
    if (w->jobs) goc_chan_close(w->jobs);
    for (size_t i = 0; i < w->n; i++) pthread_join(w->threads[i], NULL);
    if (w->jobs) goc_chan_free(w->jobs);
    GOC_FREE(w->threads);
    GOC_FREE(w);
    errno = ENOMEM;
    return NULL;
}

/* mode: 0 blocking, 1 try, 2 timeout d */
static int goc__workers_submit(goc_workers *w, void (*fn)(void *), void *arg, int mode,
                               goc_duration d) {
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
    } else {
        rc = goc_chan_send(w->jobs, &job);
    }
    if (rc != GOC_OK) goc_wg_done(&w->pending);
    return rc;
}

GOC_DEF GOC_NOIPA int goc_workers_submit(goc_workers *w, void (*fn)(void *), void *arg) {
    return goc__workers_submit(w, fn, arg, 0, 0);
}
GOC_DEF int goc_workers_try_submit(goc_workers *w, void (*fn)(void *), void *arg) {
    return goc__workers_submit(w, fn, arg, 1, 0);
}
GOC_DEF GOC_NOIPA int goc_workers_submit_timeout(goc_workers *w, void (*fn)(void *), void *arg,
                                                 goc_duration d) {
    return goc__workers_submit(w, fn, arg, 2, d);
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

/* The head of a thread's cache: its place on its owner's list of caches
 * (under the owner's lock, so that the owner reaches the caches of threads
 * still alive) and the owner. A cache struct starts with one. */
typedef struct goc__tcache {
    struct goc__tcache *prev, *next;
    void *owner;
} goc__tcache;

/* The calling thread's cache under key: size bytes, zeroed and linked into
 * *list under lock on first use. NULL when out of memory (go without). */
static void *goc__tcache_of(pthread_key_t key, size_t size, goc_mutex *lock, goc__tcache **list,
                            void *owner) {
    goc__tcache *c = (goc__tcache *)pthread_getspecific(key);
    if (c) return c;
    c = (goc__tcache *)GOC_CALLOC(1, size);
    if (!c) return NULL;
    c->owner = owner;
    if (pthread_setspecific(key, c) != 0) { GOC_FREE(c); return NULL; }
    goc_mutex_lock(lock);
    c->next = *list;
    if (c->next) c->next->prev = c;
    *list = c;
    goc_mutex_unlock(lock);
    return c;
}

/* Take c off *list (an exiting thread's); the caller holds the lock. */
static void goc__tcache_unlink(goc__tcache **list, goc__tcache *c) {
    if (c->prev) c->prev->next = c->next; else *list = c->next;
    if (c->next) c->next->prev = c->prev;
}

/* (A function, so that a cache size of 0 compiles without a warning.) */
static inline size_t goc__min_size(size_t a, size_t b) { return a < b ? a : b; }

/* ---- leaky free list ---------------------------------------------------- */

typedef struct goc__fl_slot {
    goc_atomic_uptr stamp;      /* p: free for the put at position p; p + 1: holds an item */
    void *item;
} goc__fl_slot;

/* A thread's own few items. Only the owner touches n and items; hits and
 * kept are written by the owner alone (relaxed load + store, no
 * read-modify-write, so nothing bounces) and read by goc_freelist_stats. */
typedef struct goc__fl_cache {
    goc__tcache link;                    /* owner: the goc_freelist */
    size_t n;
    goc_atomic_uptr hits, kept;
    void *items[GOC_FREELIST_LOCAL > 0 ? GOC_FREELIST_LOCAL : 1];
} goc__fl_cache;

struct goc_freelist {
    GOC_ALIGNED_CACHELINE goc_atomic_uptr tail;   /* puts the ring kept */
    GOC_ALIGNED_CACHELINE goc_atomic_uptr head;   /* gets the ring served */
    GOC_ALIGNED_CACHELINE goc_atomic_uptr misses, drops;
    size_t item_size, cap, local_max;
    goc__fl_slot *slots;
    pthread_key_t key;              /* the calling thread's cache (local_max > 0) */
    goc_mutex lock;                 /* caches, retired_* */
    goc__tcache *caches;
    uint64_t retired_hits, retired_kept;   /* counts of caches whose threads exited */
};

/* The ring: one CAS each way; false when empty / full. */
static bool goc__fl_ring_get(goc_freelist *f, void **item) {
    if (!f->cap) return false;
    uintptr_t pos = goc_atomic_uptr_load_explicit(&f->head, GOC_RELAXED);
    for (;;) {
        goc__fl_slot *s = &f->slots[pos % f->cap];
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
        goc__fl_slot *s = &f->slots[pos % f->cap];
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

/* One more on a counter only its owner writes. */
static inline void goc__fl_count(goc_atomic_uptr *c) {
    goc_atomic_uptr_store_explicit(c, goc_atomic_uptr_load_explicit(c, GOC_RELAXED) + 1, GOC_RELAXED);
}

/* An exiting thread's items go to the ring (or are freed); its counts are
 * kept, minus the items it hands over (the ring or drops counts them now). */
static void goc__fl_thread_exit(void *v) {
    goc__fl_cache *c = (goc__fl_cache *)v;
    goc_freelist *f = (goc_freelist *)c->link.owner;
    goc_mutex_lock(&f->lock);
    goc__tcache_unlink(&f->caches, &c->link);
    f->retired_hits += goc_atomic_uptr_load_explicit(&c->hits, GOC_RELAXED);
    f->retired_kept += goc_atomic_uptr_load_explicit(&c->kept, GOC_RELAXED) - c->n;
    goc_mutex_unlock(&f->lock);
    for (size_t i = 0; i < c->n; i++) {
        if (goc__fl_ring_put(f, c->items[i])) continue;
        goc_atomic_uptr_add(&f->drops, 1);
        GOC_FREE(c->items[i]);
    }
    GOC_FREE(c);
}

static goc__fl_cache *goc__fl_cache_of(goc_freelist *f) {
    return (goc__fl_cache *)goc__tcache_of(f->key, sizeof(goc__fl_cache), &f->lock, &f->caches, f);
}

GOC_DEF goc_freelist *goc_freelist_new(size_t item_size, size_t max_free) {
    if (item_size == 0 || max_free > SIZE_MAX / 2 / sizeof(goc__fl_slot)) {
        errno = EINVAL;
        return NULL;
    }
    /* The struct is cache-line aligned; GOC_MALLOC only promises max_align_t,
     * so over-allocate and align by hand (the original pointer sits before). */
    size_t need = sizeof(goc_freelist) + GOC_CACHELINE + sizeof(void *);
    char *raw = (char *)GOC_MALLOC(need);
    goc__fl_slot *slots = max_free ? (goc__fl_slot *)GOC_CALLOC(max_free, sizeof *slots) : NULL;
    if (!raw || (max_free && !slots)) {
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
    f->cap = max_free;
    f->slots = slots;
    for (size_t i = 0; i < max_free; i++) goc_atomic_uptr_store_explicit(&slots[i].stamp, i, GOC_RELAXED);
    /* Out of pthread keys (there are ~1024): no thread caches, the ring alone. */
    f->local_max = goc__min_size(max_free, GOC_FREELIST_LOCAL);
    if (f->local_max && pthread_key_create(&f->key, goc__fl_thread_exit) != 0) f->local_max = 0;
    return f;
}

GOC_DEF void *goc_freelist_get(goc_freelist *f) {
    if (!f) return NULL;
    goc__fl_cache *c = f->local_max ? goc__fl_cache_of(f) : NULL;
    if (c && c->n) {                         /* the item this thread put last */
        goc__fl_count(&c->hits);
        return c->items[--c->n];
    }
    void *item;
    if (goc__fl_ring_get(f, &item)) return item;
    goc_atomic_uptr_add(&f->misses, 1);     /* a count only: orders nothing */
    return GOC_MALLOC(f->item_size);
}

GOC_DEF void goc_freelist_put(goc_freelist *f, void *item) {
    if (!f || !item) return;
    goc__fl_cache *c = f->local_max ? goc__fl_cache_of(f) : NULL;
    if (c && c->n < f->local_max) {
        c->items[c->n++] = item;
        goc__fl_count(&c->kept);
        return;
    }
    if (goc__fl_ring_put(f, item)) return;
    goc_atomic_uptr_add(&f->drops, 1);
    GOC_FREE(item);
}

GOC_DEF void goc_freelist_stats(goc_freelist *f, goc_freelist_counts *out) {
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!f) return;
    goc_mutex_lock(&f->lock);
    uint64_t local_hits = f->retired_hits, local_kept = f->retired_kept;
    for (goc__tcache *l = f->caches; l; l = l->next) {
        goc__fl_cache *c = (goc__fl_cache *)l;
        local_hits += goc_atomic_uptr_load_explicit(&c->hits, GOC_RELAXED);
        local_kept += goc_atomic_uptr_load_explicit(&c->kept, GOC_RELAXED);
    }
    goc_mutex_unlock(&f->lock);
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
    if (f->local_max) {
        pthread_key_delete(f->key);         /* exiting threads no longer run the destructor */
        for (goc__tcache *l = f->caches, *next; l; l = next) {
            next = l->next;
            goc__fl_cache *c = (goc__fl_cache *)l;
            for (size_t i = 0; i < c->n; i++) GOC_FREE(c->items[i]);
            GOC_FREE(c);
        }
    }
    void *item;
    while (goc__fl_ring_get(f, &item)) GOC_FREE(item);
    GOC_FREE(f->slots);
    GOC_FREE(((void **)f)[-1]);
}

/* ---- object pool -------------------------------------------------------- */

typedef struct goc__pool_cache {
    goc__tcache link;                      /* owner: the goc_pool */
    size_t n;
    void *items[GOC_POOL_LOCAL > 0 ? GOC_POOL_LOCAL : 1];
} goc__pool_cache;

struct goc_pool {
    void *(*new_fn)(void *);
    void (*free_fn)(void *, void *);
    void *arg;
    size_t max_idle, local_max;
    pthread_key_t key;
    goc_mutex lock;                 /* store, caches list */
    void **store;
    size_t nstore, store_cap;
    goc__tcache *caches;
};

static void goc__pool_drop(goc_pool *p, void *obj) {
    if (p->free_fn) p->free_fn(obj, p->arg);
}

/* Move n objects into the shared store; those beyond max_idle are dropped
 * after the lock is released (free_fn may take locks of its own). */
static void goc__pool_store(goc_pool *p, void **objs, size_t n) {
    size_t kept = 0;
    goc_mutex_lock(&p->lock);
    size_t room = p->max_idle - p->nstore;
    size_t want = n < room ? n : room;
    if (p->nstore + want > p->store_cap) {
        size_t cap = p->store_cap ? p->store_cap * 2 : 2 * GOC_POOL_LOCAL + 8;   /* never 0 */
        while (cap < p->nstore + want) cap *= 2;
        if (cap > p->max_idle) cap = p->max_idle;
        void **grown = (void **)GOC_MALLOC(cap * sizeof(void *));
        if (grown) {
            if (p->nstore) memcpy(grown, p->store, p->nstore * sizeof(void *));
            GOC_FREE(p->store);
            p->store = grown;
            p->store_cap = cap;
        } else {
            want = p->store_cap - p->nstore;    /* no memory: keep what fits */
        }
    }
    for (; kept < want; kept++) p->store[p->nstore++] = objs[kept];
    goc_mutex_unlock(&p->lock);
    for (size_t i = kept; i < n; i++) goc__pool_drop(p, objs[i]);
}

static void goc__pool_thread_exit(void *v) {
    goc__pool_cache *c = (goc__pool_cache *)v;
    goc_pool *p = (goc_pool *)c->link.owner;
    goc_mutex_lock(&p->lock);
    goc__tcache_unlink(&p->caches, &c->link);
    goc_mutex_unlock(&p->lock);
    goc__pool_store(p, c->items, c->n);
    GOC_FREE(c);
}

static goc__pool_cache *goc__pool_cache_of(goc_pool *p) {
    return (goc__pool_cache *)goc__tcache_of(p->key, sizeof(goc__pool_cache), &p->lock, &p->caches, p);
}

GOC_DEF goc_pool *goc_pool_new(void *(*new_fn)(void *), void (*free_fn)(void *, void *),
                               void *arg, size_t max_idle) {
    goc_pool *p = (goc_pool *)GOC_CALLOC(1, sizeof *p);
    if (!p) { errno = ENOMEM; return NULL; }
    if (pthread_key_create(&p->key, goc__pool_thread_exit) != 0) {
        GOC_FREE(p);
        errno = EAGAIN;
        return NULL;
    }
    p->new_fn = new_fn;
    p->free_fn = free_fn;
    p->arg = arg;
    p->max_idle = max_idle;
    p->local_max = goc__min_size(max_idle, GOC_POOL_LOCAL);
    return p;
}

GOC_DEF void *goc_pool_get(goc_pool *p) {
    if (!p) return NULL;
    goc__pool_cache *c = p->local_max ? goc__pool_cache_of(p) : NULL;
    if (c && c->n) return c->items[--c->n];
    void *obj = NULL;
    if (c) {   /* refill half a cache in one visit to the store */
        goc_mutex_lock(&p->lock);
        size_t take = p->nstore < (p->local_max + 1) / 2 ? p->nstore : (p->local_max + 1) / 2;
        for (size_t i = 0; i < take; i++) c->items[c->n++] = p->store[--p->nstore];
        goc_mutex_unlock(&p->lock);
        if (c->n) return c->items[--c->n];
    } else if (p->max_idle) {   /* no cache (out of memory): the store alone */
        goc_mutex_lock(&p->lock);
        if (p->nstore) obj = p->store[--p->nstore];
        goc_mutex_unlock(&p->lock);
        if (obj) return obj;
    }
    return p->new_fn ? p->new_fn(p->arg) : NULL;
}

GOC_DEF void goc_pool_put(goc_pool *p, void *obj) {
    if (!p || !obj) return;
    goc__pool_cache *c = p->local_max ? goc__pool_cache_of(p) : NULL;
    if (!c) { goc__pool_store(p, &obj, 1); return; }
    if (c->n == p->local_max) {   /* spill the older half */
        size_t half = (c->n + 1) / 2;
        goc__pool_store(p, c->items, half);
        memmove(c->items, c->items + half, (c->n - half) * sizeof(void *));
        c->n -= half;
    }
    c->items[c->n++] = obj;
}

GOC_DEF void goc_pool_free(goc_pool *p) {
    if (!p) return;
    /* After this, exiting threads no longer run the destructor. */
    pthread_key_delete(p->key);
    for (goc__tcache *l = p->caches, *next; l; l = next) {
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
