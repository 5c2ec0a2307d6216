/*
 * The migrate command.  Files are read whole and sent with PQexec (DDL from
 * our own files, never request text); the bookkeeping statements take
 * parameters.  A checksum of each applied file is kept, and a file changed
 * after it was applied is reported rather than silently skipped.
 */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/evp.h>

#include "core/config.h"
#include "core/log.h"
#include "core/migrate.h"

#define LOCK_KEY	"1952675693"	/* advisory lock id: "tcwm" */

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static int
is_migration(const char *n)
{
	size_t	 len = strlen(n);

	return (len > 9 && n[0] >= '0' && n[0] <= '9' && n[1] >= '0' &&
	    n[1] <= '9' && n[2] >= '0' && n[2] <= '9' && n[3] >= '0' &&
	    n[3] <= '9' && n[4] == '_' && strcmp(n + len - 4, ".sql") == 0);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*s = NULL;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t)n + 1)) != NULL) {
		if (fread(s, 1, (size_t)n, f) != (size_t)n) {
			free(s);
			s = NULL;
		} else {
			s[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return (s);
}

static void
sha256_hex(const char *s, size_t len, char out[65])
{
	unsigned char	 md[32];
	unsigned int	 mdlen = 0;
	int		 i;

	EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		sprintf(out + i * 2, "%02x", md[i]);
	out[64] = '\0';
}

static int
ok(PGconn *c, PGresult *res, const char *what)
{
	ExecStatusType	 st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return (1);
	log_err("migrate: %s: %s", what, PQerrorMessage(c));
	return (0);
}

static int
exec_ok(PGconn *c, const char *sql, const char *what)
{
	PGresult	*res = PQexec(c, sql);
	int		 rc = ok(c, res, what);

	PQclear(res);
	return (rc);
}

/* Apply one file unless already applied; 0 ok, -1 error. */
static int
apply(PGconn *c, const char *dir, const char *name, int *applied)
{
	const char	*params[2];
	PGresult	*res;
	char		 path[4096], sum[65];
	char		*sql;
	size_t		 len = 0;
	int		 rc = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((sql = slurp(path, &len)) == NULL) {
		log_err("migrate: cannot read %s: %s", path, strerror(errno));
		return (-1);
	}
	sha256_hex(sql, len, sum);
	params[0] = name;
	res = PQexecParams(c, "SELECT checksum FROM schema_migrations "
	    "WHERE name = $1", 1, NULL, params, NULL, NULL, 0);
	if (!ok(c, res, "lookup"))
		goto done;
	if (PQntuples(res) == 1) {
		if (strcmp(PQgetvalue(res, 0, 0), sum) != 0)
			log_warn("migrate: %s changed since it was applied",
			    name);
		rc = 0;
		goto done;
	}
	PQclear(res);
	res = NULL;
	if (!exec_ok(c, "BEGIN", "begin"))
		goto done;
	res = PQexec(c, sql);
	if (!ok(c, res, name)) {
		exec_ok(c, "ROLLBACK", "rollback");
		goto done;
	}
	PQclear(res);
	params[1] = sum;
	res = PQexecParams(c, "INSERT INTO schema_migrations (name, checksum) "
	    "VALUES ($1, $2)", 2, NULL, params, NULL, NULL, 0);
	if (!ok(c, res, "record") || !exec_ok(c, "COMMIT", "commit")) {
		exec_ok(c, "ROLLBACK", "rollback");
		goto done;
	}
	log_info("migrate: applied %s", name);
	(*applied)++;
	rc = 0;
done:
	PQclear(res);
	free(sql);
	return (rc);
}

/* Apply every pending migration of cfg->migrations_dir; 0 or -1. */
int
migrate_run(const struct config *cfg)
{
	PGconn		*c;
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, **tmp;
	size_t		 n = 0, cap = 0, i;
	int		 rc = -1, applied = 0;

	c = PQconnectdb(cfg->pg_dsn);
	if (PQstatus(c) != CONNECTION_OK) {
		log_err("migrate: %s", PQerrorMessage(c));
		PQfinish(c);
		return (-1);
	}
	if ((d = opendir(cfg->migrations_dir)) == NULL) {
		log_err("migrate: %s: %s", cfg->migrations_dir,
		    strerror(errno));
		PQfinish(c);
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_migration(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((tmp = realloc(names, cap * sizeof(*names))) == NULL)
				goto done;
			names = tmp;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto done;
		n++;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	if (!exec_ok(c, "SET client_min_messages = warning", "settings") ||
	    !exec_ok(c, "SELECT pg_advisory_lock(" LOCK_KEY ")", "lock") ||
	    !exec_ok(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "name text PRIMARY KEY, checksum text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())", "bookkeeping"))
		goto done;
	for (i = 0; i < n; i++)
		if (apply(c, cfg->migrations_dir, names[i], &applied) == -1)
			goto unlock;
	log_info("migrate: %d applied, %zu up to date", applied,
	    n - (size_t)applied);
	rc = 0;
unlock:
	exec_ok(c, "SELECT pg_advisory_unlock(" LOCK_KEY ")", "unlock");
done:
	closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	PQfinish(c);
	return (rc);
}
