//! Caches that cannot lie: a file rewritten with its size and modification
//! time kept is scanned, hashed and counted again (the file cache is keyed
//! by device, inode, size, mtime and ctime, as git keys its index); and a
//! count is cached only under the hash of the bytes it counted, so even a
//! file cache that lied could not poison the count table. A wrong count
//! that got in anyway is found by `ctx fsck` (a sample, or all of them
//! with `--full`) and dropped by `ctx fsck --repair`.

use std::time::{Duration, SystemTime};

use ctx_model::{BlobHash, TokenizerKind};
use ctx_store::Query as _;

use crate::common::Env;

fn db(env: &Env) -> std::path::PathBuf {
    env.home.path().join("ctx.redb")
}

/// Sets a file's modification time, as `touch -d`, `cp -p`, `rsync -t` and
/// `tar x` do.
fn set_mtime(path: &std::path::Path, mtime: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open")
        .set_modified(mtime)
        .expect("set mtime");
}

/// The exact o200k count of `text`, by the reference tokenizer (built
/// once: building it takes a second).
fn tiktoken(text: &str) -> u64 {
    static O200K: std::sync::OnceLock<tiktoken_rs::CoreBPE> = std::sync::OnceLock::new();
    O200K
        .get_or_init(|| tiktoken_rs::o200k_base().expect("o200k"))
        .encode_with_special_tokens(text)
        .len() as u64
}

#[test]
fn a_file_rewritten_with_its_size_and_mtime_kept_is_read_again() {
    let env = Env::new();
    let before = "mode = fast\nuser = alice\nnote = the quick brown fox jumps over it\n";
    let secret = "password = \"correct-horse-battery\"\n";
    let after = format!("{secret}{}\n", "z".repeat(before.len() - secret.len() - 1));
    assert_eq!(before.len(), after.len());
    let path = env.write("conf.txt", before);
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    set_mtime(&path, mtime);
    env.ok(&["pack", "create", "p", "--tokens", "1000"]);
    env.ok(&["pack", "add", "p", "conf.txt"]);
    // Past the racy window for the change time too, so the cache may take
    // the file.
    std::thread::sleep(Duration::from_millis(2_200));
    env.ok(&["render", "p"]);
    let warm = env.ok(&["render", "p", "--json"]).json();
    assert_eq!(warm["cache"]["files_known"], 1, "the cache does not work");
    let old_hash = warm["render_hash"].clone();
    let snapshot = env.ok(&["snapshot", "create", "p", "--json"]).json();
    let id = snapshot["id"].as_str().expect("id").to_owned();

    std::fs::write(&path, &after).expect("rewrite");
    set_mtime(&path, mtime);
    let meta = std::fs::metadata(&path).expect("stat");
    assert_eq!(meta.len(), before.len() as u64);
    assert_eq!(meta.modified().expect("mtime"), mtime);

    let render = env.ok(&["render", "p", "--json", "--payload"]).json();
    let payload = render["payload"].as_str().expect("payload");
    assert!(
        !payload.contains("correct-horse-battery"),
        "the new secret was not redacted:\n{payload}"
    );
    assert!(payload.contains("[REDACTED:assignment]"), "{payload}");
    assert!(
        payload.contains("zzzz"),
        "the old bytes rendered:\n{payload}"
    );
    assert_eq!(render["cache"]["files_known"], 0, "a stale record vouched");
    assert_ne!(
        render["render_hash"], old_hash,
        "new bytes, same render hash"
    );
    assert_eq!(
        render["tokens"].as_u64(),
        Some(tiktoken(payload)),
        "the reported total is not the payload's count"
    );
    let diff = env.ok(&["snapshot", "diff", &id, "p", "--json"]).json();
    assert_eq!(
        diff["changed"].as_array().map(Vec::len),
        Some(1),
        "snapshot diff saw no change: {diff}"
    );
}

#[test]
fn a_count_is_cached_only_under_the_hash_of_the_bytes_it_counted() {
    use std::os::unix::fs::MetadataExt as _;
    let env = Env::new();
    let path = env.write("a.txt", "the first version of the file\n");
    set_mtime(
        &path,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000),
    );
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "a.txt"]);
    std::thread::sleep(Duration::from_millis(2_200));
    env.ok(&["render", "p"]);
    let key = env.root().join("a.txt").to_str().expect("utf-8").to_owned();
    let store = ctx_store::Store::open(&db(&env), Duration::ZERO).expect("open");
    let mut record = store
        .read()
        .expect("read")
        .file_stamp(&key)
        .expect("stamp")
        .expect("the render recorded the file");
    let old_body = record.body.as_ref().expect("a clean body").hash;
    // New bytes, and a record that vouches for them with the old body's
    // hash: a file cache that lies.
    std::fs::write(&path, "a second, longer version of this file\n").expect("rewrite");
    let meta = std::fs::metadata(&path).expect("stat");
    record.dev = meta.dev();
    record.ino = meta.ino();
    record.size = meta.len();
    record.mtime_ns = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
    record.ctime_ns = i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec());
    let mut w = store.write().expect("write");
    w.put_file_stamp(&key, &record).expect("put");
    w.commit().expect("commit");
    drop(store);
    // No cl100k count is cached for the old body: this render counts the
    // new bytes, and must not file that count under the old hash.
    let render = env
        .ok(&[
            "render",
            "p",
            "--tokenizer",
            "cl100k",
            "--json",
            "--payload",
        ])
        .json();
    assert!(
        render["payload"]
            .as_str()
            .expect("payload")
            .contains("second, longer"),
        "{render}"
    );
    let store = ctx_store::Store::open_read_only(&db(&env), Duration::ZERO).expect("open");
    let r = store.read().expect("read");
    assert_eq!(
        r.token_count(&old_body, TokenizerKind::Cl100k)
            .expect("count"),
        None,
        "a count of new bytes was cached under the old body's hash"
    );
}

