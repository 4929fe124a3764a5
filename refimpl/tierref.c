/*
 * tierref — the reference data path: a tiersim scenario run for REAL,
 * on local directories (the hot tier, io_uring), a POSIX directory (the
 * warm tier) and an Azure Blob container (the cold tier), with the same
 * data path, workload drivers and metrics as `tiersim run` (DESIGN.md,
 * "the one idea"), so that the simulator can be checked against it.
 *
 *   tierref populate SCENARIO.ini ...   fill the bottom tier with every
 *                                       object the workload will read
 *                                       before it writes it
 *   tierref run SCENARIO.ini ...        replay it through the real tiers,
 *                                       verifying every byte read
 *   tierref probe --hot DIR ... --out P measure the devices (refimpl/probe.h)
 *                                       and write a preset tiersim loads
 *
 * This is the composition root of refimpl/ (as sim/cli is of tiersim):
 * the only code here that prints or exits.  Exit status: 0 success, 1 a
 * failed run (I/O, an unreachable endpoint, a byte that failed
 * verification), 2 bad usage or input.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "refimpl/blob.h"
#include "refimpl/hoststat.h"
#include "refimpl/loop.h"
#include "refimpl/names.h"
#include "refimpl/probe.h"
#include "refimpl/realtiers.h"
#include "sim/cfg.h"
#include "sim/cli/run_tiered.h"
#include "sim/engine.h"
#include "sim/memcap.h"
#include "sim/metrics.h"
#include "sim/results.h"
#include "sim/units.h"

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2 };

#define POPULATE_SLOTS 16           /* objects written at once */
#define DRAIN_LIMIT_NS (120ull * 1000000000ull) /* background work after the end */

static void usage_main(FILE *f)
{
	fprintf(f, "usage: tierref COMMAND [options]   (tierref COMMAND --help for each)\n\n"
		   "Runs a tiersim scenario on real storage: the same data path, workloads and metrics.\n\n"
		   "  populate   fill the bottom tier with every object the workload reads before writing it\n"
		   "  run        replay the workload through the real tiers, verifying every byte read,\n"
		   "             and write the results (kind 'measured') to the SQLite database\n"
		   "  probe      measure the devices as fio would and write a preset for tiersim\n\n"
		   "  --version  print the version\n\n"
		   "Environment: " MEMCAP_ENV "=SIZE|off caps the memory a run may use (default: 3/4 of\n"
		   "what is free at start); a scenario too large fails with \"out of memory\".\n");
}

static void usage_tiers(FILE *f)
{
	fprintf(f,
		"Tiers and the flags that give them devices (every tier needs its flag):\n"
		"  --hot DIR       model nvme/dram tiers: files under DIR/<tier>/node<i> (O_DIRECT where supported)\n"
		"  --warm DIR      model warm tiers: a POSIX directory DIR/<tier>, shared, real metadata ops\n"
		"  --cold URL      model cold tiers: Azure Blob, http://HOST:PORT/ACCOUNT/CONTAINER (Azurite) or\n"
		"                  https://ACCOUNT.blob.core.windows.net/CONTAINER; credentials from the\n"
		"                  environment: TIERREF_BLOB_KEY (account key) or TIERREF_BLOB_SAS (SAS token),\n"
		"                  or --cold-key-file FILE; they are never printed\n"
		"  --cold-retries N   retries of a failed Blob request, 0 to 1000 (default 3, exponential backoff)\n"
		"  --queue-depth N    operations in flight per file backend (default 32)\n"
		"  --trace FILE    replay FILE instead of the [workload] trace\n"
		"  --seed N        run seed (overrides [run] seed)\n");
}

static void usage_populate(FILE *f)
{
	fprintf(f, "usage: tierref populate SCENARIO.ini [--trace FILE] --hot DIR [--warm DIR] [--cold URL]\n\n"
		   "Fills the bottom tier (cold, or warm when it is the bottom) with every object the\n"
		   "scenario's [workload] trace and [job] sections will read, with deterministic content\n"
		   "(refimpl/content.h) so that every byte read can be checked.  Finds them by running the\n"
		   "workload in simulation first.  Idempotent: objects already there whole are skipped.\n\n");
	usage_tiers(f);
}

static void usage_run(FILE *f)
{
	fprintf(f, "usage: tierref run SCENARIO.ini [--trace FILE] --hot DIR [--warm DIR] [--cold URL]\n"
		   "                  [--out results.db] [--seed N]\n\n"
		   "Replays the scenario's [workload] trace and [job] sections through the real tiers on the\n"
		   "wall clock, verifies every byte read against the content it must have, prints the summary\n"
		   "`tiersim run` prints, and appends the run (kind 'measured') to the results database.\n"
		   "A read that fails verification is counted (verify.mismatches) and fails the run (exit 1),\n"
		   "as does a failed request or a failed operation in a tier (tier.NAME.errors: a fill, a\n"
		   "write-back drain), reported with the backend's last error.  Ctrl-C (SIGINT) or SIGTERM\n"
		   "stops the workload where it is, lets its I/O in flight complete and writes the results\n"
		   "so far (run.interrupted); the exit status is then 130 or 143.\n\n"
		   "  --out FILE      results database (default results.db)\n");
	usage_tiers(f);
}

struct args {
	const char *scenario, *trace, *out, *seed_s, *key_file;
	struct rt_opts o;
	char *key;          /* read from --cold-key-file or the environment */
};

