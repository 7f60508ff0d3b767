//! The scale harness: large packs and long histories, measured on the real
//! `ctx` binary. Builds all its data from fixed seeds (no download), prints
//! one markdown table (scenario, size, median wall time, throughput, peak
//! RSS, store file size), then each target of the scale issue with the
//! ratio measured in this run. Asserts nothing.
//!
//! Run: `cargo bench -p ctx --bench scale -- [--quick] [--runs R]
//! [--events N] [--files N] [--mb M] [--only history|render|first|mcp|fit] [--dir DIR]`

mod fit;
mod history;
mod mcp;
mod measure;
mod project;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ctx_model::TokenizerKind;
use measure::{Measured, Table, file_size, fmt_duration, mb, median};

struct Args {
    quick: bool,
    runs: usize,
    /// The longest history; stores of 0, a tenth of it and all of it are measured.
    events: u64,
    /// Distinct blob content added to the longest history, for gc and fsck.
    content_mb: u64,
    files: usize,
    mb: usize,
    only: Option<String>,
    /// Generate the render project here and keep it.
    dir: Option<PathBuf>,
}

impl Args {
    fn parse() -> Self {
        let args: Vec<String> = std::env::args().collect();
        let text = |flag: &str| {
            args.iter()
                .position(|a| a == flag)
                .and_then(|i| args.get(i + 1))
                .cloned()
        };
        let number = |flag: &str| text(flag).and_then(|v| v.parse::<u64>().ok());
        let quick = args.iter().any(|a| a == "--quick");
        Self {
            quick,
            runs: number("--runs").unwrap_or(5) as usize,
            events: number("--events").unwrap_or(if quick { 20_000 } else { 1_000_000 }),
            content_mb: if quick { 10 } else { 200 },
            files: number("--files").unwrap_or(if quick { 1_000 } else { 20_000 }) as usize,
            mb: number("--mb").unwrap_or(if quick { 10 } else { 200 }) as usize,
            only: text("--only"),
            dir: text("--dir").map(PathBuf::from),
        }
    }

    fn wants(&self, section: &str) -> bool {
        self.only.as_deref().is_none_or(|o| o == section)
    }
}

/// Named results the targets are computed from.
#[derive(Default)]
struct Results(BTreeMap<String, f64>);

impl Results {
    fn set(&mut self, key: impl Into<String>, value: f64) {
        self.0.insert(key.into(), value);
    }
    fn get(&self, key: &str) -> Option<f64> {
        self.0.get(key).copied()
    }
}

/// A `ctx` command in `root` with its own home, no user config, and
/// limits raised past the harness's sizes (a 236 MB payload, packs of
/// 100,000 artifacts): it measures the work, not the guards.
fn ctx(home: &Path, root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ctx"));
    cmd.args(args)
        .current_dir(root)
        .env_remove("CTX_NOW")
        .env("CTX_HOME", home)
        .env("CTX_CONFIG", home.join("no-config.toml"))
        .env("CTX_MAX_PAYLOAD_BYTES", "1099511627776")
        .env("CTX_MAX_STORE_BYTES", "1099511627776")
        .env("CTX_MAX_ARTIFACTS", "100000000");
    cmd
}

/// Copies a saved store over `db` and syncs it, so the fsync of the next
/// measured commit does not also write out the copy.
fn restore(from: &Path, db: &Path) {
    std::fs::copy(from, db).expect("restore store");
    std::fs::File::open(db)
        .and_then(|f| f.sync_all())
        .expect("sync the restored store");
}

