/*
 * cfg — scenario and preset files: INI (parsed by inih) kept as a document
 * that remembers the line of every section and key, so that errors found
 * after parsing still name file, line and key.
 *
 * A section header is "[TYPE NAME]" or "[TYPE]": "[queue cpu]" has type
 * "queue" and name "cpu"; "[run]" has type "run" and name "".  Keys are
 * unique within a section (a repeat is an error naming both lines); two
 * sections with the same type and name are an error.
 *
 * Consumers look keys up with the typed getters, which mark the key used
 * and turn a bad value into "FILE:LINE: [TYPE NAME] KEY: <what is wrong>".
 * After building, cfg_check_unused() reports the first key no one asked
 * for ("unknown key"), so a typo never passes silently; cfg_check_sections
 * does the same for section types.
 *
 * Syntax (inih's, made strict): "key = value" or "key: value"; ';' and '#'
 * start a comment line; ';' after whitespace starts an inline comment ('#'
 * does not).  Rejected with file:line: lines over 198 bytes (inih's line
 * buffer), indented lines after a key (inih would append them to that
 * key's value), keys before any section, a header that is not [TYPE] or
 * [TYPE NAME], and keys or header words using characters other than
 * letters, digits and _-./@+ (and ':' in headers).  Files are at most
 * 8 MiB and must not contain NUL bytes; a UTF-8 byte order mark is skipped.
 */
#ifndef TIERSIM_CFG_H
#define TIERSIM_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "dist.h"
#include "err.h"

struct cfg_kv {
	char *key;
	char *value;
	int line;
	int used;
};

struct cfg_section {
	char *type;
	char *name;
	int line;
	struct cfg_kv *kv;
	size_t nkv;
};

struct cfg_doc {
	char *path;    /* as given, for messages */
	char *text;    /* whole file text, for the results database */
	struct cfg_section *sec;
	size_t nsec;
};

/* Loads and parses a file.  Syntax errors name the line. */
int cfg_load(struct cfg_doc **out, const char *path, struct err *e);
/* Parses text held in memory; `path` is used in messages only. */
int cfg_load_string(struct cfg_doc **out, const char *path, const char *text, struct err *e);
void cfg_free(struct cfg_doc *doc);

/* First section of that type and name (name NULL: any name); NULL if none. */
struct cfg_section *cfg_find(struct cfg_doc *doc, const char *type, const char *name);
/* The key's entry, marked used; NULL if absent. */
struct cfg_kv *cfg_key(struct cfg_section *s, const char *key);

/* Typed getters.  Return 1 if the key was present and parsed, 0 if absent
 * (out untouched, so set the default first), -1 on a bad value (e filled
 * with file:line, section and key). */
int cfg_time_ns(struct cfg_doc *d, struct cfg_section *s, const char *key, uint64_t *out, struct err *e);
int cfg_bytes(struct cfg_doc *d, struct cfg_section *s, const char *key, uint64_t *out, struct err *e);
int cfg_rate_bps(struct cfg_doc *d, struct cfg_section *s, const char *key, double *out, struct err *e);
int cfg_ops(struct cfg_doc *d, struct cfg_section *s, const char *key, double *out, struct err *e);
int cfg_double(struct cfg_doc *d, struct cfg_section *s, const char *key, double *out, struct err *e);
int cfg_u64(struct cfg_doc *d, struct cfg_section *s, const char *key, uint64_t *out, struct err *e);
/* yes/no/true/false/on/off/1/0 */
int cfg_bool(struct cfg_doc *d, struct cfg_section *s, const char *key, int *out, struct err *e);
int cfg_string(struct cfg_doc *d, struct cfg_section *s, const char *key, const char **out, struct err *e);
int cfg_dist(struct cfg_doc *d, struct cfg_section *s, const char *key, enum dist_unit u, struct dist *out, struct err *e);
/* cfg_dist of a time distribution into a parameter that holds a default:
 * when the key is present, *out is freed and replaced (so a model's
 * params_default then from_cfg leaks nothing).  Returns as cfg_dist. */
int cfg_time_dist(struct cfg_doc *d, struct cfg_section *s, const char *key, struct dist *out, struct err *e);

/* Fills e with "FILE:LINE: [TYPE NAME] KEY: " + message, returns -1: for
 * semantic errors found after parsing (e.g. utilisation >= 1). */
int cfg_error(struct cfg_doc *d, struct cfg_section *s, const struct cfg_kv *kv, struct err *e,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The error already in e (a file a key names could not be read, say),
 * placed under that key as cfg_error places its messages, its code kept
 * (ERR_FAIL stays a failure, not bad input).  Returns -1. */
int cfg_error_under(struct cfg_doc *d, struct cfg_section *s, const struct cfg_kv *kv, struct err *e);

/* -1 with "FILE:LINE: [TYPE NAME]: unknown key 'K'" for the first key no
 * getter asked for; 0 if every key was used. */
int cfg_check_unused(struct cfg_doc *d, struct err *e);
/* -1 with "FILE:LINE: unknown section type 'T' (known: a, b, c)" for the
 * first section whose type is not in the NULL-terminated list, or for one
 * whose name has a character other than a letter, a digit, '_' or '-'
 * (names go into metric names). */
int cfg_check_sections(struct cfg_doc *d, const char *const *known_types, struct err *e);

/* Files a scenario names (traces, workload files) are relative to its
 * folder.  cfg_dir_of writes into dir the folder of the scenario at path
 * ("." for a bare name, "/" for a file at the root; truncated to n);
 * cfg_path_in returns file as it is when absolute or when dir is NULL or
 * empty, else "dir/file", malloc'd; NULL if out of memory. */
void cfg_dir_of(const char *path, char *dir, size_t n);
char *cfg_path_in(const char *dir, const char *file);

/* Sets key to a copy of value in s (replacing its value, else adding it,
 * with `line` for messages): 0, or -1 out of memory.  For programs that
 * override a scenario's key (tierref run --trace, a device preset). */
int cfg_set(struct cfg_section *s, const char *key, const char *value, int line);
/* The document as INI text, header first (comments are not kept):
 * malloc'd, NULL out of memory.  What a run actually ran, when a program
 * changed keys after loading it. */
char *cfg_text(const struct cfg_doc *d, const char *header);

#endif
