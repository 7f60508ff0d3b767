//! Many processes writing one store at once: every write lands, the log
//! stays gapless. redb lets one process hold the file at a time; the others
//! wait with backoff, so each command must hold it only briefly.

use std::process::Stdio;

use crate::common::Env;

#[test]
fn eight_writers_each_adding_25_files() {
    const WRITERS: usize = 8;
    const FILES: usize = 25;
    let env = Env::new();
    for w in 0..WRITERS {
        for f in 0..FILES {
            env.write(&format!("w{w}/f{f}.txt"), format!("writer {w} file {f}\n"));
        }
    }
    env.ok(&["pack", "create", "shared"]);
    let script = |w: usize| {
        (0..FILES)
            .map(|f| format!("\"$CTX\" pack add shared w{w}/f{f}.txt || exit $?"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let children: Vec<_> = (0..WRITERS)
        .map(|w| {
            std::process::Command::new("sh")
                .arg("-c")
                .arg(script(w))
                .env("CTX", env!("CARGO_BIN_EXE_ctx"))
                .env("CTX_HOME", env.home.path())
                .current_dir(env.project.path())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn writer")
        })
        .collect();
    for (w, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().expect("writer ends");
        assert!(
            out.status.success(),
            "writer {w} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let show = env.ok(&["pack", "show", "shared", "--json"]).json();
    assert_eq!(
        show["items"].as_array().expect("items").len(),
        WRITERS * FILES
    );
    let log = env.ok(&["log", "--json"]).json();
    let mut seqs: Vec<u64> = log["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["seq"].as_u64().expect("seq"))
        .collect();
    seqs.reverse();
    assert_eq!(seqs, (1..=(WRITERS * FILES + 1) as u64).collect::<Vec<_>>());
}
