/*
 * blob — Azure Blob REST as a real backend (the cold tier); see blob.h for
 * the contract.  This file does four things:
 *
 * 1. Builds and signs requests.  SharedKey, as documented in "Authorize
 *    with Shared Key" (learn.microsoft.com/rest/api/storageservices/
 *    authorize-with-shared-key), for version 2015-02-21 and later:
 *
 *      StringToSign = VERB "\n" Content-Encoding "\n" Content-Language "\n"
 *                     Content-Length "\n" (empty when 0) Content-MD5 "\n"
 *                     Content-Type "\n" Date "\n" If-Modified-Since "\n"
 *                     If-Match "\n" If-None-Match "\n"
 *                     If-Unmodified-Since "\n" Range "\n"
 *                     CanonicalizedHeaders CanonicalizedResource
 *      CanonicalizedHeaders  every x-ms-* header, name lower-cased, sorted
 *                            by name, runs of white space in the value
 *                            folded to one space, "name:value\n" each
 *      CanonicalizedResource "/" account + the URL's encoded path, then for
 *                            each query parameter, sorted by lower-cased
 *                            name: "\nname:value" (decoded; several values
 *                            of one name sorted and joined with ',')
 *      Authorization: SharedKey account:base64(HMAC-SHA256(key, StringToSign))
 *
 *    We send x-ms-date (so Date is empty) and ranges as x-ms-range (so Range
 *    is empty), and never Content-Encoding/-Language/-MD5 or conditionals.
 *    For the emulator's path-style URLs (".../devstoreaccount1/c/b") the
 *    account therefore appears twice in the resource, as the page says.
 *
 * 2. Drives libcurl's multi interface from the loop (libcurl's
 *    "multi_socket" API, curl.se/libcurl/c/libcurl-multi.html): curl tells
 *    us which sockets to watch (CURLMOPT_SOCKETFUNCTION → loop_watch) and
 *    when to wake it (CURLMOPT_TIMERFUNCTION → exec_at on the loop's
 *    executor); both wake-ups call curl_multi_socket_action, and finished
 *    transfers are collected with curl_multi_info_read.  Nothing blocks.
 *
 * 3. Retries.  500, 503, a timed-out or failed connection: retried up to
 *    max_retries times per HTTP request, after full-jitter exponential
 *    backoff u * min(cap, base * 2^(k-1)) (AWS Architecture Blog,
 *    "Exponential Backoff And Jitter", 2015; Azure recommends exponential
 *    backoff on 503 ServerBusy).  Defaults base 0.8 s, cap 60 s, 3 retries
 *    follow the Azure SDK's RetryOptions defaults, as models/cold.c does.
 *
 * 4. Reads the answers (blob_parse_*, public so that tests/fuzz/ can feed
 *    them any bytes): a List Blobs page must be one whole
 *    EnumerationResults document, its NextMarker is XML text (so decoded:
 *    Azurite's markers are blob names, "&amp;" and all), and a marker sent
 *    back that comes back again ends the listing with an error rather than
 *    loop; error codes are kept as printable ASCII only.  Read by hand,
 *    not with an XML library: of a List Blobs page only the number of
 *    <Blob> elements and one text field are used, and of an error body
 *    one <Code>; a parser (libxml2) would be a new dependency, and a
 *    larger attack surface, for what memmem and the five predefined
 *    entities plus character references do (fuzzed: tests/fuzz/).
 *
 * x-ms-date is read from the wall clock (CLOCK_REALTIME), the one clock
 * read here: the service refuses a request dated more than 15 minutes off.
 *
 * Messages name the operation, blob, HTTP status and x-ms-error-code; they
 * are built only from those and curl's error text, and scrubbed of the key
 * and SAS anyway, so credentials cannot leak through them.
 */
#include "refimpl/blob.h"

#include <ctype.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sim/hist.h"
#include "sim/metrics.h"

#define BLOB_API_VERSION "2021-08-06"
#define BLOB_ERRBODY_MAX (64u << 10)     /* error XML kept for the code */
#define BLOB_LISTBODY_MAX (64u << 20)    /* one List Blobs page */
#define BLOB_MAX_BLOCKS 50000u           /* Put Block List's limit */

/* ---------------------------------------------------------------- helpers */

static char *xstrdup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* A growable byte buffer, NUL-terminated, capped. */
struct blob_buf {
	char *p;
	size_t len, cap, max;
	int overflow;
};

static int buf_add(struct blob_buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->max) {
		b->overflow = 1;
		return -1;
	}
	if (b->len + n + 1 > b->cap) {
		size_t c = b->cap ? b->cap : 256;
		while (c < b->len + n + 1)
			c *= 2;
		char *q = realloc(b->p, c);
		if (!q)
			return -1;
		b->p = q;
		b->cap = c;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

static int buf_printf(struct blob_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int buf_printf(struct blob_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return -1;
	return buf_add(b, tmp, (size_t)n);
}

static void buf_free(struct blob_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->overflow = 0;
}

int blob_object_name(const char *prefix, uint64_t object, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s%016" PRIx64, prefix ? prefix : "", object);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static int unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int url_encode(const char *s, int keep_slash, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (unreserved(*p) || (keep_slash && *p == '/')) {
			if (o + 1 >= cap)
				return -1;
			out[o++] = (char)*p;
		} else {
			if (o + 3 >= cap)
				return -1;
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	if (o >= cap)
		return -1;
	out[o] = 0;
	return 0;
}

int blob_url_encode(const char *s, char *out, size_t cap)
{
	return url_encode(s, 1, out, cap);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes %XX (and '+' as space, as query strings do) of s[0..n) into a
 * new string. */
static char *url_decode(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (s[i] == '%' && i + 2 < n && (h = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)s[i + 2])) >= 0) {
			d[o++] = (char)(h * 16 + l);
			i += 2;
		} else if (s[i] == '+') {
			d[o++] = ' ';
		} else {
			d[o++] = s[i];
		}
	}
	d[o] = 0;
	return d;
}

void blob_http_date(int64_t unix_s, char *out, size_t cap)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)unix_s;
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

uint64_t blob_backoff_ns(uint64_t base_ns, uint64_t cap_ns, unsigned k, double u)
{
	double ceiling = (double)cap_ns;
	if (k >= 1 && k - 1 < 63) {
		double b = (double)base_ns * (double)(1ull << (k - 1));
		if (b < ceiling)
			ceiling = b;
	}
	if (!(u >= 0))
		u = 0;
	if (u >= 1)
		u = 0.999999999;
	return (uint64_t)(u * ceiling);
}

/* ---------------------------------------------------------------- signing */

struct kv {
	char *k, *v;
};

static int kv_cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	int c = strcmp(x->k, y->k);
	return c ? c : strcmp(x->v, y->v);
}

static void kv_free(struct kv *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].k);
		free(a[i].v);
	}
	free(a);
}

/* Header value with runs of white space folded to one space, trimmed. */
static char *fold_ws(const char *s)
{
	char *d = malloc(strlen(s) + 1);
	if (!d)
		return NULL;
	size_t o = 0;
	int sp = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
			sp = 1;
			continue;
		}
		if (sp && o)
			d[o++] = ' ';
		sp = 0;
		d[o++] = *s;
	}
	d[o] = 0;
	return d;
}

int blob_string_to_sign(const struct blob_sign_req *r, char **out, struct err *e)
{
	*out = NULL;
	if (!r->verb || !r->account || !r->path || r->path[0] != '/')
		return err_set(e, ERR_INPUT, "blob: string-to-sign needs a verb, an account and a path from '/'");
	struct blob_buf b = { .max = SIZE_MAX / 2 };
	struct kv *h = NULL, *q = NULL;
	size_t nq = 0;
	int rc = -1;

	/* canonicalized headers */
	h = calloc(r->nheaders ? r->nheaders : 1, sizeof *h);
	if (!h)
		goto oom;
	size_t nh = 0;
	for (size_t i = 0; i < r->nheaders; i++) {
		const char *line = r->headers[i];
		const char *colon = strchr(line, ':');
		if (!colon) {
			err_set(e, ERR_INPUT, "blob: header without ':'");
			goto out;
		}
		size_t kl = (size_t)(colon - line);
		while (kl && (line[kl - 1] == ' ' || line[kl - 1] == '\t'))
			kl--;
		if (kl < 5 || strncasecmp(line, "x-ms-", 5) != 0)
			continue;
		h[nh].k = malloc(kl + 1);
		if (!h[nh].k)
			goto oom;
		for (size_t j = 0; j < kl; j++)
			h[nh].k[j] = (char)tolower((unsigned char)line[j]);
		h[nh].k[kl] = 0;
		h[nh].v = fold_ws(colon + 1);
		nh++;
		if (!h[nh - 1].v)
			goto oom;
	}
	qsort(h, nh, sizeof *h, kv_cmp);
	for (size_t i = 1; i < nh; i++)
		if (!strcmp(h[i].k, h[i - 1].k)) {
			err_set(e, ERR_INPUT, "blob: header %s given twice", h[i].k);
			goto out_h;
		}

	/* query parameters */
	if (r->query && *r->query) {
		size_t cap = 1;
		for (const char *p = r->query; *p; p++)
			cap += *p == '&';
		q = calloc(cap, sizeof *q);
		if (!q)
			goto oom_h;
		const char *p = r->query;
		while (*p) {
			const char *end = strchr(p, '&');
			size_t n = end ? (size_t)(end - p) : strlen(p);
			if (n) {
				const char *eq = memchr(p, '=', n);
				size_t kn = eq ? (size_t)(eq - p) : n;
				q[nq].k = url_decode(p, kn);
				q[nq].v = eq ? url_decode(eq + 1, n - kn - 1) : xstrdup("");
				nq++;
				if (!q[nq - 1].k || !q[nq - 1].v)
					goto oom_h;
				for (char *c = q[nq - 1].k; *c; c++)
					*c = (char)tolower((unsigned char)*c);
			}
			p += n;
			if (*p == '&')
				p++;
		}
		qsort(q, nq, sizeof *q, kv_cmp);
	}

	char len[32] = "";
	if (r->content_length)
		snprintf(len, sizeof len, "%" PRIu64, r->content_length);
	if (buf_printf(&b, "%s\n\n\n%s\n\n%s\n\n\n\n%s\n\n\n", r->verb, len, r->content_type ? r->content_type : "",
		       r->if_none_match ? r->if_none_match : ""))
		goto oom_h;
	for (size_t i = 0; i < nh; i++)
		if (buf_add(&b, h[i].k, strlen(h[i].k)) || buf_add(&b, ":", 1) || buf_add(&b, h[i].v, strlen(h[i].v)) ||
		    buf_add(&b, "\n", 1))
			goto oom_h;
	if (buf_add(&b, "/", 1) || buf_add(&b, r->account, strlen(r->account)) || buf_add(&b, r->path, strlen(r->path)))
		goto oom_h;
	for (size_t i = 0; i < nq; i++) {
		/* values of one name: already sorted by kv_cmp, joined with ',' */
		if (i && !strcmp(q[i].k, q[i - 1].k)) {
			if (buf_add(&b, ",", 1) || buf_add(&b, q[i].v, strlen(q[i].v)))
				goto oom_h;
			continue;
		}
		if (buf_add(&b, "\n", 1) || buf_add(&b, q[i].k, strlen(q[i].k)) || buf_add(&b, ":", 1) ||
		    buf_add(&b, q[i].v, strlen(q[i].v)))
			goto oom_h;
	}
	*out = b.p;
	b.p = NULL;
	rc = 0;
	goto out_h;
oom_h:
	err_set(e, ERR_FAIL, "blob: out of memory");
out_h:
	kv_free(h, nh);
	h = NULL;
	kv_free(q, nq);
	buf_free(&b);
	return rc;
oom:
	err_set(e, ERR_FAIL, "blob: out of memory");
out:
	if (h) {
		for (size_t i = 0; i < r->nheaders; i++) {
			free(h[i].k);
			free(h[i].v);
		}
		free(h);
	}
	buf_free(&b);
	return rc;
}

