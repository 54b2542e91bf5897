/* make matrix, the custom-allocator row: every goc allocation goes through
 * these, and each block carries a 16-byte header with a magic word. A block
 * freed by anything but GOC_FREE (the C library's free, say), or a
 * GOC_FREE of memory goc did not get from GOC_MALLOC, crashes the suite. */
#ifndef GOC_MATRIX_ALLOC_H
#define GOC_MATRIX_ALLOC_H
/* Included before everything (-include): ask for POSIX before the first
 * system header, as goc's own headers would. */
#if !defined(_DEFAULT_SOURCE) && !defined(_GNU_SOURCE)
#define _DEFAULT_SOURCE 1
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GOC_MATRIX_MAGIC 0x60c0a110c8ed5eedull

static inline void *goc_matrix_malloc(size_t n) {
    unsigned char *p = (unsigned char *)malloc(n + 16);
    if (!p) return NULL;
    uint64_t m = GOC_MATRIX_MAGIC;
    memcpy(p, &m, sizeof m);
    return p + 16;
}
static inline void goc_matrix_free(void *q) {
    if (!q) return;
    unsigned char *p = (unsigned char *)q - 16;
    uint64_t m;
    memcpy(&m, p, sizeof m);
    if (m != GOC_MATRIX_MAGIC) abort();    /* not ours */
    memset(p, 0, sizeof m);
    free(p);
}
static inline void *goc_matrix_realloc(void *q, size_t n) {
    if (!q) return goc_matrix_malloc(n);
    unsigned char *p = (unsigned char *)q - 16;
    uint64_t m;
    memcpy(&m, p, sizeof m);
    if (m != GOC_MATRIX_MAGIC) abort();
    p = (unsigned char *)realloc(p, n + 16);
    return p ? p + 16 : NULL;
}
#define GOC_MALLOC(n)     goc_matrix_malloc(n)
#define GOC_FREE(p)       goc_matrix_free(p)
#define GOC_REALLOC(p, n) goc_matrix_realloc((p), (n))
#endif
