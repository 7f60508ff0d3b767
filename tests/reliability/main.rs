//! The reliability and security suite: kills, concurrency, full disks,
//! permissions, corruption, hostile input and secrets, each followed by an
//! integrity check. Seeded, so a failure reproduces; `CTX_SOAK=1` (or any
//! factor N) multiplies the iterations.

#[allow(dead_code)]
#[path = "../it/common.rs"]
mod common;
mod support;

mod at_rest;
mod cache;
mod child;
mod concurrency;
mod corruption;
mod disk_full;
mod escape;
mod git;
mod hostile;
mod kill;
mod output;
mod permissions;
mod purge;
mod secrets;
mod stores;
mod undo;
