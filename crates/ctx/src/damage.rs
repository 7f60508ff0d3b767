//! Damaged databases at the edge: redb trusts the pages it reads, so a
//! flipped byte in `ctx.redb` can make it panic (a slice index out of
//! range, a key that is not UTF-8, a malformed allocator state) instead of
//! returning an error. Such a panic is caught around the command and
//! reported as an integrity failure (exit code 6) in the usual error block.
//!
//! Only panics raised inside redb are taken as damage; a panic anywhere
//! else is a ctx bug and keeps Rust's report and exit code.

use std::panic::{AssertUnwindSafe, PanicHookInfo};
use std::sync::Mutex;

use crate::error::{CliError, Kind, Result};

/// What the last panic inside the database code said, if one happened.
static DAMAGE: Mutex<Option<String>> = Mutex::new(None);

/// Installs the panic hook that notes database panics (quietly) and lets
/// every other panic print as usual.
pub fn install() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let mut damage = DAMAGE.lock().unwrap_or_else(|p| p.into_inner());
        match info.location() {
            Some(at) if in_database(at.file()) => {
                let file = at.file();
                // From the crate's folder on: the registry path says nothing.
                let file = file.find("redb").map_or(file, |i| &file[i..]);
                *damage = Some(format!("{} ({file}:{})", message(info), at.line()));
            }
            // A worker thread's database panic surfaces again where it is
            // joined: that is the same damage, already noted.
            _ if damage.is_some() => {}
            _ => {
                drop(damage);
                default(info);
            }
        }
    }));
}

/// Runs a command; a database panic becomes an integrity error.
pub fn guard(command: impl FnOnce() -> Result<()>) -> Result<()> {
    match std::panic::catch_unwind(AssertUnwindSafe(command)) {
        Ok(result) => result,
        Err(panic) => {
            let noted = DAMAGE.lock().unwrap_or_else(|p| p.into_inner()).take();
            let Some(what) = noted else {
                std::panic::resume_unwind(panic)
            };
            let mut err = CliError::new(
                Kind::Integrity,
                "the ctx database is damaged: the database engine stopped at a page it could not read",
            )
            .hint("`ctx fsck` shows what can still be read; restore `ctx.redb` from a backup if nothing can");
            err.causes.push(what);
            Err(err)
        }
    }
}

/// Whether a source file belongs to redb (a registry, git or vendored copy).
fn in_database(file: &str) -> bool {
    file.contains("/redb-") || file.contains("/redb/src/")
}

fn message(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

#[cfg(test)]
mod tests {
    use super::in_database;

    #[test]
    fn only_redb_sources_count_as_the_database() {
        assert!(in_database(
            "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/redb-4.6.0/src/types.rs"
        ));
        assert!(in_database("/vendor/redb/src/tree_store/btree_base.rs"));
        assert!(!in_database("crates/ctx/src/render/mod.rs"));
        assert!(!in_database("/rustc/abc/library/core/src/slice/index.rs"));
    }
}
