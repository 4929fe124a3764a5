/*
 * content — see content.h.  splitmix64 is Steele, Lea & Flood, "Fast
 * splittable pseudorandom number generators" (OOPSLA 2014): a bijective
 * 64-bit mixer that passes BigCrush.
 *
 * Why not splitmix64 for every word, as before: checking ran at 3.6 GB/s
 * (one mix, ~10 dependent instructions, per 8 bytes), and the reference
 * path verifies every byte on its one event-loop thread, so at a GB/s of
 * reads the check alone took a third of the loop's time: a cost of the
 * harness that the measured run would show and the model should not
 * predict.  A word is now the block's mixed base plus a multiple of an odd
 * constant, so a block is generated or checked with one add and one
 * compare per word, which the compiler vectorises: memory speed.
 */
#include "refimpl/content.h"

#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "content.c loads and stores words in host order, which must be little-endian"
#endif

/* Words per block: 4 KiB. */
#define CONTENT_BLOCK_WORDS 512u
/* An odd constant (2^64 / golden ratio): i * K differs for every i < 2^64. */
#define CONTENT_K 0x9e3779b97f4a7c15ull

static inline uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Word w of the object whose seed is seed. */
static inline uint64_t word_at(uint64_t seed, uint64_t w)
{
	return mix64(seed + w / CONTENT_BLOCK_WORDS) + (w % CONTENT_BLOCK_WORDS) * CONTENT_K;
}

/* Fills n words starting at word w (w .. w+n within one block). */
static void fill_words(unsigned char *p, uint64_t seed, uint64_t w, size_t n)
{
	uint64_t base = mix64(seed + w / CONTENT_BLOCK_WORDS);
	uint64_t i0 = w % CONTENT_BLOCK_WORDS;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = base + (i0 + i) * CONTENT_K;
		memcpy(p + 8 * i, &v, 8);
	}
}

/* 0 if n words at p are words w .. w+n (within one block), else -1. */
static int check_words(const unsigned char *p, uint64_t seed, uint64_t w, size_t n)
{
	uint64_t base = mix64(seed + w / CONTENT_BLOCK_WORDS);
	uint64_t i0 = w % CONTENT_BLOCK_WORDS;
	uint64_t diff = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		memcpy(&v, p + 8 * i, 8);
		diff |= v ^ (base + (i0 + i) * CONTENT_K);
	}
	return diff ? -1 : 0;
}

/* Words up to the end of w's block, at most `left`. */
static size_t run_of(uint64_t w, size_t left)
{
	size_t r = CONTENT_BLOCK_WORDS - (size_t)(w % CONTENT_BLOCK_WORDS);
	return r < left ? r : left;
}

void content_fill(void *buf, uint64_t obj, uint64_t off, size_t len)
{
	unsigned char *p = buf;
	uint64_t seed = mix64(obj);
	uint64_t w = off / 8;
	size_t head = (size_t)(off % 8);
	if (head) {
		uint64_t v = word_at(seed, w);
		size_t n = 8 - head < len ? 8 - head : len;
		memcpy(p, (unsigned char *)&v + head, n);
		p += n;
		len -= n;
		w++;
	}
	while (len >= 8) {
		size_t n = run_of(w, len / 8);
		fill_words(p, seed, w, n);
		p += 8 * n;
		len -= 8 * n;
		w += n;
	}
	if (len) {
		uint64_t v = word_at(seed, w);
		memcpy(p, &v, len);
	}
}

/* The first byte of buf (object offset off, len bytes) that differs from
 * the object's content; called only once a difference is known. */
static uint64_t first_bad(const unsigned char *p, uint64_t seed, uint64_t off, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t o = off + i;
		uint64_t v = word_at(seed, o / 8);
		if (p[i] != ((const unsigned char *)&v)[o % 8])
			return o;
	}
	return off + len; /* not reached: a difference was found */
}

int content_check(const void *buf, uint64_t obj, uint64_t off, size_t len, uint64_t *bad_off)
{
	const unsigned char *p = buf;
	uint64_t seed = mix64(obj);
	uint64_t o = off;
	size_t left = len;
	int bad = 0;
	size_t head = (size_t)(o % 8);
	if (head && left) {
		uint64_t v = word_at(seed, o / 8);
		size_t n = 8 - head < left ? 8 - head : left;
		bad = memcmp(p, (unsigned char *)&v + head, n) != 0;
		p += n;
		o += n;
		left -= n;
	}
	while (!bad && left >= 8) {
		size_t n = run_of(o / 8, left / 8);
		bad = check_words(p, seed, o / 8, n) != 0;
		p += 8 * n;
		o += 8 * n;
		left -= 8 * n;
	}
	if (!bad && left) {
		uint64_t v = word_at(seed, o / 8);
		bad = memcmp(p, &v, left) != 0;
	}
	if (!bad)
		return 0;
	if (bad_off)
		*bad_off = first_bad(buf, seed, off, len);
	return -1;
}
