/*
 * The job worker process (throttlecove jobs).
 *
 * One loop, one Redis and one PostgreSQL connection.  Each turn:
 *   1. promote: a Lua script moves the due members of tc:jobs:delayed back
 *      onto the stream (ZREM and XADD in one script, so two workers never
 *      both move one) and answers when the next one is due;
 *   2. claim: every few seconds XAUTOCLAIM (Redis >= 6.2; Debian 12 has
 *      7.0) takes the entries nobody acknowledged for CLAIM_IDLE_MS: their
 *      consumer died.  A claimed job counts as a failed attempt, so a job
 *      that kills its worker is dead-lettered after jobs_max_attempts
 *      instead of killing every worker in turn forever;
 *   3. read: XREADGROUP ... BLOCK for jobs_block_ms at most, less when a
 *      retry or the outbox relay is due sooner;
 *   4. run each entry with a fresh arena, then finish it with one Lua
 *      script: XACK, XDEL, then ZADD to the delayed set (retry), XADD to
 *      the dead-letter stream (dead) or nothing (done), and HINCRBY of the
 *      stats.  The XACK decides: if it acknowledged nothing, another worker
 *      claimed the entry meanwhile and owns its outcome;
 *   5. relay the outbox every second.
 * Delivery is at-least-once: a job may run twice (a worker dies after the
 * handler and before the finish), so handlers are idempotent.
 *
 * The group is created at "0", not "$": entries added before any worker
 * made the group (or after Redis restarted empty) are waiting jobs, and
 * "$" would skip them.  Processed entries are deleted, so "0" replays
 * nothing that was done.
 *
 * Memory: w.a holds one turn (the replies of the batch); ja one job, reset
 * after each.  Outages: while Redis fails, the loop logs once, sleeps with
 * back-off up to BACKOFF_MAX_MS and recreates the group when it returns.
 * While the outbox relay fails (PostgreSQL down), it is retried with the
 * same back-off and the jobs keep running.  SIGTERM or SIGINT: the job in
 * hand finishes, the rest of the batch goes back onto the stream at once
 * (nobody has to wait CLAIM_IDLE_MS for it), the worker leaves the group,
 * exit 0.
 */
#include "autoconfig.h"

#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <systemd/sd-daemon.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "core/redis.h"
#include "core/worker.h"
#include "jobs/internal.h"
#include "jobs/jobs.h"

#define BATCH		10	/* entries per XREADGROUP */
#define CLAIM_IDLE_MS	60000	/* unacknowledged so long: owner died */
#define CLAIM_EVERY_MS	5000
#define RELAY_EVERY_MS	1000
#define PROMOTE_MAX	"100"	/* delayed jobs moved per turn */
#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	2000
#define DEAD_MAXLEN	"100000" /* about; the oldest dead letters go */

/*
 * KEYS delayed, stream, dead; ARGV now (ms), limit.  A member is
 * {"type","payload" (text),"attempt","first_id","last_error"}; one that
 * is not is dead-lettered as is.  Returns {moved, score of the next or -1}.
 */
static const char promote_lua[] =
"local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1],\n"
"    'LIMIT', 0, tonumber(ARGV[2]))\n"
"local moved = 0\n"
"for _, m in ipairs(due) do\n"
"  redis.call('ZREM', KEYS[1], m)\n"
"  local ok, j = pcall(cjson.decode, m)\n"
"  if ok and type(j) == 'table' and type(j.type) == 'string' and\n"
"      type(j.payload) == 'string' and tonumber(j.attempt) then\n"
"    local id = type(j.first_id) == 'string' and j.first_id or ''\n"
"    redis.call('XADD', KEYS[2], '*', 'type', j.type, 'payload',\n"
"        j.payload, 'attempt', tostring(tonumber(j.attempt)), 'id', id)\n"
"    moved = moved + 1\n"
"  else\n"
"    redis.call('XADD', KEYS[3], '*', 'type', 'unknown', 'payload', m,\n"
"        'attempts', '0', 'error', 'malformed delayed member',\n"
"        'failed_at', ARGV[1])\n"
"  end\n"
"end\n"
"local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')\n"
"return {moved, nxt[2] or '-1'}\n";

