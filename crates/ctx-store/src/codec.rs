//! postcard encoding of stored values, decoded explicitly so a bad record is
//! an error and never a panic.
//!
//! Events sit in a versioned envelope: postcard is not self-describing, so a
//! changed record shape must be a new envelope variant that old readers
//! reject cleanly and new readers still decode. Derived rows need no
//! envelope: a layout change bumps `SCHEMA_VERSION` and they are rebuilt.

use serde::Serialize;
use serde::de::DeserializeOwned;

use ctx_model::snapshot::legacy::ManifestV1;
use ctx_model::{EventRecord, Manifest, SnapshotSplit};

use crate::error::{Result, StoreError};

#[derive(Serialize)]
enum EnvelopeRef<'a> {
    #[expect(
        dead_code,
        reason = "written by an older ctx; named to keep the tag of V2"
    )]
    V1(()),
    V2(&'a EventRecord),
}

/// V1: before `AddOptions::mode` and `Pack::fit`; its records decode in
/// their first shape ([`ctx_model::wire`]).
#[derive(serde::Deserialize)]
enum Envelope {
    V1(EventRecord),
    V2(EventRecord),
}

/// The tag postcard writes for `Envelope::V1`: a varint 0.
const V1_TAG: u8 = 0;

/// Encodes an event record for the `events` table.
pub fn encode_event(record: &EventRecord) -> Vec<u8> {
    postcard::to_stdvec(&EnvelopeRef::V2(record)).expect("BUG: encoding to a Vec cannot fail")
}

/// Decodes an `events` value; the whole value must be consumed.
pub fn decode_event(bytes: &[u8], seq: u64) -> Result<EventRecord> {
    let decoded = || decode::<Envelope>(bytes, "events", || seq.to_string());
    let envelope = if bytes.first() == Some(&V1_TAG) {
        ctx_model::wire::decoding_v1(decoded)?
    } else {
        decoded()?
    };
    let (Envelope::V1(record) | Envelope::V2(record)) = envelope;
    if record.seq.0 == seq {
        Ok(record)
    } else {
        Err(StoreError::Corrupt {
            table: "events",
            key: seq.to_string(),
            reason: format!("the record says it is event {}", record.seq),
        })
    }
}

/// V1 manifests kept every body whole; V2 items record their form; V3
/// adds the split. A manifest without a split is written as V2, as it
/// was before splits existed.
#[derive(Serialize)]
enum ManifestEnvelopeRef<'a> {
    #[expect(
        dead_code,
        reason = "written by an older ctx; named to keep the tags of V2 and V3"
    )]
    V1(()),
    V2(&'a Manifest),
    V3(&'a Manifest, &'a SnapshotSplit),
}

#[derive(serde::Deserialize)]
enum ManifestEnvelope {
    V1(ManifestV1),
    V2(Manifest),
    V3(Manifest, SnapshotSplit),
}

/// Encodes a snapshot manifest; like events, manifests are never rebuilt,
/// so they sit in a versioned envelope.
pub fn encode_manifest(manifest: &Manifest) -> Vec<u8> {
    let envelope = match &manifest.split {
        None => ManifestEnvelopeRef::V2(manifest),
        Some(split) => ManifestEnvelopeRef::V3(manifest, split),
    };
    postcard::to_stdvec(&envelope).expect("BUG: encoding to a Vec cannot fail")
}

/// Decodes a `snapshots` value.
pub fn decode_manifest(bytes: &[u8], id: u64) -> Result<Manifest> {
    match decode::<ManifestEnvelope>(bytes, "snapshots", || id.to_string())? {
        ManifestEnvelope::V1(manifest) => Ok(manifest.into()),
        ManifestEnvelope::V2(manifest) => Ok(manifest),
        ManifestEnvelope::V3(manifest, split) => Ok(Manifest {
            split: Some(split),
            ..manifest
        }),
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

#[cfg(test)]
mod tests {
    use ctx_model::{ArtifactId, Event, EventSeq, PackId, SourceSpec, Timestamp};

    use super::*;

    fn removed(spec: SourceSpec) -> EventRecord {
        EventRecord {
            seq: EventSeq(7),
            time: Timestamp(0),
            user: "test".into(),
            version: "0.1.0".into(),
            command: vec!["ctx".into()],
            pack: None,
            event: Event::ArtifactRemoved {
                pack: PackId(1),
                artifact: ArtifactId(2),
                spec,
            },
        }
    }

    #[test]
    fn events_round_trip() {
        let record = removed(SourceSpec::Range {
            path: "a.rs".into(),
            start: 3,
            end: 9,
        });
        assert_eq!(decode_event(&encode_event(&record), 7).ok(), Some(record));
        let record = removed(SourceSpec::Dir { dir: "src".into() });
        assert_eq!(decode_event(&encode_event(&record), 7).ok(), Some(record));
    }

    /// postcard stores a spec's variant by position: the folder spec came
    /// last, so every spec written before it keeps its bytes and decodes.
    #[test]
    fn spec_variants_keep_their_positions() {
        let tag = |spec: SourceSpec| postcard::to_allocvec(&spec).expect("encodes")[0];
        assert_eq!(tag(SourceSpec::File { path: "a".into() }), 0);
        assert_eq!(tag(SourceSpec::Text { text: "a".into() }), 2);
        assert_eq!(tag(SourceSpec::MdDir { dir: "a".into() }), 4);
        assert_eq!(
            tag(SourceSpec::GitDiff {
                base: None,
                head: None
            }),
            5
        );
        assert_eq!(tag(SourceSpec::Dir { dir: "a".into() }), 6);
    }

    /// A stored spec `parse` would refuse is corrupt, not a value: a range
    /// starting at line 0 or ending before it starts panicked when `ctx
    /// render` read the file again and sliced it, and a revision starting
    /// with `-` reached `git diff` as an option (`--output=FILE` writes a
    /// file).
    #[test]
    fn a_stored_spec_parse_would_refuse_is_corrupt() {
        let range = |start, end| SourceSpec::Range {
            path: "a.rs".into(),
            start,
            end,
        };
        let diff = |base: &str, head: Option<&str>| SourceSpec::GitDiff {
            base: Some(base.into()),
            head: head.map(Into::into),
        };
        for spec in [
            range(0, 3),
            range(5, 4),
            SourceSpec::File { path: "".into() },
            SourceSpec::Text { text: "".into() },
            SourceSpec::Dir { dir: "".into() },
            diff("--output=/tmp/x", None),
            diff("main", Some("")),
            SourceSpec::GitDiff {
                base: None,
                head: Some("main".into()),
            },
        ] {
            let bytes = encode_event(&removed(spec.clone()));
            assert!(
                matches!(decode_event(&bytes, 7), Err(StoreError::Corrupt { .. })),
                "{spec:?}"
            );
        }
    }
}
