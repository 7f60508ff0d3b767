//! The redaction corpus: measures what `ctx-redact` catches and what it
//! leaves alone, prints the numbers, and fails below the targets.
//!
//! - Positives (`positives.txt`): one or more templates per rule; secrets
//!   are generated from a seeded generator at test time, so no
//!   secret-shaped string is committed. Each is redacted standing alone, in
//!   contexts with no secret-sounding name (`alone.txt`), and beside a name
//!   in some forty assignment syntaxes (`syntaxes.txt`), with
//!   `values.txt` adding credentials that have no prefix at all.
//! - Negatives: placeholders, masks and look-alikes (`placeholders.txt`,
//!   one per line) and files of real-looking code in several languages,
//!   lock files and a minified bundle (`code/`), each passed with its path.
//!
//! A positive counts as caught when no part of its secret of eight or more
//! bytes is left in the output; it counts as exact when the output is the
//! input with the secret, and nothing else, replaced by one marker. Every
//! redaction must be exact: a find never takes text outside its secret.

mod generate;

use std::path::Path;

use ctx_redact::{redact, redact_file};
use generate::{Rng, Template};

/// Recall beside a secret-sounding name, in percent.
const RECALL_NAMED: f64 = 98.0;
/// Recall of prefixed credentials standing alone, in percent.
const RECALL_ALONE: f64 = 95.0;
/// The most placeholders and look-alikes that may be changed, in percent.
const PLACEHOLDERS_CHANGED: f64 = 5.0;
/// The most false redactions per 1,000 files of real code.
const FALSE_PER_1000_FILES: f64 = 0.3;

fn corpus(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/redact")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The non-comment lines of a corpus file, with `\n` standing for a newline.
fn lines(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.replace("\\n", "\n").replace("\\\\N", "\\n"))
}

/// The positive templates, by rule id.
fn positives() -> Vec<(String, Template)> {
    lines(&corpus("positives.txt"))
        .map(|line| {
            let (id, template) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("no tab in {line:?}"));
            (id.to_owned(), Template::parse(template))
        })
        .collect()
}

/// The outcome of redacting one positive.
#[derive(Default)]
struct Tally {
    total: usize,
    caught: usize,
    exact: usize,
    missed: Vec<String>,
    inexact: Vec<String>,
}

impl Tally {
    /// Redacts `input`, whose secret is `secret` at `at`.
    fn check(&mut self, label: &str, input: &str, secret: &str, at: usize) {
        self.total += 1;
        let (out, _) = redact(input);
        // The output is a fixed point.
        let (again, more) = redact(&out);
        assert!(
            more.is_empty() && again == out,
            "{label}: not a fixed point: {out:?} -> {again:?}"
        );
        // What is left of the secret: any eight bytes of it outside markers
        // that the text around it does not hold as well.
        let visible = strip_markers(&out);
        let context = format!("{}\u{0}{}", &input[..at], &input[at + secret.len()..]);
        let window = 8.min(secret.len());
        let holds = |hay: &str, w: &[u8]| hay.as_bytes().windows(window).any(|o| o == w);
        let leaked = secret
            .as_bytes()
            .windows(window)
            .any(|w| holds(&visible, w) && !holds(&context, w));
        if leaked {
            self.missed.push(format!("{label}: {input:?} -> {out:?}"));
            return;
        }
        self.caught += 1;
        let (before, after) = (&input[..at], &input[at + secret.len()..]);
        let exact = out
            .strip_prefix(before)
            .and_then(|rest| rest.strip_suffix(after))
            .is_some_and(|marker| {
                marker.starts_with("[REDACTED:")
                    && marker.ends_with(']')
                    && !marker[1..].contains('[')
            });
        if exact {
            self.exact += 1;
        } else {
            self.inexact.push(format!("{label}: {input:?} -> {out:?}"));
        }
    }

    fn percent(&self) -> f64 {
        100.0 * self.caught as f64 / self.total.max(1) as f64
    }

    fn report(&self, what: &str) {
        println!(
            "{what}: {} of {} caught ({:.1}%), {} exact",
            self.caught,
            self.total,
            self.percent(),
            self.exact
        );
        for miss in self.missed.iter().take(40) {
            println!("  missed {miss}");
        }
        for inexact in self.inexact.iter().take(40) {
            println!("  inexact {inexact}");
        }
    }
}

