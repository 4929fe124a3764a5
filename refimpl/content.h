/*
 * content — the deterministic bytes of every object, so every byte read on
 * the real path can be checked (issue 5: "every read is verified against
 * the content it must have").
 *
 * Byte o of object obj is a function of (obj, o) alone: word w = o / 8 of
 * the object is splitmix64(splitmix64(obj) + w), stored little-endian.  So
 * any range can be generated or checked on its own, without the rest of
 * the object, and two objects (or two offsets of one) never share content
 * by construction of a 64-bit mixer.  About 1 ns per 8 bytes.
 *
 * tierref populate writes it, every real read checks it; filebk writes it
 * for writes that carry no buffer (the simulated path carries none).
 */
#ifndef TIERSIM_CONTENT_H
#define TIERSIM_CONTENT_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf with bytes [off, off + len) of object obj. */
void content_fill(void *buf, uint64_t obj, uint64_t off, size_t len);

/* 0 if buf holds exactly bytes [off, off + len) of object obj; else -1,
 * and *bad_off (if not NULL) is the object offset of the first wrong byte. */
int content_check(const void *buf, uint64_t obj, uint64_t off, size_t len, uint64_t *bad_off);

#endif
