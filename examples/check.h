/* check.h: the examples verify what they print.
 *
 * CHECK(cond) prints the failed condition and its line and exits with
 * status 1, so `make test` (which runs every example) fails with it. It is
 * not assert(): it stays on under -DNDEBUG.
 */
#ifndef GOC_EXAMPLE_CHECK_H
#define GOC_EXAMPLE_CHECK_H
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

#endif
