// The channel and select workloads of BENCHMARKS.md, written once for
// every Rust peer (crossbeam-channel, flume, std's mpsc): same work, same
// checks, same output line per workload, "<workload> <ns_per_op> <ops_per_sec>".
// Each peer's binary implements `Peer` and calls `main::<ThePeer>()`.
// Arguments: a scale divisor, then optionally a workload name (or part of
// one) to run only that. A workload the peer has no primitive for (std's
// mpsc: one receiver, no select) prints nothing.
//
// Every thread owns the endpoints it uses (moved in, cloned where the
// workload shares one), so that no endpoint needs to be Sync: std's
// Receiver is not.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Barrier;
use std::thread;
use std::time::Instant;

pub trait Peer {
    /// Whether a Receiver can be cloned (more than one consumer).
    const MPMC: bool;
    /// Whether the peer has a select.
    const SELECT: bool;
    type S: Clone + Send;
    type R: Send;
    fn bounded(cap: usize) -> (Self::S, Self::R);
    fn send(s: &Self::S, v: i64);
    fn recv(r: &Self::R) -> i64;
    /// Another handle on the same receiving end (MPMC only).
    fn clone_r(r: &Self::R) -> Self::R;
    /// Wait for a value on any of the four, and return it (SELECT only).
    fn select4(r: &[Self::R]) -> i64;
    /// A select over two empty channels that does not wait (the "default"
    /// path): true when it chose no case (SELECT only).
    fn select2_idle(a: &Self::R, b: &Self::R) -> bool;
}

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

type Job<'a> = Box<dyn FnOnce() + Send + 'a>;

// The jobs start together, each on its own thread; the time until all
// have finished.
fn run_jobs(jobs: Vec<Job<'_>>) -> u128 {
    let start = Barrier::new(jobs.len() + 1);
    let mut t0 = None;
    thread::scope(|s| {
        for job in jobs {
            let start = &start;
            s.spawn(move || {
                start.wait();
                job();
            });
        }
        start.wait();
        t0 = Some(Instant::now());
    });
    t0.unwrap().elapsed().as_nanos()
}

fn chan_uncontended<P: Peer>(scale: i64) {
    let n = 10_000_000 / scale;
    let ns = best(|| {
        let (s, r) = P::bounded(128);
        let mut sum = 0;
        let t0 = Instant::now();
        for i in 0..n {
            P::send(&s, i);
            sum += P::recv(&r);
        }
        let d = t0.elapsed().as_nanos();
        if sum != sum_to(n) {
            fail("chan_uncontended", "sum");
        }
        d
    });
    report("chan_uncontended", ns, n);
}

fn chan_pingpong_unbuf<P: Peer>(scale: i64) {
    let n = 200_000 / scale;
    let ns = best(|| {
        let (s1, r1) = P::bounded(0);
        let (s2, r2) = P::bounded(0);
        let sum = AtomicI64::new(0);
        let sum_ref = &sum;
        let d = run_jobs(vec![
            Box::new(move || {
                let mut total = 0;
                for i in 0..n {
                    P::send(&s1, i);
                    total += P::recv(&r2);
                }
                sum_ref.store(total, Ordering::Relaxed);
            }),
            Box::new(move || {
                for _ in 0..n {
                    P::send(&s2, P::recv(&r1));
                }
            }),
        ]);
        if sum.load(Ordering::Relaxed) != sum_to(n) {
            fail("chan_pingpong_unbuf", "sum");
        }
        d
    });
    report("chan_pingpong_unbuf", ns, n);
}

