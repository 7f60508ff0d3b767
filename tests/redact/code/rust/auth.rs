use std::time::{Duration, SystemTime};

use jsonwebtoken::{decode, encode, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// How long an access token lives.
pub const ACCESS_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);
pub const REFRESH_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
const TOKEN_ISSUER: &str = "https://auth.example.com";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: u64,
    pub iss: String,
}

#[derive(Clone)]
pub struct AuthConfig {
    pub jwt_secret: String,
    pub password_min_length: usize,
    pub token_header: &'static str,
}

impl AuthConfig {
    pub fn from_env() -> Result<Self, std::env::VarError> {
        let jwt_secret = std::env::var("JWT_SECRET")?;
        Ok(Self { jwt_secret, password_min_length: 12, token_header: "Authorization" })
    }
}

pub fn issue_token(config: &AuthConfig, user_id: &str) -> jsonwebtoken::errors::Result<String> {
    let exp = SystemTime::now()
        .checked_add(ACCESS_TOKEN_TTL)
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    let claims = Claims { sub: user_id.to_owned(), exp, iss: TOKEN_ISSUER.to_owned() };
    let key = EncodingKey::from_secret(config.jwt_secret.as_bytes());
    encode(&Header::default(), &claims, &key)
}

pub fn verify_token(config: &AuthConfig, token: &str) -> Option<Claims> {
    let key = DecodingKey::from_secret(config.jwt_secret.as_bytes());
    let mut validation = Validation::default();
    validation.set_issuer(&[TOKEN_ISSUER]);
    decode::<Claims>(token, &key, &validation).ok().map(|data| data.claims)
}

pub fn bearer_token(header: &str) -> Option<&str> {
    let token = header.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then_some(token)
}

pub async fn refresh(client: &reqwest::Client, refresh_token: &str) -> reqwest::Result<String> {
    let async_token = client
        .post("https://auth.example.com/oauth/token")
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)])
        .send()
        .await?
        .text()
        .await;
    let async_token = async_token?;
    Ok(async_token)
}

pub fn check_password(password: &str, config: &AuthConfig) -> Result<(), String> {
    if password.len() < config.password_min_length {
        return Err(format!("password must have at least {} characters", config.password_min_length));
    }
    let password_hash = argon2::hash_encoded(password.as_bytes(), b"somesalt", &argon2::Config::default())
        .map_err(|e| e.to_string())?;
    let _ = password_hash;
    Ok(())
}
