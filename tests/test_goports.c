/* Go's own channel tests, ported to goc: one file each under tests/go/,
 * each headed by the Go file it comes from. Built as one suite. */
#include "go/port.h"

TestSuite(go, .timeout = 120);

#include "go/fifo.c"
#include "go/nonblock.c"
#include "go/select.c"
#include "go/select2.c"
#include "go/select3.c"
#include "go/select4.c"
#include "go/select5.c"
#include "go/select6.c"
#include "go/select7.c"
#include "go/sieve1.c"
#include "go/sieve2.c"
#include "go/doubleselect.c"
#include "go/goroutines.c"
#include "go/zerosize.c"
#include "go/sendstmt.c"
#include "go/chan_test.c"
