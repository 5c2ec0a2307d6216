/*
 * The configuration: a file of "key = value" lines, '#' comments, and for
 * every key an environment override THROTTLECOVE_<KEY> (upper case), which is
 * where secrets belong.  Unknown keys and bad values are errors: a typo in
 * the file never silently does nothing.
 */
#ifndef TC_CONFIG_H
#define TC_CONFIG_H

struct config {
	char	*path;
	char	*listen;		/* unix:/path or host:port */
	int	 listen_mode;		/* unix socket mode */
	int	 listen_backlog;
	int	 workers;
	long	 max_requests;		/* recycle a worker after this many */
	int	 shutdown_timeout;	/* seconds before SIGKILL */
	char	*pid_file;
	char	*pg_dsn;
	int	 pg_connect_timeout;
	char	*redis;			/* unix:/path or host:port */
	int	 redis_timeout_ms;
	char	*openapi;		/* path of openapi.json */
	char	*migrations_dir;
	char	*mail_transport;	/* dir | smtp */
	char	*mail_dir;
	char	*mail_from;
	char	*smtp_url;
	char	*smtp_user;
	char	*smtp_password;
	char	*jwt_secret;
	char	*log_level;
	int	 access_log;
	int	 jobs_debug;		/* test-only job types */
	int	 debug_routes;		/* test-only routes */
	int	 jobs_block_ms;		/* XREADGROUP BLOCK */
	int	 jobs_retry_base_ms;	/* first retry delay; doubles */
	int	 jobs_max_attempts;
	int	 session_retention_days;

	/* accounts and security */
	char	*public_url;		/* for links in mails */
	int	 session_days;		/* refresh token / session lifetime */
	char	*mfa_key;		/* 64 hex: seals TOTP secrets at rest */
	int	 lockout_attempts;
	int	 lockout_minutes;
	int	 verify_token_hours;
	int	 reset_token_minutes;
	int	 hash_concurrency;	/* Argon2id at once per host; 0: workers-1 */
	char	*rate_auth;		/* "limit/seconds" per class */
	char	*rate_read;
	char	*rate_write;
	char	*rate_upload;
	char	*rate_api_key;
	char	*oauth_google_jwks;	/* JWKS file (refreshed by a task) */
	char	*oauth_google_issuer;
	char	*oauth_google_audience;
	char	*oauth_apple_jwks;
	char	*oauth_apple_issuer;
	char	*oauth_apple_audience;
	char	*oauth_facebook_jwks;
	char	*oauth_facebook_issuer;
	char	*oauth_facebook_audience;

	/* files */
	char	*storage;		/* local | s3 */
	char	*media_dir;		/* local backend's root */
	char	*media_accel;		/* nginx internal location prefix */
	char	*s3_endpoint;		/* https://host[:port] */
	char	*s3_region;
	char	*s3_bucket;
	char	*s3_access_key;
	char	*s3_secret_key;
	char	*clamav_db;		/* signature directory */
	long	 upload_max;		/* bytes of one file */
	long	 image_max_pixels;	/* width * height refused beyond */
	int	 image_max_memory_mb;	/* ImageMagick memory/map limit */
	int	 image_time_limit;	/* seconds per image */
	char	*ocr_lang;		/* tesseract language(s), "eng" */
	char	*tessdata;		/* tesseract data dir; empty: default */
	int	 link_max_seconds;	/* longest signed link */
};

int		 config_load(const char *, struct config *);
void		 config_free(struct config *);
int		 config_set(struct config *, const char *, const char *);
int		 config_rate(const char *, long *, long *);

#endif
