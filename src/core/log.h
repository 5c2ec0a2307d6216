/*
 * JSON log lines on stderr, one object a line, for journald:
 *   {"ts":"2026-11-26T09:00:00.123Z","level":"info","pid":42,
 *    "proc":"worker","request_id":"...","msg":"..."}
 * Never pass secrets, passwords, tokens or SQL parameters to these.
 */
#ifndef TC_LOG_H
#define TC_LOG_H

enum loglevel { LV_DEBUG, LV_INFO, LV_WARN, LV_ERROR, LV__MAX };

void	log_init(const char *proc, enum loglevel);
void	log_set_level(enum loglevel);
int	log_level_parse(const char *, enum loglevel *);
void	log_set_request_id(const char *);
void	log_msg(enum loglevel, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#define log_debug(...)	log_msg(LV_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LV_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LV_WARN, __VA_ARGS__)
#define log_err(...)	log_msg(LV_ERROR, __VA_ARGS__)

#endif
