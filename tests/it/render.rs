//! `ctx render`: formats, budgets, live and frozen content, and bad input.

use crate::common::Env;

/// A pack with a file, a range, a markdown folder, a note and a glob.
fn project() -> Env {
    let env = Env::new();
    env.write("src/main.rs", "fn main() {\n    println!(\"hello\");\n}\n");
    env.write(
        "src/lib.rs",
        "//! The library.\npub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n",
    );
    env.write("docs/guide.md", "# Guide\n\nUse ```ctx render```.\n");
    env.write("docs/api/index.md", "# API\n");
    env.write(".gitignore", "build/\n");
    env.write("build/out.rs", "// generated\n");
    env.ok(&["pack", "create", "demo", "--tokens", "5000"]);
    env.ok(&["pack", "add", "demo", "src/main.rs"]);
    env.ok(&["pack", "add", "demo", "src/lib.rs#L2-L4", "--priority", "3"]);
    env.ok(&["pack", "add", "demo", "md_dir:docs", "--recursive"]);
    env.ok(&["pack", "add", "demo", "text:Be brief."]);
    env.ok(&["pack", "add", "demo", "glob:**/*.rs"]);
    env
}

#[test]
fn every_format() {
    let env = project();
    for format in ["markdown", "xml", "plain", "json"] {
        let snap = env.snap(&["render", "demo", "--format", format]);
        insta::assert_snapshot!(format!("format_{format}"), snap);
    }
}

#[test]
fn json_summary() {
    let env = project();
    insta::assert_snapshot!(env.snap(&["render", "demo", "--tokens", "60", "--json"]));
}

#[test]
fn json_payload_is_one_document_whose_total_is_exact() {
    let env = project();
    let run = env.ok(&["render", "demo", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("payload is JSON");
    let bpe = tiktoken_rs::o200k_base().expect("tiktoken");
    assert_eq!(
        doc["tokens"].as_u64(),
        Some(bpe.encode_with_special_tokens(&run.stdout).len() as u64)
    );
    let items = doc["items"].as_array().expect("items");
    assert_eq!(items[0]["source"], "src/lib.rs#L2-L4");
    assert_eq!(items[0]["lines"], serde_json::json!([2, 4]));
    assert!(
        items[0]["content"]
            .as_str()
            .expect("content")
            .starts_with("pub fn add")
    );
    assert_eq!(doc["excluded"][0]["reason"], "ignored");
}

/// The reported total is the tokenizer's exact count of the payload and
/// never above the budget, for every budget from 1 to the full size.
#[test]
fn budgets_from_one_to_full_size_are_exact_and_respected() {
    let env = project();
    let bpe = tiktoken_rs::o200k_base().expect("tiktoken");
    for format in ["markdown", "xml", "plain", "json"] {
        let full = env
            .ok(&["render", "demo", "--format", format, "--json"])
            .json()["tokens"]
            .as_u64()
            .expect("tokens");
        // The frame-only formats are cheap to render; step through the rest.
        let step = if matches!(format, "markdown" | "plain") {
            1
        } else {
            3
        };
        let mut budget = 1;
        while budget <= full + 2 {
            let run = env.run(&[
                "render",
                "demo",
                "--format",
                format,
                "--tokens",
                &budget.to_string(),
                "--json",
                "--payload",
            ]);
            // A budget below the frame is refused, never an empty payload.
            if run.code == 2 && run.stderr.contains("cannot hold even the") {
                assert_eq!(run.json()["error"]["kind"], "usage", "{format} at {budget}");
                budget += step;
                continue;
            }
            assert_eq!(run.code, 0, "{format} at {budget}: {}", run.stderr);
            let doc = run.json();
            let payload = doc["payload"].as_str().expect("payload");
            let reported = doc["tokens"].as_u64().expect("tokens");
            let counted = bpe.encode_with_special_tokens(payload).len() as u64;
            assert_eq!(
                counted, reported,
                "{format} at budget {budget}: {payload:?}"
            );
            assert!(
                reported <= budget,
                "{format}: {reported} over budget {budget}"
            );
            budget += step;
        }
    }
}

#[test]
fn a_smaller_later_item_fills_the_space_a_larger_one_left() {
    let env = Env::new();
    env.write("big.txt", "word ".repeat(400));
    env.write("small.txt", "tiny\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "big.txt"]);
    env.ok(&["pack", "add", "p", "small.txt"]);
    let doc = env.ok(&["render", "p", "--tokens", "50", "--json"]).json();
    assert_eq!(doc["items"][0]["path"], "small.txt");
    assert_eq!(doc["excluded"][0]["path"], "big.txt");
    assert_eq!(doc["excluded"][0]["reason"], "over_budget");
    assert!(doc["excluded"][0]["tokens"].as_u64().expect("tokens") > 400);
}

#[test]
fn xml_is_valid_for_any_content() {
    let env = Env::new();
    let nasty = "a && b </document> ]]> <![CDATA[ x ]]> \u{1b}[31m & &amp; \"'\n";
    env.write("nasty.txt", nasty);
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "nasty.txt"]);
    let run = env.ok(&["render", "p", "--format", "xml"]);
    let doc = roxmltree::Document::parse(&run.stdout).expect("valid XML");
    let docs: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("document"))
        .collect();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].attribute("index"), Some("1"));
    let content = docs[0]
        .children()
        .find(|n| n.has_tag_name("document_content"))
        .and_then(|n| n.text())
        .expect("content");
    assert_eq!(content, nasty.replace('\u{1b}', "\u{FFFD}"));
}

