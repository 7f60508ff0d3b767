//! Fuzzes snapshot bundle decoding and verification: any bytes are refused
//! cleanly or give a manifest and blobs that encode to a bundle decoding to
//! the same values.

#![no_main]

use ctx_store::bundle;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check(data);
    // A mutation almost always breaks the trailing checksum, which would stop
    // every input at the first check. Also try the input sealed with a
    // correct checksum so the fuzzer reaches the body decoder and the hash
    // checks behind it.
    let mut sealed = data.to_vec();
    sealed.extend_from_slice(blake3::hash(data).as_bytes());
    check(&sealed);
});

/// A payload limit well above anything a fuzz input can hold.
const LIMIT: u64 = 1 << 30;

fn check(bytes: &[u8]) {
    let Ok((manifest, blobs)) = bundle::decode(bytes, LIMIT) else {
        return;
    };
    let again = bundle::encode(&manifest, &blobs);
    assert_eq!(
        bundle::decode(&again, LIMIT),
        Ok((manifest, blobs)),
        "the re-encoded bundle decoded differently"
    );
}
