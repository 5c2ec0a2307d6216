-- Accounts and security: what the seed's users/user_sessions/api_keys tables
-- lack for rotating refresh tokens, single-use mail tokens, OpenID Connect
-- sign-in and TOTP replay protection.

-- The TOTP time step last accepted: a code is never accepted twice.
ALTER TABLE users ADD COLUMN mfa_last_step bigint;
-- Set when the password changes; tokens issued before are dead.
ALTER TABLE users ADD COLUMN password_changed_at timestamptz;

-- Every refresh token a session was ever given, by SHA-256.  The live one
-- has used_at NULL; presenting a used one again is a replay, and revokes
-- the whole session.
CREATE TABLE refresh_tokens (
	token_hash bytea PRIMARY KEY
		CONSTRAINT refresh_tokens_token_hash_check
		CHECK (octet_length(token_hash) = 32),
	session_id uuid NOT NULL REFERENCES user_sessions (id) ON DELETE CASCADE,
	created_at timestamptz NOT NULL DEFAULT now(),
	used_at timestamptz
);
CREATE INDEX idx_refresh_tokens_session_id ON refresh_tokens (session_id);

-- Email verification and password reset tokens, by SHA-256, single use.
CREATE TABLE auth_tokens (
	token_hash bytea PRIMARY KEY
		CONSTRAINT auth_tokens_token_hash_check
		CHECK (octet_length(token_hash) = 32),
	user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind text NOT NULL
		CONSTRAINT auth_tokens_kind_check
		CHECK (kind IN ('verify_email', 'reset_password')),
	email varchar(255) NOT NULL,	/* the address the mail went to */
	expires_at timestamptz NOT NULL,
	used_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_auth_tokens_user_id ON auth_tokens (user_id);
CREATE INDEX idx_auth_tokens_expires_at ON auth_tokens (expires_at);

-- Accounts signed in with an OpenID Connect provider.
CREATE TABLE oauth_identities (
	provider text NOT NULL,
	subject text NOT NULL,
	user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	email varchar(255),
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (provider, subject)
);
CREATE INDEX idx_oauth_identities_user_id ON oauth_identities (user_id);

-- Follower lists are read newest first per user.
CREATE INDEX idx_user_relationships_follower_id_id
	ON user_relationships (follower_id, id);
CREATE INDEX idx_user_relationships_following_id_id
	ON user_relationships (following_id, id);