#[test]
fn frozen_renders_from_the_store_without_the_project() {
    let env = project();
    let live = env.ok(&["render", "demo"]);
    std::fs::remove_dir_all(env.project.path()).expect("delete the project");
    std::fs::create_dir(env.project.path()).expect("an empty folder to run in");
    let frozen = env.ok(&["render", "demo", "--frozen"]);
    assert_eq!(frozen.stdout, live.stdout);
    let hash = |run: &crate::common::Run| run.stderr.lines().last().map(str::to_owned);
    assert_eq!(hash(&frozen), hash(&live));
}

#[test]
fn live_renders_read_current_content_and_fall_back_when_a_file_is_gone() {
    let env = project();
    let before = env.ok(&["render", "demo", "--json"]).json();
    env.write(
        "src/main.rs",
        "fn main() {\n    println!(\"changed\");\n}\n",
    );
    let after = env.ok(&["render", "demo", "--json", "--payload"]).json();
    assert_ne!(before["render_hash"], after["render_hash"]);
    assert!(
        after["payload"]
            .as_str()
            .expect("payload")
            .contains("changed")
    );

    std::fs::remove_file(env.path("src/main.rs")).expect("remove");
    let run = env.ok(&["render", "demo", "--json", "--payload"]);
    let doc = run.json();
    assert!(
        doc["payload"].as_str().expect("payload").contains("hello"),
        "captured content is used"
    );
    assert!(
        doc["warnings"][0]
            .as_str()
            .expect("warning")
            .contains("`src/main.rs` does not exist"),
        "{doc}"
    );
    let strict = env.run(&["render", "demo", "--strict", "--json"]);
    assert_eq!(strict.code, 3, "{}", strict.stderr);
    let strict = strict.json();
    let missing: Vec<&serde_json::Value> = strict["excluded"]
        .as_array()
        .expect("excluded")
        .iter()
        .filter(|e| e["reason"] == "missing")
        .collect();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["source"], "src/main.rs");
}

#[test]
fn same_inputs_give_the_same_bytes() {
    let env = project();
    let a = env.ok(&["render", "demo", "--format", "xml"]);
    let b = env.ok(&["render", "demo", "--format", "xml"]);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.stderr, b.stderr);
}

