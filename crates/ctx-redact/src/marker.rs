//! Markers: the `[REDACTED:<kind>]` text that stands where a secret was,
//! and the helpers that let detection treat it as opaque.
//!
//! A marker is only ever replaced whole: spans are widened to cover any
//! marker they start or end inside, and text that is nothing but markers is
//! never redacted again. That is what keeps redacted text a fixed point.

use std::borrow::Cow;

use crate::SecretKind;
use crate::kind::LONGEST_NAME;

/// How every replacement begins.
pub(crate) const MARKER_OPEN: &str = "[REDACTED:";

/// The length of the marker starting at `at`, if one does.
pub(crate) fn marker_len(b: &[u8], at: usize) -> Option<usize> {
    let rest = b.get(at..)?.strip_prefix(MARKER_OPEN.as_bytes())?;
    SecretKind::ALL.iter().find_map(|kind| {
        let name = kind.as_str().as_bytes();
        (rest.starts_with(name) && rest.get(name.len()) == Some(&b']'))
            .then_some(MARKER_OPEN.len() + name.len() + 1)
    })
}

/// The marker that `pos` falls strictly inside, if any.
pub(crate) fn marker_around(b: &[u8], pos: usize) -> Option<(usize, usize)> {
    const LONGEST: usize = MARKER_OPEN.len() + LONGEST_NAME + 1;
    let from = pos.saturating_sub(LONGEST);
    // Only a `[` can open a marker, and text rarely holds one.
    (from..pos.min(b.len()))
        .rev()
        .filter(|&start| b[start] == b'[')
        .find_map(|start| {
            let end = start + marker_len(b, start)?;
            (pos < end).then_some((start, end))
        })
}

/// `s` without the markers in it.
pub(crate) fn strip_markers(s: &str) -> Cow<'_, str> {
    if !s.contains(MARKER_OPEN) {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut at = 0;
    while let Some(found) = s[at..].find(MARKER_OPEN) {
        let start = at + found;
        match marker_len(b, start) {
            Some(len) => {
                out.push_str(&s[last..start]);
                last = start + len;
                at = last;
            }
            None => at = start + 1,
        }
    }
    out.push_str(&s[last..]);
    Cow::Owned(out)
}
