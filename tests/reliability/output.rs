//! Case 11.1 and 11.2: where `-o FILE` (and `snapshot export ID FILE`)
//! writes. No output path may reach the store: not the database file, by
//! any name (a symlink, a hard link, the home folder itself), and nothing
//! inside the home folder, even a file that does not exist yet. An output
//! that exists keeps what makes it that file: its mode, its owner, its
//! hard links, the symlink that names it, and whatever a device or
//! `/dev/stdout` stands for; `-` is stdout; any valid file name works.

use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::process::Stdio;

use crate::child;
use crate::common::{Env, Run};
use crate::support::{chmod, is_root, mode};

/// A store with one pack and one snapshot of it: the payload `render p`
/// prints and the snapshot's id.
fn store() -> (Env, String, String) {
    let env = Env::new();
    env.write("a.txt", "alpha\n");
    env.write("b.md", "# Beta\n\nSome words.\n");
    child::ok(&env, &["pack", "create", "p"]);
    child::ok(&env, &["pack", "add", "p", "a.txt"]);
    child::ok(&env, &["pack", "add", "p", "b.md"]);
    let payload = child::ok(&env, &["render", "p", "-q"]).stdout;
    let created = child::ok(&env, &["snapshot", "create", "p", "--json"]).json();
    let id = created["id"].as_str().expect("snapshot id").to_owned();
    (env, payload, id)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Fails unless `run` was refused as a usage error with one error block
/// and a hint.
fn assert_refused(run: &Run, what: &str) {
    assert_eq!(run.code, 2, "{what} was not refused:\n{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(
        lines.first().is_some_and(|l| l.starts_with("error: "))
            && lines.iter().filter(|l| l.starts_with("error: ")).count() == 1
            && lines.iter().any(|l| l.starts_with("hint: ")),
        "{what}: not one error block with a hint:\n{}",
        run.stderr
    );
}

#[test]
fn no_output_path_can_reach_the_store() {
    let (env, _, id) = store();
    let home = env.home.path();
    let db = home.join("ctx.redb");
    let before = std::fs::read(&db).expect("read the store");
    let events = child::events(&env, "before");
    let db_s = db.to_str().expect("utf-8 path").to_owned();
    std::os::unix::fs::symlink(&db, env.path("db-link")).expect("symlink");
    std::os::unix::fs::symlink(home, env.path("home-link")).expect("symlink");
    std::os::unix::fs::symlink(home.join("fresh.md"), env.path("dangling")).expect("symlink");
    let hard = std::fs::hard_link(&db, env.path("db-hard")).is_ok();
    if !hard {
        eprintln!(
            "note: the project and the home are on different file systems; no hard link case"
        );
    }
    let new_in_home = home.join("new.md");
    let new_in_home = new_in_home.to_str().expect("utf-8 path");
    let home_s = home.to_str().expect("utf-8 path");
    let mut cases: Vec<Vec<&str>> = vec![
        vec!["render", "p", "-o", &db_s],
        vec!["render", "p", "-q", "-o", "db-link"],
        vec!["render", "p", "-o", "home-link/ctx.redb"],
        vec!["render", "p", "-o", new_in_home],
        vec!["render", "p", "-o", "home-link/new.md"],
        vec!["render", "p", "-o", "dangling"],
        vec!["render", "p", "-o", home_s],
        vec!["snapshot", "render", &id, "-o", &db_s],
        vec!["snapshot", "render", &id, "-o", "db-link"],
        vec!["snapshot", "export", &id, &db_s],
        vec!["snapshot", "export", &id, "home-link/new.ctx"],
    ];
    if hard {
        cases.push(vec!["render", "p", "-o", "db-hard"]);
        cases.push(vec!["snapshot", "export", &id, "db-hard"]);
    }
    for args in &cases {
        let run = child::run(&env, args);
        assert_refused(&run, &format!("ctx {args:?}"));
        assert_eq!(std::fs::read(&db).expect("read"), before, "ctx {args:?}");
        assert_eq!(
            names(home),
            ["ctx.redb"],
            "ctx {args:?} wrote into the home"
        );
    }
    // Run in the home, a bare name is the database too.
    for args in [
        vec!["snapshot", "export", &id, "ctx.redb"],
        vec!["render", "p", "-o", "ctx.redb"],
        vec!["snapshot", "render", &id, "-o", "./other.md"],
    ] {
        let mut cmd = env.command(&args);
        cmd.current_dir(home);
        let run = child::run_cmd(&env, cmd);
        assert_refused(&run, &format!("ctx {args:?} in the home"));
        assert_eq!(std::fs::read(&db).expect("read"), before, "ctx {args:?}");
        assert_eq!(
            names(home),
            ["ctx.redb"],
            "ctx {args:?} wrote into the home"
        );
    }
    assert_eq!(child::events(&env, "after"), events);
    child::assert_fsck_clean(&env, "after every refusal");
}

#[test]
fn an_existing_output_keeps_its_mode() {
    let (env, payload, id) = store();
    for (name, m) in [
        ("private.md", 0o600),
        ("shared.md", 0o640),
        ("odd.md", 0o604),
    ] {
        let path = env.write(name, "old\n");
        chmod(&path, m);
        child::ok(&env, &["render", "p", "-q", "-o", name]);
        assert_eq!(read(&path), payload, "{name}");
        assert_eq!(mode(&path), m, "{name} changed its mode");
        child::ok(&env, &["snapshot", "render", &id, "-o", name]);
        assert_eq!(mode(&path), m, "{name} changed its mode");
    }
    let bundle = env.write("bundle.ctx", "old");
    chmod(&bundle, 0o600);
    child::ok(&env, &["snapshot", "export", &id, "bundle.ctx"]);
    assert_eq!(mode(&bundle), 0o600, "the bundle changed its mode");
    assert_ne!(std::fs::read(&bundle).expect("read"), b"old");
}

#[test]
fn a_read_only_output_is_not_replaced() {
    let (env, payload, id) = store();
    let target = env.write("frozen.md", "keep me\n");
    chmod(&target, 0o444);
    if is_root() {
        // Root may write any file: it is written, and stays read-only.
        child::ok(&env, &["render", "p", "-q", "-o", "frozen.md"]);
        assert_eq!(read(&target), payload);
        assert_eq!(mode(&target), 0o444, "the file lost its mode");
        // Anyone else is refused, though the folder is theirs to write.
        std::fs::write(&target, "keep me\n").expect("reset");
        if !can_run_as_nobody() {
            return;
        }
        let status = std::process::Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(env.home.path())
            .status()
            .expect("chown");
        assert!(status.success());
        chmod(env.project.path(), 0o777);
        let run = child::run_cmd(
            &env,
            child::wrapped(
                &env,
                &NOBODY,
                &["snapshot", "render", &id, "-o", "frozen.md"],
            ),
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stderr.contains("frozen.md"), "{}", run.stderr);
    } else {
        let run = child::run(&env, &["snapshot", "render", &id, "-o", "frozen.md"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stderr.contains("frozen.md"), "{}", run.stderr);
    }
    assert_eq!(read(&target), "keep me\n", "a read-only file was replaced");
    assert_eq!(mode(&target), 0o444);
    let leftovers: Vec<String> = names(env.project.path())
        .into_iter()
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_writable_output_in_a_read_only_folder_is_written_in_place() {
    let (env, payload, id) = store();
    let dir = env.path("locked");
    std::fs::create_dir(&dir).expect("mkdir");
    let target = env.write("locked/out.md", "old\n");
    chmod(&target, 0o666);
    chmod(&dir, 0o555);
    let run = if is_root() {
        if !can_run_as_nobody() {
            return;
        }
        let status = std::process::Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(env.home.path())
            .status()
            .expect("chown");
        assert!(status.success());
        chmod(env.project.path(), 0o755);
        child::run_cmd(
            &env,
            child::wrapped(
                &env,
                &NOBODY,
                &["snapshot", "render", &id, "-o", "locked/out.md"],
            ),
        )
    } else {
        child::run(&env, &["snapshot", "render", &id, "-o", "locked/out.md"])
    };
    chmod(&dir, 0o755);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read(&target), payload);
    assert_eq!(names(&dir), ["out.md"]);
}

const NOBODY: [&str; 4] = [
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
];

/// Whether this machine can run a command as `nobody`; says why not.
fn can_run_as_nobody() -> bool {
    let ok = std::process::Command::new(NOBODY[0])
        .args(&NOBODY[1..])
        .arg("true")
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: cannot run as nobody with `setpriv` (needs root)");
    }
    ok
}

#[test]
fn an_existing_output_keeps_its_owner() {
    if !is_root() {
        eprintln!("skipped: only root can give a file to another user");
        return;
    }
    let (env, payload, _) = store();
    let target = env.write("theirs.md", "old\n");
    chmod(&target, 0o640);
    let status = std::process::Command::new("chown")
        .arg("65534:65534")
        .arg(&target)
        .status()
        .expect("chown");
    assert!(status.success());
    child::ok(&env, &["render", "p", "-q", "-o", "theirs.md"]);
    let meta = std::fs::metadata(&target).expect("stat");
    assert_eq!(
        (meta.uid(), meta.gid()),
        (65534, 65534),
        "the owner changed"
    );
    assert_eq!(mode(&target), 0o640);
    assert_eq!(read(&target), payload);
}

#[test]
fn hard_links_stay_one_file() {
    let (env, payload, id) = store();
    let target = env.write("one.md", "old\n");
    let other = env.path("two.md");
    std::fs::hard_link(&target, &other).expect("hard link");
    let inode = std::fs::metadata(&target).expect("stat").ino();
    child::ok(&env, &["render", "p", "-q", "-o", "one.md"]);
    for path in [&target, &other] {
        let meta = std::fs::metadata(path).expect("stat");
        assert_eq!(meta.ino(), inode, "{} is another file now", path.display());
        assert_eq!(meta.nlink(), 2);
        assert_eq!(read(path), payload, "{}", path.display());
    }
    // A shorter payload leaves nothing of the longer one behind.
    std::fs::write(&target, "x".repeat(payload.len() * 3)).expect("grow");
    child::ok(&env, &["snapshot", "render", &id, "-o", "two.md"]);
    assert_eq!(read(&target), payload);
}

#[test]
fn a_symlink_is_written_through() {
    let (env, payload, id) = store();
    env.write("real/target.md", "old\n");
    chmod(&env.path("real/target.md"), 0o600);
    std::os::unix::fs::symlink("real/target.md", env.path("link.md")).expect("symlink");
    std::os::unix::fs::symlink("link.md", env.path("chain.md")).expect("symlink");
    child::ok(&env, &["render", "p", "-q", "-o", "link.md"]);
    assert!(
        std::fs::symlink_metadata(env.path("link.md"))
            .expect("stat")
            .is_symlink()
    );
    assert_eq!(read(&env.path("real/target.md")), payload);
    assert_eq!(mode(&env.path("real/target.md")), 0o600);
    std::fs::write(env.path("real/target.md"), "old\n").expect("reset");
    child::ok(&env, &["snapshot", "render", &id, "-o", "chain.md"]);
    for link in ["link.md", "chain.md"] {
        assert!(
            std::fs::symlink_metadata(env.path(link))
                .expect("stat")
                .is_symlink()
        );
    }
    assert_eq!(read(&env.path("real/target.md")), payload);
    assert!(
        names(&env.root()).iter().all(|n| !n.contains(".tmp")),
        "a temporary file was left in the link's folder"
    );
    // A link to a file that does not exist yet creates that file.
    std::os::unix::fs::symlink("real/new.md", env.path("new-link.md")).expect("symlink");
    child::ok(&env, &["render", "p", "-q", "-o", "new-link.md"]);
    assert!(
        std::fs::symlink_metadata(env.path("new-link.md"))
            .expect("stat")
            .is_symlink()
    );
    assert_eq!(read(&env.path("real/new.md")), payload);
    // A link to a device stays a link, and the device a device.
    std::os::unix::fs::symlink("/dev/null", env.path("null-link")).expect("symlink");
    child::ok(&env, &["render", "p", "-q", "-o", "null-link"]);
    assert!(
        std::fs::symlink_metadata(env.path("null-link"))
            .expect("stat")
            .is_symlink()
    );
    use std::os::unix::fs::FileTypeExt as _;
    assert!(
        std::fs::metadata("/dev/null")
            .expect("stat")
            .file_type()
            .is_char_device()
    );
}

#[test]
fn a_fifo_output_is_written_through() {
    let (env, payload, _) = store();
    let fifo = env.path("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read the fifo"))
    };
    child::ok(&env, &["render", "p", "-q", "-o", "pipe"]);
    assert_eq!(reader.join().expect("reader"), payload);
    use std::os::unix::fs::FileTypeExt as _;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .expect("stat")
            .file_type()
            .is_fifo()
    );
}

