/*
 * training — the GPU training job (data loading, compute, checkpoints) and
 * the checkpoint-only job, as workload drivers (workload.h).  The model,
 * its equations and sources are in training.c; the keys are these:
 *
 *   [job NAME]
 *   type = training            (or checkpoint: no data loading, see below)
 *   workload = unet3d_h100.yaml   a DLIO / MLPerf Storage file (dlio.h),
 *                              relative to the scenario's folder; optional:
 *                              without it every parameter comes from keys
 *   gpus_per_node = 8          accelerators per node (ranks = nodes × this)
 *   ; overrides of the workload file (defaults: the file's, else DLIO's)
 *   epochs = 5                 train.epochs
 *   steps = 500                stop after this many steps in all (0: epochs)
 *   computation_time = 323ms   train.computation_time, per step
 *   computation_time_stdev = 0s
 *   batch_size = 7             reader.batch_size, samples per GPU per step
 *   read_threads = 4           reader.read_threads: reads in flight per GPU
 *   prefetch = 2               reader.prefetch_size: batches the loader may
 *                              hold or be reading ahead of the GPU
 *   files = 168                dataset.num_files_train
 *   samples_per_file = 1       dataset.num_samples_per_file
 *   sample_bytes = 146600628   dataset.record_length_bytes
 *   sample_bytes_stdev = 0     dataset.record_length_bytes_stdev
 *   shuffle = yes              reader.sample_shuffle / file_shuffle
 *   ; checkpointing (on when the file's workflow.checkpoint is, or when a
 *   ; key below is given; checkpoint = no turns it off)
 *   checkpoint = yes
 *   checkpoint_every = 100     every K steps (checkpoint.steps_between_checkpoints)
 *   checkpoint_interval = 30m  at the first step end T after the last one
 *   checkpoint_bytes = 4GiB    per rank, every rank; default: a transformer
 *                              file's P × 14 B / ranks, else DLIO's shards
 *                              (dlio_rank_checkpoint_bytes: UNet3D's
 *                              model_size from rank 0 alone)
 *   restores = 0               checkpoint reads after the last step
 *
 *   type = checkpoint keys: workload, gpus_per_node, checkpoint_bytes,
 *   checkpoints = 10 (checkpoint.num_checkpoints_write), restores = 10
 *   (num_checkpoints_read), computation_time (default the file's
 *   checkpoint.time_between_checkpoints): compute, write, compute, write...
 *
 * Metrics (per GPU means unless said): job.NAME.au, .compute_s, .wall_s,
 * .stall_s (= .stall_data_s + .stall_barrier_s: waiting for the batch, and
 * at the step's barrier for slower ranks' batches), .checkpoint_s,
 * .checkpoint_share (checkpoint_s / wall_s), and totals .gpus, .steps,
 * .samples, .bytes_read, .checkpoints, .checkpoint_bytes, .restores, .restore_bytes,
 * .io_errors, .au_target (the file's metric.au), .yaml_warnings;
 * histograms job.NAME.checkpoint_stall and .restore_stall (ns, one value
 * per checkpoint); series job.NAME.au (AU over each sampling period).
 */
#ifndef TIERSIM_TRAINING_H
#define TIERSIM_TRAINING_H

#include <stddef.h>

#include "traces/workload.h"

int wl_training_new(struct wl *out, struct cfg_doc *d, struct cfg_section *s, const struct wl_env *env,
		    struct err *e);
int wl_checkpoint_new(struct wl *out, struct cfg_doc *d, struct cfg_section *s, const struct wl_env *env,
		      struct err *e);

/* The workload file's warnings (unknown keys, "FILE:LINE: ..."), for the
 * caller to print; *n = 0 if none or the job is not a training job. */
const char *const *wl_training_warnings(const struct wl *w, size_t *n);

/* Totals so far, for tests and reports (per GPU means in ns). */
struct wl_training_stats {
	uint64_t gpus, steps, samples, bytes_read, checkpoints, checkpoint_bytes, restores, restore_bytes, io_errors;
	uint64_t wall_ns;
	double compute_ns, stall_data_ns, stall_barrier_ns, checkpoint_ns;
	double au;
};
void wl_training_stats(const struct wl *w, uint64_t now_ns, struct wl_training_stats *out);

#endif
