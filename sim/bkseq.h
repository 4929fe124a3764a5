/*
 * bkseq — two backends in sequence, as one (backend.h): a request goes to
 * the first and, when that succeeds, to the second; it is done when the
 * second is, with the second's status (or the first's failure, and then
 * the second never sees it).  Its latency is the sum of the two.
 *
 * Why: a HEAD to an object store (PATH_META_OBJECT) passes the store's
 * metadata service and then the account itself, which bills it and counts
 * it against its request rate (models/cold.c), as Get Blob Properties is
 * billed and throttled on Azure, and as `tierref`'s Blob backend makes it.
 * Until 2026-11-25 the model sent HEADs to the metadata service alone,
 * free and unthrottled.
 *
 * Each request in flight holds one small record (malloc'd: these are
 * metadata operations, a fraction of the data path's).  The two backends
 * are borrowed: export, reset and destroy leave them to their owners.
 */
#ifndef TIERSIM_BKSEQ_H
#define TIERSIM_BKSEQ_H

#include "sim/backend.h"
#include "sim/err.h"

int bkseq_new(struct backend first, struct backend second, struct backend *out, struct err *e);

#endif
