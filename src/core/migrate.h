/*
 * Schema migrations: sql/migrations/NNNN_name.sql applied in name order,
 * each in its own transaction, under an advisory lock, recorded in
 * schema_migrations.  Running it again applies only what is new.
 */
#ifndef TC_MIGRATE_H
#define TC_MIGRATE_H

struct config;

int	migrate_run(const struct config *);

#endif
