/*
 * driver — runs a harness over stored inputs, without libFuzzer: what
 * `make test` does with each tests/fuzz/corpus/NAME/ under the sanitizers.
 *
 *   fuzz_NAME [--quiet] PATH...
 *
 * A PATH that is a directory stands for its files (not recursively), in
 * name order so that runs are repeatable.  A crash aborts the process,
 * after the driver has named the input on stderr; otherwise it prints how
 * many inputs ran and exits 0.  (libFuzzer's own binaries take the same
 * arguments, so `make fuzz` and this driver read the same corpora.)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "fuzz driver: cannot open %s\n", path);
		return -1;
	}
	size_t cap = 4096, n = 0;
	unsigned char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fclose(f);
			fprintf(stderr, "fuzz driver: out of memory reading %s\n", path);
			return -1;
		}
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		unsigned char *b = realloc(buf, cap * 2);
		if (!b)
			free(buf);
		buf = b;
		cap *= 2;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		fprintf(stderr, "fuzz driver: cannot read %s\n", path);
		return -1;
	}
	/* Named first, so that a crash inside is traced to its input. */
	fprintf(stderr, "fuzz driver: %s\n", path);
	/* A copy of exactly n bytes, so ASan sees a read past the input. */
	unsigned char *in = malloc(n ? n : 1);
	if (!in) {
		free(buf);
		return -1;
	}
	memcpy(in, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(in, n);
	free(in);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, long *count)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "fuzz driver: cannot open directory %s\n", dir);
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn) {
				rc = -1;
				break;
			}
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		struct stat st;
		if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) != 0)
				rc = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	long count = 0;
	int quiet = 0, rc = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quiet") == 0) {
			quiet = 1;
			continue;
		}
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "fuzz driver: no such input: %s\n", argv[i]);
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count) != 0)
				rc = 1;
		} else if (run_file(argv[i]) != 0) {
			rc = 1;
		} else {
			count++;
		}
	}
	if (!quiet || rc)
		printf("%s: %ld inputs%s\n", argv[0], count, rc ? ", some unreadable" : "");
	return rc;
}
