//! Secrets with a recognisable shape, found by the rules of `rules` at the
//! keywords the prefilter found: a regex rule is matched at its keyword and
//! then held to its word boundaries, entropy and checksum; a detector rule
//! is run by `detectors`.
//!
//! Each rule resumes only past what it already matched, so the work stays
//! linear in the text however the keywords repeat. Everything inside a
//! private key is skipped by all rules: the key absorbs it. No token
//! alphabet holds the `[` that opens a marker, so a second pass over
//! redacted text finds nothing the first pass left.

use crate::checksum::has_crc32_suffix;
use crate::detectors::{Verdict, run_detector};
use crate::heuristics::entropy;
use crate::prefilter::{Hit, PREFILTER, Target};
use crate::rules::{Check, Pattern, RULES, regex};
use crate::scan::is_word;
use crate::{SecretKind, Span};

/// How far past its keyword a regex rule may match: longer than any token
/// format, so that no rule is cut short, yet bounded so that a keyword
/// repeated through a long run costs a bounded scan each.
const MAX_SECRET: usize = 4096;

/// Runs every rule at the hits of its keywords.
pub(crate) fn find_specific(text: &str, hits: &[Hit]) -> Vec<Span> {
    let mut spans = Vec::new();
    // Where each rule may look again.
    let mut resume = vec![0usize; RULES.len()];
    let mut inside_key = 0;
    for hit in hits {
        if hit.start < inside_key {
            continue;
        }
        let literal = PREFILTER.literal(hit.literal);
        for &target in &literal.targets {
            let Target::Rule(index) = target else {
                continue;
            };
            let index = usize::from(index);
            if hit.start < resume[index] {
                continue;
            }
            let (found, scanned_to) = match RULES[index].pattern {
                Pattern::Code(detector) => {
                    run_detector(detector, text, hit.start, literal.bytes.len())
                }
                Pattern::Regex(_) => by_regex(text, index, hit.start, literal.bytes.len()),
            };
            resume[index] = scanned_to;
            if let Some(span) = found {
                if span.kind == SecretKind::PrivateKey {
                    inside_key = inside_key.max(span.end);
                }
                spans.push(span);
            }
        }
    }
    spans
}

/// Rule `index`'s regex at the keyword found at `at`, `len` bytes long.
fn by_regex(text: &str, index: usize, at: usize, len: usize) -> Verdict {
    let b = text.as_bytes();
    let rule = &RULES[index];
    let Some(re) = regex(index) else {
        return (None, at + 1);
    };
    let from = at.saturating_sub(usize::from(rule.lead));
    let window = &b[from..b.len().min(at + MAX_SECRET)];
    // With a lead the match is searched for: it must cover the keyword.
    let found = if rule.lead == 0 {
        re.captures(window)
    } else {
        re.captures_iter(window)
            .take_while(|c| c.get(0).is_some_and(|m| from + m.start() <= at))
            .find(|c| c.get(0).is_some_and(|m| from + m.end() >= at + len))
    };
    let Some(caps) = found else {
        return (None, at + 1);
    };
    let Some(whole) = caps.get(0) else {
        return (None, at + 1);
    };
    let (start, end) = (from + whole.start(), from + whole.end());
    let secret = caps
        .get(1)
        .map_or((start, end), |g| (from + g.start(), from + g.end()));
    // The part of the secret that is random: after the keyword, if the
    // secret starts with it.
    let random = if secret.0 == at {
        &b[(at + len).min(secret.1)..secret.1]
    } else {
        &b[secret.0..secret.1]
    };
    let verified = rule.check == Check::Crc32 && has_crc32_suffix(&b[(start + 4).min(end)..end]);
    // A token is a whole word: the keyword starts one, and the match ends
    // it, or else it is part of a longer string of another shape.
    let bounded = (start == 0 || !is_word(b[start]) || !is_word(b[start - 1]))
        && (end == b.len() || !is_word(b[end - 1]) || !is_word(b[end]));
    let accepted = verified || (bounded && entropy(random) >= rule.min_entropy);
    (
        accepted.then_some(Span {
            start: secret.0,
            end: secret.1,
            kind: rule.kind,
        }),
        if accepted { end } else { at + 1 },
    )
}

#[cfg(test)]
mod tests {
    use crate::SecretKind;
    use crate::test_support::{GITHUB, JWT, RSA_KEY, assert_clean, assert_redacts};

    #[test]
    fn private_key_block_becomes_one_marker() {
        let text = format!("key file:\n{RSA_KEY}\ndone");
        assert_redacts(
            &text,
            "key file:\n[REDACTED:private_key]\ndone",
            SecretKind::PrivateKey,
        );
        for label in ["OPENSSH ", "EC ", "DSA ", "ENCRYPTED ", ""] {
            let key = RSA_KEY.replace("RSA ", label);
            assert_redacts(&key, "[REDACTED:private_key]", SecretKind::PrivateKey);
        }
    }

