//! Properties every outline keeps, on the fixtures perturbed at random:
//! lines deleted, and bytes that matter to parsers inserted.

use ctx_outline::{Elision, Language, Outline, outline};
use proptest::prelude::*;

const FIXTURES: [(Language, &str); 9] = [
    (Language::Rust, include_str!("fixtures/sample.rs")),
    (Language::Python, include_str!("fixtures/sample.py")),
    (Language::JavaScript, include_str!("fixtures/sample.js")),
    (Language::TypeScript, include_str!("fixtures/sample.ts")),
    (Language::Tsx, include_str!("fixtures/sample.tsx")),
    (Language::Go, include_str!("fixtures/sample.go")),
    (Language::Java, include_str!("fixtures/Sample.java")),
    (Language::C, include_str!("fixtures/sample.c")),
    (Language::Cpp, include_str!("fixtures/sample.cpp")),
];

/// Fragments that open, close or quote things, and text that is not ASCII.
const INSERTS: [&str; 16] = [
    "{",
    "}",
    "(",
    ")",
    "\"",
    "'",
    "`",
    "/*",
    "*/",
    "\n",
    "\r\n",
    ":",
    "def f():\n",
    "é—💥",
    "\\",
    "fn x() {\n",
];

#[derive(Debug, Clone)]
enum Edit {
    DeleteLine(usize),
    Insert(usize, usize),
    CrLf,
    DropFinalNewline,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => any::<usize>().prop_map(Edit::DeleteLine),
        3 => (any::<usize>(), 0..INSERTS.len()).prop_map(|(at, i)| Edit::Insert(at, i)),
        1 => Just(Edit::CrLf),
        1 => Just(Edit::DropFinalNewline),
    ]
}

fn apply(source: &str, edits: &[Edit]) -> String {
    let mut text = source.to_owned();
    for edit in edits {
        match *edit {
            Edit::DeleteLine(n) => {
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                if !lines.is_empty() {
                    let skip = n % lines.len();
                    text = lines
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != skip)
                        .map(|(_, l)| *l)
                        .collect();
                }
            }
            Edit::Insert(at, i) => {
                let mut at = at % (text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.insert_str(at, INSERTS[i]);
            }
            Edit::CrLf => text = text.replace("\r\n", "\n").replace('\n', "\r\n"),
            Edit::DropFinalNewline => {
                while text.ends_with('\n') || text.ends_with('\r') {
                    text.pop();
                }
            }
        }
    }
    text
}

/// What `text()` must be, built the plain way: kept lines verbatim and one
/// marker per elision in its place.
fn expected_text(elided: &[Elision], source: &str) -> String {
    let lines: Vec<&str> = source.split_inclusive('\n').collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let n = i as u32 + 1;
        match elided.iter().find(|e| e.first <= n && n <= e.last) {
            None => out.push_str(line),
            Some(e) if e.first == n => {
                let run = &lines[i..e.last as usize];
                let indent = run
                    .iter()
                    .find(|l| !l.trim().is_empty())
                    .map(|l| &l[..l.len() - l.trim_start_matches([' ', '\t']).len()])
                    .unwrap_or("");
                out.push_str(&format!("{indent}… lines {}-{}\n", e.first, e.last));
            }
            Some(_) => {}
        }
    }
    out
}

fn check(language: Language, source: &str) -> Result<(), TestCaseError> {
    let line_count = source.split_inclusive('\n').count() as u32;
    let Some(outline) = outline(language, source) else {
        return Ok(());
    };
    prop_assert!(!outline.elided.is_empty());
    let mut previous_last = 0;
    for e in &outline.elided {
        prop_assert!(
            e.first > previous_last,
            "sorted and disjoint: {:?}",
            outline
        );
        prop_assert!(e.last > e.first, "at least two lines: {:?}", e);
        prop_assert!(e.last <= line_count, "within the file: {:?}", e);
        previous_last = e.last;
    }
    prop_assert_eq!(outline.text(source), expected_text(&outline.elided, source));
    prop_assert_eq!(Outline::decode(&outline.encode()), Some(outline.clone()));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn perturbed_fixtures_keep_the_properties(
        which in 0..FIXTURES.len(),
        edits in prop::collection::vec(edit(), 0..12),
    ) {
        let (language, source) = FIXTURES[which];
        check(language, &apply(source, &edits))?;
    }

    #[test]
    fn any_fixture_in_any_language_keeps_the_properties(
        which in 0..FIXTURES.len(),
        language in 0..Language::ALL.len(),
        edits in prop::collection::vec(edit(), 0..4),
    ) {
        check(Language::ALL[language], &apply(FIXTURES[which].1, &edits))?;
    }

    #[test]
    fn arbitrary_text_keeps_the_properties(
        language in 0..Language::ALL.len(),
        text in "[ -~\\n\\t{}()é]{0,400}",
    ) {
        check(Language::ALL[language], &text)?;
    }

    #[test]
    fn decode_never_panics_and_round_trips_what_it_accepts(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
        if let Some(outline) = Outline::decode(&bytes) {
            prop_assert_eq!(outline.encode(), bytes);
        }
    }
}

#[test]
fn every_fixture_keeps_the_properties_unperturbed() {
    for (language, source) in FIXTURES {
        check(language, source).expect("fixture properties");
        let crlf = source.replace('\n', "\r\n");
        check(language, &crlf).expect("CRLF fixture properties");
        assert_eq!(
            outline(language, &crlf),
            outline(language, source),
            "{language:?} outlines the same with CRLF"
        );
    }
}
