/*
 * training — a data-parallel GPU training job, as DLIO (and so MLPerf
 * Storage) runs it, over the nodes' data paths; and checkpointing, inside
 * the training job or as a checkpoint-only job.  Keys: training.h.
 *
 * Ranks.  G = nodes × gpus_per_node GPUs; rank r runs on job node
 * r / gpus_per_node and reads and writes through that node's path.
 *
 * Dataset (DLIO's).  F files of S samples; file f's samples all have
 * r_f bytes: r_f = record_length, or, with a stdev σ, a draw from
 * N(record_length, σ) truncated to >= 1 byte, one per file (DLIO's
 * generators draw one size per file), from the stream "job.NAME.dataset".
 * Sample i of file f is bytes [i·r_f, (i+1)·r_f) of object
 * wl_object_id(job, f), whose size is S·r_f.
 *
 * Schedule (DLIO main.py _train).  N = F·S samples; per epoch each rank
 * takes B-sample batches from its share, steps per epoch
 *   E = floor(N / (B·G)), capped by train.total_training_steps,
 * for `epochs` epochs (or until `steps` steps in all).  Rank r's share is
 * the ranks' contiguous range of n = ceil(N/G) samples (DLIO's
 * get_global_map_index): position k of epoch e reads global sample
 *   (r·n + π_{r,e}(k)) mod N,
 * π a permutation of [0, n) drawn per epoch (per run when
 * seed_change_epoch is off) if the file shuffles samples or files, else
 * the identity.  π is gsl_ran_shuffle over an array when all ranks' arrays
 * fit in 64 MiB (G·n <= 2^24), else a keyed 4-round Feistel permutation
 * with cycle walking (O(1) memory, for datasets of 10^8+ samples); keys
 * and shuffles come from the stream "job.NAME.shuffle".
 *
 * One step, per GPU (a state machine driven by the executor):
 *   DATA      wait until batch b has arrived (all B of its samples read);
 *   COMPUTE   for computation_time (± a N(0, stdev) draw, or a draw of
 *             the file's uniform, gamma, exponential or poisson
 *             distribution; its absolute value, as DLIO's utils.sleep
 *             takes; stream "job.NAME.compute");
 *   BARRIER   wait for every rank to finish the step (DLIO's
 *             comm.barrier() after each step; data-parallel training's
 *             all-reduce): a rank whose batch came late stalls all;
 *   CKPT      if a checkpoint is due: write the shard, then barrier.
 * The loader of each GPU runs beside it: it keeps up to read_threads
 * sample reads in flight, in order, and may read batch b only while
 * b < taken + prefetch (taken = batches the GPU has taken, the one being
 * computed included): DLIO's prefetch_size bounds the batches the loader
 * holds or is reading ahead.  Loaders do not run ahead into the next epoch
 * (a new DataLoader iterator per epoch, as in DLIO): each epoch starts
 * with its first batch's latency exposed.
 *
 * Accelerator utilisation, as MLPerf Storage defines it:
 *   AU = compute time / wall time,
 * per GPU over the job's life (start to the end of its last step or
 * restore), averaged over GPUs.  Per GPU, exactly:
 *   wall = compute + stall_data + stall_barrier + checkpoint,
 * stall_s = stall_data + stall_barrier (time lost to I/O).  (DLIO reports
 * AU per epoch and drops the first step of each; we keep the whole run so
 * AU, stall and checkpoint shares add up.)  Bandwidth-bound limit: with
 * storage delivering R bytes/s to a job that demands
 *   D = B·r·G / computation_time  (hardware-and-scale.md §5.1, [V] G1),
 * AU -> R/D when R < D (tests/test_training.c checks within 2%).
 *
 * Checkpoints.  Every `checkpoint_every` steps, or at the first step end
 * `checkpoint_interval` after the last checkpoint ended, or (DLIO's
 * default) at the end of epoch checkpoint_after_epoch and every
 * epochs_between_checkpoints after; all ranks write their shard at once
 * (path_write of the whole shard to a new object per checkpoint and rank)
 * and the job waits until every write is acknowledged by the data path:
 *   stall = max over ranks (ack time) - start,
 * so durability is the tier's write policy (path.h): write-back to local
 * NVMe acknowledges once the NVMe has it and drains later; write-through
 * waits for the tiers below.  Shard bytes: checkpoint_bytes on every
 * rank, or for a transformer file P × (b_model + 3 b_opt) / G (dlio.h:
 * ZeRO's 2 + 12 bytes/param for fp16 + fp32 Adam, [V] G5), or else the
 * shards DLIO's checkpointing writes (dlio_rank_checkpoint_bytes: without
 * ZeRO only the first model-parallel group writes, so UNet3D's model_size
 * comes from rank 0 alone, and every GPU waits for it).  `restores` reads the checkpoints back after the last
 * step (DLIO's num_checkpoints_read), one at a time.  A checkpoint-only job
 * (type checkpoint, or a file with workflow.train False) computes
 * time_between_checkpoints and then writes, num_checkpoints_write times.
 *
 * Not modelled: evaluation passes, data-loader CPU time (preprocess_time,
 * computation_threads), transfer_size (the path splits reads into its
 * chunks), the TF and PyTorch readers' differences (file-level sharding of
 * the iterative sampler), data generation.
 */
#include "training.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim/rng.h"
#include "traces/dlio.h"

enum gstate { G_IDLE = 0, G_DATA, G_COMPUTE, G_BARRIER, G_CKPT };

struct trn;
struct trn_gpu;

/* One read slot of a loader (read_threads per GPU): the read's context. */
struct trn_read {
	struct trn_gpu *g;
	uint64_t batch;
	struct trn_read *next;
};

struct trn_gpu {
	struct trn *t;
	uint32_t rank;
	struct path *p;
	/* loader, positions within the epoch */
	uint64_t next_pos;
	uint32_t inflight;
	uint64_t taken;          /* batches taken by the GPU this epoch */
	uint64_t *ready;         /* samples delivered of batch b, at b % prefetch */
	struct trn_read *slots, *free_slots;
	uint32_t *perm;          /* π when held as an array */
	uint64_t fkey[4];        /* π's Feistel keys otherwise */
	/* the GPU */
	enum gstate st;
	uint64_t since_ns;       /* when st began */
	uint64_t cur_compute_ns; /* length of the compute under way */
	uint64_t compute_ns, data_ns, barrier_ns, ckpt_ns;
};