/* Decodes base64 key_b64 into out (cap bytes); the length, or -1. */
static int key_decode(const char *key_b64, unsigned char *out, size_t cap)
{
	size_t n = strlen(key_b64);
	if (n == 0 || n % 4 || (n / 4) * 3 > cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)key_b64[i];
		if (!(isalnum(c) || c == '+' || c == '/' || (c == '=' && i >= n - 2)))
			return -1;
	}
	int len = EVP_DecodeBlock(out, (const unsigned char *)key_b64, (int)n);
	if (len < 0)
		return -1;
	if (key_b64[n - 1] == '=')
		len--;
	if (key_b64[n - 2] == '=')
		len--;
	return len;
}

static int sign_raw(const unsigned char *key, int keylen, const char *sts, char *out, size_t cap)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	if (cap < 45 || !HMAC(EVP_sha256(), key, keylen, (const unsigned char *)sts, strlen(sts), mac, &maclen))
		return -1;
	EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
	OPENSSL_cleanse(mac, sizeof mac);
	return 0;
}

int blob_signature(const char *key_b64, const char *sts, char *out, size_t cap, struct err *e)
{
	unsigned char key[256];
	int kl = key_b64 ? key_decode(key_b64, key, sizeof key) : -1;
	if (kl <= 0)
		return err_set(e, ERR_INPUT, "blob: the account key is not valid base64");
	int rc = sign_raw(key, kl, sts, out, cap);
	OPENSSL_cleanse(key, sizeof key);
	if (rc)
		return err_set(e, ERR_FAIL, "blob: HMAC-SHA256 failed");
	return 0;
}

/* ---------------------------------------------------------------- answers */

/* Everything below reads bytes the network sent: lengths are given, never
 * assumed from a NUL, and every failure is an error, not a guess. */

static const char *find(const char *s, size_t n, const char *what)
{
	return memmem(s, n, what, strlen(what));
}

/* Printable ASCII of s[0..n) into out (cap >= 1 bytes, truncated), other
 * bytes as '?': what a message may quote of an answer. */
static void copy_printable(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[o] = 0;
}

int blob_parse_endpoint(const char *url, char **endpoint, char **path, struct err *e)
{
	*endpoint = *path = NULL;
	size_t skip = !url ? 0 : strncasecmp(url, "http://", 7) == 0 ? 7 : strncasecmp(url, "https://", 8) == 0 ? 8 : 0;
	if (!skip)
		return err_set(e, ERR_INPUT, "blob: the endpoint must be an http:// or https:// URL");
	for (const unsigned char *c = (const unsigned char *)url; *c; c++)
		if (*c <= ' ' || *c == 0x7f || *c == '?' || *c == '#')
			return err_set(e, ERR_INPUT, "blob: the endpoint must be a plain URL, without white space, "
						     "control bytes, a query or a fragment (a SAS token goes in sas)");
	const char *host = url + skip;
	size_t hl = strcspn(host, "/");
	if (hl == 0)
		return err_set(e, ERR_INPUT, "blob: the endpoint has no host");
	if (memchr(host, '@', hl))
		return err_set(e, ERR_INPUT, "blob: put no user name or password in the endpoint");
	size_t n = strlen(url);
	while (n > skip + hl && url[n - 1] == '/')
		n--;
	*endpoint = strndup(url, n);
	*path = *endpoint ? strdup(*endpoint + skip + hl) : NULL;
	if (!*path) {
		free(*endpoint);
		*endpoint = NULL;
		return err_set(e, ERR_FAIL, "blob: out of memory");
	}
	return 0;
}

/* Appends code point cp as UTF-8 to out[*o..cap): 0, or -1 if it does not
 * fit. */
static int put_utf8(unsigned long cp, char *out, size_t *o, size_t cap)
{
	unsigned char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*o + n >= cap)
		return -1;
	memcpy(out + *o, b, n);
	*o += n;
	return 0;
}

/* XML text s[0..n) with its character references decoded (the five
 * predefined entities, &#N; and &#xH;) into out (cap bytes, NUL-terminated):
 * the length, or -1 for a bad reference, or when it does not fit. */
static long xml_text(const char *s, size_t n, char *out, size_t cap)
{
	static const struct {
		const char *name;
		char c;
	} ent[] = { { "lt;", '<' }, { "gt;", '>' }, { "amp;", '&' }, { "quot;", '"' }, { "apos;", '\'' } };
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] != '&') {
			if (s[i] == '<' || o + 1 >= cap)
				return -1;
			out[o++] = s[i++];
			continue;
		}
		const char *r = s + i + 1;
		size_t left = n - i - 1, k;
		for (k = 0; k < sizeof ent / sizeof ent[0]; k++) {
			size_t el = strlen(ent[k].name);
			if (left >= el && memcmp(r, ent[k].name, el) == 0) {
				if (o + 1 >= cap)
					return -1;
				out[o++] = ent[k].c;
				i += 1 + el;
				break;
			}
		}
		if (k < sizeof ent / sizeof ent[0])
			continue;
		/* &#N; or &#xH;: a Unicode scalar value, not NUL (XML 1.0, 4.1) */
		if (left < 3 || r[0] != '#')
			return -1;
		int hex = r[1] == 'x';
		size_t d = hex ? 2 : 1, digits = 0;
		unsigned long cp = 0;
		for (; d < left && r[d] != ';'; d++, digits++) {
			int v = hex ? hexval((unsigned char)r[d]) : r[d] >= '0' && r[d] <= '9' ? r[d] - '0' : -1;
			if (v < 0 || cp > 0x10ffff)
				return -1;
			cp = cp * (hex ? 16u : 10u) + (unsigned long)v;
		}
		if (d >= left || !digits || cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    put_utf8(cp, out, &o, cap) < 0)
			return -1;
		i += 1 + d + 1;
	}
	out[o] = 0;
	return (long)o;
}

int blob_parse_list(const char *body, size_t len, uint64_t *count, char **marker, struct err *e)
{
	*count = 0;
	*marker = NULL;
	if (memchr(body, 0, len))
		return err_set(e, ERR_INPUT, "List Blobs: the answer holds a NUL byte");
	const char *root = find(body, len, "<EnumerationResults");
	const char *end = root ? find(root, len - (size_t)(root - body), "</EnumerationResults>") : NULL;
	if (!end)
		return err_set(e, ERR_INPUT, "List Blobs: the answer is not a whole EnumerationResults document");
	uint64_t n = 0;
	for (const char *p = root; (p = find(p, (size_t)(end - p), "<Blob>")); p += 6)
		n++;
	/* <NextMarker/> (or none, or empty): the last page */
	const char *m = find(root, (size_t)(end - root), "<NextMarker>");
	if (m) {
		m += strlen("<NextMarker>");
		const char *me = find(m, (size_t)(end - m), "</NextMarker>");
		if (!me)
			return err_set(e, ERR_INPUT, "List Blobs: <NextMarker> is not closed");
		if (me > m) {
			char *mk = malloc(BLOB_MARKER_MAX + 1);
			if (!mk)
				return err_set(e, ERR_FAIL, "List Blobs: out of memory");
			if (xml_text(m, (size_t)(me - m), mk, BLOB_MARKER_MAX + 1) < 0) {
				free(mk);
				return err_set(e, ERR_INPUT, "List Blobs: NextMarker is malformed or longer than %d bytes",
					       BLOB_MARKER_MAX);
			}
			*marker = mk;
		}
	}
	*count = n;
	return 0;
}

/* The number in raw[from, to) in base 10 or 16: 0, or -1 if a character
 * is not a digit of that base. */
static int id_number(const unsigned char *raw, int from, int to, unsigned base, uint64_t *v)
{
	*v = 0;
	for (int i = from; i < to; i++) {
		int d = base == 16 ? hexval(raw[i]) : raw[i] >= '0' && raw[i] <= '9' ? raw[i] - '0' : -1;
		if (d < 0)
			return -1;
		*v = *v * base + (uint64_t)d;
	}
	return 0;
}

