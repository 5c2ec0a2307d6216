/* problem+json rendering and the contract's error table. */
#include "autoconfig.h"

#include <stdarg.h>
#include <string.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/http.h"
#include "core/log.h"
#include "core/problem.h"

const struct problem_def problems[ERR__MAX] = {
	[E_INVALID_JSON] =	{ 400, "invalid_json", "Invalid JSON" },
	[E_VALIDATION] =	{ 400, "validation_failed", "Validation failed" },
	[E_UNAUTHORIZED] =	{ 401, "unauthorized", "Unauthorized" },
	[E_INVALID_CREDENTIALS] = { 401, "invalid_credentials",
				    "Invalid credentials" },
	[E_MFA_REQUIRED] =	{ 401, "mfa_required", "MFA code required" },
	[E_FORBIDDEN] =		{ 403, "forbidden", "Forbidden" },
	[E_NOT_FOUND] =		{ 404, "not_found", "Not found" },
	[E_METHOD_NOT_ALLOWED] = { 405, "method_not_allowed",
				    "Method not allowed" },
	[E_CONFLICT] =		{ 409, "conflict", "Conflict" },
	[E_LIMIT_REACHED] =	{ 409, "limit_reached", "Limit reached" },
	[E_PAYLOAD_TOO_LARGE] =	{ 413, "payload_too_large",
				    "Payload too large" },
	[E_UNSUPPORTED_MEDIA_TYPE] = { 415, "unsupported_media_type",
				    "Unsupported media type" },
	[E_INFECTED_FILE] =	{ 422, "infected_file", "Infected file" },
	[E_ACCOUNT_LOCKED] =	{ 423, "account_locked", "Account locked" },
	[E_RATE_LIMITED] =	{ 429, "rate_limited", "Too many requests" },
	[E_INTERNAL] =		{ 500, "internal_error",
				    "Internal server error" },
	[E_UNAVAILABLE] =	{ 503, "service_unavailable",
				    "Service unavailable" },
};

/* The problem+json text for e; detail and errors are optional. */
char *
problem_render(struct arena *a, enum err e, const char *detail,
    const struct field_error *fe, size_t n)
{
	const struct problem_def	*d = &problems[e];
	struct buf			 b;
	size_t				 i;

	buf_init(&b, a, 256);
	buf_puts(&b, "{\"type\":\"about:blank\",\"title\":");
	buf_json_str(&b, d->title);
	buf_printf(&b, ",\"status\":%d,\"code\":", d->status);
	buf_json_str(&b, d->code);
	if (detail != NULL) {
		buf_puts(&b, ",\"detail\":");
		buf_json_str(&b, detail);
	}
	if (n > 0) {
		buf_puts(&b, ",\"errors\":[");
		for (i = 0; i < n; i++) {
			buf_puts(&b, i ? ",{\"field\":" : "{\"field\":");
			buf_json_str(&b, fe[i].field);
			buf_puts(&b, ",\"message\":");
			buf_json_str(&b, fe[i].message);
			buf_putc(&b, '}');
		}
		buf_putc(&b, ']');
	}
	buf_putc(&b, '}');
	return (b.p);
}

static int
set_problem(struct request *r, enum err e, const char *detail,
    const struct field_error *fe, size_t n)
{
	char	*body;

	body = problem_render(r->a, e, detail, fe, n);
	if (e == E_UNAVAILABLE)
		reply_header(r, "Retry-After", RETRY_AFTER_UNAVAILABLE);
	if (e == E_UNAUTHORIZED)
		reply_header(r, "WWW-Authenticate", "Bearer");
	return (reply_raw(r, problems[e].status, "application/problem+json",
	    body, strlen(body)));
}

/* Answer r with the problem e; detail is printf-style or NULL. */
int
problem(struct request *r, enum err e, const char *fmt, ...)
{
	va_list	 ap;
	char	*detail = NULL;

	if (fmt != NULL) {
		va_start(ap, fmt);
		detail = arena_vprintf(r->a, fmt, ap);
		va_end(ap);
	}
	return (set_problem(r, e, detail, NULL, 0));
}

/* Answer 400 validation_failed listing every bad field. */
int
problem_fields(struct request *r, const struct field_error *fe, size_t n)
{
	const char	*detail;

	if (n == 1)
		detail = arena_printf(r->a, "%s%s%s", fe[0].field,
		    fe[0].field[0] ? " " : "", fe[0].message);
	else
		detail = arena_printf(r->a, "%zu fields are invalid", n);
	return (set_problem(r, E_VALIDATION, detail, fe, n));
}

/* Map a database result that is not DB_OK to its problem. */
int
problem_db(struct request *r, enum db_rc rc)
{
	switch (rc) {
	case DB_NONE:
		return (problem(r, E_NOT_FOUND, NULL));
	case DB_CONFLICT:
		return (problem(r, E_CONFLICT, NULL));
	case DB_DOWN:
		return (problem(r, E_UNAVAILABLE, "database unavailable"));
	case DB_OK:
	case DB_ERR:
	default:
		return (problem(r, E_INTERNAL, NULL));
	}
}
