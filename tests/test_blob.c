/*
 * test_blob — the Blob REST backend (refimpl/blob.c).
 *
 * Unit tests (always run): the SharedKey string-to-sign against the layout
 * in "Authorize with Shared Key" (learn.microsoft.com/rest/api/
 * storageservices/authorize-with-shared-key), signatures against OpenSSL's
 * command line, names, URL encoding, dates, backoff bounds, parameter
 * checks, and the faults that need no server: a closed port (bounded
 * retries, then BK_EIO) and a server that never answers (BK_TIMEOUT).
 *
 * Integration tests run against Azurite when TIERSIM_AZURITE_URL is set
 * (e.g. http://127.0.0.1:10000/devstoreaccount1; tests/e2e/blob_azurite.sh
 * starts one) and are skipped, saying so, otherwise.  They use Azurite's
 * documented development account, devstoreaccount1, and its public key.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "refimpl/blob.h"
#include "refimpl/loop.h"
#include "refimpl/probe.h"
#include "sim/metrics.h"

/* Azurite's well-known development key (public, documented by Microsoft). */
#define DEV_KEY "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
/* A well-formed key that is not the account's. */
#define WRONG_KEY "d3JvbmdrZXl3cm9uZ2tleXdyb25na2V5d3JvbmdrZXl3cm9uZ2tleXdyb25na2V5"

/* ------------------------------------------------------------ signing */

static void test_string_to_sign_follows_documented_layout(void **state)
{
	(void)state;
	/* Unordered, mixed-case x-ms- headers; a non-x-ms header is ignored. */
	const char *h[] = { "x-ms-version:2021-08-06", "X-MS-Range: bytes=0-1023", "Accept:*/*",
			    "x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT" };
	struct blob_sign_req r = { .verb = "GET", .headers = h, .nheaders = 4, .account = "devstoreaccount1",
				   .path = "/devstoreaccount1/tiersim/obj/00000000000000ff" };
	char *sts = NULL;
	struct err e;
	assert_int_equal(blob_string_to_sign(&r, &sts, &e), 0);
	/* VERB, then 11 empty standard headers (Content-Length 0 signs as ""),
	 * the sorted x-ms- headers, and "/" account + path: the emulator's
	 * path-style URL puts the account name twice. */
	assert_string_equal(sts, "GET\n\n\n\n\n\n\n\n\n\n\n\n"
				 "x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\n"
				 "x-ms-range:bytes=0-1023\n"
				 "x-ms-version:2021-08-06\n"
				 "/devstoreaccount1/devstoreaccount1/tiersim/obj/00000000000000ff");
	free(sts);
}

static void test_string_to_sign_puts_length_and_type_in_place(void **state)
{
	(void)state;
	const char *h[] = { "x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT", "x-ms-version:2021-08-06",
			    "x-ms-blob-type:BlockBlob" };
	struct blob_sign_req r = { .verb = "PUT", .content_length = 11, .content_type = "text/plain", .headers = h,
				   .nheaders = 3, .account = "devstoreaccount1",
				   .path = "/devstoreaccount1/tiersim/a%20b" };
	char *sts = NULL;
	struct err e;
	assert_int_equal(blob_string_to_sign(&r, &sts, &e), 0);
	assert_string_equal(sts, "PUT\n\n\n11\n\ntext/plain\n\n\n\n\n\n\n"
				 "x-ms-blob-type:BlockBlob\n"
				 "x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\n"
				 "x-ms-version:2021-08-06\n"
				 "/devstoreaccount1/devstoreaccount1/tiersim/a%20b");
	free(sts);
}

/* If-None-Match is the tenth line (VERB, Content-Encoding, -Language,
 * -Length, -MD5, -Type, Date, If-Modified-Since, If-Match, If-None-Match,
 * If-Unmodified-Since, Range), as learn.microsoft.com's "Authorize with
 * Shared Key" lays the string out. */
static void test_string_to_sign_puts_if_none_match_in_place(void **state)
{
	(void)state;
	const char *h[] = { "x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT", "x-ms-version:2021-08-06" };
	struct blob_sign_req r = { .verb = "PUT", .content_length = 7, .headers = h, .nheaders = 2,
				   .account = "devstoreaccount1", .path = "/devstoreaccount1/c/b", .query = "comp=blocklist",
				   .if_none_match = "*" };
	char *sts = NULL;
	struct err e;
	assert_int_equal(blob_string_to_sign(&r, &sts, &e), 0);
	assert_string_equal(sts, "PUT\n\n\n7\n\n\n\n\n\n*\n\n\n"
				 "x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\n"
				 "x-ms-version:2021-08-06\n"
				 "/devstoreaccount1/devstoreaccount1/c/b\ncomp:blocklist");
	free(sts);
}

static void test_string_to_sign_of_delete_has_no_length(void **state)
{
	(void)state;
	/* Delete Blob sends no body: Content-Length signs as "". */
	const char *h[] = { "x-ms-version:2021-08-06", "x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT" };
	struct blob_sign_req r = { .verb = "DELETE", .headers = h, .nheaders = 2, .account = "devstoreaccount1",
				   .path = "/devstoreaccount1/tiersim/obj/0000000000000001" };
	char *sts = NULL;
	struct err e;
	assert_int_equal(blob_string_to_sign(&r, &sts, &e), 0);
	assert_string_equal(sts, "DELETE\n\n\n\n\n\n\n\n\n\n\n\n"
				 "x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\n"
				 "x-ms-version:2021-08-06\n"
				 "/devstoreaccount1/devstoreaccount1/tiersim/obj/0000000000000001");
	free(sts);
}

static void test_string_to_sign_sorts_decodes_and_joins_query(void **state)
{
	(void)state;
	const char *h[] = { "x-ms-meta-Foo :  a   b  ", "x-ms-date:D" };
	struct blob_sign_req r = { .verb = "GET", .headers = h, .nheaders = 2, .account = "acct",
				   .path = "/c",
				   .query = "restype=container&Comp=list&prefix=obj%2F&maxresults=5000&marker=a%2Bb"
					    "&include=snapshots&include=metadata" };
	char *sts = NULL;
	struct err e;
	assert_int_equal(blob_string_to_sign(&r, &sts, &e), 0);
	/* names lower-cased and sorted, values decoded, repeated names joined
	 * with ',' in sorted order; header white space folded */
	assert_string_equal(sts, "GET\n\n\n\n\n\n\n\n\n\n\n\n"
				 "x-ms-date:D\n"
				 "x-ms-meta-foo:a b\n"
				 "/acct/c\n"
				 "comp:list\n"
				 "include:metadata,snapshots\n"
				 "marker:a+b\n"
				 "maxresults:5000\n"
				 "prefix:obj/\n"
				 "restype:container");
	free(sts);
}

static void test_string_to_sign_rejects_duplicate_header(void **state)
{
	(void)state;
	const char *h[] = { "x-ms-date:a", "X-Ms-Date:b" };
	struct blob_sign_req r = { .verb = "GET", .headers = h, .nheaders = 2, .account = "a", .path = "/" };
	char *sts = NULL;
	struct err e;
	assert_int_equal(blob_string_to_sign(&r, &sts, &e), -1);
	assert_null(sts);
	assert_non_null(strstr(e.msg, "x-ms-date"));
}

/* Expected values from the OpenSSL command line, independently of our code:
 *   HK=$(printf %s "$DEV_KEY" | base64 -d | xxd -p -c 256)
 *   printf 'GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\n
 *   x-ms-range:bytes=0-1023\nx-ms-version:2021-08-06\n/devstoreaccount1/
 *   devstoreaccount1/tiersim/obj/00000000000000ff' (one line)
 *     | openssl dgst -sha256 -mac HMAC -macopt hexkey:$HK -binary | base64
 *   → A7qEkdyiAu1cT5JCASR4IMeZZVjq9tNMvXinc4PoLFA=
 * and the same for the PUT string of the test above
 *   → 1yBLY9uvJ1oiDP+mwEfcgb4+UzvrcLPdBGxpqydgyq4=  */
static void test_signature_matches_openssl_hmac(void **state)
{
	(void)state;
	char sig[64];
	struct err e;
	assert_int_equal(blob_signature(DEV_KEY,
					"GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\n"
					"x-ms-range:bytes=0-1023\nx-ms-version:2021-08-06\n"
					"/devstoreaccount1/devstoreaccount1/tiersim/obj/00000000000000ff",
					sig, sizeof sig, &e),
			 0);
	assert_string_equal(sig, "A7qEkdyiAu1cT5JCASR4IMeZZVjq9tNMvXinc4PoLFA=");
	assert_int_equal(blob_signature(DEV_KEY,
					"PUT\n\n\n11\n\ntext/plain\n\n\n\n\n\n\nx-ms-blob-type:BlockBlob\n"
					"x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\nx-ms-version:2021-08-06\n"
					"/devstoreaccount1/devstoreaccount1/tiersim/a%20b",
					sig, sizeof sig, &e),
			 0);
	assert_string_equal(sig, "1yBLY9uvJ1oiDP+mwEfcgb4+UzvrcLPdBGxpqydgyq4=");
}

