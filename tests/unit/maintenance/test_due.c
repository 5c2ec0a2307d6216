/*
 * Unit tests of src/maintenance/due.c: when a schedule falls due, at the
 * boundaries (exactly at the due point, one before, one past, at the
 * due_soon threshold), by distance, by time and by both (either first),
 * the pace and the predicted date, the list order, and the calendar.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "maintenance/due.h"

#define TODAY	20000		/* 2024-10-04 */

/* A schedule counting km only: 6000 km from 10000 km, bike at km. */
static struct due_in
by_km(int64_t km)
{
	struct due_in	 in;

	memset(&in, 0, sizeof(in));
	in.by_distance = 1;
	in.mileage_interval = 6000;
	in.start_km = 10000;
	in.current_km = km;
	in.today = TODAY;
	in.soon_km = DUE_SOON_KM;
	in.soon_days = DUE_SOON_DAYS;
	in.pace = -1;
	return (in);
}

/* A schedule counting days only: 365 days from start_day. */
static struct due_in
by_days(int64_t start_day)
{
	struct due_in	 in;

	memset(&in, 0, sizeof(in));
	in.by_time = 1;
	in.time_interval = 365;
	in.start_day = start_day;
	in.today = TODAY;
	in.soon_km = DUE_SOON_KM;
	in.soon_days = DUE_SOON_DAYS;
	in.pace = -1;
	return (in);
}

static struct due_out
run(const struct due_in *in)
{
	struct due_out	 o;

	memset(&o, 0x5a, sizeof(o));	/* due_compute must set it all */
	due_compute(in, &o);
	return (o);
}

static void
test_distance_boundaries(void **state)
{
	struct due_in	 in;
	struct due_out	 o;

	(void)state;
	/* exactly at the due mileage: due now, not yet overdue */
	in = by_km(16000);
	o = run(&in);
	assert_true(o.has_km);
	assert_int_equal(o.due_km, 16000);
	assert_int_equal(o.remaining_km, 0);
	assert_int_equal(o.status, DUE_SOON);
	assert_int_equal(o.limited_by, DUE_LIMIT_DISTANCE);
	assert_false(o.has_day);
	assert_false(o.has_predicted);

	/* one km before */
	in = by_km(15999);
	o = run(&in);
	assert_int_equal(o.remaining_km, 1);
	assert_int_equal(o.status, DUE_SOON);

	/* one km past */
	in = by_km(16001);
	o = run(&in);
	assert_int_equal(o.remaining_km, -1);
	assert_int_equal(o.status, DUE_OVERDUE);

	/* the due_soon threshold: 500 km left is soon, 501 is not */
	in = by_km(15500);
	assert_int_equal(run(&in).status, DUE_SOON);
	in = by_km(15499);
	o = run(&in);
	assert_int_equal(o.remaining_km, 501);
	assert_int_equal(o.status, DUE_OK);

	/* a threshold of the schedule's own */
	in = by_km(15000);
	in.soon_km = 1000;
	assert_int_equal(run(&in).status, DUE_SOON);
	in.soon_km = 0;
	assert_int_equal(run(&in).status, DUE_OK);
	in.current_km = 16000;
	assert_int_equal(run(&in).status, DUE_SOON);
}

static void
test_time_boundaries(void **state)
{
	struct due_in	 in;
	struct due_out	 o;

	(void)state;
	/* due today */
	in = by_days(TODAY - 365);
	o = run(&in);
	assert_true(o.has_day);
	assert_false(o.has_km);
	assert_int_equal(o.due_day, TODAY);
	assert_int_equal(o.remaining_days, 0);
	assert_int_equal(o.status, DUE_SOON);
	assert_int_equal(o.limited_by, DUE_LIMIT_TIME);
	assert_true(o.has_days_left);
	assert_true(o.days_left == 0);

	/* due yesterday */
	in = by_days(TODAY - 366);
	o = run(&in);
	assert_int_equal(o.remaining_days, -1);
	assert_int_equal(o.status, DUE_OVERDUE);

	/* 14 days left is soon, 15 is not */
	in = by_days(TODAY - 365 + 14);
	assert_int_equal(run(&in).status, DUE_SOON);
	in = by_days(TODAY - 365 + 15);
	o = run(&in);
	assert_int_equal(o.remaining_days, 15);
	assert_int_equal(o.status, DUE_OK);
}

/* Both limits: 6000 km from 10000 km, 365 days. */
static struct due_in
both(int64_t km, int64_t start_day)
{
	struct due_in	 in = by_km(km);

	in.by_time = 1;
	in.time_interval = 365;
	in.start_day = start_day;
	return (in);
}

