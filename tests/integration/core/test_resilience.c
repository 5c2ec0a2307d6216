/*
 * The process model under stress, against the real stack: rolling reloads
 * under load, a worker killed mid-request, PostgreSQL and Redis stopped and
 * started again, the application stopped behind nginx.  The tests change
 * the stack, so they run in order and each puts it back as it found it.
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "itest.h"

#define CLIENTS		4

struct load {
	pthread_t	 t;
	volatile int	*stop;
	int		 ok;
	int		 failed;
	long		 last_bad;
	long		 pids[64];
	int		 npids;
};




static void *
load_loop(void *arg)
{
	struct load		*l = arg;
	struct resp		 r;
	struct json_object	*o, *v;
	long			 pid;
	int			 i, k = 0;

	while (!*l->stop) {
		/* alternate a slow and a fast request */
		if (http_get(k++ % 2 ? "/v1/_debug/sleep?ms=30" : "/health",
		    &r) == 0 && r.status == 200) {
			l->ok++;
			if ((o = json_tokener_parse(r.body)) != NULL &&
			    json_object_object_get_ex(o, "pid", &v)) {
				pid = json_object_get_int64(v);
				for (i = 0; i < l->npids; i++)
					if (l->pids[i] == pid)
						break;
				if (i == l->npids && l->npids < 64)
					l->pids[l->npids++] = pid;
			}
			json_object_put(o);
		} else {
			l->failed++;
			l->last_bad = r.status;
		}
		resp_free(&r);
	}
	return (NULL);
}

static void
test_reload_under_load_loses_nothing(void **state)
{
	struct load	 l[CLIENTS];
	volatile int	 stop = 0;
	long		 before[16], after[16];
	int		 i, j, nb, na, ok = 0, failed = 0, pids = 0, common = 0;
	long		 master = master_pid();

	(void)state;
	assert_true(master > 0);
	nb = workers_of(master, before, 16);
	assert_true(nb >= 1);
	memset(l, 0, sizeof(l));
	for (i = 0; i < CLIENTS; i++) {
		l[i].stop = &stop;
		assert_int_equal(pthread_create(&l[i].t, NULL, load_loop,
		    &l[i]), 0);
	}
	sleep_ms(300);
	for (i = 0; i < 5; i++) {
		assert_int_equal(stack_ctl("app-reload"), 0);
		sleep_ms(700);
	}
	sleep_ms(300);
	stop = 1;
	for (i = 0; i < CLIENTS; i++) {
		pthread_join(l[i].t, NULL);
		ok += l[i].ok;
		failed += l[i].failed;
		pids += l[i].npids;
		if (l[i].failed)
			fprintf(stderr, "# client %d: %d failed, last status "
			    "%ld\n", i, l[i].failed, l[i].last_bad);
	}
	fprintf(stderr, "# reload under load: %d ok, %d failed\n", ok, failed);
	assert_int_equal(failed, 0);
	assert_true(ok > 50);
	/* the same master, all workers new */
	assert_int_equal(master_pid(), master);
	na = workers_of(master, after, 16);
	assert_int_equal(na, nb);
	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			if (after[i] == before[j])
				common++;
	assert_int_equal(common, 0);
	assert_true(pids > CLIENTS);	/* answers came from several workers */
}

/* The syscall a process is blocked in (/proc/PID/syscall), or -1. */
static long
blocked_in(long pid)
{
	char	 path[64];
	FILE	*f;
	long	 nr = -1;

	snprintf(path, sizeof(path), "/proc/%ld/syscall", pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%ld", &nr) != 1)
			nr = -1;
		fclose(f);
	}
	return (nr);
}




static void
test_reload_rereads_config(void **state)
{
	long	 master = master_pid();

	(void)state;
	conf_edit("workers = 3");
	assert_int_equal(reload_and_wait(3), 0);
	assert_int_equal(wait_http_ok("/health", 10), 0);
	conf_edit(NULL);
	assert_int_equal(reload_and_wait(2), 0);
	assert_int_equal(master_pid(), master);
}

static void
test_reload_with_bad_config_is_refused(void **state)
{
	long	 master = master_pid(), before[16], after[16];
	int	 nb, na, i;

	(void)state;
	nb = workers_of(master, before, 16);
	conf_edit("workers = many");
	assert_int_equal(stack_ctl("app-reload"), 0);
	sleep_ms(1500);
	/* still serving, with the very same workers */
	assert_int_equal(wait_http_ok("/health", 5), 0);
	na = workers_of(master, after, 16);
	assert_int_equal(na, nb);
	for (i = 0; i < na; i++)
		assert_true(after[i] == before[0] || after[i] == before[1]);
	conf_edit(NULL);
}

