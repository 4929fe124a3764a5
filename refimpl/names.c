/*
 * names — see names.h.
 */
#include "refimpl/names.h"

#include <stdio.h>
#include <string.h>

static const char hexl[] = "0123456789abcdef";
static const char hexu[] = "0123456789ABCDEF";

static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void names_obj_dir(char *out, uint64_t id)
{
	uint64_t h = mix64(id);
	out[0] = hexl[(h >> 60) & 15];
	out[1] = hexl[(h >> 56) & 15];
	out[2] = '/';
	out[3] = hexl[(h >> 52) & 15];
	out[4] = hexl[(h >> 48) & 15];
	out[5] = '\0';
}

void names_obj_path(char *out, uint64_t id)
{
	names_obj_dir(out, id);
	out[5] = '/';
	for (int i = 0; i < 16; i++)
		out[6 + i] = hexl[(id >> (60 - 4 * i)) & 15];
	out[NAMES_OBJ_LEN] = '\0';
}

static int hexval(char c, const char *digits)
{
	const char *p = c ? strchr(digits, c) : NULL;
	return p ? (int)(p - digits) : -1;
}

int names_obj_parse(const char *name, uint64_t *id)
{
	uint64_t v = 0;
	for (int i = 0; i < 16; i++) {
		int d = hexval(name[i], hexl);
		if (d < 0)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	if (name[16] != '\0')
		return -1;
	*id = v;
	return 0;
}

static int plain(unsigned char c, size_t pos)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-' || (c == '.' && pos > 0);
}

int names_key_encode(const void *key, size_t len, char *out, size_t cap, struct err *e)
{
	const unsigned char *k = key;
	if (len == 0)
		return err_set(e, ERR_INPUT, "object key is empty");
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += plain(k[i], i) ? 1 : 3;
	if (n > NAMES_MAX)
		return err_set(e, ERR_INPUT, "object key of %zu bytes is too long: its file name would be %zu bytes (at most %d)",
			       len, n, NAMES_MAX);
	if (n >= cap)
		return err_set(e, ERR_FAIL, "object key: name buffer of %zu bytes is too small", cap);
	n = 0;
	for (size_t i = 0; i < len; i++) {
		if (plain(k[i], i)) {
			out[n++] = (char)k[i];
		} else {
			out[n++] = '%';
			out[n++] = hexu[k[i] >> 4];
			out[n++] = hexu[k[i] & 15];
		}
	}
	out[n] = '\0';
	return (int)n;
}

int names_key_decode(const char *name, void *out, size_t cap, struct err *e)
{
	unsigned char *o = out;
	size_t n = 0, len = strnlen(name, NAMES_MAX + 1);
	if (len == 0 || len > NAMES_MAX)
		return err_set(e, ERR_INPUT, "\"%.40s\": not an escaped object key (empty or too long)", name);
	for (size_t i = 0; i < len; n++) {
		unsigned c = (unsigned char)name[i];
		if (c == '%') {
			int hi = hexval(name[i + 1], hexu), lo = hi < 0 ? -1 : hexval(name[i + 2], hexu);
			if (lo < 0)
				return err_set(e, ERR_INPUT, "\"%.40s\": bad escape at byte %zu", name, i);
			c = (unsigned)(hi << 4 | lo);
			if (plain((unsigned char)c, n))
				return err_set(e, ERR_INPUT, "\"%.40s\": escape of a plain byte at byte %zu (not canonical)",
					       name, i);
			i += 3;
		} else if (plain((unsigned char)c, n)) {
			i++;
		} else {
			return err_set(e, ERR_INPUT, "\"%.40s\": byte 0x%02x at %zu is not allowed unescaped", name, c, i);
		}
		if (n >= cap)
			return err_set(e, ERR_FAIL, "object key: key buffer of %zu bytes is too small", cap);
		o[n] = (unsigned char)c;
	}
	if (n < cap)
		o[n] = '\0';
	return (int)n;
}

int names_join(char *out, size_t cap, const char *dir, const char *rel, struct err *e)
{
	if (!*rel || rel[0] == '/')
		return err_set(e, ERR_INPUT, "\"%s\": not a relative name", rel);
	for (const char *c = rel; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return err_set(e, ERR_INPUT, "\"%s\": empty, \".\" or \"..\" component", rel);
		c += n;
		if (*c == '/')
			c++;
	}
	int n = snprintf(out, cap, "%s/%s", dir, rel);
	if (n < 0 || (size_t)n >= cap)
		return err_set(e, ERR_INPUT, "%s/%s: path too long (at most %zu bytes)", dir, rel, cap - 1);
	return 0;
}
