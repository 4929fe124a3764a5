/*
 * dirbk — see dirbk.h.  Data operations are handed to the embedded file
 * backend as they are (its callbacks reach the caller directly); metadata
 * operations are io_uring requests (struct mop, one step at a time through
 * the loop), timed from submit and counted when the last step completes.
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
	struct loop *l;
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

/* A metadata operation in flight through the loop. */
enum mstep { MS_MAIN, MS_MKDIR_TOP, MS_MKDIR_LEAF, MS_CREATE, MS_CLOSE };

struct mop {
	struct loop_io io;    /* first: the loop hands it back */
	struct dirbk *d;
	struct bk_req *r;
	enum mstep step;
	int pinned;           /* GETATTR holds the data path's descriptor */
	int made_dirs;        /* CREATE made the fan-out directories */
	const char *what;     /* the call, for messages */
	size_t top_len, leaf_len; /* path prefixes: DIR/hh, DIR/hh/hh */
	struct statx stx;
	char path[];          /* DIR/hh/hh/<16 hex> */
};

static void meta_finish(struct dirbk *d, struct bk_req *r, int errnum, const char *what, const char *path)
{
	if (errnum) {
		r->status = errnum == ENOENT ? BK_ENOENT : BK_EIO;
		d->meta_errors++;
		d->last_err_ns = exec_now(&d->x);
		snprintf(d->last_err, sizeof d->last_err, "%s: %s %s: %s", bk_op_name(r->op), what, path,
			 strerror(errnum));
	} else {
		r->status = BK_OK;
		d->st[r->op].ops++;
		hist_record(d->st[r->op].latency_ns, exec_now(&d->x) - r->submit_ns);
	}
	r->done(r);
}

static void mop_done(struct loop_io *io, int res);

/* Sends m's current step to the loop. */
static void mop_step(struct mop *m)
{
	struct loop *l = m->d->l;
	m->io.done = mop_done;
	switch (m->step) {
	case MS_MKDIR_TOP:
	case MS_MKDIR_LEAF:
		/* The kernel reads the truncated path while the step is in
		 * flight; mop_done puts the '/' back. */
		m->path[m->step == MS_MKDIR_TOP ? m->top_len : m->leaf_len] = '\0';
		loop_mkdirat(l, &m->io, AT_FDCWD, m->path, 0755, NULL);
		return;
	case MS_CREATE:
		m->what = "create";
		loop_openat(l, &m->io, AT_FDCWD, m->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644, NULL);
		return;
	case MS_CLOSE:
		return; /* started by mop_done with the descriptor */
	case MS_MAIN:
		break;
	}
	switch (m->r->op) {
	case BK_LOOKUP:
		m->what = "stat";
		loop_statx(l, &m->io, AT_FDCWD, m->path, 0, STATX_BASIC_STATS, &m->stx, NULL);
		return;
	case BK_GETATTR: {
		int fd = filebk_pin(&m->d->data, m->r->object);
		if (fd >= 0) {
			m->pinned = 1;
			m->what = "fstat";
			loop_statx(l, &m->io, fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &m->stx, NULL);
		} else {
			m->what = "stat";
			loop_statx(l, &m->io, AT_FDCWD, m->path, 0, STATX_BASIC_STATS, &m->stx, NULL);
		}
		return;
	}
	case BK_OPEN:
		m->what = "open";
		loop_openat(l, &m->io, AT_FDCWD, m->path, O_RDONLY | O_CLOEXEC, 0, NULL);
		return;
	case BK_CREATE:
		m->step = MS_CREATE;
		mop_step(m);
		return;
	default: /* BK_UNLINK */
		m->what = "unlink";
		filebk_forget(&m->d->data, m->r->object);
		loop_unlinkat(l, &m->io, AT_FDCWD, m->path, 0, NULL);
		return;
	}
}

static void mop_end(struct mop *m, int errnum)
{
	struct dirbk *d = m->d;
	if (m->pinned)
		filebk_unpin(&d->data, m->r->object);
	meta_finish(d, m->r, errnum, m->what, m->path);
	free(m);
}

