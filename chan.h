/* goc chan.h - v0.1.0 - Go's channels and select for C11
 * SPDX-License-Identifier: MIT
 *
 * Channels carry fixed-size values between threads, in order, with Go's
 * semantics: buffered or unbuffered (a rendezvous), closeable, and
 * selectable. A receive from a closed channel drains what was buffered, then
 * answers GOC_CLOSED; a send on a closed channel answers GOC_CLOSED (it never
 * crashes); a NULL channel is never ready in a select.
 *
 * DO THIS ONCE
 *   In exactly one C file (goc's implementations are C11):
 *       #define GOC_IMPLEMENTATION           (or GOC_ATOMIC_IMPLEMENTATION,
 *       #include "chan.h"                     GOC_SYNC_IMPLEMENTATION and
 *                                             GOC_CHAN_IMPLEMENTATION)
 *   Everywhere else include it plainly. Needs sync.h and atomic.h beside it
 *   (and so stb_ds where sync.h's implementation is compiled). Link with
 *   -pthread.
 *
 * EXAMPLE
 *       goc_chan *ch = goc_chan_make(sizeof(int), 16);  // make(chan int, 16)
 *       int v = 42;
 *       goc_chan_send(ch, &v);                           // ch <- v
 *       if (goc_chan_recv(ch, &v) == GOC_OK) { ... }     // v, ok := <-ch
 *       goc_chan_close(ch);                              // close(ch)
 *       goc_chan_free(ch);                               // drop our reference
 *
 *       goc_case cs[2] = { goc_recv_case(in, &v), goc_send_case(out, &w) };
 *       switch (goc_select_timeout(cs, 2, 10 * GOC_MILLISECOND)) {
 *       case 0: if (!cs[0].ok) { ... in was closed ... } break;
 *       case 1: break;                                   // w was sent
 *       case GOC_TIMEOUT: break;
 *       }
 *
 * OPTIONS (see atomic.h: GOC_STATIC, GOC_SPIN, GOC_MALLOC/GOC_FREE, GOC_NO_FUTEX)
 *   GOC_SPIN (microseconds, default 10) bounds how long a blocked
 *   operation spins before it parks, then it yields the CPU up to
 *   GOC_SPIN / 2 times; 0 parks at once.
 *   GOC_NO_EVENTFD: wake and watching descriptors are pipes (as on
 *   systems other than Linux) rather than eventfds.
 *   GOC_DEBUG: the registry of blocked operations and misuse checks (see
 *   Debugging below).
 *
 * API (every blocking call has a try_ and a _timeout form; a timeout d <= 0
 * polls once without waiting and answers GOC_TIMEOUT if it could not
 * proceed; GOC_FOREVER, or any d too large to add to the clock, is no limit)
 *
 *   goc_chan *goc_chan_make(size_t elem_size, size_t cap);
 *       cap 0: unbuffered; elem_size 0: a signal channel. NULL with errno
 *       EINVAL when the sizes overflow (the channel would exceed
 *       PTRDIFF_MAX bytes), ENOMEM when out of memory.
 *   void   goc_chan_retain(goc_chan *ch);       one more reference
 *   void   goc_chan_free(goc_chan *ch);         drop one; the last one frees
 *   size_t goc_chan_sizeof(size_t elem_size, size_t cap);
 *       bytes goc_chan_init needs (0: the sizes overflow)
 *   goc_chan *goc_chan_init(void *mem, size_t elem_size, size_t cap);
 *       the channel in caller memory (aligned for max_align_t), no
 *       allocation; goc_chan_free on it never frees mem. NULL, errno EINVAL:
 *       mem NULL or sizes overflow.
 *
 *   int goc_chan_send(goc_chan *ch, const void *elem);   GOC_OK | GOC_CLOSED
 *   int goc_chan_recv(goc_chan *ch, void *out);          GOC_OK | GOC_CLOSED
 *       (closed and drained; *out is zeroed)
 *   int goc_chan_try_send(goc_chan *ch, const void *elem);     ... | GOC_WOULDBLOCK
 *   int goc_chan_try_recv(goc_chan *ch, void *out);
 *   int goc_chan_send_timeout(goc_chan *ch, const void *elem, goc_duration d);  ... | GOC_TIMEOUT
 *   int goc_chan_recv_timeout(goc_chan *ch, void *out, goc_duration d);
 *   int goc_chan_close(goc_chan *ch);   GOC_OK: this call closed it; GOC_CLOSED: already closed
 *   size_t goc_chan_len(goc_chan *ch);  values buffered now (0 for unbuffered)
 *   size_t goc_chan_cap(goc_chan *ch);
 *       elem/out point at elem_size bytes; the value is copied. out may be
 *       NULL to discard; with elem_size 0 both may be NULL. A NULL channel,
 *       or a NULL elem with elem_size > 0: GOC_EINVAL (len and cap: 0).
 *
 *   goc_case goc_send_case(goc_chan *ch, const void *elem);
 *   goc_case goc_recv_case(goc_chan *ch, void *out);
 *   int goc_select(goc_case *cases, size_t n);          blocks; the chosen index
 *   int goc_select_try(goc_case *cases, size_t n);      ... | GOC_WOULDBLOCK (Go's default:)
 *   int goc_select_timeout(goc_case *cases, size_t n, goc_duration d);  ... | GOC_TIMEOUT
 *       Exactly one case completes. Ready cases are chosen uniformly at
 *       random. A select that does not wait (select_try, or a timeout
 *       d <= 0) answers "none ready" only if at one instant none of its
 *       cases was ready, as Go's does. A send case on a closed channel and
 *       a receive case on a closed, drained one are ready, and complete
 *       with ok = false (a receive's out is zeroed). A NULL channel is
 *       never ready; with no non-NULL case, goc_select answers GOC_EINVAL,
 *       goc_select_try GOC_WOULDBLOCK, goc_select_timeout waits d and
 *       answers GOC_TIMEOUT (with d GOC_FOREVER it waits for ever, as Go's
 *       select on a lone timer that never fires). A dir other than GOC_SEND/GOC_RECV, or a send
 *       case with a NULL elem (elem_size > 0): GOC_EINVAL. The same channel
 *       may appear in several cases, also as a send and a receive at once.
 *       Up to GOC_SELECT_STACK_CASES cases use no heap; more allocate
 *       (GOC_ENOMEM if that fails).
 *
 *   File descriptors and channels together (POSIX; nothing else in goc
 *   needs these, and nothing costs anything until they are used):
 *   goc_case goc_poll_case(struct pollfd *pfd);
 *       A select case (dir GOC_POLL) that is ready when poll(2) would
 *       report one of pfd->events, or POLLERR / POLLHUP / POLLNVAL, on
 *       pfd->fd. When it is chosen, pfd->revents holds what poll reported
 *       and ok is true (the pfds of cases not chosen are left alone). It
 *       mixes with channel cases in goc_select, _try and _timeout, so one
 *       call waits for "a message, a socket, or a cancel". fd < 0 is never
 *       ready (poll ignores it), like a NULL channel; pfd NULL: GOC_EINVAL.
 *       A select with such a case sleeps in poll(2) instead of on a futex;
 *       channel partners wake it through a wake descriptor (an eventfd, a
 *       pipe where there is none) that it borrows for the call. Those are
 *       never closed (a late wake must not hit somebody's file): there are
 *       as many as selects asleep on descriptors at one time. GOC_ENOMEM
 *       if none could be had (EMFILE). More descriptor cases than poll(2)
 *       takes (RLIMIT_NOFILE, counting the wake descriptor: a waiting
 *       select polls one more than its cases): GOC_EINVAL. Its timeout
 *       is poll's, milliseconds rounded up: never early, up to 1 ms late.
 *       A select without a GOC_POLL case does none of this and costs
 *       what it always did.
 *       A non-waiting select answers for one moment of its channels, and
 *       for its descriptors as of poll's own moment.
 *       Descriptors closed: one closed before the call is chosen with
 *       POLLNVAL; a peer that hangs up (a pipe's or socket's other end)
 *       gives POLLHUP. Do not close a descriptor that a select is waiting
 *       on: Linux's poll keeps waiting on the file (the select ends by
 *       another case or its time only), and the number may be reused by
 *       the next open. Wake the select first (a channel, a context).
 *   int goc_chan_fd(goc_chan *ch);
 *       A descriptor, owned by ch (closed by its last goc_chan_free), that
 *       polls readable (POLLIN / EPOLLIN, level-triggered) while a receive
 *       on ch would not block: a value is buffered, a sender waits
 *       (unbuffered), or ch is closed. For event loops (epoll, libuv,
 *       libevent): wait for it, then goc_chan_try_recv until
 *       GOC_WOULDBLOCK (with EPOLLET, that draining is a must). The same
 *       descriptor on every call; -1 and errno on failure (EINVAL: ch
 *       NULL; EMFILE, ENFILE, ENOMEM). Only poll it: reading or writing it
 *       breaks its level. It may stay readable when a receive would block
 *       (other receivers took the values, a sender gave up): the next
 *       goc_chan_try_recv (or recv_timeout of d <= 0) that answers
 *       GOC_WOULDBLOCK makes it unreadable again, so an event loop that
 *       always tries until GOC_WOULDBLOCK never spins. Cost: none until it
 *       is first asked for (the "watched" flag shares the word every
 *       operation reads anyway); then a send into an empty channel writes
 *       the descriptor and the try that finds the channel empty reads it
 *       (one system call each); other sends read one more word.
 *
 *   Debugging (GOC_DEBUG, defined where the implementation is compiled;
 *   without it these two do nothing, and no other code changes at all -
 *   make test checks that the implementation compiles to the same
 *   instructions with and without the hooks):
 *   void goc_debug_dump(FILE *out);
 *       Prints every operation blocked now, in any thread: the primitive
 *       and operation (chan send / recv, select wait with its cases, mutex
 *       lock, rwmutex lock / rlock, waitgroup wait, cond wait, semaphore
 *       acquire, once do), the object, the channel's name, the thread (its
 *       id and, on Linux, its name) and for how long. goc's answer to Go's
 *       SIGQUIT dump of every goroutine. out NULL: stderr.
 *   void goc_chan_set_name(goc_chan *ch, const char *name);
 *       Names ch in the dump (copied, cut to 31 bytes; NULL or "" clears).
 *   With GOC_DEBUG, GOC_DEBUG_WARN=seconds in the environment starts a
 *   thread that reports on stderr, once, each operation blocked longer
 *   than that; and the last goc_chan_free of a channel that a thread is
 *   blocked on (or is still leaving, in a select), or that another thread
 *   is inside any call on (send, receive, their try_ and _timeout forms,
 *   close, select, goc_chan_fd; with GCC or clang), calls GOC_PANIC with a
 *   message saying so, where it would otherwise free memory in use; so
 *   do a goc_wg_wait woken into a new round (sync.h), and the free of a
 *   goc_pool or goc_smap whose lock another thread holds (goc's mutexes
 *   need no free, so a lock is checked where goc frees one itself). Every operation
 *   then also counts itself in its channels, and every blocked one takes a
 *   global mutex twice: this is for finding bugs, not for production.
 *
 *   GOC_CHAN_TYPED(name, T) declares a type `name` (a struct wrapping the
 *   goc_chan *, passed by value) and static inline functions:
 *       name name_make(size_t cap);         int name_send(name c, T v);
 *       int name_recv(name c, T *out);      int name_try_send(name c, T v);
 *       int name_try_recv(name c, T *out);  int name_send_timeout(name c, T v, goc_duration d);
 *       int name_recv_timeout(name c, T *out, goc_duration d);
 *       int name_close(name c);  void name_free(name c);  size_t name_len(name c), name_cap(name c);
 *       goc_chan *name_chan(name c);        for goc_send_case / goc_recv_case
 *
 * LIFETIME
 *   A channel is reference counted: goc_chan_make returns one reference;
 *   give each thread that uses the channel its own (goc_chan_retain before
 *   handing it over, goc_chan_free when done), or make sure every thread is
 *   finished with it before the last goc_chan_free. Freeing a channel that a
 *   thread is blocked on is a use-after-free, as freeing a locked mutex is.
 *   Values still buffered when the channel is freed are dropped: free what
 *   they point to first.
 *
 * ORDERING (Go's memory model)
 *   Values are received in the order sent (per sender); none is lost or
 *   duplicated. A send happens-before the receive that gets its value
 *   completes. An unbuffered receive happens-before the matching send
 *   completes; for capacity C, the k-th receive happens-before the (k+C)-th
 *   send completes. Close happens-before a receive that answers GOC_CLOSED.
 *
 * COST
 *   A buffered send or receive that does not block is a few atomic
 *   operations and no system call; one that finds a thread waiting on the
 *   other side wakes it (a system call only if that thread is asleep). A
 *   thread that must wait spins briefly (bounded by GOC_SPIN), then parks.
 *   A channel takes 2 cache lines, plus 2 more and cap slots (elem_size plus
 *   a word, rounded up to a word) when buffered.
 *
 * THREAD SAFETY
 *   Every function may be called concurrently from any number of threads on
 *   the same channel, except goc_chan_init (before any other use) and the
 *   last goc_chan_free (after every other use).
 *
 * DOES NOT
 *   grow (no unbounded channels), detect deadlock (a goc_select with no
 *   ready case and no partner blocks for ever, as in Go), or interrupt a
 *   blocked call other than by close or timeout.
 */
#include "sync.h"

#ifndef GOC_CHAN_H
#define GOC_CHAN_H
#include <stdio.h>   /* FILE, for goc_debug_dump */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct goc_chan goc_chan;   /* opaque, reference counted */

GOC_DEF goc_chan *goc_chan_make(size_t elem_size, size_t cap);
GOC_DEF void      goc_chan_retain(goc_chan *ch);
GOC_DEF void      goc_chan_free(goc_chan *ch);
GOC_DEF size_t    goc_chan_sizeof(size_t elem_size, size_t cap);
GOC_DEF goc_chan *goc_chan_init(void *mem, size_t elem_size, size_t cap);
/* For goc's own modules (timer.h, context.h), not a public API: when the
 * last reference to ch goes, call fn(arg) instead of freeing ch's memory
 * (which must then be fn's to free). Set it before ch is shared. This is
 * how a channel that lives inside a bigger object (a timer, a context)
 * keeps that object alive for as long as anyone holds the channel. */
GOC_DEF void goc__chan_on_last(goc_chan *ch, void (*fn)(void *arg), void *arg);
/* For timer.h's fork child handler: whether ch's lock (or its queue of
 * lockers) was held at the fork. In the child that holder does not exist,
 * so the lock is held for ever. */
GOC_DEF bool goc__chan_fork_locked(goc_chan *ch);

GOC_DEF int goc_chan_send(goc_chan *ch, const void *elem);
GOC_DEF int goc_chan_recv(goc_chan *ch, void *out);
GOC_DEF int goc_chan_try_send(goc_chan *ch, const void *elem);
GOC_DEF int goc_chan_try_recv(goc_chan *ch, void *out);
GOC_DEF int goc_chan_send_timeout(goc_chan *ch, const void *elem, goc_duration d);
GOC_DEF int goc_chan_recv_timeout(goc_chan *ch, void *out, goc_duration d);
GOC_DEF int goc_chan_close(goc_chan *ch);
GOC_DEF size_t goc_chan_len(goc_chan *ch);
GOC_DEF size_t goc_chan_cap(goc_chan *ch);
GOC_DEF int goc_chan_fd(goc_chan *ch);
GOC_DEF void goc_chan_set_name(goc_chan *ch, const char *name);
GOC_DEF void goc_debug_dump(FILE *out);

