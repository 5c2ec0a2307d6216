/* reports module statements (private to src/reports). */
#ifndef TC_REPORTS_DB_H
#define TC_REPORTS_DB_H

#include "core/db.h"

enum reports_sql {
	SQL_REP_COSTS,
	SQL_REP_GARAGE_COSTS,
	SQL_REP_CHART,
	SQL_REP_MAINT_EXPORT,
	SQL_REP_FUEL_EXPORT,
	SQL_REP_LOCK_BIKE,
	SQL_REP_MAINT_INSERT,
	SQL_REP_FUEL_INSERT,
	SQL_REP_RAISE_MILEAGE,
	SQL_REP_AUDIENCE,
	SQL_REP__MAX
};

/* The columns of the CSV files, in file order (statement parameters $2...). */
enum maint_col {
	MC_SERVICE_DATE, MC_SERVICE_TYPE, MC_MILEAGE, MC_COST, MC_LABOR_HOURS,
	MC_PROVIDER, MC_DESCRIPTION, MC_PARTS_USED, MC_NOTES, MC_NEXT_DUE,
	MC_NEXT_DATE, MC_WARRANTY, MC__MAX
};

enum fuel_col {
	FC_FILL_DATE, FC_ODOMETER, FC_LITRES, FC_TOTAL_PRICE, FC_FULL_TANK,
	FC_STATION, FC_NOTES, FC__MAX
};

extern const struct stmt reports_stmts[];

#define REP_SQL(x)	(&reports_stmts[(x)])

#endif
