/*
 * nvme — node-local NVMe drives in RAID0 (the hot tier), and through
 * dram.c host DRAM.
 *
 * Equations.
 *
 *   RAID0.  Stripe unit u, n drives.  Byte x of object o lives on drive
 *     d(o, x) = (h(o) + floor(x / u)) mod n,   h = a 64-bit mix of o,
 *   so objects start on different drives and small random reads spread
 *   evenly (a file system places files anywhere; rotating by a hash of the
 *   object gives the same spread without a block map).  An operation on
 *   [x, x + len) is split into one sub-operation per drive it covers,
 *   carrying all the bytes that drive holds in the range (stripe units
 *   k and k + n of a range are adjacent on their drive, so one command
 *   each).  The operation completes when its last sub-operation does.
 *
 *   One drive, per sub-operation of b bytes, in series:
 *     1. IOPS limit: a token bucket (res_tb) of rate IOPS_r or IOPS_w per
 *        drive and depth iops_burst; the sub-operation waits FIFO for one
 *        token (taken at once, with no event, when one is there and no
 *        one waits).  (Omitted when the limit is 0.)
 *     2. media access: a res_queue with c servers (the drive's internal
 *        parallelism: dies and channels working at once), service time a
 *        draw of the read or write latency distribution L.
 *     3. transfer: a res_pipe at B_r bytes/s, shared by reads and writes;
 *        a write of b bytes is submitted as ceil(b * B_r / B_w) bytes, so
 *        it holds the drive for b / B_w seconds (reads and writes share
 *        one device, whose time a write costs more of).
 *   An idle drive completes a sub-operation in
 *     T = L + b / B                                   (b / B rounded up to a ns)
 *   and a read of len <= n*u bytes, stripe-aligned, on an idle array in
 *     T = L + min(len, u) / B_r.
 *   A saturated drive serves min(B, IOPS * b, c * b / E[L]) bytes/s, and
 *   the array n times that when the load is balanced.
 *
 *   Discards (discard_bw = D > 0).  The data path discards the chunks a
 *   bounded tier evicts (backend.h); on a file system that passes freed
 *   blocks on to its device (ext4 mounted with `discard`), the device
 *   spends time on them.  A discard of [x, x + len) is split over the
 *   drives as an operation is, and each drive's part of b bytes holds its
 *   transfer stage for b / D seconds (submitted as ceil(b * B_r / D)
 *   bytes, as a write is), with no IOPS token and no media access: what a
 *   discard costs is the device time the reads and writes behind it
 *   wait for.  It is issued at once; the file system issues it at its
 *   next journal commit, within seconds.  (tierref on this project's VM,
 *   make validate's KV-cache case, which punches 2.5 GB out of a 64 MiB
 *   hot tier in 2 s: the disk was busy 1,688 ms with the discards and
 *   1,204 ms without (/sys/block/vda/stat io_ticks), 0.19 ms per MiB
 *   discarded, and its fills ran at 1.48 and 2.0 GB/s; HARDWARE.md,
 *   "Discards".)  With D = 0 (the default) discards cost nothing and the
 *   backend takes none (backend.h: ops->discard is NULL), as on a file
 *   system that keeps freed blocks to itself (ext4's default, nodiscard).
 *   The data path discards only chunks whose bytes were written (one
 *   evicted before its fill has none: path.c), so in that KV-cache case
 *   the model discards the 2,496 chunks, 2.6 GB, that tierref punched.
 *   tierref probe measures D: the scratch set punched in 1 MiB ranges,
 *   the device's discarded bytes over its busy time meanwhile (3.2-4.5
 *   GB/s on this VM, refimpl/probe.h, "Discards").
 *
 *   Utilisation (PREFIX.utilisation): per drive the busier of its
 *   transfer stage (time busy / time) and its media stage (busy slots /
 *   c, time-averaged), then the mean over drives.  PREFIX.transfer.busy
 *   is the transfer stages' busy time in seconds, the mean over drives:
 *   the bytes moved and discarded over their rates, the work a real
 *   device's own busy time (io_ticks) counts when it is bound by its
 *   bandwidth, as 1 MiB fills and discards are; `tiersim validate
 *   hardware` sets it beside the run's (refimpl/realtiers.h).
 *
 *   Metadata operations are not modelled here (the node's file system is
 *   not a metadata bottleneck next to the warm tier's): BK_ENOTSUP.
 *   A zero-length read or write completes at once, through the executor.
 *
 * Defaults (nvme_params_default) and their sources, tags and ids from
 * shared/reference/hardware-and-scale.md:
 *   drives = 8, capacity = 8 x 3.84 TB     DGX H100 data drives, RAID0  [V] H1
 *   read_bw = 14 GB/s, write_bw = 10 GB/s  Micron 9550 MAX (Gen5)       [S] H4
 *   read_iops = 3.3M/s                     Micron 9550 MAX 4K rand read [S] H4
 *   write_iops = 540k/s                    Micron 9550 MAX 4K rand write,
 *                                          low end of 540K-1.2M by capacity [S] H4
 *   read_latency = 60 us, write = 15 us    Micron 9550 "typical"        [S] H4
 *   stripe = 128 KiB                       assumed: the common mdadm/
 *                                          DGX RAID0 chunk; not in the reference
 *   parallelism = 256                      assumed: must exceed
 *                                          IOPS x latency = 3.3M x 60us = 198
 *                                          [D] so the IOPS figure, not the
 *                                          media stage, binds for 4 KiB reads
 *   iops_burst = 1                         assumed: strict pacing
 *   discard_bw = 0                         assumed: the file system does
 *                                          not discard online (ext4's
 *                                          default); tierref probe
 *                                          measures it where it does
 * The DGX H100 drive model itself is a gap (reference section 8): these are
 * Gen5 figures; a Gen4 drive (PM1733, 7 GB/s, 1.5M IOPS [S] H7) is the
 * conservative alternative (models/presets/dgx_h100.ini says which).
 */