/* ---- select ------------------------------------------------------------- */

#define GOC_SEND 1
#define GOC_RECV 2
#define GOC_POLL 3   /* a file descriptor's case: goc_poll_case */

typedef struct goc_case {
    goc_chan *ch;    /* NULL: this case is never ready (unused by GOC_POLL) */
    int       dir;   /* GOC_SEND, GOC_RECV or GOC_POLL */
    void     *elem;  /* send: the value (only read); recv: where to put it (NULL
                        discards); poll: the struct pollfd */
    bool      ok;    /* set on the chosen case: false when it completed because ch is closed */
} goc_case;

/* Cases up to this many need no heap in a select. */
#define GOC_SELECT_STACK_CASES 16

GOC_INLINE goc_case goc_send_case(goc_chan *ch, const void *elem) {
    goc_case c;
    c.ch = ch;
    c.dir = GOC_SEND;
    c.elem = (void *)(uintptr_t)elem;   /* a send case's value is only read */
    c.ok = false;
    return c;
}

GOC_INLINE goc_case goc_recv_case(goc_chan *ch, void *out) {
    goc_case c;
    c.ch = ch;
    c.dir = GOC_RECV;
    c.elem = out;
    c.ok = false;
    return c;
}

/* A case ready when poll(2) would report one of pfd->events (or POLLERR,
 * POLLHUP, POLLNVAL) on pfd->fd; see the manual above. */
struct pollfd;
GOC_INLINE goc_case goc_poll_case(struct pollfd *pfd) {
    goc_case c;
    c.ch = NULL;
    c.dir = GOC_POLL;
    c.elem = pfd;
    c.ok = false;
    return c;
}

GOC_DEF int goc_select(goc_case *cases, size_t n);
GOC_DEF int goc_select_try(goc_case *cases, size_t n);
GOC_DEF int goc_select_timeout(goc_case *cases, size_t n, goc_duration d);

/* ---- typed channels ----------------------------------------------------- */

#define GOC_CHAN_TYPED(name, T)                                                     \
    typedef struct name { goc_chan *ch; } name;                                     \
    GOC_INLINE name name##_make(size_t cap) {                                       \
        name c; c.ch = goc_chan_make(sizeof(T), cap); return c; }                   \
    GOC_INLINE int name##_send(name c, T v) { return goc_chan_send(c.ch, &v); }     \
    GOC_INLINE int name##_recv(name c, T *out) { return goc_chan_recv(c.ch, out); } \
    GOC_INLINE int name##_try_send(name c, T v) { return goc_chan_try_send(c.ch, &v); } \
    GOC_INLINE int name##_try_recv(name c, T *out) { return goc_chan_try_recv(c.ch, out); } \
    GOC_INLINE int name##_send_timeout(name c, T v, goc_duration d) {              \
        return goc_chan_send_timeout(c.ch, &v, d); }                                \
    GOC_INLINE int name##_recv_timeout(name c, T *out, goc_duration d) {           \
        return goc_chan_recv_timeout(c.ch, out, d); }                               \
    GOC_INLINE int name##_close(name c) { return goc_chan_close(c.ch); }            \
    GOC_INLINE void name##_free(name c) { goc_chan_free(c.ch); }                    \
    GOC_INLINE size_t name##_len(name c) { return goc_chan_len(c.ch); }             \
    GOC_INLINE size_t name##_cap(name c) { return goc_chan_cap(c.ch); }             \
    GOC_INLINE goc_chan *name##_chan(name c) { return c.ch; }                       \
    typedef int name##_goc_typed_end_  /* swallows the caller's semicolon */

#ifdef __cplusplus
}
#endif

#endif /* GOC_CHAN_H */

/* ======================================================================== */
/*                             IMPLEMENTATION                               */
/* ======================================================================== */

#if (defined(GOC_CHAN_IMPLEMENTATION) || defined(GOC_IMPLEMENTATION)) && \
    !defined(GOC_CHAN_IMPL_INCLUDED)
#define GOC_CHAN_IMPL_INCLUDED

#ifdef __cplusplus
#error "goc: compile the implementation as C11 (the declarations are fine in C++)"
#endif
#if !defined(GOC_SYNC_IMPL_INCLUDED) && !defined(GOC_IMPLEMENTATION)
/* Not an error: sync's implementation may be compiled in another file. */
#endif

/*
 * Design
 *
 * Two flavours behind one interface, as in crossbeam-channel: a buffered
 * channel is a lock-free ring, an unbuffered one a rendezvous under a lock.
 * Both share the waiting machinery below, and select drives both.
 *
 * Buffered: Dmitry Vyukov's bounded MPMC queue, with crossbeam's layout of
 * the positions. Every slot carries a stamp; `tail` (senders) and `head`
 * (receivers) are positions {lap, mark, index}: index in [0, cap), a mark
 * bit above it (set in tail when the channel is closed), and a lap counter
 * above that. A slot is free for the sender at position p when its stamp
 * is p, and holds a value for the receiver at position p when its stamp is
 * p + 1. A sender claims its position with a CAS on tail, copies the value
 * in, and publishes it by storing stamp = p + 1 (release); the receiver
 * claims with a CAS on head, copies out, and frees the slot for the next
 * lap by storing stamp = p + one_lap (release). So an uncontended send or
 * receive is one CAS and one store, and never takes a lock. Between a
 * claim and its publishing store the slot is "in progress": another party
 * that needs that very slot waits for it (it is a few instructions of the
 * other thread, unless the scheduler preempted it there).
 *
 * Waiting. A thread that must block puts an entry (on its own stack) into
 * the channel's queue of waiting senders or receivers, under the channel's
 * lock, and waits on a claim word, also on its stack:
 *     WAITING            nobody has claimed the operation yet
 *     BUSY               a partner claimed a select's case and is moving
 *                        the value (unbuffered)
 *     DONE + 2i + moved  finished: case i (0 for a plain send or receive);
 *                        moved = 1 when the partner moved the value, 0 when
 *                        the owner is only told "try again" (a buffered
 *                        channel changed, or the channel closed)
 *     ABORTED            a select gave up (its time ran out, or it found a
 *                        case ready while it was still registering)
 * plus a SLEEPING bit, set by the owner before it sleeps in goc_wait_u32,
 * so that the partner makes a wake system call only for a thread that is
 * really asleep. The owner spins on the word (checking it at every pause),
 * then yields, then parks.
 * Two kinds of entry. A plain send or receive has its own word: the party
 * that pops its entry under the lock has claimed it, and writes the word
 * once, with the final value. Its owner, when its time runs out, takes
 * the lock: still queued, it unlinks itself and times out; popped, it
 * waits for the final word, which follows at once. A select's cases share
 * one word, so a claim is a CAS out of WAITING, and the first one wins:
 * exactly one case completes.
 * A buffered channel does not hand values to waiters: after each
 * operation it tells one waiter on the other side "try again", and only
 * when the `waiting` bits say somebody waits there, so that a send or a
 * receive costs a lock only when a thread is actually blocked. A select
 * told to try again tries that case first, so a wake-up is never spent on
 * nothing while another waiter sleeps. Before it queues at all, a blocked
 * ring operation watches the one slot it needs for a while (see
 * goc__ring_watch).
 * An unbuffered channel pairs the parties directly: the one that arrives
 * second pops the first one's entry and copies the value straight from the
 * sender's memory into the receiver's, or into the small buffer beside a
 * plain waiter's word, so that one cache line carries word, entry and value.
 *
 * Lost wake-ups. Buffered: a waiter sets its queue's `waiting` bit
 * (seq_cst) and then reads head and tail (seq_cst) to see whether its case
 * became ready; a partner changes head or tail (seq_cst CAS) and then reads
 * the bits (seq_cst). In the single order of seq_cst operations one of the
 * two comes first, so either the partner sees the bit and wakes someone,
 * or the waiter sees the new position and does not sleep (Dekker's
 * pattern, as crossbeam's SyncWaker). Unbuffered: queueing and pairing
 * happen under the channel's lock, so the pairing party always sees the
 * entry.
 *
 * Select polls its cases in a random order, but a non-blocking select must
 * answer for one moment of all its channels (Go locks them all): it notes
 * a version of each case before looking at it and re-reads them when none
 * was ready (see goc__select).
 *
 * Descriptors (goc_poll_case, goc_chan_fd) have a section of their own,
 * near the end. In short: a select with descriptor cases sleeps in poll(2)
 * and is woken through a descriptor its entries point to (entry kind
 * GOC__CE_POLLSEL); a watched channel has a WATCH bit in `waiting`, so
 * that the word every operation reads anyway says whether to update the
 * watching descriptor.
 *
 * Invariants (under the channel's lock):
 *  - a select's entry is in a queue exactly while its `linked` is 1; a
 *    plain entry is in its queue exactly until its claimer pops it;
 *  - a queue's `waiting` bit is set exactly while the queue is not empty;
 *    the WATCH bit is set once, after `watch`, and never cleared; the
 *    version above the bits grows with every queueing and at close;
 *  - entries in a queue may be dead (a select whose word already left
 *    WAITING through another channel, or aborted); whoever meets one
 *    drops it;
 *  - unbuffered: after close nobody queues (they see `closed` under the
 *    lock), and close empties both queues.
 *
 * Use-after-free hazards avoided: an owner may return from its call (and
 * its stack vanish) as soon as its word is final and its entry is out of
 * every queue. A plain entry's claimer therefore reads what it needs, and
 * its last touch is the final word. A select's entry may be popped by a
 * party that then fails its CAS (the select won elsewhere); that party's
 * last touch is `linked = 0` (release), still under the lock, and the
 * owner, seeing linked == 0 (acquire), may leave without taking the lock,
 * and otherwise takes the lock to unlink itself. After the final word a
 * partner only wakes it by address (safe even when the memory is gone, see
 * atomic.h). Wakes happen after the lock is dropped.
 *
 * Lock order: a channel's lock is a leaf. No thread holds two channel
 * locks at once: select registers and unregisters one channel at a time
 * (it does not need Go's "lock every channel in address order" because a
 * claim word, not the locks, decides which case wins).
 *
 * Sources: Vyukov, "Bounded MPMC queue" (1024cores.net); crossbeam-channel's
 * flavors/array.rs, zero.rs, waker.rs and select.rs; Go's runtime/chan.go
 * and select.go. The ideas carry over; the code is goc's own.
 */

#include <errno.h>
#include <string.h>
#include <stdlib.h>
#ifndef GOC_MODEL_CHECK          /* GenMC checks the protocols, not the descriptors */
#  include <fcntl.h>
#  include <pthread.h>
#  include <poll.h>
#  include <unistd.h>
#  if defined(__linux__) && !defined(GOC_NO_EVENTFD)
#    include <sys/eventfd.h>
#    define GOC__CH_EVENTFD 1    /* else the portable path: a pipe */
#  endif
#endif

#define GOC__CH_WAITING  0u
#define GOC__CH_ABORTED  1u
#define GOC__CH_BUSY     2u
#define GOC__CH_DONE     3u             /* + 2 * case index + completed */
#define GOC__CH_SLEEPING 0x80000000u    /* the owner is (about to be) asleep */
#define GOC__CH_DEADLINE 0xFFFFFFFFu    /* goc__chan_wait: the time ran out */

#if defined(__GNUC__) || defined(__clang__)
#  define GOC__CH_COLD __attribute__((noinline, cold))   /* keep slow paths off the fast ones */
#  define GOC__CH_HOT  static inline __attribute__((always_inline))
#else
#  define GOC__CH_COLD
#  define GOC__CH_HOT  static inline
#endif

#ifndef GOC__TEST_HOOK_SELECT_POLLED     /* tests/test_hooks.c widens races with it */
#  define GOC__TEST_HOOK_SELECT_POLLED() ((void)0)
#endif

#define GOC__CH_POLL        (-1)        /* deadline: do not wait at all */
#define GOC__CH_NO_DEADLINE INT64_MAX

/* The `waiting` word: which queue is non-empty (two bits), whether a
 * descriptor watches the channel (goc_chan_fd), and above them a version,
 * bumped whenever an entry is queued or the channel closes - whenever a
 * case on the channel may have become ready (see select). */
#define GOC__CH_RECVQ 1u
#define GOC__CH_SENDQ 2u
#define GOC__CH_WATCH 4u
#define GOC__CH_VERSION 8u

/* What kind of waiter an entry is (goc__centry.select). */
#define GOC__CE_PLAIN   0   /* a plain send or receive: popping it claims it */
#define GOC__CE_SELECT  1   /* a case of a select: claimed by CAS on its word */
#define GOC__CE_POLLSEL 2   /* the same, of a select that sleeps in poll(2): its
                               word is the first member of a goc__pollword */

/* A queued operation: one per case of a blocked select, or the one of a
 * blocked send/recv. Lives on the owner's stack. */
typedef struct goc__centry {
    struct goc__centry *next, *prev;  /* queue links; guarded by the channel lock
                                         (close reuses next for its private list) */
    goc_atomic_u32     *word;         /* the owner's claim word (one per select) */
    void               *elem;         /* send: the value; recv: destination or NULL */
    uint32_t            index;        /* case index: DONE + 2 * index names it */
    uint8_t             select;       /* GOC__CE_*: a select's case is claimed by CAS
                                         on word; a plain one by popping it */
    goc_atomic_u32      linked;       /* 1 while queued; see the design note */
} goc__centry;

/* What a case's readiness depends on: it changes whenever the case may
 * have become ready - a buffered channel's positions (a send, a receive,
 * the close mark), an unbuffered one's queueing version. Noting it also
 * tells whether the case was plainly not ready at one moment, from the
 * same loads: a receive reads head, then tail, and equal means empty when
 * tail was read (head never passes tail); a send reads tail, then head, and
 * head + one lap == tail means full when head was read (tail never passes
 * head by more). Then the poll need not try the case. Acquire: pairs with
 * the release (or seq_cst) writes of those words, so that if our poll of
 * one channel saw the effect of a later operation, the re-read of this one
 * sees what came before it. */
typedef struct goc__cver { uintptr_t a, b; } goc__cver;

typedef struct goc__chq {
    goc__centry *head, *tail;         /* FIFO; guarded by the channel lock */
} goc__chq;

/* The slots of a buffered channel follow the struct; each is a stamp and
 * then elem_size bytes, rounded up to the stamp's alignment. */
typedef struct goc__slot {
    goc_atomic_uptr stamp;
    unsigned char   data[];
} goc__slot;

struct goc_chan {
    /* Constant after set-up: read by every operation. */
    size_t         elem_size;
    size_t         cap;               /* 0: unbuffered */
    size_t         slot_size;         /* stride of the slots */
    uintptr_t      one_lap;           /* buffered: 2 * mark_bit */
    uintptr_t      mark_bit;          /* buffered: the closed bit in tail */
    void          *mem;               /* what to GOC_FREE at the end, or NULL (caller memory) */
    void         (*last_fn)(void *);  /* instead, at the end: goc__chan_on_last */
    void          *last_arg;
    goc_atomic_u32 refs;
    goc_atomic_uptr watch;            /* goc__chwatch *, 0 until goc_chan_fd; set once,
                                         under lock, before the WATCH bit */
#ifdef GOC_DEBUG
    char           dbg_name[32];      /* goc_chan_set_name; under lock */
    goc_atomic_u32 dbg_inside;        /* threads inside a public operation on it */
#endif

