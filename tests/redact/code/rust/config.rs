use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct DatabaseConfig {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    #[serde(default)]
    pub password_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Deserialize)]
pub struct Settings {
    pub database: DatabaseConfig,
    pub api_key: Option<String>,
    pub secret_key_path: String,
    pub token_budget: usize,
    pub max_tokens: u32,
}

impl Settings {
    pub fn load(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    pub fn redacted(&self) -> String {
        let api_key = self.api_key.as_deref().map(|_| "***").unwrap_or("none");
        format!("db={}@{}:{} api_key={api_key}", self.database.user, self.database.host, self.database.port)
    }
}

pub fn connection_string(db: &DatabaseConfig) -> String {
    let password = urlencoding::encode(&db.password);
    format!("postgres://{}:{password}@{}:{}/app", db.user, db.host, db.port)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
token_budget = 8000
max_tokens = 4096
secret_key_path = "/etc/app/secret.key"

[database]
host = "localhost"
port = 5432
user = "app"
password = "${DB_PASSWORD}"
"#;

    #[test]
    fn parses_the_example() {
        let settings = Settings::load(EXAMPLE).expect("valid");
        assert_eq!(settings.database.password, "${DB_PASSWORD}");
        assert!(settings.api_key.is_none());
    }
}
