CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    email         CITEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  BYTEA NOT NULL,
    token_prefix VARCHAR(8) NOT NULL,
    last_used   TIMESTAMPTZ,
    expires_at  TIMESTAMPTZ
);

CREATE INDEX api_tokens_prefix ON api_tokens (token_prefix);

-- Look a token up by its prefix, then compare hashes in constant time.
SELECT id, user_id, token_hash FROM api_tokens WHERE token_prefix = $1 AND (expires_at IS NULL OR expires_at > now());

UPDATE users SET password_hash = $2 WHERE id = $1;
DELETE FROM api_tokens WHERE expires_at < now() - interval '30 days';
