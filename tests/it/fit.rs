//! Fitting more into a budget: `--fit degrade`, per-artifact modes, the
//! tree header and line numbers.

use crate::common::Env;

/// Eight files of about 200 tokens each, and a small one.
fn project() -> Env {
    let env = Env::new();
    for i in 1..=8 {
        let text: String = (1..=40).map(|n| format!("file {i} line {n}\n")).collect();
        env.write(&format!("src/part{i}.txt"), text);
    }
    env.write("README.md", "# Demo\n");
    env.ok(&["pack", "create", "demo", "--tokens", "100000"]);
    env.ok(&["pack", "add", "demo", "README.md", "--priority", "5"]);
    env.ok(&["pack", "add", "demo", "src/"]);
    env
}

fn o200k(text: &str) -> u64 {
    let bpe = tiktoken_rs::o200k_base().expect("tiktoken");
    bpe.encode_with_special_tokens(text).len() as u64
}

/// Renders `args` as JSON and as the payload, checking the payload's
/// count is the tokenizer's and within the budget.
fn render(env: &Env, args: &[&str], budget: u64) -> (serde_json::Value, String) {
    let mut with_json = args.to_vec();
    with_json.extend(["--json", "--payload"]);
    let doc = env.ok(&with_json).json();
    let payload = doc["payload"].as_str().expect("payload").to_owned();
    assert_eq!(doc["tokens"].as_u64(), Some(o200k(&payload)), "exact count");
    assert!(
        doc["tokens"].as_u64().expect("tokens") <= budget,
        "within budget"
    );
    (doc, payload)
}

fn forms(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let path = i["path"].as_str().unwrap_or_default().to_owned();
            (path, i["form"].as_str().expect("form").to_owned())
        })
        .collect()
}

#[test]
fn degrade_fits_every_item_where_drop_leaves_most_out() {
    let env = project();
    let budget = 700;
    let tokens = budget.to_string();
    let (dropped, _) = render(&env, &["render", "demo", "--tokens", &tokens], budget);
    let (degraded, payload) = render(
        &env,
        &["render", "demo", "--tokens", &tokens, "--fit", "degrade"],
        budget,
    );
    let kept = |doc: &serde_json::Value| doc["items"].as_array().expect("items").len();
    assert_eq!(kept(&degraded), 9, "every item goes in, some by path");
    assert!(
        kept(&dropped) < 5,
        "drop leaves most out: {}",
        kept(&dropped)
    );
    assert!(
        degraded["excluded"]
            .as_array()
            .expect("excluded")
            .is_empty()
    );
    // Highest priority first: the README is whole, the first parts whole,
    // the later ones reduced to their path lines.
    let forms = forms(&degraded);
    assert_eq!(forms[0], ("README.md".into(), "full".into()));
    assert_eq!(forms[1].1, "full");
    assert_eq!(forms[8].1, "path");
    let first_path = forms.iter().position(|(_, f)| f == "path").expect("a path");
    assert!(forms[first_path..].iter().all(|(_, f)| f == "path"));
    let item = &degraded["items"][8];
    assert!(item["saved"].as_u64().expect("saved") > 100);
    assert!(
        payload.contains("## src/part8.txt (path only, "),
        "{payload}"
    );
    insta::assert_snapshot!(payload);
}

#[test]
fn the_pack_policy_is_an_event_that_undo_reverses() {
    let env = project();
    env.ok(&["pack", "set", "demo", "--fit", "degrade"]);
    let shown = env.ok(&["pack", "show", "demo", "--json"]).json();
    assert_eq!(shown["fit"], "degrade");
    assert!(
        env.ok(&["pack", "show", "demo"])
            .stdout
            .contains("fit degrade")
    );
    let (doc, _) = render(&env, &["render", "demo", "--tokens", "700"], 700);
    assert_eq!(doc["items"].as_array().expect("items").len(), 9);
    // A flag overrides the pack's policy.
    let (doc, _) = render(
        &env,
        &["render", "demo", "--tokens", "700", "--fit", "drop"],
        700,
    );
    assert!(doc["items"].as_array().expect("items").len() < 5);
    let log = env.ok(&["log", "demo", "--kind", "fit_changed"]).stdout;
    assert!(log.contains("set fit drop -> degrade"), "{log}");
    assert!(
        env.ok(&["pack", "set", "demo", "--fit", "degrade"])
            .stderr
            .contains("Nothing changed")
    );
    env.ok(&["undo"]);
    assert_eq!(
        env.ok(&["pack", "show", "demo", "--json"]).json()["fit"],
        "drop"
    );
}