static void
test_both(void **state)
{
	struct due_in	 in;
	struct due_out	 o;

	(void)state;
	/* time first: a year is past, 3000 km are left */
	in = both(13000, TODAY - 400);
	o = run(&in);
	assert_int_equal(o.status, DUE_OVERDUE);
	assert_int_equal(o.limited_by, DUE_LIMIT_TIME);
	assert_int_equal(o.remaining_days, -35);
	assert_int_equal(o.remaining_km, 3000);

	/* distance first: 6100 km done within 100 days */
	in = both(16100, TODAY - 100);
	o = run(&in);
	assert_int_equal(o.status, DUE_OVERDUE);
	assert_int_equal(o.limited_by, DUE_LIMIT_DISTANCE);

	/* distance due_soon, time ok: distance decides */
	in = both(15800, TODAY - 100);
	o = run(&in);
	assert_int_equal(o.status, DUE_SOON);
	assert_int_equal(o.limited_by, DUE_LIMIT_DISTANCE);

	/* both ok, no pace: which comes first cannot be told */
	in = both(11000, TODAY - 100);
	o = run(&in);
	assert_int_equal(o.status, DUE_OK);
	assert_int_equal(o.limited_by, DUE_LIMIT_NONE);
	assert_false(o.has_predicted);
	assert_true(o.has_days_left);
	assert_true(o.days_left == 265);	/* time only */

	/* both ok, 50 km a day: 5000 km in 100 days, before 265 days */
	in.pace = 50;
	in.anchor_day = TODAY;
	in.anchor_km = 11000;
	o = run(&in);
	assert_int_equal(o.limited_by, DUE_LIMIT_DISTANCE);
	assert_true(o.has_predicted);
	assert_int_equal(o.predicted_day, TODAY + 100);
	assert_true(o.days_left == 100);

	/* 10 km a day: 500 days, after 265: time first */
	in.pace = 10;
	o = run(&in);
	assert_int_equal(o.limited_by, DUE_LIMIT_TIME);
	assert_int_equal(o.predicted_day, TODAY + 500);
	assert_true(o.days_left == 265);

	/* a tie goes to time: 5000 km at 20 km a day, 250 days left */
	in.start_day = TODAY - 115;
	in.pace = 20;
	o = run(&in);
	assert_true(o.days_left == 250);
	assert_int_equal(o.limited_by, DUE_LIMIT_TIME);

	/* both overdue, with a pace: the one overdue longer decides */
	in = both(16500, TODAY - 400);		/* 35 days late */
	in.pace = 100;				/* 500 km = 5 days late */
	in.anchor_day = TODAY;
	in.anchor_km = 16500;
	o = run(&in);
	assert_int_equal(o.status, DUE_OVERDUE);
	assert_int_equal(o.limited_by, DUE_LIMIT_TIME);
	assert_false(o.has_predicted);		/* already reached */
	in.pace = 10;				/* 500 km = 50 days late */
	o = run(&in);
	assert_int_equal(o.limited_by, DUE_LIMIT_DISTANCE);
}

static void
test_never_serviced(void **state)
{
	struct due_in	 in;
	struct due_out	 o;

	(void)state;
	/*
	 * The caller starts a never-serviced schedule at its baseline (the
	 * bike's mileage when it was added) and the purchase day.
	 */
	in = both(4000, TODAY - 30);
	in.start_km = 3000;
	o = run(&in);
	assert_int_equal(o.due_km, 9000);
	assert_int_equal(o.remaining_km, 5000);
	assert_int_equal(o.due_day, TODAY + 335);
	assert_int_equal(o.status, DUE_OK);

	/* from 0 km (no baseline known), a used bike is overdue at once */
	in.start_km = 0;
	o = run(&in);
	assert_int_equal(o.remaining_km, 2000);
	in.current_km = 7000;
	o = run(&in);
	assert_int_equal(o.status, DUE_OVERDUE);
	assert_int_equal(o.limited_by, DUE_LIMIT_DISTANCE);
}

static void
test_pace(void **state)
{
	(void)state;
	assert_true(due_pace(100, 1000, 110, 1500) == 50);
	assert_true(due_pace(100, 1000, 100, 1500) == -1);	/* one day */
	assert_true(due_pace(100, 1500, 110, 1000) == -1);	/* back */
	assert_true(due_pace(100, 1000, 110, 1000) == 0);	/* standing */
	assert_true(due_pace(110, 1000, 100, 1500) == -1);
}

