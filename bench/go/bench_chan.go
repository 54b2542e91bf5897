// The channel and select workloads of docs/benchmarks.md in Go, the peer goc is
// measured against: same work, same checks, same output line per workload.
package main

import (
	"sync"
	"time"
)

func sumTo(n int64) int64 { return n * (n - 1) / 2 } // 0 + 1 + ... + n-1

func chanUncontended() {
	n := 10000000 / scale
	ns := best(func() time.Duration {
		c := make(chan int64, 128)
		var sum int64
		t0 := time.Now()
		for i := int64(0); i < n; i++ {
			c <- i
			sum += <-c
		}
		d := time.Since(t0)
		if sum != sumTo(n) {
			fail("chan_uncontended", "sum")
		}
		return d
	})
	report("chan_uncontended", ns, n)
}

func chanPingpongUnbuf() {
	n := 200000 / scale
	ns := best(func() time.Duration {
		c1, c2 := make(chan int64), make(chan int64)
		var sum int64
		d := runIDs(2, func(id int) {
			if id == 0 {
				for i := int64(0); i < n; i++ {
					c1 <- i
					sum += <-c2
				}
			} else {
				for i := int64(0); i < n; i++ {
					c2 <- <-c1
				}
			}
		})
		if sum != sumTo(n) {
			fail("chan_pingpong_unbuf", "sum")
		}
		return d
	})
	report("chan_pingpong_unbuf", ns, n)
}

func prodCons(name string, np, nc int, capacity int, total int64) {
	ns := best(func() time.Duration {
		c := make(chan int64, capacity)
		sums := make([]int64, nc)
		d := runIDs(np+nc, func(id int) {
			if id < np {
				per := total / int64(np)
				for i := int64(0); i < per; i++ {
					c <- i
				}
			} else {
				per := total / int64(nc)
				var s int64
				for i := int64(0); i < per; i++ {
					s += <-c
				}
				sums[id-np] = s
			}
		})
		var sum int64
		for _, s := range sums {
			sum += s
		}
		if sum != int64(np)*sumTo(total/int64(np)) {
			fail(name, "sum")
		}
		return d
	})
	report(name, ns, total)
}

func selectFanin() {
	total := 2000000 / scale
	ns := best(func() time.Duration {
		var cs [4]chan int64
		for k := range cs {
			cs[k] = make(chan int64, 128)
		}
		var sum int64
		d := runIDs(5, func(id int) {
			if id < 4 {
				for i := int64(0); i < total/4; i++ {
					cs[id] <- i
				}
				return
			}
			for i := int64(0); i < total; i++ {
				select {
				case v := <-cs[0]:
					sum += v
				case v := <-cs[1]:
					sum += v
				case v := <-cs[2]:
					sum += v
				case v := <-cs[3]:
					sum += v
				}
			}
		})
		if sum != 4*sumTo(total/4) {
			fail("select_fanin", "sum")
		}
		return d
	})
	report("select_fanin", ns, total)
}

// The "default" path: a select over two empty channels with a timeout of
// zero, which in Go is a select with a default case.
func selectTimeoutIdle() {
	n := 10000000 / scale
	a, b := make(chan int64, 1), make(chan int64, 1)
	var timeouts int64
	ns := best(func() time.Duration {
		timeouts = 0
		t0 := time.Now()
		for i := int64(0); i < n; i++ {
			select {
			case <-a:
			case <-b:
			default:
				timeouts++
			}
		}
		return time.Since(t0)
	})
	if timeouts != n {
		fail("select_timeout_idle", "a case was chosen")
	}
	report("select_timeout_idle", ns, n)
}


// runIDs starts n goroutines, numbered, that wait for one signal, then
// times them (runThreads, with an id).
func runIDs(n int, fn func(id int)) time.Duration {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func(id int) {
			ready.Done()
			<-start
			fn(id)
			done.Done()
		}(i)
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	return time.Since(t0)
}
