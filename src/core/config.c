/*
 * One table describes every key: its type, where it lives in struct config,
 * its default and its range.  config_load() applies the defaults, then the
 * file, then the environment, and checks every value on the way.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"

enum ctype { C_STR, C_INT, C_LONG, C_OCTAL, C_BOOL };

struct key {
	const char	*name;
	enum ctype	 type;
	size_t		 off;
	const char	*def;
	long		 min, max;
};

#define K(n, t, d, lo, hi)	{ #n, t, offsetof(struct config, n), d, lo, hi }

static const struct key keys[] = {
	K(listen,		C_STR,	"unix:/run/throttlecove/fcgi.sock", 0, 0),
	K(listen_mode,		C_OCTAL, "0660",	0, 0777),
	K(listen_backlog,	C_INT,	"1024",		1, 65535),
	K(workers,		C_INT,	"2",		1, 256),
	K(max_requests,		C_LONG,	"10000",	0, 1000000000L),
	K(shutdown_timeout,	C_INT,	"30",		1, 3600),
	K(pid_file,		C_STR,	NULL,		0, 0),
	K(pg_dsn,		C_STR,	"dbname=throttlecove", 0, 0),
	K(pg_connect_timeout,	C_INT,	"2",		1, 60),
	K(redis,		C_STR,	"127.0.0.1:6379", 0, 0),
	K(redis_timeout_ms,	C_INT,	"1000",		10, 60000),
	K(openapi,		C_STR,	DATADIR "/throttlecove/openapi.json", 0, 0),
	K(migrations_dir,	C_STR,	DATADIR "/throttlecove/migrations", 0, 0),
	K(mail_transport,	C_STR,	"dir",		0, 0),
	K(mail_dir,		C_STR,	"/var/lib/throttlecove/mail", 0, 0),
	K(mail_from,		C_STR,	"ThrottleCove <noreply@localhost>", 0, 0),
	K(smtp_url,		C_STR,	NULL,		0, 0),
	K(smtp_user,		C_STR,	NULL,		0, 0),
	K(smtp_password,	C_STR,	NULL,		0, 0),
	K(jwt_secret,		C_STR,	NULL,		0, 0),
	K(log_level,		C_STR,	"info",		0, 0),
	K(access_log,		C_BOOL,	"0",		0, 1),
	K(jobs_debug,		C_BOOL,	"0",		0, 1),
	K(debug_routes,		C_BOOL,	"0",		0, 1),
	K(jobs_block_ms,	C_INT,	"1000",		10, 60000),
	K(jobs_retry_base_ms,	C_INT,	"2000",		1, 3600000),
	K(jobs_max_attempts,	C_INT,	"3",		1, 100),
	K(session_retention_days, C_INT, "7",		0, 3650),
	K(public_url,		C_STR,	"https://localhost", 0, 0),
	K(session_days,		C_INT,	"30",		1, 365),
	K(mfa_key,		C_STR,	NULL,		0, 0),
	K(lockout_attempts,	C_INT,	"5",		1, 100),
	K(lockout_minutes,	C_INT,	"15",		1, 1440),
	K(verify_token_hours,	C_INT,	"48",		1, 720),
	K(reset_token_minutes,	C_INT,	"60",		5, 1440),
	K(hash_concurrency,	C_INT,	"0",		0, 256),
	K(rate_auth,		C_STR,	"5/60",		0, 0),
	K(rate_read,		C_STR,	"1000/3600",	0, 0),
	K(rate_write,		C_STR,	"100/3600",	0, 0),
	K(rate_upload,		C_STR,	"10/3600",	0, 0),
	K(rate_api_key,		C_STR,	"10000/3600",	0, 0),
	K(oauth_google_jwks,	C_STR,	NULL,		0, 0),
	K(oauth_google_issuer,	C_STR,	"https://accounts.google.com", 0, 0),
	K(oauth_google_audience, C_STR,	NULL,		0, 0),
	K(oauth_apple_jwks,	C_STR,	NULL,		0, 0),
	K(oauth_apple_issuer,	C_STR,	"https://appleid.apple.com", 0, 0),
	K(oauth_apple_audience,	C_STR,	NULL,		0, 0),
	K(oauth_facebook_jwks,	C_STR,	NULL,		0, 0),
	K(oauth_facebook_issuer, C_STR,	"https://www.facebook.com", 0, 0),
	K(oauth_facebook_audience, C_STR, NULL,		0, 0),
	K(storage,		C_STR,	"local",	0, 0),
	K(media_dir,		C_STR,	"/var/lib/throttlecove/media", 0, 0),
	K(media_accel,		C_STR,	"/_media/",	0, 0),
	K(s3_endpoint,		C_STR,	NULL,		0, 0),
	K(s3_region,		C_STR,	"us-east-1",	0, 0),
	K(s3_bucket,		C_STR,	NULL,		0, 0),
	K(s3_access_key,	C_STR,	NULL,		0, 0),
	K(s3_secret_key,	C_STR,	NULL,		0, 0),
	K(clamav_db,		C_STR,	"/var/lib/clamav", 0, 0),
	K(upload_max,		C_LONG,	"10485760",	1024, 10485760),
	K(image_max_pixels,	C_LONG,	"50000000",	1, 1000000000L),
	K(image_max_memory_mb,	C_INT,	"256",		16, 4096),
	K(image_time_limit,	C_INT,	"30",		1, 3600),
	K(ocr_lang,		C_STR,	"eng",		0, 0),
	K(tessdata,		C_STR,	NULL,		0, 0),
	K(link_max_seconds,	C_INT,	"604800",	60, 31536000),
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static const struct key *
key_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return (&keys[i]);
	return (NULL);
}

static int
parse_long(const char *v, int base, long *out)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, base);
	if (errno != 0 || end == v || *end != '\0')
		return (-1);
	*out = n;
	return (0);
}

/* Parse a rate "limit/seconds" (both positive); 0 or -1. */
int
config_rate(const char *s, long *limit, long *period)
{
	char	*slash, *end;
	long	 l, p;

	if (s == NULL || (slash = strchr(s, '/')) == NULL)
		return (-1);
	l = strtol(s, &end, 10);
	if (end != slash || l <= 0)
		return (-1);
	p = strtol(slash + 1, &end, 10);
	if (*end != '\0' || p <= 0 || end == slash + 1)
		return (-1);
	*limit = l;
	*period = p;
	return (0);
}

