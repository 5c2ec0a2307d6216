/*
 * Unit tests of src/motorcycles/vin.c: VIN shape, the ISO 3779 check
 * digit, the WMI (small makers included) and the model year's 30-year
 * cycle.  Known VINs: 11111111111111111 and 1M8GDM9AXKP042788 (the
 * textbook examples), 1HD1GP4558K319097 (a 2008 Harley-Davidson Dyna,
 * check digit and year as NHTSA's vPIC decodes them) and
 * 5YJSA1H12FFP71790 (a 2015 car: position 7 is a letter).  The WMI's
 * maker is a table in SQL, tested through the API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "motorcycles/vin.h"

static void
test_shape(void **state)
{
	(void)state;
	assert_null(vin_shape_problem("1HD1GP4558K319097"));
	assert_null(vin_shape_problem("1hd1gp4558k319097"));	/* case */
	assert_string_equal(vin_shape_problem("1HD1GP4558K31909"),
	    "must be exactly 17 characters long");
	assert_string_equal(vin_shape_problem("1HD1GP4558K3190977"),
	    "must be exactly 17 characters long");
	assert_string_equal(vin_shape_problem(""),
	    "must be exactly 17 characters long");
	assert_non_null(vin_shape_problem("1HD1GP4558K31909I"));
	assert_non_null(vin_shape_problem("OHD1GP4558K319097"));
	assert_non_null(vin_shape_problem("1HD1GP4558K3190q7"));
	assert_non_null(vin_shape_problem("1HD1GP4558K3190 7"));
	assert_non_null(vin_shape_problem("1HD1GP4558K3190-7"));
	assert_non_null(vin_shape_problem("1HD1GP4558K3190\xc3\xa9"));
}

static void
test_check_digit_known(void **state)
{
	(void)state;
	assert_int_equal(vin_check_char("11111111111111111"), '1');
	assert_int_equal(vin_check_char("1M8GDM9AXKP042788"), 'X');
	assert_int_equal(vin_check_char("1HD1GP4558K319097"), '5');
	assert_int_equal(vin_check_char("5YJSA1H12FFP71790"), '2');
	/* lower case transliterates as upper case */
	assert_int_equal(vin_check_char("1m8gdm9axkp042788"), 'X');
	/* position 9 itself has weight 0 */
	assert_int_equal(vin_check_char("1M8GDM9A0KP042788"), 'X');
	assert_int_equal(vin_check_char("not a vin"), 0);
	assert_int_equal(vin_check_char("1HD1GP4558K31909I"), 0);
}

/* Every letter's transliteration, through a VIN that isolates it. */
static void
test_check_digit_letters(void **state)
{
	static const char	 letters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
	static const int	 values[] = { 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3,
	    4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9 };
	char			 vin[VIN_LEN + 1];
	size_t			 i;
	int			 want;

	(void)state;
	for (i = 0; letters[i] != '\0'; i++) {
		/* all zeros but position 8 (weight 10) */
		memset(vin, '0', VIN_LEN);
		vin[VIN_LEN] = '\0';
		vin[7] = letters[i];
		want = values[i] * 10 % 11;
		assert_int_equal(vin_check_char(vin),
		    want == 10 ? 'X' : '0' + want);
	}
}

static void
test_decode_north_america(void **state)
{
	struct vin_info	 vi;

	(void)state;
	assert_int_equal(vin_decode("1HD1GP4558K319097", 2027, &vi), 0);
	assert_string_equal(vi.wmi, "1HD");
	assert_true(vi.north_america);
	assert_int_equal(vi.check, VIN_CHECK_OK);
	assert_int_equal(vi.model_year, 2008);

	/* a wrong check digit counts in North America */
	assert_int_equal(vin_decode("1HD1GP4568K319097", 2027, &vi), 0);
	assert_int_equal(vi.check, VIN_CHECK_BAD);
	assert_int_equal(vi.model_year, 2008);

	assert_int_equal(vin_decode("1M8GDM9AXKP042788", 2027, &vi), 0);
	assert_int_equal(vi.check, VIN_CHECK_OK);
	assert_int_equal(vi.model_year, 1989);	/* position 7 a digit */

	assert_int_equal(vin_decode("5YJSA1H12FFP71790", 2027, &vi), 0);
	assert_string_equal(vi.wmi, "5YJ");
	assert_int_equal(vi.check, VIN_CHECK_OK);
	assert_int_equal(vi.model_year, 2015);	/* position 7 a letter */

	/* lower case in, upper case WMI out */
	assert_int_equal(vin_decode("1hd1gp4558k319097", 2027, &vi), 0);
	assert_string_equal(vi.wmi, "1HD");
	assert_int_equal(vi.check, VIN_CHECK_OK);

	assert_int_equal(vin_decode("1HD1GP4558K31909", 2027, &vi), -1);
}

