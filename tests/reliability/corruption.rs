//! Corruption: a damaged blob is reported by `ctx fsck` and refused, by
//! name, by everything that would use it; a `.redb` file with any one byte
//! flipped gives a clean error or a clean success from every command, never
//! a panic, a signal or a hang.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ctx_model::BlobHash;
use ctx_store::Query as _;

use crate::common::Env;
use crate::support::{Bounded, Rng, run_bounded, soak};

/// Longer than any command on a small store takes, even on a busy machine.
const LIMIT: Duration = Duration::from_secs(10);

/// Two packs (a file, a range, a glob, a markdown folder, a note), a
/// rename, a removal and a snapshot: every table holds rows.
fn populated() -> Env {
    let env = Env::new();
    env.write("a.txt", "alpha\n");
    env.write("src/main.rs", "fn main() {\n    println!(\"hi\");\n}\n");
    env.write("src/lib.rs", "pub fn lib() -> u32 {\n    7\n}\n");
    env.write("docs/guide.md", "# Guide\n\nStep one.\n");
    env.ok(&["pack", "create", "p", "--tokens", "4000"]);
    env.ok(&["pack", "add", "p", "a.txt"]);
    env.ok(&["pack", "add", "p", "src/lib.rs#L1-L2"]);
    env.ok(&["pack", "add", "p", "glob:src/*.rs"]);
    env.ok(&["pack", "add", "p", "md_dir:docs"]);
    env.ok(&["pack", "create", "q"]);
    env.ok(&["pack", "add", "q", "text:a note"]);
    env.ok(&["pack", "add", "q", "text:another note"]);
    env.ok(&["pack", "remove", "q", "text:another note"]);
    env.ok(&["pack", "rename", "q", "notes"]);
    env.ok(&["snapshot", "create", "p", "notes", "--label", "base"]);
    env
}

fn db(env: &Env) -> std::path::PathBuf {
    env.home.path().join("ctx.redb")
}

/// The only snapshot's id and the blob the store keeps for its item from
/// `path`.
fn snapshot_item(env: &Env, path: &str) -> (String, BlobHash) {
    let store = ctx_store::Store::open_read_only(&db(env), Duration::ZERO).expect("open");
    let r = store.read().expect("read");
    let id = r.snapshot_ids().expect("ids")[0];
    let manifest = r.snapshot(id).expect("manifest").expect("a snapshot");
    let item = manifest
        .items
        .iter()
        .find(|i| i.origin.path.as_deref() == Some(path))
        .expect("the item");
    (id.to_string(), item.blob())
}

