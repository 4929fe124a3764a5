/* Tests for time averages, the metrics registry and the sampler
 * (sim/metrics.c).  The sampler runs on a tiny fake executor defined here,
 * so these tests do not depend on the engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "sim/metrics.h"

/* cmocka 1.1 has no assert_double_equal. */
#define assert_near(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

/* ---- a fake executor: pending callbacks kept sorted by (time, seq) ---- */

struct fake_ev {
	uint64_t t, id;
	exec_fn fn;
	void *arg;
};

struct fake {
	uint64_t now;
	uint64_t next_id;
	int refuse; /* call_at fails (an executor out of memory) */
	struct fake_ev ev[64];
	size_t n;
};

static uint64_t fake_now(void *self)
{
	return ((struct fake *)self)->now;
}

static uint64_t fake_call_at(void *self, uint64_t t, exec_fn fn, void *arg)
{
	struct fake *f = self;
	if (f->refuse || f->n == 64)
		return 0;
	if (t < f->now)
		t = f->now;
	/* Insert after every event at or before t: FIFO among equal times. */
	size_t i = f->n;
	while (i > 0 && f->ev[i - 1].t > t) {
		f->ev[i] = f->ev[i - 1];
		i--;
	}
	f->ev[i] = (struct fake_ev){t, ++f->next_id, fn, arg};
	f->n++;
	return f->next_id;
}

static int fake_cancel(void *self, uint64_t id)
{
	struct fake *f = self;
	for (size_t i = 0; i < f->n; i++) {
		if (f->ev[i].id == id) {
			memmove(&f->ev[i], &f->ev[i + 1], (f->n - i - 1) * sizeof f->ev[0]);
			f->n--;
			return 1;
		}
	}
	return 0;
}

static const struct exec_ops fake_ops = {fake_now, fake_call_at, fake_cancel};

/* Runs every event with time <= until, then sets the clock to until. */
static void fake_run(struct fake *f, uint64_t until)
{
	while (f->n > 0 && f->ev[0].t <= until) {
		struct fake_ev e = f->ev[0];
		memmove(&f->ev[0], &f->ev[1], (f->n - 1) * sizeof f->ev[0]);
		f->n--;
		f->now = e.t;
		e.fn(e.arg);
	}
	f->now = until;
}

/* A probe reading a double the test changes. */
static double probe_value(void *ctx, uint64_t now_ns)
{
	(void)now_ns;
	return *(double *)ctx;
}

static double probe_time(void *ctx, uint64_t now_ns)
{
	(void)ctx;
	return (double)now_ns / 2.0;
}

static double probe_other(void *ctx, uint64_t now_ns)
{
	(void)ctx;
	(void)now_ns;
	return -1.0;
}

/* ---- time averages ---- */

static void test_tavg_integrates_hand_worked_step_function(void **state)
{
	(void)state;
	/* 2 on [100,300), 5 on [300,600), 0 on [600,1100]:
	 * (2*200 + 5*300 + 0*500) / 1000 = 1.9 */
	struct met_tavg a;
	met_tavg_init(&a, 100, 2.0);
	met_tavg_set(&a, 300, 5.0);
	met_tavg_set(&a, 600, 0.0);
	assert_near(met_tavg_mean(&a, 1100), 1.9, 1e-12);
	/* Mid-step the current value counts up to now: (400 + 5*100) / 300. */
	struct met_tavg b;
	met_tavg_init(&b, 100, 2.0);
	met_tavg_set(&b, 300, 5.0);
	assert_near(met_tavg_mean(&b, 400), 3.0, 1e-12);
}

static void test_tavg_mean_of_empty_window_is_current_value(void **state)
{
	(void)state;
	struct met_tavg a;
	met_tavg_init(&a, 50, 7.0);
	assert_near(met_tavg_mean(&a, 50), 7.0, 0);
}

static void test_tavg_same_time_changes_keep_last_value(void **state)
{
	(void)state;
	/* 0 on [0,10), then 1 and 7 both at 10 (1 lasts no time): 7 on [10,20].
	 * (0*10 + 7*10) / 20 = 3.5 */
	struct met_tavg a;
	met_tavg_init(&a, 0, 0.0);
	met_tavg_set(&a, 10, 1.0);
	met_tavg_set(&a, 10, 7.0);
	assert_near(met_tavg_mean(&a, 20), 3.5, 1e-12);
}