/* 0, -1 (printed) on a usage error, 1 for --help (printed). */
static int parse(int argc, char **argv, const char *cmd, int with_out, struct args *a)
{
	static const struct option opts[] = {
		{ "hot", required_argument, NULL, 'H' },        { "warm", required_argument, NULL, 'W' },
		{ "cold", required_argument, NULL, 'C' },       { "cold-key-file", required_argument, NULL, 'K' },
		{ "cold-retries", required_argument, NULL, 'R' }, { "queue-depth", required_argument, NULL, 'Q' },
		{ "trace", required_argument, NULL, 't' },      { "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },       { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	void (*usage)(FILE *) = with_out ? usage_run : usage_populate;
	memset(a, 0, sizeof *a);
	a->out = "results.db";
	a->o.cold_retries = -1;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		struct err e = { 0 };
		uint64_t v;
		switch (c) {
		case 'H': a->o.hot_dir = optarg; break;
		case 'W': a->o.warm_dir = optarg; break;
		case 'C': a->o.cold_url = optarg; break;
		case 'K': a->key_file = optarg; break;
		case 't': a->trace = optarg; break;
		case 's': a->seed_s = optarg; break;
		case 'o':
			if (!with_out) {
				fprintf(stderr, "tierref %s: --out is for tierref run\n", cmd);
				return -1;
			}
			a->out = optarg;
			break;
		case 'R':
		case 'Q':
			if (unit_parse_u64(optarg, &v, &e) < 0 || v > (c == 'R' ? 1000 : 100000) || (c == 'Q' && v == 0)) {
				fprintf(stderr, "tierref %s: --%s %s: not a count (%s)\n", cmd,
					c == 'R' ? "cold-retries" : "queue-depth", optarg, c == 'R' ? "0 to 1000" : "1 to 100000");
				return -1;
			}
			if (c == 'R')
				a->o.cold_retries = (int)v;
			else
				a->o.queue_depth = (unsigned)v;
			break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "tierref %s: give one SCENARIO.ini (got %d)\n", cmd, argc - optind);
		usage(stderr);
		return -1;
	}
	a->scenario = argv[optind];
	if (!a->o.hot_dir) {
		fprintf(stderr, "tierref %s: --hot DIR is required (the node-local tier's directory)\n", cmd);
		return -1;
	}
	return 0;
}

/* The Blob credentials: --cold-key-file, else TIERREF_BLOB_KEY, else
 * TIERREF_BLOB_SAS.  0, or -1 (printed, usage). */
static int credentials(const char *cmd, struct args *a)
{
	if (!a->o.cold_url)
		return 0;
	if (a->key_file) {
		FILE *f = fopen(a->key_file, "r");
		if (!f) {
			fprintf(stderr, "tierref %s: --cold-key-file %s: %s\n", cmd, a->key_file, strerror(errno));
			return -1;
		}
		char buf[512];
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		int rerr = ferror(f) ? errno : 0, more = n == sizeof buf - 1 && fgetc(f) != EOF;
		fclose(f);
		buf[n] = '\0';
		/* The key is the file's first word: white space (a blank first
		 * line, an indent) around it is not part of it.  An account key
		 * is 88 characters of base64: a file that does not fit the
		 * buffer, holds a NUL or fails to read is not one (a directory
		 * was "empty", and a longer file's key cut short). */
		char *k = buf + strspn(buf, " \t\r\n");
		size_t kl = strcspn(k, " \t\r\n");
		const char *why = rerr ? strerror(rerr)
				  : more ? "longer than 511 bytes: not a key file"
				  : memchr(buf, '\0', n) ? "holds a NUL byte: not a key file"
				  : !kl ? "empty" : NULL;
		if (why) {
			memset(buf, 0, sizeof buf);
			fprintf(stderr, "tierref %s: --cold-key-file %s: %s\n", cmd, a->key_file, why);
			return -1;
		}
		k[kl] = '\0';
		a->key = strdup(k);
		memset(buf, 0, sizeof buf);
		a->o.cold_key = a->key;
	} else if (getenv("TIERREF_BLOB_KEY") && getenv("TIERREF_BLOB_KEY")[0]) {
		a->o.cold_key = getenv("TIERREF_BLOB_KEY");
	} else if (getenv("TIERREF_BLOB_SAS") && getenv("TIERREF_BLOB_SAS")[0]) {
		const char *sas = getenv("TIERREF_BLOB_SAS");
		/* A token has no white space; one pasted with a line end was
		 * sent as it was, and the endpoint "did not answer". */
		for (const unsigned char *c = (const unsigned char *)sas; *c; c++)
			if (*c <= ' ' || *c == 0x7f) {
				fprintf(stderr, "tierref %s: TIERREF_BLOB_SAS holds white space or a control byte (a line "
						"end pasted with it?): set it to the token alone\n", cmd);
				return -1;
			}
		a->o.cold_sas = sas[0] == '?' ? sas + 1 : sas;
	} else {
		fprintf(stderr, "tierref %s: --cold needs credentials: set TIERREF_BLOB_KEY (the account key) or "
				"TIERREF_BLOB_SAS (a SAS token), or give --cold-key-file FILE\n", cmd);
		return -1;
	}
	return 0;
}

static int fail(const char *cmd, const struct err *e)
{
	fprintf(stderr, "tierref %s: %s\n", cmd, e->msg[0] ? e->msg : "failed");
	char hint[256];
	if (memcap_hint(e, hint, sizeof hint))
		fprintf(stderr, "tierref %s: %s\n", cmd, hint);
	return e->code == ERR_INPUT ? EX_USAGE : EX_FAIL;
}

/* --trace FILE: replaces (or adds) the [workload] trace key. */
static int override_trace(struct cfg_doc *d, const char *trace, struct err *e)
{
	struct cfg_section *s = cfg_find(d, "workload", NULL);
	if (!s)
		return err_set(e, ERR_INPUT, "--trace: %s has no [workload] section to replay it with", d->path);
	char abs[PATH_MAX];
	if (!realpath(trace, abs))
		return err_set(e, ERR_INPUT, "--trace %s: %s", trace, strerror(errno));
	return cfg_set(s, "trace", abs, s->line) < 0 ? err_set(e, ERR_FAIL, "out of memory") : 0;
}

/* Loads the scenario, applies --trace and --seed. */
static int load(struct args *a, struct cfg_doc **doc, struct trun_spec *spec, struct err *e)
{
	if (cfg_load(doc, a->scenario, e) < 0)
		return -1;
	if (a->trace && override_trace(*doc, a->trace, e) < 0)
		return -1;
	if (trun_read_run(*doc, spec, e) < 0)
		return -1;
	if (a->seed_s && unit_parse_u64(a->seed_s, &spec->seed, e) < 0)
		return err_prefix(e, "--seed: ");
	return 0;
}

static void stop_loop(void *l)
{
	loop_stop(l);
}

/* ---- populate ---- */

/* The dry run: the workload in simulation over recording tiers. */
static int needed_objects(struct args *a, struct rt_extent **ext, size_t *n, struct err *e)
{
	struct cfg_doc *doc = NULL;
	struct trun_spec spec;
	struct ev_engine *eng = NULL;
	struct met_registry *m = NULL;
	struct rt *rt = NULL;
	struct trun *tr = NULL;
	int rc = -1;
	if (load(a, &doc, &spec, e) < 0)
		goto out;
	eng = ev_engine_new(NULL);
	m = met_new();
	if (!eng || !m) {
		err_set(e, ERR_FAIL, "out of memory");
		goto out;
	}
	struct exec x = ev_executor(eng);
	struct rt_opts o = a->o;
	o.dry_run = 1;
	char dir[4096];
	cfg_dir_of(a->scenario, dir, sizeof dir);
	if (rt_build(&rt, doc, &x, NULL, &o, spec.seed, e) < 0 ||
	    trun_build_paths(&tr, doc, dir, &x, spec.seed, rt_paths(rt), rt_nodes(rt), trun_stop_engine, eng, e) < 0 ||
	    trun_start(tr, &x, m, spec.sample_ns, e) < 0)
		goto out;
	for (uint64_t t = 100000000ull;; t += 100000000ull) {
		uint64_t until = t < spec.until_ns ? t : spec.until_ns;
		int r = ev_run(eng, until, e);
		if (r < 0)
			goto out;
		if (r != EV_UNTIL || until == spec.until_ns)
			break;
	}
	if (trun_export(tr, m, ev_now(eng), e) < 0 || rt_needed(rt, ext, n, e) < 0)
		goto out;
	rc = 0;
out:
	trun_free(tr);
	rt_free(rt);
	met_free(m);
	ev_engine_free(eng);
	cfg_free(doc);
	return rc;
}

struct pop;

struct pop_slot {
	struct pop *p;
	struct bk_req req;
	size_t idx;        /* the object being written */
	uint64_t next_off; /* directory tiers: the next chunk */
};

struct pop {
	struct rt_bottom b;
	const struct rt_extent *ext;
	size_t n, next;
	uint64_t written_objs, written_bytes, skipped, failed;
	char first_error[1024];
	struct pop_slot slot[POPULATE_SLOTS];
	struct rt *rt;
};

static void pop_next(struct pop_slot *s);

static void pop_failed(struct pop_slot *s, const char *what)
{
	struct pop *p = s->p;
	p->failed++;
	if (!p->first_error[0]) {
		char errs[768] = "";
		rt_errors(p->rt, errs, sizeof errs);
		errs[strcspn(errs, "\n")] = '\0';
		snprintf(p->first_error, sizeof p->first_error, "object %016" PRIx64 ": %s: %s%s%s", p->ext[s->idx].obj,
			 what, bk_status_name(s->req.status), errs[0] ? ": " : "", errs);
	}
}

/* Directory tiers: writes one chunk at a time (the data path's unit). */
static void pop_write_chunk(struct pop_slot *s);

static void pop_written(struct bk_req *req)
{
	struct pop_slot *s = req->ctx;
	struct pop *p = s->p;
	if (req->status != BK_OK) {
		pop_failed(s, "write");
		pop_next(s);
		return;
	}
	p->written_bytes += req->length;
	if (p->b.kind != RT_COLD && s->next_off < p->ext[s->idx].bytes) {
		pop_write_chunk(s);
		return;
	}
	p->written_objs++;
	pop_next(s);
}

static void pop_submit(struct pop_slot *s, enum bk_op op, struct backend *b, uint64_t off, uint64_t len,
		       bk_done_fn done)
{
	memset(&s->req, 0, sizeof s->req);
	s->req.op = op;
	s->req.object = s->p->ext[s->idx].obj;
	s->req.offset = off;
	s->req.length = len;
	s->req.done = done;
	s->req.ctx = s;
	if (bk_submit(b, &s->req) < 0) {
		s->req.status = BK_EIO;
		pop_failed(s, "submit (out of memory)");
		pop_next(s);
	}
}

static void pop_write_chunk(struct pop_slot *s)
{
	struct pop *p = s->p;
	uint64_t end = p->ext[s->idx].bytes, off = s->next_off;
	uint64_t len = end - off < p->b.chunk_bytes ? end - off : p->b.chunk_bytes;
	s->next_off += len;
	pop_submit(s, BK_WRITE, &p->b.data, off, len, pop_written);
}

static void pop_headed(struct bk_req *req)
{
	struct pop_slot *s = req->ctx;
	struct pop *p = s->p;
	if (req->status == BK_OK && blob_req_value(req) >= p->ext[s->idx].bytes) {
		p->skipped++;
		pop_next(s);
		return;
	}
	if (req->status != BK_OK && req->status != BK_ENOENT) {
		pop_failed(s, "Get Blob Properties");
		pop_next(s);
		return;
	}
	pop_submit(s, BK_WRITE, &p->b.data, 0, p->ext[s->idx].bytes, pop_written);
}

static void pop_next(struct pop_slot *s)
{
	struct pop *p = s->p;
	while (p->next < p->n) {
		s->idx = p->next++;
		const struct rt_extent *x = &p->ext[s->idx];
		if (p->b.kind == RT_COLD) {
			pop_submit(s, BK_HEAD, &p->b.raw, 0, 0, pop_headed);
			return;
		}
		char rel[NAMES_OBJ_LEN + 1], path[4096];
		names_obj_path(rel, x->obj);
		snprintf(path, sizeof path, "%s/%s", p->b.dir, rel);
		struct stat st;
		if (stat(path, &st) == 0 && (uint64_t)st.st_size >= x->bytes) {
			p->skipped++;
			continue;
		}
		s->next_off = 0;
		pop_write_chunk(s);
		return;
	}
}

/* A directory bottom tier: 0 if its file system has room for what
 * populate will write, else -1 with e saying how much is missing, before
 * anything is written (a populate that stopped at a full disk would leave
 * the tier half filled and the disk full).  Counts each object's blocks
 * beyond those its file already has; directories' own blocks are not
 * counted. */
static int pop_space_check(const struct pop *p, struct err *e)
{
	struct statvfs fs;
	if (statvfs(p->b.dir, &fs) < 0)
		return err_set(e, ERR_FAIL, "tier %s: %s: %s", p->b.tier, p->b.dir, strerror(errno));
	uint64_t blk = fs.f_frsize ? fs.f_frsize : 4096, need = 0, objs = 0;
	for (size_t i = 0; i < p->n; i++) {
		char rel[NAMES_OBJ_LEN + 1], path[4096];
		names_obj_path(rel, p->ext[i].obj);
		snprintf(path, sizeof path, "%s/%s", p->b.dir, rel);
		struct stat st;
		uint64_t have = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
		if (have >= p->ext[i].bytes)
			continue;
		need += (p->ext[i].bytes + blk - 1) / blk - (have + blk - 1) / blk;
		objs++;
	}
	uint64_t avail = (uint64_t)fs.f_bavail;
	if (need <= avail)
		return 0;
	char has[32], needs[32];
	unit_fmt_bytes(has, sizeof has, (double)avail * (double)blk);
	unit_fmt_bytes(needs, sizeof needs, (double)need * (double)blk);
	return err_set(e, ERR_FAIL,
		       "tier %s: %s has %s free, and the %" PRIu64 " objects still to write need %s; "
		       "nothing was written: free space there, or give the tier a larger file system",
		       p->b.tier, p->b.dir, has, objs, needs);
}

struct created {
	int done, status;
};

static void container_done(struct bk_req *req)
{
	struct created *c = req->ctx;
	c->done = 1;
	c->status = req->status;
}

static int cmd_populate(int argc, char **argv)
{
	struct args a;
	int pr = parse(argc, argv, "populate", 0, &a);
	if (pr != 0)
		return pr > 0 ? EX_OK : EX_USAGE;
	if (credentials("populate", &a) < 0)
		return EX_USAGE;
	struct err e = { 0 };
	struct rt_extent *ext = NULL;
	size_t n = 0;
	struct cfg_doc *doc = NULL;
	struct loop *l = NULL;
	struct pop *p = NULL;
	int status = EX_FAIL;
	double t0 = trun_wall_seconds();
	if (needed_objects(&a, &ext, &n, &e) < 0)
		goto fail;
	struct trun_spec spec;
	if (load(&a, &doc, &spec, &e) < 0 || loop_new(&l, 256, &e) < 0)
		goto fail;
	if (!(p = calloc(1, sizeof *p))) {
		err_set(&e, ERR_FAIL, "out of memory");
		goto fail;
	}
	struct exec x = loop_executor(l);
	if (rt_build(&p->rt, doc, &x, l, &a.o, spec.seed, &e) < 0 || rt_bottom(p->rt, &p->b, &e) < 0)
		goto fail;
	if (p->b.kind == RT_COLD) {
		struct created c = { 0 };
		struct bk_req req = { .done = container_done, .ctx = &c };
		if (blob_create_container(&p->b.raw, &req) < 0 || loop_run(l, UINT64_MAX, &e) < 0)
			goto fail;
		if (!c.done || c.status != BK_OK) {
			err_set(&e, ERR_FAIL, "cannot create the container at %s: %s", a.o.cold_url,
				blob_last_error(&p->b.raw)[0] ? blob_last_error(&p->b.raw) : "no answer");
			goto fail;
		}
	}
	p->ext = ext;
	p->n = n;
	if (p->b.kind != RT_COLD && pop_space_check(p, &e) < 0)
		goto fail;
	uint64_t need = 0;
	for (size_t i = 0; i < n; i++)
		need += ext[i].bytes;
	for (size_t i = 0; i < POPULATE_SLOTS; i++) {
		p->slot[i].p = p;
		pop_next(&p->slot[i]);
	}
	if (loop_run(l, UINT64_MAX, &e) < 0)
		goto fail;
	printf("tierref populate: %s: tier %s holds the %zu objects (%.3f GB) the workload reads before it writes them: %" PRIu64
	       " written (%.3f GB), %" PRIu64 " already there, %" PRIu64 " failed, in %.2f s\n",
	       a.scenario, p->b.tier, n, need / 1e9, p->written_objs, p->written_bytes / 1e9, p->skipped, p->failed,
	       trun_wall_seconds() - t0);
	if (p->failed) {
		err_set(&e, ERR_FAIL, "%" PRIu64 " objects could not be written; the first: %s", p->failed, p->first_error);
		goto fail;
	}
	status = EX_OK;
fail:
	if (status != EX_OK)
		status = fail("populate", &e);
	if (p)
		rt_free(p->rt);
	free(p);
	loop_free(l);
	cfg_free(doc);
	free(ext);
	free(a.key);
	return status;
}

/* ---- run ---- */

static size_t inflight(struct rt *rt)
{
	size_t k = 0;
	for (size_t i = 0; i < rt_nodes(rt); i++)
		k += path_inflight(rt_paths(rt)[i]);
	return k;
}

static double metric(const struct met_registry *m, const char *name)
{
	const struct met_scalar *s = met_find(m, name);
	return s ? s->value : 0;
}

/* The line that says how fast the loop thread checked and generated the
 * bytes of each file backend in the run (PREFIX.content.*: filebk.h),
 * which `tierref probe` measured as the tiers' cpu_check_bw and
 * cpu_fill_bw.  Nothing when no backend timed any. */
static void print_content(const struct met_registry *m)
{
	static const char suffix[] = ".content.check_rate";
	const size_t sl = sizeof suffix - 1;
	int any = 0;
	for (size_t i = 0; i < met_nscalars(m); i++) {
		const char *name = met_scalar_at(m, i)->name;
		size_t n = strlen(name);
		if (n <= sl || strcmp(name + n - sl, suffix) != 0)
			continue;
		char key[320];
		int pl = (int)(n - sl);
		snprintf(key, sizeof key, "%.*s.content.check_bytes", pl, name);
		double cb = metric(m, key);
		snprintf(key, sizeof key, "%.*s.content.fill_bytes", pl, name);
		double fb = metric(m, key);
		snprintf(key, sizeof key, "%.*s.content.fill_rate", pl, name);
		double fr = metric(m, key);
		if (cb <= 0 && fb <= 0)
			continue;
		printf("%s %.*s:", any ? ";" : "the loop thread's content work (thread CPU time):", pl, name);
		if (cb > 0)
			printf(" checked %.*f MiB at %.2f GB/s", cb < 10 << 20 ? 1 : 0, cb / 1048576,
			       met_scalar_at(m, i)->value / 1e9);
		if (fb > 0)
			printf("%s generated %.*f MiB at %.2f GB/s", cb > 0 ? "," : "", fb < 10 << 20 ? 1 : 0,
			       fb / 1048576, fr / 1e9);
		any = 1;
	}
	if (any)
		putchar('\n');
}

/* A line for each hot tier instance's block device (PREFIX.device.*:
 * realtiers.h), the work the model's drive is charged for; run_s is the
 * run's time, [0, end].  Nothing when none was read. */
static void print_devices(const struct met_registry *m, double run_s)
{
	static const char suffix[] = ".device.busy";
	const size_t sl = sizeof suffix - 1;
	for (size_t i = 0; i < met_nscalars(m); i++) {
		const struct met_scalar *s = met_scalar_at(m, i);
		size_t n = strlen(s->name);
		if (n <= sl || strcmp(s->name + n - sl, suffix) != 0)
			continue;
		int pl = (int)(n - sl);
		double v[6];
		static const char *const what[6] = { "writes", "write_bytes", "discards", "discard_bytes", "reads",
						     "read_bytes" };
		for (int k = 0; k < 6; k++) {
			char key[320];
			snprintf(key, sizeof key, "%.*s.device.%s", pl, s->name, what[k]);
			v[k] = metric(m, key);
		}
		printf("the disk of %.*s meanwhile (its block device's counters, all its I/O): busy %.2f s of the "
		       "run's %.2f s, %.0f writes (%.1f MiB), %.0f discards (%.1f MiB), %.0f reads (%.1f MiB)\n",
		       pl, s->name, s->value, run_s, v[0], v[1] / 1048576, v[2], v[3] / 1048576, v[4], v[5] / 1048576);
	}
}

/* A cold bottom tier must answer before the run starts: one Get Blob
 * Properties (its retries bounded), so that an endpoint that is down
 * fails the run once and clearly rather than every request in turn. */
static int preflight(struct loop *l, struct rt *rt, const char *url, struct err *e)
{
	struct rt_bottom b;
	struct err ignore = { 0 };
	if (rt_bottom(rt, &b, &ignore) < 0 || b.kind != RT_COLD)
		return 0;
	struct created c = { 0 };
	struct bk_req req = { .op = BK_HEAD, .object = 0, .done = container_done, .ctx = &c };
	if (bk_submit(&b.raw, &req) < 0)
		return err_set(e, ERR_FAIL, "out of memory");
	while (!c.done)
		if (loop_run(l, loop_now(l) + 10000000ull, e) < 0)
			return -1;
	const char *why = blob_last_error(&b.raw);
	if (c.status == BK_ENOENT && !strstr(why, "BlobNotFound"))
		return err_set(e, ERR_FAIL, "the cold tier at %s answered 404 for a blob, but not BlobNotFound (%s): "
					    "is the container there (tierref populate makes it), and is this a Blob endpoint?",
			       url, why);
	if (c.status == BK_EIO && strstr(why, "HTTP "))
		return err_set(e, ERR_FAIL, "the cold tier at %s failed the first request: %s", url, why);
	if (c.status != BK_OK && c.status != BK_ENOENT)
		return err_set(e, ERR_FAIL, "the cold tier at %s does not answer (%s after retries): %s", url,
			       bk_status_name(c.status), why);
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct args a;
	int pr = parse(argc, argv, "run", 1, &a);
	if (pr != 0)
		return pr > 0 ? EX_OK : EX_USAGE;
	if (credentials("run", &a) < 0)
		return EX_USAGE;
	struct err e = { 0 };
	struct cfg_doc *doc = NULL;
	struct loop *l = NULL;
	struct rt *rt = NULL;
	struct trun *tr = NULL;
	struct met_registry *m = NULL;
	struct db *db = NULL;
	int status = EX_FAIL, created = 0, written = 0;
	char *scenario_text = NULL; /* with --trace: cfg_text of the scenario run */
	struct trun_spec spec;
	if (load(&a, &doc, &spec, &e) < 0 || loop_new(&l, 256, &e) < 0)
		goto fail;
	if (!(m = met_new())) {
		err_set(&e, ERR_FAIL, "out of memory");
		goto fail;
	}
	struct exec x = loop_executor(l);
	char dir[4096];
	cfg_dir_of(a.scenario, dir, sizeof dir);
	if (rt_build(&rt, doc, &x, l, &a.o, spec.seed, &e) < 0 ||
	    trun_build_paths(&tr, doc, dir, &x, spec.seed, rt_paths(rt), rt_nodes(rt), stop_loop, l, &e) < 0)
		goto fail;
	if (preflight(l, rt, a.o.cold_url, &e) < 0)
		goto fail;
	/* A database that is there is opened now, so that one that cannot
	 * be used fails before the run; a new one is made when the results
	 * are there (db_open_or_check). */
	if (db_open_or_check(&db, a.out, &e) < 0)
		goto fail;
	if (rt_add_series(rt, m) < 0) {
		err_set(&e, ERR_FAIL, "out of memory");
		goto fail;
	}
	/* The run's time starts with its workload, as the simulated run's
	 * does: the set-up above (each file backend's buffers made and first
	 * touched, the cold tier's preflight) is not the scenario's time.  It
	 * took 0.02-0.27 s, which [0, end] counted, and a checkpoint run of
	 * 0.5 s measured a third too slow. */
	if (loop_restart_clock(l, &e) < 0)
		goto fail;
	rt_reset_stats(rt);
	char started[32];
	trun_iso_now(started, sizeof started);
	struct hoststat host0, host1;
	hoststat_read(&host0, NULL);
	double t0 = trun_wall_seconds(), user0, sys0, cpu0 = loop_thread_cpu_s();
	loop_thread_cpu(&user0, &sys0);
	/* Ctrl-C or SIGTERM ends the workload where it is, as [run] until
	 * would: what is in flight completes (real I/O cannot be dropped),
	 * and the results so far are written. */
	const volatile sig_atomic_t *sig = trun_catch_signals();
	loop_set_interrupt(l, sig);
	if (trun_start(tr, &x, m, spec.sample_ns, &e) < 0 || loop_run(l, spec.until_ns, &e) < 0)
		goto fail;
	loop_set_interrupt(l, NULL);
	int interrupted = *sig && trun_active(tr);
	if (*sig)
		rt_stop(rt);
	int cut = !interrupted && trun_active(tr); /* at [run] until */
	/* The workload has ended (or [run] until came).  Background work
	 * still in flight (fills, write-back drains) then finishes before
	 * anything is counted, as in `tiersim run`, so the bytes per tier of
	 * both runs agree exactly; the measurement ends with it, and rates
	 * are over [0, end], the drain included (over the workload's time
	 * alone, a drain longer than the workload made a device busy more
	 * than all the time). */
	uint64_t work_end_ns = loop_now(l);
	met_sample_now(m, work_end_ns);
	/* The sampler's timer would keep the loop below running to the end
	 * of its slice after the last drain: the run must end with that. */
	met_sampler_stop(m);
	/* Cut at [run] until: the workload starts nothing more, and the
	 * drain below waits for the I/O in flight alone (it once ran the
	 * workload on for up to DRAIN_LIMIT_NS). */
	if (trun_active(tr))
		trun_stop(tr);
	for (uint64_t limit = loop_now(l) + DRAIN_LIMIT_NS; inflight(rt) && loop_now(l) < limit;)
		if (loop_run(l, loop_now(l) + 10000000ull, &e) < 0)
			goto fail;
	uint64_t end_ns = loop_now(l);
	double wall = trun_wall_seconds() - t0, user1, sys1;
	met_sample_now(m, end_ns);
	if ((end_ns > work_end_ns &&
	     met_set(m, "run.drain_seconds", (double)(end_ns - work_end_ns) / 1e9, "s") < 0) ||
	    (interrupted && met_set(m, "run.interrupted", (double)*sig, "signal") < 0) ||
	    (cut && met_set(m, "run.cut_seconds", work_end_ns / 1e9, "s") < 0)) {
		err_set(&e, ERR_FAIL, "out of memory");
		goto fail;
	}
	/* The client's own cost: the loop thread's CPU time for the run's
	 * work over the run's time, [0, end], the drain included, as the
	 * model's utilisation of its client threads counts it.  Near 1, the run measured this thread,
	 * not the devices (models/client.h predicts it). */
	loop_thread_cpu(&user1, &sys1);
	hoststat_read(&host1, NULL);
	rt_mark_end(rt);
	double cpu_user = user1 - user0, cpu_sys = sys1 - sys0, cpu = loop_thread_cpu_s() - cpu0;
	if (met_set(m, "client.cpu.user", cpu_user, "s") < 0 || met_set(m, "client.cpu.system", cpu_sys, "s") < 0 ||
	    met_set(m, "client.cpu.busy", end_ns ? cpu / (end_ns / 1e9) : 0, "ratio") < 0 ||
	    hoststat_export(&host0, &host1, m) < 0) {
		err_set(&e, ERR_FAIL, "out of memory");
		goto fail;
	}
	/* The discards still to do (punches under way, and those that waited
	 * for their objects' last operations, which have just ended) are
	 * done before the tiers are closed, outside the run's time and CPU:
	 * dropped here, they left a tier's files over its capacity. */
	for (uint64_t limit = loop_now(l) + DRAIN_LIMIT_NS; rt_busy(rt) && loop_now(l) < limit;)
		if (loop_run(l, loop_now(l) + 10000000ull, &e) < 0)
			goto fail;
	if (trun_export(tr, m, end_ns, &e) < 0 || rt_export(rt, m, end_ns, &e) < 0)
		goto fail;
	if (met_failed(m)) {
		err_set(&e, ERR_FAIL, "out of memory collecting metrics");
		goto fail;
	}
	/* The absolute path, so that `tiersim validate hardware` finds the
	 * files the scenario names (relative to its folder) from anywhere. */
	char abs_scenario[PATH_MAX];
	/* With --trace, the scenario as it ran (its trace key the file
	 * replayed), so that `validate hardware` simulates that trace: it
	 * once simulated the scenario's own, and blamed different logic. */
	if (a.trace && !(scenario_text = cfg_text(doc, "; tierref run --trace: the scenario as it ran (comments "
							"not kept)\n"))) {
		err_set(&e, ERR_FAIL, "out of memory");
		goto fail;
	}
	struct db_run_info info = {
		.kind = "measured",
		.started_at = started,
		.scenario_path = realpath(a.scenario, abs_scenario) ? abs_scenario : a.scenario,
		.scenario = scenario_text ? scenario_text : doc->text,
		.seed = spec.seed,
		.version = TIERSIM_VERSION,
		.sim_seconds = end_ns / 1e9,
		.wall_seconds = wall,
		.events = loop_events(l),
		.queue = "io_uring",
	};
	int64_t run_id;
	if (!db) {
		created = access(a.out, F_OK) != 0;
		if (db_open(&db, a.out, &e) < 0)
			goto fail;
	}
	if (db_write_run(db, &info, m, &run_id, &e) < 0)
		goto fail;
	written = 1;
	printf("tierref %s: %s, seed %llu\n", TIERSIM_VERSION, a.scenario, (unsigned long long)spec.seed);
	printf("ran %.3f s on real devices: hot %s%s%s%s%s; %llu loop events\n", end_ns / 1e9, a.o.hot_dir,
	       a.o.warm_dir ? ", warm " : "", a.o.warm_dir ? a.o.warm_dir : "", a.o.cold_url ? ", cold " : "",
	       a.o.cold_url ? a.o.cold_url : "", (unsigned long long)info.events);
	if (interrupted)
		printf("interrupted at %.3f s by SIG%s: the workload was stopped there, and what it had in flight "
		       "completed and is counted\n",
		       work_end_ns / 1e9, sigabbrev_np(*sig));
	else if (cut)
		printf("cut at %.3f s (until): the workload was stopped there, and what it had in flight completed "
		       "and is counted (run.cut_seconds)\n",
		       work_end_ns / 1e9);
	printf("\n");
	if (trun_summary(m, stdout) < 0) {
		err_set(&e, ERR_FAIL, "out of memory printing the summary");
		goto fail;
	}
	double mism = metric(m, "verify.mismatches"), failed = metric(m, "replay.failed");
	printf("\nverified every byte read: %.0f mismatches\n", mism);
	printf("the client thread is tierref's event loop: user %.3f s, system %.3f s of CPU\n", cpu_user, cpu_sys);
	if (host0.ok && host1.ok)
		printf("the host's memory meanwhile (/proc/vmstat, all processes): %.0f MiB read from disk, "
		       "%.0f pages reclaimed in the background and %.0f read again, %.0f pages scanned by direct "
		       "reclaim, %.0f direct compactions\n",
		       metric(m, "host.vmstat.pgpgin") / 1024, metric(m, "host.vmstat.pgscan_kswapd"),
		       metric(m, "host.vmstat.workingset_refault_file"), metric(m, "host.vmstat.pgscan_direct"),
		       metric(m, "host.vmstat.compact_stall"));
	if (host0.cpu_ok && host1.cpu_ok)
		printf("the host's CPUs meanwhile (/proc/stat, all processes and the kernel): busy %.2f s, "
		       "idle with I/O outstanding %.2f s, stolen by the hypervisor %.2f s (the run took %.2f s)\n",
		       metric(m, "host.cpu.busy"), metric(m, "host.cpu.iowait"), metric(m, "host.cpu.steal"), wall);
	if (host0.reported_ok && host1.reported_ok)
		printf("free memory handed back to the hypervisor meanwhile (page reporting): %.0f MiB\n",
		       metric(m, "host.page_reporting.reported") / 1024);
	print_devices(m, end_ns / 1e9);
	print_content(m);
	printf("results: run %lld in %s (kind measured)\n", (long long)run_id, a.out);
	fflush(stdout);
	char errs[2048] = "";
	rt_errors(rt, errs, sizeof errs);
	if (mism > 0) {
		err_set(&e, ERR_FAIL, "%.0f reads failed verification (bytes that are not the content they must have); "
				      "the run is recorded, but its data is wrong (populate skips an object already "
				      "there at its size, so remove the objects named and populate again):\n%s",
			mism, errs);
		goto fail;
	}
	/* Failures after a signal are the interrupted run's (blob_stop fails
	 * what was not yet sent): said, and the status is the signal's. */
	if (failed > 0) {
		err_set(&e, ERR_FAIL, "%.0f requests failed:\n%s", failed, errs);
		if (!interrupted)
			goto fail;
		fprintf(stderr, "tierref run: %s", e.msg);
	}
	/* Work no request waits for (fills, write-back drains, the write
	 * below a write-through) can fail with every request served: a
	 * drain that failed is data the run acknowledged that never reached
	 * the tier below.  Counted per tier (tier.NAME.errors, the path's
	 * failed backend operations); any fails the run too. */
	char tiers_failed[512] = "";
	double bg = 0;
	size_t tl = 0;
	for (size_t i = 0; i < met_nscalars(m); i++) {
		const struct met_scalar *sc = met_scalar_at(m, i);
		size_t nl = strlen(sc->name);
		if (sc->value <= 0 || strncmp(sc->name, "tier.", 5) != 0 || nl < 12 ||
		    strcmp(sc->name + nl - 7, ".errors") != 0)
			continue;
		bg += sc->value;
		char key[300];
		snprintf(key, sizeof key, "%.*s.fill_errors", (int)(nl - 7), sc->name);
		double nf = metric(m, key);
		snprintf(key, sizeof key, "%.*s.drain_errors", (int)(nl - 7), sc->name);
		double nd = metric(m, key);
		char detail[96] = "";
		if (nf > 0 && nd > 0)
			snprintf(detail, sizeof detail, " (%.0f fills, %.0f drains lost)", nf, nd);
		else if (nf > 0)
			snprintf(detail, sizeof detail, " (%.0f fills)", nf);
		else if (nd > 0)
			snprintf(detail, sizeof detail, " (%.0f drains lost)", nd);
		int w = snprintf(tiers_failed + tl, sizeof tiers_failed - tl, "%s%.*s %.0f%s", tl ? ", " : "",
				 (int)(nl - 12), sc->name + 5, sc->value, detail);
		if (w > 0)
			tl = tl + (size_t)w < sizeof tiers_failed ? tl + (size_t)w : sizeof tiers_failed - 1;
	}
	if (bg > 0) {
		err_set(&e, ERR_FAIL, "operations failed in the tiers (%s; a failed fill leaves its chunk to be read "
				      "from below; a failed write-back drain is data the run acknowledged that did not "
				      "reach the tier below, counted there as the write that failed and at the tier it "
				      "drained from as data lost; tier.NAME.errors, .fill_errors, .drain_errors):\n%s",
			tiers_failed, errs);
		if (!interrupted)
			goto fail;
		fprintf(stderr, "tierref run: %s", e.msg);
	}
	status = EX_OK;
	if (interrupted) {
		/* Recorded, and not a success: the shell's status for a
		 * process ended by that signal. */
		fprintf(stderr, "tierref run: interrupted by SIG%s; run %lld in %s holds the results up to then "
				"(run.interrupted)\n",
			sigabbrev_np(*sig), (long long)run_id, a.out);
		status = 128 + *sig;
	}
fail:
	if (status == EX_FAIL) {
		size_t len = strlen(e.msg);
		if (len && e.msg[len - 1] == '\n')
			e.msg[len - 1] = '\0';
		status = fail("run", &e);
	}
	db_close(db);
	/* A database made for results that then could not be written goes
	 * again (with the -wal and -shm SQLite may have left). */
	if (status != EX_OK && status < 128 && !written && created)
		trun_remove_db(a.out);
	trun_free(tr);
	rt_free(rt);
	met_free(m);
	loop_free(l);
	cfg_free(doc);
	free(scenario_text);
	free(a.key);
	return status;
}

/* ---- probe ---- */

static void usage_probe(FILE *f)
{
	fprintf(f, "usage: tierref probe --hot DIR [--warm DIR] [--cold URL] --out FILE.ini [--seconds S]\n"
		   "                    [--scratch SIZE] [--cold-scratch SIZE] [--keep-scratch] [--hot-tier NAME]\n"
		   "                    [--warm-tier NAME] [--cold-tier NAME]\n\n"
		   "Measures each device the way fio would -- QD1 latency distribution, bandwidth and\n"
		   "IOPS at queue depth 1, 4, 16 and 64, reads and writes, 4 KiB and 1 MiB -- through the\n"
		   "real backends (a scratch set in DIR/probe, deleted after unless --keep-scratch),\n"
		   "and writes a preset: [tier NAME] sections with the models' keys fitted to the\n"
		   "measurements, each number commented with what was measured (refimpl/probe.h).\n"
		   "Give it to `tiersim validate hardware --preset FILE.ini`.\n\n"
		   "  --hot DIR          the hot tier's device (model nvme; file backend, O_DIRECT)\n"
		   "  --warm DIR         the warm tier's directory (model warm; directory backend)\n"
		   "  --cold URL         the cold tier's Blob container (model cold), http://HOST:PORT/ACCOUNT/CONTAINER\n"
		   "                     (Azurite) or https://ACCOUNT.blob.core.windows.net/CONTAINER; credentials\n"
		   "                     from TIERREF_BLOB_KEY or TIERREF_BLOB_SAS (or --cold-key-file FILE), never\n"
		   "                     printed.  Its scratch set is 1 MiB blobs and 256 blobs of 4 KiB under\n"
		   "                     \"probe-PID-SEED/\", deleted after; it measures ttfb, put_ttfb,\n"
		   "                     connection_bw, egress, ingress and the client's CPU per request, not\n"
		   "                     the account's request-rate limits (see the preset's comments)\n"
		   "  --out FILE         the preset to write\n"
		   "  --seconds S        per point of the sweep (default 0.25; 16 points per device)\n"
		   "  --scratch SIZE     the scratch set each sweep reads and writes at random (default 1GiB):\n"
		   "                     larger than the caches between the program and the device, or\n"
		   "                     the sweep measures those caches\n"
		   "  --cold-scratch SIZE  the Blob tier's scratch set of 1 MiB blobs (default 64MiB: the host\n"
		   "                     caches no blob, and a large set slows the store it measures)\n"
		   "  --keep-scratch     leave DIR/probe in place after a successful probe (the Blob scratch\n"
		   "                     set is deleted all the same).  On ext4 without a journal, files\n"
		   "                     deleted in the last minute slow every create that follows, so a\n"
		   "                     measured run straight after the probe should not follow a deletion;\n"
		   "                     remove DIR/probe yourself once the run is done\n"
		   "  --hot-tier NAME    the section name for the hot tier (default hot)\n"
		   "  --warm-tier NAME   the section name for the warm tier (default warm)\n"
		   "  --cold-tier NAME   the section name for the cold tier (default cold)\n");
}

/* Before measuring: --out must be a file (or none yet) in a directory
 * that takes new files, since the preset is written beside it (tmp, its
 * name) and renamed into place.  0, or -1 with e (usage: exit 2). */
static int probe_out_check(const char *out, char *tmp, size_t cap, struct err *e)
{
	struct stat st;
	if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
		return err_set(e, ERR_INPUT, "--out %s: is a directory (name the preset file)", out);
	char dir[PATH_MAX];
	cfg_dir_of(out, dir, sizeof dir);
	if (stat(dir, &st) < 0)
		return err_set(e, ERR_INPUT, "--out %s: %s: %s", out, dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ERR_INPUT, "--out %s: %s is not a directory", out, dir);
	if (access(dir, W_OK | X_OK) < 0)
		return err_set(e, ERR_INPUT, "--out %s: cannot make a file in %s: %s", out, dir, strerror(errno));
	if ((size_t)snprintf(tmp, cap, "%s.tmp-%ld", out, (long)getpid()) >= cap)
		return err_set(e, ERR_INPUT, "--out %s: the name is too long", out);
	return 0;
}

static int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hot", required_argument, NULL, 'H' },      { "warm", required_argument, NULL, 'W' },
		{ "cold", required_argument, NULL, 'C' },     { "out", required_argument, NULL, 'o' },
		{ "seconds", required_argument, NULL, 's' },  { "hot-tier", required_argument, NULL, 'h' + 256 },
		{ "warm-tier", required_argument, NULL, 'w' + 256 }, { "scratch", required_argument, NULL, 'S' },
		{ "cold-tier", required_argument, NULL, 'c' + 256 }, { "cold-key-file", required_argument, NULL, 'K' },
		{ "keep-scratch", no_argument, NULL, 'k' + 256 }, { "help", no_argument, NULL, 'h' },
		{ "cold-scratch", required_argument, NULL, 'S' + 256 },
		{ NULL, 0, NULL, 0 },
	};
	const char *hot = NULL, *warm = NULL, *out = NULL, *hot_tier = "hot", *warm_tier = "warm", *cold_tier = "cold";
	struct probe_opts po = { .seconds = 0.25, .seed = 1 };
	uint64_t cold_scratch = 0; /* 0: probe_blob's default */
	struct args ca = { 0 }; /* --cold: its URL and credentials, as populate and run take them */
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H': hot = optarg; break;
		case 'W': warm = optarg; break;
		case 'o': out = optarg; break;
		case 'h' + 256: hot_tier = optarg; break;
		case 'w' + 256: warm_tier = optarg; break;
		case 'C': ca.o.cold_url = optarg; break;
		case 'K': ca.key_file = optarg; break;
		case 'c' + 256: cold_tier = optarg; break;
		case 'k' + 256: po.keep_scratch = 1; break;
		case 'S':
		case 'S' + 256: {
			struct err ue = { 0 };
			uint64_t *to = c == 'S' ? &po.scratch_bytes : &cold_scratch;
			if (unit_parse_bytes(optarg, to, &ue) < 0 || *to < (4u << 20)) {
				fprintf(stderr, "tierref probe: --%s %s: %s\n", c == 'S' ? "scratch" : "cold-scratch", optarg,
					ue.msg[0] ? ue.msg : "give at least 4MiB");
				return EX_USAGE;
			}
			break;
		}
		case 's': {
			char *end;
			po.seconds = strtod(optarg, &end);
			if (*end || !(po.seconds >= 0.01 && po.seconds <= 60)) {
				fprintf(stderr, "tierref probe: --seconds %s: give 0.01 to 60\n", optarg);
				return EX_USAGE;
			}
			break;
		}
		case 'h': usage_probe(stdout); return EX_OK;
		default: usage_probe(stderr); return EX_USAGE;
		}
	}
	if (optind != argc || !hot || !out) {
		fprintf(stderr, "tierref probe: %s\n", optind != argc ? "unexpected arguments" : "--hot DIR and --out FILE are required");
		usage_probe(stderr);
		return EX_USAGE;
	}
	if (ca.key_file && !ca.o.cold_url) {
		fprintf(stderr, "tierref probe: --cold-key-file is for --cold URL\n");
		return EX_USAGE;
	}
	struct err e = { 0 };
	struct loop *l = NULL;
	struct probe_result *r = calloc(3, sizeof *r);
	FILE *f = NULL;
	char tmp_out[PATH_MAX + 16];
	int status = EX_FAIL;
	double t0 = trun_wall_seconds();
	/* --cold: URL, credentials and parameters are checked before any
	 * device is measured (exit 2). */
	char cep[1024], cacc[256], ccont[256];
	struct blob_params bp;
	blob_params_default(&bp);
	if (ca.o.cold_url) {
		if (rt_parse_cold_url(ca.o.cold_url, cep, sizeof cep, cacc, sizeof cacc, ccont, sizeof ccont, &e) < 0)
			goto fail;
		if (credentials("probe", &ca) < 0) {
			free(r);
			return EX_USAGE;
		}
		bp.endpoint = cep;
		bp.account = cacc;
		bp.container = ccont;
		bp.key = ca.o.cold_key;
		bp.sas = ca.o.cold_sas;
	}
	if (!r) {
		err_set(&e, ERR_FAIL, "out of memory");
		goto fail;
	}
	/* --out is checked before a minute of measuring, not after it. */
	if (probe_out_check(out, tmp_out, sizeof tmp_out, &e) < 0)
		goto fail;
	if (loop_new(&l, 256, &e) < 0)
		goto fail;
	if (ca.o.cold_url) {
		struct backend cb;
		if (blob_new(l, &bp, &cb, &e) < 0) {
			err_prefix(&e, "--cold %s: ", ca.o.cold_url);
			goto fail;
		}
		cb.ops->destroy(cb.self);
	}
	/* Ctrl-C or SIGTERM: what is in flight completes, and the probe
	 * fails, removing its scratch sets (1 GiB each was left behind). */
	const volatile sig_atomic_t *sig = trun_catch_signals();
	po.stop = sig;
	struct probe_client pc;
	struct probe_opts cold_po = po;
	cold_po.scratch_bytes = cold_scratch;
	if (probe_client(&pc, &e) < 0 || probe_dir(l, PROBE_HOT, hot, &po, &r[0], &e) < 0 ||
	    (warm && probe_dir(l, PROBE_WARM, warm, &po, &r[1], &e) < 0) ||
	    (ca.o.cold_url && probe_blob(l, &bp, ca.o.cold_url, &cold_po, &r[2], &e) < 0))
		goto fail;
	/* The preset is written beside its place and renamed there when
	 * whole: a disk that filled up once left half a preset, which
	 * `validate hardware` read without complaint. */
	if (!(f = fopen(tmp_out, "w"))) {
		err_set(&e, ERR_INPUT, "--out %s: %s", out, strerror(errno));
		goto fail;
	}
	fprintf(f, "; tiersim device preset, measured by tierref probe %s in %.1f s (%.2f s per point)\n"
		   "; use: tiersim validate hardware --measured DB --preset THIS\n", TIERSIM_VERSION,
		trun_wall_seconds() - t0, po.seconds);
	int ok = probe_write_client(&pc, f) == 0 && probe_write_preset(&r[0], &pc, hot_tier, f) == 0 &&
		 (!warm || probe_write_preset(&r[1], &pc, warm_tier, f) == 0) &&
		 (!ca.o.cold_url || probe_write_preset(&r[2], &pc, cold_tier, f) == 0) && fflush(f) == 0 &&
		 fsync(fileno(f)) == 0;
	int err = ok ? 0 : errno;
	if (fclose(f) != 0 && ok) {
		ok = 0;
		err = errno;
	}
	f = NULL;
	if (ok && rename(tmp_out, out) != 0) {
		ok = 0;
		err = errno;
	}
	if (!ok) {
		unlink(tmp_out);
		err_set(&e, ERR_FAIL, "%s: cannot write: %s", out, strerror(err ? err : EIO));
		goto fail;
	}
	f = NULL;
	for (int k = 0; k < (warm ? 2 : 1); k++) {
		const struct probe_point *p1 = &r[k].pt[0][0][0];
		printf("tierref probe: %s tier %s: 4 KiB QD1 read p50 %.1f us p99 %.1f us; 1 MiB read %.1f MB/s at QD64\n",
		       k ? "warm" : "hot", k ? warm : hot, p1->p50_ns / 1e3, p1->p99_ns / 1e3,
		       r[k].pt[0][1][PROBE_NQD - 1].bps / 1e6);
	}
	if (ca.o.cold_url) {
		const struct probe_point *p1 = &r[2].pt[0][0][0], *w1 = &r[2].pt[1][0][0];
		printf("tierref probe: cold tier %s: 4 KiB GET QD1 p50 %.2f ms p99 %.2f ms; 4 KiB PUT QD1 p50 %.2f ms "
		       "p99 %.2f ms; 1 MiB GET %.1f MB/s at QD64; %llu scratch blobs under %s deleted\n",
		       ca.o.cold_url, p1->p50_ns / 1e6, p1->p99_ns / 1e6, w1->p50_ns / 1e6, w1->p99_ns / 1e6,
		       r[2].pt[0][1][PROBE_NQD - 1].bps / 1e6, (unsigned long long)r[2].deleted, r[2].prefix);
	}
	printf("tierref probe: preset %s written in %.1f s\n", out, trun_wall_seconds() - t0);
	status = EX_OK;
