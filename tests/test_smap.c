/* goc_smap: the striped map. */
#include "testutil.h"

TestSuite(smap, .timeout = 60);

Test(smap, basics) {
    goc_smap *m = goc_smap_new(0);
    cr_assert_not_null(m);
    int a, b;
    void *v = NULL;
    cr_assert_not(goc_smap_get(m, 1, &v));
    cr_assert_eq(goc_smap_put(m, 1, &a), GOC_OK);
    cr_assert(goc_smap_get(m, 1, &v));
    cr_assert_eq(v, &a);
    cr_assert_eq(goc_smap_put(m, 1, &b), GOC_OK);         /* replace */
    cr_assert(goc_smap_get(m, 1, &v));
    cr_assert_eq(v, &b);
    cr_assert(goc_smap_get(m, 1, NULL));
    cr_assert_eq(goc_smap_len(m), 1);
    cr_assert(goc_smap_del(m, 1));
    cr_assert_not(goc_smap_del(m, 1));
    cr_assert_not(goc_smap_get(m, 1, &v));
    cr_assert_eq(goc_smap_len(m), 0);
    cr_assert_eq(goc_smap_put(m, 0, NULL), GOC_OK);       /* key 0 and NULL values work */
    cr_assert(goc_smap_get(m, 0, &v));
    cr_assert_null(v);
    goc_smap_free(m);
}

Test(smap, string_keys_are_copied_and_separate) {
    goc_smap *m = goc_smap_new(4);
    char buf[32];
    int a, b;
    void *v;
    strcpy(buf, "alpha");
    cr_assert_eq(goc_smap_sput(m, buf, &a), GOC_OK);
    strcpy(buf, "beta");                                   /* caller reuses its buffer */
    cr_assert_eq(goc_smap_sput(m, buf, &b), GOC_OK);
    strcpy(buf, "zzzzz");
    cr_assert(goc_smap_sget(m, "alpha", &v));
    cr_assert_eq(v, &a);
    cr_assert(goc_smap_sget(m, "beta", &v));
    cr_assert_eq(v, &b);
    cr_assert_not(goc_smap_sget(m, "zzzzz", &v));
    cr_assert_not(goc_smap_get(m, 0, &v));                 /* two key spaces */
    cr_assert_eq(goc_smap_len(m), 2);
    cr_assert(goc_smap_sdel(m, "alpha"));
    cr_assert_not(goc_smap_sdel(m, "alpha"));
    cr_assert_eq(goc_smap_len(m), 1);
    goc_smap_free(m);
}

Test(smap, null_arguments) {
    void *v;
    cr_assert_eq(goc_smap_put(NULL, 1, NULL), GOC_EINVAL);
    cr_assert_not(goc_smap_get(NULL, 1, &v));
    cr_assert_not(goc_smap_del(NULL, 1));
    cr_assert_eq(goc_smap_sput(NULL, "x", NULL), GOC_EINVAL);
    cr_assert_eq(goc_smap_len(NULL), 0);
    goc_smap *m = goc_smap_new(2);
    cr_assert_eq(goc_smap_sput(m, NULL, NULL), GOC_EINVAL);
    cr_assert_not(goc_smap_sget(m, NULL, &v));
    cr_assert_not(goc_smap_sdel(m, NULL));
    goc_smap_range(m, NULL, NULL);
    goc_smap_free(m);
    goc_smap_free(NULL);
}

typedef struct { int *seen; int n; int strings; int calls; } rangectx;
static bool visit(const goc_smap_entry *e, void *arg) {
    rangectx *c = arg;
    c->calls++;
    if (e->skey) { c->strings++; return true; }
    if (e->key < (uint64_t)c->n) c->seen[e->key]++;
    if (e->val != (void *)(uintptr_t)(e->key * 3 + 1)) c->seen[e->key] += 100;
    return true;
}
static bool stop_at_ten(const goc_smap_entry *e, void *arg) {
    (void)e;
    return ++*(int *)arg < 10;
}
Test(smap, range_visits_each_entry_once) {
    enum { N = 5000 };
    goc_smap *m = goc_smap_new(16);
    for (uint64_t k = 0; k < N; k++) goc_smap_put(m, k, (void *)(uintptr_t)(k * 3 + 1));
    goc_smap_sput(m, "one", NULL);
    goc_smap_sput(m, "two", NULL);
    static int seen[N];
    rangectx c = { seen, N, 0, 0 };
    goc_smap_range(m, visit, &c);
    cr_assert_eq(c.calls, N + 2);
    cr_assert_eq(c.strings, 2);
    for (int k = 0; k < N; k++) cr_assert_eq(seen[k], 1, "key %d seen %d times", k, seen[k]);
    int stops = 0;
    goc_smap_range(m, stop_at_ten, &stops);
    cr_assert_eq(stops, 10);
    cr_assert_eq(goc_smap_len(m), N + 2);
    goc_smap_free(m);
}

