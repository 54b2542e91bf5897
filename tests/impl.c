/* The one translation unit that compiles goc's implementations for the tests. */
#define GOC_IMPLEMENTATION
#include "context.h"
