/*
 * Integration tests of the job queue against the live test stack, whose
 * job worker (throttlecove jobs) runs with jobs_debug = 1 and
 * jobs_retry_base_ms = 200.  The tests talk to the stack's Redis and
 * PostgreSQL directly (config_load + worker_open on its throttlecove.conf)
 * and watch its mail_dir.  Each test uses its own random marker, waits a
 * bounded time, and needs nothing from the others.
 *
 * The last tests stop and start the stack's job worker, Redis and
 * PostgreSQL (scripts/stack), and read its log/jobs.log.
 *
 * Environment: TC_STACK_DIR, TC_STACK (see itest.h).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "core/redis.h"
#include "core/worker.h"
#include "jobs/jobs.h"
#include "itest.h"

#define WAIT_SECS	10
#define TICK_MS		100

static struct config	cfg;
static struct worker	w;

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* A marker no other test run uses: t<time>-<pid>-<random>. */
static void
marker(char *out, size_t len)
{
	uint32_t	 r = 0;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)rand();
	snprintf(out, len, "t%lld-%ld-%08x", (long long)time(NULL),
	    (long)getpid(), r);
}

/* HGET tc:jobs:stats field as a number (0 if absent). */
static long long
stat_get(const char *field)
{
	redisReply	*r;

	r = redis_cmd(w.redis, w.a, "HGET %s %s", JOBS_STATS, field);
	assert_non_null(r);
	return (r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : 0);
}

/* GET key as a number (0 if absent). */
static long long
get_int(const char *key)
{
	redisReply	*r;

	r = redis_cmd(w.redis, w.a, "GET %s", key);
	assert_non_null(r);
	return (r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : 0);
}

struct dead {
	char	 type[64];
	char	 error[256];
	int	 attempts;
};

/* 1 if the dead-letter stream has an entry whose payload holds m. */
static int
dead_find(const char *m, struct dead *d)
{
	redisReply	*r, *e, *f;
	size_t		 i, k;
	int		 found = 0;

	memset(d, 0, sizeof(*d));
	r = redis_cmd(w.redis, w.a, "XREVRANGE %s + - COUNT 1000", JOBS_DEAD);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	for (i = 0; i < r->elements && !found; i++) {
		e = r->element[i];
		if (e->elements < 2 || (f = e->element[1])->type !=
		    REDIS_REPLY_ARRAY)
			continue;
		for (k = 0; k + 1 < f->elements; k += 2)
			if (strcmp(f->element[k]->str, "payload") == 0 &&
			    strstr(f->element[k + 1]->str, m) != NULL)
				found = 1;
		if (!found)
			continue;
		for (k = 0; k + 1 < f->elements; k += 2) {
			const char	*key = f->element[k]->str;
			const char	*val = f->element[k + 1]->str;

			if (strcmp(key, "type") == 0)
				snprintf(d->type, sizeof(d->type), "%s", val);
			else if (strcmp(key, "error") == 0)
				snprintf(d->error, sizeof(d->error), "%s", val);
			else if (strcmp(key, "attempts") == 0)
				d->attempts = atoi(val);
		}
	}
	arena_reset(w.a);
	return (found);
}

/* Poll dead_find for WAIT_SECS. */
static int
wait_dead(const char *m, struct dead *d)
{
	int	 i;

	for (i = 0; i < WAIT_SECS * 1000 / TICK_MS; i++) {
		if (dead_find(m, d))
			return (1);
		sleep_ms(TICK_MS);
	}
	return (0);
}

