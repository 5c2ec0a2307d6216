/*
 * Unit tests of src/motorcycles/value.c: the value estimate's method
 * (depreciation by age and mileage, comparables, the blend, the range).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "motorcycles/motorcycles.h"

static struct moto_value_in
priced(double price, double age, long km)
{
	struct moto_value_in	 in;

	memset(&in, 0, sizeof(in));
	in.has_price = 1;
	in.price = price;
	in.age_years = age;
	in.mileage = km;
	return (in);
}

static void
assert_money(double got, double want)
{
	if (got < want - 0.005 || got > want + 0.005)
		fail_msg("got %.4f, want %.2f", got, want);
}

static void
test_insufficient(void **state)
{
	struct moto_value_in	 in;
	struct moto_value_out	 out;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.comparables = 2;		/* too few */
	in.comp_median = 5000;
	moto_value_estimate_calc(&in, &out);
	assert_false(out.has_estimate);
	assert_string_equal(out.method, "insufficient_data");
	assert_int_equal(out.comparables_used, 0);
}

static void
test_depreciation_by_age(void **state)
{
	struct moto_value_in	 in;
	struct moto_value_out	 out;

	(void)state;
	in = priced(10000, 0, 0);		/* new */
	moto_value_estimate_calc(&in, &out);
	assert_string_equal(out.method, "depreciation");
	assert_money(out.estimate, 10000);
	assert_money(out.low, 8500);
	assert_money(out.high, 11500);

	in = priced(10000, 0.5, 0);		/* half of the first 15% */
	moto_value_estimate_calc(&in, &out);
	assert_money(out.estimate, 9250);

	in = priced(10000, 1, 0);
	moto_value_estimate_calc(&in, &out);
	assert_money(out.estimate, 8500);

	in = priced(10000, 3, 0);		/* 0.85 * 0.9^2 */
	moto_value_estimate_calc(&in, &out);
	assert_money(out.estimate, 6885);

	in = priced(10000, 40, 0);		/* the floor */
	moto_value_estimate_calc(&in, &out);
	assert_money(out.estimate, 1000);
}

static void
test_depreciation_by_mileage(void **state)
{
	struct moto_value_in	 in;
	struct moto_value_out	 out;

	(void)state;
	/* 2 years: 10,000 km expected; 10,000 more take 5% */
	in = priced(10000, 2, 20000);
	moto_value_estimate_calc(&in, &out);
	assert_money(out.estimate, 10000 * 0.85 * 0.9 * 0.95);
	/* fewer km than expected: no bonus */
	in = priced(10000, 2, 1000);
	moto_value_estimate_calc(&in, &out);
	assert_money(out.estimate, 7650);
	/* the vehicle's age (from the model year) sets the expectation */
	in = priced(10000, 1, 20000);
	in.has_vehicle_age = 1;
	in.vehicle_age = 4;
	moto_value_estimate_calc(&in, &out);
	assert_money(out.estimate, 8500);
	/* absurd mileage still floors at 10% */
	in = priced(10000, 1, 2000000);
	moto_value_estimate_calc(&in, &out);
	assert_money(out.estimate, 1000);
}

static void
test_comparables_only(void **state)
{
	struct moto_value_in	 in;
	struct moto_value_out	 out;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.comparables = 3;
	in.comp_median = 6000;
	in.comp_median_km = 20000;
	in.mileage = 20000;
	moto_value_estimate_calc(&in, &out);
	assert_string_equal(out.method, "comparables");
	assert_int_equal(out.comparables_used, 3);
	assert_money(out.estimate, 6000);
	assert_money(out.low, 5400);
	assert_money(out.high, 6600);
	/* 10,000 km fewer than the comparables: +5% */
	in.mileage = 10000;
	moto_value_estimate_calc(&in, &out);
	assert_money(out.estimate, 6300);
	/* far more: at most -30% */
	in.mileage = 500000;
	moto_value_estimate_calc(&in, &out);
	assert_money(out.estimate, 4200);
}

static void
test_blended(void **state)
{
	struct moto_value_in	 in;
	struct moto_value_out	 out;

	(void)state;
	in = priced(10000, 1, 5000);		/* depreciation: 8500 */
	in.comparables = 3;			/* weight 3 / 6 */
	in.comp_median = 7500;
	in.comp_median_km = 5000;
	moto_value_estimate_calc(&in, &out);
	assert_string_equal(out.method, "blended");
	assert_money(out.estimate, 8000);
	assert_money(out.low, 7200);
	assert_money(out.high, 8800);
	in.comparables = 100;			/* weight at most 0.8 */
	moto_value_estimate_calc(&in, &out);
	assert_money(out.estimate, 0.2 * 8500 + 0.8 * 7500);
	assert_int_equal(out.comparables_used, 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insufficient),
		cmocka_unit_test(test_depreciation_by_age),
		cmocka_unit_test(test_depreciation_by_mileage),
		cmocka_unit_test(test_comparables_only),
		cmocka_unit_test(test_blended),
	};

	return (cmocka_run_group_tests_name("motorcycles/value", tests, NULL,
	    NULL));
}
