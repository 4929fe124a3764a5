/*
 * fuzz_trace_alibaba — traces/alibaba.c, the Alibaba GPU v2023 pod list
 * (CSV with a fixed header), through both of its interfaces: records
 * (format "alibaba_gpu") and typed tasks (trace_alibaba_next).  The input
 * is the file.  Checked, besides the reader contract (fuzz_trace.h): a
 * record is a task's creation in whole seconds, in file order, its obj_id
 * the task's row (0, 1, 2, ... over the tasks read), its size the GPU
 * count (at most 1024); a task's deletion is not before its creation and
 * its lifetime is the difference; the scheduled time is whole seconds or
 * "never"; the strings are terminated; the typed reader reads the tasks
 * the strict record reader reads, ending the same way; a file with a NUL
 * byte does not read cleanly.
 */
#include "tests/fuzz/fuzz_trace.h"

struct ctx {
	uint64_t last_ns;
};

static struct trace_reader *open_alibaba(const char *path, const struct trace_opts *o, void *ctx,
					 struct err *e)
{
	(void)ctx;
	return trace_open_opts(path, "alibaba_gpu", o, e);
}

static void check_rec(const struct trace_reader *t, const struct trace_rec *r, uint64_t i,
		      void *ctx)
{
	(void)t;
	struct ctx *c = ctx;
	if (i == 0)
		c->last_ns = 0;
	FUZZ_CHECK(r->time_ns % 1000000000u == 0 && r->time_ns >= c->last_ns);
	c->last_ns = r->time_ns;
	FUZZ_CHECK(r->obj_id == i && r->size_bytes <= 1024);
	FUZZ_CHECK(r->op == TRACE_OP_NONE && r->offset_bytes == 0 && r->client == 0);
}

static int terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

/* The typed interface; its end (0, -1, or 1 at the cap) and task count. */
static int read_tasks(const char *path, uint64_t *n)
{
	struct err e = { 0 };
	*n = 0;
	struct trace_alibaba *a = trace_alibaba_open(path, &e);
	FUZZ_CHECK(a != NULL);
	struct trace_alibaba_task k;
	uint64_t last = 0;
	int rc = 0;
	while (*n < FT_MAX_RECORDS && (rc = trace_alibaba_next(a, &k, &e)) == 1) {
		FUZZ_CHECK(k.row == *n);
		FUZZ_CHECK(k.creation_ns % 1000000000u == 0 && k.creation_ns >= last);
		FUZZ_CHECK(k.deletion_ns % 1000000000u == 0 && k.deletion_ns >= k.creation_ns);
		FUZZ_CHECK(k.lifetime_ns == k.deletion_ns - k.creation_ns);
		FUZZ_CHECK(k.scheduled_ns == UINT64_MAX || k.scheduled_ns % 1000000000u == 0);
		FUZZ_CHECK(k.num_gpu <= 1024);
		FUZZ_CHECK(terminated(k.name, sizeof k.name) && terminated(k.gpu_spec, sizeof k.gpu_spec));
		FUZZ_CHECK(terminated(k.qos, sizeof k.qos) && terminated(k.pod_phase, sizeof k.pod_phase));
		last = k.creation_ns;
		(*n)++;
	}
	if (*n == FT_MAX_RECORDS)
		rc = 1;
	FUZZ_CHECK(rc == 1 || rc == 0 || rc == -1);
	if (rc < 0)
		ft_check_error(&e);
	trace_alibaba_close(a);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof path);
	if (fd < 0)
		return 0;
	struct ctx c = { 0 };
	struct ft_pass s;
	ft_run(path, open_alibaba, check_rec, &c, &s, NULL);
	FUZZ_CHECK(s.opened);
	uint64_t n;
	int rc = read_tasks(path, &n);
	/* The same tasks, and the same end, but for a file of none: the
	 * trace reader refuses it (no records), the task reader has none. */
	FUZZ_CHECK((rc == s.rc && n == s.n) || (s.rc == -1 && s.n == 0 && rc == 0 && n == 0));
	FUZZ_CHECK(s.rc != 0 || !memchr(data, '\0', size)); /* text has no NUL byte */
	fuzz_file_close(fd);
	return 0;
}
