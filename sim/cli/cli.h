/*
 * cli — the `tiersim` command: main.c dispatches to one function per
 * command, each in its own cmd_*.c.  This is the only code that prints or
 * exits; it is also the composition root, the one place in sim/ that may
 * include models/ and traces/ (it wires them together).
 *
 * Every command: getopt_long; --help prints its usage on stdout and returns
 * 0; a usage or input error prints "tiersim COMMAND: <message>" on stderr
 * and returns 2; a failed run returns 1.  Commands that print a table take
 * --format text|csv|json.
 */
#ifndef TIERSIM_CLI_H
#define TIERSIM_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "sim/err.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Each takes argv with argv[0] = "tiersim " and the command's name
 * ("tiersim run"), which getopt's messages name. */
int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_mrc(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_plot(int argc, char **argv);
/* tiersim plot of run `run` (0: the latest) of the database db into out
 * (NULL: plots-runN), its report (what was drawn, what skipped) to
 * report; errors to stderr.  A CLI_ status. */
int cli_plot_run(const char *db, long long run, const char *out, FILE *report);
/* Before a run: --plot DIR is a directory, or one mkdir can make (its
 * parent is one); else -1 with an ERR_INPUT message naming the flag. */
int cli_plot_dir_check(const char *dir, struct err *e);
/* tiersim validate hardware (cmd_validate_hw.c), argv[0] = "tiersim
 * validate hardware". */
int cmd_validate_hw(int argc, char **argv);

/* The folder of the bundled scenarios and their data: next to the binary
 * in the build tree (build/../scenarios), installed
 * (bin/../share/tiersim/scenarios), or ./scenarios.  Fills buf. */
const char *cli_data_dir(char *buf, size_t n);

/* Parses one --size BYTES into sizes[*n] (a bare number is bytes; 0 is
 * refused) and counts it; -1 with an ERR_INPUT message that names the
 * flag and quotes the value. */
int cli_parse_size(const char *arg, uint64_t *sizes, size_t *n, size_t max, struct err *e);

/* Prints "tiersim CMD: msg" to stderr and returns the exit status for
 * e->code (1 or 2). */
int cli_fail(const char *cmd, const struct err *e);

#endif
