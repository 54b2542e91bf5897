// The flume peer (Debian's librust-flume-dev, its "select" feature only).
mod common;
use flume::{bounded, Receiver, Selector, Sender};
use std::time::Duration;

struct Flume;
impl common::Peer for Flume {
    const MPMC: bool = true;
    const SELECT: bool = true;
    type S = Sender<i64>;
    type R = Receiver<i64>;
    fn bounded(cap: usize) -> (Self::S, Self::R) {
        bounded(cap)
    }
    fn send(s: &Self::S, v: i64) {
        s.send(v).unwrap()
    }
    fn recv(r: &Self::R) -> i64 {
        r.recv().unwrap()
    }
    fn clone_r(r: &Self::R) -> Self::R {
        r.clone()
    }
    fn select4(r: &[Self::R]) -> i64 {
        Selector::new()
            .recv(&r[0], |v| v.unwrap())
            .recv(&r[1], |v| v.unwrap())
            .recv(&r[2], |v| v.unwrap())
            .recv(&r[3], |v| v.unwrap())
            .wait()
    }
    // flume's select has no "default": a zero timeout is its closest form.
    fn select2_idle(a: &Self::R, b: &Self::R) -> bool {
        Selector::new()
            .recv(a, |_| false)
            .recv(b, |_| false)
            .wait_timeout(Duration::ZERO)
            .unwrap_or(true)
    }
}

fn main() {
    common::main::<Flume>();
}
