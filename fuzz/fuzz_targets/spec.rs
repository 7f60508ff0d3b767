//! Fuzzes the source spec parser: parsing any text never panics, and a spec
//! that parses shows as canonical text that parses back to the same spec.

#![no_main]

use ctx_model::SourceSpec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(spec) = SourceSpec::parse(text) else {
        return;
    };
    let shown = spec.to_string();
    assert_eq!(
        SourceSpec::parse(&shown).as_ref(),
        Ok(&spec),
        "{text:?} parsed, showed as {shown:?}, and that parsed differently"
    );
    // Display is canonical: showing the reparsed spec changes nothing.
    assert_eq!(SourceSpec::parse(&shown).map(|s| s.to_string()), Ok(shown));
});