/* Set one key from its text; -1 (logged) if the key or value is bad. */
int
config_set(struct config *c, const char *name, const char *value)
{
	const struct key	*k;
	char			*base = (char *)c;
	long			 n;

	if ((k = key_find(name)) == NULL) {
		log_err("config: unknown key \"%s\"", name);
		return (-1);
	}
	switch (k->type) {
	case C_STR: {
		char	**slot = (char **)(void *)(base + k->off);

		free(*slot);
		*slot = value == NULL ? NULL : strdup(value);
		if (value != NULL && *slot == NULL)
			return (-1);
		return (0);
	}
	case C_BOOL:
		if (strcmp(value, "1") == 0 || strcmp(value, "yes") == 0 ||
		    strcmp(value, "true") == 0 || strcmp(value, "on") == 0)
			n = 1;
		else if (strcmp(value, "0") == 0 || strcmp(value, "no") == 0 ||
		    strcmp(value, "false") == 0 || strcmp(value, "off") == 0)
			n = 0;
		else
			goto bad;
		*(int *)(void *)(base + k->off) = (int)n;
		return (0);
	case C_INT:
	case C_LONG:
	case C_OCTAL:
		if (parse_long(value, k->type == C_OCTAL ? 8 : 10, &n) == -1 ||
		    n < k->min || n > k->max)
			goto bad;
		if (k->type == C_LONG)
			*(long *)(void *)(base + k->off) = n;
		else
			*(int *)(void *)(base + k->off) = (int)n;
		return (0);
	}
bad:
	log_err("config: bad value for \"%s\"", name);
	return (-1);
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return (s);
}

