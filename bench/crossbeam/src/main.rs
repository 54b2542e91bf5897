// The channel and select workloads of docs/benchmarks.md on crossbeam-channel,
// a peer goc is measured against: same work, same checks, same output
// line per workload, "<workload> <ns_per_op> <ops_per_sec>".
// Arguments: a scale divisor, then optionally a workload name (or part of
// one) to run only that.
use crossbeam_channel::{bounded, select, Receiver, Sender};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Barrier;
use std::thread;
use std::time::Instant;

const REPS: usize = 3;

fn report(workload: &str, ns: u128, ops: i64) {
    let per = ns as f64 / ops as f64;
    println!("{} {:.2} {:.0}", workload, per, 1e9 / per);
}

fn fail(workload: &str, what: &str) -> ! {
    eprintln!("{}: WRONG RESULT: {}", workload, what);
    std::process::exit(1);
}

fn sum_to(n: i64) -> i64 {
    n * (n - 1) / 2 // 0 + 1 + ... + n-1
}

fn best(mut f: impl FnMut() -> u128) -> u128 {
    (0..REPS).map(|_| f()).min().unwrap()
}

// n numbered threads start together; the time until all have finished.
fn run_ids(n: usize, f: impl Fn(usize) + Sync) -> u128 {
    let start = Barrier::new(n + 1);
    let mut t0 = None;
    thread::scope(|s| {
        for id in 0..n {
            let (f, start) = (&f, &start);
            s.spawn(move || {
                start.wait();
                f(id);
            });
        }
        start.wait();
        t0 = Some(Instant::now());
    });
    t0.unwrap().elapsed().as_nanos()
}

fn chan_uncontended(scale: i64) {
    let n = 10_000_000 / scale;
    let ns = best(|| {
        let (s, r) = bounded::<i64>(128);
        let mut sum = 0;
        let t0 = Instant::now();
        for i in 0..n {
            s.send(i).unwrap();
            sum += r.recv().unwrap();
        }
        let d = t0.elapsed().as_nanos();
        if sum != sum_to(n) {
            fail("chan_uncontended", "sum");
        }
        d
    });
    report("chan_uncontended", ns, n);
}

fn chan_pingpong_unbuf(scale: i64) {
    let n = 200_000 / scale;
    let ns = best(|| {
        let (s1, r1) = bounded::<i64>(0);
        let (s2, r2) = bounded::<i64>(0);
        let sum = AtomicI64::new(0);
        let d = run_ids(2, |id| {
            if id == 0 {
                let mut total = 0;
                for i in 0..n {
                    s1.send(i).unwrap();
                    total += r2.recv().unwrap();
                }
                sum.store(total, Ordering::Relaxed);
            } else {
                for _ in 0..n {
                    s2.send(r1.recv().unwrap()).unwrap();
                }
            }
        });
        if sum.load(Ordering::Relaxed) != sum_to(n) {
            fail("chan_pingpong_unbuf", "sum");
        }
        d
    });
    report("chan_pingpong_unbuf", ns, n);
}

fn prod_cons(name: &str, np: usize, nc: usize, cap: usize, total: i64) {
    let ns = best(|| {
        let (s, r): (Sender<i64>, Receiver<i64>) = bounded(cap);
        let sum = AtomicI64::new(0);
        let d = run_ids(np + nc, |id| {
            if id < np {
                for i in 0..total / np as i64 {
                    s.send(i).unwrap();
                }
            } else {
                let mut part = 0;
                for _ in 0..total / nc as i64 {
                    part += r.recv().unwrap();
                }
                sum.fetch_add(part, Ordering::Relaxed);
            }
        });
        if sum.load(Ordering::Relaxed) != np as i64 * sum_to(total / np as i64) {
            fail(name, "sum");
        }
        d
    });
    report(name, ns, total);
}

fn select_fanin(scale: i64) {
    let total = 2_000_000 / scale;
    let ns = best(|| {
        let chans: Vec<(Sender<i64>, Receiver<i64>)> = (0..4).map(|_| bounded(128)).collect();
        let sum = AtomicI64::new(0);
        let d = run_ids(5, |id| {
            if id < 4 {
                for i in 0..total / 4 {
                    chans[id].0.send(i).unwrap();
                }
                return;
            }
            let (r0, r1, r2, r3) = (&chans[0].1, &chans[1].1, &chans[2].1, &chans[3].1);
            let mut part = 0;
            for _ in 0..total {
                part += select! {
                    recv(r0) -> v => v.unwrap(),
                    recv(r1) -> v => v.unwrap(),
                    recv(r2) -> v => v.unwrap(),
                    recv(r3) -> v => v.unwrap(),
                };
            }
            sum.store(part, Ordering::Relaxed);
        });
        if sum.load(Ordering::Relaxed) != 4 * sum_to(total / 4) {
            fail("select_fanin", "sum");
        }
        d
    });
    report("select_fanin", ns, total);
}

// The "default" path: a select over two empty channels that does not
// wait (crossbeam's `default` arm).
fn select_timeout_idle(scale: i64) {
    let n = 10_000_000 / scale;
    let (_sa, a) = bounded::<i64>(1);
    let (_sb, b) = bounded::<i64>(1);
    let mut timeouts = 0;
    let ns = best(|| {
        timeouts = 0;
        let t0 = Instant::now();
        for _ in 0..n {
            select! {
                recv(a) -> _ => {},
                recv(b) -> _ => {},
                default => timeouts += 1,
            }
        }
        t0.elapsed().as_nanos()
    });
    if timeouts != n {
        fail("select_timeout_idle", "a case was chosen");
    }
    report("select_timeout_idle", ns, n);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scale: i64 = args.get(1).and_then(|s| s.parse().ok()).filter(|&s| s > 0).unwrap_or(1);
    let only = args.get(2).map(String::as_str).unwrap_or("");
    let workloads: [(&str, &dyn Fn()); 7] = [
        ("chan_uncontended", &|| chan_uncontended(scale)),
        ("chan_pingpong_unbuf", &|| chan_pingpong_unbuf(scale)),
        ("chan_spsc_buf", &|| prod_cons("chan_spsc_buf", 1, 1, 1024, 10_000_000 / scale)),
        ("chan_mpmc_buf", &|| prod_cons("chan_mpmc_buf", 4, 4, 1024, 4_000_000 / scale)),
        ("chan_mpmc_unbuf", &|| prod_cons("chan_mpmc_unbuf", 4, 4, 0, 400_000 / scale)),
        ("select_fanin", &|| select_fanin(scale)),
        ("select_timeout_idle", &|| select_timeout_idle(scale)),
    ];
    for (name, run) in workloads {
        if name.contains(only) {
            run();
        }
    }
}