#include "nvme.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/hist.h"
#include "sim/metrics.h"
#include "sim/resource.h"
#include "sim/rng.h"

/* splitmix64's finaliser: a good 64-bit mix of an object id. */
static uint64_t nvme_mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct nvme_drive {
	struct res_tb *tb[2];   /* [0] read, [1] write IOPS; NULL: no limit */
	struct res_queue *media;
	struct res_pipe *xfer;
};

struct nvme_sub {
	struct nvme *nv;
	struct bk_req *req;
	unsigned drive;
	uint64_t bytes;
	struct nvme_sub *next_free;
	struct nvme_sub *all_next;   /* on nvme.all_sub */
};

struct nvme_opstats {
	uint64_t ops, bytes;
	struct hist *latency_ns;
};

struct nvme {
	struct exec x;
	struct nvme_params p;
	gsl_rng *rng;
	struct nvme_drive *drive;
	uint64_t *per_drive;     /* scratch: bytes per drive of one op */
	/* The last write's conversion to read-rate bytes (sub_media_done):
	 * most writes are of a size just seen, and the conversion is a dozen
	 * x87 instructions and two changes of rounding mode. */
	uint64_t wconv_bytes, wconv_to;
	struct nvme_sub *free_sub;
	/* Every sub-operation ever allocated, so that destroy also frees those
	 * still in flight when the run ends. */
	struct nvme_sub *all_sub;
	struct nvme_opstats st[2];
	uint64_t discards, discard_bytes; /* taken (discard_bps > 0) */
	uint64_t enotsup;
	uint64_t since_ns;
};

void nvme_params_default(struct nvme_params *p)
{
	memset(p, 0, sizeof *p);
	p->name = "nvme";
	p->drives = 8;
	p->stripe_bytes = 128 * 1024;
	p->read_bps = 14e9;
	p->write_bps = 10e9;
	p->read_iops = 3.3e6;
	p->write_iops = 540e3;
	p->iops_burst = 1;
	p->parallelism = 256;
	dist_const(&p->read_latency_ns, 60e3);
	dist_const(&p->write_latency_ns, 15e3);
	p->capacity_bytes = 8ull * 3840000000000ull;
}

