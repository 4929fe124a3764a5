/*
 * names — object ids and keys become file names that cannot escape their
 * directory (issue 5).  Every name made here is relative, non-empty, has
 * no '/' beyond the fan-out separators, no NUL, never starts with '.', and
 * fits NAME_MAX (255 bytes) per component; so "..", absolute paths and
 * overlong names cannot be produced whatever the input.
 *
 * Numeric ids (chunks, files of the hot and warm tiers): a fixed layout
 *     hh/hh/xxxxxxxxxxxxxxxx       e.g. 3f/a0/00000000000004d2
 * the id as 16 lower-case hex digits, under two fan-out directories of 256
 * each taken from a hash of the id (splitmix64), so that sequential ids
 * spread evenly and no directory grows beyond ~N/65536 entries (a
 * directory of millions of entries makes lookups and readdir slow, on NFS
 * especially).  The layout is fixed-width, so a name parses back exactly.
 *
 * String keys (Blob names): a reversible, canonical escaping into one file
 * name: bytes [A-Za-z0-9_-] and '.' (not first) stand for themselves,
 * every other byte (including '/', '%', NUL and a leading '.') becomes
 * "%XX" (upper-case hex).  Decoding accepts exactly what encoding
 * produces, so encode and decode are inverse bijections.  A key whose
 * encoding exceeds 255 bytes is refused (not truncated: two keys must
 * never share a file).
 */
#ifndef TIERSIM_NAMES_H
#define TIERSIM_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"

#define NAMES_MAX 255              /* longest file name (NAME_MAX) */
#define NAMES_OBJ_LEN 22           /* strlen("hh/hh/") + 16 */
#define NAMES_OBJ_DIR_LEN 5        /* strlen("hh/hh") */

/* Writes the relative path of object id ("hh/hh/" + 16 hex digits) into
 * out, which holds at least NAMES_OBJ_LEN + 1 bytes. */
void names_obj_path(char *out, uint64_t id);
/* Writes its directory ("hh/hh") into out (NAMES_OBJ_DIR_LEN + 1 bytes). */
void names_obj_dir(char *out, uint64_t id);
/* Parses a file name (the last component, 16 hex digits) back into an id:
 * 0, or -1 if it is not exactly one of ours. */
int names_obj_parse(const char *name, uint64_t *id);

/* Escapes key[0..len) into out (cap bytes, NUL-terminated): the length of
 * the name, or -1 (e filled) for an empty key, or an encoding longer than
 * NAMES_MAX or than cap - 1. */
int names_key_encode(const void *key, size_t len, char *out, size_t cap, struct err *e);
/* Reverses names_key_encode: the key's length (out holds cap bytes; a NUL
 * is appended when there is room), or -1 (e filled) if name is not a
 * canonical encoding. */
int names_key_decode(const char *name, void *out, size_t cap, struct err *e);

/* dir + "/" + rel into out (cap bytes): 0, or -1 (e filled) if it does not
 * fit, or rel is empty, absolute, or has a "." or ".." component. */
int names_join(char *out, size_t cap, const char *dir, const char *rel, struct err *e);

#endif