static void test_signature_rejects_bad_key_without_echoing_it(void **state)
{
	(void)state;
	char sig[64];
	struct err e;
	const char *bad = "not*base64*secret";
	assert_int_equal(blob_signature(bad, "x", sig, sizeof sig, &e), -1);
	assert_null(strstr(e.msg, bad));
	assert_null(strstr(e.msg, "secret"));
}

/* ------------------------------------------------------------ names etc. */

static void test_object_name_is_prefix_and_16_hex_digits(void **state)
{
	(void)state;
	char n[64];
	assert_int_equal(blob_object_name("obj/", 255, n, sizeof n), 0);
	assert_string_equal(n, "obj/00000000000000ff");
	assert_int_equal(blob_object_name("", UINT64_MAX, n, sizeof n), 0);
	assert_string_equal(n, "ffffffffffffffff");
	assert_int_equal(blob_object_name("obj/", 1, n, 10), -1);
}

static void test_url_encode_keeps_unreserved_and_slash_only(void **state)
{
	(void)state;
	char out[128];
	assert_int_equal(blob_url_encode("c/a b/../?x=1&y#%~_.-Z9", out, sizeof out), 0);
	assert_string_equal(out, "c/a%20b/../%3Fx%3D1%26y%23%25~_.-Z9");
	assert_int_equal(blob_url_encode("\xc3\xa9", out, sizeof out), 0);
	assert_string_equal(out, "%C3%A9");
	assert_int_equal(blob_url_encode("   ", out, 9), -1); /* needs 10 */
	assert_int_equal(blob_url_encode("   ", out, 10), 0);
}

