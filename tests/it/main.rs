//! End-to-end tests: the real `ctx` binary in a temporary home and project.
//! One test binary for every suite, so the workspace links it once.

mod common;
mod completions;
mod config;
mod errors;
mod fit;
mod fixtures;
mod fsck;
mod gc;
mod help;
mod history;
mod layout;
mod log;
mod mcp;
mod pack;
mod project;
mod render;
mod snapshot;
mod undo;