/*
 * KEYS stream, delayed, dead, stats; ARGV group, id, outcome, stats field,
 * then for "retried" score and member, for "dead" maxlen and the fields,
 * for "release" the fields.  Returns 1, or 0 if the entry was no longer
 * pending (someone else finished it).
 */
static const char finish_lua[] =
"if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then\n"
"  return 0\n"
"end\n"
"redis.call('XDEL', KEYS[1], ARGV[2])\n"
"local o = ARGV[3]\n"
"if o == 'retried' then\n"
"  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])\n"
"elseif o == 'dead' then\n"
"  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*',\n"
"      unpack(ARGV, 6))\n"
"elseif o == 'release' then\n"
"  redis.call('XADD', KEYS[1], '*', unpack(ARGV, 5))\n"
"end\n"
"if ARGV[4] ~= '' then\n"
"  redis.call('HINCRBY', KEYS[4], ARGV[4], 1)\n"
"end\n"
"return 1\n";

struct jw {
	struct worker		 w;		/* w.a: one turn */
	struct arena		*ja;		/* one job */
	const struct config	*cfg;
	char			 me[300];	/* consumer: host:pid */
	char			 promote_sha[41];
	char			 finish_sha[41];
	char			 cursor[64];	/* of XAUTOCLAIM */
	const char		*why;		/* of the last failure */
	int			 group_ok;
	int			 claim_broken;
	int			 redis_out;	/* in an outage */
	int64_t			 redis_since;
	int			 backoff_ms;
	int			 relay_out;
	int64_t			 relay_since;
	int			 relay_backoff_ms;
	int64_t			 next_relay;	/* monotonic ms */
	int64_t			 next_claim;
	int64_t			 next_watchdog;
	int64_t			 watchdog_ms;	/* 0: no watchdog */
	int64_t			 next_due;	/* wall ms, -1: none */
};

struct job {
	const char	*id;
	const char	*type;
	const char	*payload;
	const char	*first_id;
	int		 attempt;
	int		 deleted;	/* the entry has no fields left */
};

static volatile sig_atomic_t	stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static int64_t
wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Sleep ms, or less if a signal comes. */
static void
sleep_ms(int ms)
{
	struct timespec	 ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	(void)nanosleep(&ts, NULL);
}

static void
sha1_hex(const char *s, char out[41])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 n = 0, i;

	if (EVP_Digest(s, strlen(s), md, &n, EVP_sha1(), NULL) != 1 ||
	    n != 20) {
		/* EVALSHA then answers NOSCRIPT and redis_eval() sends EVAL */
		snprintf(out, 41, "%040d", 0);
		return;
	}
	for (i = 0; i < n; i++) {
		out[i * 2] = hex[md[i] >> 4];
		out[i * 2 + 1] = hex[md[i] & 15];
	}
	out[40] = '\0';
}

static void
put_json(void *p)
{
	json_object_put(p);
}

static void
watchdog(struct jw *s)
{
	int64_t	 now;

	if (s->watchdog_ms == 0)
		return;
	if ((now = mono_ms()) >= s->next_watchdog) {
		sd_notify(0, "WATCHDOG=1");
		s->next_watchdog = now + s->watchdog_ms / 3;
	}
}

/* Redis failed (s->why says how): log once per outage, back off. */
static void
trouble(struct jw *s)
{
	if (!s->redis_out) {
		s->redis_out = 1;
		s->redis_since = mono_ms();
		s->backoff_ms = BACKOFF_MIN_MS;
		log_warn("jobs paused: %s; retrying every %d ms at most",
		    s->why != NULL ? s->why : "Redis unavailable",
		    BACKOFF_MAX_MS);
		sd_notify(0, "STATUS=paused: Redis unavailable");
	} else if ((s->backoff_ms *= 2) > BACKOFF_MAX_MS)
		s->backoff_ms = BACKOFF_MAX_MS;
	s->group_ok = 0;	/* Redis may come back empty */
	s->why = NULL;
	sleep_ms(s->backoff_ms);
}