fn prod_cons<P: Peer>(name: &str, np: usize, nc: usize, cap: usize, total: i64) {
    if nc > 1 && !P::MPMC {
        return;
    }
    let ns = best(|| {
        let (s, r) = P::bounded(cap);
        let sum = AtomicI64::new(0);
        let sum_ref = &sum;
        let mut jobs: Vec<Job> = Vec::new();
        for _ in 0..np {
            let s = s.clone();
            jobs.push(Box::new(move || {
                for i in 0..total / np as i64 {
                    P::send(&s, i);
                }
            }));
        }
        drop(s);
        let mut r = Some(r);
        for k in 0..nc {
            // the last consumer takes the original handle
            let r = if k + 1 < nc { P::clone_r(r.as_ref().unwrap()) } else { r.take().unwrap() };
            jobs.push(Box::new(move || {
                let mut part = 0;
                for _ in 0..total / nc as i64 {
                    part += P::recv(&r);
                }
                sum_ref.fetch_add(part, Ordering::Relaxed);
            }));
        }
        let d = run_jobs(jobs);
        if sum.load(Ordering::Relaxed) != np as i64 * sum_to(total / np as i64) {
            fail(name, "sum");
        }
        d
    });
    report(name, ns, total);
}

fn select_fanin<P: Peer>(scale: i64) {
    if !P::SELECT {
        return;
    }
    let total = 2_000_000 / scale;
    let ns = best(|| {
        let sum = AtomicI64::new(0);
        let sum_ref = &sum;
        let mut jobs: Vec<Job> = Vec::new();
        let mut rs = Vec::new();
        // Held until all have finished: a producer done early must not
        // disconnect its channel while the select still watches it.
        let mut senders = Vec::new();
        for _ in 0..4 {
            let (s, r) = P::bounded(128);
            senders.push(s.clone());
            rs.push(r);
            jobs.push(Box::new(move || {
                for i in 0..total / 4 {
                    P::send(&s, i);
                }
            }));
        }
        jobs.push(Box::new(move || {
            let mut part = 0;
            for _ in 0..total {
                part += P::select4(&rs);
            }
            sum_ref.store(part, Ordering::Relaxed);
        }));
        let d = run_jobs(jobs);
        drop(senders);
        if sum.load(Ordering::Relaxed) != 4 * sum_to(total / 4) {
            fail("select_fanin", "sum");
        }
        d
    });
    report("select_fanin", ns, total);
}

fn select_timeout_idle<P: Peer>(scale: i64) {
    if !P::SELECT {
        return;
    }
    let n = 10_000_000 / scale;
    let (_sa, a) = P::bounded(1);
    let (_sb, b) = P::bounded(1);
    let mut timeouts = 0;
    let ns = best(|| {
        timeouts = 0;
        let t0 = Instant::now();
        for _ in 0..n {
            timeouts += P::select2_idle(&a, &b) as i64;
        }
        t0.elapsed().as_nanos()
    });
    if timeouts != n {
        fail("select_timeout_idle", "a case was chosen");
    }
    report("select_timeout_idle", ns, n);
}

pub fn main<P: Peer>() {
    let args: Vec<String> = std::env::args().collect();
    let scale: i64 = args.get(1).and_then(|s| s.parse().ok()).filter(|&s| s > 0).unwrap_or(1);
    let only = args.get(2).map(String::as_str).unwrap_or("");
    let workloads: [(&str, &dyn Fn()); 7] = [
        ("chan_uncontended", &|| chan_uncontended::<P>(scale)),
        ("chan_pingpong_unbuf", &|| chan_pingpong_unbuf::<P>(scale)),
        ("chan_spsc_buf", &|| prod_cons::<P>("chan_spsc_buf", 1, 1, 1024, 10_000_000 / scale)),
        ("chan_mpmc_buf", &|| prod_cons::<P>("chan_mpmc_buf", 4, 4, 1024, 4_000_000 / scale)),
        ("chan_mpmc_unbuf", &|| prod_cons::<P>("chan_mpmc_unbuf", 4, 4, 0, 400_000 / scale)),
        ("select_fanin", &|| select_fanin::<P>(scale)),
        ("select_timeout_idle", &|| select_timeout_idle::<P>(scale)),
    ];
    for (name, run) in workloads {
        if name.contains(only) {
            run();
        }
    }
}
