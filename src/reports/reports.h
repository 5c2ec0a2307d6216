/*
 * Reports: what the garage costs (JSON and an SVG bar chart), and the
 * maintenance records and fuel log of a bike as CSV files, out and in.
 * Every route under a bike checks the caller's role on it first
 * (moto_access_or_problem): viewers read and export, editors import.
 */
#ifndef TC_REPORTS_H
#define TC_REPORTS_H

struct request;

#define REP_IMPORT_BODY_MAX	(2 * 1024 * 1024)	/* bytes of a file */
#define REP_IMPORT_ROWS_MAX	5000	/* data rows of a file */
#define REP_PERIODS_MAX		1200	/* periods of a JSON answer */
#define REP_CHART_PERIODS_MAX	120	/* bars of a chart */

/* api.c -- HTTP handlers */
int	reports_costs(struct request *);
int	reports_garage_costs(struct request *);
int	reports_costs_svg(struct request *);
int	reports_maint_export(struct request *);
int	reports_maint_import(struct request *);
int	reports_fuel_export(struct request *);
int	reports_fuel_import(struct request *);

/* db.c -- statements */
int	reports_register_stmts(void);

#endif