    /* The waiters, all on one cache line: a partner that takes the lock
     * finds the queues it needs already in hand. */
    GOC_ALIGNED_CACHELINE goc_mutex lock;   /* guards the queues and `closed` */
    goc__chq       recvq, sendq;      /* waiting receivers and senders */
    goc_atomic_u32 closed;            /* set once, under lock; for buffered, tail's mark is the truth */
    goc_atomic_u32 waiting;           /* RECVQ | SENDQ | version: written under the
                                         lock, read without it */

    /* Buffered only: an unbuffered channel's memory ends here. */
    GOC_ALIGNED_CACHELINE goc_atomic_uptr head;   /* receivers' position */
    GOC_ALIGNED_CACHELINE goc_atomic_uptr tail;   /* senders' position | mark when closed */
    GOC_ALIGNED_CACHELINE unsigned char slots[];
};

/* Descriptors (defined with goc_chan_fd below). */
static GOC__CH_COLD void goc__chwatch_signal(goc_chan *c, bool locked);
static GOC__CH_COLD void goc__chwatch_drain(goc_chan *c);
static GOC__CH_COLD void goc__chwatch_unlist(uintptr_t watch);
static GOC__CH_COLD void goc__chwatch_free(uintptr_t watch);
static void goc__fd_signal(int wfd);

/* ---- sizes and set-up ---------------------------------------------------- */

/* Bytes of the channel proper (from its cache-line aligned start); 0 when
 * the sizes overflow. Positions need a lap counter above index and mark, so
 * cap is limited to a quarter of the address space. */
static size_t goc__chan_bytes(size_t elem_size, size_t cap, size_t *slot_size) {
    const size_t a = sizeof(goc_atomic_uptr);
    *slot_size = 0;
    if (cap == 0) return offsetof(struct goc_chan, head);
    if (elem_size > SIZE_MAX - 2 * a || cap > SIZE_MAX / 8) return 0;
    size_t slot = (a + elem_size + a - 1) / a * a;
    if (cap > (SIZE_MAX - sizeof(struct goc_chan)) / slot) return 0;
    /* No object may be larger than PTRDIFF_MAX (pointer differences inside
     * it would overflow): refused here rather than by malloc. */
    if (sizeof(struct goc_chan) + slot * cap > (size_t)PTRDIFF_MAX - GOC_CACHELINE) return 0;
    *slot_size = slot;
    return sizeof(struct goc_chan) + slot * cap;
}

GOC_DEF size_t goc_chan_sizeof(size_t elem_size, size_t cap) {
    size_t slot, n = goc__chan_bytes(elem_size, cap, &slot);
    /* slack to align the start to a cache line within max_align_t memory */
    if (n == 0 || n > SIZE_MAX - GOC_CACHELINE) return 0;
    return n + GOC_CACHELINE - _Alignof(max_align_t);
}

static goc__slot *goc__chan_slot(goc_chan *c, uintptr_t index) {
    return (goc__slot *)(void *)(c->slots + index * c->slot_size);
}

static goc_chan *goc__chan_setup(void *mem, void *owned, size_t elem_size, size_t cap) {
    size_t slot, bytes = goc__chan_bytes(elem_size, cap, &slot);
    uintptr_t p = ((uintptr_t)mem + GOC_CACHELINE - 1) & ~(uintptr_t)(GOC_CACHELINE - 1);
    goc_chan *c = (goc_chan *)p;
#ifndef GOC_MODEL_CHECK
    memset(c, 0, bytes);   /* zero: unlocked mutex, empty queues, positions 0 */
#else
    /* GenMC needs every later read to match the width of the write it
     * reads, which a fill of run-time size cannot know: field by field. */
    (void)bytes;
    c->one_lap = c->mark_bit = 0;
    c->last_fn = NULL;
    c->last_arg = NULL;
    c->lock = (goc_mutex){0};
    c->recvq = c->sendq = (goc__chq){0};
    goc_atomic_u32_store_explicit(&c->closed, 0, GOC_RELAXED);
    goc_atomic_u32_store_explicit(&c->waiting, 0, GOC_RELAXED);
    goc_atomic_uptr_store_explicit(&c->watch, 0, GOC_RELAXED);
    if (cap) {
        goc_atomic_uptr_store_explicit(&c->head, 0, GOC_RELAXED);
        goc_atomic_uptr_store_explicit(&c->tail, 0, GOC_RELAXED);
    }
#endif
    c->elem_size = elem_size;
    c->cap = cap;
    c->slot_size = slot;
    c->mem = owned;
    goc_atomic_u32_store_explicit(&c->refs, 1, GOC_RELAXED);
    if (cap) {
        uintptr_t mark = 1;
        while (mark < cap + 1) mark <<= 1;       /* next power of two above cap */
        c->mark_bit = mark;
        c->one_lap = mark << 1;
        /* Slot i is free for the sender at position i of lap 0. */
        for (size_t i = 0; i < cap; i++)
            goc_atomic_uptr_store_explicit(&goc__chan_slot(c, i)->stamp, i, GOC_RELAXED);
    }
    /* Publishing the channel to other threads (through whatever the caller
     * uses to hand the pointer over) orders these plain stores. */
    return c;
}

GOC_DEF goc_chan *goc_chan_init(void *mem, size_t elem_size, size_t cap) {
    if (!mem || goc_chan_sizeof(elem_size, cap) == 0) { errno = EINVAL; return NULL; }
    return goc__chan_setup(mem, NULL, elem_size, cap);
}

GOC_DEF goc_chan *goc_chan_make(size_t elem_size, size_t cap) {
    size_t n = goc_chan_sizeof(elem_size, cap);
    if (n == 0) { errno = EINVAL; return NULL; }
    void *mem = GOC_MALLOC(n);
    if (!mem) { errno = ENOMEM; return NULL; }
    return goc__chan_setup(mem, mem, elem_size, cap);
}

GOC_DEF void goc_chan_retain(goc_chan *c) {
    /* Relaxed: the caller already holds a reference, so the channel is
     * alive; the new reference is handed over by the caller's own means. */
    if (c) goc_atomic_u32_fetch_add_explicit(&c->refs, 1, GOC_RELAXED);
}

GOC_DEF void goc_chan_free(goc_chan *c) {
    if (!c) return;
    /* acq_rel: the release half puts this thread's uses of the channel
     * before its drop; the acquire half, on the last drop, makes every
     * other thread's uses visible before the memory goes. (The usual
     * release-then-acquire-fence is the same on hardware, but
     * ThreadSanitizer does not model fences; drops are rare.) */
    if (goc_atomic_u32_fetch_add_explicit(&c->refs, (uint32_t)-1, GOC_ACQ_REL) != 1) return;
#ifdef GOC_DEBUG
    /* An entry still queued is a thread blocked on the channel, or a
     * select still leaving it: freeing now would be a use after free. */
    goc_mutex_lock(&c->lock);
    bool busy = c->recvq.head || c->sendq.head;
    goc_mutex_unlock(&c->lock);
    if (busy)
        GOC_PANIC("goc_chan_free: the last reference to a channel that a thread is blocked on "
                  "(or still inside a select on it) - that would be a use after free");
    /* acquire: pairs with the release of every operation's leaving, so a
     * 0 here means their last touches are over. A channel with an owner's
     * hook (a timer's) is exempt: its hook waits for the owner's send. */
    if (!c->last_fn && goc_atomic_u32_load_explicit(&c->dbg_inside, GOC_ACQUIRE))
        GOC_PANIC("goc_chan_free: the last reference to a channel that another thread is still "
                  "inside an operation on (send, receive, close, select...) - that would be a "
                  "use after free; give that thread its own reference (goc_chan_retain)");
#endif
    /* The watcher goes last: an owner's hook (a timer's) first waits until
     * its thread's send, whose notify may still be updating the
     * descriptor, is over. */
    uintptr_t watch = goc_atomic_uptr_load_explicit(&c->watch, GOC_RELAXED);
    if (watch) goc__chwatch_unlist(watch);   /* before c goes: a fork child reads c through it */
    if (c->last_fn) c->last_fn(c->last_arg);
    else if (c->mem) GOC_FREE(c->mem);
    if (watch) goc__chwatch_free(watch);
}

GOC_DEF void goc__chan_on_last(goc_chan *c, void (*fn)(void *arg), void *arg) {
    c->last_fn = fn;     /* before c is shared: published with it */
    c->last_arg = arg;
}

GOC_DEF bool goc__chan_fork_locked(goc_chan *c) {
    /* Relaxed: the child has one thread, and fork copied the word. */
    return goc_atomic_u32_load_explicit(&c->lock.state, GOC_RELAXED) != 0;
}

GOC_DEF size_t goc_chan_cap(goc_chan *c) { return c ? c->cap : 0; }

GOC_DEF size_t goc_chan_len(goc_chan *c) {
    if (!c || !c->cap) return 0;
    for (;;) {
        /* A consistent pair: tail unchanged around the read of head. */
        uintptr_t tail = goc_atomic_uptr_load(&c->tail);
        uintptr_t head = goc_atomic_uptr_load(&c->head);
        if (goc_atomic_uptr_load(&c->tail) != tail) continue;
        uintptr_t hix = head & (c->mark_bit - 1), tix = tail & (c->mark_bit - 1);
        if (hix < tix) return tix - hix;
        if (hix > tix) return c->cap - hix + tix;
        return (tail & ~c->mark_bit) == head ? 0 : c->cap;
    }
}

/* Copy one element: the common sizes as fixed-size copies the compiler
 * turns into a move or two, the rest through memcpy. */
static inline void goc__chan_copy(void *dst, const void *src, size_t n) {
    switch (n) {
    case 0: break;
    case 4: memcpy(dst, src, 4); break;
    case 8: memcpy(dst, src, 8); break;
    case 16: memcpy(dst, src, 16); break;
    default: memcpy(dst, src, n); break;
    }
}

/* The same for an element known to be at most GOC__CH_INLINE (8) bytes. */
static inline void goc__chan_copy_small(void *dst, const void *src, size_t n) {
    if (n == 8) memcpy(dst, src, 8);
    else if (n == 4) memcpy(dst, src, 4);
    else memcpy(dst, src, n & 7);       /* n < 8 here; the mask lets the compiler see it */
}

/* Sleep for d: a wait on a private word that nobody changes or wakes (a
 * spurious return only shortens one nap). */
static void goc__chan_nap(goc_duration d) {
    goc_atomic_u32 never = {0};
    goc_wait_u32(&never, 0, d);
}

/* Wait a moment for another thread's few instructions (an in-progress
 * slot): spin and yield within the GOC_SPIN budget, then sleep in short
 * slices, so that GOC_SPIN=0 really means no spinning. */
static void goc__chan_pause(goc_backoff *b) {
    if (!goc_backoff_snooze(b)) goc__chan_nap(20 * GOC_MICROSECOND);
}

/* ---- waiter queues --------------------------------------------------------- */

static goc__chq *goc__chan_q(goc_chan *c, int dir) {
    return dir == GOC_SEND ? &c->sendq : &c->recvq;
}
static uint32_t goc__chan_qbit(int dir) {
    return dir == GOC_SEND ? GOC__CH_SENDQ : GOC__CH_RECVQ;
}

/* All under the channel lock. */
static void goc__chq_push(goc_chan *c, int dir, goc__centry *e) {
    goc__chq *q = goc__chan_q(c, dir);
    e->next = NULL;
    e->prev = q->tail;
    if (q->tail) q->tail->next = e; else q->head = e;
    q->tail = e;
    goc_atomic_u32_store_explicit(&e->linked, 1, GOC_RELAXED);   /* the lock publishes it */
    /* Only lock holders write `waiting`, so load and store will do.
     * seq_cst store: the waiter's half of the Dekker pattern in the design
     * note; the re-check of the ring that follows must not come before it. */
    uint32_t w = goc_atomic_u32_load_explicit(&c->waiting, GOC_RELAXED);
    goc_atomic_u32_store(&c->waiting, (w + GOC__CH_VERSION) | goc__chan_qbit(dir));
    /* A sender queued on an unbuffered channel: a receive would not block. */
    if ((w & GOC__CH_WATCH) && dir == GOC_SEND && !c->cap) goc__chwatch_signal(c, false);
}

static void goc__chq_unlink(goc_chan *c, int dir, goc__centry *e) {
    goc__chq *q = goc__chan_q(c, dir);
    if (e->prev) e->prev->next = e->next; else q->head = e->next;
    if (e->next) e->next->prev = e->prev; else q->tail = e->prev;
    if (!q->head) {
        uint32_t w = goc_atomic_u32_load_explicit(&c->waiting, GOC_RELAXED);
        goc_atomic_u32_store_explicit(&c->waiting, w & ~goc__chan_qbit(dir), GOC_RELAXED);
    }
}

/* A sleeping owner to wake once the lock is dropped: by its word's
 * address, or, for a select asleep in poll(2), through its wake
 * descriptor (read from the entry before the final word: see
 * goc__chan_finish). */
typedef struct goc__wakeup { goc_atomic_u32 *word; int wfd; } goc__wakeup;

/* A select that sleeps in poll(2) (goc__select_fds) has its claim word in
 * this, so that a partner holding one of its entries finds the descriptor
 * that wakes it. */
typedef struct goc__pollword {
    goc_atomic_u32 word;              /* first: an entry's `word` points here */
    int            wfd;               /* write end of its wake descriptor */
} goc__pollword;

static int goc__entry_wfd(const goc__centry *e) {
    return e->select == GOC__CE_POLLSEL ? ((const goc__pollword *)(const void *)e->word)->wfd : -1;
}

static void goc__chan_wake(goc__wakeup wk) {
    if (wk.wfd >= 0) goc__fd_signal(wk.wfd);
    else goc_wake_one(wk.word);
}

/* Pop the first live entry of the queue of direction dir and claim it; dead
 * ones are dropped. Under the lock. A plain entry is claimed by popping it:
 * its owner waits for our final word (and takes the lock to give up). A
 * select's entry is claimed by a CAS of its shared word out of WAITING: to
 * BUSY when we are going to move a value (and finish later), or straight
 * to DONE ("try again"). Returns the entry if it must still be finished
 * with goc__chan_finish, else NULL; *woken is set (word non-NULL) for a
 * select claimed straight to DONE whose owner sleeps: wake it after
 * unlocking, by what *woken holds (the entry may be gone by then). */
static goc__centry *goc__chq_claim(goc_chan *c, int dir, bool busy, goc__wakeup *woken) {
    goc__centry *e;
    woken->word = NULL;
    while ((e = goc__chan_q(c, dir)->head) != NULL) {
        goc__chq_unlink(c, dir, e);
        if (!e->select) return e;         /* its owner finds out by looking (give_up) */
        goc_atomic_u32 *w = e->word;
        uint32_t to = busy ? GOC__CH_BUSY : GOC__CH_DONE + 2 * e->index;
        uint32_t old = goc_atomic_u32_load_explicit(w, GOC_RELAXED);
        bool won = false;
        while ((old & ~GOC__CH_SLEEPING) == GOC__CH_WAITING) {
            /* acq_rel: the claim is ordered after what the owner wrote before
             * queueing (the lock orders it too), and a DONE publishes itself. */
            if (goc_atomic_u32_cas_weak_explicit(w, &old, to | (old & GOC__CH_SLEEPING),
                                                 GOC_ACQ_REL, GOC_RELAXED)) {
                won = true;
                break;
            }
        }
        /* The last touch of a dead entry, or of one claimed straight to
         * DONE, whose owner may leave as soon as it sees linked == 0:
         * release, paired with the acquire in goc__chan_unregister. So
         * the wake descriptor, in the owner's frame, is read before it. */
        int wfd = won && !busy && (old & GOC__CH_SLEEPING) ? goc__entry_wfd(e) : -1;
        goc_atomic_u32_store_explicit(&e->linked, 0, GOC_RELEASE);
        if (!won) continue;
        if (busy) return e;               /* ours until goc__chan_finish */
        if (old & GOC__CH_SLEEPING) {
            woken->word = w;
            woken->wfd = wfd;
        }
        return NULL;
    }
    return NULL;
}

