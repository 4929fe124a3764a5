/* bkseq — see bkseq.h. */
#include "bkseq.h"

#include <stdlib.h>

struct bkseq_io;

struct bkseq {
	struct backend first, second;
	struct bkseq_io *live; /* in flight, for destroy (backend.h: dropped, freed) */
};

/* The request as each backend sees it: a copy of the caller's, so that
 * each backend has its private fields to itself. */
struct bkseq_io {
	struct bk_req in;
	struct bk_req *outer;
	struct bkseq *s;
	int stage; /* 0: at the first backend, 1: at the second */
	struct bkseq_io *prev, *next;
};

static void bkseq_unlink(struct bkseq_io *io)
{
	if (io->prev)
		io->prev->next = io->next;
	else
		io->s->live = io->next;
	if (io->next)
		io->next->prev = io->prev;
}

static void bkseq_done(struct bk_req *in);

static int bkseq_issue(struct bkseq_io *io)
{
	io->in = *io->outer;
	io->in.done = bkseq_done;
	io->in.ctx = io;
	return bk_submit(io->stage ? &io->s->second : &io->s->first, &io->in);
}

static void bkseq_done(struct bk_req *in)
{
	struct bkseq_io *io = in->ctx;
	struct bk_req *outer = io->outer;
	if (io->stage == 0 && in->status == BK_OK) {
		io->stage = 1;
		if (bkseq_issue(io) == 0)
			return;
		in->status = BK_EIO; /* out of memory inside the second */
	}
	outer->status = in->status;
	outer->retries = in->retries;
	bkseq_unlink(io);
	free(io);
	outer->done(outer);
}

static int bkseq_submit(void *self, struct bk_req *req)
{
	struct bkseq_io *io = malloc(sizeof *io);
	if (!io)
		return -1;
	struct bkseq *s = self;
	io->outer = req;
	io->s = s;
	io->stage = 0;
	req->status = BK_OK;
	req->retries = 0;
	io->prev = NULL;
	io->next = s->live;
	if (s->live)
		s->live->prev = io;
	s->live = io;
	if (bkseq_issue(io) < 0) {
		bkseq_unlink(io);
		free(io);
		return -1;
	}
	req->submit_ns = io->in.submit_ns;
	return 0;
}

static int bkseq_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	(void)self, (void)prefix, (void)m, (void)now_ns;
	return 0;
}

static void bkseq_reset(void *self)
{
	(void)self;
}

static void bkseq_destroy(void *self)
{
	struct bkseq *s = self;
	for (struct bkseq_io *io = s->live, *nx; io; io = nx) {
		nx = io->next;
		free(io);
	}
	free(s);
}

/* No discard: a sequence carries metadata operations (see above). */
static const struct bk_ops bkseq_ops = {
	.name = "sequence", .submit = bkseq_submit, .export = bkseq_export, .reset_stats = bkseq_reset,
	.destroy = bkseq_destroy,
};

int bkseq_new(struct backend first, struct backend second, struct backend *out, struct err *e)
{
	struct bkseq *s = malloc(sizeof *s);
	if (!s)
		return err_set(e, ERR_FAIL, "out of memory");
	s->first = first;
	s->second = second;
	s->live = NULL;
	*out = (struct backend){ &bkseq_ops, s };
	return 0;
}