static int
load_file(struct config *c, const char *path)
{
	FILE	*f;
	char	 line[4096], *p, *eq, *key, *val;
	int	 lineno = 0, rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		log_err("config: cannot open %s: %s", path, strerror(errno));
		return (-1);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			log_err("config: %s:%d: line too long", path, lineno);
			rc = -1;
			break;
		}
		p = trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		if ((eq = strchr(p, '=')) == NULL) {
			log_err("config: %s:%d: expected key = value",
			    path, lineno);
			rc = -1;
			continue;
		}
		*eq = '\0';
		key = trim(p);
		val = trim(eq + 1);
		if (config_set(c, key, val) == -1) {
			log_err("config: %s:%d: rejected", path, lineno);
			rc = -1;
		}
	}
	fclose(f);
	return (rc);
}

static int
load_env(struct config *c)
{
	char		 var[128];
	const char	*v;
	size_t		 i, j;
	int		 rc = 0;

	for (i = 0; i < NKEYS; i++) {
		j = (size_t)snprintf(var, sizeof(var), "THROTTLECOVE_");
		for (const char *s = keys[i].name; *s != '\0' &&
		    j + 1 < sizeof(var); s++)
			var[j++] = (char)toupper((unsigned char)*s);
		var[j] = '\0';
		if ((v = getenv(var)) != NULL && config_set(c, keys[i].name,
		    v) == -1) {
			log_err("config: environment %s rejected", var);
			rc = -1;
		}
	}
	return (rc);
}

static int
check(const struct config *c)
{
	enum loglevel	 lv;
	int		 rc = 0;

	if (strncmp(c->listen, "unix:", 5) != 0 &&
	    strchr(c->listen, ':') == NULL) {
		log_err("config: listen must be unix:/path or host:port");
		rc = -1;
	}
	if (strcmp(c->mail_transport, "dir") != 0 &&
	    strcmp(c->mail_transport, "smtp") != 0) {
		log_err("config: mail_transport must be dir or smtp");
		rc = -1;
	}
	if (strcmp(c->mail_transport, "smtp") == 0 && c->smtp_url == NULL) {
		log_err("config: mail_transport smtp needs smtp_url");
		rc = -1;
	}
	{
		const char *const	 rates[] = { c->rate_auth, c->rate_read,
		    c->rate_write, c->rate_upload, c->rate_api_key };
		size_t			 i;
		long			 lim, per;

		for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
			if (config_rate(rates[i], &lim, &per) == -1) {
				log_err("config: a rate must be limit/seconds, "
				    "like 100/3600");
				rc = -1;
			}
	}
	if (c->mfa_key != NULL && strlen(c->mfa_key) != 64) {
		log_err("config: mfa_key must be 64 hex characters");
		rc = -1;
	}
	if (log_level_parse(c->log_level, &lv) == -1) {
		log_err("config: log_level must be debug, info, warn or error");
		rc = -1;
	}
	return (rc);
}

/*
 * Fill c from defaults, the file at path (NULL: defaults only) and the
 * environment.  On -1 the reasons are logged and c is freed.
 */
int
config_load(const char *path, struct config *c)
{
	size_t	 i;
	int	 rc = 0;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++)
		if (keys[i].def != NULL &&
		    config_set(c, keys[i].name, keys[i].def) == -1)
			rc = -1;
	if (path != NULL) {
		if ((c->path = strdup(path)) == NULL)
			rc = -1;
		if (load_file(c, path) == -1)
			rc = -1;
	}
	if (load_env(c) == -1)
		rc = -1;
	if (rc == 0)
		rc = check(c);
	if (rc == -1)
		config_free(c);
	return (rc);
}

/* Free every string of c. */
void
config_free(struct config *c)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].type == C_STR) {
			char	**slot = (char **)(void *)((char *)c +
			    keys[i].off);

			free(*slot);
			*slot = NULL;
		}
	free(c->path);
	c->path = NULL;
}
