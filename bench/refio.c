/*
 * refio — the hot-tier file backend (refimpl/filebk.c over the io_uring
 * loop) against fio, side by side on the same file, at the same queue
 * depth, with O_DIRECT (issue 5's goal: >= 90% of fio's throughput, CPU
 * time per GB within 1.5x of fio's).
 *
 * Set-up: a fresh directory under DIR (default $TMPDIR or /tmp: it must be
 * on the disk under test, not tmpfs) holds one object of SIZE bytes, written
 * through filebk (1 MiB writes of the object's content), so fio reads
 * exactly the file tierref reads.  Then, per workload:
 *   4k-rand  4 KiB reads at uniformly random 4 KiB-aligned offsets (with
 *            replacement, a fresh seed per run: fio --norandommap
 *            --randrepeat=0 does the same)
 *   1m-seq   1 MiB reads in sequence from offset 0, wrapping at the end
 * one untimed warm-up run of each side (the disk settles after the write
 * and between workloads), then PAIRS interleaved pairs of runs of SECONDS
 * each, alternating which side goes first (ours fio, fio ours, ...), so
 * the disk drifting over time or a run warming the next favours neither.
 *
 * Why pairs and medians.  The disk this was written on (a virtual disk
 * shared with other work) varies by +-15% from one second to the next with
 * nothing changed; a single pair of runs, or means over runs, compare the
 * disk's moods as much as the two programs.  Each pair gives a ratio (ours
 * over fio, throughput and CPU per GB) taken close together in time; the
 * median of those ratios is the figure, and their min-max the spread.
 *
 * tierref keeps QD reads in flight (each completion issues the next) from
 * one loop on one thread, reading into the backend's scratch buffers (no
 * verification: fio does none); fio runs
 *   fio --ioengine=io_uring --direct=1 --rw=randread|read --bs=4k|1m
 *       --iodepth=QD --numjobs=1 --time_based --runtime=SECONDS
 *       --filename=FILE --output-format=json
 * and its JSON gives read.io_bytes, job_runtime (ms), usr_cpu and sys_cpu
 * (% of the runtime, the job's own CPU: fio's start-up is not in it).
 * Buffers: fio's are ordinary memory; filebk's scratch buffers for 1 MiB
 * and more are transparent huge pages (filebk.c), so its 1 MiB reads reach
 * the device unsplit and adjacent ones merge.  The "device" line shows the
 * request sizes the disk saw, which, on a virtual disk that pays per
 * request, explain most of a 1m-seq difference either way.
 * Neither side registers buffers or files (fio's defaults, fixedbufs=0 and
 * registerfiles=0; filebk does not): tierref's CPU per GB is below fio's
 * without them, so they are not needed to meet the goal.
 * Ours: bytes / wall time from the first submission to the last
 * completion, and CPU time from getrusage(RUSAGE_SELF) around the run (the
 * loop's thread plus any io_uring workers the kernel spawns for it: if
 * anything, more than fio counts for itself).
 *
 * Prints, per workload (MB = 10^6 bytes):
 *   refio 4k-rand: tierref X MB/s, fio Y MB/s (medians of N runs of T s each)
 *   refio 4k-rand throughput vs fio: median Z%, spread A-B% over N pairs
 *   refio 4k-rand cpu: tierref C s/GB, fio D s/GB; vs fio: median R x, spread ...
 *   refio 4k-rand loop: S io_uring submits per I/O, W completions per wake
 *   refio 4k-rand device: K KiB per read request for tierref, L for fio
 * (the last from /sys/dev/block/M:m/stat of the file's device, before and
 * after each run; left out where that file does not exist).
 * Skips (exit 0, saying why) without fio or O_DIRECT.
 *
 * Usage: refio [-d DIR] [-s SIZE_MIB] [-t SECONDS] [-n PAIRS] [-q QD]
 *   defaults: 1024 MiB, 2 s per run, 7 pairs, QD 32 (about 70 s in all).
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "refimpl/filebk.h"
#include "refimpl/loop.h"

#define MAX_PAIRS 101

struct job {
	struct loop *l;
	struct backend *b;
	uint64_t size, bs, end_ns, next_off, rng, bytes, errors, ios;
	int rand;
};

struct jreq {
	struct bk_req r;
	struct job *j;
};

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void issue(struct jreq *q);

static void jdone(struct bk_req *r)
{
	struct jreq *q = (struct jreq *)r;
	struct job *j = q->j;
	j->ios++;
	if (r->status == BK_OK)
		j->bytes += r->length;
	else
		j->errors++;
	if (loop_now(j->l) < j->end_ns && !j->errors)
		issue(q);
}

static void issue(struct jreq *q)
{
	struct job *j = q->j;
	uint64_t off;
	if (j->rand) {
		off = xorshift(&j->rng) % (j->size / j->bs) * j->bs;
	} else {
		off = j->next_off;
		j->next_off = off + j->bs >= j->size ? 0 : off + j->bs;
	}
	q->r = (struct bk_req){ .op = BK_READ, .object = 1, .offset = off, .length = j->bs, .done = jdone };
	if (bk_submit(j->b, &q->r))
		j->errors++;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

struct result {
	double bytes, secs, cpu;
	uint64_t ios, submits, waits; /* ours only: the loop's kernel calls */
	double dev_reqs, dev_bytes;   /* reads the block device completed */
};