/* 1 if a member of the delayed set holds m. */
static int
delayed_has(const char *m)
{
	redisReply	*r;
	size_t		 i;
	int		 found = 0;

	r = redis_cmd(w.redis, w.a, "ZRANGE %s 0 -1", JOBS_DELAYED);
	assert_non_null(r);
	for (i = 0; i < r->elements; i++)
		if (strstr(r->element[i]->str, m) != NULL)
			found = 1;
	arena_reset(w.a);
	return (found);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*p;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	if (fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		fclose(f);
		return (NULL);
	}
	p[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return (p);
}

/*
 * The mail in mail_dir that contains m, malloc'd (path too, if asked),
 * or NULL.  Only finished *.eml files count, never the temporary ones.
 */
static char *
mail_find(const char *m, char **path)
{
	DIR		*d;
	struct dirent	*de;
	char		*p, *text = NULL;
	size_t		 n;

	if ((d = opendir(cfg.mail_dir)) == NULL)
		return (NULL);
	while (text == NULL && (de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n < 5 ||
		    strcmp(de->d_name + n - 4, ".eml") != 0)
			continue;
		if (asprintf(&p, "%s/%s", cfg.mail_dir, de->d_name) == -1)
			continue;
		if ((text = slurp(p, NULL)) != NULL &&
		    strstr(text, m) == NULL) {
			free(text);
			text = NULL;
		}
		if (text != NULL && path != NULL)
			*path = p;
		else
			free(p);
	}
	closedir(d);
	return (text);
}

static char *
wait_mail(const char *m, char **path)
{
	char	*t;
	int	 i;

	for (i = 0; i < WAIT_SECS * 1000 / TICK_MS; i++) {
		if ((t = mail_find(m, path)) != NULL)
			return (t);
		sleep_ms(TICK_MS);
	}
	return (NULL);
}

/* The value of header name in the mail (its first line), in out. */
static const char *
header(const char *mail, const char *name, char *out, size_t len)
{
	const char	*p, *eol;
	size_t		 n = strlen(name);

	for (p = mail; *p != '\0' && strncmp(p, "\r\n", 2) != 0; p = eol + 2) {
		if ((eol = strstr(p, "\r\n")) == NULL)
			return (NULL);
		if (strncmp(p, name, n) == 0 && p[n] == ':' &&
		    p[n + 1] == ' ') {
			snprintf(out, len, "%.*s", (int)(eol - p - n - 2),
			    p + n + 2);
			return (out);
		}
	}
	return (NULL);
}

/* Every line ends in CRLF; no bare CR or LF; the header ends in CRLFCRLF. */
static void
assert_mail_shape(const char *mail)
{
	const char	*p;

	assert_non_null(strstr(mail, "\r\n\r\n"));
	for (p = mail; *p != '\0'; p++) {
		if (*p == '\n')
			assert_true(p > mail && p[-1] == '\r');
		if (*p == '\r')
			assert_int_equal(p[1], '\n');
	}
	assert_int_equal(mail[strlen(mail) - 1], '\n');
}

static char *
json_payload(const char *k1, const char *v1, const char *k2, const char *v2,
    const char *k3, const char *v3)
{
	struct json_object	*o = json_object_new_object();
	char			*s;

	json_object_object_add(o, k1, json_object_new_string(v1));
	if (k2 != NULL)
		json_object_object_add(o, k2, json_object_new_string(v2));
	if (k3 != NULL)
		json_object_object_add(o, k3, json_object_new_string(v3));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	assert_non_null(s);
	return (s);
}

/* (a) fails twice, succeeds on the third attempt, never dead-lettered. */
static void
test_flaky_job_retried_until_done(void **state)
{
	char		 m[64], key[96], counter[128], payload[256];
	long long	 done0, retried0;
	struct dead	 d;
	struct buf	 b;
	double		 t0;
	int		 i, ok = 0;

	(void)state;
	marker(m, sizeof(m));
	snprintf(key, sizeof(key), "flaky-%s", m);
	snprintf(counter, sizeof(counter), "tc:jobs:debug:%s", key);
	snprintf(payload, sizeof(payload), "{\"key\":\"%s\",\"fail_times\":2}",
	    key);
	done0 = stat_get("debug.flaky:done");
	retried0 = stat_get("debug.flaky:retried");
	t0 = now_s();
	assert_int_equal(jobs_enqueue(w.redis, w.a, "debug.flaky", payload), 0);
	for (i = 0; i < WAIT_SECS * 1000 / TICK_MS && !ok; i++) {
		ok = get_int(counter) == 3 &&
		    stat_get("debug.flaky:done") > done0;
		arena_reset(w.a);
		if (!ok)
			sleep_ms(TICK_MS);
	}
	assert_true(ok);
	/* two back-offs of 200 and 400 ms passed before the third run */
	assert_true(now_s() - t0 >= 0.6);
	assert_true(stat_get("debug.flaky:retried") >= retried0 + 2);
	sleep_ms(500);
	assert_int_equal(get_int(counter), 3);	/* and no fourth run */
	assert_false(dead_find(key, &d));
	assert_false(delayed_has(key));

	/* the outcome shows in the metrics */
	buf_init(&b, w.a, 1024);
	jobs_metrics(&w, &b);
	assert_non_null(strstr(b.p,
	    "throttlecove_jobs_total{type=\"debug.flaky\",result=\"done\"} "));
	assert_non_null(strstr(b.p, "# TYPE throttlecove_jobs_queue_length "
	    "gauge\nthrottlecove_jobs_queue_length "));
	assert_non_null(strstr(b.p, "\nthrottlecove_jobs_pending "));
	assert_non_null(strstr(b.p, "\nthrottlecove_jobs_delayed "));
	assert_non_null(strstr(b.p, "\nthrottlecove_jobs_dead "));
	(void)redis_cmd(w.redis, w.a, "DEL %s", counter);
	arena_reset(w.a);
}

/* (b) always fails: dead-lettered after jobs_max_attempts attempts. */
static void
test_failing_job_dead_lettered(void **state)
{
	char		 m[64], payload[128];
	struct dead	 d;
	double		 t0;

	(void)state;
	marker(m, sizeof(m));
	snprintf(payload, sizeof(payload), "{\"marker\":\"%s\"}", m);
	t0 = now_s();
	assert_int_equal(jobs_enqueue(w.redis, w.a, "debug.fail", payload), 0);
	arena_reset(w.a);
	assert_true(wait_dead(m, &d));
	assert_true(now_s() - t0 >= 0.6);	/* 200 + 400 ms of back-off */
	assert_string_equal(d.type, "debug.fail");
	assert_int_equal(d.attempts, cfg.jobs_max_attempts);
	assert_int_equal(d.attempts, 3);
	assert_non_null(strstr(d.error, "debug.fail"));
	assert_false(delayed_has(m));
}

/* An unknown type goes to the dead-letter stream at once. */
static void
test_unknown_type_dead_at_once(void **state)
{
	char		 m[64], payload[128];
	struct dead	 d;

	(void)state;
	marker(m, sizeof(m));
	snprintf(payload, sizeof(payload), "{\"marker\":\"%s\"}", m);
	assert_int_equal(jobs_enqueue(w.redis, w.a, "no.such.type", payload),
	    0);
	arena_reset(w.a);
	assert_true(wait_dead(m, &d));
	assert_string_equal(d.type, "no.such.type");
	assert_int_equal(d.attempts, 1);
	assert_non_null(strstr(d.error, "unknown"));
}

/* (c) a mail job leaves a well-formed .eml in mail_dir. */
static void
test_mail_job_writes_eml(void **state)
{
	char		 m[64], to[128], subject[128], v[256], *mail;
	char		*path = NULL;
	struct stat	 st;

	(void)state;
	marker(m, sizeof(m));
	snprintf(to, sizeof(to), "rider-%s@example.org", m);
	snprintf(subject, sizeof(subject), "Service reminder %s", m);
	assert_int_equal(mail_enqueue(&w, to, subject,
	    "Hello,\nyour chain needs oil.\nGrüße\n"), 0);
	arena_reset(w.a);
	mail = wait_mail(m, &path);
	assert_non_null(mail);
	assert_mail_shape(mail);
	assert_string_equal(header(mail, "To", v, sizeof(v)), to);
	assert_string_equal(header(mail, "Subject", v, sizeof(v)), subject);
	assert_string_equal(header(mail, "From", v, sizeof(v)), cfg.mail_from);
	assert_string_equal(header(mail, "MIME-Version", v, sizeof(v)), "1.0");
	assert_string_equal(header(mail, "Content-Type", v, sizeof(v)),
	    "text/plain; charset=utf-8");
	assert_string_equal(header(mail, "Content-Transfer-Encoding", v,
	    sizeof(v)), "quoted-printable");
	assert_non_null(header(mail, "Date", v, sizeof(v)));
	assert_non_null(strstr(v, " +0000"));
	assert_non_null(header(mail, "Message-ID", v, sizeof(v)));
	assert_int_equal(v[0], '<');
	assert_null(header(mail, "Bcc", v, sizeof(v)));
	assert_non_null(strstr(mail, "\r\n\r\nHello,\r\nyour chain needs oil."
	    "\r\nGr=C3=BC=C3=9Fe\r\n"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	unlink(path);
	free(path);
	free(mail);
}

static PGresult *
sql(const char *q, int n, const char *const *params)
{
	PGconn		*c;
	PGresult	*res;

	c = db_conn(w.db);
	assert_non_null(c);
	res = PQexecParams(c, q, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", q, PQresultErrorMessage(res));
	return (res);
}

static char *
outbox_insert(const char *topic, const char *payload)
{
	const char	*p[2] = { topic, payload };
	PGresult	*res;
	char		*id;

	res = sql("INSERT INTO outbox (topic, aggregate, aggregate_id, payload)"
	    " VALUES ($1, 'test', 42, $2::jsonb) RETURNING id", 2, p);
	id = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return (id);
}

static int
outbox_relayed(const char *id)
{
	const char	*p[1] = { id };
	PGresult	*res;
	int		 yes;

	res = sql("SELECT relayed_at IS NOT NULL FROM outbox WHERE id = $1",
	    1, p);
	yes = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return (yes);
}

static void
outbox_delete(const char *id)
{
	const char	*p[1] = { id };

	PQclear(sql("DELETE FROM outbox WHERE id = $1", 1, p));
}

static int
wait_relayed(const char *id)
{
	int	 i;

	for (i = 0; i < WAIT_SECS * 1000 / TICK_MS; i++) {
		if (outbox_relayed(id))
			return (1);
		sleep_ms(TICK_MS);
	}
	return (0);
}

/* (d) an outbox row of topic "mail" is relayed and its mail written. */
static void
test_outbox_mail_relayed(void **state)
{
	char	 m[64], to[128], subject[128], v[256], *payload, *id, *mail;
	char	*path = NULL;

	(void)state;
	marker(m, sizeof(m));
	snprintf(to, sizeof(to), "outbox-%s@example.org", m);
	snprintf(subject, sizeof(subject), "Welcome %s", m);
	payload = json_payload("to", to, "subject", subject, "text",
	    "Welcome aboard.");
	id = outbox_insert("mail", payload);
	assert_true(wait_relayed(id));
	mail = wait_mail(m, &path);
	assert_non_null(mail);
	assert_mail_shape(mail);
	assert_string_equal(header(mail, "To", v, sizeof(v)), to);
	assert_string_equal(header(mail, "Subject", v, sizeof(v)), subject);
	unlink(path);
	free(path);
	free(mail);
	outbox_delete(id);
	free(id);
	free(payload);
}

/* A topic without a job type is marked relayed and makes no job. */
static void
test_outbox_unmapped_topic_marked_relayed(void **state)
{
	char		 m[64], *payload, *id;
	struct dead	 d;

	(void)state;
	marker(m, sizeof(m));
	payload = json_payload("marker", m, NULL, NULL, NULL, NULL);
	id = outbox_insert("test.unmapped", payload);
	assert_true(wait_relayed(id));
	sleep_ms(500);
	assert_false(dead_find(m, &d));
	assert_false(delayed_has(m));
	outbox_delete(id);
	free(id);
	free(payload);
}

/*
 * A "mail" row whose payload is no object becomes a dead letter and
 * does not hold up the rows behind it.
 */
static void
test_outbox_bad_payload_does_not_block(void **state)
{
	char		 m[64], to[128], bad[128], *payload, *id1, *id2, *mail;
	char		*path = NULL;
	struct dead	 d;

	(void)state;
	marker(m, sizeof(m));
	snprintf(bad, sizeof(bad), "[\"bad-%s\"]", m);
	id1 = outbox_insert("mail", bad);
	snprintf(to, sizeof(to), "after-%s@example.org", m);
	payload = json_payload("to", to, "subject", "Behind a bad row",
	    "text", "t");
	id2 = outbox_insert("mail", payload);
	assert_true(wait_relayed(id2));
	assert_true(outbox_relayed(id1));
	mail = wait_mail(to, &path);
	assert_non_null(mail);
	assert_true(wait_dead(m, &d));
	assert_string_equal(d.type, "mail");
	assert_int_equal(d.attempts, 1);
	unlink(path);
	free(path);
	free(mail);
	outbox_delete(id1);
	outbox_delete(id2);
	free(id1);
	free(id2);
	free(payload);
}

/* (e) CR LF in the subject: refused up front, dead-lettered, no mail. */
static void
test_mail_header_injection_refused(void **state)
{
	char		 m[64], to[128], subject[160], *payload, *mail;
	struct dead	 d;

	(void)state;
	marker(m, sizeof(m));
	snprintf(to, sizeof(to), "inj-%s@example.org", m);
	snprintf(subject, sizeof(subject), "Hi %s\r\nBcc: x@evil.example", m);
	/* the producer side refuses it outright */
	assert_int_equal(mail_enqueue(&w, to, subject, "t"), -1);
	/* a payload that bypasses it is refused by the job */
	payload = json_payload("to", to, "subject", subject, "text", "t");
	assert_int_equal(jobs_enqueue(w.redis, w.a, "mail", payload), 0);
	arena_reset(w.a);
	assert_true(wait_dead(m, &d));
	assert_string_equal(d.type, "mail");
	assert_int_equal(d.attempts, 1);	/* -2: not retried */
	assert_non_null(strstr(d.error, "subject"));
	sleep_ms(300);
	mail = mail_find(m, NULL);
	assert_null(mail);
	free(payload);
}

/* Lines of the stack's jobs.log that contain s. */
static int
log_count(const char *s)
{
	char	*path, *text, *p;
	int	 n = 0;

	path = stack_path("log/jobs.log");
	assert_non_null(path);
	if ((text = slurp(path, NULL)) != NULL)
		for (p = text; (p = strstr(p, s)) != NULL; p++)
			n++;
	free(text);
	free(path);
	return (n);
}

/* Wait until GET key is want and stats field has grown past floor. */
static int
wait_count(const char *key, long long want, const char *field,
    long long floor)
{
	int	 i, ok = 0;

	for (i = 0; i < WAIT_SECS * 1000 / TICK_MS && !ok; i++) {
		ok = get_int(key) == want &&
		    (field == NULL || stat_get(field) > floor);
		arena_reset(w.a);
		if (!ok)
			sleep_ms(TICK_MS);
	}
	return (ok);
}

/*
 * SIGTERM while a job runs: that job finishes, the rest of its batch goes
 * back onto the stream (not left pending for a minute), the worker exits
 * in time, and a new worker runs the rest.
 */
static void
test_sigterm_finishes_job_and_releases_batch(void **state)
{
	char		 m[64], key[96], xadd[256], me[32], *path, *pidtext;
	const char	*cmds[5];
	redisReply	*rep[5], *r;
	long long	 done0;
	double		 t0;
	int		 i;

	(void)state;
	marker(m, sizeof(m));
	snprintf(key, sizeof(key), "tc:jobs:debug:sleep-%s", m);
	/* one transaction: the worker's XREADGROUP gets all three at once */
	snprintf(xadd, sizeof(xadd), "XADD %s * type debug.sleep payload "
	    "{\"ms\":1500,\"key\":\"sleep-%s\"} attempt 1", JOBS_STREAM, m);
	cmds[0] = "MULTI";
	for (i = 1; i <= 3; i++)
		cmds[i] = xadd;
	cmds[4] = "EXEC";
	done0 = stat_get("debug.sleep:done");
	assert_int_equal(redis_pipeline(w.redis, w.a, 5, cmds, rep), 0);
	assert_int_equal(rep[4]->type, REDIS_REPLY_ARRAY);
	arena_reset(w.a);
	assert_true(wait_count(key, 1, NULL, 0));	/* the first started */

	path = stack_path("run/jobs.pid");
	pidtext = slurp(path, NULL);
	assert_non_null(pidtext);
	snprintf(me, sizeof(me), ":%ld", strtol(pidtext, NULL, 10));
	free(pidtext);
	free(path);
	t0 = now_s();
	assert_int_equal(stack_ctl("jobs-stop"), 0);
	assert_true(now_s() - t0 < 5.0);
	assert_int_equal(get_int(key), 1);		/* nothing else ran */
	assert_int_equal(stat_get("debug.sleep:done"), done0 + 1);
	r = redis_cmd(w.redis, w.a, "XPENDING %s %s", JOBS_STREAM, JOBS_GROUP);
	assert_non_null(r);
	assert_int_equal(r->element[0]->integer, 0);	/* none stuck */
	r = redis_cmd(w.redis, w.a, "XLEN %s", JOBS_STREAM);
	assert_true(r->integer >= 2);			/* back in line */
	/* and it left the group */
	r = redis_cmd(w.redis, w.a, "XINFO CONSUMERS %s %s", JOBS_STREAM,
	    JOBS_GROUP);
	assert_non_null(r);
	for (i = 0; i < (int)r->elements; i++)
		assert_null(strstr(r->element[i]->element[1]->str, me));
	arena_reset(w.a);
	assert_true(log_count("stopped") >= 1);

	assert_int_equal(stack_ctl("jobs-start"), 0);
	assert_true(wait_count(key, 3, "debug.sleep:done", done0 + 2));
	(void)redis_cmd(w.redis, w.a, "DEL %s", key);
	arena_reset(w.a);
}

/*
 * Redis restarts empty: the worker logs the outage once, makes the group
 * again and runs new jobs without being restarted.
 */
static void
test_redis_restart_recovered(void **state)
{
	char		 m[64], key[96], counter[128], payload[256];
	int		 paused0, resumed0, i, ok = 0;

	(void)state;
	paused0 = log_count("jobs paused");
	resumed0 = log_count("jobs resumed");
	assert_int_equal(stack_ctl("redis-stop"), 0);
	sleep_ms(2500);			/* several back-off turns */
	assert_int_equal(stack_ctl("redis-start"), 0);

	marker(m, sizeof(m));
	snprintf(key, sizeof(key), "once-%s", m);
	snprintf(counter, sizeof(counter), "tc:jobs:debug:%s", key);
	snprintf(payload, sizeof(payload), "{\"key\":\"%s\",\"fail_times\":0}",
	    key);
	/* our own connection needs a moment to come back too */
	for (i = 0; i < 20 && !ok; i++) {
		ok = jobs_enqueue(w.redis, w.a, "debug.flaky", payload) == 0;
		arena_reset(w.a);
		if (!ok)
			sleep_ms(TICK_MS);
	}
	assert_true(ok);
	assert_true(wait_count(counter, 1, "debug.flaky:done", 0));
	assert_int_equal(log_count("jobs paused"), paused0 + 1);
	assert_int_equal(log_count("jobs resumed"), resumed0 + 1);
}

/* PostgreSQL restarts: the relay fails quietly, then catches up. */
static void
test_pg_restart_relay_recovered(void **state)
{
	char	 m[64], to[128], *payload, *id, *mail, *path = NULL;
	int	 failing0, back0;

	(void)state;
	failing0 = log_count("outbox relay failing");
	back0 = log_count("outbox relay working again");
	assert_int_equal(stack_ctl("pg-stop"), 0);
	sleep_ms(3000);
	assert_int_equal(stack_ctl("pg-start"), 0);

	marker(m, sizeof(m));
	snprintf(to, sizeof(to), "pg-%s@example.org", m);
	payload = json_payload("to", to, "subject", "After the restart",
	    "text", "t");
	id = outbox_insert("mail", payload);
	assert_true(wait_relayed(id));
	mail = wait_mail(m, &path);
	assert_non_null(mail);
	assert_int_equal(log_count("outbox relay failing"), failing0 + 1);
	assert_int_equal(log_count("outbox relay working again"), back0 + 1);
	unlink(path);
	free(path);
	free(mail);
	outbox_delete(id);
	free(id);
	free(payload);
}

static int
group_setup(void **state)
{
	(void)state;
	if (config_load(stack_conf(), &cfg) == -1)
		return (-1);
	if (worker_open(&w, &cfg) == -1) {
		config_free(&cfg);
		return (-1);
	}
	if (!cfg.jobs_debug) {
		fprintf(stderr, "test_jobs: the stack needs jobs_debug = 1\n");
		worker_close(&w);
		config_free(&cfg);
		return (-1);
	}
	return (0);
}

static int
group_teardown(void **state)
{
	(void)state;
	worker_close(&w);
	config_free(&cfg);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flaky_job_retried_until_done),
		cmocka_unit_test(test_failing_job_dead_lettered),
		cmocka_unit_test(test_unknown_type_dead_at_once),
		cmocka_unit_test(test_mail_job_writes_eml),
		cmocka_unit_test(test_outbox_mail_relayed),
		cmocka_unit_test(test_outbox_unmapped_topic_marked_relayed),
		cmocka_unit_test(test_outbox_bad_payload_does_not_block),
		cmocka_unit_test(test_mail_header_injection_refused),
		/* these restart parts of the stack */
		cmocka_unit_test(test_sigterm_finishes_job_and_releases_batch),
		cmocka_unit_test(test_redis_restart_recovered),
		cmocka_unit_test(test_pg_restart_relay_recovered),
	};

	(void)itest_env("TC_STACK_DIR");
	(void)itest_env("TC_STACK");
	return (cmocka_run_group_tests_name("jobs/integration", tests,
	    group_setup, group_teardown));
}