/* End a claimed operation: DONE + 2 * index + completed, and wake its owner
 * if it sleeps. Release: the value we copied travels with it, to the
 * owner's acquire load in goc__chan_wait. The entry may vanish right after
 * the swap, so only its word's address is used then. Not under the lock. */
static void goc__chan_finish(goc__centry *e, bool completed) {
    goc__wakeup wk = { e->word, goc__entry_wfd(e) };   /* read before the swap */
    uint32_t old = goc_atomic_u32_swap_explicit(wk.word, GOC__CH_DONE + 2 * e->index + completed, GOC_RELEASE);
    if (old & GOC__CH_SLEEPING) goc__chan_wake(wk);
}

/* After a buffered operation: if somebody waits on the other side (the
 * queue of direction dir), tell the first live one to try again; after a
 * send, if a descriptor watches the channel, make it readable. The seq_cst
 * load is the partner's half of the Dekker pattern: it follows our seq_cst
 * CAS of head or tail. The check is inline, the rest is not; the WATCH bit
 * rides in the same word, so a channel nobody watches pays nothing for
 * it (dir is a constant where this is inlined, and so is the mask). */
static GOC__CH_COLD void goc__chan_notify_slow(goc_chan *c, int dir, uint32_t seen);
static inline void goc__chan_notify(goc_chan *c, int dir) {
    uint32_t w = goc_atomic_u32_load(&c->waiting);
    if (w & (goc__chan_qbit(dir) | (dir == GOC_RECV ? GOC__CH_WATCH : 0u))) goc__chan_notify_slow(c, dir, w);
}

static GOC__CH_COLD void goc__chan_notify_slow(goc_chan *c, int dir, uint32_t seen) {
    if (seen & goc__chan_qbit(dir)) {
        goc__wakeup woken;
        goc_mutex_lock(&c->lock);
        goc__centry *e = goc__chq_claim(c, dir, false, &woken);
        goc_mutex_unlock(&c->lock);
        if (e) goc__chan_finish(e, false);          /* a plain waiter: "try again" */
        if (woken.word) goc__chan_wake(woken);      /* after unlocking; by address only */
    }
    if ((seen & GOC__CH_WATCH) && dir == GOC_RECV) goc__chwatch_signal(c, false);
}

/* ---- buffered: the ring ------------------------------------------------------ */

/* Try to put one value in. GOC_OK, GOC_WOULDBLOCK (full), GOC_CLOSED.
 * Waits only for an in-progress slot (see the design note). The whole
 * algorithm; goc__ring_send below tries its common case inline first. */
static GOC__CH_COLD int goc__ring_send_slow(goc_chan *c, const void *elem) {
    goc_backoff b = {0};
    /* Acquire loads of the positions: a position we see carries the
     * writes of the operation that set it (select relies on that to act
     * on one moment of every channel it polls). */
    uintptr_t tail = goc_atomic_uptr_load_explicit(&c->tail, GOC_ACQUIRE);
    for (;;) {
        if (tail & c->mark_bit) return GOC_CLOSED;
        uintptr_t index = tail & (c->mark_bit - 1);
        uintptr_t lap = tail & ~(c->one_lap - 1);
        goc__slot *s = goc__chan_slot(c, index);
        /* Acquire: pairs with the receiver's release of this slot, so its
         * copy out happened before our copy in. */
        uintptr_t stamp = goc_atomic_uptr_load_explicit(&s->stamp, GOC_ACQUIRE);
        if (stamp == tail) {
            uintptr_t next = index + 1 < c->cap ? tail + 1 : lap + c->one_lap;
            /* seq_cst: the Dekker pattern with waiting receivers. */
            if (goc_atomic_uptr_cas_weak_explicit(&c->tail, &tail, next, GOC_SEQ_CST, GOC_ACQUIRE)) {
                goc__chan_copy(s->data, elem, c->elem_size);
                /* Release: the value is in before a receiver sees the stamp. */
                goc_atomic_uptr_store_explicit(&s->stamp, tail + 1, GOC_RELEASE);
                goc__chan_notify(c, GOC_RECV);
                return GOC_OK;
            }
            goc_backoff_spin(&b);          /* lost to another sender: retry */
        } else if (stamp + c->one_lap == tail + 1) {
            /* The slot holds last lap's value: full, unless its receiver
             * has claimed it and is still copying out. */
            uintptr_t head = goc_atomic_uptr_load_explicit(&c->head, GOC_ACQUIRE);
            if (head + c->one_lap == tail) return GOC_WOULDBLOCK;
            goc__chan_pause(&b);
            tail = goc_atomic_uptr_load_explicit(&c->tail, GOC_ACQUIRE);
        } else {
            /* Our view of tail is stale (another sender moved on). */
            goc_backoff_spin(&b);
            tail = goc_atomic_uptr_load_explicit(&c->tail, GOC_ACQUIRE);
        }
    }
}

/* Try to take one value out. GOC_OK, GOC_WOULDBLOCK (empty), GOC_CLOSED
 * (closed and drained: *out zeroed). The whole algorithm, as above. */
static GOC__CH_COLD int goc__ring_recv_slow(goc_chan *c, void *out) {
    goc_backoff b = {0};
    uintptr_t head = goc_atomic_uptr_load_explicit(&c->head, GOC_ACQUIRE);
    for (;;) {
        uintptr_t index = head & (c->mark_bit - 1);
        uintptr_t lap = head & ~(c->one_lap - 1);
        goc__slot *s = goc__chan_slot(c, index);
        /* Acquire: pairs with the sender's release, so the value is in. */
        uintptr_t stamp = goc_atomic_uptr_load_explicit(&s->stamp, GOC_ACQUIRE);
        if (stamp == head + 1) {
            uintptr_t next = index + 1 < c->cap ? head + 1 : lap + c->one_lap;
            /* seq_cst: the Dekker pattern with waiting senders. */
            if (goc_atomic_uptr_cas_weak_explicit(&c->head, &head, next, GOC_SEQ_CST, GOC_ACQUIRE)) {
                if (out) goc__chan_copy(out, s->data, c->elem_size);
                /* Release: our copy out is done before a sender reuses the
                 * slot (and Go's "k-th receive before the (k+C)-th send"). */
                goc_atomic_uptr_store_explicit(&s->stamp, head + c->one_lap, GOC_RELEASE);
                goc__chan_notify(c, GOC_SEND);
                return GOC_OK;
            }
            goc_backoff_spin(&b);
        } else if (stamp == head) {
            /* Not written this lap: empty, unless a sender has claimed it
             * and is still copying in. */
            uintptr_t tail = goc_atomic_uptr_load_explicit(&c->tail, GOC_ACQUIRE);
            if ((tail & ~c->mark_bit) == head) {
                if (!(tail & c->mark_bit)) return GOC_WOULDBLOCK;
                if (out) memset(out, 0, c->elem_size);
                return GOC_CLOSED;
            }
            goc__chan_pause(&b);
            head = goc_atomic_uptr_load_explicit(&c->head, GOC_ACQUIRE);
        } else {
            goc_backoff_spin(&b);
            head = goc_atomic_uptr_load_explicit(&c->head, GOC_ACQUIRE);
        }
    }
}

/* The common case of each, inline: the slot at our position is ready and
 * the CAS wins at the first try. Anything else - full, empty, closed, an
 * in-progress slot, a lost CAS - goes the whole way above. The orderings
 * are the same as there. (Answering "empty" inline too was measured: it
 * made a waiting receiver's retries so quick that its reads of tail kept
 * taking the line from the sender, and SPSC got 2.5x slower. Select's
 * poll has its own quick answer, goc__case_note.) */
GOC__CH_HOT int goc__ring_send(goc_chan *c, const void *elem) {
    uintptr_t tail = goc_atomic_uptr_load_explicit(&c->tail, GOC_ACQUIRE);
    goc__slot *s = goc__chan_slot(c, tail & (c->mark_bit - 1));   /* the mask drops the mark */
    uintptr_t stamp = goc_atomic_uptr_load_explicit(&s->stamp, GOC_ACQUIRE);
    if (!(tail & c->mark_bit) && stamp == tail) {
        uintptr_t index = tail & (c->mark_bit - 1);
        uintptr_t next = index + 1 < c->cap ? tail + 1 : (tail & ~(c->one_lap - 1)) + c->one_lap;
        if (goc_atomic_uptr_cas_explicit(&c->tail, &tail, next, GOC_SEQ_CST, GOC_RELAXED)) {
            goc__chan_copy(s->data, elem, c->elem_size);
            goc_atomic_uptr_store_explicit(&s->stamp, tail + 1, GOC_RELEASE);
            goc__chan_notify(c, GOC_RECV);
            return GOC_OK;
        }
    }
    return goc__ring_send_slow(c, elem);
}

GOC__CH_HOT int goc__ring_recv(goc_chan *c, void *out) {
    uintptr_t head = goc_atomic_uptr_load_explicit(&c->head, GOC_ACQUIRE);
    goc__slot *s = goc__chan_slot(c, head & (c->mark_bit - 1));
    uintptr_t stamp = goc_atomic_uptr_load_explicit(&s->stamp, GOC_ACQUIRE);
    if (stamp == head + 1) {
        uintptr_t index = head & (c->mark_bit - 1);
        uintptr_t next = index + 1 < c->cap ? head + 1 : (head & ~(c->one_lap - 1)) + c->one_lap;
        if (goc_atomic_uptr_cas_explicit(&c->head, &head, next, GOC_SEQ_CST, GOC_RELAXED)) {
            if (out) goc__chan_copy(out, s->data, c->elem_size);
            goc_atomic_uptr_store_explicit(&s->stamp, head + c->one_lap, GOC_RELEASE);
            goc__chan_notify(c, GOC_SEND);
            return GOC_OK;
        }
    }
    return goc__ring_recv_slow(c, out);
}

/* Whether a ring operation in direction dir could proceed now (or the
 * channel is closed). seq_cst loads: the waiter's re-check in the Dekker
 * pattern, after its seq_cst store of `waiting`. */
static bool goc__ring_ready(goc_chan *c, int dir) {
    uintptr_t tail = goc_atomic_uptr_load(&c->tail);
    uintptr_t head = goc_atomic_uptr_load(&c->head);
    if (tail & c->mark_bit) return true;
    return dir == GOC_SEND ? head + c->one_lap != tail : head != tail;
}

/* ---- unbuffered: the rendezvous ---------------------------------------------- */

#define GOC__CH_QUEUED 1   /* goc__unbuf_op: `me` was queued; wait on its word */

static int goc__other(int dir) { return dir == GOC_SEND ? GOC_RECV : GOC_SEND; }

/* Pair with a waiting partner if there is one: the value moves straight
 * from the sender's memory into the receiver's. Otherwise, if `me` is
 * given, queue it (in the same critical section, so that no partner can
 * slip between the look and the queueing). Returns GOC_OK (done),
 * GOC_CLOSED, GOC_WOULDBLOCK (nobody waiting, me NULL), or GOC__CH_QUEUED. */
static int goc__unbuf_op(goc_chan *c, int dir, void *elem, goc__centry *me) {
    int pdir = goc__other(dir);
    /* A poll need not take the lock to see nobody (acquire: pairs with the
     * release of the lock that published the flags). */
    if (!me && !(goc_atomic_u32_load_explicit(&c->waiting, GOC_ACQUIRE) & goc__chan_qbit(pdir)) &&
        !goc_atomic_u32_load_explicit(&c->closed, GOC_ACQUIRE))
        return GOC_WOULDBLOCK;
    goc_mutex_lock(&c->lock);
    if (goc_atomic_u32_load_explicit(&c->closed, GOC_RELAXED)) {
        goc_mutex_unlock(&c->lock);
        if (dir == GOC_RECV && elem) memset(elem, 0, c->elem_size);
        return GOC_CLOSED;
    }
    goc__wakeup unused;
    goc__centry *e = goc__chq_claim(c, pdir, true, &unused);
    if (e) {
        /* e is ours until goc__chan_finish: its owner waits for DONE. */
        goc_mutex_unlock(&c->lock);
        if (dir == GOC_SEND) {
            if (e->elem) goc__chan_copy(e->elem, elem, c->elem_size);
        } else if (elem) {
            goc__chan_copy(elem, e->elem, c->elem_size);
        }
        goc__chan_finish(e, true);
        return GOC_OK;
    }
    if (me) goc__chq_push(c, dir, me);
    goc_mutex_unlock(&c->lock);
    return me ? GOC__CH_QUEUED : GOC_WOULDBLOCK;
}

/* Whether a waiting partner other than `self` (an entry of the same
 * select) is queued, or the channel is closed. Under the lock: a linked
 * entry's owner cannot leave while we hold it, so its word is safe to read;
 * a linked plain entry is always live. */
static bool goc__unbuf_ready(goc_chan *c, int dir, const goc_atomic_u32 *self) {
    if (goc_atomic_u32_load_explicit(&c->closed, GOC_RELAXED)) return true;
    for (goc__centry *e = goc__chan_q(c, goc__other(dir))->head; e; e = e->next) {
        if (!e->select) return true;
        if (e->word == self) continue;
        uint32_t w = goc_atomic_u32_load_explicit(e->word, GOC_RELAXED);
        if ((w & ~GOC__CH_SLEEPING) == GOC__CH_WAITING) return true;
    }
    return false;
}

/* ---- waiting ------------------------------------------------------------------- */

/* How long a waiter spins on its word before it yields, then parks. A
 * partner on the other core answers within a few hundred nanoseconds, a
 * sleep and a wake cost tens of microseconds, so spinning a few
 * microseconds pays; past that the partner is probably not running, and
 * the core is better given away. GOC_SPIN is that time in microseconds
 * (atomic.h); 0: park at once.
 * The spin is measured in time, not in PAUSEs: a PAUSE costs 1 to 40 ns
 * depending on the CPU, and a count tuned on one machine (160 PAUSEs,
 * ~1.5 us on a 2026 Xeon VM) was too short on another: there an
 * unbuffered ping-pong fell into sleep/wake convoys, 6-11 us a round trip;
 * with 10 us of spin it is 0.6-0.9 us (5 us was not enough: ~1 us).
 * GOC__CH_SPIN_CHECKS still bounds the ring's slot watch, where a miss
 * costs only a retry. */
#define GOC__CH_SPIN_NS     ((int64_t)goc__spin_budget() * 1000)   /* 10 us by default */
#define GOC__CH_SPIN_CHECKS (goc__spin_budget() * 16u)
#define GOC__CH_YIELDS      (goc__spin_budget() / 2u)

