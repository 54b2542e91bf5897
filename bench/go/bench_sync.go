// The sync workloads of docs/benchmarks.md in Go (the channel ones are in
// bench_chan.go): the peer goc is measured
// against. Same work, same checks, same output line per workload:
// "<workload> <ns_per_op> <ops_per_sec>". Optional argument: a scale divisor.
package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

const reps = 3

var scale int64 = 1

func report(workload string, ns time.Duration, ops int64) {
	per := float64(ns.Nanoseconds()) / float64(ops)
	fmt.Printf("%s %.2f %.0f\n", workload, per, 1e9/per)
}

func fail(workload, what string) {
	fmt.Fprintf(os.Stderr, "%s: WRONG RESULT: %s\n", workload, what)
	os.Exit(1)
}

// runThreads starts n goroutines that wait for one signal, then times them.
func runThreads(n int, fn func()) time.Duration {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			ready.Done()
			<-start
			fn()
			done.Done()
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	return time.Since(t0)
}

func best(f func() time.Duration) time.Duration {
	b := time.Duration(math.MaxInt64)
	for r := 0; r < reps; r++ {
		if d := f(); d < b {
			b = d
		}
	}
	return b
}

func mutexContended() {
	total := 4000000 / scale
	var mu sync.Mutex
	var counter int64
	ns := best(func() time.Duration {
		counter = 0
		d := runThreads(4, func() {
			for i := int64(0); i < total/4; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
		})
		if counter != total {
			fail("mutex_contended", "counter")
		}
		return d
	})
	report("mutex_contended", ns, total)
}

// nt goroutines (4: the workload of BENCHMARKS.md; 1, 2 and 8:
// rwmutex_rm_t<n>, how the cost per op grows with their number)
func rwmutexReadMostly(name string, nt int64) {
	total := 4000000 / scale
	var mu sync.RWMutex
	var shared [8]int64
	var writes int64
	ns := best(func() time.Duration {
		writes = 0
		d := runThreads(int(nt), func() {
			bad := 0
			for i := int64(0); i < total/nt; i++ {
				if i%100 == 0 {
					mu.Lock()
					writes++
					for k := range shared {
						shared[k] = writes
					}
					mu.Unlock()
				} else {
					mu.RLock()
					v := shared[0]
					if shared[7] != v {
						bad++
					}
					mu.RUnlock()
				}
			}
			if bad != 0 {
				fail(name, "a reader saw a half-done write")
			}
		})
		if writes != nt*((total/nt+99)/100) {
			fail(name, "write count")
		}
		return d
	})
	report(name, ns, total/nt*nt)
}

func wgUncontended() {
	n := 10000000 / scale
	var wg sync.WaitGroup
	ns := best(func() time.Duration {
		t0 := time.Now()
		for i := int64(0); i < n; i++ {
			wg.Add(1)
			wg.Done()
			wg.Wait()
		}
		return time.Since(t0)
	})
	report("wg_uncontended", ns, n)
}

func onceDone() {
	n := 100000000 / scale
	var once sync.Once
	runs := 0
	f := func() { runs++ }
	ns := best(func() time.Duration {
		t0 := time.Now()
		for i := int64(0); i < n; i++ {
			once.Do(f)
		}
		return time.Since(t0)
	})
	if runs != 1 {
		fail("once_done", "fn ran more than once")
	}
	report("once_done", ns, n)
}

func smapMixed() {
	const keys = 65536
	total := 4000000 / scale
	val := func(k uint64) uint64 { return k*2 + 1 }
	ns := best(func() time.Duration {
		var m sync.Map
		for k := uint64(0); k < keys; k++ {
			m.Store(k, val(k))
		}
		var bad int64
		var badMu sync.Mutex
		seed := uint64(0x9E3779B97F4A7C15)
		var seedMu sync.Mutex
		d := runThreads(4, func() {
			seedMu.Lock()
			seed += 0x632BE59BD9B4E019
			x := seed | 1
			seedMu.Unlock()
			b := int64(0)
			for i := int64(0); i < total/4; i++ {
				x ^= x << 13
				x ^= x >> 7
				x ^= x << 17
				k := x % keys
				op := (x >> 32) % 100
				switch {
				case op < 90:
					if v, ok := m.Load(k); ok && v.(uint64) != val(k) {
						b++
					}
				case op < 99:
					m.Store(k, val(k))
				default:
					m.Delete(k)
				}
			}
			badMu.Lock()
			bad += b
			badMu.Unlock()
		})
		n := 0
		m.Range(func(_, _ any) bool { n++; return true })
		if bad != 0 || n > keys || n < keys/2 {
			fail("smap_mixed", "map contents")
		}
		return d
	})
	report("smap_mixed", ns, total)
}

// Arguments: a scale divisor, then optionally a workload name (or part of
// one) to run only that.
func main() {
	if len(os.Args) > 1 {
		if s, err := strconv.ParseInt(os.Args[1], 10, 64); err == nil && s > 0 {
			scale = s
		}
	}
	only := ""
	if len(os.Args) > 2 {
		only = os.Args[2]
	}
	for _, w := range []struct {
		name string
		run  func()
	}{
		{"mutex_contended", mutexContended},
		{"rwmutex_read_mostly", func() { rwmutexReadMostly("rwmutex_read_mostly", 4) }},
		{"rwmutex_rm_t1", func() { rwmutexReadMostly("rwmutex_rm_t1", 1) }},
		{"rwmutex_rm_t2", func() { rwmutexReadMostly("rwmutex_rm_t2", 2) }},
		{"rwmutex_rm_t8", func() { rwmutexReadMostly("rwmutex_rm_t8", 8) }},
		{"wg_uncontended", wgUncontended},
		{"once_done", onceDone},
		{"smap_mixed", smapMixed},
		{"chan_uncontended", chanUncontended},
		{"chan_pingpong_unbuf", chanPingpongUnbuf},
		{"chan_spsc_buf", func() { prodCons("chan_spsc_buf", 1, 1, 1024, 10000000/scale) }},
		{"chan_mpmc_buf", func() { prodCons("chan_mpmc_buf", 4, 4, 1024, 4000000/scale) }},
		{"chan_mpmc_unbuf", func() { prodCons("chan_mpmc_unbuf", 4, 4, 0, 400000/scale) }},
		{"select_fanin", selectFanin},
		{"select_timeout_idle", selectTimeoutIdle},
		{"freelist_getput", freelistGetput},
		{"timer_churn", timerChurn},
		{"timers_many_fire", timersManyFire},
		{"spawn_wait", spawnWait},
	} {
		if strings.Contains(w.name, only) {
			w.run()
		}
	}
}
