/* Unit tests of src/core/arena.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"

static int	cleaned[8];
static int	order[8];
static int	norder;

static void
mark(void *p)
{
	int	 i = (int)(intptr_t)p;

	cleaned[i]++;
	order[norder++] = i;
}

static void
test_alloc_aligned_and_distinct(void **state)
{
	struct arena	*a = arena_new(1024);
	char		*p, *q;
	int		 i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		p = arena_alloc(a, (size_t)(i % 37) + 1);
		q = arena_alloc(a, 8);
		assert_int_equal((uintptr_t)p % 16, 0);
		assert_int_equal((uintptr_t)q % 16, 0);
		assert_ptr_not_equal(p, q);
		memset(p, 'x', (size_t)(i % 37) + 1);
		memset(q, 'y', 8);
	}
	arena_free(a);
}

static void
test_large_allocations(void **state)
{
	struct arena	*a = arena_new(1024);
	char		*p;

	(void)state;
	p = arena_alloc(a, 1 << 20);	/* far above a block */
	memset(p, 0xab, 1 << 20);
	assert_true(arena_used(a) >= 1 << 20);
	arena_reset(a);
	assert_int_equal(arena_used(a), 0);
	p = arena_calloc(a, 100, 100);
	assert_int_equal(p[9999], 0);
	arena_free(a);
}

static void
test_cleanups_run_lifo_on_reset(void **state)
{
	struct arena	*a = arena_new(4096);

	(void)state;
	memset(cleaned, 0, sizeof(cleaned));
	norder = 0;
	arena_cleanup(a, mark, (void *)1);
	arena_cleanup(a, mark, (void *)2);
	arena_cleanup(a, mark, (void *)3);
	assert_int_equal(cleaned[1], 0);
	arena_reset(a);
	assert_int_equal(norder, 3);
	assert_int_equal(order[0], 3);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 1);
	/* a second reset runs nothing again */
	arena_reset(a);
	assert_int_equal(cleaned[1], 1);
	arena_cleanup(a, mark, (void *)4);
	arena_free(a);		/* free runs pending cleanups too */
	assert_int_equal(cleaned[4], 1);
}

static void
test_strings_and_printf(void **state)
{
	struct arena	*a = arena_new(1024);
	char		*s;

	(void)state;
	assert_null(arena_strdup(a, NULL));
	assert_string_equal(arena_strdup(a, "motorcycle"), "motorcycle");
	assert_string_equal(arena_strndup(a, "motorcycle", 5), "motor");
	s = arena_printf(a, "%s-%d-%05.1f", "vin", 42, 3.14159);
	assert_string_equal(s, "vin-42-003.1");
	arena_free(a);
}

static void
test_buf_grows_and_escapes(void **state)
{
	struct arena	*a = arena_new(1024);
	struct buf	 b;
	int		 i;

	(void)state;
	buf_init(&b, a, 4);
	for (i = 0; i < 1000; i++)
		buf_putc(&b, 'a');
	assert_int_equal(b.len, 1000);
	assert_int_equal(strlen(b.p), 1000);
	buf_init(&b, a, 16);
	buf_json_str(&b, "a\"b\\c\nd\x01");
	assert_string_equal(b.p, "\"a\\\"b\\\\c\\nd\\u0001\"");
	buf_printf(&b, "%d", 7);
	assert_string_equal(b.p + b.len - 1, "7");
	arena_free(a);
}

static void
test_reset_reuses_memory(void **state)
{
	struct arena	*a = arena_new(4096);
	void		*p1, *p2;

	(void)state;
	p1 = arena_alloc(a, 64);
	arena_reset(a);
	p2 = arena_alloc(a, 64);
#ifndef TC_SANITIZE
	assert_ptr_equal(p1, p2);	/* the first block is kept */
#else
	(void)p1;
	(void)p2;
#endif
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_aligned_and_distinct),
		cmocka_unit_test(test_large_allocations),
		cmocka_unit_test(test_cleanups_run_lifo_on_reset),
		cmocka_unit_test(test_strings_and_printf),
		cmocka_unit_test(test_buf_grows_and_escapes),
		cmocka_unit_test(test_reset_reuses_memory),
	};

	return (cmocka_run_group_tests_name("arena", tests, NULL, NULL));
}