/* What a committed block's id (base64, l bytes at q) names: 1 for a
 * piece or a fill (pieces_block, sim/pieces.h), with its offset (and a fill's
 * length) in *bl; 0 for any other block. */
static int block_of_id(const char *q, size_t l, struct pieces_block *bl)
{
	unsigned char raw[40] = { 0 };
	if (l != 32 || EVP_DecodeBlock(raw, (const unsigned char *)q, 32) != 24 || raw[0] != 't' || raw[22] || raw[23])
		return 0;
	*bl = (struct pieces_block){ .fill = raw[1] == 'z' };
	if (raw[1] == 'p')
		return id_number(raw, 2, 22, 10, &bl->off) == 0;
	return raw[1] == 'z' && id_number(raw, 2, 14, 16, &bl->off) == 0 && id_number(raw, 14, 22, 16, &bl->len) == 0;
}

int blob_parse_block_list(const char *body, size_t len, struct pieces_block **blocks, size_t *n, int *foreign,
			  struct err *e)
{
	*blocks = NULL;
	*n = 0;
	*foreign = 0;
	if (memchr(body, 0, len))
		return err_set(e, ERR_INPUT, "Get Block List: the answer holds a NUL byte");
	const char *root = find(body, len, "<BlockList");
	const char *end = root ? find(root, len - (size_t)(root - body), "</BlockList>") : NULL;
	if (!end)
		return err_set(e, ERR_INPUT, "Get Block List: the answer is not a whole BlockList document");
	const char *cb = find(root, (size_t)(end - root), "<CommittedBlocks>");
	const char *ce = cb ? find(cb, (size_t)(end - cb), "</CommittedBlocks>") : NULL;
	if (!cb)
		return 0; /* <CommittedBlocks /> or none: no committed block */
	if (!ce)
		return err_set(e, ERR_INPUT, "Get Block List: <CommittedBlocks> is not closed");
	size_t cap = 0;
	const char *why = NULL;
	for (const char *q = cb; !why && (q = find(q, (size_t)(ce - q), "<Name>")); ) {
		q += strlen("<Name>");
		const char *qe = find(q, (size_t)(ce - q), "</Name>");
		if (!qe) {
			why = "Get Block List: <Name> is not closed";
			break;
		}
		struct pieces_block bl;
		if (!block_of_id(q, (size_t)(qe - q), &bl)) {
			*foreign = 1;
			q = qe;
			continue;
		}
		/* Its size: the <Size> before the next block's <Name>. */
		const char *next = find(qe, (size_t)(ce - qe), "<Name>");
		const char *sz = find(qe, (size_t)((next ? next : ce) - qe), "<Size>");
		const char *sze = sz ? find(sz, (size_t)((next ? next : ce) - sz), "</Size>") : NULL;
		uint64_t size = 0;
		sz = sz ? sz + strlen("<Size>") : NULL;
		if (!sze || sze == sz || sze - sz > 19 ||
		    id_number((const unsigned char *)sz, 0, (int)(sze - sz), 10, &size) < 0) {
			why = "Get Block List: a piece's <Size> is missing or not a number";
			break;
		}
		if (bl.fill && bl.len != size) {
			*foreign = 1; /* a fill is zeros of the length its id says */
		} else {
			bl.len = size;
			if (*n == cap) {
				cap = cap ? 2 * cap : 16;
				struct pieces_block *o = realloc(*blocks, cap * sizeof *o);
				if (!o) {
					free(*blocks);
					*blocks = NULL;
					*n = 0;
					return err_set(e, ERR_FAIL, "Get Block List: out of memory");
				}
				*blocks = o;
			}
			(*blocks)[(*n)++] = bl;
		}
		q = sze;
	}
	if (why) {
		free(*blocks);
		*blocks = NULL;
		*n = 0;
		return err_set(e, ERR_INPUT, "%s", why);
	}
	return 0;
}

int blob_parse_header(const char *line, size_t len, char *code, size_t cap)
{
	static const char h[] = "x-ms-error-code:";
	if (len > sizeof h - 1 && !strncasecmp(line, h, sizeof h - 1)) {
		const char *v = line + sizeof h - 1;
		size_t vl = len - (sizeof h - 1);
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		copy_printable(v, vl, code, cap);
		return BLOB_HDR_ERROR_CODE;
	}
	if (len >= 5 && !strncmp(line, "HTTP/", 5))
		return BLOB_HDR_STATUS;
	return BLOB_HDR_OTHER;
}

void blob_parse_error_code(const char *body, size_t len, char *code, size_t cap)
{
	code[0] = 0;
	const char *c = find(body, len, "<Code>");
	if (!c)
		return;
	c += 6;
	const char *end = find(c, len - (size_t)(c - body), "</Code>");
	if (end)
		copy_printable(c, (size_t)(end - c), code, cap);
}

/* ---------------------------------------------------------------- backend */

enum { C_READ, C_WRITE, C_HEAD, C_LIST, C_DELETE, C_NCLASS };
static const char *const class_name[C_NCLASS] = { "read", "write", "head", "list", "delete" };

/* One HTTP exchange of a job. */
enum blob_step { S_GET, S_PUT_BLOB, S_PUT_BLOCK, S_PUT_LIST, S_HEAD, S_LIST, S_MKCONT, S_DELETE, S_GET_BLOCKS, S_PUT_FILL };
static const char *const step_verb[] = { "GET", "PUT", "PUT", "PUT", "HEAD", "GET", "PUT", "DELETE", "GET", "PUT" };
static const char *const step_name[] = { "Get Blob", "Put Blob", "Put Block", "Put Block List",
					 "Get Blob Properties", "List Blobs", "Create Container", "Delete Blob",
					 "Get Block List", "Put Block (a fill)" };

struct blob;

/* A job: one accepted bk_req (or Create Container), from submit to done.
 * Invariant: at most one of `easy` (an attempt in flight) and `timer` (a
 * backoff or an immediate completion pending) is set while it is live. */
struct blob_job {
	struct blob *b;
	struct bk_req *req;
	int cls;                  /* stats class, -1 for Create Container */
	enum blob_step step;
	char name[1024];          /* blob name (unencoded) */
	uint64_t block, nblocks;  /* block upload progress */
	struct blob_piece *piece; /* a piece of an object (below), or NULL */
	struct pieces_job pj;     /* its place in the object's phases (sim/pieces.h) */
	struct pieces_block fill;   /* the fill being staged (S_PUT_FILL) */
	char *marker;             /* List Blobs continuation */
	uint64_t value;           /* HEAD size, LIST count */
	unsigned step_retries;    /* retries of the current step */
	int conn_failed;          /* the last attempt could not reach the endpoint */
	int refused;              /* the last attempt was answered 503 or 500 */
	int mk_listed;            /* Create Container refused (403): is it there? (S_LIST) */
	int final_status;         /* for an immediate completion */

	CURL *easy;
	struct curl_slist *hdrs;
	char *url;
	const unsigned char *send;
	size_t send_len, send_pos;
	struct blob_buf owned;    /* a body we built (block list) */
	size_t recv_len;          /* bytes into req->buf */
	int recv_overflow;
	long http;                /* status of the response being received */
	struct blob_buf aux;      /* error or list body */
	char errcode[96];
	char curlerr[CURL_ERROR_SIZE];
	uint64_t timer;
	struct blob_job *prev, *next;
};

/* An object written in pieces (blob.h): its pieces, the fills its blob
 * holds and its writes, staged side by side and committed together in
 * phases (sim/pieces.h).  Kept for the backend's life: every later
 * commit must list every piece. */
struct blob_piece {
	struct pieces p;          /* first: the table's entry (pieces_table_get) */
	int committed;            /* a commit of ours made or extended the blob */
	struct blob_job *committer; /* the job making the phase's commit (its fills, Put Block List) */
};

struct blob_opstats {
	uint64_t ops, bytes, errors;
	struct hist *latency_ns;
};

struct blob {
	struct loop *loop;
	struct exec x;
	CURLM *multi;
	uint64_t multi_timer;
	char *endpoint, *ep_path, *account, *sas, *container, *prefix;
	char *key_b64;            /* kept only to scrub it from messages */
	unsigned char key[256];
	int keylen;               /* 0: SAS (or anonymous) */
	struct blob_params p;
	uint64_t rng;
	struct blob_job *jobs;
	struct pieces_table pieces;
	int *fds;                 /* sockets being watched, for destroy */
	size_t nfds, capfds;

	struct blob_opstats st[C_NCLASS];
	uint64_t http_requests, throttled, server_errors, timeouts, conn_errors, retries, gave_up, enotsup;
	uint64_t enoent, eio, verify_short;
	uint64_t fill_blocks, fill_bytes; /* fills staged (sim/pieces.h) */
	void *zeros;              /* piece_bytes of zeros, a fill's body; made on first use */
	uint64_t since_ns;

	int inject_status;
	unsigned inject_n;
	/* The endpoint gone: requests that gave up, each after its retries,
	 * without reaching it, one after another (any answer resets it); at
	 * BLOB_DOWN_AFTER the backend is down and fails what comes next at
	 * once, so that a run over a dead endpoint ends (it went on for
	 * hours, 4 connection attempts and 3.5 s a request).  Not reached:
	 * no connection, or one the endpoint never answered on before the
	 * attempt's timeout (a hung server: the kernel accepts the
	 * connection, nothing answers; a run went on 2 minutes a request); or
	 * every attempt refused with a 503 or 500 (an endpoint that refuses
	 * everything: a run would have taken an hour).  A partly throttled
	 * account gives up on a request now and then, not several in a row. */
	unsigned unreached;
	int down;
	/* blob_stop: the run was interrupted; nothing more is tried. */
	int stopping;
	char last_err[512];
};

