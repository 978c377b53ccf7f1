/* SPDX-License-Identifier: MIT */
/* selfcost.c -- one thread writing to itself through a pair (an event loop's self-pipe): write 1 byte, read it; microseconds each. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100000, sv[2], i;
	struct timespec a, b;
	char c = 'x';

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		if (write(sv[0], &c, 1) != 1 || read(sv[1], &c, 1) != 1)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("selfcost rounds=%d us_per_round=%.3f\n", n,
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n / 1e3);
	return 0;
}
