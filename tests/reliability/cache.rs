//! Caches that cannot lie: a file rewritten with its size and modification
//! time kept is scanned, hashed and counted again (the file cache is keyed
//! by device, inode, size, mtime and ctime, as git keys its index).

use std::time::{Duration, SystemTime};

use crate::common::Env;

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
