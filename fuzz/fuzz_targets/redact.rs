//! Fuzzes the secret redactor: on any text (the bytes read as lossy UTF-8)
//! redacting never panics, the output is a fixed point, and every marker it
//! adds stands for one counted find of a known kind, the rest of the text
//! kept byte for byte. `ctx_redact::properties::check` states the properties
//! exactly; the crate's unit tests check the same on generated text.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(broken) = ctx_redact::properties::check(&text) {
        panic!("{broken}");
    }
});