#[test]
fn an_artifact_in_path_mode_lists_its_files_by_path_in_every_render() {
    let env = project();
    env.write("docs/a.md", "# A\n\nA long document.\n");
    env.ok(&["pack", "add", "demo", "glob:docs/*.md", "--mode", "path"]);
    let shown = env.ok(&["pack", "show", "demo"]).stdout;
    assert!(shown.contains("mode path"), "{shown}");
    for frozen in [false, true] {
        let mut args = vec!["render", "demo"];
        if frozen {
            args.push("--frozen");
        }
        let (doc, payload) = render(&env, &args, 100_000);
        let forms = forms(&doc);
        assert!(
            forms.contains(&("docs/a.md".into(), "path".into())),
            "{forms:?}"
        );
        assert!(!payload.contains("A long document."));
    }
    // Changed back with `pack set`, it renders whole.
    env.ok(&["pack", "set", "demo", "glob:docs/*.md", "--mode", "full"]);
    let (_, payload) = render(&env, &["render", "demo"], 100_000);
    assert!(payload.contains("A long document."));
}

#[test]
fn a_degraded_snapshot_reproduces_byte_for_byte() {
    let env = project();
    let args = [
        "--tokens",
        "700",
        "--fit",
        "degrade",
        "--tree",
        "--line-numbers",
    ];
    let mut render_args = vec!["render", "demo"];
    render_args.extend(args);
    let live = env.ok(&render_args).stdout;
    let mut create = vec!["snapshot", "create", "demo", "--json"];
    create.extend(args);
    let id = env.ok(&create).json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(env.ok(&["snapshot", "render", &id]).stdout, live);
}

