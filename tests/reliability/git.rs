//! A repository can make ctx run no command: every key of its configuration
//! or attributes that names a program is planted, `pack add git:diff` and
//! `render` run, and nothing may have run; the diff must still be right.
//! The user's global configuration must not change the diff's bytes either.

use std::path::Path;
use std::process::Command;

use crate::common::Env;

/// `git` in the project, with a fixed identity and no user configuration.
fn git(env: &Env, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(env.project.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A repository with one committed file and one change to it.
fn repository() -> Env {
    let env = Env::new();
    env.write("a.txt", "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n");
    git(&env, &["init", "-q", "."]);
    git(&env, &["add", "a.txt"]);
    git(&env, &["commit", "-qm", "first"]);
    env.write("a.txt", "one\ntwo\nthree\nFOUR\nfive\nsix\nseven\neight\n");
    env
}

/// A shell command that leaves a file named `what` in `marks` if it runs,
/// and passes its input through (for filters and textconv).
fn marker(marks: &Path, what: &str) -> String {
    format!("touch '{}'; cat", marks.join(what).display())
}

#[test]
fn no_key_of_a_repository_makes_git_diff_run_a_program() {
    let env = repository();
    let marks = tempfile::tempdir().expect("marks");
    let m = |what| marker(marks.path(), what);
    let planted = [
        ("core.fsmonitor", m("fsmonitor")),
        ("core.pager", m("pager")),
        ("pager.diff", m("pager-diff")),
        (
            "core.hooksPath",
            marks.path().join("hooks").display().to_string(),
        ),
        ("diff.external", m("external")),
        ("diff.evil.command", m("diff-command")),
        ("diff.evil.textconv", m("textconv")),
        ("filter.evil.clean", m("clean")),
        ("filter.evil.smudge", m("smudge")),
        ("filter.evil.process", m("process")),
        ("filter.evil.required", "true".into()),
        ("gpg.program", m("gpg")),
        ("core.alternateRefsCommand", m("alternate-refs")),
        ("filter.with=equals.clean", m("clean-equals")),
    ];
    for (key, value) in &planted {
        git(&env, &["config", key, value]);
    }
    env.write(
        ".gitattributes",
        "* filter=evil diff=evil\n*.txt filter=with=equals\n",
    );
    env.ok(&["pack", "create", "p"]);
    let added = env.ok(&["pack", "add", "p", "git:diff", "--json"]);
    env.ok(&["render", "p"]);
    env.ok(&["render", "p", "--format", "json"]);
    let ran: Vec<String> = std::fs::read_dir(marks.path())
        .expect("marks")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(ran.is_empty(), "the repository made ctx run: {ran:?}");
    let show = env.ok(&["render", "p", "--frozen"]);
    assert!(
        show.stdout.contains("-four\n+FOUR\n") && show.stdout.contains("--- a/a.txt\n"),
        "the diff is wrong:\n{}\n{}",
        added.stdout,
        show.stdout
    );
}

#[test]
fn the_users_git_configuration_does_not_change_the_diff() {
    let env = repository();
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "git:diff"]);
    let plain = env.ok(&["render", "p"]).stdout;
    let home = tempfile::tempdir().expect("home");
    std::fs::write(
        home.path().join(".gitconfig"),
        "[diff]\n\tnoprefix = true\n\tcontext = 1\n\tmnemonicPrefix = true\n[color]\n\tui = always\n",
    )
    .expect("gitconfig");
    let mut cmd = env.command(&["render", "p"]);
    cmd.env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("GIT_CONFIG_COUNT", "1")
        .env("GIT_CONFIG_KEY_0", "diff.context")
        .env("GIT_CONFIG_VALUE_0", "0");
    let mine = env.ok_cmd(cmd).stdout;
    assert_eq!(mine, plain, "the user's git configuration changed the diff");
    assert!(plain.contains("@@ -1,7 +1,7 @@"), "{plain}");
}
