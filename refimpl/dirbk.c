/*
 * dirbk — see dirbk.h.  Data operations are handed to the embedded file
 * backend as they are (its callbacks reach the caller directly); metadata
 * operations are scheduled on the executor at submit and done, timed and
 * counted in that callback.
 */
#include "refimpl/dirbk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refimpl/names.h"
#include "sim/hist.h"

struct metastat {
	uint64_t ops;
	struct hist *latency_ns;
};

struct dirbk {
	struct exec x;
	struct backend data;
	char *dir;
	filebk_fault_fn fault;
	void *fault_ctx;
	struct metastat st[BK_NOPS];
	uint64_t meta_errors;
	uint64_t last_err_ns;
	char last_err[PATH_MAX + 512];
};

static int is_meta(int op)
{
	return op >= BK_LOOKUP && op <= BK_READDIR;
}

static int mkdir_fanout(const struct dirbk *d, uint64_t obj)
{
	char rel[NAMES_OBJ_DIR_LEN + 1], p[PATH_MAX];
	names_obj_dir(rel, obj);
	snprintf(p, sizeof p, "%s/%.2s", d->dir, rel);
	if (mkdir(p, 0755) && errno != EEXIST)
		return -1;
	snprintf(p, sizeof p, "%s/%s", d->dir, rel);
	if (mkdir(p, 0755) && errno != EEXIST)
		return -1;
	return 0;
}

/* Does the operation: 0, or an errno value; *what names the call. */
static int meta_do(struct dirbk *d, struct bk_req *r, const char *file, const char *dir, const char **what)
{
	struct stat st;
	int fd;
	switch (r->op) {
	case BK_LOOKUP:
		*what = "stat";
		return stat(file, &st) ? errno : 0;
	case BK_GETATTR:
		*what = "fstat";
		fd = filebk_cached_fd(&d->data, r->object);
		if (fd >= 0)
			return fstat(fd, &st) ? errno : 0;
		if ((fd = open(file, O_PATH | O_CLOEXEC)) < 0)
			return errno;
		{
			int rc = fstat(fd, &st) ? errno : 0;
			close(fd);
			return rc;
		}
	case BK_OPEN:
		*what = "open";
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
			return errno;
		*what = "close";
		return close(fd) ? errno : 0;
	case BK_CREATE:
		*what = "create";
		fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0 && errno == ENOENT && mkdir_fanout(d, r->object) == 0)
			fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return errno;
		*what = "close";
		return close(fd) ? errno : 0;
	case BK_UNLINK:
		*what = "unlink";
		filebk_forget(&d->data, r->object);
		return unlink(file) ? errno : 0;
	case BK_READDIR: {
		*what = "opendir";
		DIR *dh = opendir(dir);
		if (!dh)
			return errno;
		*what = "readdir";
		errno = 0;
		while (readdir(dh))
			;
		int rc = errno;
		closedir(dh);
		return rc;
	}
	default:
		return ENOTSUP;
	}
}

static void meta_run(void *arg)
{
	struct bk_req *r = arg;
	struct dirbk *d = r->priv[0];
	char file[PATH_MAX], dir[PATH_MAX];
	filebk_path(&d->data, r->object, file, sizeof file);
	snprintf(dir, sizeof dir, "%s", file);
	*strrchr(dir, '/') = '\0';
	const char *what = bk_op_name(r->op);
	int rc = 0;
	if (d->fault)
		rc = -d->fault(d->fault_ctx, r->op, r->object, r->offset, r->length);
	if (!rc)
		rc = meta_do(d, r, file, dir, &what);
	if (rc) {
		r->status = rc == ENOENT ? BK_ENOENT : BK_EIO;
		d->meta_errors++;
		d->last_err_ns = exec_now(&d->x);
		snprintf(d->last_err, sizeof d->last_err, "%s: %s %s: %s", bk_op_name(r->op), what,
			 r->op == BK_READDIR ? dir : file, strerror(rc));
	} else {
		r->status = BK_OK;
		d->st[r->op].ops++;
		hist_record(d->st[r->op].latency_ns, exec_now(&d->x) - r->submit_ns);
	}
	r->done(r);
}

