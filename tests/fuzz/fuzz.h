/*
 * fuzz — what every harness in tests/fuzz/ shares.
 *
 * A harness is one file, fuzz_NAME.c, defining LLVMFuzzerTestOneInput: it
 * hands the bytes to one parser and checks what it can about the answer
 * (a failure must leave an error message; an answer must be consistent).
 * It is linked two ways (README, "Fuzzing"):
 *   - with libFuzzer (clang -fsanitize=fuzzer), by `make fuzz`, which
 *     searches for new inputs;
 *   - with driver.c, by `make test`, which runs the stored corpus,
 *     corpus/NAME/, under ASan and UBSan: the seeds and every input that
 *     once crashed, so a fixed crash stays fixed.
 * A harness must not print on success, must free what it made, and must
 * not depend on anything outside its input (no clock, no environment).
 */
#ifndef TIERSIM_FUZZ_H
#define TIERSIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (malloc'd; the caller frees it), or
 * NULL when out of memory.  Bytes after an embedded NUL are kept but a
 * C-string parser will not see them, which is what a parser given such a
 * file would see too. */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* Splits the input at its first newline, for harnesses whose first line
 * is an option string and the rest a file: the line as a string
 * (malloc'd; NULL when out of memory), the rest in *rest and *rest_n. */
char *fuzz_first_line(const uint8_t *data, size_t size, const uint8_t **rest, size_t *rest_n);

/* The input as a file, for parsers that open a path: an anonymous memory
 * file (memfd), named by its /proc/self/fd path, written into path[n].
 * Returns the descriptor to give back to fuzz_file_close, or -1. */
int fuzz_file(const uint8_t *data, size_t size, char *path, size_t n);
void fuzz_file_close(int fd);

/* Aborts (so the fuzzer and the driver report the input) when cond is
 * false: a harness's own checks on the parser's answer. */
#define FUZZ_CHECK(cond)                                                        \
	do {                                                                    \
		if (!(cond))                                                    \
			fuzz_fail(__FILE__, __LINE__, #cond);                   \
	} while (0)
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

#endif
