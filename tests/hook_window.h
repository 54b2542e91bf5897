/* The window the implementation's test hooks open while g_widen is set:
 * ~50 us of spinning, so that a race a few instructions wide is hit every
 * time. For the suites that compile goc themselves (test_hooks.c,
 * test_lasttouch.c); include after the implementation. */
#ifndef GOC_HOOK_WINDOW_H
#define GOC_HOOK_WINDOW_H
static goc_atomic_bool g_widen;
static void hook_window(void) {
    if (!goc_atomic_bool_load(&g_widen)) return;
    int64_t end = goc_nanotime() + 50 * GOC_MICROSECOND;
    while (goc_nanotime() < end) goc_cpu_relax();
}
#endif