#[test]
fn the_tree_marks_what_is_left_out_and_reduced() {
    let env = project();
    let (_, payload) = render(
        &env,
        &[
            "render", "demo", "--tokens", "700", "--fit", "degrade", "--tree",
        ],
        700,
    );
    assert!(
        payload.starts_with("# Files\n\n```\nREADME.md\nsrc/\n  part1.txt\n"),
        "{payload}"
    );
    assert!(payload.contains("  part8.txt (path only)\n"), "{payload}");
    let (_, payload) = render(&env, &["render", "demo", "--tokens", "700", "--tree"], 700);
    assert!(
        payload.contains("  part8.txt (left out: over budget)\n"),
        "{payload}"
    );
    for format in ["xml", "json", "plain"] {
        let run = env.ok(&["render", "demo", "--tree", "--format", format]);
        assert_eq!(
            run.stdout.matches("part3.txt").count(),
            2,
            "{format}: in the tree and the item"
        );
    }
    let run = env.ok(&["render", "demo", "--tree", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert!(
        doc["tree"]
            .as_str()
            .expect("tree")
            .contains("  part1.txt\n")
    );
}

#[test]
fn line_numbers_are_the_source_file_s() {
    let env = project();
    env.ok(&["pack", "create", "lines"]);
    env.ok(&["pack", "add", "lines", "src/part1.txt#L9-L11"]);
    let (_, payload) = render(&env, &["render", "lines", "--line-numbers"], 100_000);
    assert!(
        payload.contains(" 9| file 1 line 9\n10| file 1 line 10\n11| file 1 line 11\n"),
        "{payload}"
    );
    let (_, payload) = render(&env, &["render", "lines"], 100_000);
    assert!(payload.contains("\nfile 1 line 9\n"), "{payload}");
}

const RUST: &str = "//! A small library.

use std::collections::HashMap;

/// Adds two numbers.
pub fn add(a: u32, b: u32) -> u32 {
    let sum = a + b;
    let doubled = sum * 2;
    doubled / 2
}

/// A store of names.
pub struct Names {
    names: HashMap<u32, String>,
}

impl Names {
    /// The name of `id`, if any.
    pub fn get(&self, id: u32) -> Option<&str> {
        let name = self.names.get(&id)?;
        let name = name.as_str();
        Some(name)
    }
}
";

#[test]
fn an_outline_keeps_signatures_and_says_what_it_elides() {
    let env = Env::new();
    env.write("src/lib.rs", RUST);
    env.write(
        "notes.txt",
        "plain text\nhas no outline\nso it renders whole\n",
    );
    env.ok(&["pack", "create", "o"]);
    env.ok(&[
        "pack",
        "add",
        "o",
        "src/lib.rs",
        "notes.txt",
        "--mode",
        "outline",
    ]);
    let (doc, payload) = render(&env, &["render", "o"], 100_000);
    assert_eq!(
        forms(&doc),
        [
            ("src/lib.rs".to_owned(), "outline".to_owned()),
            ("notes.txt".to_owned(), "full".to_owned())
        ]
    );
    assert!(doc["items"][0]["saved"].as_u64().expect("saved") > 0);
    assert!(
        payload.contains("pub fn add(a: u32, b: u32) -> u32 {\n    … lines 7-9\n}"),
        "{payload}"
    );
    assert!(!payload.contains("let doubled"), "{payload}");
    assert!(payload.contains("so it renders whole"));
    // Numbered, the kept lines keep their numbers and markers get none.
    let (_, numbered) = render(&env, &["render", "o", "--line-numbers"], 100_000);
    assert!(
        numbered.contains(" 6| pub fn add(a: u32, b: u32) -> u32 {\n  |     … lines 7-9\n10| }\n"),
        "{numbered}"
    );
    // The second render finds the outline cached: the same bytes.
    let (_, again) = render(&env, &["render", "o"], 100_000);
    assert_eq!(again, payload);
    let (_, frozen) = render(&env, &["render", "o", "--frozen"], 100_000);
    assert_eq!(frozen, payload);
    insta::assert_snapshot!(payload);
}

#[test]
fn degrade_takes_the_outline_when_the_whole_does_not_fit() {
    let env = Env::new();
    env.write("src/lib.rs", RUST);
    env.ok(&["pack", "create", "o"]);
    env.ok(&["pack", "add", "o", "src/lib.rs"]);
    let (whole, _) = render(&env, &["render", "o"], 100_000);
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "src/lib.rs", "--mode", "outline"]);
    let (outline, _) = render(&env, &["render", "p"], 100_000);
    let whole = whole["tokens"].as_u64().expect("tokens");
    let outline = outline["tokens"].as_u64().expect("tokens");
    assert!(outline < whole);
    // A budget between the two: the outline goes in.
    let budget = (outline + whole) / 2;
    let tokens = budget.to_string();
    let (doc, _) = render(
        &env,
        &["render", "o", "--tokens", &tokens, "--fit", "degrade"],
        budget,
    );
    assert_eq!(
        forms(&doc),
        [("src/lib.rs".to_owned(), "outline".to_owned())]
    );
    let (doc, _) = render(&env, &["render", "o", "--tokens", &tokens], budget);
    assert!(forms(&doc).is_empty(), "drop leaves it out");
}

#[test]
fn split_parts_each_fit_parse_and_hold_the_render_s_items_in_order() {
    let env = project();
    let unsplit = env.ok(&["render", "demo", "--json"]).json();
    let titles: Vec<String> = unsplit["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["path"].as_str().expect("path").to_owned())
        .collect();
    for (format, ext) in [
        ("markdown", "md"),
        ("xml", "xml"),
        ("json", "json"),
        ("plain", "txt"),
    ] {
        let dir = format!("out-{format}");
        let run = env.ok(&[
            "render", "demo", "--format", format, "--split", "600", "-o", &dir, "--json",
        ]);
        let split = &run.json()["split"];
        let index: serde_json::Value = serde_json::from_slice(
            &std::fs::read(env.path(&format!("{dir}/index.json"))).expect("index"),
        )
        .expect("index is JSON");
        assert!(
            index.get("folder").is_none(),
            "no machine path in the index"
        );
        let parts = index["parts"].as_array().expect("parts");
        assert!(parts.len() > 2, "{format}: {} parts", parts.len());
        assert_eq!(&index["parts"], &split["parts"]);
        let mut items = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let file = part["file"].as_str().expect("file");
            assert_eq!(file, format!("part-{:03}.{ext}", i + 1));
            let text = std::fs::read_to_string(env.path(&format!("{dir}/{file}"))).expect("part");
            assert_eq!(
                part["tokens"].as_u64(),
                Some(o200k(&text)),
                "{format} {file}: exact"
            );
            assert!(o200k(&text) <= 600, "{format} {file}: within the part size");
            match format {
                "xml" => {
                    roxmltree::Document::parse(&text).expect("each XML part parses");
                }
                "json" => {
                    let doc: serde_json::Value =
                        serde_json::from_str(&text).expect("each JSON part loads");
                    assert_eq!(doc["tokens"].as_u64(), Some(o200k(&text)));
                }
                _ => {}
            }
            for item in part["items"].as_array().expect("items") {
                items.push(item.as_str().expect("title").to_owned());
            }
        }
        assert_eq!(
            items, titles,
            "{format}: the parts' items are the render's, in order"
        );
    }
}

