//! Names similar to a mistyped one, for "did you mean" hints: the edit
//! distance between two names, and the known name nearest a wanted one.

/// The optimal string alignment distance between `a` and `b`: the fewest
/// insertions, deletions, substitutions and swaps of two neighbouring
/// characters that turn one into the other (`dmeo` is one swap from
/// `demo`).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the distance matrix: a swap looks two rows back.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            current[j] = d;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate nearest `wanted`, if one is near enough to be what was
/// meant: at most one edit per three characters (so a name of one or two
/// is only matched ignoring case: any other is one edit away), the first in
/// order among equally near ones.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = wanted.chars().count() / 3;
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let d = edit_distance(&wanted.to_lowercase(), &candidate.to_lowercase());
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_edits_and_swaps() {
        assert_eq!(edit_distance("demo", "demo"), 0);
        assert_eq!(edit_distance("dmeo", "demo"), 1);
        assert_eq!(edit_distance("dem", "demo"), 1);
        assert_eq!(edit_distance("demos", "demo"), 1);
        assert_eq!(edit_distance("dxmo", "demo"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ça", "ca"), 1);
    }

    #[test]
    fn only_a_near_name_is_suggested() {
        let known = ["api", "backend", "demo", "docs"];
        assert_eq!(closest("deom", known), Some("demo"));
        assert_eq!(closest("Demo", known), Some("demo"));
        assert_eq!(closest("bakend", known), Some("backend"));
        assert_eq!(closest("doc", known), Some("docs"));
        assert_eq!(closest("xyz", known), None);
        assert_eq!(closest("frontend", known), None);
        assert_eq!(closest("anything", []), None);
        assert_eq!(closest("q", ["p"]), None);
        assert_eq!(closest("P", ["p"]), Some("p"));
    }
}