/// Caches a wrong count for a blob the store holds, as a lying file cache
/// once did.
fn poison(env: &Env, hash: BlobHash, tokens: u32) {
    let store = ctx_store::Store::open(&db(env), Duration::ZERO).expect("open");
    let mut w = store.write().expect("write");
    w.put_token_count(&hash, TokenizerKind::O200k, tokens)
        .expect("put count");
    w.commit().expect("commit");
}

fn cached_count(env: &Env, hash: BlobHash) -> Option<u32> {
    let store = ctx_store::Store::open_read_only(&db(env), Duration::ZERO).expect("open");
    let r = store.read().expect("read");
    r.token_count(&hash, TokenizerKind::O200k).expect("count")
}

#[test]
fn a_wrong_token_count_is_found_by_fsck_and_dropped_by_repair() {
    let env = Env::new();
    let text = "alpha beta gamma delta\n";
    env.write("a.txt", text);
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "a.txt"]);
    let hash = BlobHash::of(text.as_bytes());
    let right = u32::try_from(tiktoken(text)).expect("small");
    assert_eq!(cached_count(&env, hash), Some(right));
    poison(&env, hash, right + 500);

    let fsck = env.run(&["fsck"]);
    assert_eq!(fsck.code, 6, "{}{}", fsck.stdout, fsck.stderr);
    assert!(
        fsck.stdout.contains("count mismatch") && fsck.stdout.contains(&hash.to_string()),
        "{}",
        fsck.stdout
    );
    assert!(fsck.stderr.contains("--repair"), "{}", fsck.stderr);
    let report = env.run(&["fsck", "--json"]).json();
    assert_eq!(report["counts"]["checked"], 1, "{report}");
    assert_eq!(report["counts"]["mismatched"], 1, "{report}");

    let repaired = env.ok(&["fsck", "--repair", "--json"]).json();
    assert_eq!(repaired["counts"]["dropped"], 1, "{repaired}");
    assert_eq!(repaired["problems"], serde_json::json!([]));
    assert_eq!(cached_count(&env, hash), None, "the wrong count stayed");
    env.ok(&["fsck"]);
    // The next add of the same bytes counts them again, rightly.
    env.write("b.txt", text);
    env.ok(&["pack", "add", "p", "b.txt"]);
    assert_eq!(cached_count(&env, hash), Some(right));
    env.ok(&["fsck"]);
}

#[test]
fn fsck_samples_counts_and_checks_all_of_them_with_full() {
    let env = Env::new();
    env.ok(&["pack", "create", "p"]);
    // Many counts, each of a stored blob, written the way `pack add` does.
    let texts: Vec<String> = (0..3000).map(|i| format!("note number {i}\n")).collect();
    {
        let store = ctx_store::Store::open(&db(&env), Duration::ZERO).expect("open");
        let mut w = store.write().expect("write");
        for text in &texts {
            let hash = w.put_blob(text.as_bytes()).expect("blob");
            let tokens = u32::try_from(tiktoken(text)).expect("small");
            w.put_token_count(&hash, TokenizerKind::O200k, tokens)
                .expect("count");
        }
        w.commit().expect("commit");
    }
    let sampled = env.ok(&["fsck", "--json"]).json();
    let checked = sampled["counts"]["checked"].as_u64().expect("checked");
    assert_eq!(sampled["counts"]["cached"], 3000, "{sampled}");
    assert!(checked > 0 && checked < 3000, "{sampled}");
    // Deterministic: the same store gives the same sample.
    assert_eq!(
        env.ok(&["fsck", "--json"]).json()["counts"],
        sampled["counts"]
    );
    let full = env.ok(&["fsck", "--full", "--json"]).json();
    assert_eq!(full["counts"]["checked"], 3000, "{full}");
    // A wrong count anywhere is found by a full check.
    let wrong = BlobHash::of(texts[1234].as_bytes());
    poison(&env, wrong, 7777);
    let fsck = env.run(&["fsck", "--full"]);
    assert_eq!(fsck.code, 6, "{}", fsck.stderr);
    assert!(fsck.stdout.contains(&wrong.to_string()), "{}", fsck.stdout);
    env.ok(&["fsck", "--full", "--repair"]);
    env.ok(&["fsck", "--full"]);
}

