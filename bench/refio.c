/*
 * refio — the hot-tier file backend (refimpl/filebk.c over the io_uring
 * loop) against fio, side by side on the same file, at the same queue
 * depth, with O_DIRECT (issue 5's goal: >= 90% of fio's throughput, CPU
 * time per GB within 1.5x of fio's).
 *
 * Set-up: a fresh directory under DIR (default $TMPDIR or /tmp: it must be
 * on the disk under test, not tmpfs) holds one object of SIZE bytes, written
 * through filebk (1 MiB writes of the object's content), so fio reads
 * exactly the file tierref reads.  Then, for each workload, tierref and fio
 * each run for SECONDS in all:
 *   4k-rand  4 KiB reads at uniformly random 4 KiB-aligned offsets
 *   1m-seq   1 MiB reads in sequence, wrapping at the end of the file
 * Each side runs twice for SECONDS/2, in the order tierref, fio, fio,
 * tierref, and the two halves are added.
 * tierref keeps QD reads in flight (each completion issues the next) from
 * one loop on one thread, reading into the backend's scratch buffers (no
 * verification: fio does none); fio runs
 *   fio --ioengine=io_uring --direct=1 --rw=randread|read --bs=4k|1m
 *       --iodepth=QD --numjobs=1 --time_based --runtime=SECONDS/2
 *       --filename=FILE --output-format=json
 * and its JSON gives read.io_bytes, job_runtime (ms), usr_cpu and sys_cpu
 * (% of the runtime).  Ours: bytes / wall time, and CPU time from
 * getrusage(RUSAGE_SELF) around the run (the loop's thread plus any
 * io_uring workers it spawns).
 *
 * Prints, per workload:
 *   refio 4k-rand: tierref X MB/s, fio Y MB/s (Z%)
 *   refio 4k-rand cpu: tierref A s/GB, fio B s/GB (R x)
 * MB = 10^6 bytes.  Skips (exit 0, saying why) without fio or O_DIRECT.
 *
 * Usage: refio [-d DIR] [-s SIZE_MIB] [-t SECONDS] [-q QD]
 *   defaults: 1024 MiB, 5 s per side and workload (~22 s in all), QD 32.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "refimpl/filebk.h"
#include "refimpl/loop.h"

struct job {
	struct loop *l;
	struct backend *b;
	uint64_t size, bs, end_ns, next_off, rng, bytes, errors;
	int rand;
	const char *last_err;
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
};

static int run_ours(struct loop *l, struct backend *b, uint64_t size, uint64_t bs, int rnd, unsigned qd,
		    double secs, struct result *res)
{
	struct job j = { .l = l, .b = b, .size = size, .bs = bs, .rand = rnd, .rng = 0x9e3779b97f4a7c15ull };
	struct jreq *q = calloc(qd, sizeof *q);
	if (!q)
		return -1;
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
	res->secs = (double)(t1 - t0) / 1e9;
	res->bytes = (double)j.bytes;
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
		 "--time_based --runtime=%.0fms --filename='%s' --output-format=json 2>/dev/null",
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
	res->bytes = json_number_value(json_object_get(rd, "io_bytes"));
	res->secs = json_number_value(json_object_get(job, "job_runtime")) / 1e3;
	double cpu_pct = json_number_value(json_object_get(job, "usr_cpu")) +
			 json_number_value(json_object_get(job, "sys_cpu"));
	res->cpu = cpu_pct / 100 * res->secs;
	json_decref(root);
	return res->secs > 0 ? 0 : -1;
}

static void report(const char *name, const struct result *ours, const struct result *fio)
{
	double mo = ours->bytes / ours->secs / 1e6, mf = fio->bytes / fio->secs / 1e6;
	double co = ours->cpu / (ours->bytes / 1e9), cf = fio->cpu / (fio->bytes / 1e9);
	printf("refio %s: tierref %.1f MB/s, fio %.1f MB/s (%.0f%%)\n", name, mo, mf, mf > 0 ? 100 * mo / mf : 0);
	printf("refio %s cpu: tierref %.3f s/GB, fio %.3f s/GB (%.2f x)\n", name, co, cf, cf > 0 ? co / cf : 0);
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
	double secs = 5;
	unsigned qd = 32;
	int opt;
	while ((opt = getopt(argc, argv, "d:s:t:q:")) != -1) {
		switch (opt) {
		case 'd': base = optarg; break;
		case 's': size_mib = strtoull(optarg, NULL, 10); break;
		case 't': secs = atof(optarg); break;
		case 'q': qd = (unsigned)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: refio [-d DIR] [-s SIZE_MIB] [-t SECONDS] [-q QD]\n");
			return 2;
		}
	}
	if (size_mib < 8 || secs <= 0 || qd == 0 || qd > 4096) {
		fprintf(stderr, "refio: need -s >= 8, -t > 0, 1 <= -q <= 4096\n");
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
		struct result w;
		struct job j = { .l = l, .b = &b, .size = size, .bs = 1 << 20 };
		struct jreq *q = calloc(size_mib, sizeof *q);
		double c0 = cpu_s();
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
		w.secs = (double)(loop_now(l) - t0) / 1e9;
		w.cpu = cpu_s() - c0;
		printf("refio: wrote %llu MiB in %.1f s (%.0f MB/s) under %s, QD %u, %.0f s per run\n",
		       (unsigned long long)size_mib, w.secs, (double)size / w.secs / 1e6, dir, qd, secs);
	}
	char file[4096];
	if (filebk_path(&b, 1, file, sizeof file) || strchr(file, '\'')) {
		fprintf(stderr, "refio: %s: path too long or has a quote\n", dir);
		goto out;
	}
	static const struct {
		const char *name, *rw, *bs;
		uint64_t bytes;
		int rnd;
	} wl[] = { { "4k-rand", "randread", "4k", 4096, 1 }, { "1m-seq", "read", "1m", 1 << 20, 0 } };
	for (size_t i = 0; i < sizeof wl / sizeof wl[0]; i++) {
		/* ABBA order (ours, fio, fio, ours; half the time each), so a
		 * device or host cache warming up favours neither side. */
		struct result ours = { 0 }, fio = { 0 };
		for (int k = 0; k < 4; k++) {
			struct result r;
			int is_fio = k == 1 || k == 2;
			if (is_fio ? run_fio(file, wl[i].rw, wl[i].bs, qd, secs / 2, &r)
				   : run_ours(l, &b, size, wl[i].bytes, wl[i].rnd, qd, secs / 2, &r)) {
				if (is_fio)
					fprintf(stderr, "refio: fio run failed\n");
				goto out;
			}
			struct result *acc = is_fio ? &fio : &ours;
			acc->bytes += r.bytes;
			acc->secs += r.secs;
			acc->cpu += r.cpu;
		}
		report(wl[i].name, &ours, &fio);
	}
	rc = 0;
out:
	if (b.ops)
		b.ops->destroy(b.self);
	loop_free(l);
	rm_rf(dir);
	return rc;
}
