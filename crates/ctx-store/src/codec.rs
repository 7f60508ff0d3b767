//! postcard encoding of stored values, decoded explicitly so a bad record is
//! an error and never a panic.
//!
//! Events sit in a versioned envelope: postcard is not self-describing, so a
//! changed record shape must be a new envelope variant that old readers
//! reject cleanly and new readers still decode. Derived rows need no
//! envelope: a layout change bumps `SCHEMA_VERSION` and they are rebuilt.

use serde::Serialize;
use serde::de::DeserializeOwned;

use ctx_model::{EventRecord, Manifest};

use crate::error::{Result, StoreError};

#[derive(Serialize)]
enum EnvelopeRef<'a> {
    V1(&'a EventRecord),
}

#[derive(serde::Deserialize)]
enum Envelope {
    V1(EventRecord),
}

/// Encodes an event record for the `events` table.
pub fn encode_event(record: &EventRecord) -> Vec<u8> {
    postcard::to_stdvec(&EnvelopeRef::V1(record)).expect("BUG: encoding to a Vec cannot fail")
}

/// Decodes an `events` value; the whole value must be consumed.
pub fn decode_event(bytes: &[u8], seq: u64) -> Result<EventRecord> {
    match decode::<Envelope>(bytes, "events", || seq.to_string())? {
        Envelope::V1(record) if record.seq.0 == seq => Ok(record),
        Envelope::V1(record) => Err(StoreError::Corrupt {
            table: "events",
            key: seq.to_string(),
            reason: format!("the record says it is event {}", record.seq),
        }),
    }
}

#[derive(Serialize)]
enum ManifestEnvelopeRef<'a> {
    V1(&'a Manifest),
}

#[derive(serde::Deserialize)]
enum ManifestEnvelope {
    V1(Manifest),
}

/// Encodes a snapshot manifest; like events, manifests are never rebuilt,
/// so they sit in a versioned envelope.
pub fn encode_manifest(manifest: &Manifest) -> Vec<u8> {
    postcard::to_stdvec(&ManifestEnvelopeRef::V1(manifest))
        .expect("BUG: encoding to a Vec cannot fail")
}

/// Decodes a `snapshots` value.
pub fn decode_manifest(bytes: &[u8], id: u64) -> Result<Manifest> {
    match decode::<ManifestEnvelope>(bytes, "snapshots", || id.to_string())? {
        ManifestEnvelope::V1(manifest) => Ok(manifest),
    }
}

/// Encodes a derived row.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_stdvec(value).expect("BUG: encoding to a Vec cannot fail")
}

/// Decodes a value, refusing trailing bytes.
pub fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    table: &'static str,
    key: impl FnOnce() -> String,
) -> Result<T> {
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(StoreError::Corrupt {
            table,
            key: key(),
            reason: format!("{} trailing bytes", rest.len()),
        }),
        Err(e) => Err(StoreError::Corrupt {
            table,
            key: key(),
            reason: e.to_string(),
        }),
    }
}
