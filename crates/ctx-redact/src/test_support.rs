//! Test support shared by the unit tests of every module: made-up secrets
//! of each shape, and assertions on what redacting a text gives.
//!
//! The secrets are made up, in the shapes the providers document; none
//! grants access to anything.

use std::borrow::Cow;

use crate::{SecretKind, redact};

pub(crate) const GITHUB: &str = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
pub(crate) const JWT: &str =
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
pub(crate) const RSA_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----\n\
    MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\n\
    aFDrBz9vFqU4yV2Ke+3YJrn8CgYEA7Zy8v3Vn1kz9sd0xSECRET0pS3yb9m4xAe\n\
    -----END RSA PRIVATE KEY-----";

/// The redacted text, as an owned string.
pub(crate) fn redacted(text: &str) -> String {
    redact(text).0.into_owned()
}

/// Asserts that nothing in `text` is redacted and the text is borrowed back.
pub(crate) fn assert_clean(text: &str) {
    let (out, counts) = redact(text);
    assert!(
        matches!(out, Cow::Borrowed(s) if std::ptr::eq(s, text)),
        "redacted {text:?} to {out:?}"
    );
    assert!(counts.is_empty(), "{text:?}: {counts:?}");
}

/// Asserts that `text` redacts to `expected` with one secret of `kind`.
pub(crate) fn assert_redacts(text: &str, expected: &str, kind: SecretKind) {
    let (out, counts) = redact(text);
    assert_eq!(out, expected, "redacting {text:?}");
    assert_eq!(counts, vec![(kind, 1)], "redacting {text:?}");
}