static void test_tavg_restart_forgets_history_keeps_value(void **state)
{
	(void)state;
	/* 4 on [0,10), 1 from 10; restart at 20; 3 from 30.
	 * Window [20,40]: (1*10 + 3*10) / 20 = 2. */
	struct met_tavg a;
	met_tavg_init(&a, 0, 4.0);
	met_tavg_set(&a, 10, 1.0);
	met_tavg_restart(&a, 20);
	met_tavg_set(&a, 30, 3.0);
	assert_near(met_tavg_mean(&a, 40), 2.0, 1e-12);
}

/* ---- registry ---- */

static void test_setting_a_scalar_twice_replaces_its_value_in_place(void **state)
{
	(void)state;
	struct met_registry *m = met_new();
	assert_int_equal(met_set(m, "a.x", 1.0, "ops"), 0);
	assert_int_equal(met_set(m, "b.y", 2.0, "ns"), 0);
	assert_int_equal(met_set(m, "a.x", 3.0, "ratio"), 0);
	assert_int_equal(met_nscalars(m), 2);
	assert_string_equal(met_scalar_at(m, 0)->name, "a.x");
	assert_near(met_scalar_at(m, 0)->value, 3.0, 0);
	assert_string_equal(met_scalar_at(m, 0)->unit, "ratio");
	assert_string_equal(met_scalar_at(m, 1)->name, "b.y");
	assert_near(met_find(m, "b.y")->value, 2.0, 0);
	assert_null(met_find(m, "c.z"));
	assert_int_equal(met_failed(m), 0);
	met_free(m);
}

static void test_a_table_of_fields_is_set_under_its_prefix_in_order(void **state)
{
	(void)state;
	struct met_registry *m = met_new();
	const struct met_field f[] = { { "x", "ops", 1.0 }, { "y.z", "B", 2.5 }, { "x", "ratio", 3.0 } };
	assert_int_equal(met_set_fields(m, "p", f, 3), 0);
	assert_int_equal(met_nscalars(m), 2); /* the second x replaced the first */
	assert_string_equal(met_scalar_at(m, 0)->name, "p.x");
	assert_near(met_scalar_at(m, 0)->value, 3.0, 0);
	assert_string_equal(met_scalar_at(m, 0)->unit, "ratio");
	assert_string_equal(met_scalar_at(m, 1)->name, "p.y.z");
	assert_near(met_find(m, "p.y.z")->value, 2.5, 0);
	assert_string_equal(met_find(m, "p.y.z")->unit, "B");
	assert_int_equal(met_set_fields(m, "q", f, 0), 0); /* none: nothing set */
	assert_int_equal(met_nscalars(m), 2);
	met_free(m);
}

static void test_registering_a_histogram_twice_returns_the_same_one(void **state)
{
	(void)state;
	struct met_registry *m = met_new();
	struct hist *h = met_hist(m, "q.wait", "ns");
	assert_non_null(h);
	hist_record(h, 5);
	assert_ptr_equal(met_hist(m, "q.wait", "us"), h);
	assert_int_equal(met_nhists(m), 1);
	assert_string_equal(met_hist_at(m, 0)->unit, "ns");
	assert_int_equal(hist_count(met_hist_at(m, 0)->h), 1);
	assert_ptr_equal(met_find_hist(m, "q.wait"), h);
	assert_null(met_find_hist(m, "q.response")); /* finding makes none */
	assert_int_equal(met_nhists(m), 1);
	met_free(m);
}

static void test_registering_a_series_twice_keeps_the_first_probe(void **state)
{
	(void)state;
	struct met_registry *m = met_new();
	double v = 4.0;
	struct met_series *s = met_series_add(m, "q.len", "jobs", probe_value, &v);
	assert_non_null(s);
	assert_ptr_equal(met_series_add(m, "q.len", "x", probe_other, NULL), s);
	assert_int_equal(met_nseries(m), 1);
	met_sample_now(m, 0);
	assert_near(s->v[0], 4.0, 0);
	met_free(m);
}