static void test_http_date_is_rfc1123_gmt(void **state)
{
	(void)state;
	char d[40];
	blob_http_date(784111777, d, sizeof d); /* RFC 7231's example instant */
	assert_string_equal(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	blob_http_date(1704067200, d, sizeof d);
	assert_string_equal(d, "Mon, 01 Jan 2024 00:00:00 GMT");
}

static void test_backoff_is_full_jitter_under_capped_exponential(void **state)
{
	(void)state;
	const uint64_t base = 100, cap = 1000;
	assert_int_equal(blob_backoff_ns(base, cap, 1, 0.0), 0);
	assert_int_equal(blob_backoff_ns(base, cap, 1, 0.5), 50);
	assert_int_equal(blob_backoff_ns(base, cap, 3, 0.5), 200);
	assert_int_equal(blob_backoff_ns(base, cap, 10, 0.5), 500);  /* capped */
	assert_int_equal(blob_backoff_ns(base, cap, 200, 0.5), 500); /* no overflow */
	assert_true(blob_backoff_ns(base, cap, 4, 0.999999) < 800);
}

/* ------------------------------------------------------------ answers */

/* A page as Azurite sent it (abridged) for blobs named "obj/a&b<c>" and
 * "obj/a&b<c>z" with maxresults=1: the marker is XML-escaped in the body
 * and must go back decoded (sent as it stands, Azurite answers the same
 * page again, with the same marker, for ever). */
static const char az_page[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><EnumerationResults "
	"ServiceEndpoint=\"http://127.0.0.1:41037/devstoreaccount1\" ContainerName=\"fz-seeds\"><Prefix>obj/a</Prefix>"
	"<Marker/><MaxResults>1</MaxResults><Blobs><Blob><Name>obj/a&amp;b&lt;c&gt;</Name><Properties>"
	"<Content-Length>1</Content-Length><BlobType>BlockBlob</BlobType></Properties></Blob></Blobs>"
	"<NextMarker>obj/a&amp;b&lt;c&gt;</NextMarker></EnumerationResults>";

static void test_list_page_counts_blobs_and_decodes_the_marker(void **state)
{
	(void)state;
	uint64_t n;
	char *mk;
	struct err e;
	assert_int_equal(blob_parse_list(az_page, strlen(az_page), &n, &mk, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(mk, "obj/a&b<c>");
	free(mk);
	static const char refs[] = "<EnumerationResults><Blobs><Blob>x</Blob><Blob>y</Blob></Blobs>"
				   "<NextMarker>2!96!&#65;&#x42;&#xe9;&quot;&apos;</NextMarker></EnumerationResults>";
	assert_int_equal(blob_parse_list(refs, strlen(refs), &n, &mk, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(mk, "2!96!AB\xc3\xa9\"'");
	free(mk);
}

static void test_list_last_page_has_no_marker(void **state)
{
	(void)state;
	static const char *const last[] = {
		"<EnumerationResults><Blobs/><NextMarker/></EnumerationResults>",
		"<EnumerationResults><Blobs><Blob>x</Blob></Blobs><NextMarker /></EnumerationResults>",
		"<EnumerationResults><Blobs/><NextMarker></NextMarker></EnumerationResults>",
		"<EnumerationResults></EnumerationResults>",
	};
	for (size_t i = 0; i < sizeof last / sizeof *last; i++) {
		uint64_t n = 9;
		char *mk = (char *)"unset";
		struct err e;
		assert_int_equal(blob_parse_list(last[i], strlen(last[i]), &n, &mk, &e), 0);
		assert_null(mk);
		assert_true(n <= 1);
	}
}

/* What is not one whole page is an error, not a count of 0 and the end
 * of the listing: a proxy's HTML, a cut page, a NUL, a bad marker. */
static void test_list_page_that_is_not_whole_is_refused(void **state)
{
	(void)state;
	char longmk[1200];
	snprintf(longmk, sizeof longmk, "<EnumerationResults><NextMarker>%01025d</NextMarker></EnumerationResults>", 0);
	const struct {
		const char *body;
		size_t len;
		const char *why;
	} bad[] = {
		{ "<html><body>502 Bad Gateway</body></html>", 0, "EnumerationResults" },
		{ az_page, 200, "EnumerationResults" },
		{ "<EnumerationResults><Blob>\0<Blob></EnumerationResults>", 51, "NUL" },
		{ "<EnumerationResults><NextMarker>abc</EnumerationResults>", 0, "not closed" },
		{ "<EnumerationResults><NextMarker>a&bogus;</NextMarker></EnumerationResults>", 0, "malformed" },
		{ "<EnumerationResults><NextMarker>&#0;</NextMarker></EnumerationResults>", 0, "malformed" },
		{ longmk, 0, "longer than 1024" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		uint64_t n;
		char *mk = (char *)"unset";
		struct err e = { 0 };
		assert_int_equal(blob_parse_list(bad[i].body, bad[i].len ? bad[i].len : strlen(bad[i].body), &n, &mk, &e),
				 -1);
		assert_null(mk);
		assert_non_null(strstr(e.msg, bad[i].why));
	}
}

/* Error codes reach messages, so only printable ASCII is kept of them. */
/* Get Block List: the committed pieces and fills, with their sizes, in
 * the answer's order; a block that is neither (a whole write's block id)
 * marks the blob foreign, and so does a fill whose size is not the
 * length its id names; no committed block, none; a piece without a
 * numeric <Size>, a refusal. */
static void test_block_list_gives_pieces_and_fills_and_flags_foreign_blocks(void **state)
{
	(void)state;
	/* base64 of "tp" and 20 digits: 65536, 0; of "tz" 000000010000 00001000
	 * (a fill of 4,096 bytes at 65,536, in hex) */
	const char *ok = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><CommittedBlocks>"
			 "<Block><Name>dHAwMDAwMDAwMDAwMDAwMDA2NTUzNg==</Name><Size>65536</Size></Block>"
			 "<Block><Name>dHAwMDAwMDAwMDAwMDAwMDAwMDAwMA==</Name><Size>5000</Size></Block>"
			 "<Block><Name>dHowMDAwMDAwMTAwMDAwMDAwMTAwMA==</Name><Size>4096</Size></Block>"
			 "</CommittedBlocks><UncommittedBlocks /></BlockList>";
	struct pieces_block *bl;
	size_t n;
	int foreign;
	struct err e = { 0 };
	assert_int_equal(blob_parse_block_list(ok, strlen(ok), &bl, &n, &foreign, &e), 0);
	assert_int_equal(n, 3);
	assert_true(bl[0].off == 65536 && bl[0].len == 65536 && !bl[0].fill);
	assert_true(bl[1].off == 0 && bl[1].len == 5000 && !bl[1].fill);
	assert_true(bl[2].off == 65536 && bl[2].len == 4096 && bl[2].fill);
	assert_int_equal(foreign, 0);
	free(bl);
	/* "tiersim-block-00000000", a whole write's block; the same fill
	 * with a size that is not its length */
	const char *mixed = "<BlockList><CommittedBlocks>"
			    "<Block><Name>dHAwMDAwMDAwMDAwMDAwMDAwMDAwMA==</Name><Size>1</Size></Block>"
			    "<Block><Name>dGllcnNpbS1ibG9jay0wMDAwMDAwMA==</Name><Size>1</Size></Block>"
			    "</CommittedBlocks></BlockList>";
	assert_int_equal(blob_parse_block_list(mixed, strlen(mixed), &bl, &n, &foreign, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(foreign, 1);
	free(bl);
	const char *badfill = "<BlockList><CommittedBlocks>"
			      "<Block><Name>dHowMDAwMDAwMTAwMDAwMDAwMTAwMA==</Name><Size>4095</Size></Block>"
			      "</CommittedBlocks></BlockList>";
	assert_int_equal(blob_parse_block_list(badfill, strlen(badfill), &bl, &n, &foreign, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(foreign, 1);
	free(bl);
	const char *none = "<BlockList><CommittedBlocks /><UncommittedBlocks /></BlockList>";
	assert_int_equal(blob_parse_block_list(none, strlen(none), &bl, &n, &foreign, &e), 0);
	assert_int_equal(n, 0);
	assert_null(bl);
	const char *cut = "<BlockList><CommittedBlocks><Block><Name>dHAw";
	assert_int_equal(blob_parse_block_list(cut, strlen(cut), &bl, &n, &foreign, &e), -1);
	assert_null(bl);
	assert_non_null(strstr(e.msg, "BlockList"));
	const char *nosize = "<BlockList><CommittedBlocks>"
			     "<Block><Name>dHAwMDAwMDAwMDAwMDAwMDAwMDAwMA==</Name><Size>12x</Size></Block>"
			     "</CommittedBlocks></BlockList>";
	assert_int_equal(blob_parse_block_list(nosize, strlen(nosize), &bl, &n, &foreign, &e), -1);
	assert_null(bl);
	assert_non_null(strstr(e.msg, "<Size>"));
}

static void test_error_code_is_taken_printable_from_header_or_body(void **state)
{
	(void)state;
	char code[96] = "";
	static const char h[] = "X-MS-Error-Code:\t\x1b[31mAuth\x07" "Failed \r\n";
	assert_int_equal(blob_parse_header(h, sizeof h - 1, code, sizeof code), BLOB_HDR_ERROR_CODE);
	assert_string_equal(code, "?[31mAuth?Failed");
	assert_int_equal(blob_parse_header("HTTP/1.1 100 Continue\r\n", 23, code, sizeof code), BLOB_HDR_STATUS);
	assert_int_equal(blob_parse_header("Content-Length: 5\r\n", 19, code, sizeof code), BLOB_HDR_OTHER);
	assert_string_equal(code, "?[31mAuth?Failed"); /* untouched */
	static const char body[] = "<?xml version=\"1.0\"?>\n<Error>\n  <Code>BlobNotFound</Code>\n</Error>";
	blob_parse_error_code(body, sizeof body - 1, code, sizeof code);
	assert_string_equal(code, "BlobNotFound");
	static const char ctl[] = "<Code>\x1b]0;x\x07</Code>";
	blob_parse_error_code(ctl, sizeof ctl - 1, code, sizeof code);
	assert_string_equal(code, "?]0;x?");
	blob_parse_error_code("<Code>BlobNotFound", 18, code, sizeof code);
	assert_string_equal(code, "");
	blob_parse_error_code("<Code>BlobNotFound</Code>", 25, code, 5);
	assert_string_equal(code, "Blob");
}

static void test_endpoint_splits_and_refuses_credentials_unquoted(void **state)
{
	(void)state;
	char *ep, *path;
	struct err e;
	assert_int_equal(blob_parse_endpoint("http://127.0.0.1:10000/devstoreaccount1//", &ep, &path, &e), 0);
	assert_string_equal(ep, "http://127.0.0.1:10000/devstoreaccount1");
	assert_string_equal(path, "/devstoreaccount1");
	free(ep);
	free(path);
	assert_int_equal(blob_parse_endpoint("https://acct.blob.core.windows.net/", &ep, &path, &e), 0);
	assert_string_equal(ep, "https://acct.blob.core.windows.net");
	assert_string_equal(path, "");
	free(ep);
	free(path);
	static const char *const bad[] = { "https://acct.blob.core.windows.net/?sv=1&sig=S3CR3T",
					   "https://user:S3CR3T@acct.blob.core.windows.net", "https://h/a#S3CR3T",
					   "http://h/a S3CR3T", "http:///S3CR3T", "ftp://S3CR3T", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(&e, 0, sizeof e);
		assert_int_equal(blob_parse_endpoint(bad[i], &ep, &path, &e), -1);
		assert_null(ep);
		assert_int_equal(e.code, ERR_INPUT);
		assert_non_null(strstr(e.msg, "endpoint"));
		assert_null(strstr(e.msg, "S3CR3T"));
	}
}

/* Every message goes through blob_scrub: no secret survives, whether
 * whole, cut by the message's end, or spelt by the marker itself. */
static void test_scrub_leaves_no_secret(void **state)
{
	(void)state;
	char out[64];
	const char *const sas[] = { "sv=2021&sig=c2VjcmV0", NULL };
	blob_scrub(out, sizeof out, "blob: GET https://a/c?sv=2021&sig=c2VjcmV0: HTTP 403", sas, 2);
	assert_string_equal(out, "blob: GET https://a/c?[redacted]: HTTP 403");
	/* cut to fit after scrubbing, so no piece of the secret is left */
	blob_scrub(out, 30, "blob: x sv=2021&sig=c2VjcmV0 sv=2021&sig=c2VjcmV0", sas, 2);
	assert_string_equal(out, "blob: x [redacted] [redacted]");
	blob_scrub(out, 16, "blob: x sv=2021&sig=c2VjcmV0", sas, 2);
	assert_string_equal(out, "blob: x [redact");
	/* a key the marker contains: the message stops before it */
	const char *const key[] = { NULL, "acted" };
	blob_scrub(out, sizeof out, "blob: the key acted up", key, 2);
	assert_null(strstr(out, "acted"));
	assert_string_equal(out, "blob: the key [red");
	/* secrets under 4 bytes are not secrets (nor is NULL) */
	const char *const shortk[] = { "abc", NULL };
	blob_scrub(out, sizeof out, "abc", shortk, 2);
	assert_string_equal(out, "abc");
}

/* ------------------------------------------------------------ parameters */

static void dev_params(struct blob_params *p, const char *endpoint)
{
	blob_params_default(p);
	p->endpoint = endpoint;
	p->account = "devstoreaccount1";
	p->key = DEV_KEY;
	p->container = "tiersim-test";
}

static void test_new_rejects_bad_params_with_clear_messages(void **state)
{
	(void)state;
	struct loop *l;
	struct err e;
	assert_int_equal(loop_new(&l, 64, &e), 0);
	struct blob_params p;
	struct backend b;

	dev_params(&p, "ftp://127.0.0.1/x");
	assert_int_equal(blob_new(l, &p, &b, &e), -1);
	assert_non_null(strstr(e.msg, "endpoint"));

	dev_params(&p, "http://127.0.0.1:1/devstoreaccount1");
	p.container = "Bad_Name";
	assert_int_equal(blob_new(l, &p, &b, &e), -1);
	assert_non_null(strstr(e.msg, "container"));

	dev_params(&p, "http://127.0.0.1:1/devstoreaccount1");
	p.key = NULL;
	assert_int_equal(blob_new(l, &p, &b, &e), -1);
	assert_non_null(strstr(e.msg, "key"));

	dev_params(&p, "http://127.0.0.1:1/devstoreaccount1");
	p.key = "s3cr3t-not-base64!";
	assert_int_equal(blob_new(l, &p, &b, &e), -1);
	assert_null(strstr(e.msg, "s3cr3t"));

	dev_params(&p, "http://127.0.0.1:1/devstoreaccount1");
	p.block_bytes = 1000;
	assert_int_equal(blob_new(l, &p, &b, &e), -1);
	assert_non_null(strstr(e.msg, "block"));
	loop_free(l);
}

/* ------------------------------------------------------------ loop helpers */

struct waiter {
	struct loop *l;
	int calls;
	int in_submit; /* done must never run inside submit */
	int during_submit;
};

static void on_done(struct bk_req *r)
{
	struct waiter *w = r->ctx;
	w->calls++;
	if (w->in_submit)
		w->during_submit = 1;
	loop_stop(w->l);
}

/* Submits r and runs the loop until it completes (or 20 s pass: a hang
 * fails the test instead of hanging it). */
static void run_one(struct loop *l, const struct backend *b, struct bk_req *r)
{
	struct waiter w = { .l = l };
	r->done = on_done;
	r->ctx = &w;
	w.in_submit = 1;
	assert_int_equal(bk_submit(b, r), 0);
	w.in_submit = 0;
	struct err e;
	uint64_t limit = loop_now(l) + 20000000000ull;
	while (w.calls == 0 && loop_now(l) < limit)
		assert_int_equal(loop_run(l, limit, &e), 0);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.during_submit, 0);
}

/* A backend on a new loop, pointed at a port nothing listens on, for
 * what must fail or finish without the network. */
static void unreached_backend(uint64_t piece_bytes, struct loop **l, struct backend *b)
{
	struct err e;
	assert_int_equal(loop_new(l, 64, &e), 0);
	struct blob_params p;
	dev_params(&p, "http://127.0.0.1:1/devstoreaccount1");
	p.piece_bytes = piece_bytes;
	assert_int_equal(blob_new(*l, &p, b, &e), 0);
}

static void test_unsupported_op_is_enotsup_through_the_loop(void **state)
{
	(void)state;
	struct loop *l;
	struct backend b;
	unreached_backend(0, &l, &b);
	struct bk_req r = { .op = BK_LOOKUP, .object = 1 };
	run_one(l, &b, &r);
	assert_int_equal(r.status, BK_ENOTSUP);
	struct bk_req w = { .op = BK_WRITE, .object = 1, .offset = 4096, .length = 10, .buf = "0123456789" };
	run_one(l, &b, &w);
	assert_int_equal(w.status, BK_ENOTSUP);
	b.ops->destroy(b.self);
	loop_free(l);
}

/* A piece past the service's 50,000 blocks a blob fails at once, saying
 * why, without a request (it could never be committed). */
static void test_piece_past_the_block_limit_fails_at_once(void **state)
{
	(void)state;
	struct loop *l;
	struct backend b;
	unreached_backend(4096, &l, &b);
	char buf[4096] = { 0 };
	struct bk_req w = { .op = BK_WRITE, .object = 1, .offset = 50000ull * 4096, .length = 4096, .buf = buf };
	run_one(l, &b, &w);
	assert_int_equal(w.status, BK_EIO);
	assert_non_null(strstr(blob_last_error(&b), "past the service's 50000 blocks"));
	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "c", m, loop_now(l)), 0);
	assert_int_equal(met_find(m, "c.http.requests")->value, 0);
	met_free(m);
	b.ops->destroy(b.self);
	loop_free(l);
}

/* A loopback port that nothing listens on (bound, then closed). */
static int closed_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t n = sizeof a;
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &n), 0);
	close(s);
	return ntohs(a.sin_port);
}

static void test_endpoint_down_retries_boundedly_then_fails(void **state)
{
	(void)state;
	struct loop *l;
	struct err e;
	assert_int_equal(loop_new(&l, 64, &e), 0);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/devstoreaccount1", closed_port());
	struct blob_params p;
	dev_params(&p, url);
	p.max_retries = 3;
	p.backoff_base_ns = 1000000;   /* 1 ms */
	p.backoff_cap_ns = 4000000;
	struct backend b;
	assert_int_equal(blob_new(l, &p, &b, &e), 0);
	char buf[16];
	struct bk_req r = { .op = BK_READ, .object = 7, .length = sizeof buf, .buf = buf };
	uint64_t t0 = loop_now(l);
	run_one(l, &b, &r);
	assert_int_equal(r.status, BK_EIO);
	assert_int_equal(r.retries, 3);
	assert_true(loop_now(l) - t0 < 5000000000ull);
	const char *msg = blob_last_error(&b);
	assert_non_null(strstr(msg, "gave up after 3 retries"));
	assert_null(strstr(msg, DEV_KEY));
	b.ops->destroy(b.self);
	loop_free(l);
}

/* A silent server: a listening socket that never accepts (the kernel
 * completes the handshake, the request is sent, no answer ever comes),
 * and a backend on a new loop pointed at it, attempts of 200 ms and
 * backoffs of 1 ms.  Returns the socket, to close after. */
static int silent_backend(unsigned retries, struct loop **l, struct backend *b)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t n = sizeof a;
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s, 8), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &n), 0);
	struct err e;
	assert_int_equal(loop_new(l, 64, &e), 0);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/devstoreaccount1", ntohs(a.sin_port));
	struct blob_params p;
	dev_params(&p, url);
	p.max_retries = retries;
	p.timeout_ms = 200;
	p.backoff_base_ns = 1000000;
	p.backoff_cap_ns = 1000000;
	assert_int_equal(blob_new(*l, &p, b, &e), 0);
	return s;
}

/* A HEAD of object that fails with BK_EIO within 100 ms, the backend's
 * last error saying why. */
static void fails_at_once(struct loop *l, const struct backend *b, uint64_t object, const char *why)
{
	struct bk_req q = { .op = BK_HEAD, .object = object };
	uint64_t t0 = loop_now(l);
	run_one(l, b, &q);
	assert_int_equal(q.status, BK_EIO);
	assert_true(loop_now(l) - t0 < 100000000ull);
	assert_non_null(strstr(blob_last_error(b), why));
}

static void test_silent_server_times_out_boundedly(void **state)
{
	(void)state;
	struct loop *l;
	struct backend b;
	int s = silent_backend(1, &l, &b);
	struct bk_req r = { .op = BK_HEAD, .object = 7 };
	uint64_t t0 = loop_now(l);
	run_one(l, &b, &r);
	uint64_t dt = loop_now(l) - t0;
	assert_int_equal(r.status, BK_TIMEOUT);
	assert_int_equal(r.retries, 1);
	assert_true(dt >= 400000000ull);  /* two attempts of 200 ms */
	assert_true(dt < 3000000000ull);
	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "tier.cold", m, loop_now(l)), 0);
	assert_int_equal((int)met_find(m, "tier.cold.timeouts")->value, 2);
	assert_int_equal((int)met_find(m, "tier.cold.gave_up")->value, 1);
	met_free(m);
	/* A server that never answers is not reached: after three requests
	 * given up so in a row the backend is down, says so, and fails the
	 * next at once.  (It took only refused connections: a hung endpoint
	 * cost every request its 4 attempts of 30 s, for hours.) */
	for (int i = 0; i < 2; i++) {
		struct bk_req q = { .op = BK_HEAD, .object = 8 + (uint64_t)i };
		run_one(l, &b, &q);
		assert_int_equal(q.status, BK_TIMEOUT);
	}
	assert_non_null(strstr(blob_last_error(&b), "taken as down"));
	fails_at_once(l, &b, 11, "taken as down");
	b.ops->destroy(b.self);
	loop_free(l);
	close(s);
}

