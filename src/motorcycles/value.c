/*
 * The value estimate of a bike: a pure computation over the inputs that
 * moto_value_inputs (db.c) reads.  The method, as openapi.yaml states it:
 *
 * 1. Depreciation, when the purchase price is known: the value falls 15%
 *    in the first year after the purchase (linearly within the year),
 *    then 10% a year, compounded.  Mileage above the expected 5,000 km a
 *    year of the vehicle's age (from its model year, else from the
 *    purchase) takes a further 5% per 10,000 km.  The result never falls
 *    below 10% of the price.
 * 2. Comparables, when at least MOTO_COMPARABLES_MIN other bikes of the
 *    same make and model, model year within 2, have a current value: their
 *    median, adjusted by 5% per 10,000 km that this bike's mileage lies
 *    below (+) or above (-) their median mileage, by at most 30%.
 * 3. Both: a blend weighted n / (n + 3) toward the comparables (n their
 *    count), at most 0.8: three comparables weigh as much as the
 *    depreciation, more of them weigh more.
 *
 * The range is +-15% of a depreciation-only estimate and +-10% when
 * comparables took part.  Amounts are rounded to cents.  Without a price
 * and without enough comparables there is no estimate.
 */
#include "autoconfig.h"

#include <math.h>
#include <string.h>

#include "motorcycles/motorcycles.h"

#define FIRST_YEAR_LOSS		0.15
#define LATER_YEAR_LOSS		0.10
#define EXPECTED_KM_YEAR	5000.0
#define KM_STEP			10000.0
#define KM_STEP_LOSS		0.05
#define FLOOR			0.10
#define COMP_ADJUST_MAX		0.30
#define BLEND_MAX		0.80
#define SPREAD_DEPRECIATION	0.15
#define SPREAD_COMPARABLES	0.10

static double
cents(double v)
{
	return (round(v * 100.0) / 100.0);
}

/* The share of the price left after age years of depreciation. */
static double
age_factor(double age)
{
	if (age <= 0)
		return (1.0);
	if (age <= 1)
		return (1.0 - FIRST_YEAR_LOSS * age);
	return ((1.0 - FIRST_YEAR_LOSS) * pow(1.0 - LATER_YEAR_LOSS,
	    age - 1.0));
}

static double
depreciated(const struct moto_value_in *in)
{
	double	 age, f, excess;

	age = in->has_vehicle_age ? in->vehicle_age : in->age_years;
	f = age_factor(in->age_years);
	excess = (double)in->mileage - EXPECTED_KM_YEAR * fmax(age, 0.0);
	if (excess > 0)
		f *= 1.0 - KM_STEP_LOSS * excess / KM_STEP;
	return (in->price * fmax(f, FLOOR));
}

static double
compared(const struct moto_value_in *in)
{
	double	 adj;

	adj = KM_STEP_LOSS * (in->comp_median_km - (double)in->mileage) /
	    KM_STEP;
	adj = fmin(fmax(adj, -COMP_ADJUST_MAX), COMP_ADJUST_MAX);
	return (in->comp_median * (1.0 + adj));
}

/* Fill *out from *in by the method above. */
void
moto_value_estimate_calc(const struct moto_value_in *in,
    struct moto_value_out *out)
{
	double	 dep = 0, cmp = 0, w, spread;
	int	 have_cmp;

	memset(out, 0, sizeof(*out));
	have_cmp = in->comparables >= MOTO_COMPARABLES_MIN;
	if (in->has_price)
		dep = depreciated(in);
	if (have_cmp) {
		cmp = compared(in);
		out->comparables_used = (int)in->comparables;
	}
	if (in->has_price && have_cmp) {
		w = fmin((double)in->comparables /
		    ((double)in->comparables + 3.0), BLEND_MAX);
		out->estimate = (1.0 - w) * dep + w * cmp;
		out->method = "blended";
	} else if (in->has_price) {
		out->estimate = dep;
		out->method = "depreciation";
	} else if (have_cmp) {
		out->estimate = cmp;
		out->method = "comparables";
	} else {
		out->method = "insufficient_data";
		return;
	}
	spread = have_cmp ? SPREAD_COMPARABLES : SPREAD_DEPRECIATION;
	out->has_estimate = 1;
	out->low = cents(out->estimate * (1.0 - spread));
	out->high = cents(out->estimate * (1.0 + spread));
	out->estimate = cents(out->estimate);
}