enum ckpt_phase { PH_WRITE, PH_RESTORE };

struct trn {
	const struct exec *x;
	struct wl_env env;
	char *name;
	int ckpt_only;
	uint32_t G;
	struct trn_gpu *gpu;
	/* dataset */
	uint64_t files, spf, N, spp;
	uint64_t rec_bytes;
	uint64_t *file_rec;      /* per file when sizes vary, else NULL */
	/* loader */
	uint64_t batch, threads, prefetch;
	int shuffle, seed_change_epoch;
	unsigned feistel_half;   /* 0: π as arrays */
	/* schedule */
	uint64_t epochs, steps_per_epoch, max_steps;
	uint64_t compute_ns, compute_sd_ns;
	enum dlio_dist compute_dist; /* DLIO_NORMAL: compute_ns ± N(0, compute_sd_ns) */
	double compute_a, compute_b;  /* the others' parameters (dlio.h), seconds */
	/* checkpoints */
	int ckpt_on, ckpt_epoch_mode;
	uint64_t ckpt_every, ckpt_interval_ns, ckpt_after_epoch, ckpt_between_epochs;
	uint64_t ckpt_bytes, restores, ckpt_slots; /* ckpt_bytes: the largest shard */
	uint64_t *ckpt_rank;     /* per rank, when shards differ (dlio_rank_checkpoint_bytes); NULL: all ckpt_bytes */
	/* state */
	uint64_t epoch, step_in_epoch, epoch_steps, steps_done;
	uint32_t at_barrier;
	uint64_t next_ckpt_epoch, last_ckpt_ns;
	enum ckpt_phase phase;
	uint64_t ckpt_count, ckpt_start_ns, outstanding, restores_done;
	struct hist *ckpt_stall, *restore_stall;
	uint64_t samples, bytes_read, ckpt_written, restore_read, io_errors;
	gsl_rng *shuf, *comp;
	int started, finished, failed;
	struct err err;
	uint64_t start_ns, end_ns;
	uint64_t probe_ns;
	double probe_compute;
	double au_target;
	char **warnings;
	size_t nwarnings, nyaml; /* the first nyaml are the workload file's */
	char **mnames;           /* metric names, built once */
};

/* ---- permutations ---- */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t feistel(const uint64_t k[4], unsigned half, uint64_t v)
{
	uint64_t mask = (1ull << half) - 1, l = v >> half, r = v & mask;
	for (int i = 0; i < 4; i++) {
		uint64_t nl = r;
		r = l ^ (mix64(r ^ k[i]) & mask);
		l = nl;
	}
	return (l << half) | r;
}

/* π(k) of this GPU's current epoch. */
static uint64_t perm_at(const struct trn_gpu *g, uint64_t k)
{
	const struct trn *t = g->t;
	if (!t->shuffle)
		return k;
	if (g->perm)
		return g->perm[k];
	uint64_t v = k;
	do
		v = feistel(g->fkey, t->feistel_half, v);
	while (v >= t->spp);
	return v;
}

static void perm_draw(struct trn_gpu *g)
{
	struct trn *t = g->t;
	if (g->perm) {
		gsl_ran_shuffle(t->shuf, g->perm, (size_t)t->spp, sizeof *g->perm);
	} else {
		for (int i = 0; i < 4; i++)
			g->fkey[i] = gsl_rng_get(t->shuf);
	}
}

/* ---- accounting ---- */

static uint64_t now(const struct trn *t)
{
	return exec_now(t->x);
}

static void set_state(struct trn_gpu *g, enum gstate st, uint64_t t_ns)
{
	uint64_t d = t_ns - g->since_ns;
	switch (g->st) {
	case G_DATA:
		g->data_ns += d;
		break;
	case G_BARRIER:
		g->barrier_ns += d;
		break;
	case G_CKPT:
		g->ckpt_ns += d;
		break;
	case G_COMPUTE: /* counted whole at its end */
	case G_IDLE:
		break;
	}
	g->st = st;
	g->since_ns = t_ns;
}

/* Sums over GPUs up to now (partial states included). */
static void totals(const struct trn *t, uint64_t now_ns, double *compute, double *data, double *barrier,
		   double *ckpt)
{
	double c = 0, d = 0, b = 0, k = 0;
	for (uint32_t i = 0; i < t->G; i++) {
		const struct trn_gpu *g = &t->gpu[i];
		c += (double)g->compute_ns;
		d += (double)g->data_ns;
		b += (double)g->barrier_ns;
		k += (double)g->ckpt_ns;
		if (!t->started || t->finished || now_ns < g->since_ns)
			continue;
		double p = (double)(now_ns - g->since_ns);
		switch (g->st) {
		case G_COMPUTE:
			c += p < (double)g->cur_compute_ns ? p : (double)g->cur_compute_ns;
			break;
		case G_DATA:
			d += p;
			break;
		case G_BARRIER:
			b += p;
			break;
		case G_CKPT:
			k += p;
			break;
		case G_IDLE:
			break;
		}
	}
	*compute = c, *data = d, *barrier = b, *ckpt = k;
}

/* ---- the job ---- */

static void fail(struct trn *t, const struct err *e);
static void finish(struct trn *t);
static void try_take(struct trn_gpu *g);
static void proceed(struct trn *t);
static void ckpt_start(struct trn *t, enum ckpt_phase ph);

static uint64_t rec_of(const struct trn *t, uint64_t f)
{
	return t->file_rec ? t->file_rec[f] : t->rec_bytes;
}

static void read_done(void *ctx, int status, uint64_t bytes)
{
	struct trn_read *s = ctx;
	struct trn_gpu *g = s->g;
	struct trn *t = g->t;
	uint64_t batch = s->batch;
	s->next = g->free_slots;
	g->free_slots = s;
	g->inflight--;
	if (status != BK_OK)
		t->io_errors++;
	t->samples++;
	t->bytes_read += bytes;
	if (t->finished)
		return;
	g->ready[batch % t->prefetch]++;
	try_take(g);
}

/* Issues reads while a slot is free, the epoch has samples left, and the
 * batch is within the prefetch window. */