/// A clean refusal: the integrity exit code and one error block naming
/// every string in `names`.
fn refused(env: &Env, args: &[&str], names: &[&str]) {
    let run = run_bounded(env.command(args), LIMIT);
    assert_eq!(run.code, Some(6), "ctx {args:?}: {}", run.describe());
    assert!(run.is_one_error_block(), "ctx {args:?}: {}", run.stderr);
    assert!(run.stdout.is_empty(), "ctx {args:?} printed a payload");
    for name in names {
        assert!(
            run.stderr.contains(name),
            "ctx {args:?} does not name {name}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_flipped_blob_is_found_by_fsck_and_refused_by_name() {
    let env = populated();
    let hash = BlobHash::of(b"alpha\n");
    ctx_store::testing::corrupt_blob(&db(&env), hash).expect("corrupt");
    let fsck = env.run(&["fsck"]);
    assert_eq!(fsck.code, 6, "{}", fsck.stderr);
    assert!(
        fsck.stdout.contains(&format!("hash mismatch: blob {hash}")),
        "{}",
        fsck.stdout
    );
    // A frozen render uses the captured bytes: it refuses them, naming the
    // source and the artifact.
    let artifact = env.ok(&["pack", "show", "p", "--json"]).json()["items"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| a["spec"] == "a.txt")
        .expect("a.txt")["id"]
        .as_str()
        .expect("id")[..8]
        .to_owned();
    refused(
        &env,
        &["render", "p", "--frozen"],
        &["`a.txt`", &artifact, &hash.to_string()],
    );
    refused(
        &env,
        &["snapshot", "create", "p", "--frozen"],
        &["`a.txt`", &artifact],
    );
    // The snapshot keeps the item as that same content blob in a frame:
    // it refuses to render or export, naming the file.
    let (id, blob) = snapshot_item(&env, "a.txt");
    assert_eq!(blob, hash);
    for args in [
        &["snapshot", "render", &id][..],
        &["snapshot", "export", &id, "out.ctx"],
    ] {
        refused(&env, args, &["`a.txt`", &artifact, &id, &hash.to_string()]);
    }
    assert!(
        !env.path("out.ctx").exists(),
        "a damaged export was written"
    );
    // Nothing that needs no blob is stopped by the damage.
    env.ok(&["pack", "list"]);
    env.ok(&["log"]);
}

/// What one flipped byte led to.
#[derive(Debug, Default)]
struct Tally {
    /// Every command succeeded and fsck found nothing.
    harmless: AtomicUsize,
    /// Some command refused the store with a clean error.
    detected: AtomicUsize,
    /// A panic, a signal, a hang or an unclean error: each is a bug.
    bad: AtomicUsize,
}

/// The commands run on each damaged copy, in order; each sees what the
/// earlier ones left (a command may repair the file on open, or write).
fn commands(snapshot: &str) -> Vec<Vec<&str>> {
    vec![
        vec!["pack", "list"],
        vec!["log"],
        vec!["fsck"],
        vec!["render", "p", "notes", "--frozen"],
        vec!["snapshot", "render", snapshot],
        vec!["pack", "add", "notes", "text:written after the damage"],
        vec!["fsck"],
    ]
}

/// Runs every command on a damaged copy; returns whether any refused it, or
/// the first unclean outcome.
fn exercise(env: &Env, snapshot: &str, write: bool) -> Result<bool, String> {
    let mut refused = false;
    for args in commands(snapshot) {
        if !write && args[0] == "pack" && args[1] == "add" {
            continue;
        }
        let run: Bounded = run_bounded(env.command(&args), LIMIT);
        if !run.is_clean() {
            return Err(format!("ctx {}: {}", args.join(" "), run.describe()));
        }
        refused |= run.code != Some(0);
    }
    Ok(refused)
}

#[test]
fn every_flipped_byte_of_the_database_gives_a_clean_outcome() {
    let source = populated();
    let snapshot = source.ok(&["snapshot", "list", "--json"]).json()["snapshots"][0]["id"]
        .as_str()
        .expect("a snapshot")
        .to_owned();
    let pristine = std::fs::read(db(&source)).expect("the store");
    let nonzero: Vec<usize> = (0..pristine.len()).filter(|&i| pristine[i] != 0).collect();
    let flips = 500 * soak();
    let tally = Tally::default();
    let failures = std::sync::Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                // Frozen renders read the store only; the pack root (the
                // source's project) stays where it was.
                let env = Env::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= flips {
                        break;
                    }
                    // Half the flips land anywhere in the file (much of it
                    // free pages), half in bytes that hold something.
                    let mut rng = Rng::new(0xC0_22_u64 ^ (i as u64) << 16);
                    let at = if i.is_multiple_of(2) {
                        rng.below(pristine.len() as u64) as usize
                    } else {
                        nonzero[rng.below(nonzero.len() as u64) as usize]
                    };
                    let mut bytes = pristine.clone();
                    bytes[at] ^= 1 + rng.below(255) as u8;
                    let _ = std::fs::remove_dir_all(env.home.path());
                    std::fs::create_dir(env.home.path()).expect("home");
                    std::fs::write(db(&env), &bytes).expect("damaged copy");
                    // Writing (and counting tokens) costs the most: one flip in four.
                    match exercise(&env, &snapshot, i.is_multiple_of(4)) {
                        Ok(false) => tally.harmless.fetch_add(1, Ordering::Relaxed),
                        Ok(true) => tally.detected.fetch_add(1, Ordering::Relaxed),
                        Err(why) => {
                            failures
                                .lock()
                                .expect("failures")
                                .push(format!("flip {i} at byte {at}: {why}"));
                            tally.bad.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                }
            });
        }
    });
    eprintln!(
        "corruption: {flips} flips of a {} byte store ({} nonzero) in {:.1?}: {tally:?}",
        pristine.len(),
        nonzero.len(),
        start.elapsed()
    );
    let failures = failures.into_inner().expect("failures");
    assert!(
        failures.is_empty(),
        "{} of {flips} flips ended badly:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        tally.harmless.load(Ordering::Relaxed) + tally.detected.load(Ordering::Relaxed),
        flips
    );
}