static void test_registration_order_is_kept_across_many_names(void **state)
{
	(void)state;
	struct met_registry *m = met_new();
	char name[32];
	struct hist *hs[1000];
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "node%03d.util", 999 - i);
		assert_int_equal(met_set(m, name, i, "ratio"), 0);
		hs[i] = met_hist(m, name, "ns");
		assert_non_null(hs[i]);
	}
	assert_int_equal(met_nscalars(m), 1000);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "node%03d.util", 999 - i);
		assert_string_equal(met_scalar_at(m, (size_t)i)->name, name);
		assert_near(met_find(m, name)->value, i, 0);
		assert_ptr_equal(met_hist_at(m, (size_t)i)->h, hs[i]);
		assert_ptr_equal(met_hist(m, name, "ns"), hs[i]);
	}
	assert_null(met_scalar_at(m, 1000));
	met_free(m);
}

static void test_a_name_may_be_a_scalar_and_a_histogram(void **state)
{
	(void)state;
	struct met_registry *m = met_new();
	assert_int_equal(met_set(m, "x", 1.0, ""), 0);
	assert_non_null(met_hist(m, "x", "ns"));
	assert_non_null(met_series_add(m, "x", "", probe_other, NULL));
	assert_int_equal(met_nscalars(m), 1);
	assert_int_equal(met_nhists(m), 1);
	assert_int_equal(met_nseries(m), 1);
	met_free(m);
}

static void test_sample_now_appends_one_sample_to_every_series(void **state)
{
	(void)state;
	struct met_registry *m = met_new();
	double v = 1.5;
	struct met_series *a = met_series_add(m, "a", "", probe_value, &v);
	struct met_series *b = met_series_add(m, "b", "", probe_time, NULL);
	met_sample_now(m, 100);
	v = 2.5;
	met_sample_now(m, 300);
	assert_int_equal(a->n, 2);
	assert_int_equal(b->n, 2);
	assert_int_equal(a->t_ns[0], 100);
	assert_int_equal(a->t_ns[1], 300);
	assert_near(a->v[0], 1.5, 0);
	assert_near(a->v[1], 2.5, 0);
	assert_near(b->v[1], 150.0, 0);
	met_free(m);
}

/* A probe of the period since its previous call: bytes moved since. */
static double probe_since(void *ctx, uint64_t now_ns)
{
	(void)now_ns;
	double *moved = ctx, v = moved[0] - moved[1];
	moved[1] = moved[0];
	return v;
}

static void test_sampling_again_at_the_same_time_keeps_the_first(void **state)
{
	(void)state;
	struct met_registry *m = met_new();
	double moved[2] = { 5.0, 0.0 }; /* total, total at the last probe */
	struct met_series *s = met_series_add(m, "a", "B", probe_since, moved);
	met_sample_now(m, 100);
	met_sample_now(m, 100); /* an empty period: would be 0 */
	assert_int_equal(s->n, 1);
	assert_near(s->v[0], 5.0, 0);
	moved[0] = 7.0;
	met_sample_now(m, 200);
	assert_int_equal(s->n, 2);
	assert_near(s->v[1], 2.0, 0);
	met_free(m);
}

static void test_series_grow_past_their_first_allocation(void **state)
{
	(void)state;
	struct met_registry *m = met_new();
	struct met_series *s = met_series_add(m, "t", "ns", probe_time, NULL);
	for (uint64_t t = 0; t < 10000; t++)
		met_sample_now(m, 2 * t);
	assert_int_equal(s->n, 10000);
	assert_int_equal(s->t_ns[9999], 19998);
	assert_near(s->v[9999], 9999.0, 0);
	assert_int_equal(met_failed(m), 0);
	met_free(m);
}

/* ---- the sampler ---- */

static void test_sampler_samples_at_0_p_2p_and_so_on(void **state)
{
	(void)state;
	struct fake f = {0};
	struct exec x = { .ops = &fake_ops, .self = &f };
	struct met_registry *m = met_new();
	struct met_series *s = met_series_add(m, "t", "ns", probe_time, NULL);
	assert_int_equal(met_sampler_start(m, &x, 10), 0);
	fake_run(&f, 35);
	/* 0, 10, 20, 30 run; the event at 40 is pending, one event only. */
	assert_int_equal(s->n, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(s->t_ns[i], 10 * i);
		assert_near(s->v[i], 5.0 * (double)i, 0);
	}
	assert_int_equal(f.n, 1);
	assert_int_equal(f.ev[0].t, 40);
	met_free(m); /* the pending event is never run: fine */
}