static void pump(struct trn_gpu *g)
{
	struct trn *t = g->t;
	uint64_t limit = t->epoch_steps * t->batch;
	while (!t->finished && g->free_slots && g->next_pos < limit && g->next_pos / t->batch < g->taken + t->prefetch) {
		uint64_t k = g->next_pos;
		uint64_t smp = ((uint64_t)g->rank * t->spp + perm_at(g, k)) % t->N;
		uint64_t f = smp / t->spf, i = smp % t->spf, r = rec_of(t, f);
		struct trn_read *s = g->free_slots;
		g->free_slots = s->next;
		s->batch = k / t->batch;
		struct err e = { 0 };
		if (path_read(g->p, wl_object_id(t->env.job_index, f), t->spf * r, i * r, r, read_done, s, &e) < 0) {
			s->next = g->free_slots;
			g->free_slots = s;
			fail(t, &e);
			return;
		}
		g->inflight++;
		g->next_pos++;
	}
}

static void compute_end(void *arg)
{
	struct trn_gpu *g = arg;
	struct trn *t = g->t;
	if (t->finished)
		return;
	uint64_t n = now(t);
	g->compute_ns += g->cur_compute_ns;
	g->cur_compute_ns = 0;
	set_state(g, G_BARRIER, n);
	if (++t->at_barrier < t->G)
		return;
	/* The step is over for every rank. */
	t->at_barrier = 0;
	for (uint32_t i = 0; i < t->G; i++)
		set_state(&t->gpu[i], G_IDLE, n);
	t->steps_done++;
	t->step_in_epoch++;
	int due = 0;
	if (t->ckpt_on && t->ckpt_bytes) {
		if (t->ckpt_every && t->steps_done % t->ckpt_every == 0)
			due = 1;
		if (t->ckpt_interval_ns && n - t->last_ckpt_ns >= t->ckpt_interval_ns)
			due = 1;
		if (t->ckpt_epoch_mode && t->step_in_epoch == t->epoch_steps && t->epoch + 1 == t->next_ckpt_epoch) {
			due = 1;
			t->next_ckpt_epoch += t->ckpt_between_epochs;
		}
	}
	if (due)
		ckpt_start(t, PH_WRITE);
	else
		proceed(t);
}

/* Takes the next batch if it has arrived, and computes. */
/* One step's compute (ns), as DLIO's utils.sleep draws it: from the
 * file's distribution, and then its absolute value (DLIO sleeps
 * abs(draw): a normal draw below 0 is not 0). */
static double compute_draw(struct trn *t)
{
	double d;
	switch (t->compute_dist) {
	case DLIO_UNIFORM: d = gsl_ran_flat(t->comp, t->compute_a, t->compute_b) * 1e9; break;
	case DLIO_GAMMA: d = gsl_ran_gamma(t->comp, t->compute_a, t->compute_b) * 1e9; break;
	case DLIO_EXPONENTIAL: d = gsl_ran_exponential(t->comp, t->compute_b) * 1e9; break;
	case DLIO_POISSON: d = (double)gsl_ran_poisson(t->comp, t->compute_a) * 1e9; break;
	default:
		d = (double)t->compute_ns;
		if (t->compute_sd_ns)
			d += gsl_ran_gaussian(t->comp, (double)t->compute_sd_ns);
	}
	return fabs(d);
}

static void try_take(struct trn_gpu *g)
{
	struct trn *t = g->t;
	if (g->st == G_DATA && !t->finished) {
		uint64_t slot = g->taken % t->prefetch;
		if (t->ckpt_only || g->ready[slot] == t->batch) {
			uint64_t n = now(t);
			if (g->ready)
				g->ready[slot] = 0;
			g->taken++;
			double d = compute_draw(t);
			/* llround is a long: above 2^63 it has no answer. */
			g->cur_compute_ns = d <= 0 ? 0 : d >= 0x1p64 ? UINT64_MAX : (uint64_t)(d + 0.5);
			if (g->cur_compute_ns > UINT64_MAX - 1 - n) {
				/* The executor would clamp the step's end to now
				 * (exec.h): steps of no time, AU past 1, and a
				 * run that never ends. */
				struct err e;
				err_set(&e, ERR_INPUT,
					"a step at %.6g s would end past the clock's end (2^64 ns, 584 years): "
					"use an earlier start or fewer steps",
					(double)n / 1e9);
				fail(t, &e);
				return;
			}
			set_state(g, G_COMPUTE, n);
			exec_at(t->x, n + g->cur_compute_ns, compute_end, g);
		}
	}
	if (!t->ckpt_only)
		pump(g);
}

static void begin_epoch(struct trn *t)
{
	uint64_t n = now(t);
	t->step_in_epoch = 0;
	t->epoch_steps = t->steps_per_epoch;
	if (t->max_steps && t->max_steps - t->steps_done < t->epoch_steps)
		t->epoch_steps = t->max_steps - t->steps_done;
	for (uint32_t i = 0; i < t->G; i++) {
		struct trn_gpu *g = &t->gpu[i];
		g->next_pos = 0;
		g->taken = 0;
		if (g->ready)
			memset(g->ready, 0, t->prefetch * sizeof *g->ready);
		if (t->shuffle && (t->epoch == 0 || t->seed_change_epoch))
			perm_draw(g);
	}
	for (uint32_t i = 0; i < t->G && !t->finished; i++) {
		set_state(&t->gpu[i], G_DATA, n);
		try_take(&t->gpu[i]);
	}
}

/* After a step (and its checkpoint): the next step, epoch, or the end. */
static void proceed(struct trn *t)
{
	if (t->step_in_epoch == t->epoch_steps) {
		t->epoch++;
		if (t->epoch >= t->epochs || (t->max_steps && t->steps_done >= t->max_steps)) {
			if (t->restores_done < t->restores && t->ckpt_bytes)
				ckpt_start(t, PH_RESTORE);
			else
				finish(t);
		} else {
			begin_epoch(t);
		}
		return;
	}
	uint64_t n = now(t);
	for (uint32_t i = 0; i < t->G && !t->finished; i++) {
		set_state(&t->gpu[i], G_DATA, n);
		try_take(&t->gpu[i]);
	}
}