static void
test_reload_picks_up_new_binary(void **state)
{
	char	 bin[1024], tmp[1100], line[1024], cmd[2400], exe[1200];
	char	 path[64];
	char	*envf = stack_path("stack.env");
	long	 master = master_pid();
	FILE	*f;
	ssize_t	 n;
	int	 i, fresh = 0;

	(void)state;
	bin[0] = '\0';
	f = fopen(envf, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "TC_BIN=", 7) == 0) {
			snprintf(bin, sizeof(bin), "%s", line + 7);
			bin[strcspn(bin, "\n")] = '\0';
		}
	fclose(f);
	free(envf);
	assert_true(bin[0] == '/');
	/* install a new file over the binary, the way a package upgrade does */
	snprintf(tmp, sizeof(tmp), "%s.new", bin);
	snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s' && mv -f '%s' '%s'", bin,
	    tmp, tmp, bin);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "/proc/%ld/exe", master);
	n = readlink(path, exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_non_null(strstr(exe, "(deleted)"));	/* runs the old file */
	assert_int_equal(stack_ctl("app-reload"), 0);
	for (i = 0; i < 100 && !fresh; i++) {
		sleep_ms(100);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			fresh = strstr(exe, "(deleted)") == NULL;
		}
	}
	assert_true(fresh);
	assert_string_equal(exe, bin);
	assert_int_equal(master_pid(), master);
	assert_int_equal(wait_workers(master, 2, 15), 0);
	assert_int_equal(wait_http_ok("/health", 10), 0);
	/* let this reload's old workers leave before the next test */
	assert_int_equal(reload_and_wait(2), 0);
}

static void
test_workers_recycled_after_max_requests(void **state)
{
	struct resp		 r;
	struct json_object	*o, *v;
	long			 pids[64], master = master_pid();
	int			 npids = 0, i, j, bad = 0;

	(void)state;
	conf_edit("max_requests = 25");
	assert_int_equal(reload_and_wait(2), 0);
	for (i = 0; i < 200; i++) {
		if (http_get("/v1/_debug/sleep?ms=0", &r) != 0 ||
		    r.status != 200) {
			bad++;
			resp_free(&r);
			continue;
		}
		if ((o = json_tokener_parse(r.body)) != NULL &&
		    json_object_object_get_ex(o, "pid", &v)) {
			for (j = 0; j < npids; j++)
				if (pids[j] == json_object_get_int64(v))
					break;
			if (j == npids && npids < 64)
				pids[npids++] = json_object_get_int64(v);
		}
		json_object_put(o);
		resp_free(&r);
	}
	assert_int_equal(bad, 0);
	/* 200 requests at 25 a worker: at least 8 workers served them */
	assert_true(npids >= 8);
	assert_int_equal(http_get("/metrics", &r), 0);
	assert_null(strstr(r.body,
	    "throttlecove_worker_exits_total{reason=\"recycled\"} 0\n"));
	resp_free(&r);
	conf_edit(NULL);
	assert_int_equal(reload_and_wait(2), 0);
	(void)master;
}

struct slow {
	pthread_t	 t;
	struct resp	 r;
};

static void *
slow_request(void *arg)
{
	struct slow	*s = arg;

	http_get("/v1/_debug/sleep?ms=5000", &s->r);
	return (NULL);
}

static void
test_kill9_busy_worker_is_respawned(void **state)
{
	struct slow	 s;
	struct resp	 r;
	long		 master = master_pid(), w[16], busy = -1, after[16];
	int		 n, i, tries, bad = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(pthread_create(&s.t, NULL, slow_request, &s), 0);
	/* find the worker sleeping in our request (clock_nanosleep / nanosleep) */
	for (tries = 0; tries < 80 && busy < 0; tries++) {
		sleep_ms(50);
		n = workers_of(master, w, 16);
		for (i = 0; i < n; i++) {
			long	 nr = blocked_in(w[i]);

			if (nr == 230 || nr == 35)
				busy = w[i];
		}
	}
	assert_true(busy > 0);
	assert_int_equal(kill((pid_t)busy, SIGKILL), 0);
	pthread_join(s.t, NULL);
	/* that one request is lost: nginx answers 502 in the contract format */
	assert_int_equal(s.r.status, 502);
	resp_free(&s.r);

	for (i = 0; i < 100; i++) {
		if (http_get("/health", &r) != 0 || r.status != 200)
			bad++;
		resp_free(&r);
	}
	assert_int_equal(bad, 0);
	/* the pool is whole again, without the dead one */
	for (tries = 0; tries < 50; tries++) {
		n = workers_of(master, after, 16);
		if (n == 2)
			break;
		sleep_ms(100);
	}
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		assert_true(after[i] != busy);
	assert_int_equal(http_get("/metrics", &r), 0);
	assert_null(strstr(r.body,
	    "throttlecove_worker_restarts_total 0\n"));
	resp_free(&r);
}

