/*
 * throttlecove [-c config] serve | jobs | migrate | check | task NAME
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "auth/auth.h"
#include "core/config.h"
#include "core/cursor.h"
#include "core/db.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/migrate.h"
#include "core/ratelimit.h"
#include "core/router.h"
#include "core/worker.h"
#include "documents/documents.h"
#include "documents/ocr.h"
#include "files/files.h"
#include "files/sweep.h"
#include "fuel/fuel.h"
#include "jobs/jobs.h"
#include "maintenance/maintenance.h"
#include "motorcycles/motorcycles.h"
#include "ops/ops.h"
#include "parts/parts.h"
#include "photos/photos.h"
#include "reports/reports.h"
#include "users/users.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: throttlecove [-c config] serve | jobs | migrate | check |"
	    " task NAME\n"
	    "tasks: session-cleanup, outbox-relay, storage-sweep,"
	    " document-expiry\n");
	exit(64);
}

static const struct router_hooks hooks = {
	.auth = auth_guard,
	.rate = ratelimit_guard,
};

static int
setup(const struct config *cfg, const char *proc)
{
	enum loglevel	 lv = LV_INFO;

	log_level_parse(cfg->log_level, &lv);
	log_init(proc, lv);
	if (router_init(routes, nroutes, &hooks) == -1)
		return (-1);
	router_enable_debug(cfg->debug_routes);
	if (ops_register() == -1 || jobs_register() == -1 ||
	    auth_register_stmts() == -1 || users_register_stmts() == -1 ||
	    moto_register_access() == -1 || moto_register_stmts() == -1 ||
	    maint_register_stmts() == -1 || fuel_register_stmts() == -1 ||
	    parts_register_stmts() == -1 || reports_register_stmts() == -1 ||
	    photos_register_stmts() == -1 ||
	    storage_sweep_register() == -1 ||
	    document_ocr_register() == -1 || document_remind_register() == -1 ||
	    docs_register_stmts() == -1)
		return (-1);
	if (storage_init(cfg) == -1)
		return (-1);
	cursor_init(cfg->jwt_secret);
	return (0);
}

/* What the request path needs, loaded before the workers fork. */
static int
setup_serve(const struct config *cfg)
{
	return (ops_init(cfg) == -1 || auth_init(cfg) == -1 ||
	    ratelimit_init(cfg) == -1 || scan_init(cfg) == -1 ? -1 : 0);
}

int
main(int argc, char **argv)
{
	struct config	 cfg;
	const char	*path = NULL, *cmd;
	int		 ch, rc = 1, fd, owned;

	log_init("throttlecove", LV_INFO);
	while ((ch = getopt(argc, argv, "c:h")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	cmd = argv[optind];
	if (strcmp(cmd, "jobs") == 0)
		ocr_exec_env(argv);	/* OMP_THREAD_LIMIT=1; returns if set */
	if (path == NULL && access(SYSCONFDIR "/throttlecove/throttlecove.conf",
	    R_OK) == 0)
		path = SYSCONFDIR "/throttlecove/throttlecove.conf";
	if (config_load(path, &cfg) == -1)
		return (78);	/* EX_CONFIG */
	curl_global_init(CURL_GLOBAL_DEFAULT);

	if (strcmp(cmd, "serve") == 0) {
		/* the signatures may take a while: the watchdog waits */
		master_watchdog_relax();
		if (setup(&cfg, "master") == -1 ||
		    metrics_init(nroutes, router_hash()) == -1 ||
		    setup_serve(&cfg) == -1)
			goto done;
		if ((fd = listen_open(&cfg, &owned)) == -1)
			goto done;
		if (owned)
			setenv("TC_LISTEN_OWNED", "1", 1);
		rc = master_serve(&cfg, fd, argv);
	} else if (strcmp(cmd, "check") == 0) {
		rc = setup(&cfg, "check") == -1 ? 1 : 0;
		if (rc == 0)
			rc = setup_serve(&cfg) == -1 ? 1 : 0;
	} else if (strcmp(cmd, "jobs") == 0) {
		if (setup(&cfg, "jobs") == 0 &&
		    metrics_init(nroutes, router_hash()) == 0)
			rc = jobs_run(&cfg);
	} else if (strcmp(cmd, "migrate") == 0) {
		log_init("migrate", LV_INFO);
		rc = migrate_run(&cfg) == 0 ? 0 : 1;
	} else if (strcmp(cmd, "task") == 0) {
		if (optind + 1 >= argc)
			usage();
		if (setup(&cfg, "task") == 0)
			rc = ops_task(&cfg, argv[optind + 1]);
	} else
		usage();
done:
	scan_free();
	ops_free();
	auth_free();
	router_free();
	config_free(&cfg);
	curl_global_cleanup();
	return (rc);
}