static void
healthy(struct jw *s)
{
	if (!s->redis_out)
		return;
	s->redis_out = 0;
	log_info("jobs resumed: Redis back after %.1f s",
	    (double)(mono_ms() - s->redis_since) / 1e3);
	sd_notify(0, "STATUS=running");
}

/* An error reply to what: note it for trouble(); NOGROUP drops the group. */
static int
bad_reply(struct jw *s, const char *what, const redisReply *r)
{
	if (r == NULL) {
		s->why = "Redis unavailable";
		return (-1);
	}
	if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOGROUP", 7) == 0)
		s->group_ok = 0;
	s->why = arena_printf(s->w.a, "%s: %s", what,
	    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	return (-1);
}

static int
group_create(struct jw *s)
{
	redisReply	*r;

	r = redis_cmd(s->w.redis, s->w.a, "XGROUP CREATE %s %s 0 MKSTREAM",
	    JOBS_STREAM, JOBS_GROUP);
	if (r == NULL || (r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "BUSYGROUP", 9) != 0))
		return (bad_reply(s, "XGROUP CREATE", r));
	s->group_ok = 1;
	return (0);
}

/* Move the due retries onto the stream; note when the next is due. */
static int
promote(struct jw *s)
{
	const char	*keys[] = { JOBS_DELAYED, JOBS_STREAM, JOBS_DEAD };
	const char	*args[2];
	redisReply	*r;

	args[0] = arena_printf(s->w.a, "%" PRId64, wall_ms());
	args[1] = PROMOTE_MAX;
	r = redis_eval(s->w.redis, s->w.a, s->promote_sha, promote_lua, 3,
	    keys, 2, args);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->type != REDIS_REPLY_STRING)
		return (bad_reply(s, "promote", r));
	if (r->element[0]->integer > 0)
		log_debug("%lld delayed jobs due", r->element[0]->integer);
	s->next_due = (int64_t)strtod(r->element[1]->str, NULL);
	return (0);
}

/* Run the finish script for entry id (see finish_lua). */
static int
finish(struct jw *s, const char *id, const char *outcome, const char *stat,
    int nextra, const char **extra)
{
	const char	*keys[] = { JOBS_STREAM, JOBS_DELAYED, JOBS_DEAD,
	    JOBS_STATS };
	const char	**args;
	redisReply	*r;
	int		 i;

	args = arena_calloc(s->w.a, (size_t)(4 + nextra), sizeof(*args));
	args[0] = JOBS_GROUP;
	args[1] = id;
	args[2] = outcome;
	args[3] = stat;
	for (i = 0; i < nextra; i++)
		args[4 + i] = extra[i];
	r = redis_eval(s->w.redis, s->w.a, s->finish_sha, finish_lua, 4, keys,
	    4 + nextra, args);
	if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
		/* stays pending: claimed again later (at-least-once) */
		log_err("job %s: could not record %s: %s", id, outcome,
		    r == NULL ? "Redis unavailable" :
		    r->type == REDIS_REPLY_ERROR ? r->str : "bad reply");
		return (-1);
	}
	if (r->integer == 0)
		log_info("job %s: already finished by another worker", id);
	return (0);
}

static int
parse_entry(const redisReply *e, struct job *j)
{
	const redisReply	*f, *k, *v;
	size_t			 i;

	memset(j, 0, sizeof(*j));
	j->attempt = 1;
	if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING)
		return (-1);
	j->id = e->element[0]->str;
	f = e->element[1];
	if (f->type != REDIS_REPLY_ARRAY) {
		j->deleted = 1;
		return (0);
	}
	for (i = 0; i + 1 < f->elements; i += 2) {
		k = f->element[i];
		v = f->element[i + 1];
		if (k->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(k->str, "type") == 0)
			j->type = v->str;
		else if (strcmp(k->str, "payload") == 0)
			j->payload = v->str;
		else if (strcmp(k->str, "attempt") == 0)
			j->attempt = atoi(v->str);
		else if (strcmp(k->str, "id") == 0)
			j->first_id = v->str;
	}
	if (j->attempt < 1)
		j->attempt = 1;
	if (j->first_id == NULL || *j->first_id == '\0')
		j->first_id = j->id;
	return (0);
}

