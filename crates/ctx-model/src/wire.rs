//! Which shape of stored record is being decoded.
//!
//! postcard is not self-describing: a record written before a type grew a
//! field holds fewer fields, and only the envelope around the whole event
//! says which shape it has. The store reads the envelope's tag and decodes
//! an old event inside [`decoding_v1`]; the few types whose shape changed
//! since ([`AddOptions`](crate::AddOptions) gained `mode`,
//! [`Pack`](crate::Pack) gained `fit`) then read their first shape. This
//! keeps one definition of each type instead of a copy of every event type
//! per shape.

use std::cell::Cell;

thread_local! {
    static V1: Cell<bool> = const { Cell::new(false) };
}

/// Runs `decode` reading records in the shape of envelope V1.
pub fn decoding_v1<R>(decode: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            V1.with(|v| v.set(self.0));
        }
    }
    let _reset = Reset(V1.with(|v| v.replace(true)));
    decode()
}

/// Whether the record being decoded has the shape of envelope V1.
pub(crate) fn v1() -> bool {
    V1.with(Cell::get)
}