fail:
	if (f) {
		fclose(f);
		unlink(tmp_out);
	}
	if (status != EX_OK && po.stop && *po.stop) {
		fprintf(stderr, "tierref probe: interrupted by SIG%s: no preset written, the scratch sets removed\n",
			sigabbrev_np(*po.stop));
		status = 128 + *po.stop;
	} else if (status != EX_OK) {
		status = fail("probe", &e);
	}
	if (status != EX_OK) {
		if (po.keep_scratch) { /* a probe that failed keeps nothing */
			probe_remove_scratch(hot);
			if (warm)
				probe_remove_scratch(warm);
		}
	}
	free(r);
	loop_free(l);
	free(ca.key);
	return status;
}

int main(int argc, char **argv)
{
	struct err e = { 0 };
	if (memcap_apply(getenv(MEMCAP_ENV), &e) < 0) {
		fprintf(stderr, "tierref: %s\n", e.msg);
		return e.code == ERR_INPUT ? EX_USAGE : EX_FAIL;
	}
	if (argc < 2) {
		usage_main(stderr);
		return EX_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage_main(stdout);
		return EX_OK;
	}
	if (!strcmp(cmd, "--version")) {
		printf("tierref %s\n", TIERSIM_VERSION);
		return EX_OK;
	}
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = { { "populate", cmd_populate }, { "run", cmd_run }, { "probe", cmd_probe } };
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (!strcmp(cmd, cmds[i].name)) {
			char name[64]; /* getopt names argv[0]: "tierref run: unrecognized option" */
			snprintf(name, sizeof name, "tierref %s", cmds[i].name);
			argv[1] = name;
			return cmds[i].fn(argc - 1, argv + 1);
		}
	fprintf(stderr, "tierref: unknown command '%s' (populate, run or probe; tierref --help)\n", cmd);
	return EX_USAGE;
}