static char *
iso_now(struct arena *a)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 t[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	return (arena_printf(a, "%s.%03ldZ", t, ts.tv_nsec / 1000000));
}

static const char *
retry_member(struct jw *s, const struct job *j, const char *err)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return (NULL);
	arena_cleanup(s->w.a, put_json, o);
	json_object_object_add(o, "type", json_object_new_string(j->type));
	json_object_object_add(o, "payload",
	    json_object_new_string(j->payload));
	json_object_object_add(o, "attempt",
	    json_object_new_int(j->attempt + 1));
	json_object_object_add(o, "first_id",
	    json_object_new_string(j->first_id));
	json_object_object_add(o, "last_error", json_object_new_string(err));
	return (json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* Run one entry and record its outcome; claimed: its consumer died. */
static void
run_entry(struct jw *s, const redisReply *e, int claimed)
{
	const struct job_type	*t = NULL;
	struct worker		 jw;
	struct job		 j;
	const char		*err, *stat, *name, *member, *extra[13];
	char			 stat_field[128];
	int64_t			 t0, delay, due;
	int			 rc;

	if (parse_entry(e, &j) == -1)
		return;
	if (j.deleted) {
		(void)finish(s, j.id, "drop", "", 0, NULL);
		return;
	}
	t0 = mono_ms();
	if (j.type == NULL || j.payload == NULL) {
		rc = -2;
		err = "malformed entry (no type or payload)";
	} else if ((t = jobs_type_find(s->cfg, j.type)) == NULL) {
		rc = -2;
		err = "unknown job type";
	} else if (claimed) {
		rc = -1;
		err = "claimed: its worker stopped while running it";
	} else {
		jobs_error_clear();
		jw = s->w;
		jw.a = s->ja;
		rc = t->fn(&jw, j.payload);
		err = *jobs_error_get() != '\0' ? jobs_error_get() :
		    rc == -1 ? "failed" : "refused";
	}
	stat = t != NULL ? t->name : "unknown";
	name = j.type != NULL ? j.type : "?";
	if (rc == 0) {
		snprintf(stat_field, sizeof(stat_field), "%s:done", stat);
		if (finish(s, j.id, "done", stat_field, 0, NULL) == 0)
			log_info("job %s %s attempt %d: done in %" PRId64
			    " ms", j.first_id, name, j.attempt,
			    mono_ms() - t0);
	} else if (rc == -1 && j.attempt < s->cfg->jobs_max_attempts &&
	    (member = retry_member(s, &j, err)) != NULL) {
		delay = jobs_retry_delay_ms(s->cfg, j.attempt);
		snprintf(stat_field, sizeof(stat_field), "%s:retried", stat);
		due = wall_ms() + delay;
		extra[0] = arena_printf(s->w.a, "%" PRId64, due);
		extra[1] = member;
		if (s->next_due < 0 || due < s->next_due)
			s->next_due = due;	/* block no longer */
		if (finish(s, j.id, "retried", stat_field, 2, extra) == 0)
			log_info("job %s %s attempt %d: %s; retry in %" PRId64
			    " ms", j.first_id, name, j.attempt, err, delay);
	} else {
		snprintf(stat_field, sizeof(stat_field), "%s:dead", stat);
		extra[0] = DEAD_MAXLEN;
		extra[1] = "type";
		extra[2] = j.type != NULL ? j.type : "";
		extra[3] = "payload";
		extra[4] = j.payload != NULL ? j.payload : "";
		extra[5] = "attempts";
		extra[6] = arena_printf(s->w.a, "%d", j.attempt);
		extra[7] = "error";
		extra[8] = err;
		extra[9] = "failed_at";
		extra[10] = iso_now(s->w.a);
		extra[11] = "id";
		extra[12] = j.first_id;
		if (finish(s, j.id, "dead", stat_field, 13, extra) == 0)
			log_warn("job %s %s attempt %d: %s; dead-lettered",
			    j.first_id, name, j.attempt, err);
		if (t != NULL && t->dead != NULL && j.payload != NULL) {
			jw = s->w;
			jw.a = s->ja;
			t->dead(&jw, j.payload, err);
		}
	}
	arena_reset(s->ja);
}

/* Put an unstarted entry back at the end of the stream (shutdown). */
static void
release(struct jw *s, const redisReply *e)
{
	struct job	 j;
	const char	*extra[8];

	if (parse_entry(e, &j) == -1 || j.deleted || j.type == NULL ||
	    j.payload == NULL)
		return;	/* left pending: claimed later */
	extra[0] = "type";
	extra[1] = j.type;
	extra[2] = "payload";
	extra[3] = j.payload;
	extra[4] = "attempt";
	extra[5] = arena_printf(s->w.a, "%d", j.attempt);
	extra[6] = "id";
	extra[7] = j.first_id;
	(void)finish(s, j.id, "release", "", 8, extra);
}

static void
run_entries(struct jw *s, const redisReply *entries, int claimed)
{
	size_t	 i;

	if (entries->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < entries->elements; i++) {
		if (stopping) {
			for (; i < entries->elements; i++)
				release(s, entries->element[i]);
			return;
		}
		run_entry(s, entries->element[i], claimed);
		watchdog(s);
	}
}

/* Take over the entries whose consumer died (XAUTOCLAIM). */
static int
claim(struct jw *s)
{
	redisReply	*r;

	s->next_claim = mono_ms() + CLAIM_EVERY_MS;
	if (s->claim_broken)
		return (0);
	r = redis_cmd(s->w.redis, s->w.a, "XAUTOCLAIM %s %s %s %d %s COUNT %d",
	    JOBS_STREAM, JOBS_GROUP, s->me, CLAIM_IDLE_MS, s->cursor, BATCH);
	if (r == NULL)
		return (bad_reply(s, "XAUTOCLAIM", r));
	if (r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "NOGROUP", 7) != 0) {
		/* older than Redis 6.2: unknown command */
		log_err("XAUTOCLAIM: %s; dead workers' jobs are not claimed",
		    r->str);
		s->claim_broken = 1;
		return (0);
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return (bad_reply(s, "XAUTOCLAIM", r));
	snprintf(s->cursor, sizeof(s->cursor), "%s", r->element[0]->str);
	if (strcmp(s->cursor, "0-0") != 0)
		s->next_claim = mono_ms();	/* more to look at */
	if (r->element[1]->type == REDIS_REPLY_ARRAY &&
	    r->element[1]->elements > 0) {
		log_warn("claimed %zu jobs idle for %d s (a worker died?)",
		    r->element[1]->elements, CLAIM_IDLE_MS / 1000);
		run_entries(s, r->element[1], 1);
	}
	return (0);
}

/* How long XREADGROUP may block: until the next thing we must do. */
static int
block_ms(const struct jw *s)
{
	int64_t	 b = s->cfg->jobs_block_ms, d, now = mono_ms();

	if (s->next_due >= 0 && (d = s->next_due - wall_ms()) < b)
		b = d;
	if ((d = s->next_relay - now) < b)
		b = d;
	if ((d = s->next_claim - now) < b)
		b = d;
	if (s->watchdog_ms > 0 && (d = s->next_watchdog - now) < b)
		b = d;
	return (b < 1 ? 1 : (int)b);	/* BLOCK 0 would wait forever */
}

static int
read_batch(struct jw *s)
{
	redisReply	*r, *st;

	r = redis_cmd(s->w.redis, s->w.a,
	    "XREADGROUP GROUP %s %s COUNT %d BLOCK %d STREAMS %s >",
	    JOBS_GROUP, s->me, BATCH, block_ms(s), JOBS_STREAM);
	if (r == NULL)
		return (bad_reply(s, "XREADGROUP", r));
	if (r->type == REDIS_REPLY_NIL)
		return (0);
	if (r->type != REDIS_REPLY_ARRAY)
		return (bad_reply(s, "XREADGROUP", r));
	if (r->elements > 0 && (st = r->element[0])->type ==
	    REDIS_REPLY_ARRAY && st->elements == 2)
		run_entries(s, st->element[1], 0);
	return (0);
}

static void
relay(struct jw *s)
{
	int64_t	 now = mono_ms();
	int	 n = 0;

	if (now < s->next_relay)
		return;
	if (outbox_relay(&s->w, &n) == -1) {
		if (!s->relay_out) {
			s->relay_out = 1;
			s->relay_since = now;
			s->relay_backoff_ms = RELAY_EVERY_MS;
			log_warn("outbox relay failing (PostgreSQL down?); "
			    "retrying every %d ms at most", BACKOFF_MAX_MS);
		} else if ((s->relay_backoff_ms *= 2) > BACKOFF_MAX_MS)
			s->relay_backoff_ms = BACKOFF_MAX_MS;
		s->next_relay = now + s->relay_backoff_ms;
		return;
	}
	if (s->relay_out) {
		s->relay_out = 0;
		log_info("outbox relay working again after %.1f s",
		    (double)(now - s->relay_since) / 1e3);
	}
	if (n > 0)
		log_info("outbox: %d events relayed", n);
	s->next_relay = n >= OUTBOX_RELAY_MAX ? now : now + RELAY_EVERY_MS;
}

/*
 * Leave the group on a clean exit, so consumers do not pile up with every
 * restart; only with nothing pending, as DELCONSUMER drops what is.
 */
static void
leave_group(struct jw *s)
{
	redisReply	*r;

	arena_reset(s->w.a);
	r = redis_cmd(s->w.redis, s->w.a, "XPENDING %s %s - + 1 %s",
	    JOBS_STREAM, JOBS_GROUP, s->me);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 0)
		(void)redis_cmd(s->w.redis, s->w.a,
		    "XGROUP DELCONSUMER %s %s %s", JOBS_STREAM, JOBS_GROUP,
		    s->me);
	arena_reset(s->w.a);
}


