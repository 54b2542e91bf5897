/* Port of Go's test/chan/zerosize.go: making channels of a zero-sized
 * type works (Go: does not panic), buffered or not. */
Test(go, zerosize) {
    goc_chan *a = goc_chan_make(0, 0), *b = goc_chan_make(0, 1);
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    goc_chan_free(a);
    goc_chan_free(b);
}
