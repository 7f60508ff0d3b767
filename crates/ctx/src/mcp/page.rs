//! Pages of list results behind opaque cursors. A cursor names an offset
//! into one particular list (by a fingerprint of its names), so a cursor
//! from a list that has changed since is refused rather than misread.

use serde_json::Value;

use super::protocol::RpcError;
use super::session::Request;

/// Entries per page.
pub const PAGE: usize = 100;

/// The page of `items` (named by `name`) that the request's cursor asks
/// for, and the cursor of the page after it.
pub fn page<T>(
    req: &Request,
    items: Vec<T>,
    name: impl Fn(&T) -> &str,
) -> Result<(Vec<T>, Option<String>), RpcError> {
    let print = fingerprint(items.iter().map(&name));
    let start = match req.params.get("cursor") {
        None | Some(Value::Null) => 0,
        Some(Value::String(cursor)) => parse(cursor, &print)
            .filter(|&at| at <= items.len())
            .ok_or_else(|| RpcError::invalid_params("Invalid cursor"))?,
        Some(_) => return Err(RpcError::invalid_params("Invalid cursor")),
    };
    let end = (start + PAGE).min(items.len());
    let next = (end < items.len()).then(|| format!("{end}.{print}"));
    let page = items.into_iter().skip(start).take(end - start).collect();
    Ok((page, next))
}

/// The first 16 hex digits of the BLAKE3 of the names, in order.
fn fingerprint<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut joined = Vec::new();
    for name in names {
        joined.extend_from_slice(name.as_bytes());
        joined.push(0);
    }
    ctx_model::BlobHash::of(&joined).to_string()[..16].to_owned()
}

fn parse(cursor: &str, print: &str) -> Option<usize> {
    let (at, of) = cursor.split_once('.')?;
    (of == print).then(|| at.parse().ok())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_name_their_list() {
        let print = fingerprint(["a", "b"].into_iter());
        assert_eq!(parse(&format!("1.{print}"), &print), Some(1));
        assert_eq!(parse(&format!("1.{print}"), "other"), None);
        assert_eq!(parse("junk", &print), None);
        assert_ne!(print, fingerprint(["a", "c"].into_iter()));
    }
}
