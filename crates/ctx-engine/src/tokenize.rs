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
