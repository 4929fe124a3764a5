/*
 * content — see content.h.  splitmix64 is Steele, Lea & Flood, "Fast
 * splittable pseudorandom number generators" (OOPSLA 2014): a bijective
 * 64-bit mixer that passes BigCrush, cheap enough to generate at memory
 * speed.
 */
#include "refimpl/content.h"

#include <string.h>

static inline uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void content_fill(void *buf, uint64_t obj, uint64_t off, size_t len)
{
	unsigned char *p = buf;
	uint64_t seed = mix64(obj);
	uint64_t w = off / 8;
	size_t head = (size_t)(off % 8);
	if (head) {
		unsigned char t[8];
		put_le64(t, mix64(seed + w));
		size_t n = 8 - head < len ? 8 - head : len;
		memcpy(p, t + head, n);
		p += n;
		len -= n;
		w++;
	}
	for (; len >= 8; len -= 8, p += 8, w++)
		put_le64(p, mix64(seed + w));
	if (len) {
		unsigned char t[8];
		put_le64(t, mix64(seed + w));
		memcpy(p, t, len);
	}
}

int content_check(const void *buf, uint64_t obj, uint64_t off, size_t len, uint64_t *bad_off)
{
	const unsigned char *p = buf;
	unsigned char want[4096];
	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof want ? len - done : sizeof want;
		content_fill(want, obj, off + done, n);
		if (memcmp(p + done, want, n)) {
			for (size_t i = 0; i < n; i++)
				if (p[done + i] != want[i]) {
					if (bad_off)
						*bad_off = off + done + i;
					return -1;
				}
		}
		done += n;
	}
	return 0;
}
