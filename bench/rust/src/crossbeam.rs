// The crossbeam-channel peer (Debian's librust-crossbeam-channel-dev).
mod common;
use crossbeam_channel::{bounded, select, Receiver, Sender};

struct Crossbeam;
impl common::Peer for Crossbeam {
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
        select! {
            recv(r[0]) -> v => v.unwrap(),
            recv(r[1]) -> v => v.unwrap(),
            recv(r[2]) -> v => v.unwrap(),
            recv(r[3]) -> v => v.unwrap(),
        }
    }
    fn select2_idle(a: &Self::R, b: &Self::R) -> bool {
        select! {
            recv(a) -> _ => false,
            recv(b) -> _ => false,
            default => true,
        }
    }
}

fn main() {
    common::main::<Crossbeam>();
}
