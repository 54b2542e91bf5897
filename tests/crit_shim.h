/* A minimal stand-in for Criterion, used only by `make tsan`.
 *
 * Why: Criterion 2.4 cannot start under ThreadSanitizer ("Could not
 * initialize inheritable arena: Resource temporarily unavailable",
 * Criterion issue #274): its sandbox maps a shared arena where TSan's
 * memory layout does not allow it. So the TSan build compiles the very same
 * test files against this header instead: the same Test/TestSuite macros
 * (with .timeout and .signal), the cr_assert family the suites use, and a
 * main() that runs each test in a forked child under an alarm, like
 * Criterion does. Everything else (`make test`, `make asan`) uses Criterion.
 */
#ifndef GOC_CRIT_SHIM_H
#define GOC_CRIT_SHIM_H
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct t_suite_opts { double timeout; int sentinel_; } t_suite_opts;
typedef struct t_test {
    const char *suite, *name;
    void (*fn)(void);
    const t_suite_opts *suite_opts;
    double timeout;
    int signal;
    int sentinel_;
    struct t_test *next;
} t_test;

static t_test *t_tests_head, **t_tests_tail = &t_tests_head;

#define TestSuite(...) T_SUITE_(__VA_ARGS__, .sentinel_ = 0)
#define T_SUITE_(s_, ...) \
    static const t_suite_opts t_suite_##s_ __attribute__((unused)) = { __VA_ARGS__ }

#define Test(...) T_TEST_(__VA_ARGS__, .sentinel_ = 0)
#define T_TEST_(s_, n_, ...)                                                       \
    static void s_##_##n_##_impl(void);                                            \
    static t_test s_##_##n_##_test = {                                             \
        .suite = #s_, .name = #n_, .fn = s_##_##n_##_impl,                         \
        .suite_opts = &t_suite_##s_, __VA_ARGS__ };                                \
    __attribute__((constructor)) static void s_##_##n_##_reg(void) {              \
        *t_tests_tail = &s_##_##n_##_test;                                         \
        t_tests_tail = &s_##_##n_##_test.next;                                     \
    }                                                                              \
    static void s_##_##n_##_impl(void)

static void t_assert_fail(const char *what, const char *file, int line) {
    fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, what);
    fflush(stderr);
    _exit(1);
}

#define cr_assert(...)        T_ASSERT_(__VA_ARGS__, "")
#define T_ASSERT_(c, ...)     do { if (!(c)) t_assert_fail(#c, __FILE__, __LINE__); } while (0)
#define cr_assert_not(...)    T_ASSERT_NOT_(__VA_ARGS__, "")
#define T_ASSERT_NOT_(c, ...) do { if (c) t_assert_fail("!(" #c ")", __FILE__, __LINE__); } while (0)
#define T_CMP_(op, a, b, ...) do { if (!((a) op (b))) \
        t_assert_fail(#a " " #op " " #b, __FILE__, __LINE__); } while (0)
#define cr_assert_eq(...)       T_CMP_(==, __VA_ARGS__, "")
#define cr_assert_neq(...)      T_CMP_(!=, __VA_ARGS__, "")
#define cr_assert_lt(...)       T_CMP_(<,  __VA_ARGS__, "")
#define cr_assert_leq(...)      T_CMP_(<=, __VA_ARGS__, "")
#define cr_assert_gt(...)       T_CMP_(>,  __VA_ARGS__, "")
#define cr_assert_geq(...)      T_CMP_(>=, __VA_ARGS__, "")
#define cr_assert_null(...)     T_NULL_(==, __VA_ARGS__, "")
#define cr_assert_not_null(...) T_NULL_(!=, __VA_ARGS__, "")
#define T_NULL_(op, p, ...)   T_CMP_(op, (const void *)(p), (const void *)0, "")
#define T_STR_(op, a, b, ...) do { if (!(strcmp((a), (b)) op 0)) \
        t_assert_fail(#a " " #op " " #b, __FILE__, __LINE__); } while (0)
#define cr_assert_str_eq(...)  T_STR_(==, __VA_ARGS__, "")
#define cr_assert_str_neq(...) T_STR_(!=, __VA_ARGS__, "")

int main(int argc, char **argv) {
    int passed = 0, failed = 0;
    for (t_test *t = t_tests_head; t; t = t->next) {
        char full[256];
        snprintf(full, sizeof full, "%s::%s", t->suite, t->name);
        if (argc > 1 && argv[1][0] != '-' && !strstr(full, argv[1])) continue;  /* filter */
        double limit = t->timeout > 0 ? t->timeout
                     : t->suite_opts->timeout > 0 ? t->suite_opts->timeout : 60;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            alarm((unsigned)(limit * 3));   /* sanitizers slow tests down: 3x slack */
            t->fn();
            fflush(stdout);
            _exit(0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        int ok = t->signal ? (WIFSIGNALED(st) && WTERMSIG(st) == t->signal)
                           : (WIFEXITED(st) && WEXITSTATUS(st) == 0);
        if (ok) {
            passed++;
        } else {
            failed++;
            if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
                printf("[FAIL] %s::%s: timed out (%.0f s)\n", t->suite, t->name, limit * 3);
            else
                printf("[FAIL] %s::%s: %s %d\n", t->suite, t->name,
                       WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
        }
    }
    printf("%s: %d passed, %d failed\n", strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0],
           passed, failed);
    return failed ? 1 : 0;
}
#endif