static void ckpt_end(struct trn *t)
{
	uint64_t n = now(t);
	hist_record(t->phase == PH_WRITE ? t->ckpt_stall : t->restore_stall, n - t->ckpt_start_ns);
	for (uint32_t i = 0; i < t->G; i++)
		set_state(&t->gpu[i], G_IDLE, n);
	t->last_ckpt_ns = n;
	if (t->phase == PH_WRITE) {
		t->ckpt_count++;
		proceed(t);
	} else if (++t->restores_done < t->restores) {
		ckpt_start(t, PH_RESTORE);
	} else {
		finish(t);
	}
}

static void ckpt_io_done(void *ctx, int status, uint64_t bytes)
{
	struct trn_gpu *g = ctx;
	struct trn *t = g->t;
	if (status != BK_OK)
		t->io_errors++;
	if (t->phase == PH_WRITE)
		t->ckpt_written += bytes;
	else
		t->restore_read += bytes;
	if (--t->outstanding == 0 && !t->finished)
		ckpt_end(t);
}

static uint64_t shard_bytes(const struct trn *t, uint32_t rank)
{
	return t->ckpt_rank ? t->ckpt_rank[rank] : t->ckpt_bytes;
}

/* Every rank with a shard writes (reads back) it, for checkpoint c; the
 * others wait with them (ckpt_bytes > 0: at least one has one). */
static void ckpt_start(struct trn *t, enum ckpt_phase ph)
{
	uint64_t n = now(t);
	uint64_t c = ph == PH_WRITE ? t->ckpt_count : t->restores_done % (t->ckpt_count ? t->ckpt_count : 1);
	t->phase = ph;
	t->ckpt_start_ns = n;
	uint32_t left = 0;
	for (uint32_t i = 0; i < t->G; i++) {
		set_state(&t->gpu[i], G_CKPT, n);
		left += shard_bytes(t, i) > 0;
	}
	t->outstanding = left;
	for (uint32_t i = 0; i < t->G; i++) {
		struct trn_gpu *g = &t->gpu[i];
		uint64_t b = shard_bytes(t, i);
		if (!b)
			continue;
		uint64_t obj = wl_object_id(t->env.job_index, t->files + (c % t->ckpt_slots) * t->G + i);
		struct err e = { 0 };
		int rc = ph == PH_WRITE ? path_write(g->p, obj, b, 0, b, ckpt_io_done, g, &e)
					: path_read(g->p, obj, b, 0, b, ckpt_io_done, g, &e);
		if (rc < 0) {
			t->outstanding -= left; /* never issued */
			fail(t, &e);
			return;
		}
		left--;
	}
}

static void finish(struct trn *t)
{
	if (t->finished)
		return;
	uint64_t n = now(t);
	for (uint32_t i = 0; i < t->G; i++)
		set_state(&t->gpu[i], G_IDLE, n);
	t->finished = 1;
	t->end_ns = n;
	if (t->env.on_finish)
		t->env.on_finish(t->env.ctx);
}

static void fail(struct trn *t, const struct err *e)
{
	if (!t->failed) {
		t->failed = 1;
		t->err = *e;
		err_prefix(&t->err, "job %s: ", t->name);
		if (!t->err.code)
			t->err.code = ERR_FAIL;
	}
	finish(t);
}

static void start_cb(void *arg)
{
	struct trn *t = arg;
	t->started = 1;
	t->start_ns = now(t);
	t->last_ckpt_ns = t->start_ns;
	t->probe_ns = t->start_ns;
	for (uint32_t i = 0; i < t->G; i++)
		t->gpu[i].since_ns = t->start_ns;
	begin_epoch(t);
}

/* ---- wl_ops ---- */

static int trn_start(struct wl *w, struct err *e)
{
	struct trn *t = w->st;
	if (!exec_at(t->x, t->env.start_ns, start_cb, t))
		return err_set(e, ERR_FAIL, "job %s: out of memory", t->name);
	return 0;
}

static int trn_done(const struct wl *w)
{
	return ((const struct trn *)w->st)->finished;
}

static int trn_failed(const struct wl *w, struct err *e)
{
	const struct trn *t = w->st;
	if (!t->failed)
		return 0;
	if (e)
		*e = t->err;
	return -1;
}

void wl_training_stats(const struct wl *w, uint64_t now_ns, struct wl_training_stats *o)
{
	const struct trn *t = w->st;
	memset(o, 0, sizeof *o);
	double c, d, b, k;
	totals(t, now_ns, &c, &d, &b, &k);
	o->gpus = t->G;
	o->steps = t->steps_done;
	o->samples = t->samples;
	o->bytes_read = t->bytes_read;
	o->checkpoints = t->ckpt_count;
	o->checkpoint_bytes = t->ckpt_written;
	o->restores = t->restores_done;
	o->restore_bytes = t->restore_read;
	o->io_errors = t->io_errors;
	uint64_t end = t->finished ? t->end_ns : now_ns;
	o->wall_ns = t->started && end > t->start_ns ? end - t->start_ns : 0;
	o->compute_ns = c / t->G;
	o->stall_data_ns = d / t->G;
	o->stall_barrier_ns = b / t->G;
	o->checkpoint_ns = k / t->G;
	o->au = o->wall_ns ? o->compute_ns / (double)o->wall_ns : 0;
}