/* blob_stop (the run interrupted): the attempt in flight ends at its
 * timeout and is not tried again; a request after it fails at once. */
static void test_stop_tries_nothing_more(void **state)
{
	(void)state;
	struct loop *l;
	struct backend b;
	int s = silent_backend(3, &l, &b);
	struct err e;
	struct waiter w = { .l = l };
	struct bk_req r = { .op = BK_HEAD, .object = 7, .done = on_done, .ctx = &w };
	uint64_t t0 = loop_now(l);
	assert_int_equal(bk_submit(&b, &r), 0);
	blob_stop(&b);
	while (w.calls == 0 && loop_now(l) - t0 < 5000000000ull)
		assert_int_equal(loop_run(l, t0 + 5000000000ull, &e), 0);
	assert_int_equal(w.calls, 1);
	assert_int_equal(r.status, BK_TIMEOUT);
	assert_int_equal(r.retries, 0);
	assert_true(loop_now(l) - t0 < 1000000000ull);
	fails_at_once(l, &b, 8, "interrupted");
	b.ops->destroy(b.self);
	loop_free(l);
	close(s);
}

static void count_done(struct bk_req *r)
{
	(*(int *)r->ctx)++;
}

static void test_destroy_drops_pending_requests_without_callbacks(void **state)
{
	(void)state;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t n = sizeof a;
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s, 8), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &n), 0);
	struct loop *l;
	struct err e;
	assert_int_equal(loop_new(&l, 64, &e), 0);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/devstoreaccount1", ntohs(a.sin_port));
	struct blob_params p;
	dev_params(&p, url);
	struct backend b;
	assert_int_equal(blob_new(l, &p, &b, &e), 0);
	int calls = 0;
	char buf[4][32];
	struct bk_req r[4];
	for (int i = 0; i < 4; i++) {
		r[i] = (struct bk_req){ .op = BK_READ, .object = (uint64_t)i, .length = 32, .buf = buf[i],
					.done = count_done, .ctx = &calls };
		assert_int_equal(bk_submit(&b, &r[i]), 0);
	}
	assert_int_equal(loop_run(l, loop_now(l) + 50000000ull, &e), 0);
	assert_int_equal(calls, 0);
	b.ops->destroy(b.self); /* sanitizers check nothing leaks or dangles */
	assert_int_equal(loop_run(l, loop_now(l) + 10000000ull, &e), 0);
	assert_int_equal(calls, 0);
	loop_free(l);
	close(s);
}

/* ------------------------------------------------------------ Azurite */

struct az {
	struct loop *l;
	struct backend b;
	char url[256];
	char container[64];
	char prefix[64];
};