void nvme_params_free(struct nvme_params *p)
{
	dist_free(&p->read_latency_ns);
	dist_free(&p->write_latency_ns);
	dist_const(&p->read_latency_ns, 0);
	dist_const(&p->write_latency_ns, 0);
}

int nvme_params_check(const struct nvme_params *p, struct err *e)
{
	if (p->drives == 0)
		return err_set(e, ERR_INPUT, "nvme: drives must be at least 1");
	if (p->stripe_bytes == 0)
		return err_set(e, ERR_INPUT, "nvme: stripe must be positive");
	if (!(p->read_bps > 0) || !(p->write_bps > 0) || isinf(p->read_bps) || isinf(p->write_bps))
		return err_set(e, ERR_INPUT, "nvme: read_bw and write_bw must be positive and finite");
	if (!(p->read_iops >= 0) || !(p->write_iops >= 0) || isinf(p->read_iops) || isinf(p->write_iops))
		return err_set(e, ERR_INPUT, "nvme: read_iops and write_iops must be >= 0 and finite");
	if (!(p->iops_burst >= 1) || isinf(p->iops_burst))
		return err_set(e, ERR_INPUT, "nvme: iops_burst must be at least 1 op");
	if (p->parallelism == 0)
		return err_set(e, ERR_INPUT, "nvme: parallelism must be at least 1");
	if (!(p->discard_bps >= 0) || isinf(p->discard_bps))
		return err_set(e, ERR_INPUT, "nvme: discard_bw must be >= 0 and finite");
	return 0;
}

int nvme_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct nvme_params *p, struct err *e)
{
	nvme_params_default(p);
	uint64_t drives = p->drives, par = p->parallelism;
	int rc;
	if ((rc = cfg_u64(d, s, "drives", &drives, e)) < 0)
		return -1;
	if (drives == 0 || drives > 4096)
		return cfg_error(d, s, cfg_key(s, "drives"), e, "must be 1..4096");
	p->drives = (unsigned)drives;
	if (cfg_bytes(d, s, "stripe", &p->stripe_bytes, e) < 0)
		return -1;
	if (p->stripe_bytes == 0)
		return cfg_error(d, s, cfg_key(s, "stripe"), e, "must be positive");
	if (cfg_rate_bps(d, s, "read_bw", &p->read_bps, e) < 0 || cfg_rate_bps(d, s, "write_bw", &p->write_bps, e) < 0)
		return -1;
	if (!(p->read_bps > 0))
		return cfg_error(d, s, cfg_key(s, "read_bw"), e, "must be positive");
	if (!(p->write_bps > 0))
		return cfg_error(d, s, cfg_key(s, "write_bw"), e, "must be positive");
	if (cfg_ops(d, s, "read_iops", &p->read_iops, e) < 0 || cfg_ops(d, s, "write_iops", &p->write_iops, e) < 0)
		return -1;
	if (cfg_double(d, s, "iops_burst", &p->iops_burst, e) < 0)
		return -1;
	if (!(p->iops_burst >= 1))
		return cfg_error(d, s, cfg_key(s, "iops_burst"), e, "must be at least 1 op");
	if (cfg_u64(d, s, "parallelism", &par, e) < 0)
		return -1;
	if (par == 0 || par > 1u << 20)
		return cfg_error(d, s, cfg_key(s, "parallelism"), e, "must be 1..1048576");
	p->parallelism = (unsigned)par;
	if (cfg_time_dist(d, s, "read_latency", &p->read_latency_ns, e) < 0 ||
	    cfg_time_dist(d, s, "write_latency", &p->write_latency_ns, e) < 0)
		return -1;
	if (cfg_rate_bps(d, s, "discard_bw", &p->discard_bps, e) < 0)
		return -1;
	if (!(p->discard_bps >= 0) || isinf(p->discard_bps))
		return cfg_error(d, s, cfg_key(s, "discard_bw"), e, "must be >= 0 and finite (0: discards cost nothing)");
	if (cfg_bytes(d, s, "capacity", &p->capacity_bytes, e) < 0)
		return -1;
	return 0;
}