static int trn_export(struct wl *w, struct met_registry *m, uint64_t now_ns)
{
	struct trn *t = w->st;
	struct wl_training_stats s;
	wl_training_stats(w, now_ns, &s);
	double wall = (double)s.wall_ns / 1e9;
	struct {
		const char *k;
		double v;
		const char *u;
	} v[] = {
		{ "au", s.au, "ratio" },
		{ "au_target", t->au_target, "ratio" },
		{ "compute_s", s.compute_ns / 1e9, "s" },
		{ "wall_s", wall, "s" },
		{ "stall_s", (s.stall_data_ns + s.stall_barrier_ns) / 1e9, "s" },
		{ "stall_data_s", s.stall_data_ns / 1e9, "s" },
		{ "stall_barrier_s", s.stall_barrier_ns / 1e9, "s" },
		{ "checkpoint_s", s.checkpoint_ns / 1e9, "s" },
		{ "checkpoint_share", wall > 0 ? s.checkpoint_ns / 1e9 / wall : 0, "ratio" },
		{ "gpus", (double)s.gpus, "GPUs" },
		{ "steps", (double)s.steps, "steps" },
		{ "samples", (double)s.samples, "samples" },
		{ "bytes_read", (double)s.bytes_read, "B" },
		{ "checkpoints", (double)s.checkpoints, "checkpoints" },
		{ "checkpoint_bytes", (double)s.checkpoint_bytes, "B" },
		{ "restores", (double)s.restores, "restores" },
		{ "restore_bytes", (double)s.restore_bytes, "B" },
		{ "io_errors", (double)s.io_errors, "ops" },
		{ "yaml_warnings", (double)t->nyaml, "warnings" },
	};
	char name[300];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		if (!s.wall_ns && !strcmp(v[i].k, "au"))
			continue; /* 0 / 0: no AU (it read 0%), the row's AU blank */
		snprintf(name, sizeof name, "job.%s.%s", t->name, v[i].k);
		if (met_set(m, name, v[i].v, v[i].u) < 0)
			return -1;
	}
	const struct {
		const char *k;
		const struct hist *h;
	} hs[] = { { "checkpoint_stall", t->ckpt_stall }, { "restore_stall", t->restore_stall } };
	for (size_t i = 0; i < 2; i++) {
		if (!hist_count(hs[i].h))
			continue;
		snprintf(name, sizeof name, "job.%s.%s", t->name, hs[i].k);
		struct hist *h = met_hist(m, name, "ns");
		if (!h)
			return -1;
		hist_reset(h);
		hist_merge(h, hs[i].h);
	}
	return 0;
}

/* AU over the period since the last sample, within the job's life. */
static double au_probe(void *ctx, uint64_t now_ns)
{
	struct trn *t = ctx;
	double c, d, b, k;
	totals(t, now_ns, &c, &d, &b, &k);
	uint64_t lo = t->probe_ns, hi = t->finished && t->end_ns < now_ns ? t->end_ns : now_ns;
	if (t->started && lo < t->start_ns)
		lo = t->start_ns;
	double au = 0;
	if (t->started && hi > lo)
		au = (c - t->probe_compute) / ((double)t->G * (double)(hi - lo));
	else if (t->finished && lo >= t->end_ns)
		au = NAN; /* a period after the job's end (a drain): no AU, not 0 */
	t->probe_ns = now_ns;
	t->probe_compute = c;
	return au;
}

static int trn_add_series(struct wl *w, struct met_registry *m)
{
	struct trn *t = w->st;
	char name[300];
	snprintf(name, sizeof name, "job.%s.au", t->name);
	return met_series_add(m, name, "ratio", au_probe, t) ? 0 : -1;
}

static void trn_free(struct wl *w)
{
	struct trn *t = w ? w->st : NULL;
	if (!t)
		return;
	for (uint32_t i = 0; t->gpu && i < t->G; i++) {
		free(t->gpu[i].ready);
		free(t->gpu[i].slots);
		free(t->gpu[i].perm);
	}
	free(t->gpu);
	free(t->ckpt_rank);
	free(t->file_rec);
	hist_free(t->ckpt_stall);
	hist_free(t->restore_stall);
	if (t->shuf)
		gsl_rng_free(t->shuf);
	if (t->comp)
		gsl_rng_free(t->comp);
	for (size_t i = 0; i < t->nwarnings; i++)
		free(t->warnings[i]);
	free(t->warnings);
	free(t->name);
	free(t);
	w->st = NULL;
}

/* finish() already guards every step, read and checkpoint of the job. */
static void trn_stop(struct wl *w)
{
	finish(w->st);
}

static const struct wl_ops trn_ops = {
	.stop = trn_stop,
	.start = trn_start,
	.done = trn_done,
	.failed = trn_failed,
	.export = trn_export,
	.add_series = trn_add_series,
	.free = trn_free,
};

const char *const *wl_training_warnings(const struct wl *w, size_t *n)
{
	*n = 0;
	if (!w || w->ops != &trn_ops || !w->st)
		return NULL;
	const struct trn *t = w->st;
	*n = t->nwarnings;
	return (const char *const *)t->warnings;
}

/* ---- construction ---- */

static int load_workload(struct cfg_doc *d, struct cfg_section *s, const struct wl_env *env,
			 struct dlio_workload **w, struct err *e)
{
	const char *file = NULL;
	if (cfg_string(d, s, "workload", &file, e) < 0)
		return -1;
	if (!file)
		return dlio_load_string(w, "(no workload file)", "{}", 2, e);
	char *path = cfg_path_in(env->scenario_dir, file);
	if (!path)
		return err_set(e, ERR_FAIL, "out of memory");
	struct err e2 = { 0 };
	int rc = dlio_load(w, path, &e2);
	free(path);
	if (rc < 0) {
		if (e2.code == ERR_FAIL)
			return err_set(e, ERR_FAIL, "%s", e2.msg);
		return cfg_error(d, s, cfg_key(s, "workload"), e, "%s", e2.msg);
	}
	return 0;
}

/* 1 if the key is given: then a positive value is required. */
static int positive_u64(struct cfg_doc *d, struct cfg_section *s, const char *key, uint64_t *v, struct err *e)
{
	int rc = cfg_u64(d, s, key, v, e);
	if (rc > 0 && *v == 0)
		return cfg_error(d, s, cfg_key(s, key), e, "must be at least 1");
	return rc;
}

static uint64_t secs_ns(double s)
{
	return s > 0 ? (uint64_t)llround(s * 1e9) : 0;
}

/* The workload file's times and sizes become whole ns and bytes: each must
 * be below 2^63 of them (292 years, 8 EiB), which llround and the
 * conversions hold exactly.  (The file's numbers are any finite ones.) */
