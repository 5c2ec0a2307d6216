/*
 * When a maintenance schedule falls due.
 *
 * A schedule counts km (mileage_interval), days (time_interval) or both
 * from a start: the last matching service, or, for a schedule never
 * serviced, the schedule's baseline (see sql/SCHEDULES.md).  For each
 * limit it counts:
 *
 *	due   = start + interval
 *	left  = due - now		(km: the bike's mileage; days: today)
 *	status: left < 0 overdue; left <= threshold due_soon; else ok
 *
 * A service is due AT its due point (left == 0 is due_soon, "due now");
 * it is overdue once past it.  With both limits, whichever comes first
 * wins: the status is the worse of the two, and limited_by names the
 * limit that decides it.  When both limits stand at the same status, the
 * sooner one in days decides, which for distance needs the bike's pace
 * (km per day from recent odometer readings); without a pace it cannot
 * be told and limited_by is none.
 *
 * The predicted date of a distance limit extrapolates from the latest
 * reading at the recent pace.  It is an estimate: it never changes the
 * status, which rests on recorded figures only.
 */
#include "autoconfig.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "maintenance/due.h"

static enum due_status
classify(int64_t left, int64_t soon)
{
	if (left < 0)
		return (DUE_OVERDUE);
	if (left <= soon)
		return (DUE_SOON);
	return (DUE_OK);
}

/*
 * The pace in km per day between two readings (first and last of the
 * window): -1 when it cannot be told (no span of days, or an odometer that
 * went backwards), 0 when the bike stood still.
 */
double
due_pace(int64_t first_day, int64_t first_km, int64_t last_day,
    int64_t last_km)
{
	if (last_day <= first_day || last_km < first_km)
		return (-1);
	return ((double)(last_km - first_km) / (double)(last_day - first_day));
}

/* Fill out from in; out needs no preparation. */
void
due_compute(const struct due_in *in, struct due_out *out)
{
	enum due_status	 st_km = DUE_OK, st_day = DUE_OK;
	double		 d_days = 0;
	int64_t		 akm;
	int		 has_d_days = 0;

	*out = (struct due_out){ 0 };
	if (in->by_distance) {
		out->has_km = 1;
		out->due_km = in->start_km + in->mileage_interval;
		out->remaining_km = out->due_km - in->current_km;
		st_km = classify(out->remaining_km, in->soon_km);
		if (in->pace > 0) {
			/*
			 * From the latest reading, or from the bike's mileage
			 * if it is higher (set by hand: it was reached by
			 * the reading's day at the latest, so this errs early).
			 */
			akm = in->anchor_km > in->current_km ? in->anchor_km :
			    in->current_km;
			d_days = (double)(in->anchor_day - in->today) +
			    (double)(out->due_km - akm) / in->pace;
			has_d_days = 1;
			if (out->remaining_km > 0) {
				out->has_predicted = 1;
				out->predicted_day = in->anchor_day;
				if (out->due_km > akm)
					out->predicted_day += (int64_t)ceil(
					    (double)(out->due_km - akm) /
					    in->pace);
			}
		}
	}
	if (in->by_time) {
		out->has_day = 1;
		out->due_day = in->start_day + in->time_interval;
		out->remaining_days = out->due_day - in->today;
		st_day = classify(out->remaining_days, in->soon_days);
	}

	if (out->has_km && out->has_day) {
		out->status = st_km > st_day ? st_km : st_day;
		if (st_km != st_day)
			out->limited_by = st_km > st_day ? DUE_LIMIT_DISTANCE :
			    DUE_LIMIT_TIME;
		else if (has_d_days)
			/* a tie goes to time: its date is certain */
			out->limited_by = d_days < (double)out->remaining_days ?
			    DUE_LIMIT_DISTANCE : DUE_LIMIT_TIME;
		else
			out->limited_by = DUE_LIMIT_NONE;
	} else if (out->has_km) {
		out->status = st_km;
		out->limited_by = DUE_LIMIT_DISTANCE;
	} else if (out->has_day) {
		out->status = st_day;
		out->limited_by = DUE_LIMIT_TIME;
	}

	if (out->has_day) {
		out->has_days_left = 1;
		out->days_left = (double)out->remaining_days;
	}
	if (has_d_days && (!out->has_days_left || d_days < out->days_left)) {
		out->has_days_left = 1;
		out->days_left = d_days;
	}
}

/*
 * The order of a due list: overdue first, then due_soon, then ok; within
 * a status the sooner in days first (those whose days cannot be told
 * after), then fewer km left first.  0 when these do not decide.
 */
int
due_cmp(const struct due_out *a, const struct due_out *b)
{
	if (a->status != b->status)
		return (a->status > b->status ? -1 : 1);
	if (a->has_days_left != b->has_days_left)
		return (a->has_days_left ? -1 : 1);
	if (a->has_days_left && a->days_left != b->days_left)
		return (a->days_left < b->days_left ? -1 : 1);
	if (a->has_km != b->has_km)
		return (a->has_km ? -1 : 1);
	if (a->has_km && a->remaining_km != b->remaining_km)
		return (a->remaining_km < b->remaining_km ? -1 : 1);
	return (0);
}

/* "ok", "due_soon" or "overdue". */
const char *
due_status_name(enum due_status s)
{
	switch (s) {
	case DUE_OVERDUE:
		return ("overdue");
	case DUE_SOON:
		return ("due_soon");
	default:
		return ("ok");
	}
}

/* "distance", "time", or NULL when it cannot be told. */
const char *
due_limit_name(enum due_limit l)
{
	switch (l) {
	case DUE_LIMIT_DISTANCE:
		return ("distance");
	case DUE_LIMIT_TIME:
		return ("time");
	default:
		return (NULL);
	}
}

/*
 * Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil; exact for every year of int).
 */
int64_t
due_day(int y, int m, int d)
{
	int64_t	 yy, era, yoe, doy, doe;

	yy = (int64_t)y - (m <= 2);
	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = yy - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/* Parse "YYYY-MM-DD" (digits and dashes only) into *day: 0, or -1. */
int
due_day_parse(const char *s, int64_t *day)
{
	int	 v[3] = { 0, 0, 0 }, i, k, n[3] = { 4, 2, 2 };

	for (i = 0, k = 0; k < 3; k++) {
		int	 j;

		for (j = 0; j < n[k]; j++, i++) {
			if (s[i] < '0' || s[i] > '9')
				return (-1);
			v[k] = v[k] * 10 + (s[i] - '0');
		}
		if (k < 2 && s[i++] != '-')
			return (-1);
	}
	if (s[i] != '\0' || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31)
		return (-1);
	*day = due_day(v[0], v[1], v[2]);
	return (0);
}

/*
 * Write day as "YYYY-MM-DD" into out (H. Hinnant's civil_from_days);
 * years outside 0..9999 are clamped to the first or last day of that range.
 */
void
due_ymd(int64_t day, char out[16])
{
	int64_t	 z, era, doe, yoe, y, doy, mp, d, m;

	z = day + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999) {	/* not a date of the API */
		snprintf(out, 16, "%s", y < 0 ? "0000-01-01" : "9999-12-31");
		return;
	}
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}
