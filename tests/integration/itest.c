/* Integration test helpers; see itest.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

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
