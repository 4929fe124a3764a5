/*
 * fuzz_names — refimpl/names.c, which turns object keys (Blob names, any
 * bytes) and ids into file names that must never escape their directory.
 * The first byte sizes the output buffer; the rest is the key.  Checked
 * on every input:
 *   - names_key_encode: a name is non-empty, fits NAMES_MAX and the buffer,
 *     has no '/' and no NUL, does not start with '.' (so is neither "." nor
 *     ".."), and decodes back to exactly the key (so distinct keys never
 *     share a name); a key of at most NAMES_MAX / 3 bytes is never refused
 *     when the buffer is large enough; a refusal leaves a message.
 *   - names_key_decode of the input as a name: what it accepts encodes
 *     back to the very same name (one name per key).
 *   - names_join: an accepted path is dir + "/" + rel with rel relative and
 *     free of empty, "." and ".." components, within the buffer.
 *   - names_obj_parse / names_obj_path: ids round-trip, the layout is
 *     "hh/hh/" + 16 hex digits under names_obj_dir.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "refimpl/names.h"
#include "tests/fuzz/fuzz.h"

/* rel has no empty, "." or ".." component and does not start with '/'. */
static int confined(const char *rel)
{
	if (!*rel || *rel == '/')
		return 0;
	for (const char *c = rel; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		c += n;
		if (*c == '/')
			c++;
	}
	return 1;
}

static void check_encode(const uint8_t *key, size_t len, size_t cap)
{
	char name[NAMES_MAX + 2];
	struct err e = { 0 };
	int n = names_key_encode(key, len, name, cap, &e);
	if (n < 0) {
		FUZZ_CHECK(e.msg[0] != '\0');
		FUZZ_CHECK(len == 0 || len > NAMES_MAX / 3 || cap <= 3 * len);
		return;
	}
	FUZZ_CHECK(n > 0 && n <= NAMES_MAX && (size_t)n < cap);
	FUZZ_CHECK(strlen(name) == (size_t)n);
	FUZZ_CHECK(!strchr(name, '/') && name[0] != '.');
	FUZZ_CHECK(confined(name));
	/* decode(encode(key)) == key: the encoding is one-to-one */
	unsigned char back[NAMES_MAX + 1];
	int m = names_key_decode(name, back, sizeof back, &e);
	FUZZ_CHECK(m >= 0 && (size_t)m == len && memcmp(back, key, len) == 0);
}

static void check_decode(const char *name)
{
	unsigned char key[NAMES_MAX + 1];
	struct err e = { 0 };
	int m = names_key_decode(name, key, sizeof key, &e);
	if (m < 0) {
		FUZZ_CHECK(e.msg[0] != '\0');
		return;
	}
	char again[NAMES_MAX + 1];
	int n = names_key_encode(key, (size_t)m, again, sizeof again, &e);
	FUZZ_CHECK(n >= 0 && strcmp(again, name) == 0);
}

static void check_join(const char *rel, size_t cap)
{
	static const char dir[] = "/srv/tier";
	char out[PATH_MAX];
	struct err e = { 0 };
	if (cap > sizeof out)
		cap = sizeof out;
	if (names_join(out, cap, dir, rel, &e) < 0) {
		FUZZ_CHECK(e.msg[0] != '\0');
		return;
	}
	FUZZ_CHECK(strlen(out) < cap);
	FUZZ_CHECK(strncmp(out, dir, sizeof dir - 1) == 0 && out[sizeof dir - 1] == '/');
	FUZZ_CHECK(strcmp(out + sizeof dir, rel) == 0 && confined(rel));
}

static void check_obj(const uint8_t *data, size_t size, const char *s)
{
	uint64_t id = 0, back = 1;
	for (size_t i = 0; i < size && i < 8; i++)
		id = id << 8 | data[i];
	char path[NAMES_OBJ_LEN + 1], dir[NAMES_OBJ_DIR_LEN + 1];
	names_obj_path(path, id);
	names_obj_dir(dir, id);
	FUZZ_CHECK(strlen(path) == NAMES_OBJ_LEN && memcmp(path, dir, NAMES_OBJ_DIR_LEN) == 0);
	FUZZ_CHECK(path[2] == '/' && path[5] == '/' && confined(path));
	FUZZ_CHECK(names_obj_parse(path + 6, &back) == 0 && back == id);
	/* the input as a file name: only exactly 16 lower-case hex digits */
	if (names_obj_parse(s, &back) == 0) {
		names_obj_path(path, back);
		FUZZ_CHECK(strlen(s) == 16 && strcmp(path + 6, s) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cap = data[0] & 1 ? NAMES_MAX + 2 : (size_t)(data[0] >> 1) + 1;
	const uint8_t *key = data + 1;
	size_t len = size - 1;
	char *s = fuzz_cstr(key, len);
	if (!s)
		return 0;
	check_encode(key, len, cap);
	check_decode(s);
	check_join(s, data[0] & 1 ? PATH_MAX : (size_t)data[0] + 1);
	check_obj(key, len, s);
	free(s);
	return 0;
}
