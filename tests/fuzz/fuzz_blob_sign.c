/*
 * fuzz_blob_sign — refimpl/blob.c's SharedKey signing: the account key's
 * base64 (blob_signature, which decodes it) and the string-to-sign built
 * from a request's headers and query (blob_string_to_sign, which parses
 * "name:value" lines and a query string).  The input is NUL-separated
 * fields: key, query, then header lines.  Checked: a refused key gets a
 * fixed message, never quoting it; a signature is 44 bytes of base64; a
 * string-to-sign starts with the verb and its 11 standard header lines and
 * holds the account and path; a refusal leaves a message.
 */
#include <stdlib.h>
#include <string.h>

#include "refimpl/blob.h"
#include "tests/fuzz/fuzz.h"

#define MAX_FIELDS 10

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	if (!s)
		return 0;
	/* fields: s[0..] up to each NUL (fuzz_cstr adds the last) */
	const char *f[MAX_FIELDS];
	size_t nf = 0;
	for (size_t off = 0; nf < MAX_FIELDS && off <= size; off += strlen(s + off) + 1)
		f[nf++] = s + off;
	const char *key = f[0], *query = nf > 1 ? f[1] : NULL;
	struct err e = { 0 };

	struct blob_sign_req r = { .verb = "GET", .account = "devstoreaccount1", .path = "/devstoreaccount1/c/b",
				   .query = query, .headers = nf > 2 ? f + 2 : NULL, .nheaders = nf > 2 ? nf - 2 : 0 };
	char *sts = NULL;
	if (blob_string_to_sign(&r, &sts, &e) < 0) {
		FUZZ_CHECK(e.msg[0] != '\0' && sts == NULL);
	} else {
		FUZZ_CHECK(strncmp(sts, "GET\n\n\n\n\n\n\n\n\n\n\n\n", 15) == 0);
		FUZZ_CHECK(strstr(sts, "/devstoreaccount1/devstoreaccount1/c/b") != NULL);
	}

	char sig[64];
	memset(&e, 0, sizeof e);
	if (blob_signature(key, sts ? sts : "x", sig, sizeof sig, &e) < 0) {
		/* one of two fixed messages: the key is never quoted */
		FUZZ_CHECK(strcmp(e.msg, "blob: the account key is not valid base64") == 0 ||
			   strcmp(e.msg, "blob: HMAC-SHA256 failed") == 0);
	} else {
		FUZZ_CHECK(strlen(sig) == 44 && strspn(sig, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
							    "0123456789+/=") == 44);
	}
	free(sts);
	free(s);
	return 0;
}
