//! Which lines of which files a render holds already, so that each file
//! (or a range of it) renders once: at its first occurrence in render
//! order, which is its highest priority.

use std::collections::HashMap;
use std::hash::Hash;

/// Lines of a file: `None` for all of them, else an inclusive 1-based range.
pub type Lines = Option<(u32, u32)>;

/// The lines of each file taken so far.
#[derive(Debug, Clone)]
pub struct Coverage<K> {
    files: HashMap<K, Vec<Lines>>,
}

impl<K> Default for Coverage<K> {
    fn default() -> Self {
        Self {
            files: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq> Coverage<K> {
    /// Takes `lines` of `file` and says whether they were new: lines
    /// already held whole (the whole file, or a range holding them) are a
    /// duplicate. A whole file after a range of it is new (it holds more),
    /// and so is a range that only overlaps one taken.
    pub fn take(&mut self, file: K, lines: Lines) -> bool {
        let taken = self.files.entry(file).or_default();
        let held = taken.iter().any(|seen| match (seen, lines) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some((from, to)), Some((a, b))) => *from <= a && b <= *to,
        });
        if !held {
            taken.push(lines);
        }
        !held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_held_already_are_duplicates() {
        let mut c = Coverage::default();
        assert!(c.take("a", Some((5, 10))));
        assert!(!c.take("a", Some((6, 9))), "inside a range taken");
        assert!(c.take("a", Some((8, 12))), "overlapping only");
        assert!(c.take("a", None), "the whole file holds more");
        assert!(!c.take("a", None));
        assert!(!c.take("a", Some((1, 2))), "inside the whole file");
        assert!(c.take("b", Some((1, 2))), "another file");
    }
}
