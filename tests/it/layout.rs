//! The libraries never print, exit, or read argv or the environment: only
//! the binary (`crates/ctx`) talks to the terminal and the process. Clippy
//! denies printing and exiting in each library; this test also catches
//! reading the environment or the arguments, which no lint covers. Unit
//! tests (`mod tests` at the end of a file) are not checked.

use std::path::{Path, PathBuf};

/// Library crates, which must stay free of process and terminal access.
const LIBRARIES: [&str; 5] = [
    "ctx-model",
    "ctx-store",
    "ctx-redact",
    "ctx-outline",
    "ctx-engine",
];

/// What a library must not contain, outside comments.
const FORBIDDEN: [&str; 10] = [
    "std::env::",
    "env::var",
    "env::args",
    "current_dir(",
    "println!",
    "eprintln!",
    "print!(",
    "eprint!(",
    "process::exit",
    "dbg!(",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read a source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn libraries_never_touch_the_terminal_or_the_environment() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut checked = 0;
    for library in LIBRARIES {
        let mut files = Vec::new();
        rust_files(&crates.join(library).join("src"), &mut files);
        assert!(!files.is_empty(), "no sources found for {library}");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read a source file");
            // Unit tests (the `mod tests` that ends a file) may print and
            // hold any text.
            let lines: Vec<&str> = text.lines().collect();
            let end = lines
                .windows(2)
                .position(|w| w[0].trim() == "#[cfg(test)]" && w[1].trim() == "mod tests {")
                .unwrap_or(lines.len());
            for (n, line) in lines[..end].iter().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                for word in FORBIDDEN {
                    assert!(
                        !code.contains(word),
                        "{}:{}: a library uses `{word}`: {line}",
                        file.display(),
                        n + 1
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} library files were checked");
}
