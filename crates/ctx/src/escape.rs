//! Escaping text a user, a file name or an imported bundle brought in, so
//! it stays on its line and cannot drive the terminal.

use std::borrow::Cow;

/// `text` with its control characters escaped (`\n`, `\u{1b}`), so text
/// from a user, a file name or an imported bundle stays on its line and
/// cannot drive the terminal.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    escape_if(text, char::is_control)
}

/// [`escape_controls`], keeping line breaks: for status lines that span
/// several lines on purpose.
pub fn escape_controls_but_newlines(text: &str) -> Cow<'_, str> {
    escape_if(text, |c| c.is_control() && c != '\n')
}

fn escape_if(text: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}
