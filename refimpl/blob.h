/*
 * blob — the cold tier for real: an Azure Blob Storage container behind
 * the backend contract (sim/backend.h), spoken over REST with libcurl's
 * multi interface driven from the real event loop (refimpl/loop.h), so a
 * request never blocks the loop.  Tests run it against Azurite, the Azure
 * Storage emulator; a user points it at a real account with the same code.
 *
 * Operations (Azure Blob REST API, learn.microsoft.com/rest/api/storageservices):
 *   BK_READ   Get Blob with x-ms-range: bytes=offset-(offset+length-1) into
 *             req->buf; fewer bytes than asked (a read past the end) is
 *             BK_EIO, never a short buffer reported as good.
 *   BK_WRITE  the whole object, [0, length) from req->buf: Put Blob up to
 *             block_bytes, above that Put Block per block_bytes chunk + Put
 *             Block List.  With piece_bytes set, a write at an offset other
 *             than 0, or of exactly piece_bytes, or to an object already
 *             written so, is a piece of the object (a chunk, as the data
 *             path writes back and writes through): Put Block of the piece
 *             (its id from its offset), then Put Block List of every piece
 *             of the object, in offset order, with the fills that hold
 *             each at its offset (sim/pieces.h, staged first when the blob
 *             does not hold them yet: Put Block of zeros,
 *             PREFIX.fill.blocks and .bytes).  The pieces of one object go
 *             in phases (sim/pieces.h): those that arrive while none has
 *             landed stage side by side, and when the last of them lands
 *             one commit lists them all and completes them; pieces that
 *             arrive meanwhile wait for the next phase (a commit discards
 *             the blocks it does not list, staged ones too, so a Put
 *             Block may not overlap it), two writes of one piece in
 *             arrival order.  The first commit
 *             of an object's pieces is made only if no blob is there
 *             (If-None-Match: *).  If one is, Get Block List says what it
 *             is made of: pieces (an earlier run's) join the list, so
 *             the commit keeps them; a blob written otherwise (tierref
 *             populate's whole object) would lose the rest, so the piece
 *             fails (BK_EIO, the message says why) and the blob keeps
 *             every byte.  A piece must lie in one slot of piece_bytes
 *             (at a multiple of it, no longer; BK_EIO otherwise).  A blob
 *             so written holds the pieces this backend wrote and their
 *             fills: a gap reads as zeros, as a sparse file's hole does,
 *             and the blob ends at its last piece.  Without
 *             piece_bytes, offset must be 0 (BK_ENOTSUP otherwise).
 *   BK_HEAD   Get Blob Properties; blob_req_value(req) = the blob's size.
 *   BK_LIST   List Blobs under the name prefix, following NextMarker
 *             pages; blob_req_value(req) = the number of blobs.
 *   BK_UNLINK Delete Blob (HTTP DELETE; we take no snapshots, so none
 *             block it): 202 Accepted is success, 404 BK_ENOENT.  Counted
 *             in its own class, PREFIX.delete.* (ops, latency, errors).
 *   others    BK_ENOTSUP.
 * blob_create_container issues Create Container (for populate); an
 * existing container is success.
 *
 * Object ids name blobs "<prefix><16 hex digits>" (prefix default "obj/").
 *
 * Status.  404 → BK_ENOENT.  500, 503, a timeout (timeout_ms per attempt)
 * and a failed connection are retried up to max_retries times after a
 * full-jitter exponential backoff, u * min(cap, base * 2^(k-1)) with
 * u ~ U[0,1) (the same rule as models/cold.c); when retries run out: 503 →
 * BK_THROTTLED, timeout → BK_TIMEOUT, others → BK_EIO.  Any other failure
 * is BK_EIO.  blob_last_error() gives the last failure's message: the
 * operation, blob name, HTTP status and x-ms-error-code.
 *
 * Credentials.  With `key` (base64, as the portal shows it) requests are
 * signed with SharedKey; with `sas` (a query string, without '?') it is
 * appended to each URL instead and nothing is signed.  Neither the key,
 * a signature nor the SAS ever appears in a message, a metric or a log.
 */
