/*
 * Operations: health, readiness, metrics, the OpenAPI document, and the
 * command-line tasks the systemd timers run.
 */
#ifndef TC_OPS_H
#define TC_OPS_H

struct config;
struct request;
struct schema;

/* api.c -- HTTP handlers */
int	ops_health(struct request *);
int	ops_ready(struct request *);
int	ops_metrics(struct request *);
int	ops_openapi(struct request *);
int	ops_debug_echo(struct request *);
int	ops_debug_sleep(struct request *);

extern const struct schema ops_echo_in;

/* db.c -- statements */
int	ops_register(void);

/* tasks.c -- one-shot tasks */
int	ops_init(const struct config *);
void	ops_free(void);
int	ops_task(const struct config *, const char *);

#endif