#define BLOB_DOWN_AFTER 3

static double rng_u01(struct blob *b)
{
	/* splitmix64: the jitter stream, seeded from the params. */
	uint64_t z = (b->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53;
}

/* The secret of 4 bytes or more among secrets[0..n) that s starts with,
 * its length; 0 if none. */
static size_t secret_at(const char *s, const char *const *secrets, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t sl = secrets[i] ? strlen(secrets[i]) : 0;
		if (sl >= 4 && strncmp(s, secrets[i], sl) == 0)
			return sl;
	}
	return 0;
}

void blob_scrub(char *out, size_t cap, const char *msg, const char *const *secrets, size_t nsecrets)
{
	static const char red[] = "[redacted]";
	size_t o = 0;
	/* One pass over msg, left to right: a secret becomes the marker, any
	 * other byte is copied; the message is complete (never cut) when
	 * scrubbed, so a secret cannot hide in a truncated tail. */
	for (const char *p = msg; *p && o + 1 < cap;) {
		size_t sl = secret_at(p, secrets, nsecrets);
		if (sl) {
			size_t n = sizeof red - 1 < cap - 1 - o ? sizeof red - 1 : cap - 1 - o;
			memcpy(out + o, red, n);
			o += n;
			p += sl;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = 0;
	/* A secret that is part of the marker ("acted"), or that the marker
	 * and its neighbours spell: cut there. */
	for (size_t i = 0; i < o; i++)
		if (secret_at(out + i, secrets, nsecrets)) {
			out[i] = 0;
			break;
		}
}

static void set_last_error(struct blob *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_last_error(struct blob *b, const char *fmt, ...)
{
	/* Once down (or stopped), the message that says so stays: the
	 * requests that were in flight then give up after it, each with a
	 * message of its own that said less (a run at 4 in flight ended on
	 * "Couldn't connect"). */
	if (b->down || b->stopping)
		return;
	/* Formatted whole first, then scrubbed, then cut to fit. */
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		snprintf(b->last_err, sizeof b->last_err, "blob: a request failed (out of memory for its message)");
		return;
	}
	const char *const secrets[] = { b->sas, b->key_b64 };
	blob_scrub(b->last_err, sizeof b->last_err, msg, secrets, 2);
	free(msg);
}

static int op_class(enum bk_op op)
{
	switch (op) {
	case BK_READ: return C_READ;
	case BK_WRITE: return C_WRITE;
	case BK_HEAD: return C_HEAD;
	case BK_LIST: return C_LIST;
	case BK_UNLINK: return C_DELETE;
	default: return -1;
	}
}

static void job_unlink(struct blob_job *j)
{
	struct blob *b = j->b;
	if (j->prev)
		j->prev->next = j->next;
	else
		b->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	j->prev = j->next = NULL;
}

static void attempt_free(struct blob_job *j)
{
	if (j->easy) {
		curl_multi_remove_handle(j->b->multi, j->easy);
		curl_easy_cleanup(j->easy);
		j->easy = NULL;
	}
	curl_slist_free_all(j->hdrs);
	j->hdrs = NULL;
	free(j->url);
	j->url = NULL;
	buf_free(&j->owned);
	buf_free(&j->aux);
}

static void job_free(struct blob_job *j)
{
	attempt_free(j);
	if (j->timer)
		exec_cancel(&j->b->x, j->timer);
	free(j->marker);
	free(j);
}

/* Ends a job: statistics, then the caller's callback (we are in a loop
 * callback here, never inside submit). */
/* ---- objects written in pieces ---- */

static struct blob_piece *piece_find(struct blob *b, uint64_t object)
{
	return (struct blob_piece *)pieces_table_find(&b->pieces, object);
}

/* A piece's block id: the same length (22 bytes before base64) as
 * block_id's, since a blob's block ids must all have one length. */
static void encode_id(const char *raw, char *out, size_t cap);

static void piece_id(uint64_t off, char *out, size_t cap)
{
	char raw[32];
	snprintf(raw, sizeof raw, "tp%020llu", (unsigned long long)off);
	encode_id(raw, out, cap);
}

/* A fill's: "tz", 12 hex digits of offset (50,000 pieces of 4000 MiB fit)
 * and 8 of length (at most a piece). */
static void fill_id(const struct pieces_block *f, char *out, size_t cap)
{
	char raw[32];
	snprintf(raw, sizeof raw, "tz%012llx%08llx", (unsigned long long)f->off, (unsigned long long)f->len);
	encode_id(raw, out, cap);
}

/* A block of a commit's list (pieces_walk), into its body. */
static int list_block_fn(void *arg, const struct pieces_block *bl)
{
	char id[64];
	if (bl->fill)
		fill_id(bl, id, sizeof id);
	else
		piece_id(bl->off, id, sizeof id);
	return buf_printf(arg, "<Latest>%s</Latest>", id) ? 1 : 0;
}

static int start_attempt(struct blob_job *j);
static void job_finish_cb(void *arg);
static void job_finish(struct blob_job *j, int status);

static void fill_or_commit(struct blob_job *j, uint64_t from);

static struct blob_job *job_of(struct pieces_job *pj)
{
	return (struct blob_job *)((char *)pj - offsetof(struct blob_job, pj));
}

/* A write of a piece stages (its Put Block), or, when it cannot be
 * started, fails from the loop. */
static void piece_start(struct blob *b, struct blob_job *n)
{
	if (!b->stopping && start_attempt(n) == 0)
		return;
	attempt_free(n);
	if (!b->stopping)
		set_last_error(b, "blob: Put Block %s: out of memory", n->name);
	n->final_status = BK_EIO;
	if (!(n->timer = exec_after(&b->x, 0, job_finish_cb, n)))
		job_finish(n, BK_EIO);
}

/* The writes of the object that may stage now (sim/pieces.h) do. */
static void piece_next_phase(struct blob *b, struct blob_piece *pc)
{
	for (struct pieces_job *pj = pieces_next_phase(&pc->p), *nx; pj; pj = nx) {
		nx = pj->start;
		piece_start(b, job_of(pj));
	}
}

/* The phase's last Put Block landed: j makes the commit of every piece
 * landed, the fills first. */
static void commit_start(struct blob_job *j)
{
	struct blob_piece *pc = j->piece;
	pc->committer = j;
	if (pieces_commit_begin(&pc->p) < 0) {
		set_last_error(j->b, "blob: Put Block List %s: out of memory", j->name);
		job_finish(j, BK_EIO);
		return;
	}
	fill_or_commit(j, 0);
}

static void job_end(struct blob_job *j, int status);

/* A job ends.  A write of a piece ends with its phase's commit, together
 * with the phase's other writes, or alone when it fails staging; then
 * the object's waiting writes may stage. */
static void job_finish(struct blob_job *j, int status)
{
	struct blob_piece *pc = j->piece;
	if (!pc) {
		job_end(j, status);
		return;
	}
	struct blob *b = j->b;
	if (pc->committer == j) {
		pc->committer = NULL;
		struct pieces_job *done = pieces_commit_end(&pc->p);
		piece_next_phase(b, pc);
		for (struct pieces_job *pj = done, *nx; pj; pj = nx) {
			nx = pj->next;
			job_end(job_of(pj), status);
		}
		return;
	}
	int due = pieces_job_failed(&pc->p, &j->pj);
	job_end(j, status);
	if (due)
		commit_start(job_of(pieces_first_staged(&pc->p)));
	else
		piece_next_phase(b, pc);
}

static void job_end(struct blob_job *j, int status)
{
	struct blob *b = j->b;
	struct bk_req *req = j->req;
	job_unlink(j);
	attempt_free(j);
	req->status = status;
	req->upriv[0] = j->value;
	if (j->cls >= 0) {
		struct blob_opstats *st = &b->st[j->cls];
		uint64_t now = exec_now(&b->x);
		if (status == BK_OK) {
			st->ops++;
			if (j->cls == C_READ || j->cls == C_WRITE)
				st->bytes += req->length;
			hist_record(st->latency_ns, now - req->submit_ns);
		} else {
			st->errors++;
		}
		if (status == BK_ENOENT)
			b->enoent++;
		else if (status == BK_EIO)
			b->eio++;
	}
	free(j->marker);
	free(j);
	req->done(req);
}

static void job_finish_cb(void *arg)
{
	struct blob_job *j = arg;
	j->timer = 0;
	job_finish(j, j->final_status);
}

/* ---- curl callbacks ---- */

static size_t on_read(char *dst, size_t size, size_t n, void *arg)
{
	struct blob_job *j = arg;
	size_t want = size * n, left = j->send_len - j->send_pos;
	if (want > left)
		want = left;
	if (want)
		memcpy(dst, j->send + j->send_pos, want);
	j->send_pos += want;
	return want;
}

/* libcurl sends a request's body again when it retries on a new
 * connection (a keep-alive connection the server had closed): without a
 * way back to the start, the PUT failed at once ("rewinding of the data
 * stream failed") and a write-back drain was lost. */
static int on_seek(void *arg, curl_off_t off, int origin)
{
	struct blob_job *j = arg;
	if (origin != SEEK_SET || off < 0 || (curl_off_t)j->send_len < off)
		return CURL_SEEKFUNC_CANTSEEK;
	j->send_pos = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

static size_t on_write(char *data, size_t size, size_t n, void *arg)
{
	struct blob_job *j = arg;
	size_t len = size * n;
	if (j->http == 0)
		curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &j->http);
	if (j->step == S_GET && j->http >= 200 && j->http < 300) {
		struct bk_req *r = j->req;
		if (j->recv_len + len > r->length) {
			j->recv_overflow = 1;
			return 0; /* more than asked for: abort, reported as EIO */
		}
		memcpy((char *)r->buf + j->recv_len, data, len);
		j->recv_len += len;
		return len;
	}
	if (buf_add(&j->aux, data, len) && !j->aux.overflow)
		return 0; /* out of memory */
	return len;      /* an overlong body is cut, not an error */
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct blob_job *j = arg;
	size_t len = size * n;
	if (blob_parse_header(data, len, j->errcode, sizeof j->errcode) == BLOB_HDR_STATUS) {
		/* a new response (after a 100 Continue): start over */
		j->http = 0;
		j->errcode[0] = 0;
	}
	return len;
}

static void multi_drive(struct blob *b, curl_socket_t s, int ev);

static void on_fd(void *ctx, int fd, int revents)
{
	int ev = 0;
	if (revents & LOOP_IN)
		ev |= CURL_CSELECT_IN;
	if (revents & LOOP_OUT)
		ev |= CURL_CSELECT_OUT;
	if (!ev)
		ev = CURL_CSELECT_ERR;
	multi_drive(ctx, fd, ev);
}

static void fd_track(struct blob *b, int fd, int on)
{
	for (size_t i = 0; i < b->nfds; i++)
		if (b->fds[i] == fd) {
			if (!on)
				b->fds[i] = b->fds[--b->nfds];
			return;
		}
	if (!on)
		return;
	if (b->nfds == b->capfds) {
		size_t c = b->capfds ? 2 * b->capfds : 16;
		int *q = realloc(b->fds, c * sizeof *q);
		if (!q)
			return; /* only destroy's clean-up is affected */
		b->fds = q;
		b->capfds = c;
	}
	b->fds[b->nfds++] = fd;
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	(void)easy;
	(void)socketp;
	struct blob *b = userp;
	int ev = 0;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		ev |= LOOP_IN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		ev |= LOOP_OUT;
	struct err e;
	if (loop_watch(b->loop, s, ev, on_fd, b, &e) < 0) {
		set_last_error(b, "blob: cannot watch a socket: %s", e.msg);
		return -1; /* curl fails the transfers on this socket */
	}
	fd_track(b, s, ev != 0);
	return 0;
}

static void on_multi_timer(void *arg)
{
	struct blob *b = arg;
	b->multi_timer = 0;
	multi_drive(b, CURL_SOCKET_TIMEOUT, 0);
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	struct blob *b = userp;
	if (b->multi_timer) {
		exec_cancel(&b->x, b->multi_timer);
		b->multi_timer = 0;
	}
	if (timeout_ms < 0)
		return 0;
	b->multi_timer = exec_after(&b->x, (uint64_t)timeout_ms * 1000000ull, on_multi_timer, b);
	return b->multi_timer ? 0 : -1;
}

/* ---- attempts ---- */

static int start_attempt(struct blob_job *j);
static void attempt_done(struct blob_job *j, CURLcode cc);

static void on_backoff(void *arg)
{
	struct blob_job *j = arg;
	j->timer = 0;
	if (j->b->stopping || start_attempt(j) < 0)
		job_finish(j, BK_EIO);
}

static void multi_drive(struct blob *b, curl_socket_t s, int ev)
{
	int running = 0;
	curl_multi_socket_action(b->multi, s, ev, &running);
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(b->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct blob_job *j = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
		CURLcode cc = m->data.result;
		attempt_done(j, cc); /* may free j and start new transfers */
	}
}

/* Appends "name: value" to the curl list and "name:value" to the signed set. */
static int add_hdr(struct blob_job *j, const char **signed_h, size_t *ns, char store[][160], const char *name,
		   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int add_hdr(struct blob_job *j, const char **signed_h, size_t *ns, char store[][160], const char *name,
		   const char *fmt, ...)
{
	char v[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v, sizeof v, fmt, ap);
	va_end(ap);
	char line[160];
	snprintf(line, sizeof line, "%s: %s", name, v);
	struct curl_slist *l = curl_slist_append(j->hdrs, line);
	if (!l)
		return -1;
	j->hdrs = l;
	snprintf(store[*ns], 160, "%s:%s", name, v);
	signed_h[*ns] = store[*ns];
	(*ns)++;
	return 0;
}

/* Block ids: base64 of a fixed-width string, so all have one length (the
 * service requires it). */
/* A block id as the service takes it: raw in base64. */
static void encode_id(const char *raw, char *out, size_t cap)
{
	if (cap >= 4 * ((strlen(raw) + 2) / 3) + 1)
		EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)raw, (int)strlen(raw));
}

static void block_id(uint64_t i, char *out, size_t cap)
{
	char raw[32];
	snprintf(raw, sizeof raw, "tiersim-block-%08u", (unsigned)(i % 100000000u));
	encode_id(raw, out, cap);
}

static int start_attempt(struct blob_job *j)
{
	struct blob *b = j->b;
	struct bk_req *r = j->req;
	char enc[3200], path[4096], query[8192] = "";
	const char *signed_h[8];
	char store[8][160];
	size_t ns = 0;
	uint64_t clen = 0;

	attempt_free(j);
	j->send = NULL;
	j->send_len = j->send_pos = 0;
	j->recv_len = 0;
	j->recv_overflow = 0;
	j->http = 0;
	j->errcode[0] = 0;
	j->curlerr[0] = 0;
	j->aux.max = BLOB_ERRBODY_MAX;

	/* resource path and query */
	if (j->step == S_MKCONT || j->step == S_LIST) {
		if (url_encode(b->container, 0, enc, sizeof enc))
			return -1;
		if (snprintf(path, sizeof path, "%s/%s", b->ep_path, enc) >= (int)sizeof path)
			return -1;
	} else {
		char full[2200];
		if (snprintf(full, sizeof full, "%s/%s", b->container, j->name) >= (int)sizeof full ||
		    blob_url_encode(full, enc, sizeof enc))
			return -1;
		if (snprintf(path, sizeof path, "%s/%s", b->ep_path, enc) >= (int)sizeof path)
			return -1;
	}
	switch (j->step) {
	case S_MKCONT:
		snprintf(query, sizeof query, "restype=container");
		break;
	case S_LIST: {
		char pfx[1600], mk[3 * BLOB_MARKER_MAX + 1] = "";
		if (url_encode(b->prefix, 0, pfx, sizeof pfx))
			return -1;
		if (j->marker && url_encode(j->marker, 0, mk, sizeof mk))
			return -1;
		if (snprintf(query, sizeof query, "restype=container&comp=list&prefix=%s&maxresults=%d%s%s", pfx,
			     j->mk_listed ? 1 : 5000, j->marker ? "&marker=" : "", mk) >= (int)sizeof query)
			return -1;
		j->aux.max = BLOB_LISTBODY_MAX;
		break;
	}
	case S_PUT_BLOCK: {
		char id[64], idq[128];
		if (j->piece)
			piece_id(r->offset, id, sizeof id);
		else
			block_id(j->block, id, sizeof id);
		url_encode(id, 0, idq, sizeof idq);
		snprintf(query, sizeof query, "comp=block&blockid=%s", idq);
		break;
	}
	case S_PUT_FILL: {
		char id[64], idq[128];
		fill_id(&j->fill, id, sizeof id);
		url_encode(id, 0, idq, sizeof idq);
		snprintf(query, sizeof query, "comp=block&blockid=%s", idq);
		break;
	}
	case S_PUT_LIST:
		snprintf(query, sizeof query, "comp=blocklist");
		break;
	case S_GET_BLOCKS:
		snprintf(query, sizeof query, "blocklisttype=committed&comp=blocklist");
		j->aux.max = BLOB_LISTBODY_MAX;
		break;
	default:
		break;
	}

	/* body */
	if (j->step == S_PUT_BLOB) {
		j->send = r->buf;
		j->send_len = r->length;
	} else if (j->step == S_PUT_BLOCK && j->piece) {
		j->send = r->buf;
		j->send_len = r->length;
	} else if (j->step == S_PUT_FILL) {
		j->send = b->zeros;
		j->send_len = j->fill.len;
	} else if (j->step == S_PUT_BLOCK) {
		uint64_t off = j->block * b->p.block_bytes;
		uint64_t n = r->length - off < b->p.block_bytes ? r->length - off : b->p.block_bytes;
		j->send = (const unsigned char *)r->buf + off;
		j->send_len = n;
	} else if (j->step == S_PUT_LIST) {
		j->owned.max = SIZE_MAX / 2;
		if (buf_printf(&j->owned, "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>"))
			return -1;
		if (j->piece && pieces_walk(&j->piece->p, b->p.piece_bytes, list_block_fn, &j->owned))
			return -1;
		for (uint64_t i = 0; !j->piece && i < j->nblocks; i++) {
			char id[64];
			block_id(i, id, sizeof id);
			if (buf_printf(&j->owned, "<Latest>%s</Latest>", id))
				return -1;
		}
		if (buf_printf(&j->owned, "</BlockList>"))
			return -1;
		j->send = (const unsigned char *)j->owned.p;
		j->send_len = j->owned.len;
	}
	clen = j->send_len;

	/* URL */
	size_t ul = strlen(b->endpoint) + strlen(path) + strlen(query) + (b->sas ? strlen(b->sas) : 0) + 8;
	j->url = malloc(ul);
	if (!j->url)
		return -1;
	const char *ep_end = b->endpoint + strlen(b->endpoint) - strlen(b->ep_path);
	int origin = (int)(ep_end - b->endpoint);
	snprintf(j->url, ul, "%.*s%s%s%s%s%s", origin, b->endpoint, path, query[0] || b->sas ? "?" : "", query,
		 query[0] && b->sas ? "&" : "", b->sas ? b->sas : "");

	/* headers */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char date[40];
	blob_http_date((int64_t)ts.tv_sec, date, sizeof date);
	if (add_hdr(j, signed_h, &ns, store, "x-ms-date", "%s", date) ||
	    add_hdr(j, signed_h, &ns, store, "x-ms-version", "%s", BLOB_API_VERSION))
		return -1;
	if (j->step == S_GET &&
	    add_hdr(j, signed_h, &ns, store, "x-ms-range", "bytes=%" PRIu64 "-%" PRIu64, r->offset, r->offset + r->length - 1))
		return -1;
	if (j->step == S_PUT_BLOB && add_hdr(j, signed_h, &ns, store, "x-ms-blob-type", "BlockBlob"))
		return -1;
	struct curl_slist *l = curl_slist_append(j->hdrs, "Expect:");
	if (!l)
		return -1;
	j->hdrs = l;
	/* The first commit of an object's pieces only if there is no blob
	 * yet (blob.h): a commit lists the blocks the blob keeps, and ours
	 * are only the pieces we staged, so committing over a blob someone
	 * else wrote (tierref populate's whole object) would drop the rest
	 * of it. */
	int guard = j->step == S_PUT_LIST && j->piece && !j->piece->committed;
	if (guard) {
		if (!(l = curl_slist_append(j->hdrs, "If-None-Match: *")))
			return -1;
		j->hdrs = l;
	}
	if (b->keylen) {
		struct blob_sign_req sr = { .verb = step_verb[j->step], .content_length = clen, .headers = signed_h,
					    .nheaders = ns, .account = b->account, .path = path, .query = query,
					    .if_none_match = guard ? "*" : NULL };
		char *sts = NULL, sig[64], auth[256];
		struct err e;
		if (blob_string_to_sign(&sr, &sts, &e) < 0)
			return -1;
		int rc = sign_raw(b->key, b->keylen, sts, sig, sizeof sig);
		free(sts);
		if (rc)
			return -1;
		snprintf(auth, sizeof auth, "Authorization: SharedKey %s:%s", b->account, sig);
		l = curl_slist_append(j->hdrs, auth);
		OPENSSL_cleanse(auth, sizeof auth);
		OPENSSL_cleanse(sig, sizeof sig);
		if (!l)
			return -1;
		j->hdrs = l;
	}

	CURL *c = curl_easy_init();
	if (!c)
		return -1;
	j->easy = c;
	curl_easy_setopt(c, CURLOPT_URL, j->url);
	curl_easy_setopt(c, CURLOPT_PRIVATE, (char *)j);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, j->hdrs);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)b->p.timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)b->p.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, j->curlerr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	if (j->step == S_HEAD) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (j->step == S_DELETE) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
	} else if (!strcmp(step_verb[j->step], "PUT")) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, j);
		curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(c, CURLOPT_SEEKDATA, j);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)j->send_len);
	}
	if (curl_multi_add_handle(b->multi, c) != CURLM_OK) {
		curl_easy_cleanup(c);
		j->easy = NULL;
		return -1;
	}
	b->http_requests++;
	return 0;
}

