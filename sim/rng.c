/*
 * rng — xoshiro256** as a GSL generator, and per-component streams.
 *
 * Generator (Blackman & Vigna, "Scrambled linear pseudorandom number
 * generators", ACM TOMS 2021; reference code xoshiro256starstar.c at
 * https://prng.di.unimi.it/): state s[0..3], output rotl(s[1]*5, 7)*9.
 * Doubles are (x >> 11) * 2^-53: the top 53 bits, uniform on [0, 1) with
 * spacing 2^-53.
 *
 * Seeding (gsl_rng_set(r, seed)): s[0..3] = the first four outputs of
 * splitmix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014; reference code splitmix64.c) started at seed.
 * splitmix64's output function is a bijection of its (distinct) states, so
 * at most one of the four words is zero and the all-zero state, which
 * xoshiro must avoid, cannot occur.
 *
 * Streams: rng_mix(seed, name) = SM(SM(seed) ^ FNV1a(name)), where SM(x) is
 * the first splitmix64 output from state x and FNV1a is the 64-bit FNV-1a
 * hash (offset basis 0xcbf29ce484222325, prime 0x100000001b3; Fowler, Noll
 * & Vo, IETF draft-eastlake-fnv).  SM is a bijection, so for a fixed seed
 * names with different hashes get different mixes, and for a fixed name
 * different seeds do.
 *
 * Hand-written: GSL has no xoshiro and no 64-bit-seeded fast generator
 * (see rng.h); the generator and both hashes are a few lines each.
 */
#include "rng.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(unsigned long) == 8, "gsl_rng_type.max must hold 64 bits");

struct xoshiro_state {
	uint64_t s[4];
};

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* The next splitmix64 output; advances *x. */
static uint64_t splitmix64_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t xoshiro_next(struct xoshiro_state *st)
{
	uint64_t *s = st->s;
	const uint64_t result = rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static void xoshiro_set(void *state, unsigned long seed)
{
	struct xoshiro_state *st = state;
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		st->s[i] = splitmix64_next(&x);
}

static unsigned long xoshiro_get(void *state)
{
	return xoshiro_next(state);
}

static double xoshiro_get_double(void *state)
{
	return (double)(xoshiro_next(state) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro256ss_type = {
	.name = "xoshiro256ss",
	.max = ULONG_MAX,
	.min = 0,
	.size = sizeof(struct xoshiro_state),
	.set = xoshiro_set,
	.get = xoshiro_get,
	.get_double = xoshiro_get_double,
};

/* Read-only after load, like GSL's own gsl_rng_mt19937. */
const gsl_rng_type *rng_xoshiro256ss = &xoshiro256ss_type;

uint64_t rng_mix(uint64_t seed, const char *name)
{
	uint64_t x = seed;
	uint64_t y = splitmix64_next(&x) ^ fnv1a64(name ? name : "");
	return splitmix64_next(&y);
}

/* Allocated here rather than with gsl_rng_alloc, whose out-of-memory path
 * goes through GSL's error handler (abort() by default); the layout is the
 * public struct of gsl_rng.h, which gsl_rng_free() frees member by member. */
gsl_rng *rng_stream_new(uint64_t seed, const char *name)
{
	gsl_rng *r = malloc(sizeof *r);
	if (!r)
		return NULL;
	r->state = malloc(xoshiro256ss_type.size);
	if (!r->state) {
		free(r);
		return NULL;
	}
	r->type = &xoshiro256ss_type;
	gsl_rng_set(r, rng_mix(seed, name));
	return r;
}
