/*
 * When a maintenance schedule falls due: pure arithmetic on numbers the
 * SQL fetched (no HTTP, no SQL here), so that every boundary can be unit
 * tested.  Days are counted from 1970-01-01 (day 0); distances are km.
 */
#ifndef TC_DUE_H
#define TC_DUE_H

#include <stdint.h>

#define DUE_SOON_KM	500	/* default due_soon threshold (km) */
#define DUE_SOON_DAYS	14	/* default due_soon threshold (days) */
#define DUE_PACE_WINDOW	90	/* days of readings for the pace */

enum due_status { DUE_OK, DUE_SOON, DUE_OVERDUE };
enum due_limit { DUE_LIMIT_NONE, DUE_LIMIT_DISTANCE, DUE_LIMIT_TIME };

/* A schedule's intervals, where they count from, and the bike now. */
struct due_in {
	int	 by_distance;	/* the schedule counts km */
	int	 by_time;	/* the schedule counts days */
	int64_t	 mileage_interval;	/* km (> 0 if by_distance) */
	int64_t	 time_interval;		/* days (> 0: by_time) */
	int64_t	 start_km;	/* the odometer the km count from */
	int64_t	 start_day;	/* the day the days count from */
	int64_t	 current_km;	/* the bike's mileage now */
	int64_t	 today;
	int64_t	 soon_km;	/* due_soon this close (km) */
	int64_t	 soon_days;	/* due_soon this close (days) */
	double	 pace;		/* km per day; < 0: unknown */
	int64_t	 anchor_day;	/* the latest reading of the pace */
	int64_t	 anchor_km;
};

/* What due_compute() makes of it; the has_ flags say what is set. */
struct due_out {
	int		 has_km;	/* due_km, remaining_km */
	int64_t		 due_km;
	int64_t		 remaining_km;
	int		 has_day;	/* due_day, remaining_days */
	int64_t		 due_day;
	int64_t		 remaining_days;
	int		 has_predicted;	/* predicted_day */
	int64_t		 predicted_day;
	enum due_status	 status;	/* the worse of the limits */
	enum due_limit	 limited_by;
	int		 has_days_left;	/* days_left */
	double		 days_left;	/* the sooner limit in days */
};

void		 due_compute(const struct due_in *, struct due_out *);
double		 due_pace(int64_t, int64_t, int64_t, int64_t);
int		 due_cmp(const struct due_out *, const struct due_out *);
const char	*due_status_name(enum due_status);
const char	*due_limit_name(enum due_limit);
int64_t		 due_day(int, int, int);
int		 due_day_parse(const char *, int64_t *);
void		 due_ymd(int64_t, char [16]);

#endif
