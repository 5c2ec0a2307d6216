/* Integration test helpers; see itest.h. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "itest.h"

struct sink {
	char	*p;
	size_t	 len;
};

static size_t
sink_write(char *data, size_t size, size_t n, void *arg)
{
	struct sink	*s = arg;
	size_t		 len = size * n;
	char		*p;

	if ((p = realloc(s->p, s->len + len + 1)) == NULL)
		return (0);
	memcpy(p + s->len, data, len);
	s->p = p;
	s->len += len;
	s->p[s->len] = '\0';
	return (len);
}

static size_t
hdr_write(char *data, size_t size, size_t n, void *arg)
{
	struct sink	*s = arg;

	/* a new status line starts a new header block (after 100-continue) */
	if (size * n > 5 && strncmp(data, "HTTP/", 5) == 0)
		s->len = 0;
	return (sink_write(data, size, n, arg));
}

/* Set up libcurl once. */
void
itest_init(void)
{
	static int	 done;

	if (!done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		done = 1;
	}
}

/* An environment variable the stack must provide; exits if missing. */
const char *
itest_env(const char *name)
{
	const char	*v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "itest: %s is not set (run scripts/dev test)\n",
		    name);
		exit(2);
	}
	return (v);
}

static int
request(const char *base, const char *method, const char *path,
    const char *body, const char *ctype, const char *const *hdrs,
    struct resp *r)
{
	struct curl_slist	*list = NULL;
	struct sink		 b = { NULL, 0 }, h = { NULL, 0 };
	char			 url[2048], line[512];
	CURL			*c;
	size_t			 i;

	itest_init();
	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", base, path);
	if ((c = curl_easy_init()) == NULL)
		return (-1);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, hdr_write);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (ctype != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", ctype);
		list = curl_slist_append(list, line);
	}
	list = curl_slist_append(list, "Expect:");
	for (i = 0; hdrs != NULL && hdrs[i] != NULL; i++)
		list = curl_slist_append(list, hdrs[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	r->curl_rc = (int)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &r->secs);
	curl_slist_free_all(list);
	curl_easy_cleanup(c);
	r->body = b.p != NULL ? b.p : strdup("");
	r->len = b.len;
	r->headers = h.p != NULL ? h.p : strdup("");
	return (r->curl_rc == 0 ? 0 : -1);
}

/* A request to TC_HTTP_URL + path; 0 if a response came back. */
int
http_req(const char *method, const char *path, const char *body,
    const char *ctype, const char *const *hdrs, struct resp *r)
{
	return (request(itest_env("TC_HTTP_URL"), method, path, body, ctype,
	    hdrs, r));
}

/* The same over HTTPS (TC_HTTPS_URL; the certificate is self-signed). */
int
http_req_tls(const char *method, const char *path, const char *body,
    const char *ctype, const char *const *hdrs, struct resp *r)
{
	return (request(itest_env("TC_HTTPS_URL"), method, path, body, ctype,
	    hdrs, r));
}

/* GET path over plain HTTP. */
int
http_get(const char *path, struct resp *r)
{
	return (http_req("GET", path, NULL, NULL, NULL, r));
}

/* The value of header name in r (case-insensitive), copied to out; or NULL. */
const char *
resp_header(const struct resp *r, const char *name, char *out, size_t len)
{
	const char	*p = r->headers, *eol, *v;
	size_t		 n = strlen(name);

	while (p != NULL && *p != '\0') {
		eol = strstr(p, "\r\n");
		if (eol == NULL)
			eol = p + strlen(p);
		if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0 &&
		    p[n] == ':') {
			v = p + n + 1;
			while (*v == ' ')
				v++;
			snprintf(out, len, "%.*s", (int)(eol - v), v);
			return (out);
		}
		p = *eol ? eol + 2 : eol;
	}
	return (NULL);
}

/* Free what a request filled in. */
void
resp_free(struct resp *r)
{
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof(*r));
}

/* Run "$TC_STACK cmd" for this stack; its exit code. */
int
stack_ctl(const char *cmd)
{
	char	 line[2048];
	int	 rc;

	snprintf(line, sizeof(line), "STACK_DIR='%s' '%s' %s >>'%s/log/stack-ctl.log' 2>&1",
	    itest_env("TC_STACK_DIR"), itest_env("TC_STACK"), cmd,
	    itest_env("TC_STACK_DIR"));
	rc = system(line);
	return (WIFEXITED(rc) ? WEXITSTATUS(rc) : -1);
}

/* TC_STACK_DIR/rel, malloc'd. */
char *
stack_path(const char *rel)
{
	char	*p;

	if (asprintf(&p, "%s/%s", itest_env("TC_STACK_DIR"), rel) == -1)
		return (NULL);
	return (p);
}

