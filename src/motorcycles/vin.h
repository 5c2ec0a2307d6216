/*
 * VIN decoding offline (ISO 3779, ISO 3780, 49 CFR 565): shape, check
 * digit, World Manufacturer Identifier and model year.  Pure functions:
 * no I/O, no allocation; the manufacturer's name comes from the vin_wmi
 * table (sql/migrations/0006_motorcycles.sql), not from here.
 */
#ifndef TC_VIN_H
#define TC_VIN_H

#define VIN_LEN		17

enum vin_check {
	VIN_CHECK_NA,	/* nothing to verify (outside NA, no match) */
	VIN_CHECK_OK,	/* position 9 is the computed check digit */
	VIN_CHECK_BAD	/* North American WMI, position 9 is wrong */
};

struct vin_info {
	char		 wmi[7];	/* 3 chars, 6 for a small maker */
	int		 north_america;	/* first character 1-5 */
	enum vin_check	 check;
	int		 model_year;	/* 0: no year at position 10 */
};

const char	*vin_shape_problem(const char *);
int		 vin_check_char(const char *);
int		 vin_year_code(int);
int		 vin_model_year(const char *, int);
int		 vin_decode(const char *, int, struct vin_info *);

#endif
