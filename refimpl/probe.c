/*
 * probe — fio-style measurement of the real backends and the fit of the
 * tier models to it.  Method, equations and what each preset key means:
 * probe.h.  Sources: fio's latency percentiles (completion latency, clat)
 * and its iodepth sweep are the yardstick this mirrors; Little's law
 * (L = lambda W) gives the parallelism.
 */
#include "refimpl/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "models/fsclient.h"
#include "refimpl/content.h"
#include "refimpl/dirbk.h"
#include "refimpl/filebk.h"
#include "sim/backend.h"
#include "sim/hist.h"
#include "sim/metrics.h"

#define OBJ_BYTES (4ull << 20)     /* a file of the hot and warm scratch sets */
#define BLOB_BYTES (1ull << 20)    /* a blob of the cold scratch set */
#define MAX_SAMPLES (1u << 20)
#define PROBE_OBJ_BASE 0x9e0be00000000000ull /* scratch object ids */
/* The appends' object ids: clear of the scratch set's and of probe_files'
 * (PROBE_OBJ_BASE + 0x100000 + a 40-bit number); a 40-bit number times 8
 * is added (2 sizes x PROBE_APPEND_OBJS). */
#define PROBE_APPEND_BASE (PROBE_OBJ_BASE + (1ull << 44))
/* A point with a sample floor (min_ops) runs at most this much longer. */
#define MIN_OPS_EXTRA_NS (10ull * 1000000000ull)

static const unsigned qds[PROBE_NQD] = { 1, 4, 16, 64 };

/* The probability bins of a latency distribution (probe.h): bin i spans
 * [edge[i], edge[i+1]); its weight in the preset is its width in 1/1000. */
static const double bin_edge[PROBE_QUANTILES + 1] = {
	0, .09, .18, .27, .36, .45, .54, .63, .72, .81, .90, .95, .99, .999, 1,
};
static const uint64_t sizes[PROBE_NSIZE] = { 4096, 1u << 20 };

struct prun;

struct pslot {
	struct prun *p;
	struct bk_req req;
	uint64_t start_ns;
	void *buf;               /* the slot's bytes (Blob: 1 MiB); NULL for files */
};

/* What the slots do: the sweep (timed operations at random), the scratch
 * set's write (each object whole, in order), appends (new objects written
 * in order, each write but an object's first timed) or the scratch set's
 * deletion (Blob). */
enum pmode { P_SWEEP, P_FILL, P_APPEND, P_DELETE };

struct prun {
	struct loop *l;
	struct backend *b;
	int write;
	uint64_t size, nobj, obj_bytes, deadline_ns;
	/* The objects a fill, a point or a deletion works on are ids
	 * PROBE_OBJ_BASE + obj_first + [0, nobj), each of obj_bytes. */
	uint64_t obj_first;
	/* A point ends at deadline_ns once min_ops have completed, or at
	 * hard_ns whatever the count (min_ops 0: at deadline_ns). */
	uint64_t min_ops, hard_ns;
	uint64_t rng;
	uint64_t done, failed, bytes;
	double *lat;
	size_t nlat;
	struct pslot slot[64];
	/* P_FILL: the next chunk to write; P_APPEND: the next write; P_DELETE:
	 * the next object */
	uint64_t next_off;
	/* P_APPEND: PROBE_APPEND_OBJS objects from this id on, per_obj writes
	 * each */
	uint64_t append_base, per_obj;
	enum pmode mode;
	const struct backend *files; /* file tiers: the file backend, whose content work is timed */
	const volatile sig_atomic_t *stop; /* probe_opts.stop */
};

/* -1 with "interrupted" once the stop flag is up (the loop has run until
 * what was in flight completed), else 0. */
static int stopped(const volatile sig_atomic_t *stop, struct err *e)
{
	return stop && *stop ? err_set(e, ERR_FAIL, "interrupted") : 0;
}

static uint64_t rnd(struct prun *p)
{
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return p->rng;
}

static void slot_done(struct bk_req *req);

/* 1 if a request was submitted. */
static int slot_next(struct pslot *s)
{
	struct prun *p = s->p;
	uint64_t now = loop_now(p->l);
	if (p->stop && *p->stop && p->mode != P_DELETE) /* the cleanup goes on */
		return 0;
	memset(&s->req, 0, sizeof s->req);
	if (p->mode == P_FILL) {
		if (p->next_off >= p->nobj * p->obj_bytes)
			return 0;
		s->req.op = BK_WRITE;
		s->req.object = PROBE_OBJ_BASE + p->obj_first + p->next_off / p->obj_bytes;
		s->req.offset = p->next_off % p->obj_bytes;
		s->req.length = p->obj_bytes < (1u << 20) ? p->obj_bytes : 1u << 20;
		p->next_off += s->req.length;
		if (s->buf) /* a blob holds its own content (content.h) */
			content_fill(s->buf, s->req.object, s->req.offset, s->req.length);
	} else if (p->mode == P_APPEND) {
		if (p->next_off >= PROBE_APPEND_OBJS * p->per_obj)
			return 0;
		s->req.op = BK_WRITE;
		s->req.object = p->append_base + p->next_off / p->per_obj;
		s->req.offset = p->next_off % p->per_obj * p->size;
		s->req.length = p->size;
		p->next_off++;
	} else if (p->mode == P_DELETE) {
		if (p->next_off >= p->nobj)
			return 0;
		s->req.op = BK_UNLINK;
		s->req.object = PROBE_OBJ_BASE + p->obj_first + p->next_off++;
	} else {
		if (now >= p->deadline_ns && (p->done >= p->min_ops || now >= p->hard_ns))
			return 0;
		s->req.op = p->write ? BK_WRITE : BK_READ;
		s->req.object = PROBE_OBJ_BASE + p->obj_first + rnd(p) % p->nobj;
		s->req.offset = rnd(p) % (p->obj_bytes / p->size) * p->size;
		s->req.length = p->size;
	}
	s->req.buf = s->buf;
	s->req.done = slot_done;
	s->req.ctx = s;
	s->start_ns = now;
	if (bk_submit(p->b, &s->req) < 0) {
		p->failed++;
		return 0;
	}
	return 1;
}

