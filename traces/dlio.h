/*
 * dlio — DLIO and MLPerf Storage workload files, read as they are.
 *
 * DLIO (argonne-lcf/dlio_benchmark, the engine of MLPerf Storage) describes
 * a benchmark in YAML: sections model, framework, workflow, dataset,
 * reader (or data_reader), train, evaluation, checkpoint, storage,
 * profiling, output, metric.  dlio_load reads one such file with libyaml
 * (the document parser, which keeps the line of every node) into a plain
 * struct with DLIO's own defaults (dlio_benchmark/utils/config.py,
 * ConfigArguments) for the keys the file leaves out.
 *
 * Keys are those DLIO's LoadConfig reads, plus the older spellings that
 * the shipped files still use (dataset.record_length,
 * dataset.record_length_stdev, model.model_size, checkpoint.type ...).
 * Every key tiersim does not model (storage options, profiler, output
 * folders) is known and accepted.  A key DLIO does not know is a warning,
 * "FILE:LINE: unknown key 'reader.foo' (ignored)", collected in
 * warnings[] for the caller to print (library code does not print).
 *
 * A malformed value is an error naming file, line and key:
 *   "w.yaml:7: reader.batch_size: "abc" is not a whole number >= 0"
 * Wrong types: a string, list or mapping where a number or a boolean is
 * expected (a quoted "7" is a string, as in YAML), a fraction for a count,
 * a negative number (except the -1 that DLIO uses for "off" in
 * total_training_steps, steps_between_checkpoints, num_checkpoints_*,
 * time_between_checkpoints and model.parallelism.data), NaN or infinity.
 * Aliases (YAML's &name and *name) are read as PyYAML reads them, each use
 * a copy; but they may repeat at most 10000 keys beyond the file's own,
 * since a few kilobytes of nested aliases would otherwise make millions:
 *   "w.yaml:9: model.parallelism: aliases repeat more than 10000 keys; ..."
 */
#ifndef TIERSIM_DLIO_H
#define TIERSIM_DLIO_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"

enum dlio_shuffle {
	DLIO_SHUFFLE_OFF = 0,
	DLIO_SHUFFLE_SEED,   /* seeded: the same order for the same seed */
	DLIO_SHUFFLE_RANDOM,
};

struct dlio_workload {
	char *path;                     /* as given, for messages */

	/* model */
	char *model_name, *model_type;
	uint64_t model_size_bytes;      /* model.model_size(_bytes): per rank (DLIO), 10240 */
	int64_t num_layers;             /* -1 */
	char *model_datatype;           /* "fp16" */
	char *optimizer_datatype;       /* "fp32" */
	uint64_t tensor_parallelism, pipeline_parallelism; /* 1, 1 */
	int64_t data_parallelism;       /* -1: derived */
	uint64_t zero_stage;            /* 0 */
	uint64_t vocab_size, hidden_size, ffn_hidden_size; /* 32000, 2048, 8192 */
	/* model.optimization_groups, model.layer_parameters: DLIO's predefined
	 * optimizer groups and per-layer tensors (elements; [] by default) */
	uint64_t *optimization_groups, *layer_parameters;
	size_t n_optimization_groups, n_layer_parameters;
	uint64_t num_attention_heads, num_kv_heads;        /* 32, 8 */

	char *framework;                /* "tensorflow" */

	/* workflow */
	int generate_data, do_train, do_eval, do_checkpoint, do_profiling; /* 0 1 0 0 0 */

	/* dataset */
	uint64_t num_files_train;       /* 8 */
	uint64_t num_files_eval;        /* 0 */
	uint64_t num_samples_per_file;  /* 1 */
	double record_length_bytes;     /* 65536 */
	double record_length_bytes_stdev;  /* 0 */
	double record_length_bytes_resize; /* 0 */
	char *format, *data_folder;     /* "tfrecord", "./data/" */

	/* reader */
	char *data_loader;              /* "tensorflow" */
	uint64_t batch_size;            /* 1 */
	uint64_t batch_size_eval;       /* 1 */
	uint64_t read_threads;          /* 1 */
	uint64_t computation_threads;   /* 1 */
	uint64_t prefetch_size;         /* 2 */
	uint64_t shuffle_size;          /* 1024 */
	uint64_t transfer_size;         /* 0: whole samples */
	enum dlio_shuffle file_shuffle, sample_shuffle; /* off, off */

