/*
 * tiersim — the command.  Dispatches to one function per command (cli.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "cli.h"
#include "sim/memcap.h"
#include "sim/units.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{ "run", cmd_run, "simulate a scenario and write its results to SQLite" },
	{ "validate", cmd_validate, "compare the simulator with theory (queueing, cache) or a measured run (hardware)" },
	{ "cache", cmd_cache, "replay a trace through a cache policy: miss ratios by size" },
	{ "plot", cmd_plot, "draw a run of a results database as PNG and SVG (gnuplot)" },
	{ "mrc", cmd_mrc, "LRU miss-ratio curve of a trace in one pass (exact, SHARDS)" },
	{ "trace", cmd_trace, "convert a trace to the native format, or inspect one" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tiersim COMMAND [OPTIONS]\n"
		   "       tiersim COMMAND --help\n"
		   "       tiersim --version\n\n"
		   "tiersim simulates the storage tiers that feed GPU clusters.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nEnvironment: " MEMCAP_ENV "=SIZE|off caps the memory a run may use (default: 3/4 of\n"
		   "what is free at start); a scenario too large fails with \"out of memory\".\n");
	fprintf(f, "\nExit status: 0 success, 1 failure, 2 usage or input error.\n");
}

const char *cli_data_dir(char *buf, size_t n)
{
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		static const char *const rel[] = { "/../scenarios", "/../share/tiersim/scenarios" };
		for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
			snprintf(buf, n, "%s%s", exe, rel[i]);
			struct stat st;
			if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
				return buf;
		}
	}
	snprintf(buf, n, "scenarios");
	return buf;
}

int cli_parse_size(const char *arg, uint64_t *sizes, size_t *n, size_t max, struct err *e)
{
	if (*n == max)
		return err_set(e, ERR_INPUT, "too many --size options (at most %zu)", max);
	if (unit_parse_bytes(arg, &sizes[*n], e) < 0)
		return err_prefix(e, "--size: ");
	if (sizes[*n] == 0)
		return err_set(e, ERR_INPUT, "--size %.100s: a cache size must be more than 0 bytes", arg);
	(*n)++;
	return 0;
}

int cli_fail(const char *cmd, const struct err *e)
{
	fprintf(stderr, "tiersim %s: %s\n", cmd, e->msg);
	char hint[256];
	if (memcap_hint(e, hint, sizeof hint))
		fprintf(stderr, "tiersim %s: %s\n", cmd, hint);
	return e->code == ERR_INPUT ? CLI_USAGE : CLI_FAIL;
}

int main(int argc, char **argv)
{
	/* GSL's default handler aborts; the library checks GSL's results
	 * itself, so a GSL failure becomes an error message, not a crash. */
	gsl_set_error_handler_off();
	struct err e = { 0 };
	if (memcap_apply(getenv(MEMCAP_ENV), &e) < 0) {
		fprintf(stderr, "tiersim: %s\n", e.msg);
		return e.code == ERR_INPUT ? CLI_USAGE : CLI_FAIL;
	}
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("tiersim %s\n", TIERSIM_VERSION);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			/* getopt names argv[0] in its messages: "tiersim run:
			 * unrecognized option", not "run: ...". */
			char name[64];
			snprintf(name, sizeof name, "tiersim %s", commands[i].name);
			argv[1] = name;
			return commands[i].fn(argc - 1, argv + 1);
		}
	fprintf(stderr, "tiersim: unknown command '%s' (try tiersim --help)\n", argv[1]);
	return CLI_USAGE;
}