static void
test_prediction(void **state)
{
	struct due_in	 in;
	struct due_out	 o;

	(void)state;
	/* no readings: no prediction, no days for distance */
	in = by_km(12000);
	o = run(&in);
	assert_false(o.has_predicted);
	assert_false(o.has_days_left);

	/* zero km a day: never reached */
	in.pace = 0;
	in.anchor_day = TODAY - 10;
	in.anchor_km = 12000;
	o = run(&in);
	assert_false(o.has_predicted);
	assert_false(o.has_days_left);
	assert_int_equal(o.status, DUE_OK);

	/* 40 km a day from a reading 10 days ago: 4000 km = 100 days */
	in.pace = 40;
	o = run(&in);
	assert_true(o.has_predicted);
	assert_int_equal(o.predicted_day, TODAY - 10 + 100);
	assert_true(o.days_left == 90);
	assert_int_equal(o.status, DUE_OK);	/* estimates never decide */

	/* rounded up to whole days: 4001 km at 40 km a day */
	in.current_km = in.anchor_km = 11999;
	o = run(&in);
	assert_int_equal(o.predicted_day, TODAY - 10 + 101);

	/* the bike's mileage set higher than the reading counts from it */
	in.current_km = 14000;
	in.anchor_km = 12000;
	o = run(&in);
	assert_int_equal(o.predicted_day, TODAY - 10 + 50);

	/* a time-only schedule has no prediction */
	in = by_days(TODAY);
	in.pace = 40;
	in.anchor_day = TODAY;
	o = run(&in);
	assert_false(o.has_predicted);
}

static void
test_order(void **state)
{
	struct due_out	 over, soon, ok_days, ok_far, ok_km, ok_km2;

	(void)state;
	memset(&over, 0, sizeof(over));
	over.status = DUE_OVERDUE;
	soon = over;
	soon.status = DUE_SOON;
	ok_days = over;
	ok_days.status = DUE_OK;
	ok_days.has_days_left = 1;
	ok_days.days_left = 20;
	ok_far = ok_days;
	ok_far.days_left = 200;
	ok_km = over;
	ok_km.status = DUE_OK;
	ok_km.has_km = 1;
	ok_km.remaining_km = 900;
	ok_km2 = ok_km;
	ok_km2.remaining_km = 3000;

	assert_true(due_cmp(&over, &soon) < 0);
	assert_true(due_cmp(&soon, &over) > 0);
	assert_true(due_cmp(&soon, &ok_days) < 0);
	assert_true(due_cmp(&ok_days, &ok_far) < 0);
	assert_true(due_cmp(&ok_far, &ok_km) < 0);	/* known days first */
	assert_true(due_cmp(&ok_km, &ok_km2) < 0);
	assert_int_equal(due_cmp(&ok_km, &ok_km), 0);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(due_status_name(DUE_OK), "ok");
	assert_string_equal(due_status_name(DUE_SOON), "due_soon");
	assert_string_equal(due_status_name(DUE_OVERDUE), "overdue");
	assert_string_equal(due_limit_name(DUE_LIMIT_DISTANCE), "distance");
	assert_string_equal(due_limit_name(DUE_LIMIT_TIME), "time");
	assert_null(due_limit_name(DUE_LIMIT_NONE));
}

static void
test_calendar(void **state)
{
	char	 ymd[16];
	int64_t	 d, k;

	(void)state;
	assert_int_equal(due_day(1970, 1, 1), 0);
	assert_int_equal(due_day(2000, 3, 1), 11017);
	assert_int_equal(due_day(2024, 10, 4), TODAY);
	due_ymd(-1, ymd);
	assert_string_equal(ymd, "1969-12-31");
	due_ymd(due_day(2024, 2, 29) + 1, ymd);
	assert_string_equal(ymd, "2024-03-01");
	due_ymd(due_day(2100, 2, 28) + 1, ymd);
	assert_string_equal(ymd, "2100-03-01");
	assert_int_equal(due_day_parse("1885-01-01", &d), 0);
	due_ymd(d, ymd);
	assert_string_equal(ymd, "1885-01-01");
	/* every day of 1884..2200 goes round */
	for (k = due_day(1884, 1, 1); k < due_day(2200, 1, 1); k++) {
		due_ymd(k, ymd);
		assert_int_equal(due_day_parse(ymd, &d), 0);
		assert_int_equal(d, k);
	}
	assert_int_equal(due_day_parse("2024-1-01", &d), -1);
	assert_int_equal(due_day_parse("2024-13-01", &d), -1);
	assert_int_equal(due_day_parse("2024-01-01x", &d), -1);
	assert_int_equal(due_day_parse("2024/01/01", &d), -1);
	assert_int_equal(due_day_parse("", &d), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance_boundaries),
		cmocka_unit_test(test_time_boundaries),
		cmocka_unit_test(test_both),
		cmocka_unit_test(test_never_serviced),
		cmocka_unit_test(test_pace),
		cmocka_unit_test(test_prediction),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_calendar),
	};

	return (cmocka_run_group_tests_name("maintenance/due", tests, NULL,
	    NULL));
}