/// `text` without its markers.
fn strip_markers(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("[REDACTED:") {
        out.push_str(&rest[..at]);
        match rest[at..].find(']') {
            Some(end) => rest = &rest[at + end + 1..],
            None => {
                rest = &rest[at..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A name for a secret of `provider`, varied by `i`: `stripeToken`,
/// `STRIPE_API_KEY`, `stripe_secret` and so on.
fn name_for(provider: &str, i: usize, upper: bool) -> String {
    const WORDS: [&str; 8] = [
        "Token",
        "ApiKey",
        "Secret",
        "AccessToken",
        "Password",
        "AuthToken",
        "Key",
        "Credentials",
    ];
    let word = WORDS[i % WORDS.len()];
    if upper {
        let mut snake = String::new();
        for c in word.chars() {
            if c.is_ascii_uppercase() {
                snake.push('_');
            }
            snake.push(c.to_ascii_uppercase());
        }
        format!("{}{snake}", provider.to_ascii_uppercase())
    } else {
        format!("{provider}{word}")
    }
}

/// Fills a syntax template: `{name}`, `{NAME}`, `{secret}`; returns the
/// text and where the secret is.
fn fill(syntax: &str, name: &str, upper_name: &str, secret: &str) -> (String, usize) {
    let filled = syntax.replace("{name}", name).replace("{NAME}", upper_name);
    let at = filled
        .find("{secret}")
        .expect("every syntax has a {secret}");
    (filled.replacen("{secret}", secret, 1), at)
}

#[test]
fn every_rule_has_a_positive() {
    let positives = positives();
    for (id, _) in ctx_redact::rules() {
        assert!(
            positives.iter().any(|(p, _)| p == id),
            "rule {id} has no positive in positives.txt"
        );
    }
    for (id, _) in &positives {
        assert!(
            ctx_redact::rules().any(|(r, _)| r == id),
            "positives.txt names no rule {id}"
        );
    }
}

#[test]
fn positives_are_caught_standing_alone_and_beside_names() {
    let positives = positives();
    let syntaxes: Vec<String> = lines(&corpus("syntaxes.txt")).collect();
    let alone: Vec<String> = lines(&corpus("alone.txt")).collect();
    let values: Vec<Template> = lines(&corpus("values.txt"))
        .map(|l| Template::parse(&l))
        .collect();
    let mut rng = Rng::new(0x5EED_C7C5);

    // Each template as written, and named by its own rule's kind.
    let mut bare = Tally::default();
    let mut wrong_kind = Vec::new();
    for (id, template) in &positives {
        for _ in 0..3 {
            let (text, secret, at) = template.generate(&mut rng);
            bare.check(id, &text, &secret, at);
            let want = ctx_redact::rules().find(|(r, _)| r == id).map(|(_, k)| k);
            let (_, counts) = redact(&text);
            if !counts.iter().any(|&(k, _)| Some(k) == want) {
                wrong_kind.push(format!("{id}: {counts:?} for {text:?}"));
            }
        }
    }
    bare.report("positives as written");
    for w in &wrong_kind {
        println!("  kind {w}");
    }

    // Single-line secrets without context: standing alone and beside names.
    let mut standing_alone = Tally::default();
    let mut named = Tally::default();
    let mut index = 0;
    for (id, template) in &positives {
        if template.is_multiline() {
            continue;
        }
        let provider = id.split('-').next().unwrap_or(id);
        for syntax in &syntaxes {
            index += 1;
            let (_, secret, _) = template.generate(&mut rng);
            let (text, at) = fill(
                syntax,
                &name_for(provider, index, false),
                &name_for(provider, index, true),
                &secret,
            );
            named.check(&format!("{id} in {syntax:?}"), &text, &secret, at);
        }
        if template.has_context() {
            continue;
        }
        for context in &alone {
            let (_, secret, _) = template.generate(&mut rng);
            let (text, at) = fill(context, "x", "X", &secret);
            standing_alone.check(&format!("{id} in {context:?}"), &text, &secret, at);
        }
    }
    for (i, template) in values.iter().enumerate() {
        for syntax in &syntaxes {
            index += 1;
            let (_, secret, _) = template.generate(&mut rng);
            let provider = ["vendor", "acme", "billing", "db", "service"][(i + index) % 5];
            let (text, at) = fill(
                syntax,
                &name_for(provider, index, false),
                &name_for(provider, index, true),
                &secret,
            );
            named.check(&format!("value {i} in {syntax:?}"), &text, &secret, at);
        }
    }
    standing_alone.report("prefixed credentials standing alone");
    named.report("credentials beside a secret-sounding name");

    let mut failures = Vec::new();
    if bare.caught != bare.total {
        failures.push(format!(
            "{} positives as written were missed",
            bare.total - bare.caught
        ));
    }
    if !wrong_kind.is_empty() {
        failures.push(format!(
            "{} positives were not named by their rule's kind",
            wrong_kind.len()
        ));
    }
    if standing_alone.percent() < RECALL_ALONE {
        failures.push(format!(
            "recall standing alone {:.1}% < {RECALL_ALONE}%",
            standing_alone.percent()
        ));
    }
    if named.percent() < RECALL_NAMED {
        failures.push(format!(
            "recall beside a name {:.1}% < {RECALL_NAMED}%",
            named.percent()
        ));
    }
    for tally in [&bare, &standing_alone, &named] {
        if !tally.inexact.is_empty() {
            failures.push(format!(
                "{} redactions took text outside their secret",
                tally.inexact.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn placeholders_and_lookalikes_are_left_alone() {
    let examples: Vec<String> = lines(&corpus("placeholders.txt")).collect();
    let changed: Vec<String> = examples
        .iter()
        .filter_map(|e| {
            let (out, _) = redact(e);
            (out != e.as_str()).then(|| format!("{e:?} -> {out:?}"))
        })
        .collect();
    let percent = 100.0 * changed.len() as f64 / examples.len().max(1) as f64;
    println!(
        "placeholders and look-alikes: {} of {} changed ({percent:.1}%)",
        changed.len(),
        examples.len()
    );
    for c in &changed {
        println!("  changed {c}");
    }
    assert!(
        percent <= PLACEHOLDERS_CHANGED,
        "{percent:.1}% > {PLACEHOLDERS_CHANGED}%"
    );
}

/// The files of `dir`, recursively, with their paths relative to it.
fn files(dir: &Path, out: &mut Vec<(String, String)>, root: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out, root);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            out.push((relative, text));
        }
    }
}

/// Every redaction in the files, each as `path: line`.
fn false_redactions(files: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (path, text) in files {
        let (out, counts) = redact_file(path, text);
        if counts.is_empty() {
            continue;
        }
        for line in out.lines().filter(|l| l.contains("[REDACTED:")) {
            let line: String = line.chars().take(160).collect();
            found.push(format!("{path}: {}", line.trim()));
        }
    }
    found
}

#[test]
fn real_code_is_left_alone() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/redact/code");
    let mut all = Vec::new();
    files(&root, &mut all, &root);
    assert!(all.len() >= 30, "only {} code samples", all.len());
    let found = false_redactions(&all);
    let per_1000 = 1000.0 * found.len() as f64 / all.len() as f64;
    println!(
        "real code: {} false redactions in {} files ({per_1000:.2} per 1,000 files)",
        found.len(),
        all.len()
    );
    for f in &found {
        println!("  false {f}");
    }
    assert!(
        per_1000 <= FALSE_PER_1000_FILES,
        "{per_1000:.2} false redactions per 1,000 files"
    );
}

/// Source files of the crates on this machine, if there are any: a larger
/// sample of real code, read at test time only. Run with `--ignored`.
#[test]
#[ignore = "reads ~/.cargo/registry/src; run by hand for a larger sample"]
fn registry_sources_are_left_alone() {
    let Some(home) = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
    else {
        return;
    };
    let mut all = Vec::new();
    let src = home.join("registry/src");
    files(&src, &mut all, &src);
    let found = false_redactions(&all);
    println!(
        "registry sources: {} redactions in {} files ({:.2} per 1,000 files)",
        found.len(),
        all.len(),
        1000.0 * found.len() as f64 / all.len().max(1) as f64
    );
    for f in &found {
        println!("  {f}");
    }
}
