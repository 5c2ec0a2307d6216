/* Unit tests of src/core/valid.c, the table-driven validator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "core/arena.h"
#include "core/problem.h"
#include "core/valid.h"

static const char *const statuses[] = { "active", "sold", "stolen",
	"totaled", NULL };

static const struct vfield part_fields[] = {
	{ .name = "name", .type = VT_STRING, .flags = VF_REQUIRED },
	{ .name = "quantity", .type = VT_INT, .flags = VF_REQUIRED | VF_MIN,
	  .min = 1 },
};
static const struct schema part_in = SCHEMA(part_fields);
static const struct vfield part_item = { .name = "", .type = VT_OBJECT,
	.sub = &part_in };

static const struct vfield fields[] = {
	{ .name = "name", .type = VT_STRING, .flags = VF_REQUIRED | VF_MIN |
	  VF_MAX, .min = 1, .max = 5 },
	{ .name = "year", .type = VT_INT, .flags = VF_MIN | VF_MAX,
	  .min = 1885, .max = 2027 },
	{ .name = "price", .type = VT_NUMBER, .flags = VF_MIN | VF_NULLABLE,
	  .min = 0, .scale = 2 },
	{ .name = "status", .type = VT_ENUM, .choices = statuses },
	{ .name = "bought", .type = VT_DATE },
	{ .name = "at", .type = VT_TIMESTAMP },
	{ .name = "email", .type = VT_EMAIL },
	{ .name = "active", .type = VT_BOOL },
	{ .name = "custom", .type = VT_OBJECT },
	{ .name = "parts", .type = VT_ARRAY, .flags = VF_MAX, .max = 3,
	  .items = &part_item },
};
static const struct schema in = SCHEMA(fields);

static size_t
check(struct arena *a, const char *json, struct field_error **fe)
{
	struct json_object	*o;
	size_t			 n;

	o = json_parse_strict(json, strlen(json));
	assert_non_null(o);
	n = valid_check(a, &in, o, fe);
	json_object_put(o);
	return (n);
}

static int
has(struct field_error *fe, size_t n, const char *field)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(fe[i].field, field) == 0)
			return (1);
	return (0);
}

static void
test_valid_body_passes(void **state)
{
	struct arena		*a = arena_new(4096);
	struct field_error	*fe;

	(void)state;
	assert_int_equal(check(a, "{\"name\":\"Ténéré\"}", &fe), 1);
	assert_int_equal(check(a, "{\"name\":\"Duke\",\"year\":2020,"
	    "\"price\":129.90,\"status\":\"sold\",\"bought\":\"2024-02-29\","
	    "\"at\":\"2026-11-26T09:00:00Z\",\"email\":\"a@b.ch\","
	    "\"active\":true,\"custom\":{\"k\":1},"
	    "\"parts\":[{\"name\":\"filter\",\"quantity\":2}]}", &fe), 0);
	assert_int_equal(check(a, "{\"name\":\"Duke\",\"price\":null}", &fe),
	    0);
	arena_free(a);
}

static void
test_every_error_is_reported(void **state)
{
	struct arena		*a = arena_new(4096);
	struct field_error	*fe;
	size_t			 n;

	(void)state;
	n = check(a, "{\"year\":1800,\"price\":-1,\"status\":\"lost\","
	    "\"bought\":\"2023-02-29\",\"at\":\"yesterday\",\"email\":\"x\","
	    "\"active\":1,\"custom\":[],\"colour\":\"red\"}", &fe);
	assert_int_equal(n, 10);
	assert_true(has(fe, n, "name"));	/* required */
	assert_true(has(fe, n, "year"));
	assert_true(has(fe, n, "price"));
	assert_true(has(fe, n, "status"));
	assert_true(has(fe, n, "bought"));
	assert_true(has(fe, n, "at"));
	assert_true(has(fe, n, "email"));
	assert_true(has(fe, n, "active"));
	assert_true(has(fe, n, "custom"));
	assert_true(has(fe, n, "colour"));	/* unknown */
	arena_free(a);
}

static void
test_types_and_bounds(void **state)
{
	struct arena		*a = arena_new(4096);
	struct field_error	*fe;

	(void)state;
	assert_int_equal(check(a, "{\"name\":\"\"}", &fe), 1);
	assert_string_equal(fe[0].message,
	    "must be between 1 and 5 characters long");
	assert_int_equal(check(a, "{\"name\":\"toolong\"}", &fe), 1);
	assert_int_equal(check(a, "{\"name\":5}", &fe), 1);
	assert_string_equal(fe[0].message, "must be a string");
	assert_int_equal(check(a, "{\"name\":\"a\\u0000b\"}", &fe), 1);
	assert_int_equal(check(a, "{\"name\":\"a\\u0007\"}", &fe), 1);
	assert_int_equal(check(a, "{\"name\":null}", &fe), 1);
	assert_string_equal(fe[0].message, "must not be null");
	assert_int_equal(check(a, "{\"name\":\"a\",\"year\":2000.5}", &fe), 1);
	assert_int_equal(check(a, "{\"name\":\"a\",\"year\":\"2000\"}", &fe), 1);
	assert_int_equal(check(a, "{\"name\":\"a\",\"year\":2028}", &fe), 1);
	assert_string_equal(fe[0].message, "must be between 1885 and 2027");
	assert_int_equal(check(a, "{\"name\":\"a\",\"price\":1.234}", &fe), 1);
	assert_int_equal(check(a, "{\"name\":\"a\",\"price\":12}", &fe), 0);
	arena_free(a);
}

