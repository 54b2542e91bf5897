/* Allocation: goc_chan_init in caller memory makes no allocation, whatever
 * the channel is used for; a failing allocator gives NULL and ENOMEM; every
 * allocation is freed. This file compiles goc's implementation itself, with
 * a counting (and, on request, failing) GOC_MALLOC. */
#include <stddef.h>
void *t_malloc(size_t n);
void  t_free(void *p);
#define GOC_MALLOC(n) t_malloc(n)
#define GOC_FREE(p)   t_free(p)
#define GOC_IMPLEMENTATION
#include "chan.h"
#include "testutil.h"
#include <errno.h>

static goc_atomic_i64 g_mallocs, g_frees;
static goc_atomic_i32 g_fail;

void *t_malloc(size_t n) {
    if (goc_atomic_i32_load(&g_fail)) return NULL;
    goc_atomic_i64_add(&g_mallocs, 1);
    return malloc(n);
}
void t_free(void *p) {
    if (p) goc_atomic_i64_add(&g_frees, 1);
    free(p);
}

TestSuite(alloc, .timeout = 30);

static GOC_ALIGNED_CACHELINE unsigned char g_mem_u[1024], g_mem_b[4096];

static void *partner(void *arg) {
    goc_chan **ch = arg;            /* [0] unbuffered, [1] buffered */
    long v;
    for (long i = 0; i < 2000; i++) {
        T_CHECK(goc_chan_send(ch[0], &i) == GOC_OK);
        T_CHECK(goc_chan_recv(ch[1], &v) == GOC_OK && v == i);
    }
    return NULL;
}

Test(alloc, init_makes_no_allocation) {
    cr_assert_leq(goc_chan_sizeof(sizeof(long), 0), sizeof g_mem_u);
    cr_assert_leq(goc_chan_sizeof(sizeof(long), 64), sizeof g_mem_b);
    goc_atomic_i64_store(&g_mallocs, 0);
    goc_chan *ch[2] = { goc_chan_init(g_mem_u, sizeof(long), 0),
                        goc_chan_init(g_mem_b, sizeof(long), 64) };
    cr_assert(ch[0] && ch[1]);
    t_threads t = {0};
    t_spawn(&t, partner, ch);
    for (long i = 0; i < 2000; i++) {           /* blocking paths, select, timeouts */
        long v = -1;
        goc_case cs[GOC_SELECT_STACK_CASES];
        for (int k = 0; k < GOC_SELECT_STACK_CASES; k++) cs[k] = goc_recv_case(NULL, NULL);
        cs[3] = goc_recv_case(ch[0], &v);
        cr_assert_eq(goc_select(cs, GOC_SELECT_STACK_CASES), 3);
        cr_assert_eq(v, i);
        cr_assert_eq(goc_chan_send_timeout(ch[1], &i, GOC_SECOND), GOC_OK);
    }
    t_join(&t);
    long v = 0;
    cr_assert_eq(goc_chan_recv_timeout(ch[0], &v, GOC_MILLISECOND), GOC_TIMEOUT);
    cr_assert_eq(goc_chan_close(ch[0]), GOC_OK);
    cr_assert_eq(goc_chan_close(ch[1]), GOC_OK);
    goc_chan_free(ch[0]);
    goc_chan_free(ch[1]);
    cr_assert_eq(goc_atomic_i64_load(&g_mallocs), 0, "made %lld allocations",
                 (long long)goc_atomic_i64_load(&g_mallocs));
    T_NO_FAILURES();
}

Test(alloc, failing_allocator_gives_enomem) {
    goc_atomic_i32_store(&g_fail, 1);
    errno = 0;
    cr_assert_null(goc_chan_make(8, 0));
    cr_assert_eq(errno, ENOMEM);
    errno = 0;
    cr_assert_null(goc_chan_make(8, 100));
    cr_assert_eq(errno, ENOMEM);
    /* a select too large for the stack needs the heap */
    static unsigned char mem[1024];
    goc_chan *c = goc_chan_init(mem, 0, 1);
    cr_assert_not_null(c);
    goc_chan_send(c, NULL);
    goc_case cs[GOC_SELECT_STACK_CASES + 1];
    for (int k = 0; k <= GOC_SELECT_STACK_CASES; k++) cs[k] = goc_recv_case(c, NULL);
    cr_assert_eq(goc_select(cs, GOC_SELECT_STACK_CASES + 1), GOC_ENOMEM);
    goc_atomic_i32_store(&g_fail, 0);
    int k = goc_select(cs, GOC_SELECT_STACK_CASES + 1);
    cr_assert(k >= 0 && k <= GOC_SELECT_STACK_CASES);
    goc_chan_free(c);
}

Test(alloc, every_allocation_is_freed) {
    int64_t m0 = goc_atomic_i64_load(&g_mallocs), f0 = goc_atomic_i64_load(&g_frees);
    for (int i = 0; i < 100; i++) {
        goc_chan *c = goc_chan_make(16, (size_t)i);
        goc_chan_retain(c);
        goc_chan_free(c);
        cr_assert_eq(goc_atomic_i64_load(&g_frees), f0 + i, "freed while a reference remained");
        goc_chan_free(c);
    }
    goc_chan *c = goc_chan_make(0, 1);
    goc_case cs[GOC_SELECT_STACK_CASES * 2];
    for (int k = 0; k < GOC_SELECT_STACK_CASES * 2; k++) cs[k] = goc_recv_case(c, NULL);
    cr_assert_eq(goc_select_timeout(cs, GOC_SELECT_STACK_CASES * 2, GOC_MILLISECOND), GOC_TIMEOUT);
    goc_chan_free(c);
    cr_assert_eq(goc_atomic_i64_load(&g_mallocs) - m0, goc_atomic_i64_load(&g_frees) - f0);
}
