/*
 * fuzz_blob_list — refimpl/blob.c, blob_parse_list: a page of the List
 * Blobs answer (XML from the network), its <Blob> count and NextMarker.
 * The input is the body.  Checked: a refusal leaves a message and no
 * marker; an accepted page counts no more blobs than "<Blob>" fits in it;
 * a marker is non-empty, at most BLOB_MARKER_MAX bytes, and, escaped back
 * into a page of its own, parses to itself (decoding loses nothing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refimpl/blob.h"
#include "tests/fuzz/fuzz.h"

/* A page whose only content is the marker, XML-escaped. */
static char *page_of(const char *marker)
{
	size_t n = strlen(marker);
	char *s = malloc(6 * n + 96), *o = s;
	if (!s)
		return NULL;
	o += sprintf(o, "<EnumerationResults><Blobs/><NextMarker>");
	for (const char *c = marker; *c; c++) {
		switch (*c) {
		case '<': o += sprintf(o, "&lt;"); break;
		case '>': o += sprintf(o, "&gt;"); break;
		case '&': o += sprintf(o, "&amp;"); break;
		default: *o++ = *c; break;
		}
	}
	sprintf(o, "</NextMarker></EnumerationResults>");
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t count = 7;
	char *marker = (char *)"unset";
	struct err e = { 0 };
	if (blob_parse_list((const char *)data, size, &count, &marker, &e) < 0) {
		FUZZ_CHECK(e.msg[0] != '\0' && marker == NULL);
		return 0;
	}
	FUZZ_CHECK(count <= size / 6);
	if (!marker)
		return 0;
	size_t n = strlen(marker);
	FUZZ_CHECK(n > 0 && n <= BLOB_MARKER_MAX);
	char *page = page_of(marker);
	if (page) {
		uint64_t c2;
		char *m2 = NULL;
		FUZZ_CHECK(blob_parse_list(page, strlen(page), &c2, &m2, &e) == 0);
		FUZZ_CHECK(c2 == 0 && m2 && strcmp(m2, marker) == 0);
		free(m2);
		free(page);
	}
	free(marker);
	return 0;
}