static const char *op_label(const struct blob_job *j)
{
	return step_name[j->step];
}

/* Retries the current step after a backoff, or gives up with give_up. */
static void retry_or_fail(struct blob_job *j, int give_up, const char *why)
{
	struct blob *b = j->b;
	if (j->step_retries < b->p.max_retries && !b->stopping) {
		j->step_retries++;
		j->req->retries++;
		b->retries++;
		attempt_free(j);
		uint64_t d = blob_backoff_ns(b->p.backoff_base_ns, b->p.backoff_cap_ns, j->step_retries, rng_u01(b));
		j->timer = exec_after(&b->x, d, on_backoff, j);
		if (j->timer)
			return;
	}
	b->gave_up++;
	set_last_error(b, "blob: %s %s: %s; gave up after %u retries", op_label(j), j->name, why, j->step_retries);
	if ((j->conn_failed || j->refused) && ++b->unreached >= BLOB_DOWN_AFTER && !b->down) {
		set_last_error(b,
			       "blob: the endpoint did not answer, or refused (HTTP 503 or 500), %u requests in a row, "
			       "each tried %u times (the last, %s %s: %s): taken as down, so every request after them "
			       "fails at once",
			       b->unreached, b->p.max_retries + 1, op_label(j), j->name, why);
		b->down = 1;
	}
	job_finish(j, give_up);
}

