/*
 * fuzz_blob_url — the Blob URLs a user gives: tierref's --cold URL
 * (refimpl/realtiers.c, rt_parse_cold_url) and the endpoint the backend
 * takes (refimpl/blob.c, blob_parse_endpoint), plus the path encoding of
 * names (blob_url_encode).  The first byte sizes the output buffers; the
 * rest is the URL.  Checked:
 *   - credentials never reach a message: the message refusing a URL is
 *     the same when the letters and digits of its query and of a user name
 *     before '@' are changed, so it quotes neither;
 *   - an accepted --cold URL is endpoint + "/" + container (+ "/"), the
 *     endpoint http(s):// with the account its last path segment or the
 *     host's first label, the account letters, digits and '-', the
 *     container non-empty without '/',
 *     each within its buffer; and the backend accepts that endpoint;
 *   - an accepted endpoint is the URL less trailing '/', its path a
 *     suffix of it ("" or from '/');
 *   - the encoding keeps only unreserved bytes and '/', or says it does
 *     not fit.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "refimpl/blob.h"
#include "refimpl/realtiers.h"
#include "tests/fuzz/fuzz.h"

typedef int (*parse_fn)(const char *url, struct err *e);

static int parse_cold(const char *url, struct err *e)
{
	char ep[512], acc[128], cont[128];
	return rt_parse_cold_url(url, ep, sizeof ep, acc, sizeof acc, cont, sizeof cont, e);
}

static int parse_endpoint(const char *url, struct err *e)
{
	char *ep, *path;
	int rc = blob_parse_endpoint(url, &ep, &path, e);
	if (rc == 0) {
		free(ep);
		free(path);
	}
	return rc;
}

/* A message about url quotes none of the parts that can hold a credential
 * (the query, and a user name before '@' in the authority): the same URL
 * with every letter and digit of those parts changed gets the very same
 * message. */
static void check_quiet(const char *url, const char *msg, parse_fn parse)
{
	char *other = strdup(url);
	if (!other)
		return;
	size_t n = strlen(url), from = n, to = n, ufrom = n, uto = n;
	const char *q = strchr(url, '?');
	if (q)
		from = (size_t)(q - url) + 1;
	const char *hs = strstr(url, "://");
	const char *at = hs ? memchr(hs + 3, '@', strcspn(hs + 3, "/")) : NULL;
	if (at) {
		ufrom = (size_t)(hs + 3 - url);
		uto = (size_t)(at - url);
	}
	int changed = 0;
	for (size_t i = 0; i < n; i++) {
		char *c = &other[i];
		if (!((i >= from && i < to) || (i >= ufrom && i < uto)))
			continue;
		if (*c >= 'a' && *c <= 'z')
			*c = *c == 'z' ? 'a' : (char)(*c + 1);
		else if (*c >= 'A' && *c <= 'Z')
			*c = *c == 'Z' ? 'A' : (char)(*c + 1);
		else if (*c >= '0' && *c <= '9')
			*c = *c == '9' ? '0' : (char)(*c + 1);
		else
			continue;
		changed = 1;
	}
	if (changed) {
		struct err e2 = { 0 };
		FUZZ_CHECK(parse(other, &e2) < 0 && strcmp(e2.msg, msg) == 0);
	}
	free(other);
}

static void check_endpoint(const char *url, int must_accept)
{
	char *ep = NULL, *path = NULL;
	struct err e = { 0 };
	if (blob_parse_endpoint(url, &ep, &path, &e) < 0) {
		FUZZ_CHECK(!must_accept && e.msg[0] && !ep && !path);
		check_quiet(url, e.msg, parse_endpoint);
		return;
	}
	size_t n = strlen(ep), pl = strlen(path);
	FUZZ_CHECK(strncmp(url, ep, n) == 0 && strspn(url + n, "/") == strlen(url + n));
	/* The scheme in any case, as URLs have it (HTTP:// is accepted on purpose). */
	int tls = !strncasecmp(ep, "https://", 8);
	FUZZ_CHECK(tls || !strncasecmp(ep, "http://", 7));
	FUZZ_CHECK(pl < n && strcmp(ep + n - pl, path) == 0 && (pl == 0 || path[0] == '/'));
	const char *host = ep + (tls ? 8 : 7);
	size_t hl = strcspn(host, "/");
	FUZZ_CHECK(hl > 0 && !memchr(host, '@', hl));
	free(ep);
	free(path);
}

static void check_cold(const char *url, size_t cap)
{
	char ep[512], acc[128], cont[128];
	size_t ecap = cap < sizeof ep ? cap : sizeof ep, acap = cap < sizeof acc ? cap : sizeof acc;
	struct err e = { 0 };
	if (rt_parse_cold_url(url, ep, ecap, acc, acap, cont, acap, &e) < 0) {
		FUZZ_CHECK(e.msg[0] != '\0');
		if (ecap == sizeof ep && acap == sizeof acc)
			check_quiet(url, e.msg, parse_cold);
		return;
	}
	size_t n = strlen(ep), cl = strlen(cont), al = strlen(acc);
	FUZZ_CHECK(n < ecap && al < acap && cl < acap && al && cl);
	FUZZ_CHECK(!strchr(cont, '/') && !strpbrk(url, "?#"));
	FUZZ_CHECK(strspn(acc, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == al);
	FUZZ_CHECK(strncmp(url, ep, n) == 0 && url[n] == '/' && strncmp(url + n + 1, cont, cl) == 0);
	FUZZ_CHECK(url[n + 1 + cl] == '\0' || strcmp(url + n + 1 + cl, "/") == 0);
	/* The scheme in any case (RFC 3986, 3.1), as the parsers take it. */
	const char *host = ep + (strncasecmp(ep, "https://", 8) == 0 ? 8 : 7);
	FUZZ_CHECK(!strncasecmp(ep, "http://", 7) || !strncasecmp(ep, "https://", 8));
	const char *last = strrchr(host, '/');
	if (last)
		FUZZ_CHECK(strcmp(last + 1, acc) == 0);
	else
		FUZZ_CHECK(strncmp(host, acc, al) == 0 && host[al] == '.');
	check_endpoint(ep, 1);
}

static void check_encode(const char *s, size_t cap)
{
	char out[1024];
	if (cap > sizeof out)
		cap = sizeof out;
	if (blob_url_encode(s, out, cap) < 0) {
		FUZZ_CHECK(3 * strlen(s) + 1 > cap);
		return;
	}
	size_t n = strlen(out);
	FUZZ_CHECK(n < cap && n >= strlen(s));
	for (const char *c = out; *c; c++)
		FUZZ_CHECK(strchr("-._~/%", *c) || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
			   (*c >= '0' && *c <= '9'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cap = (size_t)data[0] * 4 + 1;
	char *url = fuzz_cstr(data + 1, size - 1);
	if (!url)
		return 0;
	check_cold(url, cap);
	check_endpoint(url, 0);
	check_encode(url, cap);
	free(url);
	return 0;
}
