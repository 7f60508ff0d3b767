//! `ctx mcp` against the CLI: the latency of a warm `render` of the same
//! pack through `ctx render` (a process per call) and through one MCP
//! session (`tools/call render`, which also stores the payload's snapshot,
//! found again after the first call, and appends an `agent_served` event),
//! as the median and 99th percentile of many calls; and the server's RSS
//! when idle after the handshake.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::{Args, CAPTURE, ctx, project};
use crate::measure::{fmt_duration, mb};

pub fn section(args: &Args) {
    let calls = if args.quick { 20 } else { 100 };
    let project = tempfile::tempdir().expect("project");
    let home = tempfile::tempdir().expect("home");
    let root = std::fs::canonicalize(project.path()).expect("root");
    // A pack an agent would ask for: a twentieth of the render project.
    let files = project::generate(&root, (args.files / 20).max(10), (args.mb << 20) / 20);
    let bytes: u64 = files.iter().map(|f| f.1).sum();
    let run = |a: &[&str]| {
        let out = ctx(home.path(), &root, a).output().expect("spawn");
        assert!(
            out.status.success(),
            "{a:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["pack", "create", "bench", "--tokens", "1000000000000"]);
    run(CAPTURE);
    run(&["render", "bench", "-q", "-o", "/dev/null"]);

    let cli: Vec<Duration> = (0..calls)
        .map(|_| {
            let start = Instant::now();
            run(&["render", "bench", "-q", "-o", "/dev/null"]);
            start.elapsed()
        })
        .collect();

    let whole = session(home.path(), &root, "1000000000", calls);
    let summary_only = session(home.path(), &root, "1000", calls);

    let size = format!("{} files, {:.1} MB", files.len(), mb(bytes));
    println!();
    println!("| render of one pack, warm ({size}) | calls | median | p99 |");
    println!("|---|---:|---:|---:|");
    for (path, times) in [
        ("`ctx render -o /dev/null` (a process per call)", &cli),
        (
            "`ctx mcp` tools/call render, payload sent (one session)",
            &whole.times,
        ),
        (
            "`ctx mcp` tools/call render, over the limit: summary only",
            &summary_only.times,
        ),
    ] {
        let (median, p99) = percentiles(times);
        println!(
            "| {path} | {calls} | {} | {} |",
            fmt_duration(median),
            fmt_duration(p99)
        );
    }
    println!();
    println!(
        "`ctx mcp` RSS: {} idle after the handshake, {} after {calls} renders (responses of {:.1} MB)",
        shown(whole.idle),
        shown(whole.busy),
        mb(whole.sent as u64)
    );
}

/// One MCP session's calls.
struct Session {
    times: Vec<Duration>,
    /// RSS after the handshake and after the calls.
    idle: Option<f64>,
    busy: Option<f64>,
    /// The size of the last response.
    sent: usize,
}

/// Starts `ctx mcp` with this response limit, and times `calls` renders.
fn session(home: &Path, root: &Path, limit: &str, calls: usize) -> Session {
    let mut server = ctx(home, root, &["mcp", "--max-response-tokens", limit])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("ctx mcp");
    let mut stdin = server.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(server.stdout.take().expect("stdout"));
    let mut line = String::new();
    let mut call = |request: &str| {
        stdin.write_all(request.as_bytes()).expect("write");
        stdin.write_all(b"\n").expect("write");
        stdin.flush().expect("flush");
        line.clear();
        stdout.read_line(&mut line).expect("read");
        assert!(!line.contains("\"error\""), "{line}");
        line.len()
    };
    call(
        r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#,
    );
    let idle = rss_mb(server.id());
    let render = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"render","arguments":{"packs":["bench"]}}}"#;
    let mut sent = 0;
    let times = (0..calls)
        .map(|_| {
            let start = Instant::now();
            sent = call(render);
            start.elapsed()
        })
        .collect();
    let busy = rss_mb(server.id());
    drop(stdin);
    server.wait().expect("exits");
    Session {
        times,
        idle,
        busy,
        sent,
    }
}

/// The median and the 99th percentile.
fn percentiles(times: &[Duration]) -> (Duration, Duration) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99))
}

/// A process's resident set, from `/proc` (Linux only).
fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn shown(mb: Option<f64>) -> String {
    mb.map_or_else(|| "-".into(), |m| format!("{m:.1} MB"))
}
