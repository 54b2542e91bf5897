// make matrix: every goc header from a C++ program (goc itself compiled as
// C11 and linked in). The declarations must be extern "C", expose no
// _Atomic type, and work with std::thread.
#include "context.h"
#include "pool.h"
#include "timer.h"
#include "chan.h"
#include "sync.h"
#include "atomic.h"
#include <cstdio>
#include <thread>
#include <vector>

GOC_CHAN_TYPED(int_chan, int);

static goc_atomic_i64 total;
static void add(void *arg) { goc_atomic_i64_add(&total, (int64_t)(intptr_t)arg); }

int main() {
    int fails = 0;
    int_chan c = int_chan_make(4);
    std::thread producer([c] {
        for (int i = 1; i <= 1000; i++) int_chan_send(c, i);
        int_chan_close(c);
    });
    long sum = 0;
    int v;
    while (int_chan_recv(c, &v) == GOC_OK) sum += v;
    producer.join();
    fails += sum != 500500;
    int_chan_free(c);

    goc_mutex mu = {};
    goc_waitgroup wg = {};
    long shared = 0;
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; t++) {
        goc_wg_add(&wg, 1);
        ts.emplace_back([&] {
            for (int i = 0; i < 10000; i++) { goc_mutex_lock(&mu); shared++; goc_mutex_unlock(&mu); }
            goc_wg_done(&wg);
        });
    }
    goc_wg_wait(&wg);
    for (auto &t : ts) t.join();
    fails += shared != 40000;

    goc_waitgroup wg2 = {};
    for (intptr_t i = 1; i <= 100; i++) goc_wg_go(&wg2, add, reinterpret_cast<void *>(i));
    goc_wg_wait(&wg2);
    fails += goc_atomic_i64_load(&total) != 5050;

    goc_ctx *ctx = goc_ctx_with_timeout(goc_ctx_background(), 20 * GOC_MILLISECOND);
    goc_case cs[1] = { goc_recv_case(goc_ctx_done(ctx), nullptr) };
    fails += goc_select(cs, 1) != 0 || goc_ctx_err(ctx) != GOC_DEADLINE;
    goc_ctx_free(ctx);

    std::printf("cxx_smoke: %s (C++%ld)\n", fails ? "FAILED" : "ok", __cplusplus / 100 % 100);
    return fails ? 1 : 0;
}