#[test]
fn output_file_is_written_whole() {
    let env = project();
    let out = env.ok(&["render", "demo"]);
    env.ok(&["render", "demo", "-o", "payload.md"]);
    assert_eq!(
        std::fs::read_to_string(env.path("payload.md")).expect("written"),
        out.stdout
    );
    let leftovers: Vec<_> = std::fs::read_dir(env.project.path())
        .expect("list")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn output_to_a_device_writes_through_it() {
    use std::os::unix::fs::FileTypeExt as _;
    let env = project();
    env.ok(&["render", "demo", "-q", "-o", "/dev/null"]);
    let meta = std::fs::metadata("/dev/null").expect("/dev/null");
    assert!(meta.file_type().is_char_device(), "/dev/null was replaced");
}

#[test]
fn bad_input() {
    let env = project();
    env.ok(&["pack", "create", "empty"]);
    env.write("afile", "x");
    let mut transcript = String::new();
    for (args, code) in [
        (&["render", "nope"][..], 3),
        (&["render", "demo", "--tokens", "0"], 2),
        (&["render", "demo", "--tokens", "-3"], 2),
        (&["render", "demo", "--format", "html"], 2),
        (&["render", "demo", "--tokenizer", "gpt2"], 2),
        (&["render", "demo", "-o", "no/such/dir/out.md"], 1),
        (&["render", "demo", "-o", "afile/out.md"], 1),
        (&["render", "empty"], 0),
        (&["render", "empty", "--format", "xml"], 0),
    ] {
        let run = env.run(args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        transcript.push_str(&format!(
            "$ ctx {}\nexit: {code}\n--- stdout\n{}--- stderr\n{}\n",
            args.join(" "),
            run.stdout,
            run.stderr
        ));
    }
    assert!(!env.path("no").exists());
    insta::assert_snapshot!(transcript);
}

#[test]
fn a_closed_stdout_ends_render_quietly() {
    let env = Env::new();
    env.write("big.txt", "line of text\n".repeat(50_000));
    env.ok(&["pack", "create", "p", "--tokens", "1000000"]);
    env.ok(&["pack", "add", "p", "big.txt"]);
    env.assert_closed_stdout_is_quiet(&["render", "p"]);
}

#[test]
fn show_tokens_lists_items_and_the_largest() {
    let env = project();
    insta::assert_snapshot!(env.snap(&["pack", "show", "demo", "--tokens"]));
}

/// Secrets of several kinds, written so no scanner mistakes this test file
/// itself for a leak: each is assembled at run time.
fn secrets_file() -> String {
    let gh = format!("ghp_{}", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8");
    let aws = format!("AKIA{}", "ABCDEFGHIJKLMNOP");
    let key = format!(
        "-----BEGIN RSA {k}-----\nMIIEowIBAAKCAQEAwJ8sZ0d9fQ1YkR3vL7p2XbW0mN4cT6uH5gE1aF8iK3oP9qS2\n-----END RSA {k}-----\n",
        k = "PRIVATE KEY"
    );
    format!(
        "token = \"{gh}\"\naws_id = {aws}\npassword = \"correct-horse-battery\"\n{key}fn token(x: u32) {{}}\n"
    )
}

#[test]
fn secrets_are_redacted_in_every_format_and_counted() {
    let env = Env::new();
    env.write("config.txt", secrets_file());
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "config.txt"]);
    for format in ["markdown", "xml", "plain", "json"] {
        let doc = env
            .ok(&["render", "p", "--format", format, "--json", "--payload"])
            .json();
        let payload = doc["payload"].as_str().expect("payload");
        for leaked in ["ghp_A1b2", "AKIAABCD", "correct-horse", "MIIEowIBAAKCAQEA"] {
            assert!(
                !payload.contains(leaked),
                "{format} leaks {leaked}: {payload}"
            );
        }
        assert!(payload.contains("[REDACTED:github_token]"), "{payload}");
        assert!(
            payload.contains("fn token(x: u32)"),
            "code is left alone: {payload}"
        );
        let r = &doc["redactions"];
        assert_eq!(
            (
                r["github_token"].as_u64(),
                r["aws_access_key"].as_u64(),
                r["private_key"].as_u64()
            ),
            (Some(1), Some(1), Some(1)),
            "{format}: {r}"
        );
        assert_eq!(r["assignment"].as_u64(), Some(1), "{format}: {r}");
    }
    let kept = env.ok(&["render", "p", "--no-redact"]).stdout;
    assert!(kept.contains("correct-horse-battery"));
}

#[test]
fn cached_file_records_never_skip_redacting_a_file_with_secrets() {
    let env = Env::new();
    env.write("config.txt", secrets_file());
    env.write("clean.txt", "nothing to see\n");
    // Old modification times make the files eligible for the file cache.
    for file in ["config.txt", "clean.txt"] {
        let status = std::process::Command::new("touch")
            .args(["-d", "2020-01-01T00:00:00", file])
            .current_dir(env.project.path())
            .status()
            .expect("touch");
        assert!(status.success());
    }
    // `touch` sets the change time to now, and a file changed within the
    // racy window is not cached: wait it out.
    std::thread::sleep(std::time::Duration::from_millis(2_200));
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "glob:*.txt"]);
    let first = env.ok(&["render", "p"]);
    let second = env.ok(&["render", "p"]);
    assert_eq!(first.stdout, second.stdout);
    // The clean file was learned and is now known; the one with secrets
    // is scanned every time, so it is never recorded.
    let cache = &env.ok(&["render", "p", "--json"]).json()["cache"];
    assert_eq!(cache["files_known"], 1, "{cache}");
    assert_eq!(cache["counted"], 0, "{cache}");
    assert!(!second.stdout.contains("correct-horse"));
    assert!(second.stdout.contains("nothing to see"));
    // A changed file is read again, not taken from the cache.
    env.write("clean.txt", "something new\n");
    let third = env.ok(&["render", "p"]);
    assert!(third.stdout.contains("something new"), "{}", third.stdout);
}

