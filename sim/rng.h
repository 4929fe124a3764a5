/*
 * rng — independent random-number streams, one per component.
 *
 * Each component draws from its own GSL generator, seeded from the run seed
 * and the component's name through a 64-bit mixer (splitmix64 over an FNV-1a
 * hash of the name), so adding a component never changes the draws of the
 * others, and the same (seed, name) always gives the same stream.
 *
 * The generator is xoshiro256** (Blackman & Vigna 2018) registered as a
 * gsl_rng_type, so every gsl_ran_* distribution works on it.  Why not a GSL
 * built-in: GSL's fast generators take a 32-bit seed (mt19937 keeps only the
 * low 32 bits), and with thousands of streams 32-bit seeds collide
 * (birthday bound); xoshiro256** takes its whole 256-bit state from the
 * mixer.
 *
 * Exactly (so that streams can be reproduced elsewhere):
 *   gsl_rng_set(r, x): state s[0..3] = the first four splitmix64 outputs
 *                      from state x; gsl_rng_state(r) is uint64_t s[4].
 *   rng_mix(seed, name) = SM(SM(seed) ^ FNV1a64(name)), SM(x) the first
 *                      splitmix64 output from state x; name NULL is "".
 *   gsl_rng_get: the 64-bit output; gsl_rng_uniform: (x >> 11) * 2^-53.
 */
#ifndef TIERSIM_RNG_H
#define TIERSIM_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

extern const gsl_rng_type *rng_xoshiro256ss;

/* A new stream for component `name` in a run seeded with `seed`; NULL on
 * out of memory (without calling GSL's error handler).  Free with
 * gsl_rng_free(). */
gsl_rng *rng_stream_new(uint64_t seed, const char *name);

/* The 64-bit mix of (seed, name) that seeds the stream (exposed for tests
 * and for components that need a derived integer seed). */
uint64_t rng_mix(uint64_t seed, const char *name);

#endif