/* Wait until the claim word is final (DONE + ... or ABORTED) and return
 * it. Spins first, checking the word at every step - unlike backoff
 * between contended CASes, waiting for our own word costs nobody anything
 * and each skipped check is latency - then yields, then parks. When the
 * deadline passes while nobody has claimed the word: a select (`abort`)
 * CASes it to ABORTED, unless a partner claimed it first, which it then
 * honours; a plain operation returns GOC__CH_DEADLINE and gives up under
 * the channel lock. Acquire loads: pair with the partner's release in
 * goc__chan_finish or goc__chq_claim, so the value copied for us is
 * visible. */
static uint32_t goc__chan_wait(goc_atomic_u32 *word, int64_t deadline, bool abort) {
    unsigned spins = 0, yields = 0;
    bool spinning = GOC__CH_SPIN_NS > 0;
    int64_t spin_end = 0;
    for (;;) {
        uint32_t w = goc_atomic_u32_load_explicit(word, GOC_ACQUIRE);
        uint32_t s = w & ~GOC__CH_SLEEPING;
        if (s != GOC__CH_WAITING && s != GOC__CH_BUSY) return s;
        if (spinning) {
            if ((spins++ & 15u) == 0) {     /* a clock read every 16 checks */
                int64_t now = goc_nanotime();
                if (spins == 1) {
                    spin_end = now + GOC__CH_SPIN_NS;
                    /* a timeout shorter than the spin ends the spin */
                    if (deadline != GOC__CH_NO_DEADLINE && deadline < spin_end) spin_end = deadline;
                } else if (now >= spin_end) {
                    spinning = false;
                }
            }
            goc_cpu_relax();
            continue;
        }
        if (yields < GOC__CH_YIELDS) {
            yields++;
            sched_yield();
            continue;
        }
        goc_duration left = GOC_FOREVER;
        if (s == GOC__CH_WAITING && deadline != GOC__CH_NO_DEADLINE) {
            left = goc_until(deadline);
            if (left <= 0) {
                if (!abort) return GOC__CH_DEADLINE;
                if (goc_atomic_u32_cas_explicit(word, &w, GOC__CH_ABORTED, GOC_RELAXED, GOC_RELAXED))
                    return GOC__CH_ABORTED;
                continue;                   /* claimed meanwhile: honour it */
            }
        }
        if (!(w & GOC__CH_SLEEPING)) {
            /* Say we sleep, so the partner knows to wake us: its final swap
             * (or claim CAS) returns the bit. */
            if (!goc_atomic_u32_cas_explicit(word, &w, w | GOC__CH_SLEEPING, GOC_RELAXED, GOC_RELAXED))
                continue;
            w |= GOC__CH_SLEEPING;
        }
        goc_wait_u32(word, w, left);
    }
}

/* Take a select's entry out of its queue if nobody else did. Lock-free
 * when the entry is already out: linked == 0 was the remover's last touch. */
static void goc__chan_unregister(goc_chan *c, int dir, goc__centry *e) {
    if (!goc_atomic_u32_load_explicit(&e->linked, GOC_ACQUIRE)) return;
    goc_mutex_lock(&c->lock);
    if (goc_atomic_u32_load_explicit(&e->linked, GOC_RELAXED)) {
        goc__chq_unlink(c, dir, e);
        goc_atomic_u32_store_explicit(&e->linked, 0, GOC_RELAXED);
    }
    goc_mutex_unlock(&c->lock);
}

/* A plain operation's deadline passed: leave the queue if still in it
 * (true). If a partner popped us first, it owns the operation now, and we
 * wait (briefly: it is copying) for its final word. A partner that pops a
 * plain entry does not write to it until that final word (one cache-line
 * transfer fewer on the hot path), so we look for ourselves in the queue;
 * this runs only when the time is up. */
static bool goc__chan_give_up(goc_chan *c, int dir, goc__centry *e) {
    goc_mutex_lock(&c->lock);
    goc__centry *x = goc__chan_q(c, dir)->head;
    while (x && x != e) x = x->next;
    if (x) goc__chq_unlink(c, dir, e);
    goc_mutex_unlock(&c->lock);
    return x != NULL;
}

/* A select's n is refused when DONE + 2n + 1 would not fit its claim word,
 * or its arrays (goc__select's) not a size_t: on a 32-bit size_t the second
 * is the tighter bound. */
static inline bool goc__select_n_ok(const goc_case *cases, size_t n) {
    if (n && !cases) return false;
    if (n > (size_t)INT_MAX / 2 - GOC__CH_DONE) return false;
    return n <= SIZE_MAX / (sizeof(goc__centry) + sizeof(goc__cver) + sizeof(uint32_t));
}

/* ---- GOC_DEBUG ------------------------------------------------------------------ */

#ifdef GOC_DEBUG
/* The channel's name for the registry, read under its lock. */
static void goc__chan_dbg_name(goc_chan *c, char *out, size_t n) {
    goc_mutex_lock(&c->lock);
    if (c->dbg_name[0]) snprintf(out, n, "'%s'", c->dbg_name);
    else snprintf(out, n, "%s", "");
    goc_mutex_unlock(&c->lock);
}

static void goc__chan_dbg_block(goc__dbg_rec *r, goc_chan *c, int dir) {
    char nm[40];
    goc__chan_dbg_name(c, nm, sizeof nm);
    goc__dbg_block(r, "chan", dir == GOC_SEND ? "send" : "recv", c, nm);
}

/* A select's cases, as far as they fit: "recv 'jobs', send 0x..., poll fd 4". */
static void goc__select_dbg_block(goc__dbg_rec *r, const goc_case *cases, size_t n) {
    char what[120] = "", one[64], nm[40];
    size_t len = 0;
    for (size_t i = 0; i < n && len < sizeof what - 1; i++) {
        const goc_case *cs = &cases[i];
        if (cs->dir == GOC_POLL) {
            snprintf(one, sizeof one, "%spoll fd %d", i ? ", " : "", ((const struct pollfd *)cs->elem)->fd);
        } else if (!cs->ch) {
            continue;
        } else {
            goc__chan_dbg_name(cs->ch, nm, sizeof nm);
            snprintf(one, sizeof one, "%s%s %s", i ? ", " : "", cs->dir == GOC_SEND ? "send" : "recv",
                     nm[0] ? nm : "(unnamed)");
        }
        len += (size_t)snprintf(what + len, sizeof what - len, "%s", one);
    }
    goc__dbg_block(r, "select", "wait", cases, what);
}
#  define GOC__CH_DBG_BLOCK(r, c, dir)      goc__chan_dbg_block(&(r), c, dir)
#  define GOC__SEL_DBG_BLOCK(r, cases, n)   goc__select_dbg_block(&(r), cases, n)

/* Every public operation counts itself in its channels' dbg_inside from
 * entry to return, so that the last goc_chan_free can tell that another
 * thread is still inside one (a use after free the moment it goes on).
 * The leaving is a scope guard (the cleanup attribute of GCC and clang),
 * so that each entry point needs one line whatever its returns. Entering
 * is relaxed: a thread that enters after the free already lost, and no
 * order helps it; leaving is release, paired with the free's acquire. */
#  if defined(__GNUC__) || defined(__clang__)
typedef struct { goc_case *cases; size_t n; } goc__ch_dbg_in;
static inline void goc__ch_dbg_count(goc_chan *c, uint32_t d, int mo) {
    if (c) goc_atomic_u32_fetch_add_explicit(&c->dbg_inside, d, mo);
}
/* A select's channel cases (not its descriptors, nor a call that is
 * refused for its n or its directions before it touches a channel). */
static inline bool goc__ch_dbg_case(const goc_case *cs) {
    return cs->dir == GOC_SEND || cs->dir == GOC_RECV;
}
static inline goc__ch_dbg_in goc__ch_dbg_enter(goc_case *cases, size_t n) {
    goc__ch_dbg_in g = { cases, goc__select_n_ok(cases, n) ? n : 0 };
    for (size_t i = 0; i < g.n; i++)
        if (goc__ch_dbg_case(&cases[i])) goc__ch_dbg_count(cases[i].ch, 1, GOC_RELAXED);
    return g;
}
static inline void goc__ch_dbg_leave(goc__ch_dbg_in *g) {
    for (size_t i = 0; i < g->n; i++)
        if (goc__ch_dbg_case(&g->cases[i]))
            goc__ch_dbg_count(g->cases[i].ch, (uint32_t)-1, GOC_RELEASE);
}
#    define GOC__SEL_DBG_IN(cases, n) \
        goc__ch_dbg_in goc__dbg_in __attribute__((cleanup(goc__ch_dbg_leave), unused)) = goc__ch_dbg_enter(cases, n)
#    define GOC__CH_DBG_IN(c) \
        goc_case goc__dbg_one = { (c), GOC_RECV, NULL, false }; \
        GOC__SEL_DBG_IN(&goc__dbg_one, 1)
#  else
#    define GOC__SEL_DBG_IN(cases, n) ((void)0)   /* no scope guards: no count */
#    define GOC__CH_DBG_IN(c)         ((void)0)
#  endif
#else
#  define GOC__CH_DBG_BLOCK(r, c, dir)      ((void)0)
#  define GOC__SEL_DBG_BLOCK(r, cases, n)   ((void)0)
#  define GOC__SEL_DBG_IN(cases, n)         ((void)0)
#  define GOC__CH_DBG_IN(c)                 ((void)0)
#endif

GOC_DEF void goc_chan_set_name(goc_chan *c, const char *name) {
#ifdef GOC_DEBUG
    if (!c) return;
    goc_mutex_lock(&c->lock);
    size_t n = name ? strlen(name) : 0;
    if (n > sizeof c->dbg_name - 1) n = sizeof c->dbg_name - 1;   /* names are cut, not refused */
    memcpy(c->dbg_name, name ? name : "", n);
    c->dbg_name[n] = 0;
    goc_mutex_unlock(&c->lock);
#else
    (void)c;
    (void)name;
#endif
}

GOC_DEF void goc_debug_dump(FILE *out) {
#ifdef GOC_DEBUG
    goc__dbg_dump(out);
#else
    (void)out;
#endif
}

/* ---- close ------------------------------------------------------------------------ */

GOC_NOIPA GOC_DEF int goc_chan_close(goc_chan *c) {
    if (!c) return GOC_EINVAL;
    GOC__CH_DBG_IN(c);
    if (c->cap) {
        /* seq_cst: a waiter's re-check (goc__ring_ready) either sees the
         * mark or is queued before we take the lock below. (The lock alone
         * already orders that: make verify's ring_close_recv passes with
         * this RMW relaxed. seq_cst stays, as the conservative choice.) */
        uintptr_t old = goc_atomic_uptr_fetch_or_explicit(&c->tail, c->mark_bit, GOC_SEQ_CST);
        if (old & c->mark_bit) return GOC_CLOSED;
    }
    goc_mutex_lock(&c->lock);
    if (goc_atomic_u32_load_explicit(&c->closed, GOC_RELAXED)) {
        goc_mutex_unlock(&c->lock);
        return GOC_CLOSED;
    }
    /* Release: pairs with the acquire load of a poll that sees it. The
     * version bump tells a select that polled us before the close. */
    goc_atomic_u32_store_explicit(&c->closed, 1, GOC_RELEASE);
    uint32_t w = goc_atomic_u32_load_explicit(&c->waiting, GOC_RELAXED);
    goc_atomic_u32_store_explicit(&c->waiting, w + GOC__CH_VERSION, GOC_RELEASE);
    /* Claim every live waiter (plain ones by popping, selects BUSY), so that
     * each stays put until we tell it; chain them through next, which is
     * ours once popped; tell them after unlocking. */
    goc__centry *claimed = NULL, *e;
    goc__wakeup unused;
    for (int dir = GOC_SEND; dir <= GOC_RECV; dir++) {
        while ((e = goc__chq_claim(c, dir, true, &unused)) != NULL) {
            e->next = claimed;
            claimed = e;
        }
    }
    goc_mutex_unlock(&c->lock);
    /* Each wakes with completed == false and finds the channel closed. */
    while (claimed) {
        e = claimed;
        claimed = e->next;               /* read before the entry may vanish */
        goc__chan_finish(e, false);
    }
    /* A watching descriptor polls readable from now on (a receive answers
     * GOC_CLOSED at once). */
    if (w & GOC__CH_WATCH) goc__chwatch_signal(c, true);
    return GOC_OK;
}

/* ---- blocking operations --------------------------------------------------------- */

/* Queue a select's entry e for direction dir and re-check: true when the
 * case is ready now (it could proceed, or the channel is closed), in which
 * case the caller must not sleep. A closed unbuffered channel takes no new
 * entries. */
static bool goc__chan_register(goc_chan *c, int dir, goc__centry *e) {
    bool ready = true;
    goc_mutex_lock(&c->lock);
    if (c->cap) {
        goc__chq_push(c, dir, e);
        ready = goc__ring_ready(c, dir);       /* after the seq_cst RMW in push */
    } else if (!goc_atomic_u32_load_explicit(&c->closed, GOC_RELAXED)) {
        goc__chq_push(c, dir, e);
        ready = goc__unbuf_ready(c, dir, e->word);
    }
    goc_mutex_unlock(&c->lock);
    return ready;
}

/* Absolute deadline d from now (d > 0), saturating: GOC_FOREVER and every
 * d too large to add are GOC__CH_NO_DEADLINE. */
static int64_t goc__chan_deadline(goc_duration d) {
    return goc_deadline_after(d);
}

static bool goc__chan_expired(int64_t deadline) {
    return deadline != GOC__CH_NO_DEADLINE && goc_nanotime() >= deadline;
}

/* A blocked plain operation: its word, its entry and (when it is small) the
 * value, on one cache line. The partner reads the entry and a sender's
 * value in one transfer, and writes a receiver's value and the final word
 * in one more; the owner then copies the value out of its own line. */
#define GOC__CH_INLINE 8
typedef struct goc__chwaiter {
    GOC_ALIGNED_CACHELINE goc_atomic_u32 word;
    goc__centry   e;
    unsigned char buf[GOC__CH_INLINE];
} goc__chwaiter;
_Static_assert(sizeof(goc__chwaiter) <= GOC_CACHELINE || sizeof(void *) > 8,
               "goc: a blocked operation's state should fit one cache line");

static void goc__chwaiter_init(goc__chwaiter *me, goc_chan *c, int dir, void *elem) {
    goc_atomic_u32_store_explicit(&me->word, GOC__CH_WAITING, GOC_RELAXED);
    me->e.word = &me->word;
    me->e.elem = elem;
    me->e.index = 0;
    me->e.select = GOC__CE_PLAIN;
    goc_atomic_u32_store_explicit(&me->e.linked, 0, GOC_RELAXED);
    if (elem && c->elem_size <= GOC__CH_INLINE) {
        if (dir == GOC_SEND) goc__chan_copy_small(me->buf, elem, c->elem_size);
        me->e.elem = me->buf;
    }
}

/* Before queueing, watch for a little while the one slot a blocked ring
 * operation needs: its stamp changes when the other side empties (or
 * fills) it, and only then is a retry worth it. Only that slot's line and
 * our own side's position are read: retrying the whole operation instead
 * reads the other side's position, a line the other side writes at every
 * operation, and every read takes it away from it. A sender also sees the
 * close mark (it is in tail); a receiver notices a close when it queues.
 * true: something changed, try again. Relaxed: the retry does the real,
 * ordered reads. */