/// A command's stdout as JSON.
fn json(mut cmd: Command) -> serde_json::Value {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn main() {
    let args = Args::parse();
    eprintln!(
        "scale harness ({}): release build of ctx at {}",
        if args.quick { "quick" } else { "full" },
        env!("CARGO_BIN_EXE_ctx")
    );
    let table = Table::start(args.runs);
    let mut results = Results::default();
    if args.wants("history") {
        history_section(&args, &table, &mut results);
    }
    if args.wants("render") || args.only.as_deref() == Some("first") {
        render_section(&args, &table, &mut results);
    }
    if args.wants("mcp") {
        mcp::section(&args);
    }
    if args.wants("fit") {
        fit::section(&args, &table, &mut results);
    }
    targets(&args, &results);
}

fn history_section(args: &Args, table: &Table, results: &mut Results) {
    let sizes = [0, args.events / 10, args.events];
    for events in sizes {
        let home = tempfile::tempdir().expect("home");
        let project = tempfile::tempdir().expect("project");
        let root = std::fs::canonicalize(project.path()).expect("root");
        let db = home.path().join("ctx.redb");
        let size = format!("{events} events");
        let run = |a: &[&str]| ctx(home.path(), &root, a);
        if events == 0 {
            // The floor every command pays: start, open, schema check.
            run(&["pack", "list"]).output().expect("create the store");
            let noop = median(table.runs(), true, || run(&["pack", "list"]));
            table.row(
                "no-op: pack list, empty store",
                "0 events",
                &noop,
                None,
                Some(&db),
            );
            results.set("noop", noop.wall.as_secs_f64());
            let root_arg = root.to_str().expect("utf-8 root");
            measure::time(&mut run(&["pack", "create", "p0", "--root", root_arg]));
        } else {
            let start = Instant::now();
            history::seed(&db, &root, events);
            eprintln!("seeded {events} events in {:.1?}", start.elapsed());
        }
        let mut n = 0;
        let add = median(table.runs(), true, || {
            n += 1;
            let file = format!("new{n}.txt");
            std::fs::write(root.join(&file), format!("a fresh file, number {n}\n")).expect("write");
            run(&["pack", "add", "p0", &file])
        });
        table.row("pack add (one file)", &size, &add, None, Some(&db));
        results.set(format!("add/{events}"), add.wall.as_secs_f64());
        for (name, key, argv) in [
            ("log -n 20", "log", &["log", "-n", "20"][..]),
            (
                "log p0 -n 20 (p0 owns 1%)",
                "logpack",
                &["log", "p0", "-n", "20"][..],
            ),
            (
                "pack show p0 (small pack)",
                "show",
                &["pack", "show", "p0"][..],
            ),
            ("pack list", "list", &["pack", "list"][..]),
        ] {
            let m = median(table.runs(), true, || run(argv));
            let label = if key == "list" && events > 0 {
                format!("pack list ({} packs)", (events / 1_000).clamp(2, 1_000) + 1)
            } else {
                name.to_owned()
            };
            table.row(&label, &size, &m, None, Some(&db));
            results.set(format!("{key}/{events}"), m.wall.as_secs_f64());
        }
        if events != args.events {
            continue;
        }
        let big = median(table.runs(), true, || run(&["pack", "show", "big"]));
        table.row(
            &format!("pack show big ({} artifacts)", events / 10),
            &size,
            &big,
            None,
            Some(&db),
        );
        let report = json(run(&["fsck", "--json"]));
        let event_bytes = report["event_bytes"].as_u64().expect("event_bytes");
        results.set("events/file", file_size(&db) as f64 / event_bytes as f64);
        println!(
            "| store after {events} small events | {:.1} MB of encoded events | - | - | - | {:.1} MB |",
            mb(event_bytes),
            mb(file_size(&db))
        );

        let start = Instant::now();
        let content = history::add_content(&db, args.content_mb << 20);
        eprintln!(
            "added {:.0} MB of content in {:.1?}",
            mb(content),
            start.elapsed()
        );
        let report = json(run(&["fsck", "--json"]));
        let blob_bytes = report["blob_bytes"].as_u64().expect("blob_bytes");
        let size = format!("{events} events, {:.0} MB of blobs", mb(blob_bytes));
        let fsck = median(table.runs(), false, || run(&["fsck"]));
        table.row("fsck", &size, &fsck, Some(blob_bytes), Some(&db));
        let pristine = home.path().join("before-gc.redb");
        std::fs::copy(&db, &pristine).expect("copy store");
        let gc = median(table.runs(), false, || {
            restore(&pristine, &db);
            run(&["gc"])
        });
        restore(&pristine, &db);
        let before = file_size(&db);
        let report = json(run(&["gc", "--json"]));
        table.row(
            "gc (removes the unreferenced tenth, compacts)",
            &size,
            &gc,
            None,
            Some(&db),
        );
        println!(
            "| store file before gc, after gc | {size} | - | - | - | {:.1} MB, {:.1} MB ({:.1} MB returned) |",
            mb(before),
            mb(file_size(&db)),
            mb(report["bytes_returned"].as_u64().expect("bytes_returned"))
        );
    }
}

/// The pack the render scenarios use, with a budget nothing exceeds.
const CREATE: &[&str] = &["pack", "create", "bench", "--tokens", "1000000000000"];

/// A render of the whole pack counted with cl100k, which `pack add` (o200k)
/// did not count.
const RENDER_CL100K: &[&str] = &[
    "render",
    "bench",
    "--tokenizer",
    "cl100k",
    "-q",
    "-o",
    "/dev/null",
];

/// A render of the whole pack with its own tokenizer (o200k).
const RENDER: &[&str] = &["render", "bench", "-q", "-o", "/dev/null"];

/// The first pack a user makes: `pack create`, `pack add glob:**/*` and
/// `render`, one process after another, on an empty store. Each run is
/// paired with the tokenizer alone (o200k, all cores) on the same texts,
/// measured just before it, and the ratios are the medians of the pairs'.
fn first_pack(
    table: &Table,
    results: &mut Results,
    root: &Path,
    home: &Path,
    texts: &[String],
    size: &str,
    bytes: u64,
) {
    let db = home.join("ctx.redb");
    let run = |a: &[&str]| ctx(home, root, a);
    let runs = table.runs().max(1);
    let (mut walls, mut adds, mut renders) = (Vec::new(), Vec::new(), Vec::new());
    let (mut first_ratios, mut add_ratios) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let ceiling = project::tokenizer_ceiling(texts, TokenizerKind::O200k);
        let _ = std::fs::remove_file(&db);
        let create = measure::time(&mut run(CREATE));
        let add = measure::time(&mut run(CAPTURE));
        let render = measure::time(&mut run(RENDER));
        let wall = create + add + render;
        first_ratios.push(wall.as_secs_f64() / ceiling.as_secs_f64());
        add_ratios.push(ceiling.as_secs_f64() / add.as_secs_f64());
        walls.push(wall);
        adds.push(add);
        renders.push(render);
    }
    // The render once more, warm: all it needs is cached.
    let warm = median(runs, false, || run(RENDER));
    // Peak RSS: the largest of the three processes, once more from an
    // empty store; the payload is written to a file to know its size.
    let _ = std::fs::remove_file(&db);
    let out = tempfile::tempdir().expect("payload folder");
    let payload = out.path().join("payload.md");
    let payload_arg = payload.to_str().expect("utf-8");
    let rss = [
        measure::peak_rss(&run(CREATE)),
        measure::peak_rss(&run(CAPTURE)),
        measure::peak_rss(&run(&["render", "bench", "-q", "-o", payload_arg])),
    ]
    .into_iter()
    .collect::<Option<Vec<f64>>>()
    .map(|all| all.into_iter().fold(0.0, f64::max));
    let _ = std::fs::remove_file(&db);
    let mid = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let mid_f = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let after_add = mid(renders);
    table.row(
        "first pack: create + add + render, empty store",
        size,
        &Measured {
            wall: mid(walls),
            rss_mb: rss,
        },
        Some(bytes),
        None,
    );
    table.row(
        "first pack: its pack add",
        size,
        &Measured {
            wall: mid(adds),
            rss_mb: None,
        },
        Some(bytes),
        None,
    );
    table.row(
        "first pack: its render, right after the add",
        size,
        &Measured {
            wall: after_add,
            rss_mb: None,
        },
        Some(bytes),
        None,
    );
    table.row(
        "first pack: the render again, warm",
        size,
        &warm,
        Some(bytes),
        None,
    );
    results.set("first/ceiling", mid_f(first_ratios));
    results.set("first add/ceiling", mid_f(add_ratios));
    results.set(
        "after add/warm",
        after_add.as_secs_f64() / warm.wall.as_secs_f64(),
    );
    if let Some(rss) = rss {
        results.set("first rss", rss);
        results.set("first payload", file_size(&payload) as f64);
    }
}

