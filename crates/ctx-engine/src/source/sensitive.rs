//! Which paths count as sensitive: the built-in names
//! (`ctx_model::sensitive`), plus the patterns a config adds, less the ones
//! it removes. A pattern without `/` matches file names, as `--exclude`
//! does; one with `/` matches the root-relative path.

use globset::{Glob, GlobMatcher};

use ctx_model::sensitive::sensitive_reason;

/// The sensitive-path rules in effect.
#[derive(Clone, Debug, Default)]
pub struct Sensitive {
    add: Vec<Pattern>,
    remove: Vec<Pattern>,
}

#[derive(Clone, Debug)]
struct Pattern {
    text: String,
    matcher: GlobMatcher,
}

impl Pattern {
    fn new(text: &str) -> Result<Self, String> {
        let matcher = Glob::new(text)
            .map_err(|e| format!("`{text}` is not a valid glob: {e}"))?
            .compile_matcher();
        Ok(Pattern {
            text: text.to_owned(),
            matcher,
        })
    }

    fn matches(&self, rel: &str) -> bool {
        if self.text.contains('/') {
            self.matcher.is_match(rel)
        } else {
            let name = rel.rsplit('/').next().unwrap_or(rel);
            self.matcher.is_match(name)
        }
    }
}

/// Checks that each of `patterns` is a valid glob.
pub fn check_patterns(patterns: &[String]) -> Result<(), String> {
    patterns.iter().try_for_each(|p| Pattern::new(p).map(drop))
}

impl Sensitive {
    /// The built-in rules with `add` added and `remove` taken away.
    pub fn new(add: &[String], remove: &[String]) -> Result<Self, String> {
        let compile = |list: &[String]| -> Result<Vec<Pattern>, String> {
            list.iter().map(|p| Pattern::new(p)).collect()
        };
        Ok(Sensitive {
            add: compile(add)?,
            remove: compile(remove)?,
        })
    }

    /// Why `rel` (root-relative, `/`-separated) is sensitive, if it is.
    pub fn reason(&self, rel: &str) -> Option<String> {
        if self.remove.iter().any(|p| p.matches(rel)) {
            return None;
        }
        if let Some(reason) = sensitive_reason(rel) {
            return Some(reason.to_owned());
        }
        self.add
            .iter()
            .find(|p| p.matches(rel))
            .map(|p| format!("it matches the sensitive pattern `{}`", p.text))
    }
}

#[cfg(test)]
mod tests {
    use super::Sensitive;

    #[test]
    fn adds_and_removes_patterns() {
        let rules = Sensitive::new(
            &["*.secret".into(), "private/**".into()],
            &[".env.example".into()],
        )
        .expect("valid");
        assert!(rules.reason("a/b.secret").is_some());
        assert!(rules.reason("private/x.md").is_some());
        assert!(rules.reason(".env").is_some());
        assert!(rules.reason("app/.env.example").is_none());
        assert!(rules.reason("src/main.rs").is_none());
    }
}
