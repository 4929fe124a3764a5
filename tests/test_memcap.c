/* Tests for the memory ceiling (sim/memcap.c).  Each test that sets a
 * limit does it in a child process, so the test runner keeps its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/child.h"

#include "sim/memcap.h"

#if defined(__SANITIZE_ADDRESS__)
#define NO_CEILING 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_CEILING 1
#endif
#endif

/* A test that runs child in a process of its own, under a ceiling (so
 * skipped where none can be set). */
#ifdef NO_CEILING
#define CEILING_TEST(name, child) \
	static void name(void **state) \
	{ \
		(void)state; \
		skip(); \
	}
#else
#define CEILING_TEST(name, child) \
	static void name(void **state) \
	{ \
		(void)state; \
		assert_int_equal(test_in_child(child), 0); \
	}
#endif

/* Runs fn in a child; returns its exit status (0: every check held). */
static uint64_t ram_and_swap(void)
{
	struct sysinfo si;
	if (sysinfo(&si) != 0)
		return 0;
	return ((uint64_t)si.totalram + si.totalswap) * si.mem_unit;
}

static int set_as(rlim_t cur)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) != 0)
		return -1;
	rl.rlim_cur = cur;
	return setrlimit(RLIMIT_AS, &rl);
}

/* The default: some ceiling, no more than the machine's RAM and swap. */
static int child_default(void)
{
	struct err e = { 0 };
	if (set_as(RLIM_INFINITY) != 0)
		return 1;
	if (memcap_apply(NULL, &e) != 0)
		return 2;
	uint64_t cap = memcap_limit(), machine = ram_and_swap();
	if (cap == 0 || machine == 0)
		return 3;
	/* Three quarters of what is free, plus 256 MiB of slack. */
	if (cap > machine / 4 * 3 + ((uint64_t)256 << 20))
		return 4;
	return 0;
}

/* A size in the environment variable's form is the ceiling. */
static int child_size(void)
{
	struct err e = { 0 };
	if (set_as(RLIM_INFINITY) != 0 || memcap_apply("1.5GiB", &e) != 0)
		return 1;
	if (memcap_limit() != (uint64_t)3 << 29)
		return 2;
	/* Allocation past it fails cleanly. */
	void *p = malloc((size_t)2 << 30);
	if (p) {
		free(p);
		return 3;
	}
	return 0;
}

/* A lower limit already in force (ulimit -v) stays. */
static int child_keeps_lower(void)
{
	struct err e = { 0 };
	if (set_as((rlim_t)1 << 30) != 0 || memcap_apply("4GiB", &e) != 0)
		return 1;
	if (memcap_limit() != (uint64_t)1 << 30)
		return 2;
	if (memcap_apply(NULL, &e) != 0 || memcap_limit() != (uint64_t)1 << 30)
		return 3;
	return 0;
}

/* "off" sets none. */
static int child_off(void)
{
	struct err e = { 0 };
	if (set_as(RLIM_INFINITY) != 0 || memcap_apply("off", &e) != 0)
		return 1;
	return memcap_limit() == 0 ? 0 : 2;
}

CEILING_TEST(test_default_ceiling_is_below_the_machine, child_default)
CEILING_TEST(test_a_size_sets_the_ceiling_and_malloc_fails_past_it, child_size)
CEILING_TEST(test_a_lower_limit_in_force_is_kept, child_keeps_lower)
static void test_off_sets_no_ceiling(void **state)
{
	(void)state;
	assert_int_equal(test_in_child(child_off), 0);
}

static void test_bad_values_are_refused_naming_the_variable(void **state)
{
	(void)state;
	static const char *const bad[] = { "lots", "0", "-1GiB", "12 parsecs", "1.5" "x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct err e = { 0 };
		assert_int_equal(memcap_apply(bad[i], &e), -1);
		assert_int_equal(e.code, ERR_INPUT);
		assert_non_null(strstr(e.msg, MEMCAP_ENV "="));
		assert_non_null(strstr(e.msg, bad[i]));
	}
}

/* The hint: for out of memory under a ceiling, naming it; else none. */
static int child_hint(void)
{
	char buf[256];
	struct err oom = { .code = ERR_FAIL }, input = { .code = ERR_INPUT };
	snprintf(oom.msg, sizeof oom.msg, "x.ini: a cluster of 9 nodes: net: out of memory");
	snprintf(input.msg, sizeof input.msg, "x.ini:3: out of memory is not an input error");
	if (set_as(RLIM_INFINITY) != 0 || memcap_hint(&oom, buf, sizeof buf) != 0)
		return 1;
	if (set_as((rlim_t)3 << 30) != 0 || memcap_hint(&input, buf, sizeof buf) != 0)
		return 2;
	if (memcap_hint(&oom, buf, sizeof buf) != 1 || !strstr(buf, "memory is limited to 3.0 GiB") ||
	    !strstr(buf, MEMCAP_ENV))
		return 3;
	if (set_as((rlim_t)300 << 20) != 0 || memcap_hint(&oom, buf, sizeof buf) != 1 ||
	    !strstr(buf, "memory is limited to 300.0 MiB"))
		return 4;
	return 0;
}

CEILING_TEST(test_hint_only_for_out_of_memory_under_a_ceiling, child_hint)
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_ceiling_is_below_the_machine),
		cmocka_unit_test(test_a_size_sets_the_ceiling_and_malloc_fails_past_it),
		cmocka_unit_test(test_a_lower_limit_in_force_is_kept),
		cmocka_unit_test(test_off_sets_no_ceiling),
		cmocka_unit_test(test_bad_values_are_refused_naming_the_variable),
		cmocka_unit_test(test_hint_only_for_out_of_memory_under_a_ceiling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
