//! Fuzzes the event decoder: decoding any bytes as a stored event never
//! panics, and a record that decodes encodes to bytes that decode to the same
//! record.

#![no_main]

use ctx_store::fuzzing::{decode_event, encode_event};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The decoder also checks the record's seq against its key. Take the seq
    // from where postcard puts it (after the envelope's variant index, as the
    // record's first field) so that check passes and the round trip is
    // reached; when the bytes are too short for that, any key will do.
    let seq = postcard::take_from_bytes::<(u32, u64)>(data).map_or(0, |((_, seq), _)| seq);
    let Ok(record) = decode_event(data, seq) else {
        return;
    };
    let bytes = encode_event(&record);
    match decode_event(&bytes, seq) {
        Ok(again) => assert_eq!(again, record, "the re-encoded record decoded differently"),
        Err(e) => panic!("the re-encoded record does not decode: {e}"),
    }
});
