/*
 * fuzz_blob_scrub — refimpl/blob.c's last line of defence for credentials:
 * blob_scrub, through which every message of the backend goes, replacing
 * the account key and the SAS token.  The first byte sizes the output; the
 * rest is NUL-separated: the SAS, the key, then the message (which may
 * hold them, whole, in pieces, next to the replacement's own letters).
 * Checked: no secret of 4 bytes or more is in the output; the output fits;
 * a message holding no secret is copied unchanged (truncated to fit).
 */
#include <stdlib.h>
#include <string.h>

#include "refimpl/blob.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cap = (size_t)data[0] + 1;
	char *s = fuzz_cstr(data + 1, size - 1);
	if (!s)
		return 0;
	/* fields: s[0..size - 1) up to each NUL (fuzz_cstr adds the last) */
	const char *f[3] = { "", "", "" };
	size_t nf = 0;
	for (size_t off = 0; nf < 3 && off < size; off += strlen(s + off) + 1)
		f[nf++] = s + off;
	const char *sas = f[0], *key = f[1], *msg = f[2];
	const char *const secrets[] = { sas, NULL, key };
	char out[257];
	memset(out, 'Z', sizeof out);
	blob_scrub(out, cap, msg, secrets, 3);
	FUZZ_CHECK(strnlen(out, cap) < cap);
	for (int i = 0; i < 3; i++)
		if (secrets[i] && strlen(secrets[i]) >= 4)
			FUZZ_CHECK(!strstr(out, secrets[i]));
	int holds = 0;
	for (int i = 0; i < 3; i++)
		if (secrets[i] && strlen(secrets[i]) >= 4 && strstr(msg, secrets[i]))
			holds = 1;
	if (!holds)
		FUZZ_CHECK(strncmp(out, msg, cap - 1) == 0 && strlen(out) == (strlen(msg) < cap - 1 ? strlen(msg) : cap - 1));
	free(s);
	return 0;
}