/* The error code from the header, else from the body's <Code>. */
static const char *error_code(struct blob_job *j)
{
	if (!j->errcode[0] && j->aux.p)
		blob_parse_error_code(j->aux.p, j->aux.len, j->errcode, sizeof j->errcode);
	return j->errcode[0] ? j->errcode : "(no error code)";
}

/* A List Blobs page is in: counts its blobs and takes its NextMarker.
 * 0, or -1 (the message set). */
static int list_page(struct blob_job *j)
{
	struct blob *b = j->b;
	uint64_t n;
	char *mk;
	struct err e;
	if (j->aux.overflow) {
		set_last_error(b, "blob: List Blobs: cannot parse the answer: a page longer than %u MiB",
			       BLOB_LISTBODY_MAX >> 20);
		return -1;
	}
	if (blob_parse_list(j->aux.p ? j->aux.p : "", j->aux.len, &n, &mk, &e) < 0) {
		set_last_error(b, "blob: List Blobs: cannot parse the answer: %s", e.msg);
		return -1;
	}
	/* A service that ignores the marker would send the page forever. */
	if (mk && j->marker && strcmp(mk, j->marker) == 0) {
		free(mk);
		set_last_error(b, "blob: List Blobs: the service sent the same NextMarker twice");
		return -1;
	}
	j->value += n;
	free(j->marker);
	j->marker = mk;
	return 0;
}

/* The committed blocks of a blob a piece is being written into, which
 * was there before this backend wrote any of it: made of pieces (an
 * earlier run's, of the same piece_bytes) and fills, its pieces join the
 * object's list, so the next commit keeps them (behind the pieces staged
 * here, which are newer), and its fills are committed ones; otherwise (written whole, with Put Blob
 * or other blocks) a commit of pieces would drop the rest of it, and
 * the write fails.  0, or -1 with the last error set. */
static int pieces_merge(struct blob_job *j)
{
	struct blob *b = j->b;
	struct blob_piece *pc = j->piece;
	struct pieces_block *bl;
	size_t n;
	int foreign;
	struct err e;
	if (j->aux.overflow || blob_parse_block_list(j->aux.p ? j->aux.p : "", j->aux.len, &bl, &n, &foreign, &e) < 0) {
		set_last_error(b, "blob: Get Block List %s: cannot parse the answer: %s", j->name,
			       j->aux.overflow ? "too long" : e.msg);
		return -1;
	}
	int rc = 0;
	if (foreign || n == 0) {
		set_last_error(b,
			       "blob: Put Block List %s: the blob is there already, %s, and a commit of the pieces written "
			       "here would drop the rest of it: writing chunks into a blob that was written whole (by "
			       "tierref populate, say) is not supported",
			       j->name, n == 0 ? "with no blocks (written whole)" : "made of blocks that are not pieces");
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (!bl[i].fill && (bl[i].off % b->p.piece_bytes != 0 || bl[i].len > b->p.piece_bytes)) {
			set_last_error(b, "blob: Put Block List %s: the blob's pieces are not of %" PRIu64 " bytes", j->name,
				       b->p.piece_bytes);
			rc = -1;
		} else if (bl[i].fill ? pieces_fill_held(&pc->p, &bl[i]) < 0 : pieces_add(&pc->p, bl[i].off, bl[i].len, 1) < 0) {
			set_last_error(b, "blob: Put Block List %s: out of memory", j->name);
			rc = -1;
		}
	}
	free(bl);
	if (rc == 0)
		pc->committed = 1;
	return rc;
}

/* The job's next exchange (start_attempt frees the last one), or its
 * end with BK_EIO if it cannot be made. */
static void next_step(struct blob_job *j, enum blob_step step)
{
	j->step = step;
	if (start_attempt(j) < 0)
		job_finish(j, BK_EIO);
}

/* A piece's job, its piece staged: stages the next fill its object's
 * pieces need at or after offset from (sim/pieces.h), or, with none left
 * to stage, commits them. */
static void fill_or_commit(struct blob_job *j, uint64_t from)
{
	struct blob *b = j->b;
	if (!pieces_fill_to_stage(&j->piece->p, b->p.piece_bytes, from, &j->fill)) {
		next_step(j, S_PUT_LIST);
		return;
	}
	if (!b->zeros && !(b->zeros = calloc(1, b->p.piece_bytes))) {
		set_last_error(b, "blob: Put Block %s: out of memory for a fill", j->name);
		job_finish(j, BK_EIO);
		return;
	}
	next_step(j, S_PUT_FILL);
}

