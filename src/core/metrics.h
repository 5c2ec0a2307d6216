/*
 * Counters shared by the master and all its workers: one memfd mapping
 * made by the master before it forks (and handed across a re-exec), updated
 * with relaxed atomic adds, rendered in Prometheus text format by /metrics.
 */
#ifndef TC_METRICS_H
#define TC_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct buf;

enum dep { DEP_POSTGRES, DEP_REDIS, DEP__MAX };

int	 metrics_init(size_t, uint64_t);
int	 metrics_fd(void);
void	 metrics_request(int, int, double);
void	 metrics_dep_error(enum dep);
void	 metrics_worker_exit(int);
void	 metrics_reload(void);
void	 metrics_set_workers(int);
void	 metrics_cache(int);
void	 metrics_render(struct buf *, const char *(*)(int));
int	 metrics_status_slot(int);
int	 metrics_bucket(double);
void	 metrics_set_slot(int);
int	 gate_enter(int);
void	 gate_leave(void);
void	 gate_release_slot(int);

#endif
