//! Secret-sounding names: which names an assigned value is looked at for,
//! and how strongly the name says the value is a secret.
//!
//! A name is split into words (at `_`, `-`, `.`, camel-case humps and
//! digits); the last word that is a secret word decides. Words after it
//! that describe the secret rather than hold it (`token_type`,
//! `password_file`, `key_id`) and words before it that make it something
//! else (`public_key`, `csrf_token`, `CancelToken`) mean no secret. A strong
//! word (`password`, `secret`, `token`, `api_key`) admits any value that is
//! no placeholder or code; a weak one (`key`, `auth`, `pass`) only values
//! that look random, since maps, locks and menus are full of `key`s.

use crate::scan::{WordList, run};

/// Stems the prefilter finds (in lower, upper and title case) to start a
/// name: every secret word contains one.
pub(crate) const STEMS: [&str; 7] = ["pass", "pwd", "secret", "token", "key", "auth", "cred"];

/// How strongly a name says its value is a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Strength {
    /// Only a random-looking value is a secret.
    Weak,
    /// Any value that is no placeholder, reference or code is.
    Strong,
}

/// A secret-sounding name in the text.
#[derive(Clone, Debug)]
pub(crate) struct Name {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) strength: Strength,
    /// Whether the name is an `Authorization` header, whose value starts
    /// with a scheme.
    pub(crate) authorization: bool,
    /// The name's words, lowercase; shared by every occurrence of the
    /// same name in a text.
    pub(crate) words: std::rc::Rc<[String]>,
    /// Whether the secret word is a password's (`password`, `passwd`,
    /// `DB_PASS`, `passphrase`).
    pub(crate) password: bool,
    /// The stem in [`STEMS`] that the secret word holds.
    pub(crate) stem: &'static str,
}

/// A byte of a name.
pub(crate) fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// The extent of the name around `at`, without the `.` or `-` that may end
/// it (`$token.=`, `--password-`).
pub(crate) fn extent(b: &[u8], at: usize) -> (usize, usize) {
    let start = at
        - b[..at]
            .iter()
            .rev()
            .take_while(|&&c| is_name_byte(c))
            .count();
    let mut end = run(b, at, is_name_byte);
    while end > start && matches!(b[end - 1], b'.' | b'-') {
        end -= 1;
    }
    // A leading `-` is a flag's (`--token`), a leading `.` a member access.
    let start = start
        + b[start..end]
            .iter()
            .take_while(|&&c| matches!(c, b'-' | b'.'))
            .count();
    (start, end)
}

/// Words that are secrets when they end a name, strong or weak.
static STRONG_WORDS: WordList = WordList::new(
    "\
    password passwd pwd passphrase passcode secret token credential credentials creds \
    apikey secretkey privatekey accesskey masterkey signingkey encryptionkey clientkey \
    appkey authkey hmackey sharedkey accountkey storagekey subscriptionkey licensekey \
    accesstoken authtoken refreshtoken apitoken bottoken clientsecret apisecret",
);

/// Words that are secrets only beside a random-looking value.
static WEAK_WORDS: WordList = WordList::new("key pass auth");

/// Strong words that may end a longer all-lowercase or all-uppercase word
/// (`dbpassword`, `MYSQLPASSWORD`, `botsecret`).
const SUFFIXES: &str = "password passwd passphrase secret token apikey credentials";

/// Words that, after the secret word, make the name about the secret
/// rather than the secret itself.
static METADATA_WORDS: WordList = WordList::new(
    "\
    algorithm alias arn audience budget chain char chars check claim claims class code count counts creator dir down \
    encoding encryption end endpoint env error event exception exp expiration expires expiry field \
    file filename fingerprint format frame generator getter handler has hash hashed \
    hashes header hint host id ids idx index input is issuer kind label len length lifetime \
    limit limits location manager max method mgr min mode name names namespace offset opt option options pair param \
    params parser path pattern placeholder policy pos prefix press pressed prompt \
    provider range ref regex required reset ring rule rules scheme selector separator \
    scope scopes size source spec start stop store stores strength style suffix terminator text timeout \
    ttl type types up uri url usage validator validity var version with",
);

/// Words that, just before the secret word, make it something other than a
/// credential (`public_key`, `csrf_token`, `CancelToken`, `pad_token`).
static QUALIFIER_WORDS: WordList = WordList::new(
    "\
    bos bucket cancel cancellation cls column composite continuation csrf \
    cursor dedup dedupe eos foreign get hot i18n idempotency idx index is jsonweb lookup map \
    mask max min next num pad page pagination partition primary pub public publishable \
    row schema sep sequence sort special sub unique unk xsrf",
);

