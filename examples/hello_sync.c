/* hello_sync: goc's sync.h at work, in one short program.
 *
 * Four workers count words from a shared text into one striped map (the
 * "global map behind striped locks" pattern), a sync.Once loads the shared
 * settings exactly once, a WaitGroup waits for the workers, a weighted
 * semaphore keeps at most two of them inside the "expensive" part at a time,
 * and a Mutex guards a plain total. Every figure printed is checked.
 *
 *     make demo          (or: cc -std=c11 -I. examples/hello_sync.c -pthread)
 */
#define GOC_IMPLEMENTATION
#include "sync.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const text[] = {
    "do not communicate by sharing memory",
    "instead share memory by communicating",
    "channels orchestrate mutexes serialize",
    "the bigger the interface the weaker the abstraction",
    "make the zero value useful",
    "a little copying is better than a little dependency",
    "clear is better than clever",
    "errors are values",
};
enum { NLINES = sizeof text / sizeof text[0], NWORKERS = 4, ROUNDS = 250 };

/* Settings: loaded once, whoever asks first. */
static goc_once settings_once;
static int      settings_rounds;
static void load_settings(void *arg) {
    (void)arg;
    printf("  settings loaded (once, by whichever worker came first)\n");
    settings_rounds = ROUNDS;
}

static goc_smap     *counts;       /* word -> goc_atomic_i64 * */
static goc_mutex     total_mu;
static long          total_words;  /* guarded by total_mu */
static goc_sem       expensive;    /* at most 2 workers inside at once */
static goc_atomic_i64 inside, most_inside;
static goc_waitgroup wg;

/* One counter per word, created by the first worker to see the word. */
static goc_atomic_i64 *counter_for(const char *word) {
    void *v;
    if (goc_smap_sget(counts, word, &v)) return (goc_atomic_i64 *)v;
    goc_atomic_i64 *c = (goc_atomic_i64 *)calloc(1, sizeof *c);
    /* String keys have no load_or_store: take the slow road under a lock
     * of our own, re-checking first (another worker may have won). */
    static goc_mutex create_mu;
    goc_mutex_lock(&create_mu);
    if (goc_smap_sget(counts, word, &v)) { free(c); c = (goc_atomic_i64 *)v; }
    else goc_smap_sput(counts, word, c);
    goc_mutex_unlock(&create_mu);
    return c;
}

static void *worker(void *arg) {
    int id = (int)(intptr_t)arg;
    goc_once_do(&settings_once, load_settings, NULL);
    long mine = 0;
    for (int r = 0; r < settings_rounds; r++) {
        const char *line = text[(id + r) % NLINES];
        char buf[128];
        strcpy(buf, line);                       /* the map copies keys: buf is reused */
        for (char *save, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            goc_atomic_i64_add(counter_for(w), 1);
            mine++;
        }
        if (r % 50 == 0) {                       /* the part only two may do at once */
            goc_sem_acquire(&expensive, 1);
            int64_t now = goc_atomic_i64_add(&inside, 1), seen;
            while ((seen = goc_atomic_i64_load(&most_inside)) < now &&
                   !goc_atomic_i64_cas(&most_inside, seen, now)) {}
            struct timespec ts = { 0, 2000000 };   /* 2 ms of "work" */
            nanosleep(&ts, NULL);
            goc_atomic_i64_add(&inside, -1);
            goc_sem_release(&expensive, 1);
        }
    }
    goc_mutex_lock(&total_mu);
    total_words += mine;
    goc_mutex_unlock(&total_mu);
    goc_wg_done(&wg);
    return NULL;
}

static bool print_top(const goc_smap_entry *e, void *arg) {
    long *shown = (long *)arg;
    int64_t n = goc_atomic_i64_load((goc_atomic_i64 *)e->val);
    if (n >= 250 && (*shown)++ < 6) printf("    %-12s %lld\n", e->skey, (long long)n);
    return true;
}

static bool free_counter(const goc_smap_entry *e, void *arg) {
    (void)arg;
    free(e->val);
    return true;
}

int main(void) {
    printf("hello_sync: %d workers count words into a striped map\n", NWORKERS);
    counts = goc_smap_new(16);
    goc_sem_init(&expensive, 2);

    pthread_t t[NWORKERS];
    goc_wg_add(&wg, NWORKERS);
    for (int i = 0; i < NWORKERS; i++) pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
    if (goc_wg_wait_timeout(&wg, 10 * GOC_SECOND) != GOC_OK) {
        fprintf(stderr, "workers did not finish\n");
        return 1;
    }
    for (int i = 0; i < NWORKERS; i++) pthread_join(t[i], NULL);

    long expect = 0;                              /* the same count, done plainly */
    for (int id = 0; id < NWORKERS; id++)
        for (int r = 0; r < ROUNDS; r++) {
            char buf[128], *save;
            strcpy(buf, text[(id + r) % NLINES]);
            for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) expect++;
        }

    long shown = 0;
    printf("  words counted: %ld (expected %ld), distinct: %zu\n",
           total_words, expect, goc_smap_len(counts));
    printf("  some frequent words:\n");
    goc_smap_range(counts, print_top, &shown);
    printf("  most workers inside the semaphore at once: %lld (capacity 2)\n",
           (long long)goc_atomic_i64_load(&most_inside));

    int ok = total_words == expect && goc_atomic_i64_load(&most_inside) <= 2;
    goc_smap_range(counts, free_counter, NULL);
    goc_smap_free(counts);
    printf("%s\n", ok ? "hello_sync: OK" : "hello_sync: WRONG");
    return ok ? 0 : 1;
}
