/*
 * VIN decoding without a network: everything a 17-character VIN says by
 * itself.
 *
 *   1-3   WMI, the World Manufacturer Identifier (ISO 3780).  A maker of
 *         fewer than 1000 vehicles a year has '9' as the third character
 *         and is named by positions 12-14 too: its WMI is 6 characters.
 *   9     check digit (ISO 3779 annex, mandatory in North America under
 *         49 CFR 565.15): transliterate every character to a number,
 *         weight it by its position, sum, modulo 11; 10 is written 'X'.
 *   10    model year code, a 30-year cycle: A..Y (no I O Q U Z) are
 *         1980..2000, 1..9 are 2001..2009, and then A is 2010 again.
 *
 * Which cycle?  In North America (WMI 1-5) the rule of 49 CFR 565.15 is
 * position 7: a digit for 1980..2009, a letter for 2010..2039.  Elsewhere
 * (and where that rule names a year after max_year) we take the latest
 * year of the cycle that is not after max_year, which the caller passes
 * as the current year + 1 (a model year may run a year ahead).
 */
#include "autoconfig.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "motorcycles/vin.h"

/* Model year codes in cycle order: index i is 1980 + i (+ 30 k). */
static const char	 year_codes[] = "ABCDEFGHJKLMNPRSTVWXY123456789";

static const int	 weights[VIN_LEN] = {
	8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2
};

/* A VIN character's value in the check digit sum; -1 if not allowed. */
static int
translit(int c)
{
	/* A-H: 1-8, J-N: 1-5, P: 7, R: 9, S-Z: 2-9 (I, O, Q never) */
	static const signed char	 letters[26] = {
		1, 2, 3, 4, 5, 6, 7, 8, -1, 1, 2, 3, 4, 5, -1, 7, -1, 9,
		2, 3, 4, 5, 6, 7, 8, 9
	};

	if (c >= '0' && c <= '9')
		return (c - '0');
	c = toupper((unsigned char)c);
	if (c >= 'A' && c <= 'Z')
		return (letters[c - 'A']);
	return (-1);
}

/*
 * NULL if s is a VIN's shape: exactly 17 of [A-HJ-NPR-Z0-9] in either
 * case; else why not, as a message for the vin field (a static string).
 */
const char *
vin_shape_problem(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == VIN_LEN)
			break;
		if (translit((unsigned char)s[i]) == -1)
			return ("must use only the letters A-Z without I, O "
			    "and Q, and the digits 0-9");
	}
	if (i != VIN_LEN || s[i] != '\0')
		return ("must be exactly 17 characters long");
	return (NULL);
}

/*
 * The check digit ('0'-'9' or 'X') that position 9 of vin should hold,
 * or 0 if vin is not a VIN's shape.
 */
int
vin_check_char(const char *vin)
{
	int	 sum = 0, v;
	size_t	 i;

	if (vin_shape_problem(vin) != NULL)
		return (0);
	for (i = 0; i < VIN_LEN; i++) {
		v = translit((unsigned char)vin[i]);
		sum += v * weights[i];
	}
	sum %= 11;
	return (sum == 10 ? 'X' : '0' + sum);
}

/* The index in the 30-year cycle (0 = 1980) of code c, or -1. */
int
vin_year_code(int c)
{
	const char	*p;

	c = toupper((unsigned char)c);
	if (c == '\0' || (p = strchr(year_codes, c)) == NULL)
		return (-1);
	return ((int)(p - year_codes));
}

/*
 * The model year of vin (position 10), choosing the cycle as described
 * above; 0 if position 10 is not a year code or no year fits.  max_year
 * is the latest model year possible (the current year + 1).
 */
int
vin_model_year(const char *vin, int max_year)
{
	int	 i, y;

	if (vin_shape_problem(vin) != NULL ||
	    (i = vin_year_code((unsigned char)vin[9])) == -1)
		return (0);
	if (vin[0] >= '1' && vin[0] <= '5') {
		y = 1980 + i + (isdigit((unsigned char)vin[6]) ? 0 : 30);
		if (y <= max_year)
			return (y);
	}
	if (1980 + i > max_year)
		return (0);
	/* the latest 1980 + i + 30 k not after max_year */
	y = 1980 + i + (max_year - 1980 - i) / 30 * 30;
	return (y);
}

/*
 * Decode vin into *out: 0, or -1 (out untouched) if vin is not a VIN's
 * shape.  See the top of the file for max_year.
 */
int
vin_decode(const char *vin, int max_year, struct vin_info *out)
{
	size_t	 i, n;
	int	 want;

	if ((want = vin_check_char(vin)) == 0)
		return (-1);
	memset(out, 0, sizeof(*out));
	n = vin[2] == '9' ? 3 : 0;	/* small maker: positions 12-14 too */
	for (i = 0; i < 3; i++)
		out->wmi[i] = (char)toupper((unsigned char)vin[i]);
	for (i = 0; i < n; i++)
		out->wmi[3 + i] = (char)toupper((unsigned char)vin[11 + i]);
	out->north_america = vin[0] >= '1' && vin[0] <= '5';
	if (toupper((unsigned char)vin[8]) == want)
		out->check = VIN_CHECK_OK;
	else
		/* only North America makes the check digit mandatory */
		out->check = out->north_america ? VIN_CHECK_BAD : VIN_CHECK_NA;
	out->model_year = vin_model_year(vin, max_year);
	return (0);
}