    #[test]
    fn private_key_without_end_is_redacted_to_the_end() {
        let truncated = &RSA_KEY[..RSA_KEY.find("-----END").unwrap()];
        let text = format!("before\n{truncated}\nafter: {GITHUB}");
        assert_redacts(
            &text,
            "before\n[REDACTED:private_key]",
            SecretKind::PrivateKey,
        );
    }

    #[test]
    fn public_keys_certificates_and_bare_begin_lines_are_not_secrets() {
        assert_clean(&RSA_KEY.replace("RSA PRIVATE", "PUBLIC"));
        assert_clean(&RSA_KEY.replace("RSA PRIVATE KEY", "CERTIFICATE"));
        // Code that parses PEM names the lines without holding a key.
        assert_clean(
            "const BEGIN: &str = \"-----BEGIN PRIVATE KEY-----\";\n\
             const END: &str = \"-----END PRIVATE KEY-----\";",
        );
    }

    #[test]
    fn aws_access_key_ids() {
        assert_redacts(
            "id AKIAIOSFODNN7EXAMPLE here",
            "id [REDACTED:aws_access_key] here",
            SecretKind::AwsAccessKey,
        );
        assert_redacts(
            "ASIAY34FZKBOKMUTVV7A",
            "[REDACTED:aws_access_key]",
            SecretKind::AwsAccessKey,
        );
        assert_clean("AKIAIOSFODNN7EXAMP"); // too short
        assert_clean("AKIAIOSFODNN7EXAMPLE1"); // too long
        assert_clean("XAKIAIOSFODNN7EXAMPLE"); // inside a word
        assert_clean("AKIAiosfodnn7example"); // lowercase
    }

    #[test]
    fn github_tokens() {
        assert_redacts(
            &format!("GH={GITHUB}"),
            "GH=[REDACTED:github_token]",
            SecretKind::GithubToken,
        );
        assert_redacts(
            "gho_16C7e42F292c6912E7710c838347Ae178B4a",
            "[REDACTED:github_token]",
            SecretKind::GithubToken,
        );
        let fine_grained = "github_pat_11ABCDEFG0123456789abcd_\
            ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456";
        assert_redacts(
            fine_grained,
            "[REDACTED:github_token]",
            SecretKind::GithubToken,
        );
        assert_clean("ghp_abcdef0123456789"); // too short
        assert_clean("ghx_abcdefghijklmnopqrstuvwxyz0123456789"); // no such prefix
        assert_clean("xghp_abcdefghijklmnopqrstuvwxyz0123456789"); // inside a word
        assert_clean("github_pat_short_token");
    }

    #[test]
    fn gitlab_tokens() {
        assert_redacts(
            "glpat-xYz12_3-AbCdEfGhIjKlMn",
            "[REDACTED:gitlab_token]",
            SecretKind::GitlabToken,
        );
        assert_clean("glpat-tooshort123");
    }

    #[test]
    fn slack_tokens_and_webhooks() {
        assert_redacts(
            "SLACK xoxb-1234567890-0987654321-AbCdEfGhIjKl ok",
            "SLACK [REDACTED:slack_token] ok",
            SecretKind::SlackToken,
        );
        assert_redacts(
            "url = https://hooks.slack.com/services/T0000ABCD/B0000EFGH/XXXXXXXXXXXXXXXXXXXXXXXX\n",
            "url = [REDACTED:slack_token]\n",
            SecretKind::SlackToken,
        );
        assert_clean("xoxb-12345"); // too short
        assert_clean("xoxz-1234567890-abcdefghij"); // no such type
        assert_clean("see https://hooks.slack.com/services/ for webhooks");
    }

    #[test]
    fn jwts() {
        assert_redacts(
            &format!("jwt: {JWT}"),
            "jwt: [REDACTED:jwt]",
            SecretKind::Jwt,
        );
        // Two segments are not a token, nor is a missing signature.
        assert_clean("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0");
        assert_clean("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.");
        // The payload must be JSON too.
        assert_clean("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24gYXQgYWxs.dozjgNryP4J3jVmNHl0w5N");
    }

    #[test]
    fn bearer_tokens_keep_the_scheme() {
        assert_redacts(
            "Authorization: Bearer abcdef0123456789ABCDEF+/=",
            "Authorization: Bearer [REDACTED:bearer]",
            SecretKind::Bearer,
        );
        assert_redacts(
            "curl -H 'authorization: bearer 0123456789abcdef.ghij_kl~m'",
            "curl -H 'authorization: bearer [REDACTED:bearer]'",
            SecretKind::Bearer,
        );
        assert_clean("Bearer token"); // a short word
        assert_clean("Authorization: Bearer ${ACCESS_TOKEN}");
        assert_clean("Authorization: Bearer <token>");
        assert_clean("Authorization: Bearer xxxxxxxxxxxxxxxxxxxxxxxx");
        assert_clean("format!(\"Bearer {}\", token)");
    }

