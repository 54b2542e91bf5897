/* RWMutex, biased reads: a reader that publishes itself in its thread's
 * slot against a writer that revokes the bias. The store-buffering pair
 * (the reader's slot store and its load of the state, the writer's clear
 * of BIAS and its load of the slot, all seq_cst) must let exactly one of
 * them go first, and each section must publish its plain accesses to the
 * other (the slot's release, the writer's acquire): GenMC reports any race
 * on x. The lock starts biased, as the first count-path reader leaves it. */
#include "verify.h"
#define V_RW_START GOC__RW_BIAS
#include "rwmutex_excl.c"   /* the same writer and reader */