double nvme_saturated_read_bps(const struct nvme_params *p, uint64_t length)
{
	uint64_t units = (length + p->stripe_bytes - 1) / p->stripe_bytes;
	double covered = (double)(units < p->drives ? units : p->drives);
	double s = (double)length / covered;
	double per = p->read_bps;
	if (p->read_iops > 0 && p->read_iops * s < per)
		per = p->read_iops * s;
	double el = dist_mean(&p->read_latency_ns);
	if (el > 0 && p->parallelism * s / (el / 1e9) < per)
		per = p->parallelism * s / (el / 1e9);
	return per * p->drives;
}

unsigned nvme_drive_of(const struct nvme_params *p, uint64_t object, uint64_t offset)
{
	return (unsigned)((nvme_mix(object) % p->drives + (offset / p->stripe_bytes) % p->drives) % p->drives);
}

/* ---- the data path ---- */

static struct nvme_sub *sub_get(struct nvme *nv)
{
	struct nvme_sub *s = nv->free_sub;
	if (s) {
		nv->free_sub = s->next_free;
		return s;
	}
	if ((s = malloc(sizeof *s))) {
		s->all_next = nv->all_sub;
		nv->all_sub = s;
	}
	return s;
}

/* A sub-operation of r: `bytes` on drive `drive`; NULL on out of memory. */
static struct nvme_sub *sub_new(struct nvme *nv, struct bk_req *r, unsigned drive, uint64_t bytes)
{
	struct nvme_sub *s = sub_get(nv);
	if (s)
		*s = (struct nvme_sub){ .nv = nv, .req = r, .drive = drive, .bytes = bytes, .all_next = s->all_next };
	return s;
}

static void sub_put(struct nvme *nv, struct nvme_sub *s)
{
	s->next_free = nv->free_sub;
	nv->free_sub = s;
}

static int is_write(const struct bk_req *r)
{
	return r->op == BK_WRITE;
}

static void finish_now(void *arg)
{
	struct bk_req *r = arg;
	r->done(r);
}

static void sub_done(void *arg)
{
	struct nvme_sub *s = arg;
	struct nvme *nv = s->nv;
	struct bk_req *r = s->req;
	sub_put(nv, s);
	if (--r->upriv[0] > 0)
		return;
	struct nvme_opstats *st = &nv->st[is_write(r)];
	st->ops++;
	st->bytes += r->length;
	hist_record(st->latency_ns, exec_now(&nv->x) - r->submit_ns);
	r->status = BK_OK;
	r->done(r);
}

static void sub_media_done(void *arg)
{
	struct nvme_sub *s = arg;
	struct nvme *nv = s->nv;
	uint64_t bytes = s->bytes;
	if (is_write(s->req)) {
		if (bytes == nv->wconv_bytes) {
			bytes = nv->wconv_to;
		} else {
			/* Saturated: a write bandwidth far below the read's
			 * must not overflow the conversion (undefined
			 * behaviour). */
			long double b = ceill((long double)bytes * nv->p.read_bps / nv->p.write_bps);
			nv->wconv_bytes = bytes;
			bytes = b < 0x1p64L ? (uint64_t)b : UINT64_MAX;
			nv->wconv_to = bytes;
		}
	}
	/* The pipe reserved room at creation for one op; a failure here is out
	 * of memory inside an event: give the bytes no time rather than hang. */
	if (res_pipe_submit(nv->drive[s->drive].xfer, bytes, sub_done, s))
		sub_done(s);
}