static bool goc__ring_watch(goc_chan *c, int dir) {
    goc_atomic_uptr *pos = dir == GOC_SEND ? &c->tail : &c->head;
    uintptr_t p = goc_atomic_uptr_load_explicit(pos, GOC_RELAXED);
    goc__slot *s = goc__chan_slot(c, p & (c->mark_bit - 1));
    uintptr_t want = dir == GOC_SEND ? p : p + 1;
    for (unsigned i = 0; i < GOC__CH_SPIN_CHECKS; i++) {
        if (goc_atomic_uptr_load_explicit(&s->stamp, GOC_RELAXED) == want ||
            goc_atomic_uptr_load_explicit(pos, GOC_RELAXED) != p)
            return true;
        goc_cpu_relax();
    }
    return false;
}

/* A plain send or receive. deadline: GOC__CH_POLL (try once),
 * GOC__CH_NO_DEADLINE, or absolute goc_nanotime. Out of line: the public
 * functions try a buffered channel's ring first, inline, and come here
 * only when that did not do (its stack frame, with a cache-line aligned
 * waiter, costs more than the ring operation itself). */
static GOC__CH_COLD int goc__chan_op(goc_chan *c, int dir, void *elem, int64_t deadline) {
    if (!c->cap) {
        if (deadline == GOC__CH_POLL) return goc__unbuf_op(c, dir, elem, NULL);
        goc__chwaiter me;
        goc__chwaiter_init(&me, c, dir, elem);
        /* Queue at once: a rendezvous needs the partner to find us, so
         * spinning before queueing would gain nothing. We spin after. */
        int r = goc__unbuf_op(c, dir, elem, &me.e);
        if (r != GOC__CH_QUEUED) return r;
        GOC__DBG_REC(dbg);
        GOC__CH_DBG_BLOCK(dbg, c, dir);
        uint32_t got = goc__chan_wait(&me.word, deadline, false);
        if (got == GOC__CH_DEADLINE) {
            if (goc__chan_give_up(c, dir, &me.e)) {
                GOC__DBG_UNBLOCK(dbg);
                return GOC_TIMEOUT;
            }
            got = goc__chan_wait(&me.word, GOC__CH_NO_DEADLINE, false);
        }
        GOC__DBG_UNBLOCK(dbg);
        if ((got - GOC__CH_DONE) & 1) {                      /* the partner moved the value */
            if (dir == GOC_RECV && me.e.elem == me.buf) goc__chan_copy_small(elem, me.buf, c->elem_size);
            return GOC_OK;
        }
        if (dir == GOC_RECV && elem) memset(elem, 0, c->elem_size);
        return GOC_CLOSED;                                  /* woken by close */
    }

    bool watched = false;
    for (;;) {
        int r = dir == GOC_SEND ? goc__ring_send(c, elem) : goc__ring_recv(c, elem);
        if (r != GOC_WOULDBLOCK) return r;
        if (deadline == GOC__CH_POLL) return GOC_WOULDBLOCK;
        if (goc__chan_expired(deadline)) return GOC_TIMEOUT;
        /* The other side may be running right now: watch the slot for a
         * while before paying for a queue entry and a possible sleep. */
        if (!watched) {
            watched = true;
            if (goc__ring_watch(c, dir)) continue;
        }
        goc__chwaiter me;
        goc__chwaiter_init(&me, c, dir, NULL);    /* the ring moves the value, not the partner */
        goc_mutex_lock(&c->lock);
        goc__chq_push(c, dir, &me.e);
        bool ready = goc__ring_ready(c, dir);   /* after the seq_cst RMW in push */
        if (ready) goc__chq_unlink(c, dir, &me.e);   /* nobody saw us: we held the lock */
        goc_mutex_unlock(&c->lock);
        if (!ready) {
            GOC__DBG_REC(dbg);
            GOC__CH_DBG_BLOCK(dbg, c, dir);
            uint32_t got = goc__chan_wait(&me.word, deadline, false);
            if (got == GOC__CH_DEADLINE && !goc__chan_give_up(c, dir, &me.e))
                goc__chan_wait(&me.word, GOC__CH_NO_DEADLINE, false);   /* popped: take the "try again" */
            GOC__DBG_UNBLOCK(dbg);
        }
        /* Told to try again, or timed out (the next round says so). */
        watched = false;
    }
}

/* ---- select --------------------------------------------------------------------------- */

/* Per-thread xorshift64 for the order in which select polls its cases. */
static _Thread_local uint64_t goc__chan_rng;

static uint64_t goc__chan_rand(void) {
    uint64_t x = goc__chan_rng;
#ifndef GOC_MODEL_CHECK
    if (!x) x = ((uint64_t)(uintptr_t)&goc__chan_rng * 0x9E3779B97F4A7C15ull) ^
                (uint64_t)goc_nanotime() ^ 1;
#else
    if (!x) x = 1;   /* GenMC needs a program's data to be the same every run */
#endif
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    goc__chan_rng = x;
    return x;
}

/* A random number below n from 16 fresh bits of *r (refilled every four
 * calls): Lemire's multiply-shift, biased by at most n / 65536. */
static uint32_t goc__chan_randn(uint64_t *r, uint32_t k, uint32_t n) {
    if (k % 4 == 0) *r = goc__chan_rand();
    uint32_t bits = (uint32_t)(*r >> (16 * (k % 4))) & 0xFFFFu;
    return (uint32_t)(((uint64_t)bits * n) >> 16);
}

/* goc__case_note: see goc__cver. */

GOC__CH_HOT bool goc__case_note(const goc_case *cs, goc__cver *v) {
    goc_chan *c = cs->ch;
    if (c->cap) {
        if (cs->dir == GOC_RECV) {
            v->a = goc_atomic_uptr_load_explicit(&c->head, GOC_ACQUIRE);
            v->b = goc_atomic_uptr_load_explicit(&c->tail, GOC_ACQUIRE);
            return v->b == v->a;              /* empty; a closed tail never equals head */
        }
        v->b = goc_atomic_uptr_load_explicit(&c->tail, GOC_ACQUIRE);
        v->a = goc_atomic_uptr_load_explicit(&c->head, GOC_ACQUIRE);
        return v->a + c->one_lap == v->b;     /* full, not closed */
    }
    v->a = goc_atomic_u32_load_explicit(&c->waiting, GOC_ACQUIRE);
    v->b = 0;
    return !(v->a & goc__chan_qbit(goc__other(cs->dir))) &&
           !goc_atomic_u32_load_explicit(&c->closed, GOC_ACQUIRE);
}

GOC__CH_HOT bool goc__case_unchanged(const goc_case *cs, const goc__cver *v) {
    goc__cver now;
    goc__case_note(cs, &now);
    return now.a == v->a && now.b == v->b;
}

/* Try one case without waiting: GOC_OK or GOC_CLOSED (the case completed;
 * ok set) or GOC_WOULDBLOCK. */
GOC__CH_HOT int goc__case_try(goc_case *cs) {
    goc_chan *c = cs->ch;
    int r;
    if (c->cap) r = cs->dir == GOC_SEND ? goc__ring_send(c, cs->elem) : goc__ring_recv(c, cs->elem);
    else        r = goc__unbuf_op(c, cs->dir, cs->elem, NULL);
    if (r != GOC_WOULDBLOCK) cs->ok = r == GOC_OK;
    return r;
}

static GOC__CH_COLD int goc__select_fds(goc_case *cases, size_t n, int64_t deadline, int none);

static void goc__chan_sleep_until(int64_t deadline) {
    for (goc_duration left; (left = goc_until(deadline)) > 0;) goc__chan_nap(left);
}

/* The select of goc_select, _try and _timeout. `none` is the answer when no
 * case could proceed and deadline is GOC__CH_POLL. */
static int goc__select(goc_case *cases, size_t n, int64_t deadline, int none) {
    if (!goc__select_n_ok(cases, n)) return GOC_EINVAL;
    uint32_t order_local[GOC_SELECT_STACK_CASES];
    goc__centry ent_local[GOC_SELECT_STACK_CASES];
    goc__cver ver_local[GOC_SELECT_STACK_CASES];
    uint32_t *order = order_local;
    goc__centry *ent = ent_local;
    goc__cver *ver = ver_local;
    void *heap = NULL;
    if (n > GOC_SELECT_STACK_CASES) {
        heap = GOC_MALLOC(n * (sizeof *ent + sizeof *ver + sizeof *order));
        if (!heap) return GOC_ENOMEM;
        ent = (goc__centry *)heap;
        ver = (goc__cver *)(void *)(ent + n);
        order = (uint32_t *)(void *)(ver + n);
    }

    int result;
    bool first = true;
    for (;;) {
        /* A fresh random order of the live cases (inside-out Fisher-Yates):
         * with several ready, each is equally likely to be taken. The
         * first time round, the cases are checked on the way. */
        uint32_t m = 0;
        uint64_t rnd = 0;
        for (size_t i = 0; i < n; i++) {
            if (first) {
                if (cases[i].dir != GOC_SEND && cases[i].dir != GOC_RECV) {
                    /* A descriptor's case: the select of its own below. */
                    result = cases[i].dir == GOC_POLL ? goc__select_fds(cases, n, deadline, none) : GOC_EINVAL;
                    goto out;
                }
                if (cases[i].ch && cases[i].dir == GOC_SEND && !cases[i].elem && cases[i].ch->elem_size) {
                    result = GOC_EINVAL;
                    goto out;
                }
            }
            if (!cases[i].ch) continue;
            uint32_t j = goc__chan_randn(&rnd, m, m + 1);
            /* j == m: order[m] is not written yet, and must not be read
             * (GenMC's make verify found that read of uninitialised stack). */
            if (j != m) order[m] = order[j];
            order[j] = (uint32_t)i;
            m++;
        }
        first = false;
        if (!m) {                          /* only NULL channels: never ready */
            if (deadline == GOC__CH_POLL) result = none;
            /* goc_select would block for ever: EINVAL. goc_select_timeout
             * (none == GOC_TIMEOUT) waits d even when d is GOC_FOREVER, as
             * Go's select with a lone timer does. */
            else if (deadline == GOC__CH_NO_DEADLINE && none != GOC_TIMEOUT) result = GOC_EINVAL;
            else { goc__chan_sleep_until(deadline); result = GOC_TIMEOUT; }
            goto out;
        }

        /* Pass 1: look for a case that can proceed now; keep looking for
         * a little while, since the partner may be running.
         * A poll must answer for one moment of all its channels, as Go's
         * does by locking them all (its TestNonblockSelectRace): case by
         * case, a channel polled early may become ready while a later one
         * stops being ready. So it notes each case's version before trying
         * it, and if none could proceed, reads them all again: unchanged,
         * there was a moment at which no case was ready (every interval
         * from note to re-read contains the moment of the first re-read);
         * changed, it looks again (somebody made progress meanwhile). */
        goc_backoff b = {0};
        for (;;) {
            for (uint32_t k = 0; k < m; k++) {
                goc_case *cs = &cases[order[k]];
                if (!goc__case_note(cs, &ver[k]) && goc__case_try(cs) != GOC_WOULDBLOCK) {
                    result = (int)order[k];
                    goto out;
                }
                GOC__TEST_HOOK_SELECT_POLLED();
            }
            if (deadline == GOC__CH_POLL) {
                uint32_t k = 0;
                while (k < m && goc__case_unchanged(&cases[order[k]], &ver[k])) k++;
                if (k < m) continue;           /* something changed: look again */
                result = none;
                goto out;
            }
            if (goc__chan_expired(deadline)) { result = GOC_TIMEOUT; goto out; }
            if (!goc_backoff_snooze(&b)) break;
        }

        /* Pass 2: queue an entry on every channel, re-checking each as we
         * go; stop early if a case is ready or a partner claimed us. */
        goc_atomic_u32 word;
        goc_atomic_u32_store_explicit(&word, GOC__CH_WAITING, GOC_RELAXED);
        uint32_t reg = 0;
        long ready = -1;
        for (uint32_t k = 0; k < m; k++) {
            uint32_t i = order[k];
            goc__centry *e = &ent[i];
            e->word = &word;
            e->elem = cases[i].elem;
            e->index = i;
            e->select = GOC__CE_SELECT;
            goc_atomic_u32_store_explicit(&e->linked, 0, GOC_RELAXED);
            reg++;
            if (goc__chan_register(cases[i].ch, cases[i].dir, e)) {
                uint32_t w = GOC__CH_WAITING;
                if (goc_atomic_u32_cas_explicit(&word, &w, GOC__CH_ABORTED, GOC_RELAXED, GOC_RELAXED))
                    ready = (long)i;
                break;
            }
            if (goc_atomic_u32_load_explicit(&word, GOC_RELAXED) != GOC__CH_WAITING) break;
        }

        /* Park until a partner claims us, or the deadline. */
        GOC__DBG_REC(dbg);
        GOC__SEL_DBG_BLOCK(dbg, cases, n);
        uint32_t got = goc__chan_wait(&word, deadline, true);
        GOC__DBG_UNBLOCK(dbg);

        /* Pass 3: leave every queue we are still in. */
        for (uint32_t k = 0; k < reg; k++) {
            uint32_t i = order[k];
            goc__chan_unregister(cases[i].ch, cases[i].dir, &ent[i]);
        }

        if (got >= GOC__CH_DONE) {
            uint32_t i = (got - GOC__CH_DONE) / 2;
            if ((got - GOC__CH_DONE) & 1) {    /* an unbuffered partner did it */
                cases[i].ok = true;
                result = (int)i;
                goto out;
            }
            ready = (long)i;                   /* told to try again, or closed */
        }
        if (ready >= 0) {
            /* Try the case we were woken for first: if we took another, the
             * wake-up would be spent while another waiter sleeps. */
            if (goc__case_try(&cases[ready]) != GOC_WOULDBLOCK) {
                result = (int)ready;
                goto out;
            }
        } else {
            result = GOC_TIMEOUT;              /* aborted at the deadline */
            goto out;
        }
    }
out:
    if (heap) GOC_FREE(heap);
    return result;
}

/* ---- file descriptors ------------------------------------------------------------------------ */

/*
 * Two uses of descriptors, each costing nothing until it is used.
 *
 * A select with GOC_POLL cases (goc__select_fds) cannot sleep on its claim
 * word: it sleeps in poll(2), on its descriptors plus a wake descriptor (an
 * eventfd, or a pipe where there is none). Its entries are of kind
 * GOC__CE_POLLSEL: their word is the first member of a goc__pollword that
 * also holds the wake descriptor. A partner reads the descriptor while the
 * entry is still safe to read (under the lock, or before its final swap),
 * and writes to it instead of making a futex wake when the SLEEPING bit
 * says the owner sleeps. That write may come after the owner has returned:
 * it is "wake by address" again, but a descriptor number, unlike an
 * address, could by then name somebody's file. So wake descriptors are
 * never closed: a select borrows one from a free list and gives it back,
 * and a late write only makes a later borrower's poll return early once
 * (it drains the descriptor and looks again). There are as many as there
 * were selects asleep on descriptors at one time.
 *
 * A watching descriptor (goc_chan_fd) is level-triggered and readable
 * whenever a receive would not block, with `on` saying whether it is.
 * Making it readable is eager: every change that may let a receive
 * proceed is followed by goc__chwatch_signal - on a buffered channel each
 * send (goc__chan_notify: the WATCH bit sits in `waiting`, which is read
 * there anyway), on an unbuffered one a sender queueing (under the channel
 * lock: the lock order is channel lock, then watcher mutex, a leaf), and
 * close. Signalling costs a load of `on` and nothing more while the
 * descriptor is readable already, so a busy channel makes no system call.
 * Making it unreadable is lazy: a receive that empties the channel does
 * nothing; a goc_chan_try_recv that finds nothing (what an event loop does
 * last, every time) drains the descriptor (goc__chwatch_drain), so that
 * the loop's next wait sleeps. A descriptor may therefore be readable
 * while a receive would block, until the next try that finds nothing;
 * never the other way round. Two Dekker patterns keep it so. A signaller
 * changes the state (seq_cst) and then reads `on` (seq_cst); a drainer
 * stores on = 0 (seq_cst) and then reads the state again (seq_cst),
 * signalling again if it changed: one of the two sees the other.
 * goc_chan_fd sets the watcher, then the WATCH bit (seq_cst store), under
 * the channel lock, and then signals itself: an operation that changed the
 * state before the bit was set, and so did not see it (its seq_cst load of
 * `waiting` follows its seq_cst change), is seen by that signal's reads.
 */
