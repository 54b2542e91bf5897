// The pool and timer workloads of docs/benchmarks.md in Go: Effective Go's
// channel-based leaky buffer, time.NewTimer/Stop, many timers firing, and
// goroutines spawned and waited for. timers_many_fire and spawn_wait also
// print the peak resident memory as "<workload>_KiB <KiB> 0".
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func reportRSS(workload string) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("%s_KiB %d 0\n", workload, ru.Maxrss)
}

func freelistGetput() {
	total := 10000000 / scale
	var bad int64
	d := best(func() time.Duration {
		freeList := make(chan []byte, 64)
		return runThreads(2, func() {
			var nbad int64
			for i := int64(0); i < total/2; i++ {
				var b []byte
				select {
				case b = <-freeList:
				default:
					b = make([]byte, 4096)
				}
				b[0] = byte(i)
				b[4095] = byte(i)
				if b[0] != b[4095] {
					nbad++
				}
				select {
				case freeList <- b:
				default:
				}
			}
			atomic.AddInt64(&bad, nbad)
		})
	})
	if bad != 0 {
		fail("freelist_getput", "buffer contents")
	}
	report("freelist_getput", d, total)
}

func timerChurn() {
	n := 1000000 / scale
	d := best(func() time.Duration {
		stopped := int64(0)
		t0 := time.Now()
		for i := int64(0); i < n; i++ {
			t := time.NewTimer(time.Second)
			if t.Stop() {
				stopped++
			}
		}
		el := time.Since(t0)
		if stopped != n {
			fail("timer_churn", "a 1 s timer was not active when stopped")
		}
		return el
	})
	report("timer_churn", d, n)
}

func timersManyFire() {
	n := 100000 / scale
	d := best(func() time.Duration {
		t0 := time.Now()
		ts := make([]*time.Timer, n)
		for i := int64(0); i < n; i++ {
			ts[i] = time.NewTimer(time.Duration(1+i%100) * time.Millisecond)
		}
		for i := int64(0); i < n; i++ {
			v := <-ts[i].C
			if v.Sub(t0) < time.Duration(1+i%100)*time.Millisecond {
				fail("timers_many_fire", "a timer fired early")
			}
		}
		return time.Since(t0)
	})
	report("timers_many_fire", d, n)
	reportRSS("timers_many_fire")
}

func spawnWait() {
	n := 100000 / scale
	d := best(func() time.Duration {
		var count int64
		var wg sync.WaitGroup
		t0 := time.Now()
		for i := int64(0); i < n; i++ {
			wg.Add(1)
			go func() {
				atomic.AddInt64(&count, 1)
				wg.Done()
			}()
		}
		wg.Wait()
		el := time.Since(t0)
		if count != n {
			fail("spawn_wait", "count")
		}
		return el
	})
	report("spawn_wait", d, n)
	reportRSS("spawn_wait")
}