static const char *azurite_url(void)
{
	const char *u = getenv("TIERSIM_AZURITE_URL");
	return u && *u ? u : NULL;
}

#define NEED_AZURITE(st)                                                                                         \
	do {                                                                                                     \
		if (!*(st)) {                                                                                    \
			print_message("  skipped: TIERSIM_AZURITE_URL is not set (tests/e2e/blob_azurite.sh " \
				      "starts Azurite and sets it)\n");                                           \
			skip();                                                                                  \
		}                                                                                                \
	} while (0)

static int az_open_pieces(struct az *z, const char *key, uint64_t block_bytes, const char *sas, uint64_t piece_bytes)
{
	struct err e;
	if (loop_new(&z->l, 256, &e))
		return -1;
	struct blob_params p;
	dev_params(&p, z->url);
	p.container = z->container;
	p.prefix = z->prefix;
	p.key = key;
	p.sas = sas;
	p.timeout_ms = 10000;
	p.backoff_base_ns = 2000000;
	p.backoff_cap_ns = 8000000;
	if (block_bytes)
		p.block_bytes = block_bytes;
	p.piece_bytes = piece_bytes;
	return blob_new(z->l, &p, &z->b, &e);
}

static int az_open(struct az *z, const char *key, uint64_t block_bytes, const char *sas)
{
	return az_open_pieces(z, key, block_bytes, sas, 0);
}

static void az_close(struct az *z)
{
	z->b.ops->destroy(z->b.self);
	loop_free(z->l);
}

static int az_setup(void **state)
{
	const char *u = azurite_url();
	if (!u) {
		*state = NULL;
		return 0;
	}
	struct az *z = calloc(1, sizeof *z);
	snprintf(z->url, sizeof z->url, "%s", u);
	snprintf(z->container, sizeof z->container, "tiersim-test-%ld", (long)getpid());
	snprintf(z->prefix, sizeof z->prefix, "obj/");
	if (az_open(z, DEV_KEY, 64 << 10, NULL)) {
		free(z);
		return -1;
	}
	struct bk_req r = { 0 };
	struct waiter w = { .l = z->l };
	r.done = on_done;
	r.ctx = &w;
	struct err e;
	if (blob_create_container(&z->b, &r))
		return -1;
	while (!w.calls)
		if (loop_run(z->l, loop_now(z->l) + 20000000000ull, &e))
			return -1;
	if (r.status != BK_OK) {
		fprintf(stderr, "create container: %s\n", blob_last_error(&z->b));
		return -1;
	}
	*state = z;
	return 0;
}

static int az_teardown(void **state)
{
	struct az *z = *state;
	if (z) {
		az_close(z);
		free(z);
	}
	return 0;
}

/* Content derived from the object id and the offset, so every byte read
 * can be checked. */
static uint8_t content_byte(uint64_t object, uint64_t off)
{
	uint64_t x = object * 0x9e3779b97f4a7c15ull + (off >> 3);
	x ^= x >> 29;
	return (uint8_t)(x >> (8 * (off & 7)));
}

static void fill(uint8_t *b, uint64_t object, uint64_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = content_byte(object, off + i);
}

/* Writes [off, off + n) of the object, with its content: with off 0, the
 * whole object (or, on a backend of pieces, its first). */
static void put_piece(struct az *z, uint64_t object, uint64_t off, size_t n)
{
	uint8_t *buf = malloc(n ? n : 1);
	fill(buf, object, off, n);
	struct bk_req r = { .op = BK_WRITE, .object = object, .offset = off, .length = n, .buf = buf };
	run_one(z->l, &z->b, &r);
	if (r.status != BK_OK)
		print_error("put: %s\n", blob_last_error(&z->b));
	assert_int_equal(r.status, BK_OK);
	free(buf);
}

static void put_object(struct az *z, uint64_t object, size_t n)
{
	put_piece(z, object, 0, n);
}

static void check_read(struct az *z, uint64_t object, uint64_t off, size_t n)
{
	uint8_t *buf = calloc(1, n), *want = malloc(n);
	fill(want, object, off, n);
	struct bk_req r = { .op = BK_READ, .object = object, .offset = off, .length = n, .buf = buf };
	run_one(z->l, &z->b, &r);
	if (r.status != BK_OK)
		print_error("get: %s\n", blob_last_error(&z->b));
	assert_int_equal(r.status, BK_OK);
	assert_memory_equal(buf, want, n);
	free(buf);
	free(want);
}

static void test_az_put_then_get_round_trips(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state;
	put_object(z, 1, 5000);
	check_read(z, 1, 0, 5000);
}

static void test_az_ranged_get_returns_exactly_the_range(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state;
	put_object(z, 2, 10000);
	check_read(z, 2, 4096, 1000);
	check_read(z, 2, 9999, 1);
}

static void test_az_large_object_goes_up_in_blocks(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state;
	size_t n = 3 * (64 << 10) + 777; /* block size 64 KiB: 4 blocks */
	put_object(z, 3, n);
	check_read(z, 3, 0, n);
	check_read(z, 3, (64 << 10) - 10, 20); /* across a block boundary */
	struct bk_req h = { .op = BK_HEAD, .object = 3 };
	run_one(z->l, &z->b, &h);
	assert_int_equal(h.status, BK_OK);
	assert_int_equal(blob_req_value(&h), n);
	struct met_registry *m = met_new();
	assert_int_equal(z->b.ops->export(z->b.self, "tier.cold", m, loop_now(z->l)), 0);
	/* 4 Put Block + 1 Put Block List + 1 HEAD + 2 GETs, at least */
	assert_true(met_find(m, "tier.cold.http.requests")->value >= 8);
	met_free(m);
}

/* Pieces (blob.h, piece_bytes): a second backend on the container with
 * 16 KiB pieces.  Three pieces of object 40 submitted at once, out of
 * order (16 KiB at 16 KiB, 16 KiB at 0, the last 5,000 bytes at 32 KiB),
 * are one phase (sim/pieces.h): three Put Blocks side by side, then one
 * Put Block List of the three in offset order, with no fill: 4 requests
 * (one piece at a time made 7: a Put Block and a commit each, the first
 * behind a fill of the 16 KiB before it).  Then the blob is the three end to
 * end, 37,768 bytes of the right content; a piece written again replaces
 * itself (same size).  An object smaller than a piece is one Put Blob. */
static void test_az_pieces_of_an_object_make_one_blob(void **state)
{
	NEED_AZURITE(state);
	struct az *base = *state, z = *base;
	struct err e;
	assert_int_equal(az_open_pieces(&z, DEV_KEY, 0, NULL, 16 << 10), 0);
	const uint64_t off[3] = { 16 << 10, 0, 32 << 10 }, len[3] = { 16 << 10, 16 << 10, 5000 };
	uint8_t *buf[3];
	struct bk_req r[3];
	struct waiter w = { .l = z.l };
	for (int i = 0; i < 3; i++) {
		buf[i] = malloc(len[i]);
		fill(buf[i], 40, off[i], len[i]);
		r[i] = (struct bk_req){ .op = BK_WRITE, .object = 40, .offset = off[i], .length = len[i],
					.buf = buf[i], .done = on_done, .ctx = &w };
		assert_int_equal(bk_submit(&z.b, &r[i]), 0);
	}
	uint64_t limit = loop_now(z.l) + 20000000000ull;
	while (w.calls < 3 && loop_now(z.l) < limit)
		assert_int_equal(loop_run(z.l, limit, &e), 0);
	assert_int_equal(w.calls, 3);
	for (int i = 0; i < 3; i++) {
		if (r[i].status != BK_OK)
			print_error("piece %d: %s\n", i, blob_last_error(&z.b));
		assert_int_equal(r[i].status, BK_OK);
	}
	struct met_registry *m = met_new();
	assert_int_equal(z.b.ops->export(z.b.self, "c", m, loop_now(z.l)), 0);
	assert_int_equal(met_find(m, "c.http.requests")->value, 4);
	assert_int_equal(met_find(m, "c.write.ops")->value, 3);
	assert_int_equal(met_find(m, "c.fill.blocks")->value, 0);
	assert_int_equal(met_find(m, "c.fill.bytes")->value, 0);
	met_free(m);
	struct bk_req h = { .op = BK_HEAD, .object = 40 };
	run_one(z.l, &z.b, &h);
	assert_int_equal(blob_req_value(&h), (32 << 10) + 5000);
	check_read(&z, 40, 0, (32 << 10) + 5000);
	struct bk_req again = { .op = BK_WRITE, .object = 40, .offset = 0, .length = len[1], .buf = buf[1] };
	run_one(z.l, &z.b, &again);
	assert_int_equal(again.status, BK_OK);
	run_one(z.l, &z.b, &h);
	assert_int_equal(blob_req_value(&h), (32 << 10) + 5000);
	check_read(&z, 40, 0, (32 << 10) + 5000);
	put_object(&z, 41, 1000); /* one Put Blob */
	check_read(&z, 41, 0, 1000);
	for (int i = 0; i < 3; i++)
		free(buf[i]);
	az_close(&z);
}