/* The block device's read counters (/sys/dev/block/M:m/stat: reads
 * completed, merged, sectors, ...); -1 if they cannot be read. */
static int dev_reads(const char *stat_path, double *reqs, double *bytes)
{
	FILE *f = *stat_path ? fopen(stat_path, "r") : NULL;
	if (!f)
		return -1;
	unsigned long long r, m, sec;
	int n = fscanf(f, "%llu %llu %llu", &r, &m, &sec);
	fclose(f);
	if (n != 3)
		return -1;
	*reqs = (double)r;
	*bytes = (double)sec * 512;
	return 0;
}

static double mbps(const struct result *r)
{
	return r->secs > 0 ? r->bytes / r->secs / 1e6 : 0;
}

static double cpu_per_gb(const struct result *r)
{
	return r->bytes > 0 ? r->cpu / (r->bytes / 1e9) : 0;
}

static int run_ours(struct loop *l, struct backend *b, uint64_t size, uint64_t bs, int rnd, unsigned qd,
		    double secs, uint64_t seed, struct result *res)
{
	struct job j = { .l = l, .b = b, .size = size, .bs = bs, .rand = rnd, .rng = seed | 1 };
	struct jreq *q = calloc(qd, sizeof *q);
	if (!q)
		return -1;
	struct loop_stats s0, s1;
	loop_get_stats(l, &s0);
	double c0 = cpu_s();
	uint64_t t0 = loop_now(l);
	j.end_ns = t0 + (uint64_t)(secs * 1e9);
	for (unsigned i = 0; i < qd; i++) {
		q[i].j = &j;
		issue(&q[i]);
	}
	struct err e = { 0 };
	int rc = loop_run(l, UINT64_MAX, &e);
	uint64_t t1 = loop_now(l);
	res->cpu = cpu_s() - c0;
	loop_get_stats(l, &s1);
	res->secs = (double)(t1 - t0) / 1e9;
	res->bytes = (double)j.bytes;
	res->ios = j.ios;
	res->submits = s1.submit_calls - s0.submit_calls;
	res->waits = s1.waits - s0.waits;
	free(q);
	if (rc || j.errors) {
		fprintf(stderr, "refio: tierref run failed: %s\n", rc ? e.msg : filebk_last_error(b));
		return -1;
	}
	return 0;
}

static int run_fio(const char *file, const char *rw, const char *bs, unsigned qd, double secs, struct result *res)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd,
		 "fio --name=refio --ioengine=io_uring --direct=1 --rw=%s --bs=%s --iodepth=%u --numjobs=1 "
		 "--norandommap --randrepeat=0 --time_based --runtime=%.0fms --filename='%s' "
		 "--output-format=json 2>/dev/null",
		 rw, bs, qd, secs * 1e3, file);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	json_error_t je;
	json_t *root = json_loadf(p, JSON_DISABLE_EOF_CHECK, &je);
	int st = pclose(p);
	if (!root) {
		fprintf(stderr, "refio: fio output is not JSON (exit %d): %s\n", st, je.text);
		return -1;
	}
	json_t *job = json_array_get(json_object_get(root, "jobs"), 0);
	json_t *rd = json_object_get(job, "read");
	if (!job || !rd) {
		json_decref(root);
		fprintf(stderr, "refio: fio JSON has no jobs[0].read\n");
		return -1;
	}
	*res = (struct result){ 0 };
	res->bytes = json_number_value(json_object_get(rd, "io_bytes"));
	res->secs = json_number_value(json_object_get(job, "job_runtime")) / 1e3;
	double cpu_pct = json_number_value(json_object_get(job, "usr_cpu")) +
			 json_number_value(json_object_get(job, "sys_cpu"));
	res->cpu = cpu_pct / 100 * res->secs;
	json_decref(root);
	return res->secs > 0 && res->bytes > 0 ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sorts v (n >= 1) and returns its median. */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Prints a workload's figures from its n pairs of runs. */