#[test]
fn a_long_file_name_works() {
    let (env, payload, id) = store();
    // 245 bytes: a valid name, 10 bytes short of the usual limit of 255.
    let name = format!("{}.md", "n".repeat(242));
    assert_eq!(name.len(), 245);
    child::ok(&env, &["render", "p", "-q", "-o", &name]);
    assert_eq!(read(&env.path(&name)), payload);
    child::ok(&env, &["snapshot", "render", &id, "-o", &name]);
    let bundle = format!("{}.ctx", "b".repeat(251));
    child::ok(&env, &["snapshot", "export", &id, &bundle]);
    assert!(env.path(&bundle).is_file());
    assert!(names(&env.root()).iter().all(|n| !n.contains(".tmp")));
}

#[test]
fn dash_is_stdout() {
    let (env, payload, id) = store();
    let run = child::ok(&env, &["render", "p", "-q", "-o", "-"]);
    assert_eq!(run.stdout, payload);
    let run = child::ok(&env, &["snapshot", "render", &id, "-o", "-"]);
    assert_eq!(run.stdout, payload);
    child::ok(&env, &["snapshot", "export", &id, "file.ctx"]);
    let out = env
        .command(&["snapshot", "export", &id, "-"])
        .stderr(Stdio::piped())
        .output()
        .expect("run ctx");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout,
        std::fs::read(env.path("file.ctx")).expect("read")
    );
    assert!(!env.path("-").exists(), "a file named `-` was written");
}