#ifndef TIERSIM_BLOB_H
#define TIERSIM_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "refimpl/loop.h"
#include "sim/backend.h"
#include "sim/err.h"
#include "sim/pieces.h"

struct blob_params {
	const char *endpoint;    /* "http://127.0.0.1:10000/devstoreaccount1" or
	                          * "https://ACCOUNT.blob.core.windows.net" */
	const char *account;     /* account name (signs the canonical resource) */
	const char *key;         /* base64 account key, or NULL with sas */
	const char *sas;         /* SAS query string, or NULL with key */
	const char *container;
	const char *prefix;      /* blob name prefix for object ids */
	unsigned max_retries;    /* default 3 */
	uint64_t timeout_ms;     /* per attempt, default 30000 */
	uint64_t connect_timeout_ms; /* default 5000 */
	uint64_t block_bytes;    /* default 8 MiB; 64 KiB .. 4000 MiB */
	uint64_t piece_bytes;    /* the size of an object's pieces (the data
				  * path's chunk; at most 4000 MiB), 0: whole objects only */
	uint64_t backoff_base_ns;/* default 0.8 s (Azure SDK default) */
	uint64_t backoff_cap_ns; /* default 60 s */
	uint64_t seed;           /* jitter stream */
};

void blob_params_default(struct blob_params *p);

/* Creates the backend on loop l.  The strings in p are copied. */
int blob_new(struct loop *l, const struct blob_params *p, struct backend *out, struct err *e);

/* Create Container, asynchronously: req->done runs (through the loop)
 * with BK_OK when the container exists afterwards.  Only req->done and
 * req->ctx are read.  0, or -1 when it could not be started. */
int blob_create_container(const struct backend *b, struct bk_req *req);

/* The result value of a completed BK_HEAD (size) or BK_LIST (count). */
uint64_t blob_req_value(const struct bk_req *req);

/* The message of the last failed request ("" if none); credential-free. */
const char *blob_last_error(const struct backend *b);

/* Test hook (fault injection): the next n HTTP responses are replaced by
 * http_status (e.g. 503) with x-ms-error-code "InjectedFault", as if the
 * service had answered so; the real response is discarded.  For tests of
 * retries and backoff bounds, since Azurite never throttles. */
void blob_inject_fault(const struct backend *b, int http_status, unsigned n);
/* The run was interrupted (Ctrl-C): no request is tried again, and none
 * not yet sent is sent; each fails at once (BK_EIO), while the attempts
 * in flight end as they will, within their timeout.  Without it, a
 * signal against a hung endpoint waited minutes for retries of 30 s. */
void blob_stop(const struct backend *b);

/* ---- the protocol pieces, public for tests ---- */

/* The blob name for an object id: prefix + 16 lower-case hex digits. */
int blob_object_name(const char *prefix, uint64_t object, char *out, size_t cap);

/* Percent-encodes s for a URL path: unreserved characters (RFC 3986:
 * A-Z a-z 0-9 - . _ ~) and '/' stay, every other byte becomes %XX.
 * 0, or -1 if it does not fit in cap (with the NUL). */
int blob_url_encode(const char *s, char *out, size_t cap);

/* What SharedKey signs (learn.microsoft.com/rest/api/storageservices/
 * authorize-with-shared-key, "Blob, Queue, and File services (Shared Key
 * authorization)", version 2015-02-21 and later). */
struct blob_sign_req {
	const char *verb;           /* "GET", "PUT", "HEAD", "DELETE" */
	uint64_t content_length;    /* 0 signs as "" */
	const char *content_type;   /* NULL: none */
	const char *const *headers; /* "x-ms-name:value" lines, any order/case */
	size_t nheaders;
	const char *account;
	const char *path;           /* the URL's path as sent (encoded), from '/' */
	const char *query;          /* the URL's query without '?', or NULL */
	const char *if_none_match;  /* the If-None-Match header's value, or NULL */
};