static void sub_start_media(void *arg)
{
	struct nvme_sub *s = arg;
	struct nvme *nv = s->nv;
	const struct dist *L = is_write(s->req) ? &nv->p.write_latency_ns : &nv->p.read_latency_ns;
	uint64_t svc = dist_sample_round(L, nv->rng);
	if (res_queue_submit(nv->drive[s->drive].media, svc, sub_media_done, s))
		sub_media_done(s);
}

/* Takes sub-operation s through its drive's IOPS limit, then media. */
static void sub_start(struct nvme *nv, struct nvme_sub *s)
{
	struct res_tb *tb = nv->drive[s->drive].tb[is_write(s->req)];
	if (!tb || res_tb_take_now(tb, 1) || res_tb_wait(tb, 1, sub_start_media, s))
		sub_start_media(s);
}

/* nv->per_drive[i] = the bytes of [offset, offset + length) on drive i
 * (length > 0, spanning more than one stripe unit or not). */
static void tally(struct nvme *nv, uint64_t object, uint64_t offset, uint64_t length)
{
	unsigned n = nv->p.drives;
	uint64_t u = nv->p.stripe_bytes;
	uint64_t first = offset / u, last = (offset + length - 1) / u, end = offset + length;
	unsigned d0 = (unsigned)(nvme_mix(object) % n);
#define DRV(k) ((d0 + (k) % n) % n)
	memset(nv->per_drive, 0, n * sizeof *nv->per_drive);
	if (first == last) {
		nv->per_drive[DRV(first)] = length;
		return;
	}
	/* partial first and last units; the m units between are whole, and
	 * whole rows of n of them give every drive u bytes each */
	nv->per_drive[DRV(first)] += (first + 1) * u - offset;
	nv->per_drive[DRV(last)] += end - last * u;
	uint64_t m = last - first - 1, rows = m / n, rem = m % n;
	if (rows)
		for (unsigned i = 0; i < n; i++)
			nv->per_drive[i] += rows * u;
	for (uint64_t j = 0; j < rem; j++)
		nv->per_drive[DRV(first + 1 + j)] += u;
#undef DRV
}

static void discard_done(void *arg)
{
	(void)arg; /* counted when taken: nothing waits for a discard */
}

/* A discard's part on each drive holds its transfer stage for b / D
 * (see the top of the file).  Fire and forget: out of memory drops it. */
static void nvme_discard(void *self, uint64_t object, uint64_t offset, uint64_t length)
{
	struct nvme *nv = self;
	if (length == 0 || length > UINT64_MAX - offset)
		return;
	nv->discards++;
	nv->discard_bytes += length;
	tally(nv, object, offset, length);
	for (unsigned i = 0; i < nv->p.drives; i++) {
		if (!nv->per_drive[i])
			continue;
		long double b = ceill((long double)nv->per_drive[i] * nv->p.read_bps / nv->p.discard_bps);
		res_pipe_submit(nv->drive[i].xfer, b < 0x1p64L ? (uint64_t)b : UINT64_MAX, discard_done, nv);
	}
}

