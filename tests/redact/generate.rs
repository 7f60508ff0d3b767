//! Secret generation for the corpus: templates of literal text and
//! character classes, filled from a seeded generator, so the corpus holds
//! the shapes of credentials and never a credential.

/// A small deterministic generator (xorshift64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| char::from(alphabet[self.below(alphabet.len())]))
            .collect()
    }
}

const AN: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A piece of a template.
#[derive(Clone, Debug)]
enum Piece {
    Text(String),
    Class(&'static [u8], usize),
    Crc,
    Uuid,
    Jwt,
    Base64Jwt,
    Basic,
    Pem(String),
    Putty,
    SecretStart,
    SecretEnd,
}

/// A parsed template.
#[derive(Clone, Debug)]
pub struct Template(Vec<Piece>);

impl Template {
    /// Parses the template language described in `positives.txt`.
    pub fn parse(text: &str) -> Template {
        let mut pieces = Vec::new();
        let mut rest = text;
        let mut literal = String::new();
        while let Some(c) = rest.chars().next() {
            if c == '«' || c == '»' {
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                }
                pieces.push(if c == '«' {
                    Piece::SecretStart
                } else {
                    Piece::SecretEnd
                });
                rest = &rest[c.len_utf8()..];
                continue;
            }
            if c == '{'
                && let Some(end) = rest.find('}')
                && let Some(piece) = Self::class(&rest[1..end])
            {
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                }
                pieces.push(piece);
                rest = &rest[end + 1..];
                continue;
            }
            literal.push(c);
            rest = &rest[c.len_utf8()..];
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Template(pieces)
    }

    fn class(spec: &str) -> Option<Piece> {
        let simple = match spec {
            "crc" => Some(Piece::Crc),
            "uuid" => Some(Piece::Uuid),
            "jwt" => Some(Piece::Jwt),
            "b64jwt" => Some(Piece::Base64Jwt),
            "basic" => Some(Piece::Basic),
            "putty" => Some(Piece::Putty),
            _ => None,
        };
        if simple.is_some() {
            return simple;
        }
        if let Some(label) = spec.strip_prefix("pem:") {
            return Some(Piece::Pem(label.to_owned()));
        }
        let (name, n) = spec.split_once(':')?;
        let n: usize = n.parse().ok()?;
        let alphabet: &'static [u8] = match name {
            "an" => AN,
            "AN" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
            "al" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            "lc" => b"abcdefghijklmnopqrstuvwxyz",
            "hex" => b"0123456789abcdef",
            "HEX" => b"0123456789ABCDEF",
            "d" => b"0123456789",
            "lan" => b"abcdefghijklmnopqrstuvwxyz0123456789",
            "b64" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            "u" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
            "age" => b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
            _ => return None,
        };
        Some(Piece::Class(alphabet, n))
    }

    /// Whether the secret spans lines.
    pub fn is_multiline(&self) -> bool {
        self.0
            .iter()
            .any(|p| matches!(p, Piece::Pem(_) | Piece::Putty))
            || self
                .0
                .iter()
                .any(|p| matches!(p, Piece::Text(t) if t.contains('\n')))
    }

    /// Whether part of the line is context rather than secret.
    pub fn has_context(&self) -> bool {
        self.0.iter().any(|p| matches!(p, Piece::SecretStart))
    }

    /// A text from the template, its secret, and where the secret starts.
    pub fn generate(&self, rng: &mut Rng) -> (String, String, usize) {
        let mut out = String::new();
        let mut last_class = String::new();
        let mut secret_start = None;
        let mut secret_end = None;
        for piece in &self.0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Class(alphabet, n) => {
                    last_class = rng.pick(alphabet, *n);
                    out.push_str(&last_class);
                }
                Piece::Crc => out.push_str(&base62_crc(&last_class)),
                Piece::Uuid => {
                    let h = |rng: &mut Rng, n| rng.pick(b"0123456789abcdef", n);
                    let uuid = format!(
                        "{}-{}-4{}-a{}-{}",
                        h(rng, 8),
                        h(rng, 4),
                        h(rng, 3),
                        h(rng, 3),
                        h(rng, 12)
                    );
                    out.push_str(&uuid);
                }
                Piece::Jwt => out.push_str(&jwt(rng)),
                Piece::Base64Jwt => out.push_str(&base64(jwt(rng).as_bytes(), false)),
                Piece::Basic => {
                    let pair = format!(
                        "{}:{}",
                        rng.pick(b"abcdefghijklmnopqrstuvwxyz", 6),
                        rng.pick(AN, 16)
                    );
                    out.push_str(&base64(pair.as_bytes(), false));
                }
                Piece::Pem(label) => {
                    out.push_str(&format!("-----BEGIN {label}-----\n"));
                    for _ in 0..6 {
                        out.push_str(&rng.pick(
                            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                            64,
                        ));
                        out.push('\n');
                    }
                    out.push_str(&format!("-----END {label}-----"));
                }
                Piece::Putty => {
                    let b64 = |rng: &mut Rng| {
                        rng.pick(
                            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                            64,
                        )
                    };
                    out.push_str("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n");
                    out.push_str(&format!(
                        "{}\n{}\nPrivate-Lines: 1\n{}\n",
                        b64(rng),
                        b64(rng),
                        b64(rng)
                    ));
                    out.push_str(&format!(
                        "Private-MAC: {}",
                        rng.pick(b"0123456789abcdef", 64)
                    ));
                }
                Piece::SecretStart => secret_start = Some(out.len()),
                Piece::SecretEnd => secret_end = Some(out.len()),
            }
        }
        let start = secret_start.unwrap_or(0);
        let end = secret_end.unwrap_or(out.len());
        let secret = out[start..end].to_owned();
        (out, secret, start)
    }
}

/// The base62 CRC32 suffix GitHub and npm append to a token's random part.
fn base62_crc(random: &str) -> String {
    let mut crc = !0u32;
    for &byte in random.as_bytes() {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    let mut value = u64::from(!crc);
    let mut digits = [b'0'; 6];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8_lossy(&digits).into_owned()
}

fn base64(bytes: &[u8], url: bool) -> String {
    let alphabet: &[u8] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
        }
        if !url {
            for _ in chunk.len()..3 {
                out.push('=');
            }
        }
    }
    out
}

fn jwt(rng: &mut Rng) -> String {
    let header = base64(br#"{"alg":"HS256","typ":"JWT"}"#, true);
    let payload = format!(
        r#"{{"sub":"{}","iat":{}}}"#,
        rng.pick(AN, 12),
        1_700_000_000 + rng.below(9_999_999)
    );
    let payload = base64(payload.as_bytes(), true);
    let signature = rng.pick(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        43,
    );
    format!("{header}.{payload}.{signature}")
}
