/* pool.h built with options of its own: this file compiles goc's
 * implementation itself (Makefile: SELF_IMPL).
 *
 * workers_honour_go_stack_size: GOC_GO_STACK_SIZE sets the stack of
 * goc_go's threads and of goc_workers' threads alike.
 *
 * freelist_ring_survives_position_wrap: the free list's ring positions are
 * uintptr_t and wrap after 2^32 operations on 32-bit targets. With the
 * implementation in this file, the test starts both positions just below
 * the wrap (setting every slot's stamp to match, as a ring that has done
 * that many operations would have them) and drives the ring across it:
 * with a capacity that is not a power of two, pos % cap used to jump a
 * slot there and an item was overwritten. */
#define _GNU_SOURCE 1                    /* pthread_getattr_np */
#ifndef GOC_GO_STACK_SIZE                 /* the 32-bit matrix rows bring their own */
#define GOC_GO_STACK_SIZE (256 * 1024)
#endif
#define GOC_IMPLEMENTATION
#include "testutil.h"
/* A GNU extension (glibc, musl): declared here too, for builds that asked
 * for _DEFAULT_SOURCE before this file could ask for _GNU_SOURCE (the
 * matrix's -include tests/matrix_alloc.h). */
int pthread_getattr_np(pthread_t thread, pthread_attr_t *attr);

TestSuite(pool_stack, .timeout = 60);

static size_t my_stack_size(void) {
    pthread_attr_t a;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &a) != 0) return 0;
    pthread_attr_getstacksize(&a, &size);
    pthread_attr_destroy(&a);
    return size;
}

static goc_atomic_u64 seen;
static void record_stack(void *arg) { (void)arg; goc_atomic_u64_store(&seen, my_stack_size()); }

static void check_size(size_t got, const char *who) {
    fprintf(stderr, "%s stack: %zu bytes\n", who, got);
    /* TSan enlarges small stacks (to ~900 KiB here): then only "well below
     * the system's default of 8 MiB" is checked. */
    size_t most = T_SCALE > 1 ? 2 * 1024 * 1024 : GOC_GO_STACK_SIZE + 64 * 1024;
    cr_assert(got >= GOC_GO_STACK_SIZE && got < most,
              "%s stack: %zu bytes, want %d", who, got, (int)GOC_GO_STACK_SIZE);
    (void)who;
}

Test(pool_stack, go_honours_go_stack_size) {
    goc_waitgroup wg = {0};
    cr_assert_eq(goc_wg_go(&wg, record_stack, NULL), GOC_OK);
    goc_wg_wait(&wg);
    check_size((size_t)goc_atomic_u64_load(&seen), "goc_go thread");
}

Test(pool_stack, workers_honour_go_stack_size) {
    goc_workers *w = goc_workers_new(2, 4);
    cr_assert_not_null(w);
    for (int i = 0; i < 4; i++) {
        goc_atomic_u64_store(&seen, 0);
        cr_assert_eq(goc_workers_submit(w, record_stack, NULL), GOC_OK);
        goc_workers_wait(w);
        check_size((size_t)goc_atomic_u64_load(&seen), "goc_workers thread");
    }
    goc_workers_free(w);
}

/* Both positions at start, each slot's stamp as the ring would have it. */
static void ring_set_positions(goc_freelist *f, uintptr_t start) {
    goc_atomic_uptr_store(&f->head, start);
    goc_atomic_uptr_store(&f->tail, start);
    for (size_t k = 0; k < f->cap; k++) {
        uintptr_t p = start + k;
        goc_atomic_uptr_store(&f->slots[p % f->cap].stamp, p);
    }
}

Test(pool_stack, freelist_ring_survives_position_wrap) {
    size_t caps[] = { 1, 3, 5, 6, 7 };
    for (size_t ci = 0; ci < sizeof caps / sizeof caps[0]; ci++) {
        size_t max_free = caps[ci];
        goc_freelist *f = goc_freelist_new(16, max_free);
        cr_assert_not_null(f);
        ring_set_positions(f, UINTPTR_MAX - 2 * max_free - 1);
        static char items[64];
        for (int round = 0; round < 10; round++) {   /* across the wrap and on */
            for (size_t i = 0; i < max_free; i++)
                cr_assert(goc__fl_ring_put(f, &items[i]), "cap %zu round %d: put %zu refused", max_free, round, i);
            for (size_t i = 0; i < max_free; i++) {
                void *got = NULL;
                cr_assert(goc__fl_ring_get(f, &got), "cap %zu round %d: get %zu found nothing", max_free, round, i);
                cr_assert_eq(got, &items[i], "cap %zu round %d: item %zu lost or reordered", max_free, round, i);
            }
            void *none;
            cr_assert(!goc__fl_ring_get(f, &none), "cap %zu round %d: an item twice", max_free, round);
        }
        goc_freelist_free(f);
    }
}