#[test]
fn an_item_larger_than_a_part_is_cut_at_line_boundaries() {
    let env = Env::new();
    let text: String = (1..=400)
        .map(|n| format!("line {n} of a long file\n"))
        .collect();
    env.write("long.txt", &text);
    env.ok(&["pack", "create", "long"]);
    env.ok(&["pack", "add", "long", "long.txt"]);
    let run = env.ok(&["render", "long", "--split", "500", "-o", "parts"]);
    assert!(
        run.stderr.contains("cut at line boundaries: long.txt"),
        "{}",
        run.stderr
    );
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.path("parts/index.json")).expect("index"))
            .expect("JSON");
    let parts = index["parts"].as_array().expect("parts");
    assert!(parts.len() > 3);
    assert_eq!(
        parts[0]["items"][0]
            .as_str()
            .expect("title")
            .split(" (lines 1-")
            .count(),
        2
    );
    // The pieces hold every line once, in order.
    let mut joined = String::new();
    for part in parts {
        let body = std::fs::read_to_string(
            env.path(&format!("parts/{}", part["file"].as_str().expect("file"))),
        )
        .expect("part");
        assert!(o200k(&body) <= 500);
        for line in body.lines().filter(|l| l.starts_with("line ")) {
            joined.push_str(line);
            joined.push('\n');
        }
    }
    assert_eq!(joined, text);
    // A part too small for one line is refused, and nothing is written.
    let run = env.run(&["render", "long", "--split", "5", "-o", "tiny"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--split"), "{}", run.stderr);
    assert!(!env.path("tiny/index.json").exists());
    // Parts are files: stdout is refused.
    let run = env.run(&["render", "long", "--split", "500", "-o", "-"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("-o DIR"), "{}", run.stderr);
}

/// The files of a split written to `dir`, by name, with their bytes.
fn split_files(env: &Env, dir: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(env.path(dir))
        .expect("dir")
        .map(|e| {
            let e = e.expect("entry");
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).expect("read"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_split_snapshot_reproduces_its_parts_after_the_files_change() {
    let env = Env::new();
    let long: String = (1..=300)
        .map(|n| format!("line {n} of a long file\n"))
        .collect();
    env.write("long.txt", &long);
    env.write("short.txt", "a short file\n");
    env.ok(&["pack", "create", "app"]);
    env.ok(&["pack", "add", "app", "long.txt", "short.txt"]);
    env.ok(&["render", "app", "--split", "400", "-o", "live"]);
    let created = env.ok(&["snapshot", "create", "app", "--split", "400", "--json"]);
    let created_json = created.json();
    let id = created_json["id"].as_str().expect("id").to_owned();
    assert_eq!(
        created_json["split"]["cut"][0], "long.txt",
        "{created_json}"
    );
    let human = env.ok(&["snapshot", "create", "app", "--split", "400"]);
    assert!(human.stderr.contains("Nothing changed"), "{}", human.stderr);

    // The sources change and the store is collected: the parts stay.
    env.write("long.txt", "changed\n");
    env.write("short.txt", "changed too\n");
    env.ok(&["pack", "refresh", "app"]);
    env.ok(&["gc"]);
    env.ok(&["fsck"]);
    let run = env.ok(&["snapshot", "render", &id[..8], "--parts", "-o", "frozen"]);
    assert!(run.stderr.contains("Split into"), "{}", run.stderr);
    assert_eq!(split_files(&env, "frozen"), split_files(&env, "live"));
    let shown = env.ok(&["snapshot", "show", &id, "--json"]).json();
    assert_eq!(
        shown["split"]["parts"].as_array().map(Vec::len),
        created_json["split"]["parts"].as_array().map(Vec::len)
    );
    assert!(
        env.ok(&["snapshot", "show", &id])
            .stdout
            .contains("split: ")
    );

    // A bundle carries the parts to another store.
    env.ok(&["snapshot", "export", &id, "bundle.ctx"]);
    let other = Env::new();
    std::fs::copy(env.path("bundle.ctx"), other.path("bundle.ctx")).expect("copy");
    let imported = other
        .ok(&["snapshot", "import", "bundle.ctx", "--json"])
        .json();
    assert_eq!(imported["id"], id.as_str());
    other.ok(&["fsck"]);
    other.ok(&[
        "snapshot", "render", &id, "--parts", "-o", "there", "--json",
    ]);
    assert_eq!(split_files(&other, "there"), split_files(&env, "live"));

    // The same render unsplit is another snapshot, with no parts to write.
    let plain = env.ok(&["snapshot", "create", "app", "--json"]).json();
    assert_ne!(plain["id"], id.as_str());
    assert!(plain.get("split").is_none(), "{plain}");
    let plain = plain["id"].as_str().expect("id");
    let run = env.run(&["snapshot", "render", plain, "--parts", "-o", "none"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--split N"), "{}", run.stderr);
    let run = env.run(&["snapshot", "render", &id, "--parts", "-o", "-"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn purging_a_cut_file_purges_its_pieces() {
    let env = Env::new();
    let long: String = (1..=300)
        .map(|n| format!("line {n} of a long file\n"))
        .collect();
    env.write("long.txt", &long);
    env.ok(&["pack", "create", "app"]);
    env.ok(&["pack", "add", "app", "long.txt"]);
    let id = env
        .ok(&["snapshot", "create", "app", "--split", "400", "--json"])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let purged = env.ok(&["purge", "--path", "long.txt", "--json"]).json();
    let run = env.run(&["snapshot", "render", &id, "--parts", "-o", "parts"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("purged"), "{}", run.stderr);
    // The captured content, and each piece the split cut from it.
    let shown = env.ok(&["snapshot", "show", &id, "--json"]).json();
    let pieces = shown["split"]["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .flat_map(|p| p["items"].as_array().expect("items"))
        .filter(|t| t.as_str().is_some_and(|t| t.contains("(lines ")))
        .count();
    assert!(pieces > 1, "{shown}");
    assert_eq!(purged["blobs"], 1 + pieces as u64, "{purged}");
    env.ok(&["fsck"]);
}

#[test]
fn a_new_split_removes_the_parts_of_the_one_before() {
    let env = project();
    env.write("out/notes.md", "mine\n");
    env.ok(&["render", "demo", "--split", "300", "-o", "out"]);
    let many = split_files(&env, "out").len();
    env.ok(&["render", "demo", "--split", "5000", "-o", "out"]);
    let names: Vec<String> = split_files(&env, "out")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(many > names.len(), "{many} {names:?}");
    assert_eq!(names, ["index.json", "notes.md", "part-001.md"]);
}

/// A delta render against a degraded snapshot finds an item it holds as
/// an outline unchanged, even in a store whose outline cache is empty.
#[test]
fn since_a_degraded_snapshot_matches_its_outlines_in_a_fresh_store() {
    let env = Env::new();
    env.write("src/lib.rs", RUST);
    env.ok(&["pack", "create", "o"]);
    env.ok(&["pack", "add", "o", "src/lib.rs"]);
    let whole = env.ok(&["render", "o", "--json"]).json()["tokens"]
        .as_u64()
        .expect("tokens");
    let tokens = (whole - 3).to_string();
    let args = ["--tokens", &tokens, "--fit", "degrade"];
    let mut create = vec!["snapshot", "create", "o", "--json"];
    create.extend(args);
    let id = env.ok(&create).json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    env.ok(&["snapshot", "export", &id, "o.ctx"]);
    // Another store, the same project: the outline is not cached there.
    let other = Env {
        home: tempfile::tempdir().expect("home"),
        project: env.project,
    };
    other.ok(&["snapshot", "import", "o.ctx"]);
    other.ok(&["pack", "create", "o"]);
    other.ok(&["pack", "add", "o", "src/lib.rs"]);
    let mut since = vec!["render", "o", "--json", "--since", &id];
    since.extend(args);
    let delta = other.ok(&since).json();
    assert_eq!(
        delta["since"]["unchanged"],
        serde_json::json!(["src/lib.rs"]),
        "{delta}"
    );
}
