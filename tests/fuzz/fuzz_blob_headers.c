/*
 * fuzz_blob_headers — refimpl/blob.c, what it reads of an HTTP response
 * besides a List Blobs page: each header line as libcurl hands it over
 * (blob_parse_header: a status line starts a new response; x-ms-error-code
 * is taken) and the <Code> of an error body (blob_parse_error_code).  The
 * input is a raw response: header lines up to the first empty line, then
 * the body.  Checked: the kind of a line follows its first bytes; a code
 * taken fits its buffer (every size down to 1 byte) and holds printable
 * ASCII only, so a message quoting it cannot carry control bytes.
 */
#include <string.h>
#include <strings.h>

#include "refimpl/blob.h"
#include "tests/fuzz/fuzz.h"

static void check_code(const char *code, size_t cap)
{
	size_t n = strnlen(code, cap);
	FUZZ_CHECK(n < cap);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(code[i] >= 0x20 && code[i] < 0x7f);
}

static void check_line(const char *line, size_t len)
{
	static const size_t caps[] = { 1, 2, 96 };
	for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
		char code[96];
		memset(code, 'Z', sizeof code);
		code[caps[k] - 1] = '\0';
		int kind = blob_parse_header(line, len, code, caps[k]);
		int is_code = len > 16 && strncasecmp(line, "x-ms-error-code:", 16) == 0;
		FUZZ_CHECK(kind == (is_code ? BLOB_HDR_ERROR_CODE
					    : len >= 5 && memcmp(line, "HTTP/", 5) == 0 ? BLOB_HDR_STATUS : BLOB_HDR_OTHER));
		check_code(code, caps[k]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t off = 0;
	/* header lines, each with its "\n" as curl gives it, up to a blank one */
	while (off < size) {
		const char *nl = memchr(s + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (s + off)) + 1 : size - off;
		check_line(s + off, len);
		off += len;
		if (len <= 2 && (len == 1 || s[off - len] == '\r'))
			break;
	}
	static const size_t caps[] = { 1, 5, 96 };
	for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
		char code[96];
		blob_parse_error_code(s + off, size - off, code, caps[k]);
		check_code(code, caps[k]);
	}
	return 0;
}