static void
test_nested_paths(void **state)
{
	struct arena		*a = arena_new(4096);
	struct field_error	*fe;
	size_t			 n;

	(void)state;
	n = check(a, "{\"name\":\"a\",\"parts\":[{\"name\":\"x\",\"quantity\":1},"
	    "{\"quantity\":0},5]}", &fe);
	assert_int_equal(n, 3);
	assert_true(has(fe, n, "parts[1].name"));
	assert_true(has(fe, n, "parts[1].quantity"));
	assert_true(has(fe, n, "parts[2]"));
	n = check(a, "{\"name\":\"a\",\"parts\":[{},{},{},{}]}", &fe);
	assert_int_equal(n, 1);
	assert_string_equal(fe[0].field, "parts");
	arena_free(a);
}

static void
test_body_must_be_object(void **state)
{
	struct arena		*a = arena_new(4096);
	struct field_error	*fe;
	struct json_object	*o;

	(void)state;
	o = json_parse_strict("[1,2]", 5);
	assert_int_equal(valid_check(a, &in, o, &fe), 1);
	assert_string_equal(fe[0].field, "");
	json_object_put(o);
	arena_free(a);
}

static void
test_strict_parser(void **state)
{
	struct json_object	*o;

	(void)state;
	assert_null(json_parse_strict("", 0));
	assert_null(json_parse_strict("{", 1));
	assert_null(json_parse_strict("{} x", 4));
	assert_null(json_parse_strict("{'a':1}", 7));
	assert_null(json_parse_strict("\"\xc3\x28\"", 4));	/* bad UTF-8 */
	assert_null(json_parse_strict("{\"a\":1,}", 8));
	assert_null(json_parse_strict("[1,]", 4));
	assert_null(json_parse_strict("NaN", 3));
	assert_null(json_parse_strict("[Infinity]", 10));
	assert_null(json_parse_strict("[-Infinity]", 11));
	assert_null(json_parse_strict("[nan]", 5));
	assert_null(json_parse_strict("[True]", 6));
	o = json_parse_strict("[true,false,null,1e5,2.5E-3]", 28);
	assert_non_null(o);
	json_object_put(o);
	assert_null(json_parse_strict("{\"a\":1 /* c */}", 16));
	assert_null(json_parse_strict("{a:1}", 5));
	assert_null(json_parse_strict("[01]", 4));
	o = json_parse_strict("[\"it's\",\"a \\\"q\\\" b\"]", 20);
	assert_non_null(o);
	json_object_put(o);
	o = json_parse_strict(" {\"a\":[1,2.5,\"\xc3\xa9\"]} ", 20);
	assert_non_null(o);
	json_object_put(o);
}

static void
test_dates_timestamps_emails(void **state)
{
	(void)state;
	assert_true(valid_date("2024-02-29"));
	assert_false(valid_date("2023-02-29"));
	assert_false(valid_date("2024-13-01"));
	assert_false(valid_date("2024-1-01"));
	assert_false(valid_date("2024-01-00"));
	assert_true(valid_timestamp("2026-11-26T09:00:00Z"));
	assert_true(valid_timestamp("2026-11-26T09:00:00.123+01:00"));
	assert_false(valid_timestamp("2026-11-26T09:00:00"));
	assert_false(valid_timestamp("2026-11-26T24:00:00Z"));
	assert_false(valid_timestamp("2026-11-26T09:00:00+1:00"));
	assert_true(valid_email("rider@example.org"));
	assert_false(valid_email("rider@example"));
	assert_false(valid_email("rider example@example.org"));
	assert_false(valid_email("@example.org"));
	assert_false(valid_email("a@@example.org"));
	assert_false(valid_email("a@example..org"));
	assert_int_equal(utf8_chars("Ténéré"), 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_body_passes),
		cmocka_unit_test(test_every_error_is_reported),
		cmocka_unit_test(test_types_and_bounds),
		cmocka_unit_test(test_nested_paths),
		cmocka_unit_test(test_body_must_be_object),
		cmocka_unit_test(test_strict_parser),
		cmocka_unit_test(test_dates_timestamps_emails),
	};

	return (cmocka_run_group_tests_name("valid", tests, NULL, NULL));
}
