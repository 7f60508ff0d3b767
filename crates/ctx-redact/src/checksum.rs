//! Checks that tell an issued token from a string of the same shape:
//! the CRC32 that GitHub and npm append to their tokens, and the base64
//! decoding that shows a `Basic` credential or a wrapped JWT for what it is.
//!
//! Everything here is total: any input gives an answer, never a panic.

/// The CRC32 (IEEE 802.3, reflected, as in zlib) of `bytes`.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    // Bitwise rather than table-driven: it runs on 30 bytes per candidate
    // token, where a table would cost more to keep warm than it saves.
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// The value of a base62 digit (`0-9A-Za-z`, the order GitHub encodes in).
fn base62_digit(c: u8) -> Option<u64> {
    match c {
        b'0'..=b'9' => Some(u64::from(c - b'0')),
        b'A'..=b'Z' => Some(u64::from(c - b'A') + 10),
        b'a'..=b'z' => Some(u64::from(c - b'a') + 36),
        _ => None,
    }
}

/// Whether `body` (the token without its prefix) is 30 random base62
/// characters followed by the 6-character base62 CRC32 of them, as GitHub's
/// `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` and npm's `npm_` tokens are.
pub(crate) fn has_crc32_suffix(body: &[u8]) -> bool {
    const RANDOM: usize = 30;
    const DIGITS: usize = 6;
    if body.len() != RANDOM + DIGITS {
        return false;
    }
    let (random, check) = body.split_at(RANDOM);
    let mut value = 0u64;
    for &c in check {
        let Some(digit) = base62_digit(c) else {
            return false;
        };
        value = value * 62 + digit;
    }
    random.iter().all(u8::is_ascii_alphanumeric) && value == u64::from(crc32(random))
}

/// The value of a base64 character (standard or URL-safe alphabet).
fn base64_digit(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// The bytes `text` encodes in base64 (either alphabet, padding optional),
/// at most `limit` of them; `None` if it holds a byte of neither alphabet.
pub(crate) fn base64_decode(text: &[u8], limit: usize) -> Option<Vec<u8>> {
    let text = text
        .strip_suffix(b"==")
        .or(text.strip_suffix(b"="))
        .unwrap_or(text);
    let mut out = Vec::with_capacity((text.len() * 3 / 4).min(limit));
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in text {
        acc = (acc << 6) | base64_digit(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            // Truncation keeps exactly the 8 bits just completed.
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
            if out.len() >= limit {
                break;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        // The check value every CRC-32/ISO-HDLC implementation agrees on.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    /// Appends the base62 checksum GitHub would, for the tests.
    fn with_checksum(random: &str) -> String {
        const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut value = u64::from(crc32(random.as_bytes()));
        let mut check = [b'0'; 6];
        for slot in check.iter_mut().rev() {
            *slot = DIGITS[(value % 62) as usize];
            value /= 62;
        }
        format!("{random}{}", String::from_utf8_lossy(&check))
    }

    #[test]
    fn checksummed_bodies_are_told_from_lookalikes() {
        let good = with_checksum("Ab3dEf7hIj1lMn0pQr5tUv9xYz2BcD");
        assert!(has_crc32_suffix(good.as_bytes()));
        let mut bad = good.clone().into_bytes();
        bad[3] = b'X';
        assert!(!has_crc32_suffix(&bad));
        assert!(!has_crc32_suffix(b"abcdefghijklmnopqrstuvwxyz0123456789"));
        assert!(!has_crc32_suffix(&good.as_bytes()[1..]));
        assert!(!has_crc32_suffix("é".repeat(18).as_bytes()));
    }

    #[test]
    fn base64_decodes_both_alphabets_and_refuses_others() {
        assert_eq!(
            base64_decode(b"dXNlcjpwYXNz", 64).as_deref(),
            Some(&b"user:pass"[..])
        );
        assert_eq!(
            base64_decode(b"eyJhIjoxfQ==", 64).as_deref(),
            Some(&b"{\"a\":1}"[..])
        );
        assert_eq!(base64_decode(b"-_-_", 64).map(|v| v.len()), Some(3));
        assert_eq!(
            base64_decode(b"dXNlcjpwYXNz", 4).as_deref(),
            Some(&b"user"[..])
        );
        assert_eq!(base64_decode(b"not base64!", 64), None);
    }
}