static int nvme_submit(void *self, struct bk_req *r)
{
	struct nvme *nv = self;
	r->submit_ns = exec_now(&nv->x);
	r->retries = 0;
	if (r->op != BK_READ && r->op != BK_WRITE) {
		r->status = BK_ENOTSUP;
		nv->enotsup++;
		return exec_after(&nv->x, 0, finish_now, r) ? 0 : -1;
	}
	if (r->length == 0) {
		r->status = BK_OK;
		return exec_after(&nv->x, 0, finish_now, r) ? 0 : -1;
	}
	unsigned n = nv->p.drives;
	uint64_t u = nv->p.stripe_bytes;
	if (r->offset / u == (r->offset + r->length - 1) / u) {
		/* Inside one stripe unit (most operations): one sub-operation,
		 * as the tally below would give, without it. */
		struct nvme_sub *s = sub_new(nv, r, nvme_drive_of(&nv->p, r->object, r->offset), r->length);
		if (!s)
			return -1;
		r->upriv[0] = 1;
		sub_start(nv, s);
		return 0;
	}
	tally(nv, r->object, r->offset, r->length);
	/* Allocate every sub-operation before starting any, so a failure leaves
	 * nothing scheduled. */
	struct nvme_sub *subs = NULL;
	unsigned count = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!nv->per_drive[i])
			continue;
		struct nvme_sub *s = sub_new(nv, r, i, nv->per_drive[i]);
		if (!s) {
			while (subs) {
				struct nvme_sub *nx = subs->next_free;
				sub_put(nv, subs);
				subs = nx;
			}
			return -1;
		}
		s->next_free = subs;
		subs = s;
		count++;
	}
	r->upriv[0] = count;
	/* Start in drive order (subs is a reversed list: rebuild order). */
	struct nvme_sub *ord = NULL;
	while (subs) {
		struct nvme_sub *nx = subs->next_free;
		subs->next_free = ord;
		ord = subs;
		subs = nx;
	}
	while (ord) {
		struct nvme_sub *s = ord;
		ord = ord->next_free;
		sub_start(nv, s);
	}
	return 0;
}

/* ---- statistics ---- */

static int export_op(struct met_registry *m, const char *prefix, const char *op, const struct nvme_opstats *st,
		     double secs)
{
	return met_export_op(m, prefix, op, st->ops, &st->bytes, secs, st->latency_ns, 0);
}

static int nvme_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	struct nvme *nv = self;
	double secs = now_ns > nv->since_ns ? (double)(now_ns - nv->since_ns) / 1e9 : 0;
	if (export_op(m, prefix, "read", &nv->st[0], secs) || export_op(m, prefix, "write", &nv->st[1], secs))
		return -1;
	char name[256];
	snprintf(name, sizeof name, "%s.enotsup", prefix);
	if (met_set(m, name, (double)nv->enotsup, "ops"))
		return -1;
	snprintf(name, sizeof name, "%s.capacity", prefix);
	if (met_set(m, name, (double)nv->p.capacity_bytes, "B"))
		return -1;
	if (nv->p.discard_bps > 0 && (met_set_in(m, prefix, "discards", (double)nv->discards, "ops") ||
				      met_set_in(m, prefix, "discard_bytes", (double)nv->discard_bytes, "B")))
		return -1;
	/* A drive's utilisation is its busier stage's: the transfer's (the
	 * bandwidth used) or the media's (the share of its parallel slots
	 * busy).  The transfer's alone read 4% on a drive whose media queue
	 * was full all the time (small reads bound by latency). */
	double util = 0, xfer = 0;
	for (unsigned i = 0; i < nv->p.drives; i++) {
		const struct res_stats *ps = res_pipe_stats(nv->drive[i].xfer);
		double ut = res_stats_util(ps, now_ns, 1),
		       um = res_stats_util(res_queue_stats(nv->drive[i].media), now_ns, nv->p.parallelism);
		util += ut > um ? ut : um;
		xfer += ut;
		snprintf(name, sizeof name, "%s.drive%u.transfer", prefix, i);
		if (res_stats_export(ps, now_ns, 1, name, m))
			return -1;
		snprintf(name, sizeof name, "%s.drive%u.media", prefix, i);
		if (res_stats_export(res_queue_stats(nv->drive[i].media), now_ns, nv->p.parallelism, name, m))
			return -1;
	}
	if (met_set_in(m, prefix, "transfer.busy", xfer / nv->p.drives * secs, "s"))
		return -1;
	snprintf(name, sizeof name, "%s.utilisation", prefix);
	return met_set(m, name, util / nv->p.drives, "ratio");
}