/* A spread series sampled at 0, 10, 20, 30: a piece of 40 booked at 25
 * over [5, 25] moved 2 a ns, so 10 of it by 10 and 30 by 20; a piece of 6
 * booked at 30 over [30, 30] is all at 30 (booked after the sample taken
 * at 30, which gets it too); one of 8 at 35 over [28, 35] gave the sample
 * at 30 its first 2 ns, 16/7 of it.  Cumulative: 0, 10, 30, 40 + 6 +
 * 16/7; and the probe's total, 54, for the sample at 40. */
static void test_spread_series_books_a_piece_evenly_over_its_interval(void **state)
{
	(void)state;
	struct fake f = {0};
	struct exec x = { .ops = &fake_ops, .self = &f };
	struct met_registry *m = met_new();
	struct met_series *s = met_series_add_spread(m, "b", "B");
	assert_non_null(s);
	assert_int_equal(met_sampler_start(m, &x, 10), 0);
	fake_run(&f, 25);
	met_spread(s, 5, 25, 40);
	fake_run(&f, 30);
	met_spread(s, 30, 30, 6);
	fake_run(&f, 35);
	met_spread(s, 28, 35, 8);
	fake_run(&f, 40);
	assert_int_equal(s->n, 5);
	assert_near(s->v[0], 0, 1e-12);
	assert_near(s->v[1], 10, 1e-12);
	assert_near(s->v[2], 30, 1e-12);
	assert_near(s->v[3], 46 + 16.0 / 7, 1e-12);
	assert_near(s->v[4], 54, 1e-12);
	assert_int_equal(met_failed(m), 0);
	met_free(m);
}

/* The sampler stops by itself after MET_MAX_SAMPLES samples (at 0, 1, ...
 * MET_MAX_SAMPLES - 1 with a period of 1 ns), leaving nothing pending. */
static void test_sampler_stops_at_its_cap(void **state)
{
	(void)state;
	struct fake f = {0};
	struct exec x = { .ops = &fake_ops, .self = &f };
	struct met_registry *m = met_new();
	struct met_series *s = met_series_add(m, "t", "ns", probe_time, NULL);
	assert_int_equal(met_sampler_start(m, &x, 1), 0);
	assert_int_equal(met_sampler_capped(m), 0);
	fake_run(&f, 2 * (uint64_t)MET_MAX_SAMPLES);
	assert_int_equal(s->n, MET_MAX_SAMPLES);
	assert_int_equal(s->t_ns[MET_MAX_SAMPLES - 1], MET_MAX_SAMPLES - 1);
	assert_int_equal(met_sampler_capped(m), MET_MAX_SAMPLES - 1);
	assert_int_equal(f.n, 0);
	assert_int_equal(met_sampler_stop(m), 0);
	assert_int_equal(met_failed(m), 0);
	met_free(m);
}

static void test_sampler_starts_at_the_current_time(void **state)
{
	(void)state;
	struct fake f = {.now = 5};
	struct exec x = { .ops = &fake_ops, .self = &f };
	struct met_registry *m = met_new();
	struct met_series *s = met_series_add(m, "t", "ns", probe_time, NULL);
	assert_int_equal(met_sampler_start(m, &x, 10), 0);
	fake_run(&f, 25);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->t_ns[0], 5);
	assert_int_equal(s->t_ns[1], 15);
	assert_int_equal(s->t_ns[2], 25);
	met_free(m);
}

static void set_value(void *arg)
{
	*(double *)arg = 42.0;
}

