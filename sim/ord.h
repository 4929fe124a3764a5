/*
 * ord — read-after-write ordering per unit, as a backend decorator
 * (backend.h), the layer the data path holds for every tier in both
 * programs: `tierref` (refimpl/realtiers.c) and `tiersim`
 * (models/tiered.c).
 *
 * A unit is a chunk of an object (unit_bytes, the data path's chunk: its
 * operations never cross one), or with unit_bytes 0 the whole object.
 * A READ of a unit that has a WRITE in flight through this decorator
 * waits until no write of that unit is in flight, then goes to the inner
 * backend; reads of the unit that arrive meanwhile wait behind it, in
 * arrival order.  Every other operation passes straight through, and so
 * does a read of a unit with no write in flight (no copy, no allocation:
 * the inner backend completes the caller's request itself).  Writes are
 * not ordered among themselves.  A write that fails fails the reads
 * waiting for it whose bytes overlap its own, with its status, after its
 * own done: those bytes may never have reached the device (a real file
 * reads zeros or ends there), so the read must not go to it.
 *
 * Files take chunks as units: a file's other chunks are other bytes, and
 * a real client reads them while one is written (a herd's fills of a
 * model shard and its reads of the shard's other chunks go at once).  So
 * does an object store: a blob written in pieces keeps each piece at its
 * offset, behind fills where a piece before it is short or missing
 * (refimpl/blob.h), and a commit changes the bytes of the pieces it
 * completes only, each a write in flight.  (Until 2026-11-27 a blob was
 * its pieces end to end, a chunk read while an earlier piece was
 * committed could be read at the wrong offset, and object stores took
 * whole objects as units.)
 *
 * Why it is in both.  A real file read while its chunk is still being
 * written can come back short or stale, so the reference path has to wait
 * for the write (the data path fills a tier as soon as the data arrives,
 * and a hit on that chunk can follow at once).  The wait is time, and the
 * simulator must spend it too: in `make validate`'s replay case the hot
 * tier's reads took 107.5 us on average at the path (p90 199 us) but
 * 88.5 us (p90 163 us) at the device, and the model, without this layer,
 * predicted 87.5 us for both.
 *
 * Per unit with a write in flight: one entry in a chained hash table
 * (back on a free list when its last write completes); per write in
 * flight and per waiting read: one request wrapper.  Both come from blocks
 * of 64 and are recycled, so a long run allocates only up to its peak,
 * and destroy frees them all.
 */
#ifndef TIERSIM_ORD_H
#define TIERSIM_ORD_H

#include "sim/backend.h"
#include "sim/err.h"

/* *out: the decorator over `in`.  Its export and reset pass to `in`; its
 * destroy frees the decorator only (the inner backend is the caller's).
 * Requests still waiting at destroy are dropped, never completed. */
int ord_wrap(struct backend in, uint64_t unit_bytes, struct backend *out, struct err *e);

#endif