    /// A token with its base62 CRC32, as GitHub and npm issue them.
    fn checksummed(prefix: &str, random: &str) -> String {
        const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut value = u64::from(crate::checksum::crc32(random.as_bytes()));
        let mut check = [b'0'; 6];
        for slot in check.iter_mut().rev() {
            *slot = DIGITS[(value % 62) as usize];
            value /= 62;
        }
        format!("{prefix}{random}{}", String::from_utf8_lossy(&check))
    }

    #[test]
    fn a_checksum_vouches_for_a_token_glued_to_a_word() {
        let token = checksummed("ghp_", "Ab3dEf7hIj1lMn0pQr5tUv9xYz2BcD");
        assert_redacts(
            &format!("x{token}"),
            "x[REDACTED:github_token]",
            SecretKind::GithubToken,
        );
        let npm = checksummed("npm_", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        // Entropy alone would call this a mask; the checksum says it was issued.
        assert_redacts(&npm, "[REDACTED:npm_token]", SecretKind::NpmToken);
        assert_clean("xnpm_abcdefghijklmnopqrstuvwxyz0123456789");
        assert_clean("npm_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    }

    #[test]
    fn provider_tokens_are_named_by_their_kind() {
        for (text, want, kind) in [
            (
                "key: sk_live_4eC39HqLyjWDarjtT1zdp7dc",
                "key: [REDACTED:stripe_key]",
                SecretKind::StripeKey,
            ),
            (
                "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
                "[REDACTED:google_api_key]",
                SecretKind::GoogleApiKey,
            ),
            (
                "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",
                "[REDACTED:sendgrid_key]",
                SecretKind::SendgridKey,
            ),
            (
                "dapi0123456789abcdef0123456789abcdef",
                "[REDACTED:databricks_token]",
                SecretKind::DatabricksToken,
            ),
            (
                "ABIA7QNE3V2CNEFBHRHJ",
                "[REDACTED:aws_access_key]",
                SecretKind::AwsAccessKey,
            ),
        ] {
            assert_redacts(text, want, kind);
        }
        // Masks of the same shapes.
        assert_clean("sk_live_xxxxxxxxxxxxxxxxxxxxxxxx");
        assert_clean("AIzaXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
    }

    #[test]
    fn passwords_in_urls_and_commands_leave_the_rest_readable() {
        for (text, want) in [
            (
                "postgres://u:p4ss@h/db",
                "postgres://u:[REDACTED:url_password]@h/db",
            ),
            (
                "url = 'https://deploy:Zx81kQ@git.example.com/r.git'",
                "url = 'https://deploy:[REDACTED:url_password]@git.example.com/r.git'",
            ),
            (
                "DATABASE_URL=postgres://admin:S3cr3tPassw0rd@db.example.com:5432/app",
                "DATABASE_URL=postgres://admin:[REDACTED:url_password]@db.example.com:5432/app",
            ),
            (
                "redis://:s3cr3tpw@cache:6379",
                "redis://:[REDACTED:url_password]@cache:6379",
            ),
        ] {
            assert_redacts(text, want, SecretKind::UrlPassword);
        }
        assert_redacts(
            "curl -u admin:Zx81kQ9f https://api.example.com",
            "curl -u admin:[REDACTED:basic_auth] https://api.example.com",
            SecretKind::BasicAuth,
        );
        assert_redacts(
            "Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l",
            "Authorization: Basic [REDACTED:basic_auth]",
            SecretKind::BasicAuth,
        );
        for text in [
            "postgres://user:password@localhost/db",
            "postgres://postgres:postgres@localhost/db",
            "https://user@github.com/org/repo",
            "redis://:${REDIS_PASSWORD}@redis:6379",
            "curl -u \"$USER:$TOKEN\" https://x",
            "git push -u origin main",
            "The basic authentication scheme is old.",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn putty_and_wrapped_jwts_are_found() {
        let putty = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: k\nPublic-Lines: 1\n\
                     AAAAC3NzaC1lZDI1NTE5AAAAIOPm8xeT2u\nPrivate-Lines: 1\nAAAAIBq9v0Lrdq1zX8\nPrivate-MAC: 0a1b2c";
        assert_redacts(
            &format!("{putty}\nafter"),
            "[REDACTED:private_key]\nafter",
            SecretKind::PrivateKey,
        );
        assert_clean("Convert keys with `puttygen`: PuTTY-User-Key-File-3 files hold both halves.");
        let wrapped = "ZXlKaGJHY2lPaUpJVXpJMU5pSjkuZXlKemRXSWlPaUl4TWpNME5UWTNPRGt3SW4wLmRvempnTnJ5UDRKM2pWbU5IbDB3NU5fWGdMMG4zSTlQbEZVUDBUSHNSOFU=";
        assert_redacts(
            &format!("token: {wrapped}"),
            "token: [REDACTED:jwt]",
            SecretKind::Jwt,
        );
    }
}
