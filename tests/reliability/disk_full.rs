//! Case 3: a full disk. The home is a tmpfs of 512 KiB; adds go on until
//! one fails. It must fail with one clear error line naming the cause and a
//! hint, write no part of its event and leave fsck clean; once the tmpfs
//! grows, the next add works. Output that cannot be written (`> /dev/full`)
//! is an error too, while a reader that stops early (`| head -1`) is not.

use std::process::Stdio;

use crate::child;
use crate::common::Env;
use crate::support::Rng;

/// A tmpfs mounted over a folder, unmounted when dropped (also when the
/// case fails), so no mount outlives the test.
pub struct Tmpfs {
    dir: std::path::PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs with `options` over `dir`, or says why it cannot.
    pub fn mount(dir: &std::path::Path, options: &str) -> Result<Self, String> {
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run `mount`: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`mount -t tmpfs` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// Changes the mount's options (`size=8m`, `ro`).
    pub fn remount(&self, options: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.dir)
            .status()
            .expect("run mount");
        assert!(status.success(), "remount {options} failed");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = std::process::Command::new("umount")
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            // Busy (a ctx still running after a failure): detach it anyway.
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(&self.dir)
                .status();
        }
    }
}

/// Seeded text that no other file shares, so every add stores a new blob.
fn text(rng: &mut Rng, len: usize) -> String {
    (0..len)
        .map(|i| {
            if i % 61 == 60 {
                '\n'
            } else {
                char::from(b'a' + rng.below(26) as u8)
            }
        })
        .collect()
}

#[test]
fn a_full_disk_fails_cleanly_and_the_next_add_works_once_there_is_room() {
    let env = Env::new();
    let tmpfs = match Tmpfs::mount(env.home.path(), "size=512k") {
        Ok(tmpfs) => tmpfs,
        Err(why) => {
            eprintln!("skipped: {why} (needs root and tmpfs)");
            return;
        }
    };
    let mut rng = Rng::new(0xd15c_f011);
    child::ok(&env, &["pack", "create", "p"]);
    let mut added = 0;
    let full = loop {
        assert!(added < 200, "512 KiB never filled up after {added} adds");
        let file = format!("f{added}.txt");
        env.write(&file, text(&mut rng, 20_000));
        let before = child::events(&env, "before an add");
        let run = child::run(&env, &["pack", "add", "p", &file]);
        if run.code == 0 {
            added += 1;
            continue;
        }
        // Nothing of the failed add may be in the log or the tables.
        let after = child::events(&env, "after the failed add");
        assert_eq!(after, before, "the failed add changed the log");
        child::assert_fsck_clean(&env, "after the disk filled up");
        break run;
    };
    assert!(added > 0, "the first add already failed: {}", full.stderr);
    assert_eq!(full.code, 1, "{}", full.stderr);
    assert!(full.stdout.is_empty(), "{}", full.stdout);
    let lines: Vec<&str> = full.stderr.lines().collect();
    assert!(
        lines.len() == 2
            && lines[0].starts_with("error: ")
            && lines[0].contains("no space left on device")
            && lines[1].starts_with("hint: ")
            && lines[1].contains("free some space"),
        "not one clear error and a hint:\n{}",
        full.stderr
    );
    // Still full: the same again, still clean.
    let file = format!("f{added}.txt");
    let again = child::run(&env, &["pack", "add", "p", &file]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert_eq!(again.stderr, full.stderr);
    child::assert_fsck_clean(&env, "after a second add on the full disk");

    tmpfs.remount("size=8m");
    let before = child::events(&env, "after growing the disk").len();
    child::ok(&env, &["pack", "add", "p", &file]);
    let after = child::events(&env, "after the add that fits");
    assert_eq!(after.len(), before + 1);
    assert_eq!(after[before]["spec"], file.as_str());
    child::assert_fsck_clean(&env, "after the add that fits");
    eprintln!("disk full: {added} adds of 20 kB fitted in 512 KiB");
}

#[test]
fn output_to_a_full_device_is_an_error() {
    let env = child::in_memory();
    child::ok(&env, &["pack", "create", "p"]);
    child::ok(&env, &["pack", "add", "p", "text:one note"]);
    for args in [&["log"][..], &["log", "--json"], &["pack", "list"]] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("open /dev/full");
        let out = child::finish(
            env.command(args)
                .stdout(Stdio::from(full))
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn ctx"),
            child::LIMIT,
            "ctx writing to /dev/full",
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "ctx {args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: cannot write the output: ")
                && stderr.contains("No space left on device"),
            "ctx {args:?}: {stderr}"
        );
    }
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let env = child::in_memory();
    let mut rng = Rng::new(0x4ead);
    child::ok(&env, &["pack", "create", "p"]);
    // Far more log than a pipe holds, so ctx is still writing when `head`
    // goes away.
    for _ in 0..48 {
        let note = format!("text:{}", text(&mut rng, 3000).replace('\n', " "));
        child::ok(&env, &["pack", "add", "p", &note]);
    }
    // The JSON log holds each note whole (a table line cuts it short).
    let log = child::ok(&env, &["log", "--json"]);
    assert!(log.stdout.len() > 128 * 1024, "{}", log.stdout.len());
    let run = child::run_cmd(
        &env,
        child::wrapped(
            &env,
            &["bash", "-c", "set -o pipefail; \"$0\" \"$@\" | head -1"],
            &["log", "--json"],
        ),
    );
    assert_eq!(run.code, 0, "`ctx log | head -1` failed: {}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
}

#[test]
fn a_store_created_on_a_full_disk_works_once_there_is_room() {
    let env = Env::new();
    let _tmpfs = match Tmpfs::mount(env.home.path(), "size=512k") {
        Ok(tmpfs) => tmpfs,
        Err(why) => {
            eprintln!("skipped: {why} (needs root and tmpfs)");
            return;
        }
    };
    // Fill the disk to the last block before ctx ever runs.
    let filler = env.home.path().join("filler");
    let _ = std::fs::write(&filler, vec![1u8; 1024 * 1024]);
    let run = child::run(&env, &["pack", "create", "p"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no space left on device"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(&filler).expect("free the space");
    // The file the failed creation left must not stand in the way.
    assert_eq!(child::events(&env, "after freeing space").len(), 0);
    child::ok(&env, &["pack", "create", "p"]);
    assert_eq!(child::events(&env, "after the create").len(), 1);
    child::assert_fsck_clean(&env, "after the create");
}
