/* SPDX-License-Identifier: MIT */
/* paircost.c -- the life cycle cost of a pair: socketpair, one small write and read, close; microseconds per pair. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5000, data = argc > 2 ? atoi(argv[2]) : 1, i, sv[2];
	struct timespec a, b;
	char buf[64];

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			return 1;
		if (data && (write(sv[0], "hello", 5) != 5 || read(sv[1], buf, sizeof(buf)) != 5))
			return 1;
		close(sv[0]);
		close(sv[1]);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("paircost pairs=%d data=%d us_per_pair=%.2f\n", n, data,
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n / 1e3);
	return 0;
}
