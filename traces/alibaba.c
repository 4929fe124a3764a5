/*
 * alibaba — reader of the Alibaba GPU cluster trace v2023 (task list).
 *
 * Source: alibaba/clusterdata cluster-trace-gpu-v2023/csv/
 * openb_pod_list_default.csv (research use; Weng et al., "Beware of
 * Fragmentation", USENIX ATC 2023); a copy and its README in
 * ../shared/traces/alibaba_gpu_v2023/.  Header
 *
 *   name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,
 *   creation_time,deletion_time,scheduled_time
 *
 * times in whole seconds; scheduled_time is empty for a Pending task;
 * gpu_spec may be empty or "V100M16|V100M32".
 *
 * Why two interfaces: this is a job-level trace (arrivals, GPUs and
 * lifetimes), which a cluster driver places onto nodes; it reads the
 * typed tasks (trace_alibaba_next: every column, plus the lifetime =
 * deletion - creation).  As a request trace (for convert and inspect)
 * each task is one record:
 *
 *   time_ns  creation_time x 10^9
 *   obj_id   the 0-based data row (tasks are distinct)
 *   size     num_gpu: a count of GPUs, not bytes (0 for CPU-only tasks)
 *   op       none;  client 0;  offset 0
 *
 * Errors name the file, line and field: a header other than the above, a
 * line without 11 fields, a number that is not a whole number, a
 * deletion before the creation, a creation before the previous line's
 * (the file is in creation order), a NUL byte.  A lenient reader skips
 * bad lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

#define AL_NF 11

static const char *const al_names[AL_NF] = {
	"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec",
	"qos", "pod_phase", "creation_time", "deletion_time", "scheduled_time",
};

struct trace_alibaba {
	FILE *f;
	char *path;
	char *line;
	size_t cap;
	uint64_t line_no, rows, last_creation;
};

static int al_u64(const char *s, uint64_t *out)
{
	if (!*s || strlen(s) > 19)
		return -1;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int al_bad(struct trace_alibaba *a, struct err *e, int k, const char *what, const char *v)
{
	err_set(e, ERR_INPUT, "%s:%llu: field %d (%s): %s \"%.40s\"", a->path,
		(unsigned long long)a->line_no, k + 1, al_names[k], what, v);
	return TRACE_BAD_RECORD;
}

/* 1 a task, 0 end, -1 error, TRACE_BAD_RECORD a bad line read past. */
static int al_next(struct trace_alibaba *a, struct trace_alibaba_task *t, struct err *e)
{
	ssize_t n;
	if (a->line_no == 0) {
		n = trace_read_line(a->f, &a->line, &a->cap, TRACE_MAX_LINE, a->path, &a->line_no, e);
		if (n == -2)
			return -1;
		if (n < 0 || strlen(a->line) != (size_t)n ||
		    strcmp(a->line, "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,"
				    "pod_phase,creation_time,deletion_time,scheduled_time"))
			return err_set(e, ERR_INPUT,
				       "%s:1: header \"%.60s...\": expected the openb_pod_list columns "
				       "(name,cpu_milli,...,scheduled_time)",
				       a->path, n < 0 ? "" : a->line);
	}
	do {
		n = trace_read_line(a->f, &a->line, &a->cap, TRACE_MAX_LINE, a->path, &a->line_no, e);
		if (n == -2)
			return -1;
		if (n == -1)
			return 0;
	} while (n == 0);
	/* The fields are C strings: a NUL byte would cut one short unseen. */
	if (trace_line_nul(a->line, (size_t)n, a->path, a->line_no, e) < 0)
		return TRACE_BAD_RECORD;
	char *f[AL_NF];
	int nf = 0;
	char *p = a->line;
	for (;;) {
		if (nf == AL_NF) {
			err_set(e, ERR_INPUT, "%s:%llu: field %d is one too many: expected %d fields",
				a->path, (unsigned long long)a->line_no, AL_NF + 1, AL_NF);
			return TRACE_BAD_RECORD;
		}
		f[nf++] = p;
		char *c = strchr(p, ',');
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	if (nf < AL_NF) {
		err_set(e, ERR_INPUT, "%s:%llu: field %d (%s) is missing: expected %d fields, found %d",
			a->path, (unsigned long long)a->line_no, nf + 1, al_names[nf], AL_NF, nf);
		return TRACE_BAD_RECORD;
	}
	memset(t, 0, sizeof *t);
	uint64_t *num[AL_NF] = { NULL, &t->cpu_milli, &t->memory_mib, &t->num_gpu, &t->gpu_milli,
				 NULL, NULL, NULL, &t->creation_ns, &t->deletion_ns, &t->scheduled_ns };
	for (int k = 0; k < AL_NF; k++) {
		if (!num[k])
			continue;
		if (k == 10 && !*f[k]) {
			t->scheduled_ns = UINT64_MAX;
			continue;
		}
		if (al_u64(f[k], num[k]) < 0)
			return al_bad(a, e, k, "bad number", f[k]);
		if (k >= 8) {
			if (*num[k] > UINT64_MAX / 1000000000u)
				return al_bad(a, e, k, "too large", f[k]);
			*num[k] *= 1000000000u;
		}
	}
	if (t->num_gpu > 1024)
		return al_bad(a, e, 3, "more GPUs than a task can have", f[3]);
	if (t->deletion_ns < t->creation_ns)
		return al_bad(a, e, 9, "before creation_time", f[9]);
	if (t->creation_ns < a->last_creation)
		return al_bad(a, e, 8, "before the previous task's (the file is in creation order)", f[8]);
	snprintf(t->name, sizeof t->name, "%s", f[0]);
	snprintf(t->gpu_spec, sizeof t->gpu_spec, "%s", f[5]);
	snprintf(t->qos, sizeof t->qos, "%s", f[6]);
	snprintf(t->pod_phase, sizeof t->pod_phase, "%s", f[7]);
	t->lifetime_ns = t->deletion_ns - t->creation_ns;
	t->row = a->rows++;
	a->last_creation = t->creation_ns;
	return 1;
}

int trace_alibaba_next(struct trace_alibaba *a, struct trace_alibaba_task *t, struct err *e)
{
	int rc = al_next(a, t, e);
	return rc == TRACE_BAD_RECORD ? -1 : rc;
}

void trace_alibaba_close(struct trace_alibaba *a)
{
	if (!a)
		return;
	if (a->f)
		fclose(a->f);
	free(a->line);
	free(a->path);
	free(a);
}

struct trace_alibaba *trace_alibaba_open(const char *path, struct err *e)
{
	struct trace_alibaba *a = calloc(1, sizeof *a);
	if (!a || !(a->path = strdup(path))) {
		err_set(e, ERR_FAIL, "%s: out of memory", path);
		trace_alibaba_close(a);
		return NULL;
	}
	a->f = fopen(path, "r");
	if (!a->f) {
		err_open(e, path, errno);
		trace_alibaba_close(a);
		return NULL;
	}
	return a;
}

static int alibaba_rec_next(void *st, struct trace_rec *r, struct err *e)
{
	struct trace_alibaba_task t;
	int rc = al_next(st, &t, e);
	if (rc != 1)
		return rc;
	r->time_ns = t.creation_ns;
	r->obj_id = t.row;
	r->size_bytes = t.num_gpu;
	r->op = TRACE_OP_NONE;
	r->next_access_vtime = TRACE_NEXT_UNKNOWN;
	r->offset_bytes = 0;
	r->client = 0;
	return 1;
}

static void alibaba_rec_close(void *st)
{
	trace_alibaba_close(st);
}

static const struct trace_ops alibaba_ops = {
	.name = "alibaba_gpu",
	.next = alibaba_rec_next,
	.close = alibaba_rec_close,
};

struct trace_reader *trace_open_alibaba(const char *path, struct err *e)
{
	struct trace_reader *t = trace_reader_new(path);
	if (!t) {
		err_set(e, ERR_FAIL, "%s: out of memory", path);
		return NULL;
	}
	struct trace_alibaba *a = trace_alibaba_open(path, e);
	if (!a) {
		trace_reader_discard(t);
		return NULL;
	}
	t->ops = &alibaba_ops;
	t->st = a;
	return t;
}