/// `--since SNAPSHOT` sends what changed since and lists the rest, in
/// every format, with an exact count within the budget.
#[test]
fn since_a_snapshot_sends_only_what_changed() {
    let env = Env::new();
    env.write("a.txt", "alpha\n");
    env.write("b.txt", "bravo\n");
    env.write("c.txt", "charlie\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "glob:*.txt"]);
    let bpe = tiktoken_rs::o200k_base().expect("tiktoken");
    for format in ["markdown", "xml", "plain", "json"] {
        let id = env
            .ok(&["snapshot", "create", "p", "--format", format, "--json"])
            .json()["id"]
            .as_str()
            .expect("id")
            .to_owned();
        // Nothing changed: no item is sent, every one is listed.
        let same = env
            .ok(&[
                "render",
                "p",
                "--format",
                format,
                "--since",
                &id,
                "--json",
                "--payload",
            ])
            .json();
        assert_eq!(
            same["items"].as_array().map(Vec::len),
            Some(0),
            "{format}: {same}"
        );
        assert_eq!(
            same["since"]["unchanged"],
            serde_json::json!(["a.txt", "b.txt", "c.txt"])
        );
        let payload = same["payload"].as_str().expect("payload");
        assert!(
            payload.contains("a.txt") && payload.contains("c.txt"),
            "{format}: {payload}"
        );
        assert!(!payload.contains("alpha"), "{format}: {payload}");
        assert_eq!(
            same["tokens"].as_u64(),
            Some(bpe.encode_with_special_tokens(payload).len() as u64),
            "{format}"
        );
        if format == "json" {
            let doc: serde_json::Value = serde_json::from_str(payload).expect("JSON payload");
            assert_eq!(doc["since"]["unchanged"][1], "b.txt");
        }
        // One changed, one added, one removed.
        env.write("b.txt", "BRAVO\n");
        env.write("d.txt", "delta\n");
        std::fs::remove_file(env.path("c.txt")).expect("rm");
        let delta = env
            .ok(&[
                "render",
                "p",
                "--format",
                format,
                "--since",
                &id[..8],
                "--json",
                "--payload",
            ])
            .json();
        let payload = delta["payload"].as_str().expect("payload");
        assert!(
            payload.contains("BRAVO") && payload.contains("delta"),
            "{format}: {payload}"
        );
        assert!(!payload.contains("alpha"), "{format}: {payload}");
        assert_eq!(delta["since"]["unchanged"], serde_json::json!(["a.txt"]));
        assert_eq!(delta["since"]["removed"], serde_json::json!(["c.txt"]));
        assert_eq!(
            delta["tokens"].as_u64(),
            Some(bpe.encode_with_special_tokens(payload).len() as u64),
            "{format}"
        );
        // A delta render is deterministic, and snapshot create takes --since.
        let again = env
            .ok(&["render", "p", "--format", format, "--since", &id])
            .stdout;
        assert_eq!(again, payload);
        let frozen = env
            .ok(&[
                "snapshot", "create", "p", "--format", format, "--since", &id, "--json",
            ])
            .json();
        let kept = frozen["id"].as_str().expect("id");
        assert_eq!(env.ok(&["snapshot", "render", kept]).stdout, payload);
        // Back to the first state for the next format.
        env.write("b.txt", "bravo\n");
        env.write("c.txt", "charlie\n");
        std::fs::remove_file(env.path("d.txt")).expect("rm");
    }
    // Against a snapshot of another format, every item counts as changed, and it says so.
    let md = env.ok(&["snapshot", "create", "p", "--json"]).json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let other = env.ok(&["render", "p", "--format", "xml", "--since", &md]);
    assert!(
        other.stderr.contains("every item counts as changed"),
        "{}",
        other.stderr
    );
    let unknown = env.run(&["render", "p", "--since", "ffff"]);
    assert_eq!(unknown.code, 3, "{}", unknown.stderr);
}

/// An item of the snapshot that changed but no longer fits is not left
/// looking current: it is listed with the removed ones. Against a delta
/// snapshot, what it left to its base is sent again, never lost.
#[test]
fn since_never_leaves_a_stale_item_unmentioned() {
    let env = Env::new();
    env.write("a.txt", "alpha\n");
    env.write("big.txt", "small\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "glob:*.txt"]);
    let id = env.ok(&["snapshot", "create", "p", "--json"]).json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    env.write("big.txt", "word ".repeat(400));
    let tight = env
        .ok(&["render", "p", "--since", &id, "--tokens", "60", "--json"])
        .json();
    assert_eq!(tight["items"].as_array().map(Vec::len), Some(0), "{tight}");
    assert_eq!(tight["since"]["unchanged"], serde_json::json!(["a.txt"]));
    assert_eq!(tight["since"]["removed"], serde_json::json!(["big.txt"]));

    // A delta snapshot, then a delta against it: a.txt, which the first
    // left to its base, is sent again; a file gone since is reported.
    let delta = env
        .ok(&["snapshot", "create", "p", "--since", &id, "--json"])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    env.write("c.txt", "charlie\n");
    std::fs::remove_file(env.path("a.txt")).expect("rm");
    let chained = env.ok(&["render", "p", "--since", &delta, "--json"]).json();
    assert_eq!(
        chained["since"]["unchanged"],
        serde_json::json!(["big.txt"])
    );
    assert_eq!(chained["since"]["removed"], serde_json::json!(["a.txt"]));
}

/// The Quick start adds `src/main.rs` and then `glob:src/**/*.rs`: the
/// file renders once, where it comes first, and the glob's copy is listed
/// as `duplicate`, costing no budget. A range inside a file rendered whole
/// is a duplicate too; a whole file after a range of it renders whole.
#[test]
fn a_file_added_twice_renders_once_at_its_first_occurrence() {
    let env = Env::new();
    env.write("src/main.rs", "fn main() {\n    println!(\"hello\");\n}\n");
    env.write(
        "src/lib.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n",
    );
    env.ok(&["pack", "create", "demo", "--tokens", "8000"]);
    env.ok(&["pack", "add", "demo", "src/main.rs"]);
    env.ok(&[
        "pack",
        "add",
        "demo",
        "src/lib.rs#L1-L2",
        "--priority",
        "10",
    ]);
    let glob = env.ok(&["pack", "add", "demo", "glob:src/**/*.rs"]);
    for other in ["src/main.rs", "src/lib.rs#L1-L2"] {
        assert!(
            glob.stderr
                .contains(&format!("warning: 1 file is also in `{other}`")),
            "{}",
            glob.stderr
        );
    }
    env.ok(&["pack", "add", "demo", "src/main.rs#L2-L2"]);
    let rendered = env.ok(&["render", "demo", "--json"]).json();
    let included: Vec<(&str, &serde_json::Value)> = rendered["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["path"].as_str().expect("path"), &i["lines"]))
        .collect();
    assert_eq!(
        included,
        [
            ("src/lib.rs", &serde_json::json!([1, 2])),
            ("src/main.rs", &serde_json::Value::Null),
            ("src/lib.rs", &serde_json::Value::Null),
        ],
        "{rendered}"
    );
    let excluded: Vec<(&str, &str, &str)> = rendered["excluded"]
        .as_array()
        .expect("excluded")
        .iter()
        .map(|e| {
            (
                e["source"].as_str().expect("source"),
                e["path"].as_str().expect("path"),
                e["reason"].as_str().expect("reason"),
            )
        })
        .collect();
    assert_eq!(
        excluded,
        [
            ("glob:src/**/*.rs", "src/main.rs", "duplicate"),
            ("src/main.rs#L2", "src/main.rs", "duplicate"),
        ]
    );
    // The payload holds the file once.
    let payload = env.ok(&["render", "demo"]).stdout;
    assert_eq!(
        payload.matches("println!(\"hello\")").count(),
        1,
        "{payload}"
    );
    // `pack show` counts each file once.
    let shown = env.ok(&["pack", "show", "demo", "--json"]).json();
    let each: u64 = shown["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| a["tokens"].as_u64().expect("tokens"))
        .sum();
    let main = env.ok(&["pack", "show", "demo", "--json"]).json()["artifacts"][1]["tokens"]
        .as_u64()
        .expect("main.rs");
    assert_eq!(shown["duplicates"], 2, "{shown}");
    assert!(
        shown["unique_tokens"].as_u64().expect("unique") < each - main + 1,
        "{shown}"
    );
    let human = env.ok(&["pack", "show", "demo"]);
    assert!(
        human.stderr.contains("Each file counts once"),
        "{}",
        human.stderr
    );
}

/// The fill takes what fits in render order: a large priority-5 file is
/// left out while a small priority-0 one goes in, and the render says so.
#[test]
fn a_higher_priority_item_passed_over_by_lower_ones_is_warned() {
    let env = Env::new();
    env.write("big.md", "word ".repeat(3000));
    env.write("small.md", "# small\n");
    env.ok(&["pack", "create", "p", "--tokens", "500"]);
    env.ok(&["pack", "add", "p", "big.md", "--priority", "5"]);
    env.ok(&["pack", "add", "p", "small.md"]);
    let run = env.ok(&["render", "p"]);
    assert!(
        run.stderr.contains(
            "warning: `big.md` (priority 5, 3010 tokens) did not fit the budget, but 1 lower-priority item went in"
        ),
        "{}",
        run.stderr
    );
    // Nothing to say when the order held.
    env.ok(&["pack", "add", "p", "big.md#L1-L1", "--priority", "-1"]);
    let fits = env.ok(&["render", "p", "--tokens", "100000"]);
    assert!(!fits.stderr.contains("did not fit"), "{}", fits.stderr);
}

#[test]
fn quiet_hides_the_summary_but_not_the_warnings() {
    let env = project();
    std::fs::remove_file(env.path("src/main.rs")).expect("remove");
    let run = env.ok(&["render", "demo", "-q", "-o", "out.md"]);
    insta::assert_snapshot!(run.stderr, @"warning: `src/main.rs` does not exist; using the content captured when it was added");
    env.ok(&["pack", "create", "empty"]);
    assert_eq!(
        env.ok(&["render", "empty", "-q"]).stderr,
        "warning: the packs have no artifacts\n"
    );
}

#[test]
fn strict_writes_the_payload_then_fails_for_a_source_that_is_gone() {
    let env = project();
    env.ok(&["render", "demo", "--strict", "-q"]);
    std::fs::remove_file(env.path("src/main.rs")).expect("remove");
    let run = env.run(&["render", "demo", "--strict", "-q", "-o", "out.md"]);
    insta::assert_snapshot!(format!("exit: {}\n{}", run.code, run.stderr), @r"
    exit: 3
    warning: `src/main.rs` does not exist; left out (--strict)
    error: left out 1 source that is gone (--strict)
    hint: the payload was written without them; restore them, remove them from the pack, or leave out `--strict` to use their captured content
    ");
    let written = std::fs::read_to_string(env.path("out.md")).expect("written");
    assert!(!written.contains("hello"), "{written}");
    let created = env.run(&["snapshot", "create", "demo", "--strict", "--json"]);
    assert_eq!(created.code, 3, "{}", created.stderr);
    let id = created.json()["id"].as_str().expect("id").to_owned();
    env.ok(&["snapshot", "show", &id]);
    // Without --strict, the captured content stands in and all is well.
    env.ok(&["render", "demo", "-q"]);
}

#[test]
fn a_budget_below_the_frame_is_an_error_not_an_empty_file() {
    let env = project();
    env.write("out.json", "kept\n");
    let run = env.run(&[
        "render", "demo", "--format", "json", "--tokens", "5", "-o", "out.json",
    ]);
    insta::assert_snapshot!(format!("exit: {}\n{}", run.code, run.stderr), @r"
    exit: 2
    error: the budget of 5 tokens cannot hold even the json frame (318 tokens)
    hint: give a budget of at least 318 tokens with `--tokens N`; nothing was written
    ");
    assert_eq!(
        std::fs::read_to_string(env.path("out.json")).expect("kept"),
        "kept\n"
    );
    let run = env.run(&[
        "snapshot", "create", "demo", "--format", "json", "--tokens", "5",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        env.ok(&["snapshot", "list", "--json"]).json()["snapshots"]
            .as_array()
            .expect("snapshots")
            .is_empty()
    );
}
