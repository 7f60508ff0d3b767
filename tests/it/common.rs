//! A temporary home and project folder, and a way to run `ctx` in them with
//! a fixed clock and user so output is the same on every machine.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The fixed clock: 2026-11-28T06:49:21Z.
pub const NOW: &str = "1795848561";

pub struct Env {
    pub home: tempfile::TempDir,
    pub project: tempfile::TempDir,
}

/// What one run of ctx did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout parsed as one JSON document.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl Env {
    pub fn new() -> Self {
        Self {
            home: tempfile::tempdir().expect("temp home"),
            project: tempfile::tempdir().expect("temp project"),
        }
    }

    /// The project folder, canonical (temp dirs may sit behind a symlink).
    pub fn root(&self) -> PathBuf {
        std::fs::canonicalize(self.project.path()).expect("canonical project")
    }

    /// Writes a file under the project, creating folders.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.project.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, contents).expect("write");
        path
    }

    /// A `ctx` command in the project folder with the test home, clock and user.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ctx"));
        cmd.args(args)
            .current_dir(self.project.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("CTX_HOME", self.home.path())
            // A config file that does not exist: a developer's own never leaks in.
            .env("CTX_CONFIG", self.home.path().join("config.toml"))
            .env("CTX_NOW", NOW)
            .env("CTX_USER", "tester");
        cmd
    }

    /// Runs ctx and collects its exit code and output.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().expect("ctx runs");
        self.collect(output)
    }

    /// Runs ctx and fails the test unless it exits 0.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(run.code, 0, "ctx {args:?} failed:\n{}", run.stderr);
        run
    }

    /// Runs a prepared ctx command (another clock, another folder) and fails
    /// the test unless it exits 0.
    pub fn ok_cmd(&self, mut cmd: Command) -> Run {
        let run = self.collect(cmd.output().expect("ctx runs"));
        assert_eq!(run.code, 0, "{cmd:?} failed:\n{}", run.stderr);
        run
    }

    fn collect(&self, output: Output) -> Run {
        let clean = |bytes: &[u8]| self.scrub(&String::from_utf8_lossy(bytes));
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: clean(&output.stdout),
            stderr: clean(&output.stderr),
        }
    }

    /// Replaces machine paths with placeholders.
    pub fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (path, name) in [
            (self.root(), "[PROJECT]"),
            (self.project.path().to_owned(), "[PROJECT]"),
            (self.home.path().to_owned(), "[HOME]"),
        ] {
            text = text.replace(path.to_str().expect("utf-8 temp path"), name);
        }
        text
    }

    /// A run laid out for a snapshot: the exit code, then both streams.
    pub fn snap(&self, args: &[&str]) -> String {
        let run = self.run(args);
        format!(
            "$ ctx {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
            args.join(" "),
            run.code,
            run.stdout,
            run.stderr
        )
    }

    /// The number of events in the log.
    pub fn event_count(&self) -> usize {
        let run = self.ok(&["log", "--json"]);
        run.json()["events"].as_array().expect("events").len()
    }

    /// Runs ctx with its stdout closed at once, as `ctx ... | head -0`
    /// would, and checks that it ends quietly with exit code 0.
    pub fn assert_closed_stdout_is_quiet(&self, args: &[&str]) {
        let mut child = self
            .command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(stderr.is_empty(), "{stderr}");
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.project.path().join(rel)
    }
}

/// The `path` of every entry of a JSON array, such as a collection's files.
pub fn paths(list: &serde_json::Value) -> Vec<&str> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|f| f["path"].as_str().expect("path"))
        .collect()
}