/*
 * The job worker: run jobs until SIGTERM or SIGINT, then finish the job in
 * hand and return 0 (2 if it could not start).
 */
int
jobs_run(const struct config *cfg)
{
	struct jw	 s;
	uint64_t	 usec;
	char		 host[256];

	worker_signals(on_term);	/* sleeps end on SIGTERM */
	memset(&s, 0, sizeof(s));
	if (worker_open(&s.w, cfg) == -1) {
		log_err("%s: out of memory", __func__);
		return (2);
	}
	/*
	 * XREADGROUP BLOCK waits inside the socket's read timeout: give this
	 * connection room for both, or every idle turn would time out.
	 */
	redis_free(s.w.redis);
	if ((s.w.redis = redis_new(cfg->redis, cfg->redis_timeout_ms +
	    cfg->jobs_block_ms)) == NULL) {
		log_err("%s: out of memory", __func__);
		worker_close(&s.w);
		return (2);
	}
	s.ja = arena_new(16384);
	s.cfg = cfg;
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(s.me, sizeof(s.me), "%s:%ld", host, (long)getpid());
	sha1_hex(promote_lua, s.promote_sha);
	sha1_hex(finish_lua, s.finish_sha);
	snprintf(s.cursor, sizeof(s.cursor), "0-0");
	s.next_due = -1;
	s.next_relay = s.next_claim = mono_ms();
	if (sd_watchdog_enabled(0, &usec) > 0)
		s.watchdog_ms = (int64_t)(usec / 1000);

	log_info("job worker %s started (debug types %s)", s.me,
	    cfg->jobs_debug ? "on" : "off");
	sd_notify(0, "READY=1\nSTATUS=running");
	while (!stopping) {
		arena_reset(s.w.a);
		watchdog(&s);
		if ((!s.group_ok && group_create(&s) == -1) ||
		    promote(&s) == -1 ||
		    (mono_ms() >= s.next_claim && claim(&s) == -1)) {
			trouble(&s);
			continue;
		}
		if (stopping)
			break;
		if (read_batch(&s) == -1) {
			trouble(&s);
			continue;
		}
		healthy(&s);
		relay(&s);
	}
	sd_notify(0, "STOPPING=1");
	leave_group(&s);
	log_info("job worker %s stopped", s.me);
	arena_free(s.ja);
	worker_close(&s.w);
	return (0);
}