static void test_sampler_sees_changes_made_by_earlier_events(void **state)
{
	(void)state;
	struct fake f = {0};
	struct exec x = { .ops = &fake_ops, .self = &f };
	struct met_registry *m = met_new();
	double v = 1.0;
	struct met_series *s = met_series_add(m, "v", "", probe_value, &v);
	fake_call_at(&f, 15, set_value, &v);
	assert_int_equal(met_sampler_start(m, &x, 10), 0);
	fake_run(&f, 20);
	assert_int_equal(s->n, 3);
	assert_near(s->v[1], 1.0, 0);  /* t = 10 */
	assert_near(s->v[2], 42.0, 0); /* t = 20 */
	met_free(m);
}

static void test_sampler_stop_cancels_the_pending_event(void **state)
{
	(void)state;
	struct fake f = {0};
	struct exec x = { .ops = &fake_ops, .self = &f };
	struct met_registry *m = met_new();
	struct met_series *s = met_series_add(m, "t", "ns", probe_time, NULL);
	assert_int_equal(met_sampler_start(m, &x, 10), 0);
	fake_run(&f, 10);
	assert_int_equal(met_sampler_stop(m), 1);
	assert_int_equal(f.n, 0);
	fake_run(&f, 100);
	assert_int_equal(s->n, 2);
	assert_int_equal(met_sampler_stop(m), 0); /* not running */
	assert_int_equal(met_sampler_start(m, &x, 50), 0); /* restartable */
	assert_int_equal(s->n, 3);
	assert_int_equal(s->t_ns[2], 100);
	met_free(m);
}

static void test_sampler_rejects_zero_period_and_a_second_start(void **state)
{
	(void)state;
	struct fake f = {0};
	struct exec x = { .ops = &fake_ops, .self = &f };
	struct met_registry *m = met_new();
	assert_int_equal(met_sampler_start(m, &x, 0), -1);
	assert_int_equal(met_sampler_start(m, &x, 10), 0);
	assert_int_equal(met_sampler_start(m, &x, 10), -1);
	assert_int_equal(f.n, 1);
	assert_int_equal(met_failed(m), 0);
	met_free(m);
}

static void test_executor_refusing_the_sampler_marks_registry_failed(void **state)
{
	(void)state;
	struct fake f = {.refuse = 1};
	struct exec x = { .ops = &fake_ops, .self = &f };
	struct met_registry *m = met_new();
	assert_int_equal(met_failed(m), 0);
	assert_int_equal(met_sampler_start(m, &x, 10), -1);
	assert_int_equal(met_failed(m), 1);
	f.refuse = 0;
	assert_int_equal(met_set(m, "a", 1, ""), 0);
	assert_int_equal(met_failed(m), 1); /* sticky */
	met_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tavg_integrates_hand_worked_step_function),
		cmocka_unit_test(test_tavg_mean_of_empty_window_is_current_value),
		cmocka_unit_test(test_tavg_same_time_changes_keep_last_value),
		cmocka_unit_test(test_tavg_restart_forgets_history_keeps_value),
		cmocka_unit_test(test_setting_a_scalar_twice_replaces_its_value_in_place),
		cmocka_unit_test(test_a_table_of_fields_is_set_under_its_prefix_in_order),
		cmocka_unit_test(test_registering_a_histogram_twice_returns_the_same_one),
		cmocka_unit_test(test_registering_a_series_twice_keeps_the_first_probe),
		cmocka_unit_test(test_registration_order_is_kept_across_many_names),
		cmocka_unit_test(test_a_name_may_be_a_scalar_and_a_histogram),
		cmocka_unit_test(test_sample_now_appends_one_sample_to_every_series),
		cmocka_unit_test(test_sampling_again_at_the_same_time_keeps_the_first),
		cmocka_unit_test(test_series_grow_past_their_first_allocation),
		cmocka_unit_test(test_sampler_samples_at_0_p_2p_and_so_on),
		cmocka_unit_test(test_sampler_stops_at_its_cap),
		cmocka_unit_test(test_spread_series_books_a_piece_evenly_over_its_interval),
		cmocka_unit_test(test_sampler_starts_at_the_current_time),
		cmocka_unit_test(test_sampler_sees_changes_made_by_earlier_events),
		cmocka_unit_test(test_sampler_stop_cancels_the_pending_event),
		cmocka_unit_test(test_sampler_rejects_zero_period_and_a_second_start),
		cmocka_unit_test(test_executor_refusing_the_sampler_marks_registry_failed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