static const char *
ready_status(struct resp *r)
{
	static char		 s[32];
	struct json_object	*o, *v;

	s[0] = '\0';
	if ((o = json_tokener_parse(r->body)) != NULL &&
	    json_object_object_get_ex(o, "status", &v))
		snprintf(s, sizeof(s), "%s", json_object_get_string(v));
	json_object_put(o);
	return (s);
}

static void
test_postgres_down_then_back(void **state)
{
	struct resp	 r;
	char		 h[64];
	int		 i;

	(void)state;
	assert_int_equal(stack_ctl("pg-stop"), 0);
	for (i = 0; i < 5; i++) {
		assert_int_equal(http_get("/health/ready", &r), 0);
		assert_int_equal(r.status, 503);
		assert_string_equal(ready_status(&r), "unavailable");
		assert_non_null(resp_header(&r, "Retry-After", h, sizeof(h)));
		/* fast: no hang waiting on a dead server */
		assert_true(r.secs < 3.0);
		resp_free(&r);
	}
	/* what needs no database keeps working */
	assert_int_equal(http_get("/health", &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);

	assert_int_equal(stack_ctl("pg-start"), 0);
	/* no restart of the application: the workers reconnect */
	assert_int_equal(wait_http_ok("/health/ready", 20), 0);
	for (i = 0; i < 20; i++) {
		assert_int_equal(http_get("/health/ready", &r), 0);
		assert_int_equal(r.status, 200);
		assert_string_equal(ready_status(&r), "ok");
		resp_free(&r);
	}
}

static void
test_redis_down_then_back(void **state)
{
	struct resp	 r;
	int		 i, ok = 0;

	(void)state;
	assert_int_equal(stack_ctl("redis-stop"), 0);
	for (i = 0; i < 5; i++) {
		assert_int_equal(http_get("/health/ready", &r), 0);
		assert_int_equal(r.status, 200);
		assert_string_equal(ready_status(&r), "degraded");
		assert_true(r.secs < 3.0);
		resp_free(&r);
	}
	assert_int_equal(http_get("/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);

	assert_int_equal(stack_ctl("redis-start"), 0);
	for (i = 0; i < 100 && ok < 10; i++) {
		assert_int_equal(http_get("/health/ready", &r), 0);
		if (r.status == 200 && strcmp(ready_status(&r), "ok") == 0)
			ok++;
		else
			ok = 0;
		resp_free(&r);
		sleep_ms(100);
	}
	assert_int_equal(ok, 10);
}

static void
test_app_down_gives_problem_502_then_back(void **state)
{
	struct resp	 r;
	char		 h[128];

	(void)state;
	assert_int_equal(stack_ctl("app-stop"), 0);
	/* graceful stop: the socket is gone */
	{
		char	*sock = stack_path("run/fcgi.sock");

		assert_int_not_equal(access(sock, F_OK), 0);
		free(sock);
	}
	assert_int_equal(http_get("/health", &r), 0);
	assert_true(r.status == 502 || r.status == 503);
	assert_non_null(resp_header(&r, "Content-Type", h, sizeof(h)));
	assert_string_equal(h, "application/problem+json");
	assert_non_null(resp_header(&r, "X-Request-Id", h, sizeof(h)));
	assert_non_null(resp_header(&r, "Retry-After", h, sizeof(h)));
	assert_non_null(strstr(r.body, "\"code\":\"service_unavailable\""));
	resp_free(&r);
	assert_int_equal(stack_ctl("app-start"), 0);
	assert_int_equal(wait_http_ok("/health", 20), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reload_under_load_loses_nothing),
		cmocka_unit_test(test_reload_rereads_config),
		cmocka_unit_test(test_reload_with_bad_config_is_refused),
		cmocka_unit_test(test_reload_picks_up_new_binary),
		cmocka_unit_test(test_workers_recycled_after_max_requests),
		cmocka_unit_test(test_kill9_busy_worker_is_respawned),
		cmocka_unit_test(test_postgres_down_then_back),
		cmocka_unit_test(test_redis_down_then_back),
		cmocka_unit_test(test_app_down_gives_problem_502_then_back),
	};
	int	 rc;

	itest_init();
	rc = cmocka_run_group_tests_name("resilience", tests, NULL, NULL);
	curl_global_cleanup();
	return (rc);
}
