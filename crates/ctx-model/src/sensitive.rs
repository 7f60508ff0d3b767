//! Which paths hold secrets by their name alone: `.env*`, `*.pem`, `*.key`,
//! `id_rsa*`, anything under `.aws/` or `secrets/`. Such files are refused
//! when named and skipped in collections.

/// Why a root-relative path is sensitive, or `None` when it is not.
///
/// `path` uses `/` separators; every component is checked, so a file inside
/// a `secrets/` folder at any depth counts.
pub fn sensitive_reason(path: &str) -> Option<&'static str> {
    let mut components = path.split('/').filter(|c| !c.is_empty()).peekable();
    while let Some(component) = components.next() {
        let is_file = components.peek().is_none();
        if !is_file {
            match component {
                ".aws" => return Some("inside `.aws/`"),
                "secrets" => return Some("inside `secrets/`"),
                _ => continue,
            }
        }
        if component.starts_with(".env") {
            return Some("an environment file (`.env*`)");
        }
        if component.starts_with("id_rsa") {
            return Some("an SSH key (`id_rsa*`)");
        }
        if component.ends_with(".pem") {
            return Some("a PEM file (`*.pem`)");
        }
        if component.ends_with(".key") {
            return Some("a key file (`*.key`)");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::sensitive_reason;

    #[test]
    fn flags_sensitive_names() {
        for path in [
            ".env",
            ".env.local",
            "app/.env.production",
            "certs/server.pem",
            "tls.key",
            "home/.ssh/id_rsa",
            "id_rsa.pub",
            ".aws/credentials",
            "deploy/secrets/token.txt",
        ] {
            assert!(sensitive_reason(path).is_some(), "{path}");
        }
    }

    #[test]
    fn leaves_look_alikes_alone() {
        for path in [
            "src/env.rs",
            "environment.md",
            "keys.rs",
            "monkey.txt",
            "docs/secrets.md",
            "aws/config.rs",
            "pem/readme",
        ] {
            assert_eq!(sensitive_reason(path), None, "{path}");
        }
    }
}
