/*
 * Private to src/jobs/ and its tests: what the files of the module share
 * beyond the contract in jobs.h.  Only src/jobs/ and the jobs tests
 * include this.
 */
#ifndef TC_JOBS_INTERNAL_H
#define TC_JOBS_INTERNAL_H

#include <stddef.h>

struct arena;
struct config;
struct job_type;
struct json_object;

#define JOBS_PAYLOAD_MAX	(1024 * 1024)	/* bytes of JSON per job */

/* jobs.c -- the type table and the error of the running job */
const struct job_type	*jobs_type_find(const struct config *,
			    const char *);
const char		*jobs_error_get(void);
void			 jobs_error_clear(void);

/* outbox.c -- its statements; outbox_relay() moves at most this many */
#define OUTBOX_RELAY_MAX	1000
int			 outbox_register(void);

/* mail.c -- the message builder (no I/O) */
int			 mail_addr_valid(const char *);
char			*mail_build(struct arena *, const struct config *,
			    const char *, const char *, const char *);

#endif
