//! `ctx completions SHELL` and `ctx man`: every generator runs, and the bash
//! script, sourced in a clean bash, completes subcommands statically and
//! pack names from the store through the `ctx __complete` hook.

use std::path::Path;
use std::process::Command;

use crate::common::Env;

#[test]
fn every_shell_gets_a_script() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = env.ok(&["completions", shell]);
        assert!(run.stdout.contains("render"), "{shell}: {}", run.stdout);
        assert!(run.stderr.is_empty(), "{shell}: {}", run.stderr);
        // The hook is no command of its own: no script offers it.
        let hooked = run.stdout.matches("__complete").count();
        let expected = match shell {
            "bash" | "zsh" | "fish" => 1,
            _ => 0,
        };
        assert_eq!(hooked, expected, "{shell}:\n{}", run.stdout);
    }
    let zsh = env.ok(&["completions", "zsh"]).stdout;
    assert!(
        zsh.trim_end().ends_with("    compdef _ctx_dynamic ctx\nfi"),
        "the zsh dispatch no longer goes through the hook:\n{zsh}"
    );
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let env = Env::new();
    let run = env.run(&["completions", "tcsh"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn the_man_page_is_roff() {
    let env = Env::new();
    let page = env.ok(&["man"]).stdout;
    assert!(page.contains(".TH ctx 1"), "{page}");
    assert!(page.contains(".SH SYNOPSIS"), "{page}");
    for command in ["pack", "render", "snapshot", "completions", "man"] {
        assert!(page.contains(command), "{command} missing:\n{page}");
    }
    assert!(!page.contains("__complete"));
}

#[test]
fn the_hook_answers_only_where_a_pack_or_snapshot_goes() {
    let env = Env::new();
    env.ok(&["pack", "create", "demo"]);
    env.ok(&["pack", "create", "docs"]);
    let hook = |words: &[&str]| {
        let mut args = vec!["__complete", "--"];
        args.extend(words);
        env.run(&args)
    };
    let run = hook(&["ctx", "render", ""]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "demo\ndocs\n"));
    let run = hook(&["ctx", "pack", "show", "d"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "demo\ndocs\n"));
    let run = hook(&["ctx", "pa"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    // A store that cannot be read gives no candidates and says nothing.
    let run = hook(&["ctx", "--home", "/nonexistent/ctx-home", "render", ""]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );
    env.write("a.md", "# A\n");
    env.ok(&["pack", "add", "demo", "a.md"]);
    let id = env.ok(&["snapshot", "create", "demo", "--json"]).json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let run = hook(&["ctx", "snapshot", "show", ""]);
    assert_eq!(run.stdout, format!("{id}\n"));
}

/// Sources the bash script in `bash --norc` and runs its completion
/// function on `line` (the last word is the one completed), printing
/// COMPREPLY one per line.
fn complete_in_bash(env: &Env, script: &Path, line: &[&str]) -> Vec<String> {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_ctx"))
        .parent()
        .expect("binary folder");
    let words: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}' || exit 9\n\
         COMP_WORDS=({})\n\
         COMP_CWORD={}\n\
         COMP_LINE=\"${{COMP_WORDS[*]}}\"\n\
         COMP_POINT=${{#COMP_LINE}}\n\
         _ctx_dynamic ctx \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        words.join(" "),
        line.len() - 1,
    );
    let output = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .current_dir(env.project.path())
        .env_clear()
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("CTX_HOME", env.home.path())
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "bash failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "bash said: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_commands_and_pack_names() {
    let env = Env::new();
    env.ok(&["pack", "create", "demo"]);
    env.ok(&["pack", "create", "other"]);
    let script = env.home.path().join("ctx.bash");
    std::fs::write(&script, env.ok(&["completions", "bash"]).stdout).expect("write script");
    assert_eq!(complete_in_bash(&env, &script, &["ctx", "pa"]), ["pack"]);
    assert_eq!(
        complete_in_bash(&env, &script, &["ctx", "render", ""]),
        ["demo", "other"]
    );
    assert_eq!(
        complete_in_bash(&env, &script, &["ctx", "render", "demo", "o"]),
        ["other"]
    );
    // bash splits `--pack=` at `=`.
    assert_eq!(
        complete_in_bash(&env, &script, &["ctx", "undo", "--pack", "="]),
        ["demo", "other"]
    );
    assert_eq!(
        complete_in_bash(&env, &script, &["ctx", "undo", "--pack", "=", "o"]),
        ["other"]
    );
    // Where no pack goes, clap's static completion answers.
    let flags = complete_in_bash(&env, &script, &["ctx", "render", "--fo"]);
    assert_eq!(flags, ["--format"]);
}

/// Whether `shell` can be run here; the zsh and fish checks skip where it
/// cannot (bash is everywhere the suite runs).
fn have(shell: &str) -> bool {
    Command::new(shell)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn fish_completes_pack_names_and_zsh_parses_its_script() {
    let env = Env::new();
    env.ok(&["pack", "create", "demo"]);
    env.ok(&["pack", "create", "other"]);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_ctx"))
        .parent()
        .expect("binary folder");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    if have("fish") {
        let script = env.home.path().join("ctx.fish");
        std::fs::write(&script, env.ok(&["completions", "fish"]).stdout).expect("write script");
        let program = format!(
            "source '{}'; complete -C 'ctx render '; complete -C 'ctx pack show o'",
            script.display()
        );
        let output = Command::new("fish")
            .args(["--no-config", "-c", &program])
            .env_clear()
            .env("PATH", &path)
            .env("CTX_HOME", env.home.path())
            .output()
            .expect("fish runs");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            "demo\nother\nother\n",
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    if have("zsh") {
        let script = env.home.path().join("_ctx");
        std::fs::write(&script, env.ok(&["completions", "zsh"]).stdout).expect("write script");
        let output = Command::new("zsh")
            .arg("-n")
            .arg(&script)
            .output()
            .expect("zsh runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