static void mop_done(struct loop_io *io, int res)
{
	struct mop *m = (struct mop *)io;
	switch (m->step) {
	case MS_MKDIR_TOP:
	case MS_MKDIR_LEAF:
		m->path[m->step == MS_MKDIR_TOP ? m->top_len : m->leaf_len] = '/';
		if (res < 0 && res != -EEXIST) {
			mop_end(m, -res); /* "create PATH: ..." as before */
			return;
		}
		m->made_dirs = m->step == MS_MKDIR_LEAF;
		m->step = m->step == MS_MKDIR_TOP ? MS_MKDIR_LEAF : MS_CREATE;
		mop_step(m);
		return;
	case MS_CREATE:
		if (res == -ENOENT && !m->made_dirs) {
			m->step = MS_MKDIR_TOP;
			mop_step(m);
			return;
		}
		break;
	case MS_CLOSE:
		mop_end(m, res < 0 ? -res : 0);
		return;
	case MS_MAIN:
		break;
	}
	if (res >= 0 && (m->r->op == BK_OPEN || m->r->op == BK_CREATE)) {
		/* open and close, as a client's OPEN or CREATE does */
		m->step = MS_CLOSE;
		m->what = "close";
		loop_close(m->d->l, &m->io, res, NULL);
		return;
	}
	mop_end(m, res < 0 ? -res : 0);
}

/* READDIR: no io_uring operation reads a directory, so it stays a
 * synchronous opendir/readdir/closedir, run from the executor (never
 * inside submit).  Microseconds on a local disk; on NFS a READDIRPLUS
 * round trip during which the loop stands still (KNOWN GAP, dirbk.h). */
static void readdir_run(void *arg)
{
	struct bk_req *r = arg;
	struct dirbk *d = r->priv[0];
	char dir[PATH_MAX];
	filebk_path(&d->data, r->object, dir, sizeof dir);
	*strrchr(dir, '/') = '\0';
	const char *what = "opendir";
	int rc = 0;
	DIR *dh = opendir(dir);
	if (!dh) {
		rc = errno;
	} else {
		what = "readdir";
		errno = 0;
		while (readdir(dh))
			;
		rc = errno;
		closedir(dh);
	}
	meta_finish(d, r, rc, what, dir);
}

/* A failure decided at submit (an injected fault), from the executor. */
static void fault_run(void *arg)
{
	struct bk_req *r = arg;
	struct dirbk *d = r->priv[0];
	char file[PATH_MAX], dir[PATH_MAX];
	filebk_path(&d->data, r->object, file, sizeof file);
	snprintf(dir, sizeof dir, "%s", file);
	*strrchr(dir, '/') = '\0';
	meta_finish(d, r, (int)r->upriv[0], bk_op_name(r->op), r->op == BK_READDIR ? dir : file);
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
	if (!is_meta(r->op))
		return exec_at(&d->x, r->submit_ns, enotsup_run, r) ? 0 : -1;
	int rc = d->fault ? d->fault(d->fault_ctx, r->op, r->object, r->offset, r->length) : 0;
	if (rc) {
		r->upriv[0] = (uint64_t)-rc;
		return exec_at(&d->x, r->submit_ns, fault_run, r) ? 0 : -1;
	}
	if (r->op == BK_READDIR)
		return exec_at(&d->x, r->submit_ns, readdir_run, r) ? 0 : -1;
	size_t dl = strlen(d->dir);
	struct mop *m = calloc(1, sizeof *m + dl + NAMES_OBJ_LEN + 2);
	if (!m)
		return -1;
	m->d = d;
	m->r = r;
	filebk_path(&d->data, r->object, m->path, dl + NAMES_OBJ_LEN + 2);
	m->top_len = dl + 3;  /* DIR/hh */
	m->leaf_len = dl + 6; /* DIR/hh/hh */
	m->step = MS_MAIN;
	mop_step(m);
	return 0;
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

/* The file backend underneath stores the bytes, and orders the discard
 * among the object's data operations (filebk.h, "Discards"). */
static void dirbk_discard(void *self, uint64_t object, uint64_t offset, uint64_t length)
{
	struct dirbk *d = self;
	d->data.ops->discard(d->data.self, object, offset, length);
}

static const struct bk_ops dirbk_ops_table = {
	.name = "dir",
	.submit = dirbk_submit,
	.export = dirbk_export,
	.reset_stats = dirbk_reset,
	.destroy = dirbk_destroy,
	.discard = dirbk_discard,
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
		.buf_bytes = cfg->buf_bytes,
		.time_content = cfg->time_content,
		.fault = cfg->fault,
		.fault_ctx = cfg->fault_ctx,
	};
	if (filebk_new(&d->data, l, &fc, e)) {
		free(d);
		return -1;
	}
	d->l = l;
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

const struct backend *dirbk_files(const struct backend *b)
{
	return &((const struct dirbk *)b->self)->data;
}

const char *dirbk_last_error(const struct backend *b)
{
	const struct dirbk *d = b->self;
	if (d->last_err_ns && d->last_err_ns >= filebk_last_error_ns(&d->data))
		return d->last_err;
	return filebk_last_error(&d->data);
}