static void attempt_done(struct blob_job *j, CURLcode cc)
{
	struct blob *b = j->b;
	long http = 0;
	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &http);
	curl_off_t clen = -1;
	if (j->step == S_HEAD)
		curl_easy_getinfo(j->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen);

	if (b->inject_n && (cc == CURLE_OK || cc == CURLE_WRITE_ERROR)) {
		b->inject_n--;
		cc = CURLE_OK;
		http = b->inject_status;
		snprintf(j->errcode, sizeof j->errcode, "InjectedFault");
	}

	if (cc == CURLE_WRITE_ERROR && j->recv_overflow) {
		set_last_error(b, "blob: %s %s: the service sent more than the %" PRIu64 " bytes asked for", op_label(j),
			       j->name, j->req->length);
		job_finish(j, BK_EIO);
		return;
	}
	/* Not reached: no connection, or no answer on it before the timeout
	 * (no status line: http is 0). */
	j->conn_failed = cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
			 (cc == CURLE_OPERATION_TIMEDOUT && http == 0);
	/* Refused: a 503 or 500, which an endpoint that refuses everything
	 * answers to every request (a run went on for an hour). */
	j->refused = cc == CURLE_OK && (http == 503 || http == 500);
	if (!j->conn_failed && !j->refused)
		b->unreached = 0; /* it answered (or was reached) */
	if (cc != CURLE_OK) {
		char why[CURL_ERROR_SIZE + 64];
		snprintf(why, sizeof why, "%s (%s)", curl_easy_strerror(cc), j->curlerr[0] ? j->curlerr : "-");
		if (cc == CURLE_OPERATION_TIMEDOUT) {
			b->timeouts++;
			retry_or_fail(j, BK_TIMEOUT, why);
		} else if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR ||
			   cc == CURLE_GOT_NOTHING || cc == CURLE_PARTIAL_FILE || cc == CURLE_SEND_FAIL_REWIND) {
			b->conn_errors++;
			retry_or_fail(j, BK_EIO, why);
		} else {
			set_last_error(b, "blob: %s %s: %s", op_label(j), j->name, why);
			job_finish(j, BK_EIO);
		}
		return;
	}
	if (http == 503 || http == 500) {
		char why[160];
		snprintf(why, sizeof why, "HTTP %ld %s", http, error_code(j));
		if (http == 503)
			b->throttled++;
		else
			b->server_errors++;
		retry_or_fail(j, http == 503 ? BK_THROTTLED : BK_EIO, why);
		return;
	}
	int ok;
	switch (j->step) {
	case S_GET: ok = http == 206 || http == 200; break;
	case S_HEAD: ok = http == 200; break;
	case S_LIST: ok = http == 200; break;
	case S_MKCONT: ok = http == 201 || (http == 409 && !strcmp(error_code(j), "ContainerAlreadyExists")); break;
	case S_DELETE: ok = http == 202; break;
	case S_GET_BLOCKS: ok = http == 200; break;
	default: ok = http == 201; break;
	}
	if (!ok && j->step == S_MKCONT && http == 403) {
		/* Not allowed to create containers: a container's own SAS (sr=c)
		 * never is, and it is the token people are given.  A List Blobs
		 * of one blob says whether the container is there to use. */
		j->mk_listed = 1;
		next_step(j, S_LIST);
		return;
	}
	if (!ok && j->step == S_PUT_LIST && j->piece && !j->piece->committed && (http == 409 || http == 412)) {
		/* The guarded first commit found a blob there (blob.h): its
		 * committed blocks say whether it is made of pieces. */
		next_step(j, S_GET_BLOCKS);
		return;
	}
	if (!ok) {
		if (http == 404 && j->step != S_MKCONT) {
			set_last_error(b, "blob: %s %s: HTTP 404 %s", op_label(j), j->name, error_code(j));
			job_finish(j, BK_ENOENT);
			return;
		}
		set_last_error(b, "blob: %s %s: HTTP %ld %s%s", op_label(j), j->name, http, error_code(j),
			       http == 403 ? " (the credentials were refused: a wrong account key, or a SAS without "
					     "this permission or past its expiry)"
					   : "");
		job_finish(j, BK_EIO);
		return;
	}
	j->step_retries = 0;
	switch (j->step) {
	case S_GET:
		if (j->recv_len != j->req->length) {
			b->verify_short++;
			set_last_error(b, "blob: Get Blob %s: short read, %zu of %" PRIu64 " bytes at offset %" PRIu64,
				       j->name, j->recv_len, j->req->length, j->req->offset);
			job_finish(j, BK_EIO);
			return;
		}
		break;
	case S_HEAD:
		j->value = clen >= 0 ? (uint64_t)clen : 0;
		break;
	case S_LIST:
		if (j->mk_listed)
			break; /* the container is there: created, as far as anyone can tell */
		if (list_page(j) < 0) {
			job_finish(j, BK_EIO);
			return;
		}
		if (j->marker) {
			if (start_attempt(j) < 0) {
				set_last_error(b, "blob: List Blobs: cannot make the request for the next page");
				job_finish(j, BK_EIO);
			}
			return;
		}
		break;
	case S_PUT_BLOCK:
		/* A piece, staged, waits for its phase's commit, or, the last
		 * of the phase to land, makes it (sim/pieces.h); a whole
		 * object's blocks go on to the last, then commit. */
		if (!j->piece) {
			next_step(j, ++j->block >= j->nblocks ? S_PUT_LIST : j->step);
		} else if (pieces_job_staged(&j->piece->p, &j->pj)) {
			commit_start(j);
		} else {
			attempt_free(j); /* no attempt, no timer: the committer ends it */
		}
		return;
	case S_PUT_FILL:
		b->fill_blocks++;
		b->fill_bytes += j->fill.len;
		fill_or_commit(j, j->fill.off + j->fill.len);
		return;
	case S_PUT_LIST:
		if (j->piece) {
			j->piece->committed = 1;
			if (pieces_committed(&j->piece->p, b->p.piece_bytes) < 0) {
				set_last_error(b, "blob: Put Block List %s: out of memory", j->name);
				job_finish(j, BK_EIO);
				return;
			}
		}
		break;
	case S_GET_BLOCKS:
		if (pieces_merge(j) < 0) {
			job_finish(j, BK_EIO);
			return;
		}
		fill_or_commit(j, 0);
		return;
	default:
		break;
	}
	job_finish(j, BK_OK);
}

/* ---- the backend ops ---- */

static struct blob_job *job_new(struct blob *b, struct bk_req *req, int cls)
{
	struct blob_job *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	j->b = b;
	j->req = req;
	j->cls = cls;
	j->next = b->jobs;
	if (b->jobs)
		b->jobs->prev = j;
	b->jobs = j;
	return j;
}

/* Completes j with status at the current time, through the executor. */
static int job_complete_later(struct blob_job *j, int status)
{
	j->final_status = status;
	j->timer = exec_after(&j->b->x, 0, job_finish_cb, j);
	if (!j->timer) {
		job_unlink(j);
		free(j);
		return -1;
	}
	return 0;
}

static int blob_submit(void *self, struct bk_req *req)
{
	struct blob *b = self;
	req->status = BK_OK;
	req->retries = 0;
	req->upriv[0] = 0;
	req->submit_ns = exec_now(&b->x);
	int cls = op_class(req->op);
	struct blob_job *j = job_new(b, req, cls);
	if (!j)
		return -1;
	if (cls < 0) {
		b->enotsup++;
		return job_complete_later(j, BK_ENOTSUP);
	}
	if (b->down || b->stopping) /* the last error says why */
		return job_complete_later(j, BK_EIO);
	if (req->op != BK_LIST && blob_object_name(b->prefix, req->object, j->name, sizeof j->name) < 0) {
		job_unlink(j);
		free(j);
		return -1;
	}
	switch (req->op) {
	case BK_READ:
		if (req->length == 0)
			return job_complete_later(j, BK_OK);
		if (!req->buf || req->offset > UINT64_MAX - req->length) {
			set_last_error(b, "blob: Get Blob %s: no buffer, or the range overflows", j->name);
			return job_complete_later(j, BK_EIO);
		}
		j->step = S_GET;
		break;
	case BK_WRITE:
		if (bk_is_piece(req, b->p.piece_bytes) || (b->p.piece_bytes && piece_find(b, req->object))) {
			if (!req->buf && req->length) {
				set_last_error(b, "blob: Put Block %s: no buffer", j->name);
				return job_complete_later(j, BK_EIO);
			}
			/* A piece sits in its slot of piece_bytes (sim/pieces.h). */
			if (req->offset % b->p.piece_bytes || req->length > b->p.piece_bytes) {
				set_last_error(b, "blob: Put Block %s: a piece of %" PRIu64 " bytes at offset %" PRIu64
						  " is not in one slot of %" PRIu64 " bytes (a chunk of the data path)",
					       j->name, req->length, req->offset, b->p.piece_bytes);
				return job_complete_later(j, BK_EIO);
			}
			/* The service keeps at most BLOB_MAX_BLOCKS blocks a blob:
			 * a piece past them could never be committed. */
			if (req->offset / b->p.piece_bytes >= BLOB_MAX_BLOCKS) {
				set_last_error(b, "blob: Put Block %s: a piece at offset %" PRIu64 " is past the service's %u "
						  "blocks of %" PRIu64 " bytes a blob (use a larger chunk)",
					       j->name, req->offset, BLOB_MAX_BLOCKS, b->p.piece_bytes);
				return job_complete_later(j, BK_EIO);
			}
			struct blob_piece *pc =
				(struct blob_piece *)pieces_table_get(&b->pieces, req->object, sizeof(struct blob_piece));
			if (!pc) {
				job_unlink(j);
				free(j);
				return -1;
			}
			j->piece = pc;
			j->step = S_PUT_BLOCK;
			if (!pieces_job_arrive(&pc->p, &j->pj, req->offset, req->length))
				return 0; /* its phase (sim/pieces.h) comes later */
			break;
		}
		if (req->offset != 0) {
			b->enotsup++;
			set_last_error(b, "blob: Put Blob %s: a block blob is written whole (offset must be 0)", j->name);
			return job_complete_later(j, BK_ENOTSUP);
		}
		if (!req->buf && req->length) {
			set_last_error(b, "blob: Put Blob %s: no buffer", j->name);
			return job_complete_later(j, BK_EIO);
		}
		if (req->length <= b->p.block_bytes) {
			j->step = S_PUT_BLOB;
		} else {
			j->nblocks = (req->length + b->p.block_bytes - 1) / b->p.block_bytes;
			if (j->nblocks > BLOB_MAX_BLOCKS) {
				set_last_error(b, "blob: Put Block %s: %" PRIu64 " blocks, more than the service's %u",
					       j->name, j->nblocks, BLOB_MAX_BLOCKS);
				return job_complete_later(j, BK_EIO);
			}
			j->step = S_PUT_BLOCK;
		}
		break;
	case BK_HEAD:
		j->step = S_HEAD;
		break;
	case BK_LIST:
		snprintf(j->name, sizeof j->name, "%s*", b->prefix);
		j->step = S_LIST;
		break;
	case BK_UNLINK:
		j->step = S_DELETE;
		break;
	default:
		break;
	}
	if (start_attempt(j) < 0) {
		if (j->piece) /* the last to arrive: nobody waits for it */
			pieces_job_failed(&j->piece->p, &j->pj);
		job_unlink(j);
		attempt_free(j);
		free(j);
		return -1;
	}
	return 0;
}

