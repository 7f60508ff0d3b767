//! What a mutation did: nothing at all (no event was written), or one event.
//!
//! The JSON form keeps one shape for every command: `{"changed": false}`,
//! or `{"changed": true, "seq": N, ...}` with the fields of what was done.

use ctx_model::EventSeq;
use serde::ser::SerializeMap as _;
use serde::{Serialize, Serializer};

/// A change that was written as event `seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done<T> {
    pub seq: EventSeq,
    pub what: T,
}

/// A mutation's outcome: nothing changed, or one event was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<T> {
    /// Nothing would change; no event was written.
    Unchanged,
    Changed(Done<T>),
}

impl<T> Outcome<T> {
    /// The change, when there was one.
    pub fn changed(&self) -> Option<&Done<T>> {
        match self {
            Self::Unchanged => None,
            Self::Changed(done) => Some(done),
        }
    }

    /// The same outcome with what was done turned by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        match self {
            Self::Unchanged => Outcome::Unchanged,
            Self::Changed(Done { seq, what }) => Outcome::Changed(Done { seq, what: f(what) }),
        }
    }
}

impl<T> From<Done<T>> for Outcome<T> {
    fn from(done: Done<T>) -> Self {
        Self::Changed(done)
    }
}

impl<T: Serialize> Serialize for Done<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Flat<'a, T> {
            changed: bool,
            seq: u64,
            #[serde(flatten)]
            what: &'a T,
        }
        Flat {
            changed: true,
            seq: self.seq.0,
            what: &self.what,
        }
        .serialize(s)
    }
}

impl<T: Serialize> Serialize for Outcome<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Unchanged => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("changed", &false)?;
                map.end()
            }
            Self::Changed(done) => done.serialize(s),
        }
    }
}

/// What storing a snapshot did: snapshots are named by their content, so
/// one may be there already.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stored<T> {
    /// A new snapshot was stored.
    New(Done<T>),
    /// The snapshot was there already, under another label; it took the
    /// new one (its own event).
    Labelled(Done<T>),
    /// The snapshot was there already: nothing changed.
    Exists(T),
}

impl<T> Stored<T> {
    /// What was stored or found.
    pub fn what(&self) -> &T {
        match self {
            Self::New(done) | Self::Labelled(done) => &done.what,
            Self::Exists(what) => what,
        }
    }
}

impl<T: Serialize> Serialize for Stored<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Flat<'a, T> {
            changed: bool,
            existing: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            seq: Option<u64>,
            #[serde(flatten)]
            what: &'a T,
        }
        let (changed, existing, seq) = match self {
            Self::New(done) => (true, false, Some(done.seq.0)),
            Self::Labelled(done) => (true, true, Some(done.seq.0)),
            Self::Exists(_) => (false, true, None),
        };
        Flat {
            changed,
            existing,
            seq,
            what: self.what(),
        }
        .serialize(s)
    }
}

impl<T> Commit for Stored<T> {
    fn must_commit(&self) -> bool {
        !matches!(self, Self::Exists(_))
    }
}

/// Whether a write transaction's work must be committed.
pub(crate) trait Commit {
    /// True when something was written that must persist.
    fn must_commit(&self) -> bool;
}

impl<T> Commit for Outcome<T> {
    fn must_commit(&self) -> bool {
        matches!(self, Self::Changed(_))
    }
}

impl<T> Commit for Done<T> {
    fn must_commit(&self) -> bool {
        true
    }
}

impl Commit for () {
    fn must_commit(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Renamed {
        to: &'static str,
    }

    #[test]
    fn outcomes_serialize_flat() {
        let done = Outcome::Changed(Done {
            seq: EventSeq(7),
            what: Renamed { to: "b" },
        });
        assert_eq!(
            serde_json::to_value(&done).expect("json"),
            serde_json::json!({"changed": true, "seq": 7, "to": "b"})
        );
        let none: Outcome<Renamed> = Outcome::Unchanged;
        assert_eq!(
            serde_json::to_value(&none).expect("json"),
            serde_json::json!({"changed": false})
        );
    }
}
