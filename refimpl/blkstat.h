/*
 * blkstat — a block device's own counters, for the directory a real tier
 * keeps its files in: what the device did, whoever asked (the tier, the
 * file system's journal, other processes, other tiers on the same disk).
 *
 * Read from /sys/dev/block/MAJ:MIN/stat of the directory's st_dev (a
 * partition, an md or dm device: its own line), whose fields are listed
 * in the kernel's Documentation/block/stat.rst: 1 reads completed, 3
 * sectors read, 5 writes completed, 7 sectors written, 10 io_ticks (ms
 * with at least one request in flight), 12 discards completed, 14 sectors
 * discarded; a sector is 512 bytes whatever the device's block size.  The
 * discard fields came with Linux 4.18; an older kernel's 11 fields are an
 * error rather than zeros that would read as "no discards".
 *
 * Users: tierref probe (the hot tier's discard_bw: probe.h, "Discards")
 * and tierref run (each hot tier instance's device over the run:
 * realtiers.h, "Metrics").
 */
#ifndef TIERSIM_BLKSTAT_H
#define TIERSIM_BLKSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"
#include "sim/metrics.h"

struct blkstat {
	uint64_t reads, read_sectors, writes, write_sectors, io_ticks_ms, discards, discard_sectors;
};

/* The stat file of the device that holds dir, into path (cap bytes): 0;
 * -1 with e filled when dir cannot be stat'ed (ERR_INPUT) or lives on no
 * block device (tmpfs, overlayfs, NFS: major 0; ERR_INPUT, saying so). */
int blkstat_path(const char *dir, char *path, size_t cap, struct err *e);

/* Reads the counters from path: 0, or -1 with e filled (ERR_INPUT) when
 * it cannot be read or holds fewer than the 15 fields of Linux 4.18. */
int blkstat_read(const char *path, struct blkstat *b, struct err *e);

/* after - before, field by field. */
struct blkstat blkstat_delta(const struct blkstat *after, const struct blkstat *before);

/* The delta d into m as PREFIX.device.{busy (s), reads, read_bytes,
 * writes, write_bytes, discards, discard_bytes}: 0, or -1 out of memory. */
int blkstat_export(const struct blkstat *d, const char *prefix, struct met_registry *m);

#endif
