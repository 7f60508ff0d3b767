//! An outline's text: the kept lines and one marker per elision.

use crate::Elision;

/// `source` with each elision replaced by its marker line. Elisions out of
/// order, overlapping or past the end (an `Outline` built by hand) render as
/// best they can rather than panic.
pub(crate) fn text(elided: &[Elision], source: &str) -> String {
    let lines: Vec<&str> = source.split_inclusive('\n').collect();
    let mut out = String::with_capacity(source.len() / 2);
    let mut pending = elided.iter().peekable();
    let mut index = 0;
    while let Some(&line) = lines.get(index) {
        let number = index as u64 + 1;
        while pending.next_if(|e| u64::from(e.last) < number).is_some() {}
        match pending.next_if(|e| u64::from(e.first) <= number) {
            Some(e) => {
                let end = usize::try_from(e.last)
                    .unwrap_or(usize::MAX)
                    .min(lines.len());
                let run = lines.get(index..end).unwrap_or_default();
                out.push_str(indent(run));
                out.push_str(&format!("… lines {}-{}\n", e.first, e.last));
                index = end;
            }
            None => {
                out.push_str(line);
                index += 1;
            }
        }
    }
    out
}

/// The indentation of the first line of `run` that is not blank: a body
/// that opens with a blank line (common after a Python docstring) would put
/// its marker at column 0, out of line with the code it stands for.
fn indent<'a>(run: &[&'a str]) -> &'a str {
    let leading = |line: &'a str| {
        let end = line
            .find(|c: char| c != ' ' && c != '\t')
            .unwrap_or(line.len());
        line.get(..end).unwrap_or("")
    };
    run.iter()
        .find(|line| !line.trim().is_empty())
        .map_or("", |line| leading(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_take_the_indent_of_the_first_nonblank_line() {
        let source = "def f():\r\n\r\n    a = 1\r\n    return a\r\nx";
        let elided = [Elision { first: 2, last: 4 }];
        assert_eq!(text(&elided, source), "def f():\r\n    … lines 2-4\nx");
    }

    #[test]
    fn hand_built_outlines_do_not_panic() {
        let source = "a\nb\nc\n";
        let odd = [
            Elision { first: 3, last: 9 },
            Elision { first: 2, last: 3 },
            Elision { first: 0, last: 0 },
            Elision { first: 7, last: 1 },
        ];
        assert_eq!(text(&odd, source), "a\nb\n… lines 3-9\n");
        assert_eq!(text(&odd, ""), "");
    }
}