/* The stack's throttlecove.conf. */
const char *
stack_conf(void)
{
	static char	 path[1024];

	snprintf(path, sizeof(path), "%s/throttlecove.conf",
	    itest_env("TC_STACK_DIR"));
	return (path);
}

/* Poll GET path until it answers 200 or secs pass; 0 if it did. */
int
wait_http_ok(const char *path, double secs)
{
	struct resp	 r;
	struct timespec	 ts = { 0, 100 * 1000 * 1000 };
	int		 i, n = (int)(secs * 10);

	for (i = 0; i < n; i++) {
		if (http_get(path, &r) == 0 && r.status == 200) {
			resp_free(&r);
			return (0);
		}
		resp_free(&r);
		nanosleep(&ts, NULL);
	}
	return (-1);
}

/* The string member key of the JSON object text json, copied to out. */
const char *
itest_json_str(const char *json, const char *key, char *out, size_t len)
{
	struct json_object	*o, *v;
	const char		*rc = NULL;

	if ((o = json_tokener_parse(json)) == NULL)
		return (NULL);
	if (json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string)) {
		snprintf(out, len, "%s", json_object_get_string(v));
		rc = out;
	}
	json_object_put(o);
	return (rc);
}

/* The integer member key of the JSON object text json, or -1. */
long long
itest_json_int(const char *json, const char *key)
{
	struct json_object	*o, *v;
	long long		 n = -1;

	if ((o = json_tokener_parse(json)) == NULL)
		return (-1);
	if (json_object_object_get_ex(o, key, &v))
		n = json_object_get_int64(v);
	json_object_put(o);
	return (n);
}

static void
take_pair(struct tuser *u, const char *body)
{
	struct json_object	*o, *user, *v;

	if ((o = json_tokener_parse(body)) == NULL)
		return;
	if (json_object_object_get_ex(o, "access_token", &v))
		snprintf(u->access, sizeof(u->access), "%s",
		    json_object_get_string(v));
	if (json_object_object_get_ex(o, "refresh_token", &v))
		snprintf(u->refresh, sizeof(u->refresh), "%s",
		    json_object_get_string(v));
	if (json_object_object_get_ex(o, "user", &user) &&
	    json_object_object_get_ex(user, "id", &v))
		u->id = json_object_get_int64(v);
	json_object_put(o);
	snprintf(u->auth, sizeof(u->auth), "Authorization: Bearer %s",
	    u->access);
}

/*
 * Register a fresh user whose name starts with prefix (unique per run);
 * 0 if the API answered 201 with a token pair.
 */
int
itest_user(const char *prefix, struct tuser *u)
{
	static int	 seq;
	struct resp	 r;
	char		 body[512];
	int		 rc;

	memset(u, 0, sizeof(*u));
	snprintf(u->username, sizeof(u->username), "%.20s_%d_%d", prefix,
	    (int)getpid(), ++seq);
	snprintf(u->email, sizeof(u->email), "%s@example.org", u->username);
	snprintf(u->password, sizeof(u->password), "ride-%d-%d-Safely!",
	    (int)getpid(), seq);
	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"email\":\"%s\","
	    "\"password\":\"%s\",\"full_name\":\"Test Rider\"}", u->username,
	    u->email, u->password);
	if (http_req("POST", "/v1/auth/register", body, "application/json",
	    NULL, &r) != 0 || r.status != 201) {
		fprintf(stderr, "# register %s: %ld %s\n", u->username,
		    r.status, r.body ? r.body : "");
		resp_free(&r);
		return (-1);
	}
	take_pair(u, r.body);
	rc = u->id > 0 && u->access[0] != '\0' ? 0 : -1;
	resp_free(&r);
	return (rc);
}

/* Log u in again with its password; 0 on 200 (u gets the new pair). */
int
itest_login(struct tuser *u)
{
	struct resp	 r;
	char		 body[512];
	int		 rc = -1;

	snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":\"%s\"}",
	    u->username, u->password);
	if (http_req("POST", "/v1/auth/login", body, "application/json", NULL,
	    &r) == 0 && r.status == 200) {
		take_pair(u, r.body);
		rc = 0;
	}
	resp_free(&r);
	return (rc);
}

/* The value of key in the stack's throttlecove.conf, malloc'd, or NULL. */
char *
itest_conf_get(const char *key)
{
	FILE	*f = fopen(stack_conf(), "r");
	char	 line[4096], *p, *val = NULL;
	size_t	 n = strlen(key);

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, n) != 0)
			continue;
		p = line + n;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		p[strcspn(p, "\r\n")] = '\0';
		free(val);
		val = strdup(p);
	}
	if (f != NULL)
		fclose(f);
	return (val);
}

