/*
 * fuzz_blob_blocklist — refimpl/blob.c, blob_parse_block_list: a Get
 * Block List answer (XML from the network), its committed pieces and
 * fills.  The input is the body.  Checked: a refusal leaves a message
 * and no blocks; an accepted answer has no more blocks than "<Name>"
 * fits in it; and the blocks, written back as a list of ids and sizes of
 * their own, parse to themselves, none foreign (decoding loses nothing).
 */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refimpl/blob.h"
#include "tests/fuzz/fuzz.h"

/* An answer whose committed blocks are bl's. */
static char *answer_of(const struct pieces_block *bl, size_t n)
{
	char *s = malloc(128 * n + 96), *o = s;
	if (!s)
		return NULL;
	o += sprintf(o, "<BlockList><CommittedBlocks>");
	for (size_t i = 0; i < n; i++) {
		char raw[40], id[64];
		if (bl[i].fill)
			snprintf(raw, sizeof raw, "tz%012" PRIx64 "%08" PRIx64, bl[i].off, bl[i].len);
		else
			snprintf(raw, sizeof raw, "tp%020" PRIu64, bl[i].off);
		EVP_EncodeBlock((unsigned char *)id, (const unsigned char *)raw, 22);
		o += sprintf(o, "<Block><Name>%s</Name><Size>%" PRIu64 "</Size></Block>", id, bl[i].len);
	}
	sprintf(o, "</CommittedBlocks></BlockList>");
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pieces_block *offs = (struct pieces_block *)"unset";
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
		struct pieces_block *o2;
		size_t n2;
		int f2;
		FUZZ_CHECK(blob_parse_block_list(ans, strlen(ans), &o2, &n2, &f2, &e) == 0);
		FUZZ_CHECK(n2 == n && f2 == 0);
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(o2[i].off == offs[i].off && o2[i].len == offs[i].len && o2[i].fill == offs[i].fill);
		free(o2);
		free(ans);
	}
	free(offs);
	return 0;
}
