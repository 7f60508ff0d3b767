//! Token counting with the BPE vocabularies built into the binary.
//!
//! Building a tokenizer costs about 150 ms, far more than most commands, so
//! each is built at most once per process and only when something must be
//! counted; [`warm`] starts that build on another thread while the command
//! reads its sources.

use bpe_openai::Tokenizer;
use ctx_model::TokenizerKind;

/// The tokenizer for `kind`, built on first use.
pub fn tokenizer(kind: TokenizerKind) -> &'static Tokenizer {
    match kind {
        TokenizerKind::O200k => bpe_openai::o200k_base(),
        TokenizerKind::Cl100k => bpe_openai::cl100k_base(),
    }
}

/// Starts building the tokenizer for `kind` in the background.
pub fn warm(kind: TokenizerKind) {
    std::thread::spawn(move || {
        tokenizer(kind);
    });
}

/// The number of tokens in `text`, saturating at `u32::MAX`.
pub fn count(kind: TokenizerKind, text: &str) -> u32 {
    u32::try_from(tokenizer(kind).count(text)).unwrap_or(u32::MAX)
}

/// The count of the body `open + text + close`, where `text` is known to
/// count `content_tokens`, from counts of only the few lines where the
/// content meets its frame; `None` when the content has no line where a
/// count can be split (one line, or every line starting with whitespace or
/// `/`).
///
/// A BPE count is the sum of the counts of the pre-tokenizer's pieces. No
/// piece of o200k's or cl100k's pre-tokenizer holds a newline followed by
/// an ASCII character other than whitespace or `/` (o200k's punctuation
/// piece takes newlines and slashes after it), and where a piece starts
/// depends only on the text after it. So such a position splits the
/// content alike alone and inside any frame: with `head` up to the first
/// of them and `tail` from the last,
/// `count(body) = count(open + head) + count(content) - count(head) -
/// count(tail) + count(tail + close)`. Where the content meets the frame
/// at such a position itself (a frame line ends, and the content starts
/// with a letter), that side needs only the frame's own count.
pub fn count_framed(
    kind: TokenizerKind,
    open: &str,
    text: &str,
    close: &str,
    content_tokens: u32,
) -> Option<u32> {
    let (o, t, c) = (open.as_bytes(), text.as_bytes(), close.as_bytes());
    let (first, head) = if splits_between(o.last(), t.first().or(c.first())) {
        (0, 0)
    } else {
        let first = splits(text).next()?;
        (first, count(kind, &text[..first]))
    };
    let (last, tail) = if splits_between(t.last().or(o.last()), c.first()) {
        (text.len(), 0)
    } else {
        let last = splits(text).next_back()?;
        (last, count(kind, &text[last..]))
    };
    let inner = content_tokens.checked_sub(head)?.checked_sub(tail)?;
    let around = count_joined(kind, open, &text[..first]).checked_add(count_joined(
        kind,
        &text[last..],
        close,
    ))?;
    inner.checked_add(around)
}

/// The count of `a + b`.
fn count_joined(kind: TokenizerKind, a: &str, b: &str) -> u32 {
    match (a.is_empty(), b.is_empty()) {
        (_, true) => count(kind, a),
        (true, false) => count(kind, b),
        (false, false) => count(kind, &[a, b].concat()),
    }
}

/// Whether every count splits between the bytes `before` and `after`:
/// right after a newline, before an ASCII character that is not whitespace
/// or `/`.
fn splits_between(before: Option<&u8>, after: Option<&u8>) -> bool {
    before == Some(&b'\n') && after.is_some_and(|&b| b.is_ascii_graphic() && b != b'/')
}

/// The positions in `text` where every count splits: right after a
/// newline, before an ASCII character that is not whitespace or `/`.
fn splits(text: &str) -> impl DoubleEndedIterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'\n', bytes)
        .map(|i| i + 1)
        .filter(move |&k| splits_between(Some(&bytes[k - 1]), bytes.get(k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// bpe-openai must agree with tiktoken, the reference implementation, on
    /// texts that stress the pre-tokenizer: code, prose, CJK, emoji, digit
    /// runs, whitespace runs and mixed line endings.
    #[test]
    fn counts_match_tiktoken() {
        let texts = [
            "fn main() {\n    println!(\"hello, world\");\n}\n",
            "The quick brown fox jumps over the lazy dog. It's 'quoted', isn't it?",
            "日本語のテキストと中文文本，还有한국어 텍스트。",
            "emoji: 🦀🚀👩‍👩‍👧‍👦 and flags 🇫🇷🇯🇵",
            "digits 1234567890123456789 and 3.14159265358979",
            "tabs\tand   spaces    \n\n\n\r\n  trailing   ",
            "",
            "<xml attr=\"1\">&amp;</xml> ]]> ``` fenced ```",
        ];
        let o200k = tiktoken_rs::o200k_base().expect("tiktoken o200k");
        let cl100k = tiktoken_rs::cl100k_base().expect("tiktoken cl100k");
        for text in texts {
            let want = o200k.encode_with_special_tokens(text).len() as u32;
            assert_eq!(count(TokenizerKind::O200k, text), want, "o200k: {text:?}");
            let want = cl100k.encode_with_special_tokens(text).len() as u32;
            assert_eq!(count(TokenizerKind::Cl100k, text), want, "cl100k: {text:?}");
        }
    }
}