int blob_create_container(const struct backend *be, struct bk_req *req)
{
	struct blob *b = be->self;
	req->status = BK_OK;
	req->retries = 0;
	req->submit_ns = exec_now(&b->x);
	struct blob_job *j = job_new(b, req, -1);
	if (!j)
		return -1;
	snprintf(j->name, sizeof j->name, "%s", b->container);
	j->step = S_MKCONT;
	if (start_attempt(j) < 0) {
		job_unlink(j);
		attempt_free(j);
		free(j);
		return -1;
	}
	return 0;
}

uint64_t blob_req_value(const struct bk_req *req)
{
	return req->upriv[0];
}

const char *blob_last_error(const struct backend *be)
{
	const struct blob *b = be->self;
	return b->last_err;
}

void blob_stop(const struct backend *be)
{
	struct blob *b = be->self;
	if (b->stopping)
		return;
	set_last_error(b, "blob: the run was interrupted: Blob requests were tried no more");
	b->stopping = 1;
}

void blob_inject_fault(const struct backend *be, int http_status, unsigned n)
{
	struct blob *b = be->self;
	b->inject_status = http_status;
	b->inject_n = n;
}

static int blob_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	struct blob *b = self;
	double secs = now_ns > b->since_ns ? (double)(now_ns - b->since_ns) / 1e9 : 0;
	for (int k = 0; k < C_NCLASS; k++) {
		const struct blob_opstats *st = &b->st[k];
		char leaf[64];
		snprintf(leaf, sizeof leaf, "%s.errors", class_name[k]);
		if (met_set_in(m, prefix, leaf, (double)st->errors, "ops") ||
		    met_export_op(m, prefix, class_name[k], st->ops, k == C_READ || k == C_WRITE ? &st->bytes : NULL,
				  secs, st->latency_ns, 0))
			return -1;
	}
	const struct met_field f[] = {
		{ "throttled", "answers", (double)b->throttled },
		{ "retries", "requests", (double)b->retries },
		{ "gave_up", "requests", (double)b->gave_up },
		{ "enotsup", "ops", (double)b->enotsup },
		{ "http.requests", "requests", (double)b->http_requests },
		{ "http.server_errors", "requests", (double)b->server_errors },
		{ "timeouts", "requests", (double)b->timeouts },
		{ "conn_errors", "requests", (double)b->conn_errors },
		{ "enoent", "ops", (double)b->enoent },
		{ "eio", "ops", (double)b->eio },
		{ "short_reads", "ops", (double)b->verify_short },
		{ "fill.blocks", "blocks", (double)b->fill_blocks },
		{ "fill.bytes", "B", (double)b->fill_bytes },
	};
	return met_set_fields(m, prefix, f, sizeof f / sizeof f[0]);
}

static void blob_reset_stats(void *self)
{
	struct blob *b = self;
	for (int k = 0; k < C_NCLASS; k++) {
		b->st[k].ops = b->st[k].bytes = b->st[k].errors = 0;
		hist_reset(b->st[k].latency_ns);
	}
	b->http_requests = b->throttled = b->server_errors = b->timeouts = b->conn_errors = 0;
	b->retries = b->gave_up = b->enotsup = b->enoent = b->eio = b->verify_short = 0;
	b->fill_blocks = b->fill_bytes = 0;
	b->since_ns = exec_now(&b->x);
}

static void blob_destroy(void *self)
{
	struct blob *b = self;
	if (!b)
		return;
	while (b->jobs) {
		struct blob_job *j = b->jobs;
		job_unlink(j);
		job_free(j);
	}
	if (b->multi_timer)
		exec_cancel(&b->x, b->multi_timer);
	b->multi_timer = 0;
	/* The loop must stop watching a socket before it is closed, and
	 * curl_multi_cleanup closes the cached connections. */
	struct err e;
	for (size_t i = 0; i < b->nfds; i++)
		loop_watch(b->loop, b->fds[i], 0, NULL, NULL, &e);
	b->nfds = 0;
	if (b->multi) {
		curl_multi_cleanup(b->multi);
		curl_global_cleanup();
	}
	free(b->fds);
	free(b->zeros);
	pieces_table_clear(&b->pieces);
	for (int k = 0; k < C_NCLASS; k++)
		hist_free(b->st[k].latency_ns);
	OPENSSL_cleanse(b->key, sizeof b->key);
	if (b->sas)
		OPENSSL_cleanse(b->sas, strlen(b->sas));
	if (b->key_b64)
		OPENSSL_cleanse(b->key_b64, strlen(b->key_b64));
	free(b->key_b64);
	free(b->endpoint);
	free(b->ep_path);
	free(b->account);
	free(b->sas);
	free(b->container);
	free(b->prefix);
	free(b);
}

static const struct bk_ops blob_ops = {
	.name = "blob",
	.submit = blob_submit,
	.export = blob_export,
	.reset_stats = blob_reset_stats,
	.destroy = blob_destroy,
};

void blob_params_default(struct blob_params *p)
{
	memset(p, 0, sizeof *p);
	p->account = "devstoreaccount1";
	p->container = "tiersim";
	p->prefix = "obj/";
	p->max_retries = 3;
	p->timeout_ms = 30000;
	p->connect_timeout_ms = 5000;
	p->block_bytes = 8ull << 20;
	p->backoff_base_ns = 800000000ull;
	p->backoff_cap_ns = 60000000000ull;
	p->seed = 1;
}

/* Container names: 3-63 of a-z 0-9 '-', starting with a letter or digit,
 * no "--" (Naming and Referencing Containers, Blobs, and Metadata). */
static int container_ok(const char *c)
{
	size_t n = strlen(c);
	if (n < 3 || n > 63 || c[0] == '-' || c[n - 1] == '-' || strstr(c, "--"))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)c[i]) || isdigit((unsigned char)c[i]) || c[i] == '-'))
			return 0;
	return 1;
}

int blob_new(struct loop *l, const struct blob_params *p, struct backend *out, struct err *e)
{
	char *endpoint = NULL, *ep_path = NULL;
	if (blob_parse_endpoint(p->endpoint, &endpoint, &ep_path, e) < 0)
		return -1;
	free(endpoint);
	free(ep_path);
	if (!p->account || !*p->account)
		return err_set(e, ERR_INPUT, "blob: no account name");
	if (!p->container || !container_ok(p->container))
		return err_set(e, ERR_INPUT,
			       "blob: container name \"%s\" is invalid (3-63 of a-z, 0-9 and '-', no \"--\")",
			       p->container ? p->container : "");
	if ((!p->key || !*p->key) && (!p->sas || !*p->sas))
		return err_set(e, ERR_INPUT, "blob: give an account key or a SAS token");
	if (p->block_bytes < (64u << 10) || p->block_bytes > (4000ull << 20))
		return err_set(e, ERR_INPUT, "blob: block size must be 64 KiB .. 4000 MiB");
	if (p->piece_bytes > (4000ull << 20))
		return err_set(e, ERR_INPUT, "blob: piece size must be at most 4000 MiB (a block's limit)");
	if (p->timeout_ms == 0 || p->timeout_ms > 86400000ull)
		return err_set(e, ERR_INPUT, "blob: timeout must be 1 ms .. 1 day");
	if (p->backoff_cap_ns < p->backoff_base_ns)
		return err_set(e, ERR_INPUT, "blob: backoff cap must be >= backoff base");
	if (p->max_retries > 1000)
		return err_set(e, ERR_INPUT, "blob: max_retries must be 0..1000");
	if (p->prefix && strlen(p->prefix) > 512)
		return err_set(e, ERR_INPUT, "blob: name prefix longer than 512 bytes");

	struct blob *b = calloc(1, sizeof *b);
	if (!b)
		return err_set(e, ERR_FAIL, "blob: out of memory");
	b->loop = l;
	b->x = loop_executor(l);
	b->p = *p;
	b->rng = p->seed;
	if (p->key && *p->key && !(p->sas && *p->sas)) {
		b->keylen = key_decode(p->key, b->key, sizeof b->key);
		if (b->keylen <= 0) {
			free(b);
			return err_set(e, ERR_INPUT, "blob: the account key is not valid base64");
		}
	}
	if (b->keylen && !(b->key_b64 = xstrdup(p->key))) {
		OPENSSL_cleanse(b->key, sizeof b->key);
		free(b);
		return err_set(e, ERR_FAIL, "blob: out of memory");
	}
	/* trailing '/' off the endpoint; its path part (after host[:port]) */
	blob_parse_endpoint(p->endpoint, &b->endpoint, &b->ep_path, e);
	b->account = xstrdup(p->account);
	b->sas = p->sas && *p->sas ? xstrdup(p->sas[0] == '?' ? p->sas + 1 : p->sas) : NULL;
	b->container = xstrdup(p->container);
	b->prefix = xstrdup(p->prefix ? p->prefix : "");
	/* the params keep pointers to the caller's strings: keep only ours */
	b->p.endpoint = b->endpoint;
	b->p.account = b->account;
	b->p.sas = b->sas;
	b->p.container = b->container;
	b->p.prefix = b->prefix;
	b->p.key = NULL;
	for (int k = 0; k < C_NCLASS; k++)
		if (!(b->st[k].latency_ns = hist_new()))
			goto oom;
	if (!b->endpoint || !b->ep_path || !b->account || (p->sas && *p->sas && !b->sas) || !b->container || !b->prefix)
		goto oom;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		goto oom;
	b->multi = curl_multi_init();
	if (!b->multi) {
		curl_global_cleanup();
		goto oom;
	}
	curl_multi_setopt(b->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(b->multi, CURLMOPT_SOCKETDATA, b);
	curl_multi_setopt(b->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(b->multi, CURLMOPT_TIMERDATA, b);
	b->since_ns = exec_now(&b->x);
	out->ops = &blob_ops;
	out->self = b;
	return 0;
oom:
	blob_destroy(b);
	return err_set(e, ERR_FAIL, "blob: out of memory");
}
