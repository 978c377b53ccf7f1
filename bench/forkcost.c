/* SPDX-License-Identifier: MIT */
/* forkcost.c -- fork of a process that holds one used socketpair: fork, the child's _exit, waitpid; microseconds each. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000, sv[2], i;
	struct timespec a, b;
	char c = 'x';

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || write(sv[0], &c, 1) != 1 ||
	    read(sv[1], &c, 1) != 1)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0)
			return 1;
		if (p == 0)
			_exit(0);
		waitpid(p, NULL, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("forkcost forks=%d us_per_fork=%.1f\n", n,
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n / 1e3);
	return 0;
}