static void check_zeros(struct az *z, uint64_t object, uint64_t off, size_t n)
{
	uint8_t *buf = malloc(n), *want = calloc(1, n);
	memset(buf, 0xa5, n);
	struct bk_req r = { .op = BK_READ, .object = object, .offset = off, .length = n, .buf = buf };
	run_one(z->l, &z->b, &r);
	assert_int_equal(r.status, BK_OK);
	assert_memory_equal(buf, want, n);
	free(buf);
	free(want);
}

static uint64_t blob_size(struct az *z, uint64_t object)
{
	struct bk_req h = { .op = BK_HEAD, .object = object };
	run_one(z->l, &z->b, &h);
	assert_int_equal(h.status, BK_OK);
	return blob_req_value(&h);
}

/* Every piece is read at its own offset, whatever was written before it
 * (blob.c, blocks_walk).  16 KiB pieces of object 43: the last piece
 * (5,000 bytes at 32 KiB) first, then the two before it, then the middle
 * one again, shorter (an object that shrank while its last piece is
 * still listed).  The gaps read as zeros; a second backend (a later run)
 * that writes the middle piece whole again finds the fills in the blob
 * and the blob is the three pieces again.  Before fills, the last piece
 * alone made a blob of 5,000 bytes, and the short middle piece moved the
 * last one 8,384 bytes down, where a read of it got the wrong bytes. */
static void test_az_pieces_stay_at_their_offsets(void **state)
{
	NEED_AZURITE(state);
	struct az *base = *state, z = *base;
	const uint64_t P = 16 << 10, end = 2 * P + 5000;
	assert_int_equal(az_open_pieces(&z, DEV_KEY, 0, NULL, P), 0);
	put_piece(&z, 43, 2 * P, 5000);
	assert_int_equal(blob_size(&z, 43), end);
	check_zeros(&z, 43, 0, 2 * P);
	check_read(&z, 43, 2 * P, 5000);
	put_piece(&z, 43, P, P);
	put_piece(&z, 43, 0, P);
	assert_int_equal(blob_size(&z, 43), end);
	check_read(&z, 43, 0, end);
	put_piece(&z, 43, P, 8000);
	assert_int_equal(blob_size(&z, 43), end);
	check_read(&z, 43, 0, P + 8000);
	check_zeros(&z, 43, P + 8000, P - 8000);
	check_read(&z, 43, 2 * P, 5000);
	struct met_registry *m = met_new();
	assert_int_equal(z.b.ops->export(z.b.self, "c", m, loop_now(z.l)), 0);
	/* two slots before the first piece, then the short one's tail */
	assert_int_equal(met_find(m, "c.fill.blocks")->value, 3);
	assert_int_equal(met_find(m, "c.fill.bytes")->value, 2 * P + P - 8000);
	met_free(m);
	az_close(&z);

	struct az later = *base;
	assert_int_equal(az_open_pieces(&later, DEV_KEY, 0, NULL, P), 0);
	put_piece(&later, 43, P, P);
	assert_int_equal(blob_size(&later, 43), end);
	check_read(&later, 43, 0, end);
	az_close(&later);
}

/* A piece that is not one slot of piece_bytes (misaligned, or longer)
 * could not sit at its offset: refused, saying why. */
static void test_az_piece_out_of_its_slot_is_refused(void **state)
{
	NEED_AZURITE(state);
	struct az *base = *state, z = *base;
	assert_int_equal(az_open_pieces(&z, DEV_KEY, 0, NULL, 16 << 10), 0);
	uint8_t *buf = calloc(1, 32 << 10);
	struct bk_req r = { .op = BK_WRITE, .object = 44, .offset = 1000, .length = 100, .buf = buf };
	run_one(z.l, &z.b, &r);
	assert_int_equal(r.status, BK_EIO);
	assert_non_null(strstr(blob_last_error(&z.b), "not in one slot"));
	struct bk_req big = { .op = BK_WRITE, .object = 44, .offset = 16 << 10, .length = 32 << 10, .buf = buf };
	run_one(z.l, &z.b, &big);
	assert_int_equal(big.status, BK_EIO);
	free(buf);
	az_close(&z);
}

/* A piece written into a blob someone wrote whole (tierref populate's
 * Put Blob) fails, and the blob keeps every byte: the first commit of an
 * object's pieces is made only where there is no blob (If-None-Match).
 * It once committed the one piece, and the blob shrank to it. */
static void test_az_piece_into_a_whole_blob_fails_and_keeps_it(void **state)
{
	NEED_AZURITE(state);
	struct az *base = *state, z = *base;
	assert_int_equal(az_open_pieces(&z, DEV_KEY, 0, NULL, 16 << 10), 0);
	put_object(&z, 42, 40000); /* whole, one Put Blob */
	uint8_t *buf = malloc(16 << 10);
	fill(buf, 42, 0, 16 << 10);
	struct bk_req r = { .op = BK_WRITE, .object = 42, .offset = 0, .length = 16 << 10, .buf = buf };
	run_one(z.l, &z.b, &r);
	assert_int_equal(r.status, BK_EIO);
	assert_non_null(strstr(blob_last_error(&z.b), "the blob is there already"));
	struct bk_req h = { .op = BK_HEAD, .object = 42 };
	run_one(z.l, &z.b, &h);
	assert_int_equal(blob_req_value(&h), 40000);
	check_read(&z, 42, 0, 40000);
	free(buf);
	az_close(&z);
}

static void test_az_head_gives_size_and_missing_is_enoent(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state;
	put_object(z, 4, 123);
	struct bk_req h = { .op = BK_HEAD, .object = 4 };
	run_one(z->l, &z->b, &h);
	assert_int_equal(h.status, BK_OK);
	assert_int_equal(blob_req_value(&h), 123);
	struct bk_req m = { .op = BK_HEAD, .object = 0xdead };
	run_one(z->l, &z->b, &m);
	assert_int_equal(m.status, BK_ENOENT);
	char buf[8];
	struct bk_req g = { .op = BK_READ, .object = 0xdead, .length = 8, .buf = buf };
	run_one(z->l, &z->b, &g);
	assert_int_equal(g.status, BK_ENOENT);
	assert_non_null(strstr(blob_last_error(&z->b), "404"));
	assert_non_null(strstr(blob_last_error(&z->b), "BlobNotFound"));
}

static void test_az_read_past_end_is_an_error_not_a_short_buffer(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state;
	put_object(z, 5, 100);
	char buf[64];
	struct bk_req r = { .op = BK_READ, .object = 5, .offset = 80, .length = sizeof buf, .buf = buf };
	run_one(z->l, &z->b, &r);
	assert_int_equal(r.status, BK_EIO); /* 20 bytes exist, 64 asked */
	struct bk_req r2 = { .op = BK_READ, .object = 5, .offset = 1000, .length = sizeof buf, .buf = buf };
	run_one(z->l, &z->b, &r2);
	assert_int_equal(r2.status, BK_EIO); /* 416 */
}

static void test_az_list_counts_blobs_under_the_prefix(void **state)
{
	NEED_AZURITE(state);
	struct az *base = *state;
	struct az z = *base;
	snprintf(z.prefix, sizeof z.prefix, "list-%ld/", (long)getpid());
	assert_int_equal(az_open(&z, DEV_KEY, 0, NULL), 0);
	for (uint64_t o = 10; o < 13; o++)
		put_object(&z, o, 10);
	struct bk_req r = { .op = BK_LIST };
	run_one(z.l, &z.b, &r);
	assert_int_equal(r.status, BK_OK);
	assert_int_equal(blob_req_value(&r), 3);
	az_close(&z);
}

static void test_az_delete_removes_the_blob_and_missing_is_enoent(void **state)
{
	NEED_AZURITE(state);
	struct az *base = *state;
	struct az z = *base;
	snprintf(z.prefix, sizeof z.prefix, "del-%ld/", (long)getpid());
	assert_int_equal(az_open(&z, DEV_KEY, 0, NULL), 0);
	put_object(&z, 30, 100);
	put_object(&z, 31, 100);
	struct bk_req d = { .op = BK_UNLINK, .object = 30 };
	run_one(z.l, &z.b, &d);
	if (d.status != BK_OK)
		print_error("delete: %s\n", blob_last_error(&z.b));
	assert_int_equal(d.status, BK_OK);
	struct bk_req h = { .op = BK_HEAD, .object = 30 };
	run_one(z.l, &z.b, &h);
	assert_int_equal(h.status, BK_ENOENT);
	struct bk_req l = { .op = BK_LIST };
	run_one(z.l, &z.b, &l);
	assert_int_equal(l.status, BK_OK);
	assert_int_equal(blob_req_value(&l), 1); /* only 31 is left */
	struct bk_req again = { .op = BK_UNLINK, .object = 30 };
	run_one(z.l, &z.b, &again);
	assert_int_equal(again.status, BK_ENOENT);
	assert_non_null(strstr(blob_last_error(&z.b), "Delete Blob"));
	assert_non_null(strstr(blob_last_error(&z.b), "404"));
	struct met_registry *m = met_new();
	assert_int_equal(z.b.ops->export(z.b.self, "tier.cold", m, loop_now(z.l)), 0);
	assert_int_equal((int)met_find(m, "tier.cold.delete.ops")->value, 1);
	assert_int_equal((int)met_find(m, "tier.cold.delete.errors")->value, 1);
	assert_int_equal((int)met_find(m, "tier.cold.enotsup")->value, 0);
	met_free(m);
	az_close(&z);
}