static void nvme_reset_stats(void *self)
{
	struct nvme *nv = self;
	for (int i = 0; i < 2; i++) {
		nv->st[i].ops = nv->st[i].bytes = 0;
		hist_reset(nv->st[i].latency_ns);
	}
	nv->enotsup = nv->discards = nv->discard_bytes = 0;
	nv->since_ns = exec_now(&nv->x);
	for (unsigned i = 0; i < nv->p.drives; i++) {
		for (int k = 0; k < 2; k++)
			if (nv->drive[i].tb[k])
				res_tb_reset_stats(nv->drive[i].tb[k]);
		res_queue_reset_stats(nv->drive[i].media);
		res_pipe_reset_stats(nv->drive[i].xfer);
	}
}

static void nvme_destroy(void *self)
{
	struct nvme *nv = self;
	if (!nv)
		return;
	if (nv->drive) {
		for (unsigned i = 0; i < nv->p.drives; i++) {
			res_tb_free(nv->drive[i].tb[0]);
			res_tb_free(nv->drive[i].tb[1]);
			res_queue_free(nv->drive[i].media);
			res_pipe_free(nv->drive[i].xfer);
		}
	}
	free(nv->drive);
	free(nv->per_drive);
	while (nv->all_sub) {
		struct nvme_sub *s = nv->all_sub;
		nv->all_sub = s->all_next;
		free(s);
	}
	for (int i = 0; i < 2; i++)
		hist_free(nv->st[i].latency_ns);
	if (nv->rng)
		gsl_rng_free(nv->rng);
	nvme_params_free(&nv->p);
	free(nv);
}

/* Two tables: a discard only where it costs the drives time, so that the
 * data path keeps its read pins (path.c) only then. */
static const struct bk_ops nvme_ops = {
	.name = "nvme",
	.submit = nvme_submit,
	.export = nvme_export,
	.reset_stats = nvme_reset_stats,
	.destroy = nvme_destroy,
};
static const struct bk_ops nvme_ops_discard = {
	.name = "nvme",
	.submit = nvme_submit,
	.export = nvme_export,
	.reset_stats = nvme_reset_stats,
	.destroy = nvme_destroy,
	.discard = nvme_discard,
};

int nvme_new(const struct exec *x, const struct nvme_params *p, uint64_t seed, struct backend *out, struct err *e)
{
	if (nvme_params_check(p, e))
		return -1;
	struct nvme *nv = calloc(1, sizeof *nv);
	if (!nv)
		return err_set(e, ERR_FAIL, "nvme: out of memory");
	nv->x = *x;
	nv->p = *p;
	dist_const(&nv->p.read_latency_ns, 0);
	dist_const(&nv->p.write_latency_ns, 0);
	if (dist_copy(&nv->p.read_latency_ns, &p->read_latency_ns, NULL) ||
	    dist_copy(&nv->p.write_latency_ns, &p->write_latency_ns, NULL))
		goto oom;
	nv->since_ns = exec_now(x);
	nv->rng = rng_stream_new(seed, p->name ? p->name : "nvme");
	nv->drive = calloc(p->drives, sizeof *nv->drive);
	nv->per_drive = calloc(p->drives, sizeof *nv->per_drive);
	nv->st[0].latency_ns = hist_new();
	nv->st[1].latency_ns = hist_new();
	if (!nv->rng || !nv->drive || !nv->per_drive || !nv->st[0].latency_ns || !nv->st[1].latency_ns)
		goto oom;
	for (unsigned i = 0; i < p->drives; i++) {
		struct nvme_drive *dr = &nv->drive[i];
		if (p->read_iops > 0 && !(dr->tb[0] = res_tb_new(x, p->read_iops, p->iops_burst)))
			goto oom;
		if (p->write_iops > 0 && !(dr->tb[1] = res_tb_new(x, p->write_iops, p->iops_burst)))
			goto oom;
		if (!(dr->media = res_queue_new(x, p->parallelism)) || !(dr->xfer = res_pipe_new(x, p->read_bps, 0, 0)))
			goto oom;
	}
	out->ops = p->discard_bps > 0 ? &nvme_ops_discard : &nvme_ops;
	out->self = nv;
	return 0;
oom:
	nvme_destroy(nv);
	return err_set(e, ERR_FAIL, "nvme: out of memory");
}
