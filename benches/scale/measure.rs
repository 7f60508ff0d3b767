//! Timing the real binary: wall time as a median of direct runs, peak RSS
//! from one more run under `/usr/bin/time`, and the table that prints both.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one scenario measured.
pub struct Measured {
    pub wall: Duration,
    pub rss_mb: Option<f64>,
}

/// Runs a command to completion, draining its stdout, and returns its wall
/// time. A failure stops the benchmark: a number from a failed run means
/// nothing.
pub fn time(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let out = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("spawn");
    let wall = start.elapsed();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    wall
}

/// Runs a command under `/usr/bin/time` and returns its peak RSS in MB, or
/// `None` when that tool is missing.
pub fn peak_rss(cmd: &Command) -> Option<f64> {
    if !Path::new("/usr/bin/time").exists() {
        return None;
    }
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("%M")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => timed.env(k, v),
            None => timed.env_remove(k),
        };
    }
    let out = timed.stdout(Stdio::null()).output().expect("spawn time");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{cmd:?} failed: {stderr}");
    let kb: f64 = stderr.lines().last()?.trim().parse().ok()?;
    Some(kb / 1024.0)
}

/// The median wall time of `runs` calls of `make` (after one unmeasured call
/// that warms the page cache when `warm` is set), and the peak RSS of one
/// more.
pub fn median(runs: usize, warm: bool, mut make: impl FnMut() -> Command) -> Measured {
    if warm {
        time(&mut make());
    }
    let mut walls: Vec<Duration> = (0..runs.max(1)).map(|_| time(&mut make())).collect();
    walls.sort();
    Measured {
        wall: walls[walls.len() / 2],
        rss_mb: peak_rss(&make()),
    }
}

/// Prints the markdown table one row at a time, as results come in.
pub struct Table {
    runs: usize,
}

impl Table {
    pub fn start(runs: usize) -> Self {
        println!("| scenario | size | wall (median of {runs}) | throughput | peak RSS | store |");
        println!("|---|---|---:|---:|---:|---:|");
        Self { runs }
    }

    pub fn runs(&self) -> usize {
        self.runs
    }

    /// One row; `bytes` gives the throughput column, `store` the store file.
    pub fn row(
        &self,
        scenario: &str,
        size: &str,
        m: &Measured,
        bytes: Option<u64>,
        store: Option<&Path>,
    ) {
        println!(
            "| {scenario} | {size} | {} | {} | {} | {} |",
            fmt_duration(m.wall),
            bytes.map_or("-".into(), |b| format!(
                "{:.0} MB/s",
                mb(b) / m.wall.as_secs_f64()
            )),
            m.rss_mb.map_or("-".into(), |r| format!("{r:.0} MB")),
            store.map_or("-".into(), |p| format!("{:.1} MB", mb(file_size(p)))),
        );
    }
}

pub fn fmt_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.2} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

pub fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

pub fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}
