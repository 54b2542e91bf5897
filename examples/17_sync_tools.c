/* 17_sync_tools: a striped map of counters hit from many threads; Once for
 * lazy configuration; a Cond-guarded queue.
 *
 * From the notes on a global map behind striped locks: one map behind one
 * lock serializes every thread; split it into shards, each with its own
 * lock (padded to a cache line), picked by the key's hash:
 *
 *     type shard struct { sync.RWMutex; m map[string]*int64 }
 *     var shards [N]shard                       // shard := &shards[hash(key)%N]
 *
 * goc_smap is that map. A counter per key: load-or-store a new counter,
 * then add to it atomically, so no lock is held while counting.
 *
 * sync.Once, for configuration loaded on first use by whichever thread
 * needs it first:
 *
 *     var once sync.Once
 *     func config() *Config { once.Do(load); return cfg }
 *
 * sync.Cond, a queue whose consumers sleep while it is empty (and whose
 * producer sleeps while it is full, on a second Cond):
 *
 *     c.L.Lock()
 *     for len(q) == 0 { c.Wait() }   // Wait unlocks, sleeps, relocks
 *     item := q[0]; q = q[1:]
 *     c.L.Unlock()
 */
#define GOC_IMPLEMENTATION
#include "pool.h"
#include "check.h"

enum { THREADS = 4, HITS = 20000, PAGES = 10, ITEMS = 5000, CONSUMERS = 3 };

/* ---- a striped map of counters --------------------------------------------- */
static goc_smap *hits;

static void count_hit(uint64_t page) {
    void *counter;
    if (!goc_smap_get(hits, page, &counter)) {
        goc_atomic_i64 *fresh = calloc(1, sizeof *fresh);
        CHECK(fresh != NULL);
        if (goc_smap_load_or_store(hits, page, fresh, &counter)) free(fresh);  /* another thread won */
    }
    goc_atomic_i64_add(counter, 1);
}

/* ---- lazy configuration ------------------------------------------------------ */
struct config { int page_weight; };
static goc_once config_once;
static struct config cfg;
static goc_atomic_i64 loads;

static void load_config(void *arg) {
    (void)arg;
    goc_atomic_i64_add(&loads, 1);
    cfg.page_weight = 1;                 /* read a file, parse, ... */
}
static const struct config *config(void) {
    goc_once_do(&config_once, load_config, NULL);   /* the first caller loads; all see it loaded */
    return &cfg;
}

static void visitor(void *arg) {
    unsigned seed = (unsigned)(intptr_t)arg + 1;
    for (int i = 0; i < HITS; i++) {
        seed = seed * 1103515245u + 12345u;
        for (int w = 0; w < config()->page_weight; w++) count_hit((seed >> 8) % PAGES);
    }
}

/* ---- a Cond-guarded queue ------------------------------------------------- */
static struct {
    goc_mutex mu;
    goc_cond nonempty, nonfull;
    int items[64];
    int head, len;
    bool closed;
} q;

static void q_put(int v) {
    goc_mutex_lock(&q.mu);
    while (q.len == 64) goc_cond_wait(&q.nonfull, &q.mu);   /* full: sleep until a take */
    q.items[(q.head + q.len++) % 64] = v;
    goc_cond_signal(&q.nonempty);
    goc_mutex_unlock(&q.mu);
}
static bool q_take(int *v) {
    goc_mutex_lock(&q.mu);
    while (q.len == 0 && !q.closed) goc_cond_wait(&q.nonempty, &q.mu);
    bool ok = q.len > 0;
    if (ok) {
        *v = q.items[q.head];
        q.head = (q.head + 1) % 64;
        q.len--;
        goc_cond_signal(&q.nonfull);
    }
    goc_mutex_unlock(&q.mu);
    return ok;
}
static void q_close(void) {
    goc_mutex_lock(&q.mu);
    q.closed = true;
    goc_cond_broadcast(&q.nonempty);     /* wake every sleeping consumer */
    goc_mutex_unlock(&q.mu);
}

static goc_atomic_i64 taken, taken_sum;
static void consumer(void *arg) {
    (void)arg;
    int v;
    while (q_take(&v)) { goc_atomic_i64_add(&taken, 1); goc_atomic_i64_add(&taken_sum, v); }
}

static bool add_count(const goc_smap_entry *e, void *arg) {
    *(int64_t *)arg += goc_atomic_i64_load(e->val);
    return true;                         /* go on */
}
static bool free_counter(const goc_smap_entry *e, void *arg) { (void)arg; free(e->val); return true; }

int main(void) {
    hits = goc_smap_new(0);
    CHECK(hits != NULL);
    goc_waitgroup wg = {0};
    for (int i = 0; i < THREADS; i++) CHECK(goc_wg_go(&wg, visitor, (void *)(intptr_t)i) == GOC_OK);
    goc_wg_wait(&wg);
    int64_t total = 0;
    goc_smap_range(hits, add_count, &total);
    printf("striped map: %zu pages, %lld hits counted from %d threads (config loaded %lld time)\n",
           goc_smap_len(hits), (long long)total, THREADS, (long long)goc_atomic_i64_load(&loads));
    CHECK(total == (int64_t)THREADS * HITS && goc_smap_len(hits) == PAGES);
    CHECK(goc_atomic_i64_load(&loads) == 1);
    goc_smap_range(hits, free_counter, NULL);
    goc_smap_free(hits);

    for (int i = 0; i < CONSUMERS; i++) CHECK(goc_wg_go(&wg, consumer, NULL) == GOC_OK);
    for (int v = 1; v <= ITEMS; v++) q_put(v);
    q_close();
    goc_wg_wait(&wg);
    printf("cond queue: %lld items taken by %d consumers, sum %lld\n", (long long)goc_atomic_i64_load(&taken),
           CONSUMERS, (long long)goc_atomic_i64_load(&taken_sum));
    CHECK(goc_atomic_i64_load(&taken) == ITEMS);
    CHECK(goc_atomic_i64_load(&taken_sum) == (int64_t)ITEMS * (ITEMS + 1) / 2);
    return 0;
}
