/*
 * fuzz_trace — what the trace-reader harnesses (fuzz_trace_*.c) share:
 * reading one input to its end twice, once with a strict reader and once
 * with a lenient one (struct trace_opts), and checking the reader
 * contract of traces/trace.h on the way:
 *
 *   - trace_next answers 1, 0 or -1, and is not asked again after 0 or -1;
 *   - a failure to open or to read leaves ERR_INPUT or ERR_FAIL and a
 *     message; a failure to read names the file;
 *   - a record's op is an enum trace_op; its next_access_vtime is >= 0 or
 *     -1 (never) on a reader with has_next_access, TRACE_NEXT_UNKNOWN on
 *     any other;
 *   - a lenient reader that skipped records kept the first one's message;
 *   - the two readers agree: the strict reader's records are the lenient
 *     one's first records (compared by a hash of every field); where the
 *     strict reader ends cleanly, the lenient one skips nothing and ends
 *     at the same record; where the lenient one skips nothing, both end
 *     alike (the same error); where it skips, its first skip is the
 *     strict reader's error.
 *
 * A harness opens the reader (ft_open_fn: from the path and the options)
 * and adds the checks of its format (ft_rec_fn, called for every record
 * with its 0-based index).  At most FT_MAX_RECORDS records are read per
 * pass, so that no input runs long.  Everything here is static: each
 * harness is one program.
 */
#ifndef TIERSIM_FUZZ_TRACE_H
#define TIERSIM_FUZZ_TRACE_H

#include <stdint.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "traces/trace.h"

#define FT_MAX_RECORDS 100000u

typedef struct trace_reader *(*ft_open_fn)(const char *path, const struct trace_opts *o,
					   void *ctx, struct err *e);
typedef void (*ft_rec_fn)(const struct trace_reader *t, const struct trace_rec *r, uint64_t i,
			  void *ctx);

/* One pass over the input. */
struct ft_pass {
	int opened;
	int rc;             /* the last trace_next: 0 end, -1 error, 1 stopped at the cap */
	uint64_t n;         /* records read */
	uint64_t hash;      /* of the n records */
	uint64_t hash_mark; /* of the first `mark` records (ft_read) */
	uint64_t skipped;
	char first_skip[512];
	struct err e;
};

static uint64_t ft_mix(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t ft_rec_hash(uint64_t h, const struct trace_rec *r)
{
	h = ft_mix(h, r->time_ns);
	h = ft_mix(h, r->obj_id);
	h = ft_mix(h, r->size_bytes);
	h = ft_mix(h, (uint64_t)r->op);
	h = ft_mix(h, (uint64_t)r->next_access_vtime);
	h = ft_mix(h, r->offset_bytes);
	return ft_mix(h, r->client);
}

static void ft_check_error(const struct err *e)
{
	FUZZ_CHECK(e->code == ERR_INPUT || e->code == ERR_FAIL);
	FUZZ_CHECK(e->msg[0] != '\0');
}

/* Reads the input at path to its end (or FT_MAX_RECORDS) with one reader;
 * hash_mark is the hash after `mark` records. */
static void ft_read(const char *path, int lenient, ft_open_fn open, ft_rec_fn check, void *ctx,
		    uint64_t mark, struct ft_pass *p)
{
	struct trace_opts o = { .lenient = lenient };
	memset(p, 0, sizeof *p);
	p->hash = p->hash_mark = 0xcbf29ce484222325ULL;
	struct trace_reader *t = open(path, &o, ctx, &p->e);
	if (!t) {
		ft_check_error(&p->e);
		p->rc = -1;
		return;
	}
	p->opened = 1;
	FUZZ_CHECK(t->lenient == lenient && t->skipped == 0);
	struct trace_rec r;
	for (;;) {
		if (p->n == mark)
			p->hash_mark = p->hash;
		if (p->n == FT_MAX_RECORDS) {
			p->rc = 1;
			break;
		}
		memset(&r, 0xa5, sizeof r);
		int got = trace_next(t, &r, &p->e);
		FUZZ_CHECK(got == 1 || got == 0 || got == -1);
		if (got != 1) {
			p->rc = got;
			break;
		}
		FUZZ_CHECK(r.op >= TRACE_OP_NONE && r.op <= TRACE_OP_OTHER);
		if (t->has_next_access)
			FUZZ_CHECK(r.next_access_vtime >= TRACE_NEXT_NEVER);
		else
			FUZZ_CHECK(r.next_access_vtime == TRACE_NEXT_UNKNOWN);
		if (check)
			check(t, &r, p->n, ctx);
		p->hash = ft_rec_hash(p->hash, &r);
		p->n++;
	}
	if (p->rc < 0) {
		ft_check_error(&p->e);
		FUZZ_CHECK(strstr(p->e.msg, path) != NULL);
	}
	p->skipped = t->skipped;
	FUZZ_CHECK(lenient || t->skipped == 0);
	if (t->skipped) {
		FUZZ_CHECK(t->first_skip[0] != '\0');
		memcpy(p->first_skip, t->first_skip, sizeof p->first_skip);
	}
	trace_close(t);
}

/* Both passes, and the checks that compare them; the passes go to s and
 * l for a harness's own checks (either may be NULL). */
static void ft_run(const char *path, ft_open_fn open, ft_rec_fn check, void *ctx,
		   struct ft_pass *s_out, struct ft_pass *l_out)
{
	struct ft_pass s, l;
	ft_read(path, 0, open, check, ctx, UINT64_MAX, &s);
	ft_read(path, 1, open, check, ctx, s.n, &l);
	FUZZ_CHECK(s.opened == l.opened);
	if (!s.opened) {
		FUZZ_CHECK(!strcmp(s.e.msg, l.e.msg));
	} else {
		FUZZ_CHECK(l.n >= s.n && l.hash_mark == s.hash);
		if (s.rc >= 0)
			FUZZ_CHECK(l.rc == s.rc && l.n == s.n && l.skipped == 0);
		if (l.skipped == 0) {
			FUZZ_CHECK(l.rc == s.rc && l.n == s.n);
			if (s.rc < 0)
				FUZZ_CHECK(!strcmp(s.e.msg, l.e.msg));
		} else {
			FUZZ_CHECK(s.rc < 0 && !strncmp(l.first_skip, s.e.msg, 500));
		}
	}
	if (s_out)
		*s_out = s;
	if (l_out)
		*l_out = l;
}

/* A harness for a reader of fixed-size binary records: the input as a
 * file, both passes, and a clean end only after every whole record. */
static inline void ft_fixed_records(const uint8_t *data, size_t size, size_t rec_bytes, ft_open_fn open,
				    ft_rec_fn check)
{
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof path);
	if (fd < 0)
		return;
	struct ft_pass s;
	ft_run(path, open, check, NULL, &s, NULL);
	FUZZ_CHECK(s.opened);
	if (s.rc == 0)
		FUZZ_CHECK(size % rec_bytes == 0 && s.n == size / rec_bytes);
	fuzz_file_close(fd);
}

/* Two passes over the same records by two routes (two readers, two
 * formats): they must agree in everything, messages included.  Inline,
 * so a harness that does not use it is not warned about it. */
static inline void ft_same(const struct ft_pass *a, const struct ft_pass *b)
{
	FUZZ_CHECK(a->opened == b->opened && a->rc == b->rc && a->n == b->n);
	FUZZ_CHECK(a->hash == b->hash && a->skipped == b->skipped);
	FUZZ_CHECK(!strcmp(a->first_skip, b->first_skip));
	if (a->rc < 0)
		FUZZ_CHECK(!strcmp(a->e.msg, b->e.msg));
}

#endif
