/* common — the helpers of fuzz.h, linked into every harness. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return NULL;
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

char *fuzz_first_line(const uint8_t *data, size_t size, const uint8_t **rest, size_t *rest_n)
{
	const uint8_t *nl = size ? memchr(data, '\n', size) : NULL;
	size_t head = nl ? (size_t)(nl - data) : size;
	*rest = nl ? nl + 1 : data + size;
	*rest_n = size - (size_t)(*rest - data);
	return fuzz_cstr(data, head);
}

int fuzz_file(const uint8_t *data, size_t size, char *path, size_t n)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	snprintf(path, n, "/proc/self/fd/%d", fd);
	return fd;
}

void fuzz_file_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: harness check failed: %s\n", file, line, what);
	abort();
}
