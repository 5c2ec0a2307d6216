/*
 * The job queue on Redis Streams and the job worker process.
 *
 * A job is one stream entry {type, payload (JSON), attempt, id} on
 * "tc:jobs", read by the consumer group "workers".  A job that fails is
 * acknowledged and re-added to the delayed set "tc:jobs:delayed" (scored by
 * the time it is due) with attempt + 1; after jobs_max_attempts it goes to
 * the dead-letter stream "tc:jobs:dead".  Entries of a consumer that died
 * are claimed after a timeout (at-least-once: handlers are idempotent).
 * The outbox relay moves committed outbox rows onto the queue.
 */
#ifndef TC_JOBS_H
#define TC_JOBS_H

#include <stdint.h>

struct arena;
struct buf;
struct config;
struct json_object;
struct redis;
struct worker;

#define JOBS_STREAM	"tc:jobs"
#define JOBS_GROUP	"workers"
#define JOBS_DELAYED	"tc:jobs:delayed"
#define JOBS_DEAD	"tc:jobs:dead"
#define JOBS_STATS	"tc:jobs:stats"

/*
 * A job handler: 0 done, -1 failed (retried), -2 failed for good.  dead,
 * if set, runs when a job of the type goes to the dead-letter stream
 * (attempts used up, or -2), with the reason: what the job stands for can
 * then be marked failed instead of staying "in progress" for ever.
 */
struct job_type {
	const char	*name;
	int		(*fn)(struct worker *, const char *payload);
	int		 debug_only;	/* only with jobs_debug = 1 */
	void		(*dead)(struct worker *, const char *payload,
			    const char *why);
};

/* jobs.c -- the queue, and why the running job failed (the dead letter's
 * and the log's reason; no secrets, addresses or bodies) */
struct json_object *jobs_json_object(struct arena *, const char *);
void		 jobs_error(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
int		 jobs_register(void);
int		 jobs_enqueue(struct redis *, struct arena *, const char *,
		    const char *);
int64_t		 jobs_retry_delay_ms(const struct config *, int);
void		 jobs_metrics(struct worker *, struct buf *);

/* worker.c -- the job worker process */
int		 jobs_run(const struct config *);

/* outbox.c -- relay of committed domain events */
int		 outbox_relay(struct worker *, int *);

/* mail.c -- the mail sender */
int		 mail_job(struct worker *, const char *);
int		 mail_enqueue(struct worker *, const char *, const char *,
		    const char *);

#endif