/* The string-to-sign, malloc'd in *out (caller frees); -1 on bad input. */
int blob_string_to_sign(const struct blob_sign_req *r, char **out, struct err *e);

/* base64(HMAC-SHA256(base64decode(key_b64), sts)) into out (>= 45 bytes). */
int blob_signature(const char *key_b64, const char *sts, char *out, size_t cap, struct err *e);

/* Full-jitter backoff before retry k (1, 2, ...) for u in [0,1). */
uint64_t blob_backoff_ns(uint64_t base_ns, uint64_t cap_ns, unsigned k, double u);

/* "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 1123, as x-ms-date wants), in C
 * locale whatever the process locale; out needs 30 bytes. */
void blob_http_date(int64_t unix_s, char *out, size_t cap);

/* ---- what the service sends back, parsed (public for tests and
 * tests/fuzz/fuzz_blob_*.c: every byte here comes from the network) ---- */

/* Splits an endpoint URL (blob_params.endpoint) into *endpoint, the URL
 * without trailing '/', and *path, its path after host[:port] ("" or from
 * '/'), both malloc'd.  0, or -1 (e filled, ERR_INPUT; the URL is not
 * quoted, it may hold credentials) unless it is http:// or https://, has a
 * host, and has no user name, query, fragment, white space or control
 * byte. */
int blob_parse_endpoint(const char *url, char **endpoint, char **path, struct err *e);

/* The longest NextMarker taken (decoded), in bytes. */
#define BLOB_MARKER_MAX 1024

/* One page of a List Blobs answer, body[0..len): *count = its <Blob>
 * entries, *marker = its NextMarker with XML's character references
 * decoded (malloc'd), or NULL when the listing is complete.  0, or -1 (e
 * filled, ERR_INPUT, *marker NULL) when the body is not one whole
 * EnumerationResults document, holds a NUL byte, or its NextMarker is
 * unclosed, has a bad character reference or decodes to more than
 * BLOB_MARKER_MAX bytes. */
int blob_parse_list(const char *body, size_t len, uint64_t *count, char **marker, struct err *e);
/* A Get Block List answer (blocklisttype=committed): its committed blocks
 * that are pieces (base64 of "tp" and 20 digits of offset) or fills
 * (base64 of "tz", 12 hex digits of offset and 8 of length, which its
 * <Size> must equal; sim/pieces.h), malloc'd in *blocks (*n of them, in the
 * answer's order), and *foreign = 1 if any block is neither.  0, or -1 (e
 * filled, *blocks NULL) unless it is a whole BlockList document whose
 * pieces and fills each give their <Size>. */
int blob_parse_block_list(const char *body, size_t len, struct pieces_block **blocks, size_t *n, int *foreign,
			  struct err *e);

/* A response header line as libcurl hands it over (len bytes, the CRLF
 * included or not, not NUL-terminated): BLOB_HDR_STATUS for a status line
 * ("HTTP/..."), which starts a new response; BLOB_HDR_ERROR_CODE for
 * x-ms-error-code, whose value goes into code (cap >= 1 bytes, trimmed,
 * truncated, every byte outside printable ASCII replaced by '?');
 * BLOB_HDR_OTHER for anything else (code untouched). */
enum { BLOB_HDR_OTHER, BLOB_HDR_STATUS, BLOB_HDR_ERROR_CODE };
int blob_parse_header(const char *line, size_t len, char *code, size_t cap);

/* The <Code> of an error body, body[0..len), into code (cap >= 1 bytes,
 * truncated, printable ASCII as above); "" when there is none. */
void blob_parse_error_code(const char *body, size_t len, char *code, size_t cap);

/* msg into out (cap >= 1 bytes, truncated) with every occurrence of each
 * secret of 4 bytes or more (NULL entries skipped) replaced by
 * "[redacted]"; whatever still reads as a secret afterwards (the marker
 * itself, or one re-formed at a seam) is cut off with all that follows.
 * So no secret ever appears in out: how every message is made. */
void blob_scrub(char *out, size_t cap, const char *msg, const char *const *secrets, size_t nsecrets);

#endif
