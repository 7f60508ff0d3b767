//! The cache encoding of an outline: a format byte, the number of elisions,
//! then each elision as the gap since the previous one and its length, all
//! LEB128. Gaps and lengths rather than line numbers keep it small and make
//! every decodable byte string a valid outline (sorted, disjoint, each at
//! least two lines).

use crate::Elision;

/// Changes only if the layout below does.
const FORMAT: u8 = 1;

pub(crate) fn encode(elided: &[Elision]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + elided.len() * 4);
    out.push(FORMAT);
    push_varint(&mut out, elided.len() as u64);
    let mut previous_last = 0u32;
    for e in elided {
        // Saturating: an `Outline` built by hand out of order still encodes
        // (to something valid), and the engine's own never saturates.
        let gap = e.first.saturating_sub(previous_last).saturating_sub(1);
        let extra = e.last.saturating_sub(e.first).saturating_sub(1);
        push_varint(&mut out, u64::from(gap));
        push_varint(&mut out, u64::from(extra));
        previous_last = e.last;
    }
    out
}

pub(crate) fn decode(bytes: &[u8]) -> Option<Vec<Elision>> {
    let (&format, mut rest) = bytes.split_first()?;
    if format != FORMAT {
        return None;
    }
    let count = read_varint(&mut rest)?;
    // Each elision takes at least two bytes, which bounds the allocation by
    // the input rather than by a count a corrupt entry could claim.
    if count > rest.len() as u64 / 2 {
        return None;
    }
    let mut elided = Vec::with_capacity(usize::try_from(count).ok()?);
    let mut previous_last = 0u32;
    for _ in 0..count {
        let gap = u32::try_from(read_varint(&mut rest)?).ok()?;
        let extra = u32::try_from(read_varint(&mut rest)?).ok()?;
        let first = previous_last.checked_add(gap)?.checked_add(1)?;
        let last = first.checked_add(extra)?.checked_add(1)?;
        elided.push(Elision { first, last });
        previous_last = last;
    }
    rest.is_empty().then_some(elided)
}

fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// One LEB128 number, at most 64 bits, in its shortest form only so that
/// each outline has exactly one encoding.
fn read_varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first()?;
        *bytes = rest;
        let bits = u64::from(byte & 0x7f);
        if shift == 63 && bits > 1 {
            return None;
        }
        value |= bits << shift;
        if byte & 0x80 == 0 {
            if byte == 0 && shift > 0 {
                return None;
            }
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let elided = vec![
            Elision { first: 2, last: 3 },
            Elision {
                first: 5,
                last: 900,
            },
            Elision {
                first: 901 + 200,
                last: u32::MAX,
            },
        ];
        let bytes = encode(&elided);
        assert_eq!(decode(&bytes), Some(elided));
        assert_eq!(decode(&encode(&[])), Some(vec![]));
        assert_eq!(decode(&[]), None);
        assert_eq!(decode(&[2, 0]), None, "unknown format");
        assert_eq!(decode(&[1, 1, 0]), None, "truncated");
        assert_eq!(decode(&[1, 0, 0]), None, "trailing bytes");
        assert_eq!(decode(&[1, 0x80, 0]), None, "overlong count");
        assert_eq!(
            decode(&[1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0]),
            None,
            "past u32"
        );
    }
}