static void slot_done(struct bk_req *req)
{
	struct pslot *s = req->ctx;
	struct prun *p = s->p;
	if (p->mode == P_DELETE) {
		/* best effort: a blob already gone is deleted; go on either way */
		if (req->status == BK_OK || req->status == BK_ENOENT)
			p->done++;
		else
			p->failed++;
		slot_next(s);
		return;
	}
	if (req->status != BK_OK) {
		p->failed++;
		return; /* the slot stops: the point fails */
	}
	/* An append's first write to an object creates its file, which
	 * probe_files times apart: it is not an append, and not counted. */
	if (p->mode == P_APPEND && req->offset == 0) {
		slot_next(s);
		return;
	}
	p->done++;
	p->bytes += req->length;
	/* A request answered 503 and retried holds its backoff: not the
	 * endpoint's latency, and the model adds its own 503s and backoffs
	 * (it counted them twice: a ttfb p99 of 641 ms, against 7 ms). */
	if (p->lat && p->nlat < MAX_SAMPLES && !req->retries)
		p->lat[p->nlat++] = (double)(loop_now(p->l) - s->start_ns);
	slot_next(s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double quantile(const double *v, size_t n, double q)
{
	size_t i = (size_t)(q * (double)n);
	return v[i < n ? i : n - 1];
}

/* Keeps qd slots busy until the deadline (and min_ops), then until the
 * last is done. */
static int run_slots(struct prun *p, unsigned qd, uint64_t deadline_ns, struct err *e)
{
	p->done = p->failed = p->bytes = 0;
	p->nlat = 0;
	p->deadline_ns = deadline_ns;
	p->hard_ns = deadline_ns + MIN_OPS_EXTRA_NS;
	for (unsigned i = 0; i < qd; i++) {
		p->slot[i].p = p;
		slot_next(&p->slot[i]);
	}
	if (loop_run(p->l, UINT64_MAX, e) < 0 || stopped(p->stop, e) < 0)
		return -1;
	if (p->failed)
		return err_set(e, ERR_FAIL, "%llu operations failed (%s %llu bytes at queue depth %u)",
			       (unsigned long long)p->failed, p->write ? "write" : "read", (unsigned long long)p->size, qd);
	return 0;
}

/* Fills pt from the run just done: qd, el seconds, cpu seconds of the loop
 * thread, and the latencies kept (sorted here). */
static int point_stats(struct prun *p, unsigned qd, double el, double cpu, struct probe_point *pt, struct err *e)
{
	if (!p->nlat)
		return err_set(e, ERR_FAIL, "no operation completed%s in %.3f s",
			       p->done ? " without a retry after a 503 (the endpoint throttled every one)" : "", el);
	qsort(p->lat, p->nlat, sizeof *p->lat, cmp_double);
	pt->write = p->write;
	pt->size_bytes = p->size;
	pt->qd = qd;
	pt->ops = p->done;
	pt->seconds = el;
	pt->ops_per_s = p->done / el;
	pt->bps = p->bytes / el;
	pt->cpu_ns_per_op = p->done ? cpu * 1e9 / (double)p->done : 0;
	double sum = 0;
	for (size_t i = 0; i < p->nlat; i++)
		sum += p->lat[i];
	pt->mean_ns = sum / (double)p->nlat;
	for (int i = 0; i < PROBE_QUANTILES; i++)
		pt->q_ns[i] = quantile(p->lat, p->nlat, (bin_edge[i] + bin_edge[i + 1]) / 2);
	pt->p50_ns = quantile(p->lat, p->nlat, 0.5);
	pt->p99_ns = quantile(p->lat, p->nlat, 0.99);
	return 0;
}

/* The content work of p's file backend so far (zeros for the Blob tier). */
static struct filebk_content content_now(const struct prun *p)
{
	struct filebk_content c = { 0 };
	if (p->files)
		filebk_content(p->files, &c);
	return c;
}

static int run_point(struct prun *p, unsigned qd, double seconds, struct probe_point *pt, struct err *e)
{
	/* The ramp, untimed (fio's ramp_time): until qd operations are done,
	 * so every slot has done one.  A point's first operations pay for
	 * what a run pays once -- buffers first touched, a backend slot's
	 * scratch grown to the size -- and in a short point that is much of
	 * the CPU: 1 MiB reads at QD64 measured 816 us of the loop's CPU each
	 * in a 0.25 s point without a ramp, 73 us with one. */
	uint64_t min_ops = p->min_ops;
	p->min_ops = qd;
	int rc = run_slots(p, qd, loop_now(p->l), e);
	p->min_ops = min_ops;
	if (rc < 0)
		return -1;
	struct filebk_content c0 = content_now(p);
	double cpu0 = loop_thread_cpu_s();
	uint64_t t0 = loop_now(p->l);
	if (run_slots(p, qd, t0 + (uint64_t)(seconds * 1e9), e) < 0)
		return -1;
	double cpu = loop_thread_cpu_s() - cpu0;
	struct filebk_content c1 = content_now(p);
	pt->check_ns = c1.check_ns - c0.check_ns;
	pt->check_bytes = c1.check_bytes - c0.check_bytes;
	pt->fill_ns = c1.fill_ns - c0.fill_ns;
	pt->fill_bytes = c1.fill_bytes - c0.fill_bytes;
	/* The point's CPU is the backend's own: its content work is timed
	 * apart (cpu_check_bw, cpu_fill_bw). */
	cpu -= (double)(pt->check_ns + pt->fill_ns) / 1e9;
	return point_stats(p, qd, (double)(loop_now(p->l) - t0) / 1e9, cpu > 0 ? cpu : 0, pt, e);
}

int probe_median3(const struct probe_point v[3])
{
	int lo = 0, hi = 0;
	for (int k = 1; k < 3; k++) {
		if (v[k].cpu_ns_per_op < v[lo].cpu_ns_per_op)
			lo = k;
		if (v[k].cpu_ns_per_op >= v[hi].cpu_ns_per_op)
			hi = k;
	}
	return lo == hi ? 0 : 3 - lo - hi;
}

double probe_run_cpu_ns(const double *mark_s, unsigned runs, unsigned per_run)
{
	double v[PROBE_FILE_RUNS];
	if (runs == 0 || runs > PROBE_FILE_RUNS || per_run == 0)
		return 0;
	for (unsigned k = 0; k < runs; k++)
		v[k] = (mark_s[k + 1] - mark_s[k]) * 1e9 / per_run;
	gsl_sort(v, 1, runs);
	return gsl_stats_median_from_sorted_data(v, 1, runs);
}

/* run_point three times, keeping the point whose CPU per operation is
 * the median.  For the QD1 4 KiB points: the client model's wake-up is
 * their CPU less the QD 64 point's (cpu_fit), so a moment of a slower
 * machine there goes into every wake-up the model charges, the turns of
 * a create's four steps among them (one probe of make validate's set 27
 * timed its QD1 writes so that cpu_write_wake came out 93 us, where the
 * other 71 tiers probed in sets 22, 23 and 27 gave 11-30 us; the run it
 * predicted was charged 2.7 times the CPU its thread used). */
static int run_point_median(struct prun *p, unsigned qd, double seconds, struct probe_point *pt, struct err *e)
{
	struct probe_point v[3];
	for (int k = 0; k < 3; k++)
		if (run_point(p, qd, seconds, &v[k], e) < 0)
			return -1;
	*pt = v[probe_median3(v)];
	return 0;
}

/* Appends of one size (probe.h): PROBE_APPEND_OBJS new objects from id
 * base on, written in order at QD1: each by one write that creates its
 * file, then PROBE_APPEND_SMALL (4 KiB) or PROBE_APPEND_LARGE (1 MiB)
 * writes that extend it, timed. */
static int run_appends(struct prun *p, int s, uint64_t base, struct probe_point *pt, struct err *e)
{
	p->mode = P_APPEND;
	p->write = 1;
	p->size = sizes[s];
	p->append_base = base;
	p->per_obj = 1 + (s == 0 ? PROBE_APPEND_SMALL : PROBE_APPEND_LARGE);
	p->next_off = 0;
	double cpu0 = loop_thread_cpu_s();
	uint64_t t0 = loop_now(p->l);
	int rc = run_slots(p, 1, t0, e);
	if (rc == 0)
		rc = point_stats(p, 1, (double)(loop_now(p->l) - t0) / 1e9, loop_thread_cpu_s() - cpu0, pt, e);
	p->mode = P_SWEEP;
	return rc;
}

/* ---- files: the open chain of create and open ---- */

struct pfiles {
	struct loop *l;
	struct backend *b;
	int write;
	const uint64_t *ids;
	unsigned next, done, failed;
	struct bk_req req[PROBE_CREATE_QD];
	/* The loop thread's CPU time (s) at the start and after every
	 * PROBE_FILES / PROBE_FILE_RUNS files (the QD1 passes). */
	double cpu_mark[PROBE_FILE_RUNS + 1];
};

static void files_next(struct pfiles *f, struct bk_req *req);

static void files_done(struct bk_req *req)
{
	struct pfiles *f = req->ctx;
	if (req->status != BK_OK) {
		f->failed++;
		return;
	}
	f->done++;
	if (f->done % (PROBE_FILES / PROBE_FILE_RUNS) == 0)
		f->cpu_mark[f->done / (PROBE_FILES / PROBE_FILE_RUNS)] = loop_thread_cpu_s();
	files_next(f, req);
}

/* Submits the next operation on req (one file each). */
static void files_next(struct pfiles *f, struct bk_req *req)
{
	if (f->next >= PROBE_FILES)
		return;
	unsigned i = f->next++;
	memset(req, 0, sizeof *req);
	req->op = f->write ? BK_WRITE : BK_READ;
	req->object = f->ids[i];
	req->length = 4096;
	req->done = files_done;
	req->ctx = f;
	if (bk_submit(f->b, req) < 0)
		f->failed++;
}

/* Fills pt (ops, mean, bins, p50, p99) from a histogram of the times. */
static void fill_point(struct probe_point *pt, const struct hist *h)
{
	pt->ops = hist_count(h);
	pt->size_bytes = 0;
	pt->mean_ns = hist_mean(h);
	for (int i = 0; i < PROBE_QUANTILES; i++)
		pt->q_ns[i] = hist_quantile(h, (bin_edge[i] + bin_edge[i + 1]) / 2);
	pt->p50_ns = hist_quantile(h, 0.5);
	pt->p99_ns = hist_quantile(h, 0.99);
}

/* One fresh backend over sub (an empty descriptor cache) into *b, which
 * checks what it reads (content.h), as a run's does; timed: it times that
 * and the generation of what it writes (filebk_content). */
static int backend_new(struct loop *l, enum probe_kind kind, const char *sub, int timed, struct backend *b,
		       struct err *e)
{
	if (kind == PROBE_HOT) {
		struct filebk_cfg c = { .dir = sub, .queue_depth = 64, .verify = 1, .buf_bytes = 1u << 20,
					.time_content = timed };
		return filebk_new(b, l, &c, e);
	}
	struct dirbk_cfg c = { .dir = sub, .queue_depth = 64, .verify = 1, .buf_bytes = 1u << 20,
			       .time_content = timed };
	return dirbk_new(b, l, &c, e);
}

/* PROBE_FILES random object ids clear of the scratch set's, from x. */
static void files_ids(uint64_t *ids, uint64_t x)
{
	for (unsigned i = 0; i < PROBE_FILES; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ids[i] = PROBE_OBJ_BASE + 0x100000 + (x >> 24);
	}
}

/* Three passes, each on a fresh backend: 4 KiB writes of new objects at
 * QD1 (creates: r->create), 4 KiB reads of them at QD1 (opens: r->open),
 * and writes of other new objects PROBE_CREATE_QD at a time (the rate of
 * creates: r->create_qd_rate). */
static int probe_files(struct loop *l, enum probe_kind kind, const char *sub, uint64_t seed, struct probe_result *r,
		       struct err *e)
{
	struct pfiles *f = calloc(1, sizeof *f);
	uint64_t *ids = malloc(2 * PROBE_FILES * sizeof *ids);
	if (!f || !ids) {
		free(f);
		free(ids);
		return err_set(e, ERR_FAIL, "out of memory");
	}
	files_ids(ids, seed * 0xd1b54a32d192ed03ull | 1);
	files_ids(ids + PROBE_FILES, seed * 0x9e3779b97f4a7c15ull | 1);
	int rc = 0;
	double close_s = 0;
	for (int pass = 0; pass < 3 && rc == 0; pass++) {
		int w = pass != 1;
		unsigned qd = pass == 2 ? PROBE_CREATE_QD : 1;
		struct backend b = { 0 };
		if (backend_new(l, kind, sub, 1, &b, e) < 0) {
			rc = -1;
			break;
		}
		f->l = l;
		f->b = &b;
		f->write = w;
		f->ids = pass == 2 ? ids + PROBE_FILES : ids;
		f->next = f->done = f->failed = 0;
		uint64_t t0 = loop_now(l);
		double cpu0 = loop_thread_cpu_s();
		f->cpu_mark[0] = cpu0;
		for (unsigned k = 0; k < qd; k++)
			files_next(f, &f->req[k]);
		int ran = loop_run(l, UINT64_MAX, e);
		double cpu = loop_thread_cpu_s() - cpu0;
		if (ran < 0)
			rc = -1;
		else if (f->failed || f->done != PROBE_FILES)
			rc = err_set(e, ERR_FAIL, "%s: %s of new files at QD %u failed (%u of %u done)", sub,
				     w ? "4 KiB writes" : "4 KiB reads", qd, f->done, PROBE_FILES);
		else {
			const struct backend *fb = kind == PROBE_HOT ? &b : dirbk_files(&b);
			const struct hist *h = filebk_file_latency(fb, w);
			double el = (double)(loop_now(l) - t0) / 1e9;
			if (hist_count(h) != PROBE_FILES)
				rc = err_set(e, ERR_FAIL, "%s: %llu %s timed for %u new files", sub,
					     (unsigned long long)hist_count(h), w ? "creates" : "opens", PROBE_FILES);
			else if (pass == 2) {
				r->create_qd_rate = el > 0 ? PROBE_FILES / el : 0;
				r->create_qd_cpu_ns = cpu * 1e9 / PROBE_FILES;
			} else {
				fill_point(w ? &r->create : &r->open, h);
				*(w ? &r->create_cpu_ns : &r->open_cpu_ns) =
					probe_run_cpu_ns(f->cpu_mark, PROBE_FILE_RUNS, PROBE_FILES / PROBE_FILE_RUNS);
			}
		}
		double cpu1 = loop_thread_cpu_s();
		b.ops->destroy(b.self);
		if (pass < 2)
			close_s += loop_thread_cpu_s() - cpu1;
	}
	r->close_cpu_ns = rc == 0 ? close_s * 1e9 / (2 * PROBE_FILES) : 0;
	free(ids);
	free(f);
	return rc;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void probe_remove_scratch(const char *dir)
{
	char sub[4096];
	snprintf(sub, sizeof sub, "%s/probe", dir);
	nftw(sub, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- discards (probe.h, "Discards") ---- */

/* The counters once the discards have stopped coming: ext4 sends a
 * commit's discards after the commit, so syncfs(2) may return before the
 * last of them is counted.  Read every 20 ms until the discard counters
 * are the same three times running (at most 2 s). */
static int blk_settled(const char *path, struct blkstat *b, struct err *e)
{
	struct blkstat prev, cur;
	if (blkstat_read(path, &prev, e) < 0)
		return -1;
	for (int still = 0, i = 0; still < 3 && i < 100; i++) {
		nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
		if (blkstat_read(path, &cur, e) < 0)
			return -1;
		still = cur.discards == prev.discards && cur.discard_sectors == prev.discard_sectors ? still + 1 : 0;
		prev = cur;
	}
	*b = prev;
	return 0;
}

/* Punches MiB `first` and first + 2 of every scratch object through the
 * backend, as a tier's evictions punch chunks, and waits for them and for
 * the file system's commit of them (syncfs on fd). */
static int punch_pass(struct prun *p, uint64_t first, int fd, struct err *e)
{
	for (uint64_t i = 0; i < p->nobj; i++)
		for (uint64_t m = first; m < p->obj_bytes >> 20; m += 2)
			p->b->ops->discard(p->b->self, PROBE_OBJ_BASE + p->obj_first + i, m << 20, 1u << 20);
	if (loop_run(p->l, UINT64_MAX, e) < 0)
		return -1;
	if (syncfs(fd) < 0)
		return err_set(e, ERR_FAIL, "syncfs: %s", strerror(errno));
	return 0;
}

/* The hot tier's discards (probe.h): the scratch set punched in 1 MiB
 * ranges, never two side by side in one journal commit, and the block
 * device's counters before and after.  Fails the probe only on a loop
 * error; a device whose counters cannot be read leaves r->discard_ok 0
 * and says why in r->discard_dev. */
static int measure_discards(struct prun *p, const char *sub, struct probe_result *r, struct err *e)
{
	char path[96];
	struct err why = { 0 };
	if (blkstat_path(sub, path, sizeof path, &why) < 0) {
		snprintf(r->discard_dev, sizeof r->discard_dev, "%.200s", why.msg);
		return 0;
	}
	int fd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_FAIL, "%s: %s", sub, strerror(errno));
	struct blkstat b0, b1;
	struct filebk_discards d0, d1;
	int rc = -1;
	if (syncfs(fd) < 0) {
		err_set(e, ERR_FAIL, "%s: syncfs: %s", sub, strerror(errno));
		goto out;
	}
	if (blk_settled(path, &b0, &why) < 0) {
		snprintf(r->discard_dev, sizeof r->discard_dev, "%.200s", why.msg);
		rc = 0;
		goto out;
	}
	filebk_discards(p->b, &d0);
	if (punch_pass(p, 0, fd, e) < 0 || punch_pass(p, 1, fd, e) < 0) {
		err_prefix(e, "%s: discards: ", sub);
		goto out;
	}
	rc = 0; /* from here on the probe goes on, with or without the counters */
	if (blk_settled(path, &b1, &why) < 0) {
		snprintf(r->discard_dev, sizeof r->discard_dev, "%.200s", why.msg);
		goto out;
	}
	filebk_discards(p->b, &d1);
	snprintf(r->discard_dev, sizeof r->discard_dev, "%s", path);
	r->discard_ok = 1;
	r->discard_punched = d1.bytes - d0.bytes;
	r->discard_delta = blkstat_delta(&b1, &b0);
out:
	close(fd);
	return rc;
}

/* The tier's content rates (probe.h): checks over the 1 MiB read points,
 * generation over the scratch set's write and the 1 MiB write points. */
static void content_rates(struct probe_result *r)
{
	uint64_t cb = 0, cn = 0, fb = r->scratch_fill_bytes, fn = r->scratch_fill_ns;
	for (int q = 0; q < PROBE_NQD; q++) {
		cb += r->pt[0][1][q].check_bytes;
		cn += r->pt[0][1][q].check_ns;
		fb += r->pt[1][1][q].fill_bytes;
		fn += r->pt[1][1][q].fill_ns;
	}
	r->cpu_check_bytes = cb;
	r->cpu_fill_bytes = fb;
	r->cpu_check_bps = cn ? (double)cb / (double)cn * 1e9 : 0;
	r->cpu_fill_bps = fn ? (double)fb / (double)fn * 1e9 : 0;
}

int probe_dir(struct loop *l, enum probe_kind kind, const char *dir, const struct probe_opts *o,
	      struct probe_result *r, struct err *e)
{
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->dir = dir;
	double seconds = o->seconds > 0 ? o->seconds : 0.25;
	uint64_t scratch = o->scratch_bytes ? o->scratch_bytes : PROBE_SCRATCH_DEFAULT;
	char sub[4096];
	snprintf(sub, sizeof sub, "%s/probe", dir);
	if (mkdir(sub, 0777) < 0 && errno != EEXIST)
		return err_set(e, ERR_INPUT, "%s: %s", sub, strerror(errno));
	struct backend b = { 0 };
	int rc = -1;
	struct prun *p = calloc(1, sizeof *p);
	if (!p || !(p->lat = malloc(MAX_SAMPLES * sizeof *p->lat))) {
		err_set(e, ERR_FAIL, "out of memory");
		goto out;
	}
	/* The sweep's backend checks what it reads and generates what it
	 * writes, as a run's does, and times both on the loop thread's CPU
	 * clock (filebk_content): that is the tier's cpu_check_bw and
	 * cpu_fill_bw, and each point's CPU per operation is given without
	 * it, the backend's own (submission, completion, the kernel's copy
	 * of a buffered read).  Timed apart, not taken off at a rate measured
	 * elsewhere: taking the check off at check_bw (a 64 MiB buffer of
	 * the probe's own) left a warm 1 MiB read 31 us of CPU, where `perf`
	 * of a KV-cache run showed the kernel's copy alone at 88 us per MiB;
	 * and the same check ran at 8.1-9.2 GB/s on bytes the virtual disk
	 * had just written by DMA, at 13.4-14.1 on bytes the kernel had just
	 * copied from the page cache, and at 13.9 on that buffer. */
	if (backend_new(l, kind, sub, 1, &b, e) < 0)
		goto out;
	p->files = kind == PROBE_HOT ? &b : dirbk_files(&b);
	if (kind == PROBE_HOT)
		r->direct = filebk_direct(&b);
	p->l = l;
	p->b = &b;
	p->obj_bytes = OBJ_BYTES;
	p->nobj = scratch / OBJ_BYTES ? scratch / OBJ_BYTES : 1;
	r->scratch_bytes = p->nobj * OBJ_BYTES;
	p->rng = (o->seed ? o->seed : 1) * 0x9e3779b97f4a7c15ull | 1;
	p->stop = o->stop;
	/* The new objects' ids (probe_files, appends) depend on the process
	 * too, so that a scratch set kept by an earlier probe with the same
	 * seed (--keep-scratch) does not turn their creates into opens. */
	uint64_t salt = (o->seed ? o->seed : 1) ^ (uint64_t)getpid() << 24;
	/* The scratch set, 1 MiB writes, 8 in flight. */
	struct filebk_content fill0 = content_now(p);
	p->mode = P_FILL;
	uint64_t fill_t0 = loop_now(l);
	for (unsigned i = 0; i < 8; i++) {
		p->slot[i].p = p;
		slot_next(&p->slot[i]);
	}
	if (loop_run(l, UINT64_MAX, e) < 0 || stopped(p->stop, e) < 0)
		goto out;
	if (p->failed) {
		/* b is a dirbk for a warm tier: its error, not a filebk's field
		 * read at a dirbk's offset ("no error given") */
		const char *why = kind == PROBE_HOT ? filebk_last_error(&b) : dirbk_last_error(&b);
		err_set(e, ERR_FAIL, "%s: writing the scratch set (%.3g GB) failed: %s%s", sub,
			(double)r->scratch_bytes / 1e9, why && why[0] ? why : "no error given",
			" (a smaller set: --scratch SIZE)");
		goto out;
	}
	struct filebk_content fill1 = content_now(p);
	r->scratch_fill_ns = fill1.fill_ns - fill0.fill_ns;
	r->scratch_fill_bytes = fill1.fill_bytes - fill0.fill_bytes;
	p->mode = P_SWEEP;
	r->fill_seconds = (double)(loop_now(l) - fill_t0) / 1e9;
	r->fill_bps = r->fill_seconds > 0 ? (double)r->scratch_bytes / r->fill_seconds : 0;
	/* Appends right after the scratch set, which has used up any memory
	 * freed in the last seconds: on a VM that hands free memory back to
	 * the hypervisor (virtio-balloon free page reporting), a page the
	 * kernel takes for new data is dearer on first touch once it has been
	 * handed back, about 2 s after it was freed (README, "the hardware
	 * rung"), and a run's new data lands in such pages. */
	for (int s = 0; s < PROBE_NSIZE; s++)
		if (run_appends(p, s, PROBE_APPEND_BASE + ((salt * 0x9e3779b97f4a7c15ull >> 24) << 3) +
					      (uint64_t)s * PROBE_APPEND_OBJS, &r->append[s], e) < 0) {
			err_prefix(e, "%s: appends: ", sub);
			goto out;
		}
	/* Files next, while the scratch set's fan-out directories are the
	 * only ones (a run's new chunks mostly land in new ones too). */
	if (probe_files(l, kind, sub, salt, r, e) < 0 || stopped(o->stop, e) < 0)
		goto out;
	for (int w = 0; w < 2; w++)
		for (int s = 0; s < PROBE_NSIZE; s++)
			for (int q = 0; q < PROBE_NQD; q++) {
				p->write = w;
				p->size = sizes[s];
				if ((s == 0 && q == 0 ? run_point_median(p, qds[q], seconds, &r->pt[w][s][q], e)
						      : run_point(p, qds[q], seconds, &r->pt[w][s][q], e)) < 0) {
					err_prefix(e, "%s: ", sub);
					goto out;
				}
			}
	content_rates(r);
	/* Last: the punches leave the scratch set full of holes. */
	if (kind == PROBE_HOT && (measure_discards(p, sub, r, e) < 0 || stopped(o->stop, e) < 0))
		goto out;
	rc = 0;
out:
	if (b.ops)
		b.ops->destroy(b.self);
	if (p)
		free(p->lat);
	free(p);
	if (rc < 0 || !o->keep_scratch)
		probe_remove_scratch(dir);
	return rc;
}

/* ---- the Blob tier ---- */

/* Runs the loop until the slots in flight are done (the loop is then
 * idle: curl keeps no timer without transfers). */
static int drain(struct prun *p, unsigned qd, struct err *e)
{
	p->done = p->failed = p->bytes = 0;
	for (unsigned i = 0; i < qd; i++) {
		p->slot[i].p = p;
		slot_next(&p->slot[i]);
	}
	if (loop_run(p->l, UINT64_MAX, e) < 0)
		return -1;
	return p->mode == P_DELETE ? 0 : stopped(p->stop, e);
}

static void one_done(struct bk_req *req)
{
	*(int *)req->ctx = 1;
}

/* Deletes the scratch blobs (8 in flight; one already gone counts as
 * deleted), then counts what List Blobs still shows under the prefix into
 * r->left (UINT64_MAX when the listing failed).  Best effort: it runs on
 * the way out of a failed probe too. */
static void blob_cleanup(struct prun *p, struct probe_result *r)
{
	struct err e2 = { 0 };
	p->mode = P_DELETE;
	p->next_off = 0;
	if (drain(p, 8, &e2) == 0)
		r->deleted = p->done;
	struct bk_req req = { .op = BK_LIST };
	int fin = 0;
	req.done = one_done;
	req.ctx = &fin;
	r->left = UINT64_MAX;
	if (bk_submit(p->b, &req) == 0 && loop_run(p->l, UINT64_MAX, &e2) == 0 && fin && req.status == BK_OK)
		r->left = blob_req_value(&req);
}

/* The counters of the backend's own export that the preset reports. */
static void blob_counters(const struct backend *b, uint64_t now_ns, struct probe_result *r)
{
	struct met_registry *m = met_new();
	if (!m || b->ops->export(b->self, "p", m, now_ns) < 0) {
		met_free(m);
		return;
	}
	const struct met_scalar *x;
	if ((x = met_find(m, "p.http.requests")))
		r->requests = (uint64_t)x->value;
	if ((x = met_find(m, "p.throttled")))
		r->throttled = (uint64_t)x->value;
	if ((x = met_find(m, "p.retries")))
		r->retries = (uint64_t)x->value;
	met_free(m);
}

int probe_blob(struct loop *l, const struct blob_params *bp, const char *where, const struct probe_opts *o,
	       struct probe_result *r, struct err *e)
{
	memset(r, 0, sizeof *r);
	r->kind = PROBE_COLD;
	r->dir = where;
	r->auth = bp->sas && *bp->sas ? "SAS" : "SharedKey";
	double seconds = o->seconds > 0 ? o->seconds : 0.25;
	uint64_t scratch = o->scratch_bytes ? o->scratch_bytes : PROBE_COLD_SCRATCH_DEFAULT;
	uint64_t seed = o->seed ? o->seed : 1;
	snprintf(r->prefix, sizeof r->prefix, "probe-%ld-%llu/", (long)getpid(), (unsigned long long)seed);
	struct blob_params bpp = *bp;
	bpp.prefix = r->prefix;
	bpp.seed = seed;
	struct backend b = { 0 };
	if (blob_new(l, &bpp, &b, e) < 0)
		return -1;
	int rc = -1, filled = 0;
	uint64_t nsmall = 0; /* small blobs written, or being written */
	struct prun *p = calloc(1, sizeof *p);
	unsigned char *bufs = NULL;
	if (!p || !(p->lat = malloc(MAX_SAMPLES * sizeof *p->lat)) || !(bufs = malloc(64 * BLOB_BYTES))) {
		err_set(e, ERR_FAIL, "out of memory");
		goto out;
	}
	p->l = l;
	p->b = &b;
	p->obj_bytes = BLOB_BYTES;
	p->nobj = scratch / BLOB_BYTES ? scratch / BLOB_BYTES : 1;
	r->scratch_bytes = p->nobj * BLOB_BYTES;
	p->rng = seed * 0x9e3779b97f4a7c15ull | 1;
	p->stop = o->stop;
	for (unsigned i = 0; i < 64; i++) {
		p->slot[i].buf = bufs + (size_t)i * BLOB_BYTES;
		content_fill(p->slot[i].buf, PROBE_OBJ_BASE, 0, BLOB_BYTES);
	}
	/* The container (an existing one is success). */
	struct bk_req mk = { 0 };
	int fin = 0;
	mk.done = one_done;
	mk.ctx = &fin;
	if (blob_create_container(&b, &mk) < 0 || loop_run(l, UINT64_MAX, e) < 0) {
		if (!e->msg[0])
			err_set(e, ERR_FAIL, "%s: cannot create the container", where);
		goto out;
	}
	if (!fin || mk.status != BK_OK) {
		err_set(e, ERR_FAIL, "%s: cannot reach or create the container: %s", where,
			blob_last_error(&b)[0] ? blob_last_error(&b) : "no answer");
		goto out;
	}
	/* The scratch set: nobj blobs of 1 MiB, 8 Put Blob in flight. */
	filled = 1;
	p->mode = P_FILL;
	uint64_t fill_t0 = loop_now(l);
	if (drain(p, 8, e) < 0)
		goto out;
	if (p->failed) {
		err_set(e, ERR_FAIL, "%s: writing the scratch set failed: %s", where, blob_last_error(&b));
		goto out;
	}
	r->fill_seconds = (double)(loop_now(l) - fill_t0) / 1e9;
	r->fill_bps = r->fill_seconds > 0 ? (double)r->scratch_bytes / r->fill_seconds : 0;
	/* The small blobs, after the scratch set's ids (probe.h). */
	uint64_t nbig = p->nobj;
	p->obj_first = nbig;
	p->nobj = PROBE_COLD_SMALL_BLOBS;
	p->obj_bytes = sizes[0];
	p->next_off = 0;
	nsmall = PROBE_COLD_SMALL_BLOBS;
	if (drain(p, 8, e) < 0)
		goto out;
	if (p->failed) {
		err_set(e, ERR_FAIL, "%s: writing the small blobs failed: %s", where, blob_last_error(&b));
		goto out;
	}
	/* The sweep: GETs and Put Blobs of whole blobs, 4 KiB ones of the
	 * small blobs and 1 MiB ones of the scratch set.  The QD1 4 KiB
	 * points, the distributions of ttfb and put_ttfb, keep going until
	 * PROBE_COLD_MIN_SAMPLES are in. */
	p->mode = P_SWEEP;
	for (int w = 0; w < 2; w++)
		for (int sz = 0; sz < PROBE_NSIZE; sz++)
			for (int q = 0; q < PROBE_NQD; q++) {
				p->write = w;
				p->size = sizes[sz];
				p->obj_first = sz ? 0 : nbig;
				p->nobj = sz ? nbig : nsmall;
				p->obj_bytes = sz ? BLOB_BYTES : sizes[0];
				p->min_ops = !sz && q == 0 ? PROBE_COLD_MIN_SAMPLES : 0;
				if (run_point(p, qds[q], seconds, &r->pt[w][sz][q], e) < 0) {
					char why[sizeof e->msg];
					snprintf(why, sizeof why, "%s", e->msg);
					err_set(e, ERR_FAIL, "%s: %s: %s", where, why,
						blob_last_error(&b)[0] ? blob_last_error(&b) : "no error from the service");
					goto out;
				}
			}
	p->min_ops = 0;
	/* One connection's rate: a QD1 GET of b bytes takes F + b / c, so
	 * c = (1 MiB - 4 KiB) / (E[T_1MiB] - E[T_4KiB]) at QD1. */
	{
		const struct probe_point *small = &r->pt[0][0][0], *big = &r->pt[0][1][0];
		double dt_ns = big->mean_ns - small->mean_ns;
		r->conn_bps = dt_ns > 0 ? (double)(big->size_bytes - small->size_bytes) / (dt_ns / 1e9) : big->bps;
	}
	rc = 0;
out:
	if (filled && p) {
		blob_counters(&b, loop_now(l), r);
		p->obj_first = 0; /* the scratch set's ids, then the small blobs' */
		p->nobj = r->scratch_bytes / BLOB_BYTES + nsmall;
		blob_cleanup(p, r);
		if (rc == 0 && r->left) {
			if (r->left == UINT64_MAX)
				err_set(e, ERR_FAIL, "%s: cannot list the scratch blobs after deleting them (%s): "
						     "check for blobs under \"%s\"", where, blob_last_error(&b), r->prefix);
			else
				err_set(e, ERR_FAIL, "%s: %llu scratch blobs are left under \"%s\" after the clean-up (%s); "
						     "delete them by hand", where, (unsigned long long)r->left, r->prefix,
					blob_last_error(&b));
			rc = -1;
		} else if (rc < 0 && r->left) {
			/* The probe failed, and its clean-up with it (the
			 * endpoint gone): say where its blobs may be. */
			size_t n = strlen(e->msg);
			if (r->left == UINT64_MAX)
				snprintf(e->msg + n, sizeof e->msg - n,
					 "; its scratch blobs may be left under \"%s\" (the clean-up could not list "
					 "them): delete them by hand", r->prefix);
			else
				snprintf(e->msg + n, sizeof e->msg - n,
					 "; %llu of its scratch blobs are left under \"%s\": delete them by hand",
					 (unsigned long long)r->left, r->prefix);
		}
	}
	b.ops->destroy(b.self);
	free(bufs);
	if (p)
		free(p->lat);
	free(p);
	return rc;
}

/* ---- the client's work per byte ---- */

#define CLIENT_BUF (64u << 20)
#define CLIENT_PASSES 5

int probe_client(struct probe_client *c, struct err *e)
{
	void *buf = NULL;
	if (posix_memalign(&buf, 2u << 20, CLIENT_BUF) != 0)
		return err_set(e, ERR_FAIL, "out of memory (a %u MiB buffer)", CLIENT_BUF >> 20);
	double fill[CLIENT_PASSES], check[CLIENT_PASSES];
	int rc = 0;
	for (int pass = 0; pass < CLIENT_PASSES && rc == 0; pass++) {
		double t = loop_thread_cpu_s();
		for (size_t off = 0; off < CLIENT_BUF; off += 1u << 20)
			content_fill((char *)buf + off, PROBE_OBJ_BASE + off, 0, 1u << 20);
		fill[pass] = loop_thread_cpu_s() - t;
		t = loop_thread_cpu_s();
		uint64_t bad;
		for (size_t off = 0; off < CLIENT_BUF && rc == 0; off += 1u << 20)
			if (content_check((char *)buf + off, PROBE_OBJ_BASE + off, 0, 1u << 20, &bad) < 0)
				rc = err_set(e, ERR_FAIL, "content check failed on content just generated (byte %llu)",
					     (unsigned long long)bad);
		check[pass] = loop_thread_cpu_s() - t;
	}
	free(buf);
	if (rc < 0)
		return -1;
	qsort(fill, CLIENT_PASSES, sizeof *fill, cmp_double);
	qsort(check, CLIENT_PASSES, sizeof *check, cmp_double);
	double f = fill[CLIENT_PASSES / 2], k = check[CLIENT_PASSES / 2];
	c->fill_bps = f > 0 ? CLIENT_BUF / f : 0;
	c->check_bps = k > 0 ? CLIENT_BUF / k : 0;
	return 0;
}

int probe_write_client(const struct probe_client *c, FILE *f)
{
	fprintf(f, "\n[client]\n; threads: tierref's one event loop thread does the node's I/O work (models/client.h);\n"
		   "; the tiers' cpu_* keys are its CPU per operation\nthreads = 1\n");
	fprintf(f, "; reap_batch: the loop hands the kernel what its callbacks queued when it has no more\n"
		   "; completions to handle, and after every %d it handles (refimpl/loop.h): configuration\n"
		   "reap_batch = %d\n", LOOP_REAP_BATCH, LOOP_REAP_BATCH);
	fprintf(f, "; check_bw: content_check of %u MiB in 1 MiB pieces, median of %d passes of thread CPU\n"
		   "; time%s\ncheck_bw = %.6gMB/s\n", CLIENT_BUF >> 20, CLIENT_PASSES,
		c->check_bps > 0 ? "" : " (too fast to time: free)", c->check_bps / 1e6);
	fprintf(f, "; fill_bw: content_fill of the %u MiB in 1 MiB pieces, median of %d passes\nfill_bw = %.6gMB/s\n",
		CLIENT_BUF >> 20, CLIENT_PASSES, c->fill_bps / 1e6);
	return ferror(f) ? -1 : 0;
}

/* ---- the fit ---- */

static const struct probe_point *best(const struct probe_result *r, int w, int s, int by_ops)
{
	const struct probe_point *b = &r->pt[w][s][0];
	for (int q = 1; q < PROBE_NQD; q++) {
		const struct probe_point *x = &r->pt[w][s][q];
		if (by_ops ? x->ops_per_s > b->ops_per_s : x->bps > b->bps)
			b = x;
	}
	return b;
}

/* The smallest queue depth reaching 90% of the best bandwidth. */
static unsigned saturation_qd(const struct probe_result *r, int w, int s)
{
	double top = best(r, w, s, 0)->bps;
	for (int q = 0; q < PROBE_NQD; q++)
		if (r->pt[w][s][q].bps >= 0.9 * top)
			return r->pt[w][s][q].qd;
	return qds[PROBE_NQD - 1];
}

/* The plateau of one size's bandwidth against queue depth: the median of
 * the points from the saturation depth on.  Not the best point: the best
 * of several short windows is biased up by their noise, and more so the
 * flatter the device.  This machine's virtual disk read 1 MiB blocks at
 * 2.61, 3.19, 2.66 and 2.76 GB/s at QD 1, 4, 16 and 64 in one probe, and
 * at 2.60, 2.78, 2.67 and 2.79 in another a minute earlier: best 3.19 and
 * 2.79, plateaus 2.76 and 2.73; `tierref run` read 1.41 GB/s from the
 * hot tier in both runs that followed, and the model with the best point
 * predicted 1.63 and 1.43.  GSL's median of the sorted values (the mean
 * of the middle two for an even count). */
/* The median of v[0..n), which it sorts. */
static double median(double *v, size_t n)
{
	gsl_sort(v, 1, n);
	return gsl_stats_median_from_sorted_data(v, 1, n);
}

/* A point's content work (its check for reads, generation for writes)
 * per operation, ns; 0 with no operation. */
static double point_content_ns(const struct probe_point *p)
{
	uint64_t ns = p->write ? p->fill_ns : p->check_ns;
	return p->ops ? (double)ns / (double)p->ops : 0;
}

static double plateau_bps(const struct probe_result *r, int w, int s)
{
	unsigned sat = saturation_qd(r, w, s);
	double v[PROBE_NQD];
	size_t n = 0;
	for (int q = 0; q < PROBE_NQD; q++)
		if (r->pt[w][s][q].qd >= sat)
			v[n++] = r->pt[w][s][q].bps;
	return median(v, n);
}

static void sweep_comment(const struct probe_result *r, FILE *f)
{
	if (r->kind == PROBE_COLD)
		fprintf(f, "; sweep (%.2f s per point; GETs and Put Blobs of whole blobs under \"%s\", deleted\n"
			   "; after: 4 KiB ones of %d blobs of 4 KiB, 1 MiB ones of a scratch set of %llu blobs of\n"
			   "; 1 MiB):\n",
			r->pt[0][1][0].seconds, r->prefix, PROBE_COLD_SMALL_BLOBS,
			(unsigned long long)(r->scratch_bytes / BLOB_BYTES));
	else
		fprintf(f, "; sweep (%.2f s per point, random size-aligned offsets in a %.0f MiB scratch set):\n",
			r->pt[0][0][0].seconds, r->scratch_bytes / 1048576.0);
	for (int w = 0; w < 2; w++)
		for (int s = 0; s < PROBE_NSIZE; s++) {
			if (!r->pt[w][s][0].ops)
				continue; /* not measured */
			if (r->kind == PROBE_COLD)
				fprintf(f, ";   %-5s %4s:", w ? "PUT" : "GET", s ? "1MiB" : "4KiB");
			else
				fprintf(f, ";   %-5s %4s:", w ? "write" : "read", s ? "1MiB" : "4KiB");
			for (int q = 0; q < PROBE_NQD; q++) {
				const struct probe_point *p = &r->pt[w][s][q];
				if (r->kind == PROBE_COLD) /* ms: the line stays under cfg's limit */
					fprintf(f, " QD%u %.0f/s %.1fMB/s p50 %.3gms;", p->qd, p->ops_per_s, p->bps / 1e6,
						p->p50_ns / 1e6);
				else
					fprintf(f, " QD%u %.0f/s %.1fMB/s p50 %.0fus;", p->qd, p->ops_per_s, p->bps / 1e6,
						p->p50_ns / 1e3);
			}
			fputc('\n', f);
			fprintf(f, ";     loop thread CPU per op:");
			for (int q = 0; q < PROBE_NQD; q++)
				fprintf(f, " QD%u %.1fus;", r->pt[w][s][q].qd, r->pt[w][s][q].cpu_ns_per_op / 1e3);
			fputc('\n', f);
			if (r->kind == PROBE_COLD)
				continue; /* the Blob tier's content work is not timed apart: no line of zeros */
			fprintf(f, ";     its content work per op (%s):", w ? "generation" : "check");
			for (int q = 0; q < PROBE_NQD; q++) {
				const struct probe_point *p = &r->pt[w][s][q];
				fprintf(f, " QD%u %.2fus;", p->qd, point_content_ns(p) / 1e3);
			}
			fputc('\n', f);
		}
	if (r->kind == PROBE_COLD)
		return;
	fprintf(f, "; appends: QD1 writes extending %d new files per size (the sweep's writes above overwrite\n"
		   "; the scratch set); the scratch set's own write, 1 MiB writes of new files at QD 8: %.1f MB/s\n",
		PROBE_APPEND_OBJS, r->fill_bps / 1e6);
	for (int s = 0; s < PROBE_NSIZE; s++) {
		const struct probe_point *p = &r->append[s];
		fprintf(f, ";   write %4s: %llu writes, mean %.1f us, p50 %.1f us, p99 %.1f us, loop thread CPU %.1f us\n",
			s ? "1MiB" : "4KiB", (unsigned long long)p->ops, p->mean_ns / 1e3, p->p50_ns / 1e3,
			p->p99_ns / 1e3, p->cpu_ns_per_op / 1e3);
	}
}

/* empirical(V:W, ...) of the QD1 4 KiB latency bins less the transfer
 * time and less cpu_ns (the client model's CPU for it); W is the bin's
 * width in 1/1000.  V is in us below 1 ms, in ms
 * below 1 s, else in s, with 4 significant digits: never an exponent, and
 * the line stays under cfg's 198-byte limit at any latency. */
static void empirical(const struct probe_point *p, double bps, double cpu_ns, FILE *f)
{
	double xfer = (bps > 0 ? p->size_bytes / bps * 1e9 : 0) + cpu_ns;
	fputs("empirical(", f);
	for (int i = 0; i < PROBE_QUANTILES; i++) {
		double v = p->q_ns[i] - xfer;
		v = v > 0 ? v : 0;
		double scale = v < 999.95e3 ? 1e3 : v < 999.95e6 ? 1e6 : 1e9;
		fprintf(f, "%s%.4g%s:%.0f", i ? "," : "", v / scale, scale == 1e3 ? "us" : scale == 1e6 ? "ms" : "s",
			(bin_edge[i + 1] - bin_edge[i]) * 1000);
	}
	fputs(")\n", f);
}

/* The loop thread's busy share in a point: its CPU per operation, and the
 * content work (checks, generation) it did in the window besides, which
 * the point's CPU per operation leaves out.  Without the content work, a
 * warm tier whose 1 MiB buffered reads kept the thread busy (a copy of
 * 55 us and a check of 65 us each) looked half idle, and its front end
 * was written as a device limit that the client model then charged again
 * on top of the CPU: the copy counted twice. */
static double busy(const struct probe_point *p)
{
	double content = p->seconds > 0 ? (double)(p->check_ns + p->fill_ns) / 1e9 / p->seconds : 0;
	return p->cpu_ns_per_op * p->ops_per_s / 1e9 + content;
}

#define CPU_BOUND 0.9 /* busy at or above: the client, not the device, was the limit */

/* The client's cost per operation (models/client.h), op + wake / n +
 * size / bw at n operations in flight, fitted to the points' CPU per
 * operation, which is without the content work (timed apart: the client
 * model charges it at cpu_check_bw and cpu_fill_bw).  op and wake through
 * the 4 KiB points at QD1 and the deepest QD; bw through all four 1 MiB
 * points: the median of their CPU per operation less op + wake / QD is
 * the time of 1 MiB (bw 0, free, when it costs no more).
 *
 * All four, not the bandwidth plateau's alone (as until 2026-11-26): the
 * deepest point is dearer per byte wherever the device or server is the
 * limit, and a plateau that starts late is half that point.  A Blob
 * probe's 1 MiB Put Blobs took 267, 352, 364 and 752 us of CPU per MiB at
 * QD 1, 4, 16 and 64 (Azurite saturated at 16, and at 64 the client's
 * sends met full socket buffers), so the plateau's median made a MiB cost
 * 558 us, where a cold-checkpoint run, which drains one piece at a time,
 * spent under 340 us a Put Block: re-predicted with the median of all
 * four (358 us), its client-busy row went from +3.13 to +0.89 points and
 * its AU from -10.2 to -9.2, the other five cases' rows by under 0.1
 * point (HARDWARE.md, set 55).  A median, not the best point: where the
 * client is the limit, the best bandwidth is the window whose CPU ran
 * fastest, biased as the best of several is.  A KV-cache probe's
 * warm 1 MiB reads took 59.8, 54.3, 58.1 and 66.4 us of CPU at QD 1, 4,
 * 16 and 64; the best point (QD 4) made the copy 20.1 GB/s, the median
 * 18.5, and re-predicted with the median, the case's throughput error
 * went from +13.3%, +33.8%, +61.2% and +59.0% to +7.3%, +32.4%, +57.9%
 * and +51.6% (medians of three runs, four sets), the other cases' by
 * under 0.1 point.  The 4 KiB transfer term is tiny, and three rounds
 * settle it.  content_bps and content_op_ns, the content work (check
 * for reads, generation for writes: content_op_ns + bytes /
 * content_bps), only add that work back in cpu_cost_ns. */
struct cpu_fit {
	double op_ns, wake_ns, bps;
	double content_bps;  /* check (reads) or fill (writes); 0: not known */
	double content_op_ns; /* its cost per call (content_op_ns) */
	double large_ns;     /* the median 1 MiB time the bw is from */
	const struct probe_point *one, *deep;
};

/* The content work's cost per call (cpu_check_op, cpu_fill_op): the
 * median over the 4 KiB points of reads (w 0, checks) or writes (w 1,
 * generation) of their content time per operation less 4 KiB /
 * content_bps; 0 when none was timed.  A rate per byte alone leaves it
 * out, and on small pieces it is most of the work: the 4 KiB checks of a
 * probe on this machine took 0.78-1.15 us each, where 4 KiB at its
 * cpu_check_bw (16-18 GB/s) is 0.24 us (the call, and the two thread-CPU
 * clock reads that time it, which a run pays as well: refimpl/filebk.c,
 * check_timed). */
static double content_op_ns(const struct probe_result *r, int w, double content_bps)
{
	double v[PROBE_NQD];
	size_t k = 0;
	for (int q = 0; q < PROBE_NQD; q++) {
		const struct probe_point *p = &r->pt[w][0][q];
		double per = point_content_ns(p);
		if (per == 0)
			continue;
		per -= content_bps > 0 ? p->size_bytes / content_bps * 1e9 : 0;
		v[k++] = per > 0 ? per : 0;
	}
	return k ? median(v, k) : 0;
}

/* An operation's wake-up, (QD1 - QD n) x n / (n - 1) of the CPU per
 * operation at QD1 (one) and QD n (deep), so that op + wake / QD meets
 * both; 0 when the deeper point costs no less. */
static double wake_ns(const struct probe_point *one, const struct probe_point *deep)
{
	double c1 = one->cpu_ns_per_op, cn = deep->cpu_ns_per_op, n = deep->qd;
	return c1 > cn && n > 1 ? (c1 - cn) * n / (n - 1) : 0;
}

static struct cpu_fit cpu_fit(const struct probe_result *r, int w, double content_bps)
{
	struct cpu_fit c = { .one = &r->pt[w][0][0], .deep = &r->pt[w][0][PROBE_NQD - 1],
			     .content_bps = content_bps, .content_op_ns = content_op_ns(r, w, content_bps) };
	double cn = c.deep->cpu_ns_per_op, n = c.deep->qd;
	c.wake_ns = wake_ns(c.one, c.deep);
	double x = 0; /* 4 KiB / bw */
	for (int round = 0; round < 3; round++) {
		c.op_ns = cn - c.wake_ns / n - x;
		if (c.op_ns < 0)
			c.op_ns = 0;
		double v[PROBE_NQD];
		size_t k = 0;
		for (int q = 0; q < PROBE_NQD; q++) {
			const struct probe_point *p = &r->pt[w][1][q];
			v[k++] = p->cpu_ns_per_op - c.op_ns - c.wake_ns / p->qd;
		}
		c.large_ns = median(v, k);
		c.bps = c.large_ns > 0 ? (double)r->pt[w][1][0].size_bytes / c.large_ns * 1e9 : 0;
		x = c.bps > 0 ? c.one->size_bytes / c.bps * 1e9 : 0;
	}
	return c;
}

/* All the CPU the client model charges an operation of `bytes` alone
 * (n = 1), as at QD1. */
static double cpu_cost_ns(const struct cpu_fit *c, double bytes)
{
	return c->op_ns + c->wake_ns + (c->bps > 0 ? bytes / c->bps * 1e9 : 0) +
	       (c->content_bps > 0 ? bytes / c->content_bps * 1e9 : 0) + c->content_op_ns;
}

static void write_cpu(const struct cpu_fit *c, const char *op, FILE *f)
{
	int rd = strcmp(op, "read") == 0;
	fprintf(f, "; cpu_%s_op, cpu_%s_wake: the loop thread's CPU per %s, op + wake / n at n in flight,\n"
		   "; through 4 KiB at QD1 (%.2f us) and at QD %u (%.2f us), %s\n"
		   "cpu_%s_op = %.4gus\n; cpu_%s_wake: the part an operation alone pays, (QD1 - QD %u) x %u / %u\n"
		   "cpu_%s_wake = %.4gus\n"
		   "; cpu_%s_bw: its part per byte, through the 1 MiB points at every QD: the median of\n"
		   "; their CPU per op less op + wake / QD, %.1f us%s\n"
		   "cpu_%s_bw = %.6gMB/s\n",
		op, op, op, c->one->cpu_ns_per_op / 1e3, c->deep->qd, c->deep->cpu_ns_per_op / 1e3,
		rd ? "without the\n; check of the bytes read (cpu_check_bw)"
		   : "without the\n; generation of the bytes written (cpu_fill_bw)",
		op, c->op_ns / 1e3, op, c->deep->qd, c->deep->qd, c->deep->qd - 1, op, c->wake_ns / 1e3, op,
		c->large_ns / 1e3, c->bps > 0 ? "" : " (free: no dearer)", op, c->bps / 1e6);
}

/* cpu_check_bw and cpu_fill_bw: the tier's content work, as timed inside
 * its backend (probe.h); nothing when none was timed (the client's
 * check_bw and fill_bw then stand). */
static void write_content(const struct probe_result *r, FILE *f)
{
	if (r->cpu_check_bps > 0)
		fprintf(f, "; cpu_check_bw: the backend's checks of the 1 MiB reads above (%.0f MiB), bytes over the\n"
			   "; loop thread's CPU time in them: the check of bytes this tier has just delivered\n"
			   "cpu_check_bw = %.6gMB/s\n", r->cpu_check_bytes / 1048576.0, r->cpu_check_bps / 1e6);
	if (r->cpu_fill_bps > 0)
		fprintf(f, "; cpu_fill_bw: the same of the backend's generation of the bytes it wrote, the scratch\n"
			   "; set and the 1 MiB writes above (%.0f MiB)\ncpu_fill_bw = %.6gMB/s\n",
			r->cpu_fill_bytes / 1048576.0, r->cpu_fill_bps / 1e6);
	for (int w = 0; w < 2; w++) {
		double bps = w ? r->cpu_fill_bps : r->cpu_check_bps, op = content_op_ns(r, w, bps);
		if (bps > 0 && op > 0)
			fprintf(f, "; cpu_%s_op: its cost per call, the median over the 4 KiB %s points of their\n"
				   "; content time per op less 4 KiB / cpu_%s_bw\ncpu_%s_op = %.4gus\n",
				w ? "fill" : "check", w ? "write" : "read", w ? "fill" : "check", w ? "fill" : "check",
				op / 1e3);
	}
}

/* A device limit: the point's rate, or 100 times it, not a limit, when
 * the loop thread was the limit there. */
static double device_limit(const struct probe_point *p, double rate, const char *what, FILE *f)
{
	if (busy(p) < CPU_BOUND)
		return rate;
	fprintf(f, "; %s: not a limit; at its best point (QD %u) the loop thread was busy %.0f%%, so the\n"
		   "; client's CPU (cpu_*) was the limit there\n", what, p->qd, 100 * busy(p));
	return rate * 100;
}

/* The directory's writes (model = warm): write_bw and write_latency, so
 * that the model gives the QD1 mean of both the 4 KiB and the 1 MiB write
 * (probe.h).  A buffered write is not the read's round trip: io_uring
 * hands it to a kernel worker, which copies it into the page cache. */
static void warm_writes(const struct probe_result *r, const struct cpu_fit *cw, FILE *f)
{
	const struct probe_point *w1 = &r->append[0], *wl = &r->append[1];
	double c1 = cpu_cost_ns(cw, (double)w1->size_bytes); /* w1: 4 KiB */
	double d1 = w1->mean_ns - c1, dl = wl->mean_ns - cpu_cost_ns(cw, (double)wl->size_bytes);
	/* The CPU charged (the sweep's fit, overwrites) can pass the appends'
	 * whole mean (buffered 4 KiB appends of 4 us against 7 us charged):
	 * below 0 the difference made write_bw the rate of 1 MiB over more
	 * than its own time.  Taken at 0, said so. */
	int over = d1 < 0;
	if (over)
		d1 = 0;
	double wbw = dl > d1 ? (double)(wl->size_bytes - w1->size_bytes) / (dl - d1) * 1e9 : 0;
	if (over)
		fprintf(f, "; (the client's CPU for a 4 KiB write, %.1f us, is more than the appends' mean, %.1f us:\n"
			   "; the model's 4 KiB writes will be slower than these)\n",
			c1 / 1e3, w1->mean_ns / 1e3);
	fprintf(f, "; write_bw: one write's rate beyond the client's CPU, (1 MiB - 4 KiB) / (%.1f us - %.1f us):\n"
		   "; the mean latency of the QD1 appends (writes extending new files, as a run's fills,\n"
		   "; drains and checkpoints write) less the client's CPU for it, 1 MiB and 4 KiB%s\n",
		dl / 1e3, d1 / 1e3, wbw > 0 ? "" : " (not a limit: the 1 MiB write took no longer)");
	fprintf(f, "write_bw = %.6gMB/s\n", wbw / 1e6);
	fprintf(f, "; write_latency: the QD1 4 KiB appends' latency in %d bins, tail kept (%llu writes;\n"
		   "; p50 %.1f us, p99 %.1f us), less 4 KiB / write_bw and the client's CPU for it (%.2f us)\n"
		   "write_latency = ", PROBE_QUANTILES, (unsigned long long)w1->ops, w1->p50_ns / 1e3, w1->p99_ns / 1e3,
		c1 / 1e3);
	empirical(w1, wbw, c1, f);
}

/* cpu_open and cpu_close (models/fsclient.h): the loop's own part of an
 * open, what the client model does not already charge, the thread's CPU
 * per operation of the QD1 opens pass less the model's charge for a 4 KiB
 * read alone and the wake-up of the open's turn (none below 0); and the
 * CPU per close.  cpu_create is not written, only what the creates cost
 * the thread: there each step's completion finds the loop asleep, and
 * the wake-ups that cost are not the system calls' own part, which is
 * what a run's busier loop pays.  (Set from the QD1 pass, as cpu_open is,
 * it was 24 us for the hot tier and made make validate's replay run
 * charge its thread 1.38 times the CPU it used.  The QD 16 pass is
 * closer to a run, but no steadier: its creates cost 9-24 us each in the
 * 24 tiers of make validate's set 22, and 53 and 102 us in another probe
 * the same morning.) */
static void open_cpu(const struct probe_result *r, const struct cpu_fit *cr, FILE *f)
{
	double rd = cpu_cost_ns(cr, 4096);
	double o = fmax(0, r->open_cpu_ns - rd - cr->wake_ns);
	fprintf(f, "; cpu_open: the loop's CPU for an open's system calls, charged as it starts: the\n"
		   "; QD1 opens' %.1f us per 4 KiB read (the median of %d runs of %d files) less the\n"
		   "; read's %.1f us and its turn's wake %.1f us\n"
		   "cpu_open = %.4gus\n",
		r->open_cpu_ns / 1e3, PROBE_FILE_RUNS, PROBE_FILES / PROBE_FILE_RUNS, rd / 1e3, cr->wake_ns / 1e3,
		o / 1e3);
	fprintf(f, "; cpu_create: not measured (refimpl/probe.c, open_cpu); the creates and their 4 KiB\n"
		   "; writes cost the thread %.1f us each at QD1 and %.1f us at QD %d, wake-ups included\n"
		   "; (at QD1 the median run, as for cpu_open)\n",
		r->create_cpu_ns / 1e3, r->create_qd_cpu_ns / 1e3, PROBE_CREATE_QD);
	fprintf(f, "; cpu_close: the CPU per close of the %d descriptors those passes left\n"
		   "cpu_close = %.4gus\n", 2 * PROBE_FILES, r->close_cpu_ns / 1e3);
}

/* [tier NAME] of the Blob tier (probe.h). */
static int write_cold(const struct probe_result *r, const char *tier, FILE *f)
{
	const struct probe_point *eg = best(r, 0, 1, 0), *in = best(r, 1, 1, 0), *g4 = best(r, 0, 0, 1),
				 *t1 = &r->pt[0][0][0], *g1 = &r->pt[0][1][0];
	double egress = plateau_bps(r, 0, 1), ingress = plateau_bps(r, 1, 1);
	/* The model moves a GET's bytes at min(egress, connection_bw). */
	double rate = r->conn_bps < egress ? r->conn_bps : egress;
	fprintf(f, "\n; tier %s: measured on %s (Azure Blob REST, %s) by tierref probe\n", tier, r->dir, r->auth);
	sweep_comment(r, f);
	fprintf(f, "[tier %s]\nmodel = cold\n", tier);
	/* The client's CPU per request (its HTTP, TLS if any, and signing),
	 * which the model charges on the loop thread before and after the
	 * request's time at the service, as it does a file's. */
	struct cpu_fit cr = cpu_fit(r, 0, 0), cw = cpu_fit(r, 1, 0);
	fprintf(f, "; ttfb: the QD1 latency of GETs of whole 4 KiB blobs in %d bins, tail kept (%llu GETs; p50 %.3g ms,\n"
		   "; p99 %.3g ms, mean %.3g ms), less 4 KiB / min(egress, connection_bw) and the client's\n"
		   "; CPU for it (%.2f us), which the model adds back\n"
		   "ttfb = ", PROBE_QUANTILES, (unsigned long long)t1->ops, t1->p50_ns / 1e6, t1->p99_ns / 1e6,
		t1->mean_ns / 1e6, cpu_cost_ns(&cr, 4096) / 1e3);
	empirical(t1, rate, cpu_cost_ns(&cr, 4096), f);
	const struct probe_point *p1 = &r->pt[1][0][0];
	double in_rate = r->conn_bps < ingress ? r->conn_bps : ingress;
	fprintf(f, "; put_ttfb: the same of the QD1 4 KiB Put Blob latency (%llu PUTs; p50 %.3g ms, p99 %.3g\n"
		   "; ms, mean %.3g ms), less 4 KiB / min(ingress, connection_bw) and the client's CPU for it\n"
		   "; (%.2f us)\nput_ttfb = ", (unsigned long long)p1->ops, p1->p50_ns / 1e6, p1->p99_ns / 1e6,
		p1->mean_ns / 1e6, cpu_cost_ns(&cw, 4096) / 1e3);
	empirical(p1, in_rate, cpu_cost_ns(&cw, 4096), f);
	fprintf(f, "; connection_bw: one connection's rate, (1 MiB - 4 KiB) / (mean QD1 1 MiB GET %.3g ms - mean\n"
		   "; QD1 4 KiB GET %.3g ms), so that ttfb + size / connection_bw is both QD1 means (the QD1\n"
		   "; 1 MiB GET bandwidth, ttfb included, is %.6g MB/s)\n"
		   "connection_bw = %.6gMB/s\n", g1->mean_ns / 1e6, t1->mean_ns / 1e6, g1->bps / 1e6, r->conn_bps / 1e6);
	fprintf(f, "; egress: the plateau of 1 MiB GET bandwidth over QD 1-64, the median of the points\n"
		   "; from QD %u, where it saturates (90%% of the best, %.6g MB/s at QD %u)\n"
		   "egress = %.6gMB/s\n", saturation_qd(r, 0, 1), eg->bps / 1e6, eg->qd, egress / 1e6);
	fprintf(f, "; ingress: the same of 1 MiB Put Blob bandwidth, from QD %u (the best, %.6g MB/s at QD %u;\n"
		   "; the scratch set's own write, %llu blobs at QD 8, ran at %.6g MB/s)\n"
		   "ingress = %.6gMB/s\n", saturation_qd(r, 1, 1), in->bps / 1e6, in->qd,
		(unsigned long long)(r->scratch_bytes / BLOB_BYTES), r->fill_bps / 1e6, ingress / 1e6);
	fprintf(f, "; account_rate, blob_rate: not measured; the model's defaults stand (models/cold.c).  The\n"
		   "; endpoint answered %llu of %llu requests with 503 (%llu retries; the latencies above leave\n"
		   "; the retried requests out, and the bandwidths hold their backoffs), and one that does not\n"
		   "; throttle cannot show its limits: the best 4 KiB GET rate, %.0f/s at QD %u, is what this\n"
		   "; client reached, not the account's limit\n",
		(unsigned long long)r->throttled, (unsigned long long)r->requests, (unsigned long long)r->retries,
		g4->ops_per_s, g4->qd);
	write_cpu(&cr, "read", f);
	write_cpu(&cw, "write", f);
	return ferror(f) ? -1 : 0;
}

/* The hot tier's discard_bw (probe.h, "Discards"), with what it is
 * from. */
static void discard_key(const struct probe_result *r, FILE *f)
{
	const struct blkstat *d = &r->discard_delta;
	double bytes = (double)d->discard_sectors * 512, busy_s = (double)d->io_ticks_ms / 1e3;
	if (!r->discard_ok) {
		fprintf(f, "; discard_bw: 0 (free), not measured: %s\n", r->discard_dev[0] ? r->discard_dev : "no probe");
	} else if (bytes <= 0) {
		fprintf(f, "; discard_bw: 0 (free): the scratch set punched in 1 MiB ranges (%.0f MiB) sent the device\n"
			   "; no discard (%s): a file system mounted without discard, or a device without it\n",
			r->discard_punched / 1048576.0, r->discard_dev);
	} else if (busy_s <= 0) {
		fprintf(f, "; discard_bw: 0 (free): the device discarded %.6g MB in %llu requests for the scratch set's\n"
			   "; punches (%.0f MiB in 1 MiB ranges) and was not busy for a millisecond (%s)\n",
			bytes / 1e6, (unsigned long long)d->discards, r->discard_punched / 1048576.0, r->discard_dev);
	} else {
		fprintf(f, "; discard_bw: the device discarded %.6g MB in %llu requests (%.3g MiB each) for the\n"
			   "; scratch set's punches (%.0f MiB in 1 MiB ranges, two syncfs) and was busy %llu ms\n"
			   "; (io_ticks, %s)\n",
			bytes / 1e6, (unsigned long long)d->discards, d->discards ? bytes / 1048576.0 / (double)d->discards : 0,
			r->discard_punched / 1048576.0, (unsigned long long)d->io_ticks_ms, r->discard_dev);
		fprintf(f, "discard_bw = %.6gMB/s\n", bytes / busy_s / 1e6);
		return;
	}
	fprintf(f, "discard_bw = 0\n");
}

int probe_write_preset(const struct probe_result *r, const struct probe_client *pc, const char *tier, FILE *f)
{
	if (r->kind == PROBE_COLD)
		return write_cold(r, tier, f);
	const struct probe_point *rb = best(r, 0, 1, 0), *wb = best(r, 1, 1, 0), *ri = best(r, 0, 0, 1),
				 *wi = best(r, 1, 0, 1), *r1 = &r->pt[0][0][0], *w1 = &r->pt[1][0][0];
	double par = ceil(ri->ops_per_s * r1->mean_ns / 1e9);
	double check_bps = r->cpu_check_bps > 0 ? r->cpu_check_bps : pc ? pc->check_bps : 0;
	double fill_bps = r->cpu_fill_bps > 0 ? r->cpu_fill_bps : pc ? pc->fill_bps : 0;
	struct cpu_fit cr = cpu_fit(r, 0, check_bps), cw = cpu_fit(r, 1, fill_bps);
	fprintf(f, "\n; tier %s: measured on %s (%s) by tierref probe\n", tier, r->dir,
		r->kind == PROBE_HOT ? (r->direct ? "file backend, O_DIRECT" : "file backend, buffered")
				     : "directory backend, buffered");
	sweep_comment(r, f);
	fprintf(f, "[tier %s]\n", tier);
	if (r->kind == PROBE_HOT) {
		fprintf(f, "model = nvme\n; one device; stripe larger than any operation: one sub-operation each\n"
			   "drives = 1\nstripe = 1GiB\n");
		double rplat = plateau_bps(r, 0, 1), rbw = device_limit(rb, rplat, "read_bw", f);
		if (rbw == rplat)
			fprintf(f, "; read_bw: the plateau of 1 MiB read bandwidth over QD 1-64, the median of the\n"
				   "; points from QD %u, where it saturates (90%% of the best, %.6g MB/s at QD %u)\n",
				saturation_qd(r, 0, 1), rb->bps / 1e6, rb->qd);
		fprintf(f, "read_bw = %.6gMB/s\n", rbw / 1e6);
		double wplat = plateau_bps(r, 1, 1);
		int sustained = r->fill_bps > 0 && r->fill_bps < wplat;
		double wbw = sustained ? r->fill_bps : wplat;
		if (sustained)
			fprintf(f, "; write_bw: sustained, the %.0f MiB scratch set written in 1 MiB writes at QD 8 in %.2f s\n"
				   "; (the sweep's plateau of 1 MiB write bandwidth, %.6g MB/s from QD %u, fits in a cache)\n"
				   "write_bw = %.6gMB/s\n",
				r->scratch_bytes / 1048576.0, r->fill_seconds, wplat / 1e6, saturation_qd(r, 1, 1),
				wbw / 1e6);
		else
			fprintf(f, "; write_bw: the plateau of 1 MiB write bandwidth over QD 1-64, the median of the\n"
				   "; points from QD %u, where it saturates (90%% of the best, %.6g MB/s at QD %u)\n"
				   "write_bw = %.6gMB/s\n",
				saturation_qd(r, 1, 1), wb->bps / 1e6, wb->qd, wbw / 1e6);
		double riops = device_limit(ri, ri->ops_per_s, "read_iops", f);
		if (riops == ri->ops_per_s)
			fprintf(f, "; read_iops: best 4 KiB read rate (at QD %u)\n", ri->qd);
		fprintf(f, "read_iops = %.0f/s\n", riops);
		double wiops = device_limit(wi, wi->ops_per_s, "write_iops", f);
		if (wiops == wi->ops_per_s)
			fprintf(f, "; write_iops: best 4 KiB write rate (at QD %u)\n", wi->qd);
		fprintf(f, "write_iops = %.0f/s\n", wiops);
		discard_key(r, f);
		fprintf(f, "; parallelism: Little's law, best 4 KiB read rate x QD1 mean latency %.1f us = %.2f\n"
			   "parallelism = %.0f\n", r1->mean_ns / 1e3, ri->ops_per_s * r1->mean_ns / 1e9, par > 1 ? par : 1);
		fprintf(f, "; read_latency: the QD1 4 KiB read latency in %d bins, tail kept (%llu reads;\n"
			   "; p50 %.1f us, p99 %.1f us), less 4 KiB / read_bw and the client's CPU for it (%.2f us)\n"
			   "read_latency = ", PROBE_QUANTILES,
			(unsigned long long)r1->ops, r1->p50_ns / 1e3, r1->p99_ns / 1e3, cpu_cost_ns(&cr, 4096) / 1e3);
		empirical(r1, rbw, cpu_cost_ns(&cr, 4096), f);
		/* A run's writes extend new files (appends): on ext4 an
		 * extending direct write runs in a kernel worker, one at a
		 * time per file: 76 us at p50 at QD1 on the reference
		 * machine, where an overwrite took 55 us. */
		const struct probe_point *a1 = &r->append[0];
		fprintf(f, "; write_latency: the same of the QD1 4 KiB appends' latency (%llu writes; p50 %.1f us,\n"
			   "; p99 %.1f us; overwrites: p50 %.1f us), less 4 KiB / write_bw and the client's CPU for it\n"
			   "; (%.2f us)\nwrite_latency = ",
			(unsigned long long)a1->ops, a1->p50_ns / 1e3, a1->p99_ns / 1e3, w1->p50_ns / 1e3,
			cpu_cost_ns(&cw, 4096) / 1e3);
		empirical(a1, wbw, cpu_cost_ns(&cw, 4096), f);
	} else {
		const struct probe_point *oi = ri->ops_per_s > wi->ops_per_s ? ri : wi;
		fprintf(f, "model = warm\n; one front end and one enclosure: the directory is one server\n"
			   "frontends = 1\nenclosures = 1\nmirror = 1\nfrontend_eff = 1\n");
		double rplat = plateau_bps(r, 0, 1), nic = device_limit(rb, rplat, "frontend_nic", f);
		if (nic == rplat)
			fprintf(f, "; frontend_nic: the plateau of 1 MiB read bandwidth over QD 1-64, the median of the\n"
				   "; points from QD %u (best %.6g MB/s at QD %u; write best %.1f MB/s)\n",
				saturation_qd(r, 0, 1), rb->bps / 1e6, rb->qd, wb->bps / 1e6);
		fprintf(f, "frontend_nic = %.6gMB/s\n", nic / 1e6);
		fprintf(f, "; enclosure_bw: not a limit (the front end's rate is the measured one)\n"
			   "enclosure_bw = %.6gMB/s\n", rb->bps / 1e6 * 100);
		double oplat = fmax(plateau_bps(r, 0, 0), plateau_bps(r, 1, 0)) / (double)r->pt[0][0][0].size_bytes;
		double ops = device_limit(oi, oplat, "frontend_ops", f);
		if (ops == oplat)
			fprintf(f, "; frontend_ops: the plateau of the 4 KiB rate, reads (from QD %u) or writes (from QD %u),\n"
				   "; the higher\n", saturation_qd(r, 0, 0), saturation_qd(r, 1, 0));
		fprintf(f, "frontend_ops = %.0f/s\n", ops);
		fprintf(f, "; latency: the QD1 4 KiB read latency in %d bins, tail kept (%llu reads;\n"
			   "; p50 %.1f us, p99 %.1f us), less 4 KiB / frontend_nic and the client's CPU for it (%.2f us)\n"
			   "latency = ", PROBE_QUANTILES,
			(unsigned long long)r1->ops, r1->p50_ns / 1e3, r1->p99_ns / 1e3, cpu_cost_ns(&cr, 4096) / 1e3);
		empirical(r1, nic, cpu_cost_ns(&cr, 4096), f);
		warm_writes(r, &cw, f);
	}
	write_cpu(&cr, "read", f);
	write_cpu(&cw, "write", f);
	write_content(r, f);
	fprintf(f, "; queue_depth: operations in flight per backend, tierref run's default (--queue-depth),\n"
		   "; configuration of tierref, not a measurement\nqueue_depth = 32\n");
	fprintf(f, "; create_latency: the backend's asynchronous open chain for the first write of a new\n"
		   "; object, first OPENAT to descriptor (%d new files, QD1, mostly in new fan-out\n"
		   "; directories: OPENAT O_CREAT, ENOENT, MKDIRAT x 2, OPENAT O_CREAT, through io_uring;\n"
		   "; the loop runs on meanwhile), in %d bins (mean %.1f us, p50 %.1f us, p99 %.1f us)\n"
		   "create_latency = ",
		PROBE_FILES, PROBE_QUANTILES, r->create.mean_ns / 1e3, r->create.p50_ns / 1e3, r->create.p99_ns / 1e3);
	empirical(&r->create, 0, 0, f);
	double cpar = r->create_qd_rate * r->create.mean_ns / 1e9;
	fprintf(f, "; create_parallelism: creates in progress at once, Little's law at saturation: %u other new\n"
		   "; files written %u at a time, %.0f creates/s, x the QD1 mean create time above = %.2f\n"
		   "create_parallelism = %.0f\n",
		PROBE_FILES, PROBE_CREATE_QD, r->create_qd_rate, cpar, fmin(fmax(round(cpar), 1), PROBE_CREATE_QD));
	fprintf(f, "; open_latency: the same for the first read of those files by a backend with no\n"
		   "; descriptor cached (one OPENAT%s), in %d bins (mean %.1f us, p50 %.1f us, p99 %.1f us)\n"
		   "open_latency = ", r->kind == PROBE_HOT && r->direct ? " with O_DIRECT" : "", PROBE_QUANTILES,
		r->open.mean_ns / 1e3, r->open.p50_ns / 1e3, r->open.p99_ns / 1e3);
	empirical(&r->open, 0, 0, f);
	fprintf(f, "; open_files: the backends' descriptor cache (refimpl/filebk.h, max_open default),\n"
		   "; configuration of tierref, not a measurement\nopen_files = 1024\n");
	open_cpu(r, &cr, f);
	return ferror(f) ? -1 : 0;
}
