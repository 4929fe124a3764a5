/*
 * blkstat — see blkstat.h.  A dozen lines of parsing: no library reads
 * the kernel's block statistics, and the file is one line of numbers.
 */
#include "refimpl/blkstat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

int blkstat_path(const char *dir, char *path, size_t cap, struct err *e)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		return err_set(e, ERR_INPUT, "%s: %s", dir, strerror(errno));
	if (major(st.st_dev) == 0)
		return err_set(e, ERR_INPUT,
			       "%s: no block device (device %u:%u: tmpfs, overlayfs, NFS or another virtual file system)",
			       dir, major(st.st_dev), minor(st.st_dev));
	snprintf(path, cap, "/sys/dev/block/%u:%u/stat", major(st.st_dev), minor(st.st_dev));
	return 0;
}

int blkstat_read(const char *path, struct blkstat *b, struct err *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(e, ERR_INPUT, "%s: %s", path, strerror(errno));
	unsigned long long v[15];
	int n = 0;
	while (n < 15 && fscanf(f, "%llu", &v[n]) == 1)
		n++;
	fclose(f);
	if (n < 15)
		return err_set(e, ERR_INPUT,
			       "%s: %d numbers, not the 15 or more of a kernel that counts discards (Linux 4.18 and later)",
			       path, n);
	*b = (struct blkstat){
		.reads = v[0],
		.read_sectors = v[2],
		.writes = v[4],
		.write_sectors = v[6],
		.io_ticks_ms = v[9],
		.discards = v[11],
		.discard_sectors = v[13],
	};
	return 0;
}

struct blkstat blkstat_delta(const struct blkstat *a, const struct blkstat *b)
{
	return (struct blkstat){
		.reads = a->reads - b->reads,
		.read_sectors = a->read_sectors - b->read_sectors,
		.writes = a->writes - b->writes,
		.write_sectors = a->write_sectors - b->write_sectors,
		.io_ticks_ms = a->io_ticks_ms - b->io_ticks_ms,
		.discards = a->discards - b->discards,
		.discard_sectors = a->discard_sectors - b->discard_sectors,
	};
}

int blkstat_export(const struct blkstat *d, const char *prefix, struct met_registry *m)
{
	const struct met_field f[] = {
		{ "device.busy", "s", (double)d->io_ticks_ms / 1e3 },
		{ "device.reads", "ops", (double)d->reads },
		{ "device.read_bytes", "B", (double)d->read_sectors * 512 },
		{ "device.writes", "ops", (double)d->writes },
		{ "device.write_bytes", "B", (double)d->write_sectors * 512 },
		{ "device.discards", "ops", (double)d->discards },
		{ "device.discard_bytes", "B", (double)d->discard_sectors * 512 },
	};
	return met_set_fields(m, prefix, f, sizeof f / sizeof f[0]);
}