/*
 * Run one SQL statement as the superuser on the stack's database (test
 * set-up: promote a user, expire a key...); the first value of the first
 * row goes to out.  0, or -1.
 */
int
itest_sql(const char *sql, char *out, size_t len)
{
	char	 path[4096], cmd[8192];
	FILE	*p;
	int	 rc;

	snprintf(path, sizeof(path), "%s/pgrun", itest_env("TC_STACK_DIR"));
	/* the statement travels in the environment, never through a shell */
	snprintf(cmd, sizeof(cmd), "runuser -u postgres -- psql -X -q -At "
	    "-v ON_ERROR_STOP=1 -h '%s' -U postgres -d throttlecove -c \"$TC_SQL\"",
	    path);
	setenv("TC_SQL", sql, 1);
	if ((p = popen(cmd, "r")) == NULL)
		return (-1);
	if (out != NULL && len > 0) {
		out[0] = '\0';
		if (fgets(out, (int)len, p) != NULL)
			out[strcspn(out, "\n")] = '\0';
	}
	while (fgetc(p) != EOF)
		;
	rc = pclose(p);
	unsetenv("TC_SQL");
	return (rc == 0 ? 0 : -1);
}

/* sleep_ms(ms): a nap in milliseconds. */
void
sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}
/* The master's pid from the stack's pid file, or -1. */
long
master_pid(void)
{
	char	*path = stack_path("run/throttlecove.pid");
	FILE	*f = fopen(path, "r");
	long	 pid = -1;

	free(path);
	if (f != NULL) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = -1;
		fclose(f);
	}
	return (pid);
}

/* The children of the master (the workers), up to max. */
int
workers_of(long master, long *out, int max)
{
	DIR		*d = opendir("/proc");
	struct dirent	*de;
	char		 path[300], buf[512], *p;
	FILE		*f;
	long		 ppid;
	int		 n = 0;

	while (d != NULL && (de = readdir(d)) != NULL && n < max) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    (p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 2, "%*c %ld", &ppid) == 1 && ppid == master)
			out[n++] = atol(de->d_name);
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
	return (n);
}


/* Append line to the stack's config (NULL: restore the saved original). */
void
conf_edit(const char *line)
{
	static char	*saved;
	static size_t	 savedlen;
	FILE		*f;

	if (line != NULL && saved == NULL) {
		f = fopen(stack_conf(), "r");
		if (f == NULL)
			return;
		saved = malloc(65536);
		savedlen = fread(saved, 1, 65536, f);
		fclose(f);
	}
	if (line == NULL) {
		if (saved == NULL)
			return;
		if ((f = fopen(stack_conf(), "w")) == NULL)
			return;
		fwrite(saved, 1, savedlen, f);
		fclose(f);
		free(saved);
		saved = NULL;
		return;
	}
	if ((f = fopen(stack_conf(), "a")) == NULL)
		return;
	fprintf(f, "%s\n", line);
	fclose(f);
}

/* Wait until the master has n workers; 0 if it did within secs. */
int
wait_workers(long master, int n, double secs)
{
	long	 w[32];
	int	 i;

	for (i = 0; i < (int)(secs * 10); i++) {
		if (workers_of(master, w, 32) == n)
			return (0);
		sleep_ms(100);
	}
	return (-1);
}


/* SIGHUP, then wait until n workers run and none of the old ones; 0 if so. */
int
reload_and_wait(int n)
{
	long	 master = master_pid(), before[32], now[32];
	int	 nb, nn, i, j, k, old;

	nb = workers_of(master, before, 32);
	if (stack_ctl("app-reload") != 0)
		return (-1);
	for (k = 0; k < 200; k++) {
		sleep_ms(100);
		nn = workers_of(master, now, 32);
		for (i = 0, old = 0; i < nn; i++)
			for (j = 0; j < nb; j++)
				if (now[i] == before[j])
					old++;
		if (nn == n && old == 0)
			return (0);
	}
	return (-1);
}

/* Member key of the object o, or NULL (o may be NULL). */
struct json_object *
itest_jget(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return (NULL);
	return (v);
}

/* The integer member key of o; the test fails if it is not one. */
long long
itest_jint(struct json_object *o, const char *key)
{
	struct json_object	*v = itest_jget(o, key);

	if (v == NULL || !json_object_is_type(v, json_type_int))
		fail_msg("%s is not an integer in %s", key,
		    o != NULL ? json_object_to_json_string(o) : "(null)");
	return (json_object_get_int64(v));
}

/* s percent-encoded for a query string, into out (len bytes). */
void
itest_qenc(char *out, size_t len, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 o = 0;

	for (; *s != '\0' && o + 4 < len; s++) {
		unsigned char	 c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' ||
		    c == '~')
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}
