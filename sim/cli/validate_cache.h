/*
 * validate_cache — `tiersim validate cache`, the analytic cache rung
 * (models/cvalidate.h); cmd_validate.c dispatches the subject here.
 */
#ifndef TIERSIM_CLI_VALIDATE_CACHE_H
#define TIERSIM_CLI_VALIDATE_CACHE_H

/* argv[0] = "tiersim validate cache".  Returns 0 when every row is within 2 points, 1 when
 * some row is not or the run failed, 2 on a usage error. */
int cmd_validate_cache(int argc, char **argv);

#endif