/// Runs `ctx args` with its stdout going to the file `out`.
fn run_into_file(env: &Env, args: &[&str], out: &Path) -> std::process::Output {
    let file = std::fs::File::create(out).expect("create the output file");
    env.command(args)
        .stdout(Stdio::from(file))
        .stderr(Stdio::piped())
        .output()
        .expect("run ctx")
}

#[test]
fn a_link_to_stdout_stays_a_link() {
    let (env, payload, id) = store();
    // What `/dev/stdout` is on Linux, in a folder of the test's own.
    std::fs::create_dir(env.path("dev")).expect("mkdir");
    std::os::unix::fs::symlink("/proc/self/fd/1", env.path("dev/stdout")).expect("symlink");
    let out = env.path("captured.md");
    let run = run_into_file(&env, &["render", "p", "-q", "-o", "dev/stdout"], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        std::fs::symlink_metadata(env.path("dev/stdout"))
            .expect("stat")
            .is_symlink(),
        "the link to stdout became a file"
    );
    assert_eq!(read(&out), payload);
    // Through a pipe.
    let piped = env
        .command(&["snapshot", "render", &id, "-o", "dev/stdout"])
        .output()
        .expect("run ctx");
    assert!(piped.status.success());
    assert_eq!(String::from_utf8_lossy(&piped.stdout), payload);
}

#[test]
fn dev_stdout_stays_a_link_for_root() {
    if !is_root() {
        eprintln!("skipped: only root may replace `/dev/stdout`");
        return;
    }
    let dev_stdout = Path::new("/dev/stdout");
    if !std::fs::symlink_metadata(dev_stdout).is_ok_and(|m| m.is_symlink()) {
        eprintln!("skipped: `/dev/stdout` is not a symlink here");
        return;
    }
    let target = std::fs::read_link(dev_stdout).expect("readlink /dev/stdout");
    let (env, payload, _) = store();
    let out = env.path("captured.md");
    let run = run_into_file(&env, &["render", "p", "-q", "-o", "/dev/stdout"], &out);
    let still_a_link = std::fs::symlink_metadata(dev_stdout).is_ok_and(|m| m.is_symlink());
    if !still_a_link {
        // Put the machine back before failing.
        let _ = std::fs::remove_file(dev_stdout);
        std::os::unix::fs::symlink(&target, dev_stdout).expect("restore /dev/stdout");
    }
    assert!(still_a_link, "`/dev/stdout` became a regular file");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(read(&out), payload);
}
