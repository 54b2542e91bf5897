// Rust's own std::sync::mpsc::sync_channel (cap 0 is a rendezvous). It has
// one receiver and no select, so it runs the one-consumer rows only.
mod common;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

struct StdMpsc;
impl common::Peer for StdMpsc {
    const MPMC: bool = false;
    const SELECT: bool = false;
    type S = SyncSender<i64>;
    type R = Receiver<i64>;
    fn bounded(cap: usize) -> (Self::S, Self::R) {
        sync_channel(cap)
    }
    fn send(s: &Self::S, v: i64) {
        s.send(v).unwrap()
    }
    fn recv(r: &Self::R) -> i64 {
        r.recv().unwrap()
    }
    fn clone_r(_: &Self::R) -> Self::R {
        unreachable!("std's Receiver has one owner")
    }
    fn select4(_: &[Self::R]) -> i64 {
        unreachable!("std has no select")
    }
    fn select2_idle(_: &Self::R, _: &Self::R) -> bool {
        unreachable!("std has no select")
    }
}

fn main() {
    common::main::<StdMpsc>();
}