static int check_file_values(struct cfg_doc *d, struct cfg_section *s, const struct dlio_workload *w, struct err *e)
{
	const struct {
		const char *key;
		double v, scale;
		const char *unit;
	} v[] = {
		{ "train.computation_time", w->computation_time_s, 1e9, "s" },
		{ "train.computation_time_stdev", w->computation_time_stdev_s, 1e9, "s" },
		{ "checkpoint.time_between_checkpoints", w->time_between_checkpoints_s, 1e9, "s" },
		{ "dataset.record_length", w->record_length_bytes, 1, "bytes" },
		{ "dataset.record_length_stdev", w->record_length_bytes_stdev, 1, "bytes" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (v[i].v * v[i].scale >= 0x1p63)
			return cfg_error(d, s, cfg_key(s, "workload"), e, "%s: %s is %g %s: too large (at most 2^63 %s)",
					 w->path, v[i].key, v[i].v, v[i].unit, v[i].scale > 1 ? "ns" : "bytes");
	return 0;
}

/* The shards of a file without a transformer, as DLIO's checkpointing
 * writes them (dlio_rank_checkpoint_bytes): ckpt_bytes the largest, and
 * ckpt_rank when they differ.  -1 with e's message alone when one is too
 * large. */
static int dlio_shards(struct trn *t, const struct dlio_workload *w, struct err *e)
{
	uint64_t first = dlio_rank_checkpoint_bytes(w, 0), max = first;
	int same = 1;
	for (uint32_t r = 1; r < t->G && same; r++)
		same = dlio_rank_checkpoint_bytes(w, r) == first;
	if (!same && !(t->ckpt_rank = malloc(t->G * sizeof *t->ckpt_rank)))
		return err_set(e, ERR_FAIL, "out of memory");
	for (uint32_t r = 0; r < t->G && !same; r++) {
		t->ckpt_rank[r] = dlio_rank_checkpoint_bytes(w, r);
		if (t->ckpt_rank[r] > max)
			max = t->ckpt_rank[r];
	}
	if (max == UINT64_MAX)
		return err_set(e, ERR_INPUT, "a rank's checkpoint shard passes 2^64 - 1 bytes (or set checkpoint_bytes)");
	t->ckpt_bytes = max;
	return 0;
}

static int trn_warn(struct trn *t, struct err *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int configure(struct trn *t, struct cfg_doc *d, struct cfg_section *s, const struct dlio_workload *w,
		     size_t nodes, struct err *e)
{
	uint64_t gpn = 8;
	if (positive_u64(d, s, "gpus_per_node", &gpn, e) < 0)
		return -1;
	if (nodes == 0)
		return cfg_error(d, s, NULL, e, "the job has no nodes");
	if (gpn > (1u << 20) / nodes)
		return cfg_error(d, s, cfg_key(s, "gpus_per_node"), e, "%zu nodes × %llu GPUs: at most 2^20 GPUs", nodes,
				 (unsigned long long)gpn);
	t->G = (uint32_t)(nodes * gpn);
	t->au_target = w->au;
	if (check_file_values(d, s, w, e) < 0)
		return -1;

	/* Checkpointing. */
	t->ckpt_on = w->do_checkpoint;
	t->ckpt_every = w->steps_between_checkpoints > 0 ? (uint64_t)w->steps_between_checkpoints : 0;
	t->ckpt_epoch_mode = w->steps_between_checkpoints < 0;
	t->ckpt_after_epoch = w->checkpoint_after_epoch;
	t->ckpt_between_epochs = w->epochs_between_checkpoints ? w->epochs_between_checkpoints : 1;
	int every = positive_u64(d, s, "checkpoint_every", &t->ckpt_every, e);
	if (every < 0)
		return -1;
	int interval = cfg_time_ns(d, s, "checkpoint_interval", &t->ckpt_interval_ns, e);
	if (interval > 0 && t->ckpt_interval_ns == 0)
		return cfg_error(d, s, cfg_key(s, "checkpoint_interval"), e, "must be more than 0");
	int on = t->ckpt_on;
	int given = cfg_bool(d, s, "checkpoint", &on, e);
	int bytes_given = cfg_bytes(d, s, "checkpoint_bytes", &t->ckpt_bytes, e);
	if (every < 0 || interval < 0 || given < 0 || bytes_given < 0 ||
	    cfg_u64(d, s, "restores", &t->restores, e) < 0)
		return -1;
	if (every > 0 || interval > 0) {
		t->ckpt_on = 1;
		t->ckpt_epoch_mode = 0;
		if (every == 0 && interval > 0)
			t->ckpt_every = 0; /* the interval alone */
	}
	if (given > 0)
		t->ckpt_on = on;
	if (!bytes_given) {
		double total = dlio_checkpoint_bytes_total(w), rank = ceil(total / t->G);
		if (rank >= 0x1p64)
			return cfg_error(d, s, cfg_key(s, "workload"), e,
					 "%s: the transformer's checkpoint is %g bytes per rank: too large (at most 2^64 - 1; "
					 "or set checkpoint_bytes)",
					 w->path, rank);
		if (total > 0) {
			t->ckpt_bytes = (uint64_t)rank;
		} else if (dlio_shards(t, w, e) < 0) {
			char why[sizeof e->msg];
			snprintf(why, sizeof why, "%s", e->msg);
			return cfg_error(d, s, cfg_key(s, "workload"), e, "%s: %s", w->path, why);
		}
	}

	int ckpt_type = t->ckpt_only;
	if (!ckpt_type && !w->do_train) {
		if (!t->ckpt_on)
			return cfg_error(d, s, cfg_key(s, "workload"), e,
					 "%s has workflow.train False and no checkpointing: nothing to run", w->path);
		t->ckpt_only = 1;
	}

	uint64_t compute_ns = secs_ns(w->computation_time_s), sd_ns = secs_ns(w->computation_time_stdev_s);
	if (t->ckpt_only && (every > 0 || interval > 0))
		return cfg_error(d, s, cfg_key(s, every > 0 ? "checkpoint_every" : "checkpoint_interval"), e,
				 "a checkpoint-only job checkpoints after every computation_time; use checkpoints = N");
	if (t->ckpt_only) {
		/* Compute, write; num_checkpoints_write times; then the reads. */
		t->ckpt_on = 1;
		t->ckpt_every = 1;
		t->ckpt_epoch_mode = 0;
		t->ckpt_interval_ns = 0;
		t->epochs = 1;
		t->steps_per_epoch = w->num_checkpoints_write > 0 ? (uint64_t)w->num_checkpoints_write : 1;
		if (!t->restores && w->num_checkpoints_read > 0 && !cfg_key(s, "restores"))
			t->restores = (uint64_t)w->num_checkpoints_read;
		compute_ns = secs_ns(w->time_between_checkpoints_s);
		sd_ns = 0;
		if (positive_u64(d, s, "checkpoints", &t->steps_per_epoch, e) < 0)
			return -1;
		t->files = 0;
		t->batch = 1;
		t->prefetch = 1;
		t->ckpt_after_epoch = 1;
		if (t->ckpt_bytes == 0)
			return cfg_error(d, s, cfg_key(s, "checkpoint_bytes"), e, "must be more than 0");
	}
	if (cfg_time_ns(d, s, "computation_time", &compute_ns, e) < 0 ||
	    cfg_time_ns(d, s, "computation_time_stdev", &sd_ns, e) < 0)
		return -1;
	t->compute_ns = compute_ns;
	t->compute_sd_ns = sd_ns;
	/* The file's distribution, unless the scenario sets the time (a mean
	 * and stdev) or the job only checkpoints (time_between_checkpoints). */
	if (!t->ckpt_only && !cfg_key(s, "computation_time") && !cfg_key(s, "computation_time_stdev")) {
		t->compute_dist = w->computation_time_dist;
		t->compute_a = w->computation_time_a;
		t->compute_b = w->computation_time_b;
	}
	t->next_ckpt_epoch = t->ckpt_after_epoch;
	if (t->ckpt_bytes &&
	    wl_check_object(&t->env, d, s, "checkpoint_bytes", "a checkpoint shard", t->ckpt_bytes, e) < 0)
		return -1;

	if (t->ckpt_only) {
		/* The dataset's keys mean nothing here: say why, rather than
		 * leave them to cfg_check_unused's "unknown key". */
		static const char *const data_keys[] = { "files",   "samples_per_file", "sample_bytes",
							 "sample_bytes_stdev", "batch_size", "read_threads",
							 "prefetch", "epochs", "steps", "shuffle", NULL };
		for (size_t k = 0; data_keys[k]; k++) {
			struct cfg_kv *kv = cfg_key(s, data_keys[k]);
			if (kv)
				return cfg_error(d, s, kv, e,
						 "a checkpoint-only job (%s) reads no dataset: %s does not apply; use "
						 "checkpoints = N",
						 w->do_train ? "type = checkpoint" : "its workload file has workflow.train False",
						 data_keys[k]);
		}
		t->ckpt_slots = UINT32_MAX / t->G;
		return 0;
	}

	/* Dataset and loader. */
	t->files = w->num_files_train;
	t->spf = w->num_samples_per_file;
	t->rec_bytes = w->record_length_bytes >= 1 ? (uint64_t)llround(w->record_length_bytes) : 1;
	uint64_t sd_bytes = (uint64_t)llround(w->record_length_bytes_stdev);
	t->batch = w->batch_size;
	t->threads = w->read_threads ? w->read_threads : 1;
	t->prefetch = w->prefetch_size ? w->prefetch_size : 1;
	t->epochs = w->epochs;
	t->shuffle = w->sample_shuffle != DLIO_SHUFFLE_OFF || w->file_shuffle != DLIO_SHUFFLE_OFF;
	t->seed_change_epoch = w->seed_change_epoch;
	if (positive_u64(d, s, "files", &t->files, e) < 0 || positive_u64(d, s, "samples_per_file", &t->spf, e) < 0 ||
	    cfg_bytes(d, s, "sample_bytes", &t->rec_bytes, e) < 0 || cfg_bytes(d, s, "sample_bytes_stdev", &sd_bytes, e) < 0 ||
	    positive_u64(d, s, "batch_size", &t->batch, e) < 0 || positive_u64(d, s, "read_threads", &t->threads, e) < 0 ||
	    positive_u64(d, s, "prefetch", &t->prefetch, e) < 0 || positive_u64(d, s, "epochs", &t->epochs, e) < 0 ||
	    cfg_u64(d, s, "steps", &t->max_steps, e) < 0 || cfg_bool(d, s, "shuffle", &t->shuffle, e) < 0)
		return -1;
	const char *src = w->path;
	if (t->files == 0 || t->files >= UINT32_MAX)
		return cfg_error(d, s, NULL, e, "%s: dataset.num_files_train must be 1 to 2^32-2", src);
	if (t->spf == 0)
		return cfg_error(d, s, NULL, e, "%s: dataset.num_samples_per_file must be at least 1", src);
	if (t->batch == 0)
		return cfg_error(d, s, NULL, e, "%s: reader.batch_size must be at least 1", src);
	if (t->epochs == 0)
		return cfg_error(d, s, NULL, e, "%s: train.epochs must be at least 1", src);
	if (t->rec_bytes == 0)
		return cfg_error(d, s, cfg_key(s, "sample_bytes"), e, "must be more than 0");
	if (t->threads > 65536 || t->prefetch > 65536)
		return cfg_error(d, s, NULL, e, "read_threads and prefetch must be at most 65536");
	if (t->spf > UINT64_MAX / t->files)
		return cfg_error(d, s, NULL, e, "%s: too many samples", src);
	t->N = t->files * t->spf;
	t->spp = t->N / t->G + (t->N % t->G != 0);
	t->steps_per_epoch = t->N / t->G / t->batch;
	if (w->total_training_steps > 0 && (uint64_t)w->total_training_steps < t->steps_per_epoch)
		t->steps_per_epoch = (uint64_t)w->total_training_steps;
	if (t->steps_per_epoch == 0)
		return cfg_error(d, s, NULL, e,
				 "the dataset's %llu samples are fewer than batch_size × GPUs (%llu × %u): not one step",
				 (unsigned long long)t->N, (unsigned long long)t->batch, t->G);
	/* Checkpoint objects are numbered after the files, per GPU. */
	t->ckpt_slots = (UINT32_MAX - t->files) / t->G;
	if (t->ckpt_on && t->ckpt_slots == 0)
		return cfg_error(d, s, NULL, e, "too many files and GPUs to number the checkpoint objects");

	/* sample_bytes replaces the file's mean, and its stdev stays: said,
	 * as a stdev larger than the new mean is likely the file's scale (a
	 * fuzzed 1 MiB mean kept a 683 GB stdev, and ran out of memory). */
	if (cfg_key(s, "sample_bytes") && !cfg_key(s, "sample_bytes_stdev") && sd_bytes > t->rec_bytes &&
	    trn_warn(t, e, "sample_bytes = %llu bytes replaces %s's record_length, but its record_length_stdev "
		       "(%llu bytes) still applies; set sample_bytes_stdev",
		 (unsigned long long)t->rec_bytes, src, (unsigned long long)sd_bytes) < 0)
		return -1;
	if (sd_bytes > 0) {
		t->file_rec = malloc(t->files * sizeof *t->file_rec);
		char sname[300];
		snprintf(sname, sizeof sname, "job.%s.dataset", t->name);
		gsl_rng *r = rng_stream_new(t->env.seed, sname);
		if (!t->file_rec || !r) {
			if (r)
				gsl_rng_free(r);
			return err_set(e, ERR_FAIL, "job %s: out of memory for %llu file sizes", t->name,
				       (unsigned long long)t->files);
		}
		for (uint64_t f = 0; f < t->files; f++) {
			double v = 0;
			for (int tries = 0; tries < 64 && v < 1; tries++)
				v = (double)t->rec_bytes + gsl_ran_gaussian(r, (double)sd_bytes);
			t->file_rec[f] = v >= 1 ? (uint64_t)llround(v) : t->rec_bytes;
		}
		gsl_rng_free(r);
	}
	uint64_t rec = t->rec_bytes;
	for (uint64_t f = 0; t->file_rec && f < t->files; f++)
		if (t->file_rec[f] > rec)
			rec = t->file_rec[f];
	if (rec > UINT64_MAX / t->spf)
		return cfg_error(d, s, cfg_key(s, "sample_bytes"), e, "a file of %llu samples of %llu bytes is over 2^64 bytes",
				 (unsigned long long)t->spf, (unsigned long long)rec);
	return wl_check_object(&t->env, d, s, "samples_per_file", "a dataset file", t->spf * rec, e);
}

/* A warning for the caller to print (wl_training_warnings). */
static int trn_warn(struct trn *t, struct err *e, const char *fmt, ...)
{
	char msg[300], **v = realloc(t->warnings, (t->nwarnings + 1) * sizeof *v);
	if (!v)
		return err_set(e, ERR_FAIL, "out of memory");
	t->warnings = v;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!(t->warnings[t->nwarnings] = strdup(msg)))
		return err_set(e, ERR_FAIL, "out of memory");
	t->nwarnings++;
	return 0;
}

/* Checkpoints every K steps with K past the job's steps write none: said
 * (a job of 5 steps with checkpoint_every = 20 ran without a word). */
static int warn_unreached(struct trn *t, struct err *e)
{
	uint64_t total = t->epochs > UINT64_MAX / t->steps_per_epoch ? UINT64_MAX : t->epochs * t->steps_per_epoch;
	if (t->max_steps && t->max_steps < total)
		total = t->max_steps;
	if (t->ckpt_only || !t->ckpt_on || t->ckpt_epoch_mode || !t->ckpt_every || t->ckpt_every <= total)
		return 0;
	return trn_warn(t, e, "checkpoint_every = %llu is past the job's %llu steps: it writes no checkpoint",
		    (unsigned long long)t->ckpt_every, (unsigned long long)total);
}

static int create(struct wl *out, struct cfg_doc *d, struct cfg_section *s, const struct wl_env *env, int ckpt_only,
		  struct err *e)
{
	out->ops = &trn_ops;
	out->st = NULL;
	struct trn *t = calloc(1, sizeof *t);
	if (!t)
		return err_set(e, ERR_FAIL, "out of memory");
	out->st = t;
	t->x = env->x;
	t->env = *env;
	t->ckpt_only = ckpt_only;
	struct dlio_workload *w = NULL;
	if (!(t->name = strdup(env->name ? env->name : "")))
		goto oom;
	t->env.name = t->name;
	if (load_workload(d, s, env, &w, e) < 0)
		goto fail;
	/* Keep the file's warnings for the caller. */
	if (w->nwarnings) {
		t->warnings = w->warnings;
		t->nwarnings = t->nyaml = w->nwarnings;
		w->warnings = NULL;
		w->nwarnings = 0;
	}
	if (configure(t, d, s, w, env->nodes, e) < 0 || warn_unreached(t, e) < 0)
		goto fail;
	dlio_free(w);
	w = NULL;

	char sname[300];
	snprintf(sname, sizeof sname, "job.%s.shuffle", t->name);
	if (!(t->shuf = rng_stream_new(env->seed, sname)))
		goto oom;
	snprintf(sname, sizeof sname, "job.%s.compute", t->name);
	if (!(t->comp = rng_stream_new(env->seed, sname)) || !(t->ckpt_stall = hist_new()) ||
	    !(t->restore_stall = hist_new()) || !(t->gpu = calloc(t->G, sizeof *t->gpu)))
		goto oom;
	uint64_t gpn = t->G / env->nodes;
	int arrays = t->shuffle && !t->ckpt_only && t->spp <= UINT32_MAX && (uint64_t)t->G * t->spp <= (1u << 24);
	if (t->shuffle && !arrays && !t->ckpt_only) {
		unsigned bits = 1;
		while (bits < 64 && (t->spp - 1) >> bits)
			bits++;
		t->feistel_half = (bits + 1) / 2;
	}
	for (uint32_t i = 0; i < t->G; i++) {
		struct trn_gpu *g = &t->gpu[i];
		g->t = t;
		g->rank = i;
		g->p = env->paths[i / gpn];
		if (t->ckpt_only)
			continue;
		if (!(g->ready = calloc(t->prefetch, sizeof *g->ready)) || !(g->slots = calloc(t->threads, sizeof *g->slots)))
			goto oom;
		for (uint64_t k = 0; k < t->threads; k++) {
			g->slots[k].g = g;
			g->slots[k].next = g->free_slots;
			g->free_slots = &g->slots[k];
		}
		if (arrays) {
			if (!(g->perm = malloc(t->spp * sizeof *g->perm)))
				goto oom;
			for (uint64_t k = 0; k < t->spp; k++)
				g->perm[k] = (uint32_t)k;
		}
	}
	return 0;
oom:
	err_set(e, ERR_FAIL, "job %s: out of memory", env->name ? env->name : "");
fail:
	dlio_free(w);
	trn_free(out);
	out->st = NULL;
	return -1;
}

int wl_training_new(struct wl *out, struct cfg_doc *d, struct cfg_section *s, const struct wl_env *env, struct err *e)
{
	return create(out, d, s, env, 0, e);
}

int wl_checkpoint_new(struct wl *out, struct cfg_doc *d, struct cfg_section *s, const struct wl_env *env,
		      struct err *e)
{
	return create(out, d, s, env, 1, e);
}
