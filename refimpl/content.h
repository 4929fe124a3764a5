/*
 * content — the deterministic bytes of every object, so every byte read on
 * the real path can be checked (issue 5: "every read is verified against
 * the content it must have").
 *
 * Byte o of object obj is a function of (obj, o) alone: word w = o / 8 of
 * the object, in block b = w / 512 (4 KiB) at index i = w mod 512, is
 *     splitmix64(splitmix64(obj) + b) + i * K      (mod 2^64, K odd)
 * stored little-endian.  So any range can be generated or checked on its
 * own, without the rest of the object; two blocks (of one object or two)
 * share content only if their 64-bit mixed bases collide, and the words of
 * a block all differ.  Generating or checking runs at memory speed (one
 * add and one compare per word; content.c says why that matters).
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
