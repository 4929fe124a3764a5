/*
 * err — how library code reports failure.
 *
 * Library code never prints and never exits (STYLE.md).  A function that can
 * fail takes a `struct err *`, returns -1 (or NULL) on failure and fills the
 * struct with a code and a message that a user can act on: it names the
 * file, line and field when the failure is bad input.  Only main() prints
 * the message and turns the code into an exit status.
 */
#ifndef TIERSIM_ERR_H
#define TIERSIM_ERR_H

enum err_code {
	ERR_OK = 0,
	ERR_FAIL = 1,  /* the run failed: I/O error, out of memory (exit 1) */
	ERR_INPUT = 2, /* bad input or usage: the user must fix something (exit 2) */
};

struct err {
	int code;
	char msg[1024];
};

/* Sets the error (if e is not NULL) and returns -1, so that callers can
 * write `return err_set(e, ERR_INPUT, "%s:%d: ...", file, line);`. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A file that would not open: bad input (exit 2), but out of memory (exit
 * 1) when errnum is ENOMEM, which is no fault of the file's.  Sets
 * "PATH: cannot open: REASON" and returns -1. */
int err_open(struct err *e, const char *path, int errnum);

/* Prefixes an existing message with more context ("file:line: " + msg). */
int err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