static void report(const char *name, const struct result *ours, const struct result *fio, size_t n, double secs)
{
	double mo[MAX_PAIRS], mf[MAX_PAIRS], co[MAX_PAIRS], cf[MAX_PAIRS], rt[MAX_PAIRS], rc[MAX_PAIRS];
	double qo[MAX_PAIRS], qf[MAX_PAIRS];
	uint64_t ios = 0, submits = 0, waits = 0;
	for (size_t k = 0; k < n; k++) {
		mo[k] = mbps(&ours[k]);
		mf[k] = mbps(&fio[k]);
		co[k] = cpu_per_gb(&ours[k]);
		cf[k] = cpu_per_gb(&fio[k]);
		rt[k] = mf[k] > 0 ? mo[k] / mf[k] : 0;
		rc[k] = cf[k] > 0 ? co[k] / cf[k] : 0;
		qo[k] = ours[k].dev_reqs > 0 ? ours[k].dev_bytes / ours[k].dev_reqs / 1024 : 0;
		qf[k] = fio[k].dev_reqs > 0 ? fio[k].dev_bytes / fio[k].dev_reqs / 1024 : 0;
		ios += ours[k].ios;
		submits += ours[k].submits;
		waits += ours[k].waits;
	}
	double mmo = median(mo, n), mmf = median(mf, n), mco = median(co, n), mcf = median(cf, n);
	double mrt = median(rt, n), mrc = median(rc, n);
	printf("refio %s: tierref %.1f MB/s, fio %.1f MB/s (medians of %zu runs of %.0f s each)\n", name, mmo, mmf,
	       n, secs);
	printf("refio %s throughput vs fio: median %.0f%%, spread %.0f-%.0f%% over %zu pairs\n", name, 100 * mrt,
	       100 * rt[0], 100 * rt[n - 1], n);
	printf("refio %s cpu: tierref %.3f s/GB, fio %.3f s/GB; vs fio: median %.2f x, spread %.2f-%.2f x\n", name,
	       mco, mcf, mrc, rc[0], rc[n - 1]);
	printf("refio %s loop: %.3f io_uring submits per I/O, %.1f completions per wake\n", name,
	       ios ? (double)submits / (double)ios : 0, waits ? (double)ios / (double)waits : 0);
	double mqo = median(qo, n), mqf = median(qf, n);
	if (mqo > 0 && mqf > 0)
		printf("refio %s device: %.0f KiB per read request for tierref, %.0f KiB for fio "
		       "(medians; from adjacent reads merged, or large ones split)\n",
		       name, mqo, mqf);
	fflush(stdout);
}

static int rm_rf(const char *dir)
{
	char cmd[4200];
	if (strchr(dir, '\''))
		return -1;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd);
}

