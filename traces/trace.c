/*
 * trace — opening a trace by format name, and closing any reader; the
 * readers themselves are traces/oracle.c and traces/csv.c (see trace.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trace.h"

void trace_close(struct trace_reader *t)
{
	if (!t)
		return;
	t->ops->close(t->st);
	free(t);
}

const char *trace_formats(void)
{
	return "oracleGeneral, csv[:OPTS]";
}

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcasecmp(s + n - m, suf);
}

struct trace_reader *trace_open(const char *path, const char *format, struct err *e)
{
	if (!format)
		format = ends_with(path, ".csv") ? "csv" : "oracleGeneral";
	if (!strcasecmp(format, "oracleGeneral"))
		return trace_open_oracle(path, e);
	if (!strcasecmp(format, "csv") || !strncasecmp(format, "csv:", 4)) {
		struct trace_csv_cfg c;
		trace_csv_cfg_default(&c);
		if (format[3] == ':' && trace_csv_parse_opts(format + 4, &c, e) < 0)
			return NULL;
		return trace_open_csv(path, &c, e);
	}
	err_set(e, ERR_INPUT, "unknown trace format \"%s\" (use %s)", format, trace_formats());
	return NULL;
}
