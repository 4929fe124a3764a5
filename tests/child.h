/* Runs a test's part in a child process, for what must not touch the test
 * runner itself: an address-space limit (setrlimit), a flood of
 * allocations.  Shared by the unit tests; header only. */
#ifndef TIERSIM_TESTS_CHILD_H
#define TIERSIM_TESTS_CHILD_H

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* fn's return value as the child's exit status, or 100 when the child
 * could not be started or did not exit (a crash). */
static inline int test_in_child(int (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn());
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 100;
	return WEXITSTATUS(status);
}

#endif
