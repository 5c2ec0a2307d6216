/*
 * Maintenance: a bike's service records, its schedules, and when each
 * schedule falls due (per bike and across the caller's garage).  Every
 * route sits under /v1/motorcycles/{id}/ and checks access first
 * (motorcycles.h): viewers read, editors and the owner write.
 */
#ifndef TC_MAINTENANCE_H
#define TC_MAINTENANCE_H

#include <stdint.h>

struct request;
struct schema;

/* api.c -- HTTP handlers */
int	maint_record_list(struct request *);
int	maint_record_create(struct request *);
int	maint_record_get(struct request *);
int	maint_record_update(struct request *);
int	maint_record_delete(struct request *);
int	maint_schedule_list(struct request *);
int	maint_schedule_create(struct request *);
int	maint_schedule_get(struct request *);
int	maint_schedule_update(struct request *);
int	maint_schedule_delete(struct request *);
int	maint_due_bike(struct request *);
int	maint_due_all(struct request *);
int	maint_due_all_key(struct request *, const char **, const char **);

extern const struct schema maint_record_in, maint_record_update_in,
	    maint_schedule_in, maint_schedule_update_in;

/*
 * api.c -- for other modules.  maint_create_defaults: give new bike
 * bike_id the default schedule (sql/SCHEDULES.md), one INSERT ... SELECT
 * FROM default_schedules, inside the caller's open transaction.  0, or
 * -1 with the problem written (the caller rolls back).  Bumps no cache:
 * the caller's write does.
 */
int	maint_create_defaults(struct request *, int64_t);

/* db.c -- statements */
int	maint_register_stmts(void);

#endif