#ifndef GOC_MODEL_CHECK

/* A non-blocking, close-on-exec descriptor pair: read end, write end (the
 * same eventfd on Linux). */
static int goc__fd_pair(int *rfd, int *wfd) {
#ifdef GOC__CH_EVENTFD
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) return -1;
    *rfd = *wfd = fd;
    return 0;
#else
    int p[2];
    if (pipe(p) != 0) return -1;
    for (int i = 0; i < 2; i++) {
        int fl = fcntl(p[i], F_GETFL);
        if (fl < 0 || fcntl(p[i], F_SETFL, fl | O_NONBLOCK) != 0 || fcntl(p[i], F_SETFD, FD_CLOEXEC) != 0) {
            int e = errno;
            close(p[0]);
            close(p[1]);
            errno = e;
            return -1;
        }
    }
    *rfd = p[0];
    *wfd = p[1];
    return 0;
#endif
}

static void goc__fd_close_pair(int rfd, int wfd) {
    close(rfd);
    if (wfd != rfd) close(wfd);
}

/* Make it readable. Full (EAGAIN) means readable already, which is all we
 * want; nothing else can fail on a descriptor of ours. */
static void goc__fd_signal(int wfd) {
#ifdef GOC__CH_EVENTFD
    uint64_t one = 1;
#else
    unsigned char one = 1;
#endif
    ssize_t r = write(wfd, &one, sizeof one);
    (void)r;
}

/* Make it unreadable: read until it would block (an eventfd's one read
 * takes the whole count). */
static void goc__fd_drain(int rfd) {
    uint64_t buf[8];
    while (read(rfd, buf, sizeof buf) > 0) {}
}

/* The free list of wake descriptors (never closed: see above). Fork:
 * prepare takes its lock, so the list is whole in the child's copy; the
 * parent lets go; the child resets the lock to its zero value - unlocking
 * it there would hand it to a waiter queued by a thread that does not
 * exist in the child (make tsan's fork test hung on that), as timer.h does
 * for its lock. The descriptors borrowed by the parent's other threads
 * stay borrowed in the child. A descriptor is one open file shared by
 * parent and child after fork, so a drain in one would eat a wake meant
 * for the other: the child closes the descriptors on the free list, and
 * gives every watching descriptor (the same lock keeps a list of them) a
 * fresh file under the same number (dup2). */
typedef struct goc__wakefd {
    struct goc__wakefd *next;
    int                 rfd, wfd;
} goc__wakefd;

typedef struct goc__chwatch {
    goc_atomic_u32       on;          /* the descriptor is readable: written under mu,
                                         read without it by goc__chwatch_signal */
    goc_mutex            mu;
    int                  rfd, wfd;
    goc_chan            *ch;
    struct goc__chwatch *next, *prev; /* every watcher, under goc__wakefd_mu (fork) */
} goc__chwatch;

static goc_mutex       goc__wakefd_mu;
static goc__wakefd    *goc__wakefd_list;
static goc__chwatch   *goc__chwatch_list;
static goc_atomic_u32  goc__wakefd_registered;   /* goc__once_fork */

static bool goc__chan_recv_ready(goc_chan *c);

/* In a fork child: a new open file for a watcher's pair, under the same
 * numbers (the program may have them in its epoll set). dup2 clears
 * FD_CLOEXEC, so it is set again. If no new descriptor can be had (the
 * table is full), the shared one stays: a drain in one process can then
 * still hide a value from the other - the one case left, and rare. */
static void goc__fd_renew(int rfd, int wfd) {
    int nr, nw;
    if (goc__fd_pair(&nr, &nw) != 0) return;
    dup2(nr, rfd);
    fcntl(rfd, F_SETFD, FD_CLOEXEC);
    if (wfd != rfd) {
        dup2(nw, wfd);
        fcntl(wfd, F_SETFD, FD_CLOEXEC);
    }
    goc__fd_close_pair(nr, nw);
}

/* Whether prepare took the lock: the handlers are registered when the
 * program is loaded (GOC__FORK_AT_LOAD), or without constructors at the
 * first select on a descriptor, and a fork racing that registration may run the
 * parent's handler without prepare (musl did: "unlock of unlocked
 * mutex"). Only the forking thread touches it. The registration is
 * goc__once_fork, not a pthread_once: a fork while another thread is inside
 * a once's init leaves the child's once "running" for ever (musl's child
 * hung there on its first select on a descriptor). */
static bool goc__wakefd_forking;
static void goc__wakefd_prepare(void) {
    goc_mutex_lock(&goc__wakefd_mu);
    goc__wakefd_forking = true;
}
static void goc__wakefd_parent(void) {
    if (!goc__wakefd_forking) return;
    goc__wakefd_forking = false;
    goc_mutex_unlock(&goc__wakefd_mu);
}
static void goc__wakefd_child(void) {
    goc__wakefd_forking = false;
    goc__once_fork_child(&goc__wakefd_registered);
    memset(&goc__wakefd_mu, 0, sizeof goc__wakefd_mu);
    /* The free list's descriptors are the parent's files: closed here (the
     * parent keeps its own), never lent out; the child makes its own. */
    for (goc__wakefd *w = goc__wakefd_list, *next; w; w = next) {
        next = w->next;
        goc__fd_close_pair(w->rfd, w->wfd);
        GOC_FREE(w);
    }
    goc__wakefd_list = NULL;
    for (goc__chwatch *w = goc__chwatch_list; w; w = w->next) {
        memset(&w->mu, 0, sizeof w->mu);       /* its holder may not exist here */
        goc__fd_renew(w->rfd, w->wfd);
        bool ready = goc__chan_recv_ready(w->ch);
        if (ready) goc__fd_signal(w->wfd);
        goc_atomic_u32_store_explicit(&w->on, ready, GOC_RELAXED);
    }
}
static void goc__wakefd_atfork(void) {
    goc__wait_init();   /* the parking table's own handlers first (GOC_NO_FUTEX) */
    pthread_atfork(goc__wakefd_prepare, goc__wakefd_parent, goc__wakefd_child);
}
GOC__FORK_AT_LOAD(goc__wakefd_registered, goc__wakefd_atfork)
/* Nobody touches a descriptor before the handlers are registered: a fork
 * before that would give the child a lock held by a thread it does not
 * have, and the parent's files. */
static void goc__fd_atfork_once(void) { goc__once_fork(&goc__wakefd_registered, goc__wakefd_atfork); }

/* NULL (errno set) when no descriptor or memory could be had. */
static goc__wakefd *goc__wakefd_get(void) {
    goc__fd_atfork_once();
    goc_mutex_lock(&goc__wakefd_mu);
    goc__wakefd *w = goc__wakefd_list;
    if (w) goc__wakefd_list = w->next;
    goc_mutex_unlock(&goc__wakefd_mu);
    if (w) return w;
    w = (goc__wakefd *)GOC_MALLOC(sizeof *w);
    if (!w) { errno = ENOMEM; return NULL; }
    if (goc__fd_pair(&w->rfd, &w->wfd) != 0) { GOC_FREE(w); return NULL; }
    return w;
}

static void goc__wakefd_put(goc__wakefd *w) {
    goc_mutex_lock(&goc__wakefd_mu);
    w->next = goc__wakefd_list;
    goc__wakefd_list = w;
    goc_mutex_unlock(&goc__wakefd_mu);
}

/* ---- a descriptor that watches a channel ---- */

/* Whether a receive would not block now. seq_cst loads: the second half
 * of the Dekker patterns in the note above. An unbuffered channel counts a
 * queued sender without looking whether it is a select that has just
 * completed elsewhere and is about to leave. */
static bool goc__chan_recv_ready(goc_chan *c) {
    if (c->cap) {
        uintptr_t tail = goc_atomic_uptr_load(&c->tail);
        uintptr_t head = goc_atomic_uptr_load(&c->head);
        return (tail & c->mark_bit) || tail != head;
    }
    return goc_atomic_u32_load(&c->closed) || (goc_atomic_u32_load(&c->waiting) & GOC__CH_SENDQ);
}

static goc__chwatch *goc__chwatch_of(goc_chan *c) {
    /* Acquire: pairs with goc_chan_fd's release store, made before the
     * WATCH bit that sent us here. */
    return (goc__chwatch *)goc_atomic_uptr_load_explicit(&c->watch, GOC_ACQUIRE);
}

/* After a change that may let a receive proceed (a send, a sender queued,
 * the close): make the descriptor readable unless it is. The load of `on`
 * is seq_cst, after our seq_cst change of the state: either it sees a
 * drainer's on = 0, or that drainer's re-read of the state sees our
 * change. `locked`: take the mutex whatever `on` says (close, whose store
 * of `closed` is not seq_cst, and goc_chan_fd's first look). */
static GOC__CH_COLD void goc__chwatch_signal(goc_chan *c, bool locked) {
    goc__chwatch *w = goc__chwatch_of(c);
    if (!locked && goc_atomic_u32_load(&w->on)) return;
    goc_mutex_lock(&w->mu);
    if (!goc_atomic_u32_load_explicit(&w->on, GOC_RELAXED) && goc__chan_recv_ready(c)) {
        goc__fd_signal(w->wfd);
        goc_atomic_u32_store_explicit(&w->on, 1, GOC_RELAXED);
    }
    goc_mutex_unlock(&w->mu);
}

/* After a receive that found nothing (goc_chan_try_recv's GOC_WOULDBLOCK):
 * if the descriptor is readable though a receive would block (other
 * receivers took the values), make it unreadable. on = 0 is stored
 * (seq_cst) before the state is read again, and a change seen then is
 * signalled again (see goc__chwatch_signal). */
static GOC__CH_COLD void goc__chwatch_drain(goc_chan *c) {
    goc__chwatch *w = goc__chwatch_of(c);
    if (!goc_atomic_u32_load_explicit(&w->on, GOC_ACQUIRE)) return;
    goc_mutex_lock(&w->mu);
    if (goc_atomic_u32_load_explicit(&w->on, GOC_RELAXED) && !goc__chan_recv_ready(c)) {
        goc_atomic_u32_store(&w->on, 0);
        goc__fd_drain(w->rfd);
        if (goc__chan_recv_ready(c)) {
            goc__fd_signal(w->wfd);
            goc_atomic_u32_store_explicit(&w->on, 1, GOC_RELAXED);
        }
    }
    goc_mutex_unlock(&w->mu);
}

static GOC__CH_COLD void goc__chwatch_unlist(uintptr_t watch) {
    goc__chwatch *w = (goc__chwatch *)watch;
    goc_mutex_lock(&goc__wakefd_mu);
    if (w->prev) w->prev->next = w->next; else goc__chwatch_list = w->next;
    if (w->next) w->next->prev = w->prev;
    goc_mutex_unlock(&goc__wakefd_mu);
}

static GOC__CH_COLD void goc__chwatch_free(uintptr_t watch) {
    goc__chwatch *w = (goc__chwatch *)watch;
    goc__fd_close_pair(w->rfd, w->wfd);
    GOC_FREE(w);
}

GOC_DEF int goc_chan_fd(goc_chan *c) {
    if (!c) { errno = EINVAL; return -1; }
    GOC__CH_DBG_IN(c);
    goc__chwatch *w = (goc__chwatch *)goc_atomic_uptr_load_explicit(&c->watch, GOC_ACQUIRE);
    if (w) return w->rfd;
    w = (goc__chwatch *)GOC_MALLOC(sizeof *w);
    if (!w) { errno = ENOMEM; return -1; }
    memset(w, 0, sizeof *w);
    if (goc__fd_pair(&w->rfd, &w->wfd) != 0) { GOC_FREE(w); return -1; }
    /* Listed (for a fork child to renew) before anyone can see it: a fork
     * between the two would otherwise leave a published pair shared. */
    w->ch = c;
    goc__fd_atfork_once();
    goc_mutex_lock(&goc__wakefd_mu);
    w->prev = NULL;
    w->next = goc__chwatch_list;
    if (w->next) w->next->prev = w;
    goc__chwatch_list = w;
    goc_mutex_unlock(&goc__wakefd_mu);
    goc_mutex_lock(&c->lock);
    goc__chwatch *old = (goc__chwatch *)goc_atomic_uptr_load_explicit(&c->watch, GOC_RELAXED);
    if (!old) {
        /* Release: the watcher's fields before it is seen (goc__chwatch_of). */
        goc_atomic_uptr_store_explicit(&c->watch, (uintptr_t)w, GOC_RELEASE);
        uint32_t bits = goc_atomic_u32_load_explicit(&c->waiting, GOC_RELAXED);
        goc_atomic_u32_store(&c->waiting, bits | GOC__CH_WATCH);   /* seq_cst: see the note */
    }
    goc_mutex_unlock(&c->lock);
    if (old) {                        /* another thread was first: one descriptor per channel */
        goc__chwatch_unlist((uintptr_t)w);
        goc__chwatch_free((uintptr_t)w);
        return old->rfd;
    }
    goc__chwatch_signal(c, true);
    return w->rfd;
}

/* ---- select over descriptors and channels ---- */

/* Sleep in poll(2) on the descriptors and the wake descriptor rfd until the
 * claim word is final (returned), a descriptor is ready (*fdready, word
 * ABORTED by us), the deadline passes (ABORTED) or poll fails (*err, word
 * ABORTED). Like goc__chan_wait, a partner's claim wins over our abort;
 * unlike it, no spin: a select on descriptors pays a system call to look
 * at them anyway. poll's timeout is in milliseconds, rounded up: never
 * early, up to a millisecond late. */