/// `pack add` notes the files it found no secret in, so the render right
/// after it scans only the others; that render reuses the counts the add
/// made, and its total is still the payload's exact count.
#[test]
fn the_render_after_pack_add_reuses_what_the_add_learned() {
    let env = Env::new();
    let clean = env.write(
        "src/lib.rs",
        "//! A library.\n\nuse std::fmt;\n\npub fn f() -> u32 {\n    7\n}\n",
    );
    let secret = env.write(
        "conf.txt",
        "mode = fast\npassword = \"correct-horse-battery\"\n",
    );
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    set_mtime(&clean, mtime);
    set_mtime(&secret, mtime);
    // Past the racy window for the change time too.
    std::thread::sleep(Duration::from_millis(2_200));
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "src/lib.rs", "conf.txt"]);
    let render = env.ok(&["render", "p", "--json", "--payload"]).json();
    assert_eq!(render["cache"]["files_known"], 1, "{}", render["cache"]);
    let payload = render["payload"].as_str().expect("payload");
    assert!(
        !payload.contains("correct-horse-battery") && payload.contains("[REDACTED:"),
        "{payload}"
    );
    assert_eq!(render["tokens"].as_u64(), Some(tiktoken(payload)));
    for format in ["xml", "json", "plain"] {
        let render = env
            .ok(&["render", "p", "--format", format, "--json", "--payload"])
            .json();
        let payload = render["payload"].as_str().expect("payload");
        assert_eq!(
            render["tokens"].as_u64(),
            Some(tiktoken(payload)),
            "{format}"
        );
    }
}

/// `pack add` frames each clean file as the render will, in the format
/// renders take unless told, so the render right after the add counts no
/// markdown or plain body again; its payload, hash and count are those of a render that
/// learned nothing from the add. Contents cover where a frame meets text:
/// no final newline, leading blank lines, backtick runs, CRLF, non-ASCII.
#[test]
fn the_render_after_pack_add_counts_no_body_again() {
    let files = [
        (
            "src/lib.rs",
            "//! A library.\n\npub fn f() -> u32 {\n    7\n}\n",
        ),
        ("src/tail.rs", "fn g() {}\n// no final newline"),
        (
            "docs/a.md",
            "\n\nLeading blank lines.\n\n````\n```\ncode\n```\n````\n",
        ),
        ("crlf.txt", "one\r\ntwo\r\nthree"),
        ("unicode.txt", "héllo wörld — ✓\nзначение = 1\n"),
        ("one.txt", "x"),
        ("empty.txt", ""),
    ];
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    let projects: Vec<_> = ["markdown", "plain", "xml", "json"]
        .into_iter()
        .map(|format| {
            let env = Env::new();
            let paths: Vec<_> = files
                .iter()
                .map(|(rel, text)| {
                    let path = env.write(rel, text);
                    set_mtime(&path, mtime);
                    path
                })
                .collect();
            (format, env, paths)
        })
        .collect();
    // Past the racy window for the change time too.
    std::thread::sleep(Duration::from_millis(2_200));
    for (format, env, paths) in projects {
        let with_format = |args: &[&str]| {
            let out = env
                .command(args)
                .env("CTX_FORMAT", format)
                .output()
                .expect("run ctx");
            assert!(out.status.success(), "{args:?} {format}: {out:?}");
            serde_json::from_slice::<serde_json::Value>(&out.stdout).ok()
        };
        with_format(&["pack", "create", "p"]);
        with_format(&["pack", "add", "p", "glob:**/*"]);
        let render = ["render", "p", "--json", "--payload"];
        let primed = with_format(&render).expect("json");
        // XML and JSON escape some contents into bytes whose count the
        // add does not know; those bodies are counted by the render.
        if matches!(format, "markdown" | "plain") {
            assert_eq!(
                primed["cache"]["counted"], 0,
                "{format}: {}",
                primed["cache"]
            );
        }
        let payload = primed["payload"].as_str().expect("payload");
        assert_eq!(
            primed["tokens"].as_u64(),
            Some(tiktoken(payload)),
            "{format}"
        );

        // A new mtime makes every file new to the cache: read, framed,
        // hashed and counted again.
        let later = mtime + Duration::from_secs(60);
        for path in &paths {
            set_mtime(path, later);
        }
        let cold = with_format(&render).expect("json");
        assert_eq!(
            cold["cache"]["files_known"], 0,
            "{format}: {}",
            cold["cache"]
        );
        for key in ["payload", "payload_hash", "render_hash", "tokens"] {
            assert_eq!(primed[key], cold[key], "{format}: {key}");
        }
    }
}
