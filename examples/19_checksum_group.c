/* 19_checksum_group: checksum files in parallel with an errgroup, at most
 * 3 at a time; the first failure cancels the rest.
 *
 * Go's golang.org/x/sync/errgroup:
 *
 *     g, ctx := errgroup.WithContext(parent)
 *     g.SetLimit(3)
 *     for _, path := range paths {
 *         g.Go(func() error { return sum(ctx, path) })   // blocks while 3 run
 *     }
 *     if err := g.Wait(); err != nil { ... }             // the first error
 *
 * In goc a task returns an int (0: success; here an errno); the group's
 * context ends with that int as its cause (goc_ctx_cause), so tasks still
 * reading stop between two blocks (goc_ctx_err), and tasks not started yet
 * see it at once.
 */
#define _DEFAULT_SOURCE 1
#define GOC_IMPLEMENTATION
#include "context.h"
#include "check.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NFILES 8

typedef struct job {
    const char *path;
    goc_ctx *ctx;              /* the group's */
    uint64_t sum;              /* FNV-1a of the file */
    int rc;                    /* what the task returned */
} job;

static goc_atomic_i32 running, peak;

static int sum_file(void *arg) {
    job *j = (job *)arg;
    int now = goc_atomic_i32_add(&running, 1);
    for (int p = goc_atomic_i32_load(&peak); now > p;)
        if (goc_atomic_i32_cas_explicit(&peak, &p, now, GOC_SEQ_CST, GOC_SEQ_CST)) break;
    int rc = 0;
    FILE *f = fopen(j->path, "rb");
    if (!f) {
        rc = errno;                               /* the group's result: ENOENT */
    } else {
        uint64_t h = 1469598103934665603ull;
        unsigned char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
            if ((rc = goc_ctx_err(j->ctx)) != GOC_OK) break;   /* another task failed */
            for (size_t i = 0; i < n; i++) h = (h ^ buf[i]) * 1099511628211ull;
            goc_sleep(GOC_MILLISECOND);           /* a slow disk, so that tasks overlap */
        }
        fclose(f);
        j->sum = h;
    }
    goc_atomic_i32_add(&running, -1);
    j->rc = rc;
    return rc;
}

static uint64_t fnv(const unsigned char *p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* Checksum every path; answers the group's result. */
static int sum_all(job *jobs, int n) {
    goc_group *g = goc_group_new(goc_ctx_background());
    CHECK(g != NULL);
    goc_group_set_limit(g, 3);
    for (int i = 0; i < n; i++) {
        jobs[i].ctx = goc_group_ctx(g);
        CHECK(goc_group_go(g, sum_file, &jobs[i]) == GOC_OK);   /* waits while 3 run */
    }
    int rc = goc_group_wait(g);
    CHECK(goc_ctx_err(goc_group_ctx(g)) == GOC_CANCELED);      /* wait ends it anyway */
    CHECK(goc_ctx_cause(goc_group_ctx(g)) == (rc ? rc : GOC_CANCELED));
    goc_group_free(g);
    return rc;
}

int main(void) {
    char paths[NFILES + 1][64];
    static unsigned char data[NFILES][20000];
    job jobs[NFILES];
    for (int i = 0; i < NFILES; i++) {
        snprintf(paths[i], sizeof paths[i], "/tmp/goc-sum-XXXXXX");
        int fd = mkstemp(paths[i]);
        CHECK(fd >= 0);
        for (size_t k = 0; k < sizeof data[i]; k++) data[i][k] = (unsigned char)(k * 31 + i);
        CHECK(write(fd, data[i], sizeof data[i]) == (ssize_t)sizeof data[i]);
        close(fd);
        jobs[i] = (job){ .path = paths[i] };
    }

    /* Every file there: GOC_OK, every sum right, never more than 3 at once. */
    CHECK(sum_all(jobs, NFILES) == GOC_OK);
    for (int i = 0; i < NFILES; i++) CHECK(jobs[i].sum == fnv(data[i], sizeof data[i]));
    printf("%d files summed, at most %d at once\n", NFILES, goc_atomic_i32_load(&peak));
    CHECK(goc_atomic_i32_load(&peak) <= 3);

    /* One missing (second in line): its ENOENT is the group's result, and
     * the tasks still reading stop early with GOC_CANCELED. */
    snprintf(paths[NFILES], sizeof paths[NFILES], "/tmp/goc-sum-missing-%d", (int)getpid());
    job with_missing[NFILES + 1];
    with_missing[0] = (job){ .path = paths[0] };
    with_missing[1] = (job){ .path = paths[NFILES] };
    for (int i = 1; i < NFILES; i++) with_missing[i + 1] = (job){ .path = paths[i] };
    int rc = sum_all(with_missing, NFILES + 1);
    printf("with a missing file: %s (the group's result)\n", strerror(rc));
    CHECK(rc == ENOENT);
    /* Every other task either finished (with the right sum) or saw the
     * cancel; the group cancels before the failed task frees its place, so
     * those started after it stop at their first block. */
    int stopped = 0;
    for (int i = 0; i < NFILES + 1; i++) {
        if (i == 1) continue;
        int f = i == 0 ? 0 : i - 1;
        if (with_missing[i].rc == GOC_CANCELED) stopped++;
        else CHECK(with_missing[i].rc == 0 && with_missing[i].sum == fnv(data[f], sizeof data[f]));
    }
    printf("%d of the other %d tasks stopped early\n", stopped, NFILES);

    for (int i = 0; i < NFILES; i++) unlink(paths[i]);
    return 0;
}