	/* train */
	uint64_t epochs;                /* 1 */
	double computation_time_s;      /* 0; with a distribution, its mean */
	double computation_time_stdev_s; /* 0 */
	/* computation_time: {type: T, ...}, as DLIO's utils.sleep draws it
	 * (seconds): normal (mean, stdev: the _s fields; also a bare number
	 * or {mean, stdev}), uniform (a = min, b = max), gamma (a = shape,
	 * b = scale), exponential (b = scale), poisson (a = lam). */
	enum dlio_dist { DLIO_NORMAL, DLIO_UNIFORM, DLIO_GAMMA, DLIO_EXPONENTIAL, DLIO_POISSON } computation_time_dist;
	double computation_time_a, computation_time_b;
	int64_t total_training_steps;   /* -1: all steps of each epoch */
	uint64_t seed;                  /* 123 */
	int seed_change_epoch;          /* 1 */

	/* evaluation */
	double eval_time_s;             /* 0 */
	uint64_t eval_after_epoch, epochs_between_evals; /* 1, 1 */

	/* checkpoint */
	char *checkpoint_folder;
	uint64_t checkpoint_after_epoch;      /* 1 */
	uint64_t epochs_between_checkpoints;  /* 1 */
	int64_t steps_between_checkpoints;    /* -1: at epoch ends */
	double time_between_checkpoints_s;    /* -1 (checkpoint-only runs) */
	int64_t num_checkpoints_write;        /* -1 */
	int64_t num_checkpoints_read;         /* -1 */
	int checkpoint_fsync;                 /* 0 */

	/* metric */
	double au;                      /* 0.90: the AU target */

	/* "FILE:LINE: unknown key 'S.K' (ignored)" for each unknown key */
	char **warnings;
	size_t nwarnings;

	/* private: which keys the file set (see dlio_has) */
	unsigned char *seen_;
};

/* Reads a workload file.  0, or -1 with e filled (ERR_INPUT naming
 * file, line and key; ERR_FAIL for I/O or out of memory). */
int dlio_load(struct dlio_workload **out, const char *path, struct err *e);
/* The same from text held in memory (`path` is used in messages only). */
int dlio_load_string(struct dlio_workload **out, const char *path, const char *text, size_t len,
		     struct err *e);
void dlio_free(struct dlio_workload *w);

/* 1 if the file set the key ("reader.batch_size", "checkpoint", a section
 * name: any key under it), else 0. */
int dlio_has(const struct dlio_workload *w, const char *key);

/* Bytes of one element of a datatype named in a DLIO file: fp16, bf16 and
 * int16 2; fp32, int32 4; fp64, int64 8; fp8, int8, uint8 1; else 0. */
unsigned dlio_dtype_bytes(const char *name);

/* Parameters of the transformer of model.transformer (Llama layout, as
 * DLIO's checkpointing derives them), or 0 if the file has no
 * model.transformer section or num_layers:
 *   P = L (2h^2 + 2h·kv·h/a + 3h·f + 2h) + 2·V·h + h
 * (q and o projections h×h; k and v h×(kv heads × head dim); gate, up
 * and down projections h×f; two norms per layer; untied input and output
 * embeddings V×h; the final norm).  Llama 3 8B: 8.03e9, 70B: 7.06e10,
 * 405B: 4.06e11. */
double dlio_transformer_params(const struct dlio_workload *w);

/* Bytes rank r writes in one checkpoint of a file without a transformer
 * (DLIO's BaseCheckpointing, which allocates int8 tensors: an element is a
 * byte), or 0 if r writes none:
 *   writers  with zero_stage 0, the model-parallel group of data-parallel
 *            replica 0 (ranks r < tp·pp); with ZeRO, every rank;
 *   bytes    model_size (model.type not transformer)
 *            + 3 Σ optimization_groups (each group's two tensors, and
 *              the combined one)
 *            + L_r · Σ floor(layer_parameters_i / tp), the layer state of
 *              the transformer layers of r's pipeline stage (r/tp mod pp),
 *              saved by every writer with zero_stage 0 or 3, and by
 *              replica 0's (r < tp·pp) with zero_stage 1 or 2;
 *   L_r      floor(num_layers / pp), one more on the first num_layers
 *            mod pp stages (0 without num_layers).
 * So a file of model_size alone (UNet3D's) has rank 0 write it, once.
 * UINT64_MAX if the sum passes 2^64 - 1. */
uint64_t dlio_rank_checkpoint_bytes(const struct dlio_workload *w, uint64_t r);

/* Bytes a restartable checkpoint of the whole model holds, for a
 * transformer file: P × (b_model + 3 b_opt) — the weights in the model
 * datatype plus mixed-precision Adam state, an fp32 master copy and two
 * moments in the optimizer datatype (ZeRO's K = 12 for fp32;
 * hardware-and-scale.md §5.2, [V] G5): 14 B/param for fp16 + fp32.
 * 0 if the file has no transformer. */
double dlio_checkpoint_bytes_total(const struct dlio_workload *w);

#endif
