/*
 * A FastCGI worker process and the master that pre-forks them.
 */
#ifndef TC_WORKER_H
#define TC_WORKER_H

struct arena;
struct config;
struct db;
struct redis;

/* What a worker (or the job worker, or a task) holds for its lifetime. */
struct worker {
	const struct config	*cfg;
	struct db		*db;
	struct redis		*redis;
	struct arena		*a;
};

void	worker_signals(void (*)(int));
int	worker_open(struct worker *, const struct config *);
void	worker_close(struct worker *);
int	worker_run(const struct config *, int);
int	master_serve(const struct config *, int, char **);
void	master_watchdog_relax(void);
int	listen_open(const struct config *, int *);

#endif
