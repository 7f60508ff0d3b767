//! Byte-scanning primitives shared by the detectors: runs, word boundaries,
//! blanks and substrings.
//!
//! Offsets stay on char boundaries: a run starts on one and advances only
//! over bytes its predicate accepts, and every predicate, needle and pattern
//! the detectors use is ASCII, so every offset returned here is a char
//! boundary too and slicing the text with it cannot panic.

/// The end of the run of bytes satisfying `pred` that starts at `from`.
pub(crate) fn run(b: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    from + b
        .get(from..)
        .map_or(0, |rest| rest.iter().take_while(|&&c| pred(c)).count())
}

/// Whether `c` is a byte of a word, for word boundaries.
pub(crate) fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Whether a token may start at `at` rather than mid-word.
pub(crate) fn word_starts(b: &[u8], at: usize) -> bool {
    at == 0 || !is_word(b[at - 1])
}

/// Skips spaces and tabs.
pub(crate) fn skip_blanks(b: &[u8], from: usize) -> usize {
    run(b, from, |c| c == b' ' || c == b'\t')
}

/// The first occurrence of `needle` in `hay`.
pub(crate) fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A fixed set of words, written as one whitespace-separated string and
/// indexed on first use by first byte, so a lookup compares a handful.
pub(crate) struct WordList {
    text: &'static str,
    index: std::sync::OnceLock<Vec<Vec<&'static str>>>,
}

impl WordList {
    /// The words of `text`.
    pub(crate) const fn new(text: &'static str) -> WordList {
        WordList {
            text,
            index: std::sync::OnceLock::new(),
        }
    }

    /// Whether `word` is one of them.
    pub(crate) fn has(&self, word: &str) -> bool {
        let Some(&first) = word.as_bytes().first() else {
            return false;
        };
        let index = self.index.get_or_init(|| {
            let mut index = vec![Vec::new(); 256];
            for w in self.text.split_ascii_whitespace() {
                index[usize::from(w.as_bytes()[0])].push(w);
            }
            index
        });
        index[usize::from(first)]
            .iter()
            .any(|w| w.len() == word.len() && *w == word)
    }
}