static uint32_t goc__fd_wait(goc_atomic_u32 *word, int64_t deadline, struct pollfd *pfds, size_t nfd,
                             int rfd, bool *fdready, int *err) {
    for (;;) {
        /* Acquire: pairs with the partner's release in goc__chan_finish. */
        uint32_t w = goc_atomic_u32_load_explicit(word, GOC_ACQUIRE);
        uint32_t s = w & ~GOC__CH_SLEEPING;
        if (s != GOC__CH_WAITING && s != GOC__CH_BUSY) return s;
        if (s == GOC__CH_BUSY) {            /* a partner is moving the value: a moment */
            sched_yield();
            continue;
        }
        int ms = -1;
        if (deadline != GOC__CH_NO_DEADLINE) {
            goc_duration left = goc_until(deadline);
            if (left <= 0) {
                if (goc_atomic_u32_cas_explicit(word, &w, GOC__CH_ABORTED, GOC_RELAXED, GOC_RELAXED))
                    return GOC__CH_ABORTED;
                continue;
            }
            ms = left / GOC_MILLISECOND >= INT_MAX ? INT_MAX : (int)((left + GOC_MILLISECOND - 1) / GOC_MILLISECOND);
        }
        if (!(w & GOC__CH_SLEEPING)) {
            /* As in goc__chan_wait: from here on a partner wakes us through
             * rfd, and a claim between this CAS and poll leaves rfd readable. */
            if (!goc_atomic_u32_cas_explicit(word, &w, w | GOC__CH_SLEEPING, GOC_RELAXED, GOC_RELAXED))
                continue;
            w |= GOC__CH_SLEEPING;
        }
        pfds[nfd].fd = rfd;
        pfds[nfd].events = POLLIN;
        pfds[nfd].revents = 0;
        int r = poll(pfds, (nfds_t)nfd + 1, ms);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            int e = errno == ENOMEM ? GOC_ENOMEM : GOC_EINVAL;
            if (goc_atomic_u32_cas_explicit(word, &w, GOC__CH_ABORTED, GOC_RELAXED, GOC_RELAXED)) {
                *err = e;
                return GOC__CH_ABORTED;
            }
            continue;
        }
        if (r == 0) continue;
        if (pfds[nfd].revents) goc__fd_drain(rfd);
        bool any = false;
        for (size_t f = 0; f < nfd; f++) any |= pfds[f].revents != 0;
        if (any && goc_atomic_u32_cas_explicit(word, &w, GOC__CH_ABORTED, GOC_RELAXED, GOC_RELAXED)) {
            *fdready = true;
            return GOC__CH_ABORTED;
        }
    }
}

/* The chosen descriptor case: what poll reported, and ok. */
static int goc__fd_chosen(goc_case *cases, uint32_t i, short revents) {
    ((struct pollfd *)cases[i].elem)->revents = revents;
    cases[i].ok = true;
    return (int)i;
}

/* goc__select for a select with at least one GOC_POLL case (goc__select
 * sends it here when it meets the first, so that a select without one
 * costs what it did). The same passes: poll every case once in a random
 * order (the descriptors with one poll(2) of timeout 0, made when the
 * order reaches the first of them); queue an entry on every channel; sleep
 * in poll(2) (goc__fd_wait); leave the queues; act on what woke us. A
 * select that does not wait answers "none ready" for one moment of its
 * channels, as goc__select does; its descriptors are poll's answer of
 * their own moment. */
static GOC__CH_COLD int goc__select_fds(goc_case *cases, size_t n, int64_t deadline, int none) {
    size_t nfd = 0;
    for (size_t i = 0; i < n; i++) {
        goc_case *cs = &cases[i];
        if (cs->dir == GOC_POLL) {
            if (!cs->elem) return GOC_EINVAL;
            nfd++;
        } else if (cs->dir != GOC_SEND && cs->dir != GOC_RECV) {
            return GOC_EINVAL;
        } else if (cs->ch && cs->dir == GOC_SEND && !cs->elem && cs->ch->elem_size) {
            return GOC_EINVAL;
        }
    }
    goc__centry ent_local[GOC_SELECT_STACK_CASES];
    goc__cver ver_local[GOC_SELECT_STACK_CASES];
    uint32_t order_local[GOC_SELECT_STACK_CASES], pix_local[GOC_SELECT_STACK_CASES];
    struct pollfd pfd_local[GOC_SELECT_STACK_CASES + 1];
    goc__centry *ent = ent_local;
    goc__cver *ver = ver_local;
    uint32_t *order = order_local, *pix = pix_local;   /* pix: case -> its pollfd */
    struct pollfd *pfds = pfd_local;
    void *heap = NULL;
    if (n > GOC_SELECT_STACK_CASES) {
        size_t per = sizeof *ent + sizeof *ver + sizeof *pfds + 2 * sizeof *order;
        if (n > (SIZE_MAX - sizeof *pfds) / per) return GOC_EINVAL;
        heap = GOC_MALLOC(n * per + sizeof *pfds);
        if (!heap) return GOC_ENOMEM;
        ent = (goc__centry *)heap;
        ver = (goc__cver *)(void *)(ent + n);
        pfds = (struct pollfd *)(void *)(ver + n);
        order = (uint32_t *)(void *)(pfds + n + 1);
        pix = order + n;
    }
    goc__wakefd *wake = NULL;
    int result;
    for (;;) {
        /* The live cases in a fresh random order, and the pollfds afresh. */
        uint32_t m = 0;
        size_t f = 0;
        uint64_t rnd = 0;
        for (size_t i = 0; i < n; i++) {
            goc_case *cs = &cases[i];
            if (cs->dir == GOC_POLL) {
                const struct pollfd *u = (const struct pollfd *)cs->elem;
                pix[i] = (uint32_t)f;
                pfds[f].fd = u->fd;
                pfds[f].events = u->events;
                pfds[f].revents = 0;
                f++;
                if (u->fd < 0) continue;   /* poll(2) ignores it: never ready */
            } else if (!cs->ch) {
                continue;
            }
            uint32_t j = goc__chan_randn(&rnd, m, m + 1);
            if (j != m) order[m] = order[j];
            order[j] = (uint32_t)i;
            m++;
        }
        if (!m) {                          /* as goc__select */
            if (deadline == GOC__CH_POLL) result = none;
            else if (deadline == GOC__CH_NO_DEADLINE && none != GOC_TIMEOUT) result = GOC_EINVAL;
            else { goc__chan_sleep_until(deadline); result = GOC_TIMEOUT; }
            goto out;
        }

        /* Pass 1: is a case ready now? */
        for (;;) {
            bool polled = false;
            for (uint32_t k = 0; k < m; k++) {
                uint32_t i = order[k];
                goc_case *cs = &cases[i];
                if (cs->dir == GOC_POLL) {
                    if (!polled) {
                        polled = true;
                        if (poll(pfds, (nfds_t)nfd, 0) < 0 && errno != EINTR && errno != EAGAIN) {
                            result = errno == ENOMEM ? GOC_ENOMEM : GOC_EINVAL;
                            goto out;
                        }
                    }
                    if (pfds[pix[i]].revents) { result = goc__fd_chosen(cases, i, pfds[pix[i]].revents); goto out; }
                    continue;
                }
                if (!goc__case_note(cs, &ver[k]) && goc__case_try(cs) != GOC_WOULDBLOCK) {
                    result = (int)i;
                    goto out;
                }
            }
            if (deadline != GOC__CH_POLL) break;
            uint32_t k = 0;
            while (k < m && (cases[order[k]].dir == GOC_POLL || goc__case_unchanged(&cases[order[k]], &ver[k]))) k++;
            if (k < m) continue;           /* a channel changed: look again */
            result = none;
            goto out;
        }
        if (goc__chan_expired(deadline)) { result = GOC_TIMEOUT; goto out; }
        if (!wake && !(wake = goc__wakefd_get())) { result = GOC_ENOMEM; goto out; }

        /* Pass 2: an entry on every channel. */
        goc__pollword pw;
        goc_atomic_u32_store_explicit(&pw.word, GOC__CH_WAITING, GOC_RELAXED);
        pw.wfd = wake->wfd;
        uint32_t kreg = 0;                 /* order[0, kreg) were registered (channels among them) */
        long ready = -1;
        for (uint32_t k = 0; k < m; k++) {
            uint32_t i = order[k];
            kreg = k + 1;
            if (cases[i].dir == GOC_POLL) continue;
            goc__centry *e = &ent[i];
            e->word = &pw.word;
            e->elem = cases[i].elem;
            e->index = i;
            e->select = GOC__CE_POLLSEL;
            goc_atomic_u32_store_explicit(&e->linked, 0, GOC_RELAXED);
            if (goc__chan_register(cases[i].ch, cases[i].dir, e)) {
                uint32_t w = GOC__CH_WAITING;
                if (goc_atomic_u32_cas_explicit(&pw.word, &w, GOC__CH_ABORTED, GOC_RELAXED, GOC_RELAXED))
                    ready = (long)i;
                break;
            }
            if (goc_atomic_u32_load_explicit(&pw.word, GOC_RELAXED) != GOC__CH_WAITING) break;
        }

        bool fdready = false;
        int err = 0;
        GOC__DBG_REC(dbg);
        GOC__SEL_DBG_BLOCK(dbg, cases, n);
        uint32_t got = goc__fd_wait(&pw.word, deadline, pfds, nfd, wake->rfd, &fdready, &err);
        GOC__DBG_UNBLOCK(dbg);

        /* Pass 3: leave every queue we are still in. */
        for (uint32_t k = 0; k < kreg; k++) {
            uint32_t i = order[k];
            if (cases[i].dir != GOC_POLL) goc__chan_unregister(cases[i].ch, cases[i].dir, &ent[i]);
        }

        if (got >= GOC__CH_DONE) {
            uint32_t i = (got - GOC__CH_DONE) / 2;
            if ((got - GOC__CH_DONE) & 1) {    /* an unbuffered partner did it */
                cases[i].ok = true;
                result = (int)i;
                goto out;
            }
            ready = (long)i;                   /* told to try again, or closed */
        } else if (fdready) {
            /* One of the ready descriptors, each as likely. */
            uint32_t count = 0, pick;
            for (size_t g = 0; g < nfd; g++) count += pfds[g].revents != 0;
            pick = (uint32_t)(goc__chan_rand() % count);
            for (size_t i = 0; i < n; i++) {
                if (cases[i].dir != GOC_POLL || !pfds[pix[i]].revents) continue;
                if (pick-- == 0) { result = goc__fd_chosen(cases, (uint32_t)i, pfds[pix[i]].revents); goto out; }
            }
        } else if (err) {
            result = err;
            goto out;
        } else if (ready < 0) {
            result = GOC_TIMEOUT;              /* aborted at the deadline */
            goto out;
        }
        if (goc__case_try(&cases[ready]) != GOC_WOULDBLOCK) {
            result = (int)ready;
            goto out;
        }
    }
out:
    if (wake) goc__wakefd_put(wake);
    if (heap) GOC_FREE(heap);
    return result;
}

#else  /* GOC_MODEL_CHECK: no descriptors */

static void goc__fd_signal(int wfd) { (void)wfd; }
static GOC__CH_COLD void goc__chwatch_signal(goc_chan *c, bool locked) { (void)c; (void)locked; }
static GOC__CH_COLD void goc__chwatch_drain(goc_chan *c) { (void)c; }
static GOC__CH_COLD void goc__chwatch_unlist(uintptr_t watch) { (void)watch; }
static GOC__CH_COLD void goc__chwatch_free(uintptr_t watch) { (void)watch; }
GOC_DEF int goc_chan_fd(goc_chan *c) { (void)c; errno = ENOSYS; return -1; }
static int goc__select_fds(goc_case *cases, size_t n, int64_t deadline, int none) {
    (void)cases; (void)n; (void)deadline; (void)none;
    return GOC_EINVAL;
}

#endif /* GOC_MODEL_CHECK */

/* ---- public entry points ------------------------------------------------------------------ */

/* The buffered fast path: one ring operation, inline; GOC_WOULDBLOCK
 * sends the caller to goc__chan_op. */
static inline int goc__chan_fast(goc_chan *c, int dir, void *elem) {
    if (!c->cap) return GOC_WOULDBLOCK;
    return dir == GOC_SEND ? goc__ring_send(c, elem) : goc__ring_recv(c, elem);
}

static inline int goc__chan_call(goc_chan *c, int dir, void *elem, int64_t deadline) {
    int r = goc__chan_fast(c, dir, elem);
    return r != GOC_WOULDBLOCK ? r : goc__chan_op(c, dir, elem, deadline);
}

GOC_NOIPA GOC_DEF int goc_chan_send(goc_chan *c, const void *elem) {
    if (!c || (!elem && c->elem_size)) return GOC_EINVAL;
    GOC__CH_DBG_IN(c);
    return goc__chan_call(c, GOC_SEND, (void *)(uintptr_t)elem, GOC__CH_NO_DEADLINE);
}

GOC_NOIPA GOC_DEF int goc_chan_recv(goc_chan *c, void *out) {
    if (!c) return GOC_EINVAL;
    GOC__CH_DBG_IN(c);
    return goc__chan_call(c, GOC_RECV, out, GOC__CH_NO_DEADLINE);
}

GOC_NOIPA GOC_DEF int goc_chan_try_send(goc_chan *c, const void *elem) {
    if (!c || (!elem && c->elem_size)) return GOC_EINVAL;
    GOC__CH_DBG_IN(c);
    if (c->cap) return goc__ring_send(c, elem);
    return goc__unbuf_op(c, GOC_SEND, (void *)(uintptr_t)elem, NULL);
}

GOC_NOIPA GOC_DEF int goc_chan_try_recv(goc_chan *c, void *out) {
    if (!c) return GOC_EINVAL;
    GOC__CH_DBG_IN(c);
    int r = c->cap ? goc__ring_recv(c, out) : goc__unbuf_op(c, GOC_RECV, out, NULL);
    /* Found nothing: a watching descriptor must not say otherwise. */
    if (r == GOC_WOULDBLOCK && (goc_atomic_u32_load_explicit(&c->waiting, GOC_RELAXED) & GOC__CH_WATCH))
        goc__chwatch_drain(c);
    return r;
}

GOC_NOIPA GOC_DEF int goc_chan_send_timeout(goc_chan *c, const void *elem, goc_duration d) {
    if (!c || (!elem && c->elem_size)) return GOC_EINVAL;
    GOC__CH_DBG_IN(c);
    int r = goc__chan_call(c, GOC_SEND, (void *)(uintptr_t)elem,
                           d <= 0 ? GOC__CH_POLL : goc__chan_deadline(d));
    return r == GOC_WOULDBLOCK ? GOC_TIMEOUT : r;
}

GOC_NOIPA GOC_DEF int goc_chan_recv_timeout(goc_chan *c, void *out, goc_duration d) {
    if (!c) return GOC_EINVAL;
    GOC__CH_DBG_IN(c);
    int r = goc__chan_call(c, GOC_RECV, out, d <= 0 ? GOC__CH_POLL : goc__chan_deadline(d));
    if (r == GOC_WOULDBLOCK && (goc_atomic_u32_load_explicit(&c->waiting, GOC_RELAXED) & GOC__CH_WATCH))
        goc__chwatch_drain(c);                  /* a poll that found nothing: as try_recv */
    return r == GOC_WOULDBLOCK ? GOC_TIMEOUT : r;
}

GOC_NOIPA GOC_DEF int goc_select(goc_case *cases, size_t n) {
    GOC__SEL_DBG_IN(cases, n);
    return goc__select(cases, n, GOC__CH_NO_DEADLINE, GOC_WOULDBLOCK);
}

GOC_NOIPA GOC_DEF int goc_select_try(goc_case *cases, size_t n) {
    GOC__SEL_DBG_IN(cases, n);
    return goc__select(cases, n, GOC__CH_POLL, GOC_WOULDBLOCK);
}

GOC_NOIPA GOC_DEF int goc_select_timeout(goc_case *cases, size_t n, goc_duration d) {
    GOC__SEL_DBG_IN(cases, n);
    return goc__select(cases, n, d <= 0 ? GOC__CH_POLL : goc__chan_deadline(d), GOC_TIMEOUT);
}

#endif /* GOC_CHAN_IMPLEMENTATION */

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