/// The capture the render scenarios run on: every file of the project.
const CAPTURE: &[&str] = &[
    "pack",
    "add",
    "bench",
    "glob:**/*",
    "--max-files",
    "1000000",
];

fn render_section(args: &Args, table: &Table, results: &mut Results) {
    let project = tempfile::tempdir().expect("project");
    let home = tempfile::tempdir().expect("home");
    let root = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).expect("--dir");
            std::fs::canonicalize(dir).expect("root")
        }
        None => std::fs::canonicalize(project.path()).expect("root"),
    };
    let start = Instant::now();
    let files = project::generate(&root, args.files, args.mb << 20);
    let bytes: u64 = files.iter().map(|f| f.1).sum();
    eprintln!(
        "generated {} files, {:.1} MB in {:.1?}",
        files.len(),
        mb(bytes),
        start.elapsed()
    );
    let size = format!("{} files, {:.0} MB", files.len(), mb(bytes));
    let db = home.path().join("ctx.redb");
    let saved = |name: &str| home.path().join(name);
    let run = |a: &[&str]| ctx(home.path(), &root, a);
    let restore = |from: &Path| restore(from, &db);

    // Read once here: the tokenizer-alone runs count these texts.
    let texts: Vec<String> = files
        .iter()
        .map(|(p, _)| std::fs::read_to_string(p).expect("read"))
        .collect();
    first_pack(table, results, &root, home.path(), &texts, &size, bytes);
    if args.only.as_deref() == Some("first") {
        return;
    }

    measure::time(&mut run(CREATE));
    std::fs::copy(&db, saved("empty.redb")).expect("copy store");
    let capture = median(table.runs(), false, || {
        restore(&saved("empty.redb"));
        run(CAPTURE)
    });
    restore(&saved("empty.redb"));
    measure::time(&mut run(CAPTURE));
    table.row(
        "pack add glob:**/* (capture)",
        &size,
        &capture,
        Some(bytes),
        Some(&db),
    );
    let content = json(run(&["fsck", "--json"]))["blob_bytes"]
        .as_u64()
        .expect("blob_bytes");
    results.set("content/file", file_size(&db) as f64 / content as f64);
    results.set("content", content as f64);
    std::fs::copy(&db, saved("captured.redb")).expect("copy store");

    // This machine's CPU speed drifts from minute to minute, so each cold
    // render is paired with the tokenizer alone on the same texts measured
    // just before it, and the throughput ratio is the median of the pairs'.
    // Cold means nothing is counted yet: pack add counted the files with
    // o200k, which a render reuses, so the cold render counts with cl100k.
    let blake3_single = {
        let start = Instant::now();
        for t in &texts {
            std::hint::black_box(blake3::hash(t.as_bytes()));
        }
        bytes as f64 / start.elapsed().as_secs_f64()
    };
    results.set("blake3", blake3_single);
    // Once, to compile the rules and touch every page, then measured.
    project::redaction_single_core(&files, &texts);
    let redaction = project::redaction_single_core(&files, &texts);
    let render = || run(RENDER_CL100K);
    let mut ratios = Vec::new();
    let mut ceilings = Vec::new();
    let cold = median(table.runs(), false, || {
        let ceiling = project::tokenizer_ceiling(&texts, TokenizerKind::Cl100k);
        restore(&saved("captured.redb"));
        let wall = measure::time(&mut render());
        ratios.push(ceiling.as_secs_f64() / wall.as_secs_f64());
        ceilings.push(ceiling);
        restore(&saved("captured.redb"));
        render()
    });
    drop(texts);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    table.row(
        "redaction alone (one core)",
        &size,
        &Measured {
            wall: redaction,
            rss_mb: None,
        },
        Some(bytes),
        None,
    );
    results.set("redaction/core", bytes as f64 / redaction.as_secs_f64());
    results.set(
        "redaction/cold",
        redaction.as_secs_f64() / cores as f64 / cold.wall.as_secs_f64(),
    );
    ratios.sort_by(f64::total_cmp);
    ceilings.sort();
    table.row(
        "cold render (cl100k: nothing counted)",
        &size,
        &cold,
        Some(bytes),
        Some(&db),
    );
    results.set("cold", cold.wall.as_secs_f64());
    results.set("cold/ceiling", ratios[ratios.len() / 2]);
    let ceiling = ceilings[ceilings.len() / 2];
    let ceiling = Measured {
        wall: ceiling,
        rss_mb: None,
    };
    table.row(
        "tokenizer alone (cl100k, all cores)",
        &size,
        &ceiling,
        Some(bytes),
        None,
    );
    let warm = median(table.runs(), true, render);
    table.row("warm render", &size, &warm, Some(bytes), Some(&db));
    results.set("warm", warm.wall.as_secs_f64());
    let mut round = 0;
    let changed = median(table.runs(), false, || {
        round += 1;
        project::touch_one_percent(&files, round);
        render()
    });
    table.row(
        "render, 1% of files changed",
        &size,
        &changed,
        Some(bytes),
        Some(&db),
    );
    results.set("changed", changed.wall.as_secs_f64());

    std::fs::copy(&db, saved("rendered.redb")).expect("copy store");
    let create = median(table.runs(), false, || {
        restore(&saved("rendered.redb"));
        run(&["snapshot", "create", "bench"])
    });
    table.row("snapshot create", &size, &create, Some(bytes), Some(&db));
    // What one snapshot of the unchanged pack adds to the store. The
    // files changed since they were captured (the 1% rounds above), so the
    // snapshot is taken of the captured content (`--frozen`): new content
    // is a new blob whatever a snapshot does. Both stores are compacted by
    // gc, since redb grows its file by doubling, so an uncompacted size
    // says more about where the file stood than about what was written.
    std::fs::copy(&db, saved("snapshotted.redb")).expect("copy store");
    let compacted = |snapshot: bool| {
        restore(&saved("rendered.redb"));
        if snapshot {
            measure::time(&mut run(&["snapshot", "create", "bench", "--frozen"]));
        }
        measure::time(&mut run(&["gc"]));
        file_size(&db)
    };
    let before = compacted(false);
    let grown = compacted(true).saturating_sub(before);
    restore(&saved("snapshotted.redb"));
    results.set("snapshot growth", grown as f64 / content as f64);
    results.set("snapshot growth bytes", grown as f64);
    let id = json(run(&["snapshot", "list", "--json"]))["snapshots"][0]["id"]
        .as_str()
        .expect("snapshot id")
        .to_owned();
    let snap = median(table.runs(), true, || {
        run(&["snapshot", "render", &id, "-o", "/dev/null"])
    });
    table.row("snapshot render", &size, &snap, Some(bytes), Some(&db));
    results.set("snapshot render", snap.wall.as_secs_f64());
    // ctx refuses to write into its own home, so the bundle goes beside it.
    let outside = tempfile::tempdir().expect("bundle folder");
    let bundle = outside.path().join("bench.ctx");
    let bundle_arg = bundle.to_str().expect("utf-8");
    let export = median(table.runs(), false, || {
        run(&["snapshot", "export", &id, bundle_arg])
    });
    table.row(
        "snapshot export",
        &size,
        &export,
        Some(file_size(&bundle)),
        Some(&bundle),
    );
    let largest = files.iter().map(|f| f.1).max().unwrap_or(0);
    results.set("largest blob", largest as f64);
    results.set("bundle", file_size(&bundle) as f64);
    if let Some(rss) = export.rss_mb {
        results.set("export rss", rss);
    }
    let other = tempfile::tempdir().expect("second home");
    let import = median(table.runs(), false, || {
        let _ = std::fs::remove_file(other.path().join("ctx.redb"));
        ctx(other.path(), &root, &["snapshot", "import", bundle_arg])
    });
    table.row(
        "snapshot import (empty home)",
        &size,
        &import,
        Some(file_size(&bundle)),
        Some(&other.path().join("ctx.redb")),
    );
    if let Some(rss) = import.rss_mb {
        results.set("import rss", rss);
    }
    let blob_bytes = json(run(&["fsck", "--json"]))["blob_bytes"]
        .as_u64()
        .expect("blob_bytes");
    let fsck = median(table.runs(), false, || run(&["fsck"]));
    table.row(
        &format!(
            "fsck (files and snapshot bodies, {:.0} MB of blobs)",
            mb(blob_bytes)
        ),
        &size,
        &fsck,
        Some(blob_bytes),
        Some(&db),
    );
    results.set("fsck rate", blob_bytes as f64 / fsck.wall.as_secs_f64());
    results.set("blobs/file", file_size(&db) as f64 / blob_bytes as f64);
    // Once: a second gc would find nothing to move.
    let gc = Measured {
        wall: measure::time(&mut run(&["gc"])),
        rss_mb: None,
    };
    table.row(
        "gc (compacts; nothing to remove)",
        &size,
        &gc,
        None,
        Some(&db),
    );
    results.set(
        "blobs/file after gc",
        file_size(&db) as f64 / blob_bytes as f64,
    );
    if let Some(dir) = &args.dir {
        eprintln!("kept the project in {}", dir.display());
    }
}

