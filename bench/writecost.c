/* SPDX-License-Identifier: MIT */
/* writecost.c -- one thread writes 64 B messages into a socketpair and drains them every 200: for counting instructions per write (callgrind). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* 200 messages of 64 B stay under the default SO_SNDBUF's 277 segments, so
 * the single thread never blocks on its own writes. */
#define BATCH 200

int main(int argc, char **argv)
{
	static char big[1 << 16];
	int rounds = argc > 1 ? atoi(argv[1]) : 1000, sv[2], r, i;
	char msg[64] = { 0 };

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 1;
	for (r = 0; r < rounds; r++) {
		long got = 0;

		for (i = 0; i < BATCH; i++)
			if (write(sv[0], msg, sizeof(msg)) != (ssize_t)sizeof(msg))
				return 1;
		while (got < BATCH * (long)sizeof(msg)) {
			ssize_t n = read(sv[1], big, sizeof(big));

			if (n <= 0)
				return 1;
			got += n;
		}
	}
	printf("writecost writes=%d size=64\n", rounds * BATCH);
	return 0;
}