static void
test_decode_elsewhere(void **state)
{
	struct vin_info	 vi;

	(void)state;
	/* Japan: a matching check digit is reported, a mismatch is not */
	assert_int_equal(vin_decode("JH2RC5009LK200001", 2027, &vi), 0);
	assert_string_equal(vi.wmi, "JH2");
	assert_false(vi.north_america);
	assert_int_equal(vi.check, VIN_CHECK_OK);
	assert_int_equal(vi.model_year, 2020);
	assert_int_equal(vin_decode("JH2RC5006LK200001", 2027, &vi), 0);
	assert_int_equal(vi.check, VIN_CHECK_NA);
	/* the same code before 2020 existed */
	assert_int_equal(vin_decode("JH2RC5006LK200001", 2019, &vi), 0);
	assert_int_equal(vi.model_year, 1990);
}

static void
test_small_maker(void **state)
{
	struct vin_info	 vi;

	(void)state;
	/* third character 9: positions 12-14 complete the WMI */
	assert_int_equal(vin_decode("1A9AB12C1YA123456", 2027, &vi), 0);
	assert_string_equal(vi.wmi, "1A9123");
	assert_int_equal(vi.check, VIN_CHECK_OK);
	assert_int_equal(vi.model_year, 2000);
}

static void
test_year_codes(void **state)
{
	(void)state;
	assert_int_equal(vin_year_code('A'), 0);
	assert_int_equal(vin_year_code('H'), 7);
	assert_int_equal(vin_year_code('J'), 8);
	assert_int_equal(vin_year_code('N'), 12);
	assert_int_equal(vin_year_code('P'), 13);
	assert_int_equal(vin_year_code('R'), 14);
	assert_int_equal(vin_year_code('Y'), 20);
	assert_int_equal(vin_year_code('1'), 21);
	assert_int_equal(vin_year_code('9'), 29);
	assert_int_equal(vin_year_code('y'), 20);
	/* never year codes */
	assert_int_equal(vin_year_code('I'), -1);
	assert_int_equal(vin_year_code('O'), -1);
	assert_int_equal(vin_year_code('Q'), -1);
	assert_int_equal(vin_year_code('U'), -1);
	assert_int_equal(vin_year_code('Z'), -1);
	assert_int_equal(vin_year_code('0'), -1);
	assert_int_equal(vin_year_code('\0'), -1);
}

/* A non-NA VIN (WMI JH2) with year code c at position 10. */
static int
year_of(int c, int max)
{
	char	 vin[] = "JH2RC5006LK200001";

	vin[9] = (char)c;
	return (vin_model_year(vin, max));
}

/* An NA VIN (WMI 1HD) with p7 at position 7 and year code c. */
static int
na_year_of(int p7, int c, int max)
{
	char	 vin[] = "1HD1GP4558K319097";

	vin[6] = (char)p7;
	vin[9] = (char)c;
	return (vin_model_year(vin, max));
}

static void
test_model_year_cycles(void **state)
{
	(void)state;
	/* elsewhere: the latest year not after max */
	assert_int_equal(year_of('A', 2027), 2010);
	assert_int_equal(year_of('A', 2009), 1980);
	assert_int_equal(year_of('Y', 2027), 2000);
	assert_int_equal(year_of('Y', 2030), 2030);
	assert_int_equal(year_of('1', 2027), 2001);
	assert_int_equal(year_of('9', 2027), 2009);
	assert_int_equal(year_of('9', 2039), 2039);
	assert_int_equal(year_of('T', 2027), 2026);
	assert_int_equal(year_of('V', 2027), 2027);
	assert_int_equal(year_of('W', 2027), 1998);	/* not 2028 */
	assert_int_equal(year_of('A', 1979), 0);
	assert_int_equal(year_of('U', 2027), 0);
	assert_int_equal(year_of('0', 2027), 0);
	assert_int_equal(year_of('Z', 2027), 0);

	/* North America: position 7 picks the cycle */
	assert_int_equal(na_year_of('4', 'A', 2027), 1980);
	assert_int_equal(na_year_of('M', 'A', 2027), 2010);
	assert_int_equal(na_year_of('M', 'S', 2027), 2025);
	assert_int_equal(na_year_of('3', 'S', 2027), 1995);
	assert_int_equal(na_year_of('3', '9', 2027), 2009);
	/* a letter naming a year after max: the latest year that fits */
	assert_int_equal(na_year_of('M', 'Y', 2027), 2000);
	assert_int_equal(na_year_of('M', 'U', 2027), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_check_digit_known),
		cmocka_unit_test(test_check_digit_letters),
		cmocka_unit_test(test_decode_north_america),
		cmocka_unit_test(test_decode_elsewhere),
		cmocka_unit_test(test_small_maker),
		cmocka_unit_test(test_year_codes),
		cmocka_unit_test(test_model_year_cycles),
	};

	return (cmocka_run_group_tests_name("motorcycles/vin", tests, NULL,
	    NULL));
}