/// Each target of the scale issue, with what this run measured.
fn targets(args: &Args, r: &Results) {
    let top = args.events;
    let ratio = |a: &str, b: &str| Some(r.get(a)? / r.get(b)?);
    let mut rows: Vec<(String, Option<String>, Option<bool>)> = Vec::new();
    for (name, key) in [
        ("pack add", "add"),
        ("log -n 20", "log"),
        ("log PACK -n 20", "logpack"),
        ("pack show of a small pack", "show"),
    ] {
        let x = ratio(&format!("{key}/{top}"), &format!("{key}/0"));
        rows.push((
            format!("{name}: median at {top} events <= 1.5x at 0"),
            x.map(|x| format!("{x:.2}x")),
            x.map(|x| x <= 1.5),
        ));
    }
    let noop = r.get("noop");
    rows.push((
        "no-op (pack list, empty store) < 5 ms".into(),
        noop.map(|s| fmt_duration(Duration::from_secs_f64(s))),
        noop.map(|s| s < 0.005),
    ));
    let speedup = ratio("cold", "snapshot render");
    rows.push((
        "snapshot render >= 5x faster than cold render".into(),
        speedup.map(|x| format!("{x:.1}x")),
        speedup.map(|x| x >= 5.0),
    ));
    let fsck = ratio("fsck rate", "blake3");
    rows.push((
        "fsck re-hashes at >= 50% of single-core BLAKE3".into(),
        fsck.map(|x| {
            format!(
                "{:.0}% ({:.0} of {:.0} MB/s)",
                100.0 * x,
                r.get("fsck rate").unwrap_or(0.0) / 1e6,
                r.get("blake3").unwrap_or(0.0) / 1e6
            )
        }),
        fsck.map(|x| x >= 0.5),
    ));
    let events = r.get("events/file");
    rows.push((
        format!("store after {top} small events <= 2x the encoded events"),
        events.map(|x| format!("{x:.2}x")),
        events.map(|x| x <= 2.0),
    ));
    for (name, key) in [
        (
            "store holding the captured files <= 1.3x their content",
            "content/file",
        ),
        (
            "store holding files and a snapshot <= 1.3x the blob content",
            "blobs/file",
        ),
        (
            "the same store after gc <= 1.3x the blob content",
            "blobs/file after gc",
        ),
    ] {
        let x = r.get(key);
        rows.push((
            name.into(),
            x.map(|x| format!("{x:.2}x")),
            x.map(|x| x <= 1.3),
        ));
    }
    let growth = r.get("snapshot growth");
    rows.push((
        "a snapshot of the unchanged pack adds <= 2% of the content to the store (both compacted)"
            .into(),
        growth.map(|x| {
            format!(
                "{:.2}% ({:.1} MB)",
                100.0 * x,
                mb(r.get("snapshot growth bytes").unwrap_or(0.0) as u64)
            )
        }),
        growth.map(|x| x <= 0.02),
    ));
    if let (Some(largest), Some(bundle)) = (r.get("largest blob"), r.get("bundle")) {
        let cap = 64.0 + largest / (1 << 20) as f64;
        for (name, key) in [("export", "export rss"), ("import", "import rss")] {
            let rss = r.get(key);
            rows.push((
                format!(
                    "snapshot {name} of a {:.0} MB bundle: peak RSS <= 64 MB + the largest blob ({cap:.1} MB)",
                    mb(bundle as u64)
                ),
                rss.map(|x| format!("{x:.0} MB")),
                rss.map(|x| x <= cap),
            ));
        }
    }
    let first = r.get("first/ceiling");
    rows.push((
        "first pack (create + add + render) <= 1.25x the tokenizer alone".into(),
        first.map(|x| format!("{x:.2}x")),
        first.map(|x| x <= 1.25),
    ));
    let after = r.get("after add/warm");
    rows.push((
        "the render right after pack add <= 1.5x a warm render".into(),
        after.map(|x| format!("{x:.2}x")),
        after.map(|x| x <= 1.5),
    ));
    let add = r.get("first add/ceiling");
    rows.push((
        "pack add of the collection >= 80% of the tokenizer ceiling".into(),
        add.map(|x| format!("{:.0}%", 100.0 * x)),
        add.map(|x| x >= 0.8),
    ));
    if let (Some(rss), Some(payload)) = (r.get("first rss"), r.get("first payload")) {
        let cap = mb(payload as u64) + 150.0;
        rows.push((
            format!("first pack: peak RSS <= the payload + 150 MB ({cap:.0} MB)"),
            Some(format!("{rss:.0} MB")),
            Some(rss <= cap),
        ));
    }
    if let (Some(drop), Some(degrade), Some(all)) = (
        r.get("fit/drop items"),
        r.get("fit/degrade items"),
        r.get("fit/items"),
    ) {
        rows.push((
            "--fit degrade fits >= 2x the items of --fit drop at a tenth of the full pack".into(),
            Some(format!(
                "{:.1}x ({degrade:.0} against {drop:.0} of {all:.0})",
                degrade / drop.max(1.0)
            )),
            Some(degrade >= 2.0 * drop),
        ));
    }
    let outline = r.get("outline/whole");
    rows.push((
        "outlines >= 60% smaller than the whole text of code files".into(),
        outline.map(|x| format!("{:.0}% smaller", 100.0 * (1.0 - x))),
        outline.map(|x| x <= 0.4),
    ));
    let cached = ratio("outline/warm", "outline/cold");
    rows.push((
        "render with outlines cached <= 10% of the cold one".into(),
        cached.map(|x| {
            format!(
                "{:.1}% (outlining {:.1} MB/s)",
                100.0 * x,
                r.get("outline MB/s").unwrap_or(0.0)
            )
        }),
        cached.map(|x| x <= 0.10),
    ));
    let cold = r.get("cold/ceiling");
    rows.push((
        "cold render >= 60% of the tokenizer ceiling".into(),
        cold.map(|x| format!("{:.0}%", 100.0 * x)),
        cold.map(|x| x >= 0.6),
    ));
    if let (Some(per_core), Some(share)) = (r.get("redaction/core"), r.get("redaction/cold")) {
        rows.push((
            "redaction: throughput per core, share of a cold render (on all cores)".into(),
            Some(format!("{:.0} MB/s, {:.1}%", per_core / 1e6, 100.0 * share)),
            None,
        ));
    }
    for (name, key, target) in [
        ("warm render <= 10% of cold", "warm", 0.10),
        ("1% changed render <= 15% of cold", "changed", 0.15),
    ] {
        let x = ratio(key, "cold");
        rows.push((
            name.into(),
            x.map(|x| format!("{:.1}%", 100.0 * x)),
            x.map(|x| x <= target),
        ));
    }
    println!();
    if args.quick {
        println!(
            "(--quick: stores and files too small for the targets, which are set for the full run, to mean much)"
        );
        println!();
    }
    println!("| target | measured | met |");
    println!("|---|---|---|");
    for (name, value, met) in rows {
        let Some(value) = value else { continue };
        let met = match met {
            Some(true) => "yes",
            Some(false) => "no",
            None => "-",
        };
        println!("| {name} | {value} | {met} |");
    }
}