int main(int argc, char **argv)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	uint64_t size_mib = 1024;
	double secs = 2;
	unsigned qd = 32;
	long pairs = 7;
	int opt;
	while ((opt = getopt(argc, argv, "d:s:t:n:q:")) != -1) {
		switch (opt) {
		case 'd': base = optarg; break;
		case 's': size_mib = strtoull(optarg, NULL, 10); break;
		case 't': secs = atof(optarg); break;
		case 'n': pairs = strtol(optarg, NULL, 10); break;
		case 'q': qd = (unsigned)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: refio [-d DIR] [-s SIZE_MIB] [-t SECONDS] [-n PAIRS] [-q QD]\n");
			return 2;
		}
	}
	if (size_mib < 8 || secs < 0.1 || pairs < 1 || pairs > MAX_PAIRS || qd == 0 || qd > 4096) {
		fprintf(stderr, "refio: need -s >= 8, -t >= 0.1, 1 <= -n <= %d, 1 <= -q <= 4096\n", MAX_PAIRS);
		return 2;
	}
	if (system("fio --version >/dev/null 2>&1") != 0) {
		printf("refio: skipped: fio is not installed (Debian package fio)\n");
		return 0;
	}
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/refio-XXXXXX", base);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "refio: mkdtemp %s: %s\n", dir, strerror(errno));
		return 1;
	}
	struct loop *l = NULL;
	struct backend b = { 0 };
	struct err e = { 0 };
	int rc = 1;
	if (loop_new(&l, 2 * qd < 64 ? 64 : 2 * qd, &e)) {
		fprintf(stderr, "refio: %s\n", e.msg);
		goto out;
	}
	struct filebk_cfg cfg = { .dir = dir, .queue_depth = qd, .direct = FILEBK_DIRECT_AUTO };
	if (filebk_new(&b, l, &cfg, &e)) {
		fprintf(stderr, "refio: %s\n", e.msg);
		goto out;
	}
	if (!filebk_direct(&b)) {
		printf("refio: skipped: %s does not support O_DIRECT (tmpfs?); set TMPDIR or -d to a disk\n", base);
		rc = 0;
		goto out;
	}
	/* The file: SIZE bytes of object 1's content, through filebk. */
	uint64_t size = size_mib << 20;
	{
		struct job j = { .l = l, .b = &b, .size = size, .bs = 1 << 20 };
		struct jreq *q = calloc(size_mib, sizeof *q);
		uint64_t t0 = loop_now(l);
		for (uint64_t i = 0; q && i < size_mib; i++) {
			q[i].j = &j;
			q[i].r = (struct bk_req){ .op = BK_WRITE, .object = 1, .offset = i << 20, .length = 1 << 20,
						  .done = jdone };
			bk_submit(&b, &q[i].r);
		}
		j.end_ns = 0; /* no reissue */
		if (!q || loop_run(l, UINT64_MAX, &e) || j.errors) {
			fprintf(stderr, "refio: writing the file: %s\n", q ? filebk_last_error(&b) : "out of memory");
			free(q);
			goto out;
		}
		free(q);
		double ws = (double)(loop_now(l) - t0) / 1e9;
		printf("refio: wrote %llu MiB in %.1f s (%.0f MB/s) under %s; QD %u, %ld pairs of %.0f s runs\n",
		       (unsigned long long)size_mib, ws, (double)size / ws / 1e6, dir, qd, pairs, secs);
		fflush(stdout);
	}
	char file[4096];
	if (filebk_path(&b, 1, file, sizeof file) || strchr(file, '\'')) {
		fprintf(stderr, "refio: %s: path too long or has a quote\n", dir);
		goto out;
	}
	/* The device's own count of read requests and bytes shows whether
	 * the block layer merged (or split) the reads of a side: a virtual
	 * disk can be much faster with fewer, larger requests. */
	char devstat[128] = "";
	struct stat fst;
	if (stat(file, &fst) == 0)
		snprintf(devstat, sizeof devstat, "/sys/dev/block/%u:%u/stat", major(fst.st_dev), minor(fst.st_dev));
	static const struct {
		const char *name, *rw, *bs;
		uint64_t bytes;
		int rnd;
	} wl[] = { { "4k-rand", "randread", "4k", 4096, 1 }, { "1m-seq", "read", "1m", 1 << 20, 0 } };
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < sizeof wl / sizeof wl[0]; i++) {
		struct result ours[MAX_PAIRS], fio[MAX_PAIRS], warm;
		/* Run k of 2 * pairs + 2: the first two warm up (ours, fio);
		 * then pair p = k / 2 - 1 runs ours first when p is even. */
		for (long k = 0; k < 2 * pairs + 2; k++) {
			long p = k / 2 - 1;
			int is_fio = p < 0 ? k == 1 : (k % 2 == 0) == (p % 2 == 1);
			double t = p < 0 ? 1 : secs;
			struct result *r = p < 0 ? &warm : is_fio ? &fio[p] : &ours[p];
			double q0 = 0, b0 = 0, q1 = 0, b1 = 0;
			int dev_ok = dev_reads(devstat, &q0, &b0) == 0;
			if (is_fio ? run_fio(file, wl[i].rw, wl[i].bs, qd, t, r)
				   : run_ours(l, &b, size, wl[i].bytes, wl[i].rnd, qd, t, xorshift(&seed), r)) {
				if (is_fio)
					fprintf(stderr, "refio: fio run failed\n");
				goto out;
			}
			dev_ok = dev_ok && dev_reads(devstat, &q1, &b1) == 0;
			r->dev_reqs = dev_ok ? q1 - q0 : 0;
			r->dev_bytes = dev_ok ? b1 - b0 : 0;
		}
		report(wl[i].name, ours, fio, (size_t)pairs, secs);
	}
	rc = 0;
out:
	if (b.ops)
		b.ops->destroy(b.self);
	loop_free(l);
	rm_rf(dir);
	return rc;
}