static void enotsup_run(void *arg)
{
	struct bk_req *r = arg;
	r->status = BK_ENOTSUP;
	r->done(r);
}

static int dirbk_submit(void *self, struct bk_req *r)
{
	struct dirbk *d = self;
	if (r->op == BK_READ || r->op == BK_WRITE)
		return bk_submit(&d->data, r);
	r->status = BK_OK;
	r->retries = 0;
	r->submit_ns = exec_now(&d->x);
	r->priv[0] = d;
	return exec_at(&d->x, r->submit_ns, is_meta(r->op) ? meta_run : enotsup_run, r) ? 0 : -1;
}

static int dirbk_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	struct dirbk *d = self;
	if (d->data.ops->export(d->data.self, prefix, m, now_ns))
		return -1;
	char name[320];
	for (int op = BK_LOOKUP; op <= BK_READDIR; op++) {
		if (!d->st[op].ops)
			continue;
		snprintf(name, sizeof name, "%s.%s.ops", prefix, bk_op_name(op));
		if (met_set(m, name, (double)d->st[op].ops, "ops"))
			return -1;
		snprintf(name, sizeof name, "%s.%s.latency", prefix, bk_op_name(op));
		struct hist *h = met_hist(m, name, "ns");
		if (!h)
			return -1;
		hist_reset(h);
		hist_merge(h, d->st[op].latency_ns);
	}
	snprintf(name, sizeof name, "%s.meta_errors", prefix);
	return met_set(m, name, (double)d->meta_errors, "ops");
}

static void dirbk_reset(void *self)
{
	struct dirbk *d = self;
	d->data.ops->reset_stats(d->data.self);
	for (int op = 0; op < BK_NOPS; op++) {
		d->st[op].ops = 0;
		if (d->st[op].latency_ns)
			hist_reset(d->st[op].latency_ns);
	}
	d->meta_errors = 0;
}

static void dirbk_destroy(void *self)
{
	struct dirbk *d = self;
	if (!d)
		return;
	if (d->data.ops)
		d->data.ops->destroy(d->data.self);
	for (int op = 0; op < BK_NOPS; op++)
		hist_free(d->st[op].latency_ns);
	free(d->dir);
	free(d);
}

static const struct bk_ops dirbk_ops_table = {
	.name = "dir",
	.submit = dirbk_submit,
	.export = dirbk_export,
	.reset_stats = dirbk_reset,
	.destroy = dirbk_destroy,
};

int dirbk_new(struct backend *out, struct loop *l, const struct dirbk_cfg *cfg, struct err *e)
{
	struct dirbk *d = calloc(1, sizeof *d);
	if (!d)
		return err_set(e, ERR_FAIL, "out of memory");
	struct filebk_cfg fc = {
		.dir = cfg->dir,
		.queue_depth = cfg->queue_depth,
		.direct = cfg->direct ? FILEBK_DIRECT_AUTO : FILEBK_DIRECT_OFF,
		.verify = cfg->verify,
		.fault = cfg->fault,
		.fault_ctx = cfg->fault_ctx,
	};
	if (filebk_new(&d->data, l, &fc, e)) {
		free(d);
		return -1;
	}
	d->x = loop_executor(l);
	d->fault = cfg->fault;
	d->fault_ctx = cfg->fault_ctx;
	d->dir = strdup(cfg->dir);
	int oom = !d->dir;
	for (int op = BK_LOOKUP; op <= BK_READDIR; op++)
		oom |= !(d->st[op].latency_ns = hist_new());
	if (oom) {
		dirbk_destroy(d);
		return err_set(e, ERR_FAIL, "out of memory");
	}
	out->ops = &dirbk_ops_table;
	out->self = d;
	return 0;
}

uint64_t dirbk_ops(const struct backend *b, enum bk_op op)
{
	const struct dirbk *d = b->self;
	if (op == BK_READ || op == BK_WRITE)
		return filebk_ops(&d->data, op);
	return is_meta(op) ? d->st[op].ops : 0;
}

const char *dirbk_last_error(const struct backend *b)
{
	const struct dirbk *d = b->self;
	if (d->last_err_ns && d->last_err_ns >= filebk_last_error_ns(&d->data))
		return d->last_err;
	return filebk_last_error(&d->data);
}