/// The words of a name, each with where it ends, lowercased.
pub(crate) fn words(b: &[u8]) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::with_capacity(4);
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        let end = if b[i].is_ascii_digit() {
            run(b, i, |c| c.is_ascii_digit())
        } else if b[i].is_ascii_uppercase() {
            let caps = run(b, i, |c| c.is_ascii_uppercase());
            if caps - i == 1 || b.get(caps).is_none_or(|c| !c.is_ascii_lowercase()) {
                // `Token`, `TOKEN`: the capitals, then any lowercase.
                if caps - i == 1 {
                    run(b, caps, |c| c.is_ascii_lowercase())
                } else {
                    caps
                }
            } else {
                // `APIKey`: the acronym ends before the capital of the next word.
                caps - 1
            }
        } else {
            run(b, i, |c| c.is_ascii_lowercase())
        };
        let word = &b[start..end];
        i = end;
        // `PassWord`, `Pass_Phrase`, `API_Key`: joined words spell one
        // secret word.
        if let Some((last_end, last)) = out.last_mut()
            && joins(last.as_bytes(), word)
        {
            last.extend(word.iter().map(|&c| char::from(c.to_ascii_lowercase())));
            *last_end = end;
            continue;
        }
        out.push((
            end,
            word.iter()
                .map(|&c| char::from(c.to_ascii_lowercase()))
                .collect(),
        ));
    }
    out
}

/// Whether lowercase word `first` and word `second` (any case) spell one
/// secret word together.
fn joins(first: &[u8], second: &[u8]) -> bool {
    const JOINED: [(&str, &str); 14] = [
        ("pass", "word"),
        ("pass", "phrase"),
        ("pass", "code"),
        ("pass", "wd"),
        ("api", "key"),
        ("api", "token"),
        ("api", "secret"),
        ("access", "token"),
        ("access", "key"),
        ("secret", "key"),
        ("private", "key"),
        ("auth", "token"),
        ("auth", "key"),
        ("client", "secret"),
    ];
    JOINED
        .iter()
        .any(|(a, b)| first == a.as_bytes() && second.eq_ignore_ascii_case(b.as_bytes()))
}

/// How strongly `word` (lowercase) is a secret word, if it is one.
fn secret_word(word: &str) -> Option<Strength> {
    if STRONG_WORDS.has(word) {
        return Some(Strength::Strong);
    }
    if WEAK_WORDS.has(word) {
        return Some(Strength::Weak);
    }
    let compound = SUFFIXES.split_ascii_whitespace().any(|suffix| {
        word.len() > suffix.len()
            && word.ends_with(suffix)
            && !QUALIFIER_WORDS.has(&word[..word.len() - suffix.len()])
    });
    compound.then_some(Strength::Strong)
}

/// Classifications of the names a text has shown, by their bytes: code
/// repeats its names, and judging one costs far more than finding it.
#[derive(Default)]
pub(crate) struct Seen<'t> {
    recent: Vec<(&'t [u8], Option<Name>)>,
}

impl<'t> Seen<'t> {
    /// [`classify`], remembering the last few names.
    pub(crate) fn classify(&mut self, b: &'t [u8], start: usize, end: usize) -> Option<Name> {
        const KEEP: usize = 16;
        let bytes = &b[start..end];
        let found = match self.recent.iter().position(|(seen, _)| *seen == bytes) {
            Some(i) => self.recent[i].1.clone(),
            None => {
                let name = classify(b, start, end);
                if self.recent.len() == KEEP {
                    self.recent.remove(0);
                }
                self.recent.push((bytes, name.clone()));
                name
            }
        };
        found.map(|name| Name { start, end, ..name })
    }
}

