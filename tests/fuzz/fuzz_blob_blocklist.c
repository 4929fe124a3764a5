/*
 * fuzz_blob_blocklist — refimpl/blob.c, blob_parse_block_list: a Get
 * Block List answer (XML from the network), the offsets of its committed
 * pieces.  The input is the body.  Checked: a refusal leaves a message
 * and no offsets; an accepted answer has no more pieces than "<Name>"
 * fits in it; and the offsets, written
 * back as a list of piece ids of their own, parse to themselves, none
 * foreign (decoding loses nothing).
 */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refimpl/blob.h"
#include "tests/fuzz/fuzz.h"

/* An answer whose committed blocks are the pieces at offs. */
static char *answer_of(const uint64_t *offs, size_t n)
{
	char *s = malloc(96 * n + 96), *o = s;
	if (!s)
		return NULL;
	o += sprintf(o, "<BlockList><CommittedBlocks>");
	for (size_t i = 0; i < n; i++) {
		char raw[32], id[48];
		snprintf(raw, sizeof raw, "tp%020" PRIu64, offs[i]);
		EVP_EncodeBlock((unsigned char *)id, (const unsigned char *)raw, 22);
		o += sprintf(o, "<Block><Name>%s</Name><Size>1</Size></Block>", id);
	}
	sprintf(o, "</CommittedBlocks></BlockList>");
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t *offs = (uint64_t *)"unset";
	size_t n = 7;
	int foreign = 7;
	struct err e = { 0 };
	if (blob_parse_block_list((const char *)data, size, &offs, &n, &foreign, &e) < 0) {
		FUZZ_CHECK(e.msg[0] != '\0' && offs == NULL && n == 0);
		return 0;
	}
	FUZZ_CHECK(n <= size / 6 && (foreign == 0 || foreign == 1));
	char *ans = answer_of(offs, n);
	if (ans) {
		uint64_t *o2;
		size_t n2;
		int f2;
		FUZZ_CHECK(blob_parse_block_list(ans, strlen(ans), &o2, &n2, &f2, &e) == 0);
		FUZZ_CHECK(n2 == n && f2 == 0 && (n == 0 || memcmp(o2, offs, n * sizeof *offs) == 0));
		free(o2);
		free(ans);
	}
	free(offs);
	return 0;
}