/* An injected fault replaces the answer of a request the service did
 * carry out (blob.h), so the retry of a delete finds the blob gone: 404,
 * BK_ENOENT, as after a real timeout whose delete went through.  What is
 * tested is that the 503 is retried, not given up on. */
static void test_az_injected_503_on_delete_is_retried(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state;
	put_object(z, 32, 10);
	blob_inject_fault(&z->b, 503, 1);
	struct bk_req d = { .op = BK_UNLINK, .object = 32 };
	run_one(z->l, &z->b, &d);
	assert_int_equal(d.retries, 1);
	assert_int_equal(d.status, BK_ENOENT);
	struct bk_req h = { .op = BK_HEAD, .object = 32 };
	run_one(z->l, &z->b, &h);
	assert_int_equal(h.status, BK_ENOENT);
}

/* probe_blob (refimpl/probe.h) over this backend: a measured cold tier,
 * and its scratch set deleted (it uses Delete Blob). */
static void test_az_probe_blob_measures_and_leaves_no_scratch_blob(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state;
	struct blob_params p;
	dev_params(&p, z->url);
	p.container = z->container;
	struct probe_opts o = { .seconds = 0.02, .scratch_bytes = 4u << 20, .seed = 5 };
	struct probe_result *r = calloc(1, sizeof *r);
	struct err e = { 0 };
	int rc = probe_blob(z->l, &p, "azurite", &o, r, &e);
	if (rc)
		print_error("probe_blob: %s\n", e.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(r->kind, PROBE_COLD);
	assert_int_equal(r->deleted, 4 + PROBE_COLD_SMALL_BLOBS); /* the scratch set and the small blobs */
	assert_int_equal(r->left, 0);
	assert_true(r->pt[0][0][0].ops >= PROBE_COLD_MIN_SAMPLES);
	assert_true(r->pt[1][0][0].ops >= PROBE_COLD_MIN_SAMPLES); /* 4 KiB PUTs, put_ttfb's */
	assert_true(r->pt[0][1][0].bps > 0 && r->pt[1][1][0].bps > 0 && r->conn_bps > 0);
	assert_int_equal(r->throttled, 0);
	/* The scratch prefix lists empty through the backend too. */
	struct blob_params lp = p;
	lp.prefix = r->prefix;
	struct backend lb;
	assert_int_equal(blob_new(z->l, &lp, &lb, &e), 0);
	struct bk_req l = { .op = BK_LIST };
	run_one(z->l, &lb, &l);
	assert_int_equal(l.status, BK_OK);
	assert_int_equal(blob_req_value(&l), 0);
	lb.ops->destroy(lb.self);
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	assert_int_equal(probe_write_preset(r, NULL, "cold", f), 0);
	fclose(f);
	assert_non_null(strstr(text, "[tier cold]\nmodel = cold\n"));
	assert_non_null(strstr(text, "\nttfb = empirical("));
	assert_non_null(strstr(text, "\negress = "));
	assert_non_null(strstr(text, "\ningress = "));
	assert_null(strstr(text, "\naccount_rate"));
	assert_null(strstr(text, "Eby8"));
	free(text);
	free(r);
}

static void test_az_probe_blob_refused_fails_clearly_without_the_key(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state;
	struct blob_params p;
	dev_params(&p, z->url);
	p.container = z->container;
	p.key = WRONG_KEY;
	struct probe_opts o = { .seconds = 0.02, .scratch_bytes = 4u << 20 };
	struct probe_result *r = calloc(1, sizeof *r);
	struct err e = { 0 };
	assert_int_equal(probe_blob(z->l, &p, "azurite", &o, r, &e), -1);
	assert_non_null(strstr(e.msg, "403"));
	assert_null(strstr(e.msg, WRONG_KEY));
	free(r);
}

static void test_az_wrong_key_is_eio_403_without_the_key(void **state)
{
	NEED_AZURITE(state);
	struct az *base = *state;
	struct az z = *base;
	assert_int_equal(az_open(&z, WRONG_KEY, 0, NULL), 0);
	struct bk_req r = { .op = BK_HEAD, .object = 4 };
	run_one(z.l, &z.b, &r);
	assert_int_equal(r.status, BK_EIO);
	const char *msg = blob_last_error(&z.b);
	assert_non_null(strstr(msg, "403"));
	assert_non_null(strstr(msg, "the credentials were refused: a wrong account key"));
	assert_null(strstr(msg, WRONG_KEY));
	assert_null(strstr(msg, DEV_KEY));
	assert_null(strstr(msg, "SharedKey"));
	az_close(&z);
}

static void test_az_bad_sas_is_refused_and_never_echoed(void **state)
{
	NEED_AZURITE(state);
	struct az *base = *state;
	struct az z = *base;
	const char *sas = "sv=2021-08-06&ss=b&srt=sco&sp=rl&se=2099-01-01T00:00:00Z&sig=SECRETSIGNATUREVALUE%3D";
	assert_int_equal(az_open(&z, NULL, 0, sas), 0);
	char buf[8];
	struct bk_req r = { .op = BK_READ, .object = 1, .length = 8, .buf = buf };
	run_one(z.l, &z.b, &r);
	assert_int_equal(r.status, BK_EIO);
	const char *msg = blob_last_error(&z.b);
	assert_non_null(strstr(msg, "403"));
	assert_null(strstr(msg, "SECRETSIGNATURE"));
	assert_null(strstr(msg, "sig="));
	az_close(&z);
}

static void test_az_injected_503s_are_retried_then_succeed(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state;
	put_object(z, 6, 64);
	blob_inject_fault(&z->b, 503, 2);
	uint8_t buf[64];
	struct bk_req r = { .op = BK_READ, .object = 6, .length = 64, .buf = buf };
	run_one(z->l, &z->b, &r);
	assert_int_equal(r.status, BK_OK);
	assert_int_equal(r.retries, 2);
	uint8_t want[64];
	fill(want, 6, 0, 64);
	assert_memory_equal(buf, want, 64);
}

static void test_az_persistent_503_gives_up_throttled_within_backoff_bound(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state;
	blob_inject_fault(&z->b, 503, 100);
	struct bk_req r = { .op = BK_HEAD, .object = 6 };
	uint64_t t0 = loop_now(z->l);
	run_one(z->l, &z->b, &r);
	uint64_t dt = loop_now(z->l) - t0;
	blob_inject_fault(&z->b, 0, 0);
	assert_int_equal(r.status, BK_THROTTLED);
	assert_int_equal(r.retries, 3);
	/* backoffs are at most 2 + 4 + 8 ms; the 4 requests are local */
	assert_true(dt < 2000000000ull);
	const char *msg = blob_last_error(&z->b);
	assert_non_null(strstr(msg, "503"));
	assert_non_null(strstr(msg, "InjectedFault"));
	struct met_registry *m = met_new();
	assert_int_equal(z->b.ops->export(z->b.self, "tier.cold", m, loop_now(z->l)), 0);
	assert_true(met_find(m, "tier.cold.throttled")->value >= 4);
	assert_true(met_find(m, "tier.cold.retries")->value >= 3);
	met_free(m);
}

/* An endpoint that refuses everything (503 to every attempt) is taken as
 * down after three requests given up in a row, as one that does not
 * answer is, and the next request fails at once: such a run once went on
 * for an hour, a request every 2 s.  (A fresh backend: down is for good.) */
static void test_az_refusing_everything_is_taken_as_down(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state, y = *z;
	assert_int_equal(az_open(&y, DEV_KEY, 64 << 10, NULL), 0);
	blob_inject_fault(&y.b, 503, 1000);
	for (uint64_t i = 0; i < 3; i++) {
		struct bk_req r = { .op = BK_HEAD, .object = 20 + i };
		run_one(y.l, &y.b, &r);
		assert_int_equal(r.status, BK_THROTTLED);
	}
	assert_non_null(strstr(blob_last_error(&y.b), "refused (HTTP 503 or 500), 3 requests in a row"));
	fails_at_once(y.l, &y.b, 23, "taken as down");
	az_close(&y);
}

/* Create Container refused (403: a container's own SAS may never create
 * one, and populate and probe stopped there) is followed by a List Blobs of
 * one: the container there is success, a missing one ENOENT. */
static int create_container(struct az *y)
{
	struct bk_req r = { 0 };
	struct waiter w = { .l = y->l };
	r.done = on_done;
	r.ctx = &w;
	struct err e;
	assert_int_equal(blob_create_container(&y->b, &r), 0);
	while (!w.calls)
		assert_int_equal(loop_run(y->l, loop_now(y->l) + 20000000000ull, &e), 0);
	return r.status;
}

static void test_az_create_container_refused_lists_it(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state, y = *z;
	assert_int_equal(az_open(&y, DEV_KEY, 64 << 10, NULL), 0);
	blob_inject_fault(&y.b, 403, 1);
	assert_int_equal(create_container(&y), BK_OK);
	/* Two requests: the refused Create Container, and the List Blobs.
	 * (A missing container's List is a 404, ENOENT; the injected fault
	 * replaces the answer of a request that was made, so it cannot
	 * show that here: the Create Container made the container.) */
	struct met_registry *m = met_new();
	assert_int_equal(y.b.ops->export(y.b.self, "tier.cold", m, loop_now(y.l)), 0);
	assert_int_equal((int)met_find(m, "tier.cold.http.requests")->value, 2);
	met_free(m);
	az_close(&y);
}

static void test_az_injected_500_on_a_block_is_retried(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state;
	blob_inject_fault(&z->b, 500, 1);
	size_t n = 2 * (64 << 10) + 1;
	uint8_t *buf = malloc(n);
	fill(buf, 8, 0, n);
	struct bk_req r = { .op = BK_WRITE, .object = 8, .length = n, .buf = buf };
	run_one(z->l, &z->b, &r);
	assert_int_equal(r.status, BK_OK);
	assert_int_equal(r.retries, 1);
	free(buf);
	check_read(z, 8, 0, n);
}

static void test_az_many_concurrent_reads_all_complete_correctly(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state;
	enum { N = 48, LEN = 4096 };
	put_object(z, 20, N * LEN);
	static uint8_t buf[N][LEN];
	struct bk_req r[N];
	int calls = 0;
	for (int i = 0; i < N; i++) {
		r[i] = (struct bk_req){ .op = BK_READ, .object = 20, .offset = (uint64_t)(N - 1 - i) * LEN,
					.length = LEN, .buf = buf[i], .done = count_done, .ctx = &calls };
		assert_int_equal(bk_submit(&z->b, &r[i]), 0);
	}
	struct err e;
	uint64_t limit = loop_now(z->l) + 20000000000ull;
	while (calls < N && loop_now(z->l) < limit)
		assert_int_equal(loop_run(z->l, limit, &e), 0);
	assert_int_equal(calls, N);
	uint8_t want[LEN];
	for (int i = 0; i < N; i++) {
		assert_int_equal(r[i].status, BK_OK);
		fill(want, 20, r[i].offset, LEN);
		assert_memory_equal(buf[i], want, LEN);
	}
}

static void test_az_export_names_match_the_cold_model(void **state)
{
	NEED_AZURITE(state);
	struct az *z = *state;
	put_object(z, 9, 10);
	check_read(z, 9, 0, 10);
	struct met_registry *m = met_new();
	assert_int_equal(z->b.ops->export(z->b.self, "tier.cold", m, loop_now(z->l)), 0);
	const char *names[] = { "tier.cold.read.ops", "tier.cold.read.bytes", "tier.cold.write.ops",
				"tier.cold.write.bytes", "tier.cold.head.ops", "tier.cold.list.ops", "tier.cold.delete.ops",
				"tier.cold.throttled", "tier.cold.retries", "tier.cold.gave_up" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		assert_non_null(met_find(m, names[i]));
	assert_true(met_find(m, "tier.cold.read.ops")->value >= 1);
	for (size_t i = 0; i < met_nscalars(m); i++)
		assert_null(strstr(met_scalar_at(m, i)->name, "Eby8"));
	met_free(m);
	z->b.ops->reset_stats(z->b.self);
	m = met_new();
	assert_int_equal(z->b.ops->export(z->b.self, "tier.cold", m, loop_now(z->l)), 0);
	assert_int_equal((int)met_find(m, "tier.cold.read.ops")->value, 0);
	met_free(m);
}

int main(void)
{
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_string_to_sign_follows_documented_layout),
		cmocka_unit_test(test_string_to_sign_puts_length_and_type_in_place),
		cmocka_unit_test(test_string_to_sign_of_delete_has_no_length),
		cmocka_unit_test(test_string_to_sign_puts_if_none_match_in_place),
		cmocka_unit_test(test_string_to_sign_sorts_decodes_and_joins_query),
		cmocka_unit_test(test_string_to_sign_rejects_duplicate_header),
		cmocka_unit_test(test_signature_matches_openssl_hmac),
		cmocka_unit_test(test_signature_rejects_bad_key_without_echoing_it),
		cmocka_unit_test(test_object_name_is_prefix_and_16_hex_digits),
		cmocka_unit_test(test_url_encode_keeps_unreserved_and_slash_only),
		cmocka_unit_test(test_http_date_is_rfc1123_gmt),
		cmocka_unit_test(test_backoff_is_full_jitter_under_capped_exponential),
		cmocka_unit_test(test_list_page_counts_blobs_and_decodes_the_marker),
		cmocka_unit_test(test_list_last_page_has_no_marker),
		cmocka_unit_test(test_list_page_that_is_not_whole_is_refused),
		cmocka_unit_test(test_error_code_is_taken_printable_from_header_or_body),
		cmocka_unit_test(test_block_list_gives_pieces_and_fills_and_flags_foreign_blocks),
		cmocka_unit_test(test_endpoint_splits_and_refuses_credentials_unquoted),
		cmocka_unit_test(test_scrub_leaves_no_secret),
		cmocka_unit_test(test_new_rejects_bad_params_with_clear_messages),
		cmocka_unit_test(test_unsupported_op_is_enotsup_through_the_loop),
		cmocka_unit_test(test_endpoint_down_retries_boundedly_then_fails),
		cmocka_unit_test(test_stop_tries_nothing_more),
		cmocka_unit_test(test_piece_past_the_block_limit_fails_at_once),
		cmocka_unit_test(test_silent_server_times_out_boundedly),
		cmocka_unit_test(test_destroy_drops_pending_requests_without_callbacks),
	};
	const struct CMUnitTest azurite[] = {
		cmocka_unit_test(test_az_put_then_get_round_trips),
		cmocka_unit_test(test_az_ranged_get_returns_exactly_the_range),
		cmocka_unit_test(test_az_large_object_goes_up_in_blocks),
		cmocka_unit_test(test_az_pieces_of_an_object_make_one_blob),
		cmocka_unit_test(test_az_piece_into_a_whole_blob_fails_and_keeps_it),
		cmocka_unit_test(test_az_pieces_stay_at_their_offsets),
		cmocka_unit_test(test_az_piece_out_of_its_slot_is_refused),
		cmocka_unit_test(test_az_head_gives_size_and_missing_is_enoent),
		cmocka_unit_test(test_az_read_past_end_is_an_error_not_a_short_buffer),
		cmocka_unit_test(test_az_list_counts_blobs_under_the_prefix),
		cmocka_unit_test(test_az_delete_removes_the_blob_and_missing_is_enoent),
		cmocka_unit_test(test_az_injected_503_on_delete_is_retried),
		cmocka_unit_test(test_az_probe_blob_measures_and_leaves_no_scratch_blob),
		cmocka_unit_test(test_az_probe_blob_refused_fails_clearly_without_the_key),
		cmocka_unit_test(test_az_wrong_key_is_eio_403_without_the_key),
		cmocka_unit_test(test_az_bad_sas_is_refused_and_never_echoed),
		cmocka_unit_test(test_az_injected_503s_are_retried_then_succeed),
		cmocka_unit_test(test_az_persistent_503_gives_up_throttled_within_backoff_bound),
		cmocka_unit_test(test_az_refusing_everything_is_taken_as_down),
		cmocka_unit_test(test_az_create_container_refused_lists_it),
		cmocka_unit_test(test_az_injected_500_on_a_block_is_retried),
		cmocka_unit_test(test_az_many_concurrent_reads_all_complete_correctly),
		cmocka_unit_test(test_az_export_names_match_the_cold_model),
	};
	int fails = cmocka_run_group_tests_name("blob", unit, NULL, NULL);
	if (!azurite_url())
		printf("blob/azurite: %zu integration tests skipped: TIERSIM_AZURITE_URL is not set "
		       "(tests/e2e/blob_azurite.sh starts Azurite and runs them)\n",
		       sizeof azurite / sizeof *azurite);
	else
		fails += cmocka_run_group_tests_name("blob/azurite", azurite, az_setup, az_teardown);
	return fails ? 1 : 0;
}