/// The secret-sounding name spanning `start..end`, if it is one.
pub(crate) fn classify(b: &[u8], start: usize, end: usize) -> Option<Name> {
    let bytes = &b[start..end];
    let words = words(bytes);
    let last = words
        .iter()
        .rposition(|(_, w)| secret_word(w).is_some() || w == "authorization")?;
    let (word_end, word) = &words[last];
    let word_end = *word_end;
    let authorization = word == "authorization";
    let strength = if authorization {
        Strength::Strong
    } else {
        secret_word(word)?
    };
    // A secret word continued by a lowercase letter is a longer word that
    // only starts with it (`tokens`, `secretary`), the camel case of the
    // split notwithstanding.
    if bytes.get(word_end).is_some_and(|c| c.is_ascii_lowercase()) {
        return None;
    }
    // `Token.Keyword`, `password.length`: an object, not a value.
    if bytes.get(word_end) == Some(&b'.')
        && bytes.get(word_end + 1).is_some_and(u8::is_ascii_alphabetic)
    {
        return None;
    }
    if words[last + 1..].iter().any(|(_, w)| METADATA_WORDS.has(w)) {
        return None;
    }
    if last > 0 && QUALIFIER_WORDS.has(&words[last - 1].1) {
        return None;
    }
    // `rusoto_credential-0.11.0`: a package and its version.
    if bytes
        .windows(3)
        .any(|w| w[0] == b'-' && w[1].is_ascii_digit() && w[2] == b'.')
    {
        return None;
    }
    let password = word.contains("pass") || word.contains("pwd");
    let stem = STEMS
        .iter()
        .copied()
        .find(|s| word.contains(s))
        .unwrap_or("authorization");
    // `api_key_id`-style names that end in a digit-only word still count;
    // a name whose secret word is followed by further plain words that are
    // not metadata (`password_confirm`, `secret_key_base`) is still one.
    Some(Name {
        start,
        end,
        strength,
        authorization,
        words: words.into_iter().map(|(_, w)| w).collect::<Vec<_>>().into(),
        password,
        stem,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strength(name: &str) -> Option<Strength> {
        classify(name.as_bytes(), 0, name.len()).map(|n| n.strength)
    }

    #[test]
    fn words_split_at_separators_humps_and_digits() {
        let w = |s: &str| {
            words(s.as_bytes())
                .into_iter()
                .map(|(_, w)| w)
                .collect::<Vec<_>>()
        };
        assert_eq!(w("DB_PASSWORD"), ["db", "password"]);
        assert_eq!(w("apiKey"), ["apikey"]);
        assert_eq!(w("APIKey"), ["apikey"]);
        assert_eq!(w("clientSecret"), ["clientsecret"]);
        assert_eq!(w("PassWord"), ["password"]);
        assert_eq!(w("oauth2_token"), ["oauth", "2", "token"]);
        assert_eq!(w("x-api-key"), ["x", "apikey"]);
        assert_eq!(
            w("spring.datasource.password"),
            ["spring", "datasource", "password"]
        );
    }

    #[test]
    fn secret_names_and_their_strength() {
        for name in [
            "password",
            "DB_PASSWORD",
            "dbpassword",
            "MYSQLPASSWORD",
            "apiKey",
            "api_key",
            "X-Api-Key",
            "client_secret",
            "clientSecret",
            "githubToken",
            "GITHUB_TOKEN",
            "access_token",
            "secret_key_base",
            "password_confirmation",
            "AWS_SECRET_ACCESS_KEY",
            "creds",
            "credentials",
            "passphrase",
            "authToken",
            "stripe_api_token",
            "jwt.secret",
            "oauth2_token",
        ] {
            assert_eq!(strength(name), Some(Strength::Strong), "{name}");
        }
        for name in [
            "key",
            "vendor_key",
            "VENDOR_KEY",
            "vendorKey",
            "auth",
            "pass",
            "DB_PASS",
        ] {
            assert_eq!(strength(name), Some(Strength::Weak), "{name}");
        }
        for name in [
            "tokens",
            "tokenizer",
            "secretary",
            "passwords",
            "monkey",
            "turkey",
            "keyboard",
            "author",
            "token_type",
            "password_file",
            "key_id",
            "kms_key_id",
            "secret_name",
            "token_url",
            "public_key",
            "publicToken",
            "primaryKey",
            "csrf_token",
            "CancelToken",
            "pad_token",
            "eos_token",
            "Token.Keyword",
            "keyPressed",
            "key_down_event",
            "issuerKeyHash",
            "next_token",
            "max_tokens",
            "keyCode",
            "credentialsId",
            "passport",
            "bypass",
            "compass",
            "password_hash",
            "secret_length",
        ] {
            assert_eq!(strength(name), None, "{name}");
        }
        assert!(classify(b"Authorization", 0, 13).is_some_and(|n| n.authorization));
    }

    #[test]
    fn extents_leave_flags_and_trailing_operators_out() {
        let text = b"run --password-=x $token.= y";
        assert_eq!(extent(text, 6), (6, 14));
        assert_eq!(extent(text, 20), (19, 24));
    }
}