/* 4 threads of random put/get/del, each on its own key range, each keeping
 * a shadow copy; at the end the map must match every shadow exactly. */
enum { KEYS = 2000 };
typedef struct { goc_smap *m; int id; int ops; uintptr_t shadow[KEYS]; } worker;
static void *smap_worker(void *arg) {
    worker *w = arg;
    uint64_t base = (uint64_t)w->id << 32;
    unsigned seed = 77u + (unsigned)w->id;
    char key[32];
    for (int i = 0; i < w->ops; i++) {
        seed = seed * 1103515245u + 12345u;
        int k = (int)((seed >> 8) % KEYS);
        int op = (int)((seed >> 20) % 10);
        void *v = NULL;
        if (op < 4) {
            uintptr_t val = ((uintptr_t)i << 1) | 1;
            T_CHECK(goc_smap_put(w->m, base + (uint64_t)k, (void *)val) == GOC_OK);
            w->shadow[k] = val;
        } else if (op < 8) {
            bool found = goc_smap_get(w->m, base + (uint64_t)k, &v);
            T_CHECK(found == (w->shadow[k] != 0));
            if (found) T_CHECK((uintptr_t)v == w->shadow[k]);
        } else {
            bool found = goc_smap_del(w->m, base + (uint64_t)k);
            T_CHECK(found == (w->shadow[k] != 0));
            w->shadow[k] = 0;
        }
        if (i % 16 == 0) {                       /* string keys too */
            snprintf(key, sizeof key, "t%d-k%d", w->id, k % 64);
            goc_smap_sput(w->m, key, (void *)(uintptr_t)i);
            T_CHECK(goc_smap_sget(w->m, key, &v) && (uintptr_t)v == (uintptr_t)i);
        }
    }
    return NULL;
}
Test(smap, four_threads_against_shadows) {
    goc_smap *m = goc_smap_new(0);
    static worker w[4];
    t_threads t = {0};
    for (int i = 0; i < 4; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].m = m; w[i].id = i; w[i].ops = T_ITERS(200000);
        t_spawn(&t, smap_worker, &w[i]);
    }
    t_join(&t);
    T_NO_FAILURES();
    size_t expect = 0;
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < KEYS; k++) {
            void *v = NULL;
            bool found = goc_smap_get(m, ((uint64_t)i << 32) + (uint64_t)k, &v);
            cr_assert_eq(found, w[i].shadow[k] != 0);
            if (found) { cr_assert_eq((uintptr_t)v, w[i].shadow[k]); expect++; }
        }
    }
    size_t strings = 0;
    char key[32];
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 64; k++) {
            snprintf(key, sizeof key, "t%d-k%d", i, k);
            strings += goc_smap_sget(m, key, NULL);
        }
    cr_assert_eq(goc_smap_len(m), expect + strings);
    goc_smap_free(m);
}

/* load_or_store racing on the same keys: exactly one store wins per key,
 * and everyone agrees on the value. */
static goc_smap *g_m;
static goc_atomic_i64 g_stores;
static void *los_racer(void *arg) {
    uintptr_t me = (uintptr_t)arg;
    for (uint64_t k = 0; k < 2000; k++) {
        void *actual = NULL;
        bool loaded = goc_smap_load_or_store(g_m, k, (void *)me, &actual);
        if (!loaded) { goc_atomic_i64_add(&g_stores, 1); T_CHECK(actual == (void *)me); }
        void *now = NULL;
        T_CHECK(goc_smap_get(g_m, k, &now) && now == actual);
    }
    return NULL;
}
Test(smap, load_or_store_one_winner_per_key) {
    g_m = goc_smap_new(8);
    t_threads t = {0};
    for (uintptr_t i = 1; i <= 4; i++) t_spawn(&t, los_racer, (void *)i);
    t_join(&t);
    T_NO_FAILURES();
    cr_assert_eq(goc_atomic_i64_load(&g_stores), 2000);
    cr_assert_eq(goc_smap_len(g_m), 2000);
    goc_smap_free(g_m);
}

Test(smap, stripes_rounded_to_power_of_two) {
    goc_smap *m = goc_smap_new(5);    /* becomes 8: just check it works */
    for (uint64_t k = 0; k < 100; k++) goc_smap_put(m, k * 7919, NULL);
    cr_assert_eq(goc_smap_len(m), 100);
    goc_smap_free(m);
}
