/* SPDX-License-Identifier: MIT */
/* hostile.c -- an untrusted peer scribbles over the shared header and rings; the victim must never crash or hang.
 *
 * Run under udsx. The child holds one end of a pair and, instead of playing
 * by the rules, overwrites random words of the channel memory it inherited
 * while also sending. The parent keeps using its end (non-blocking and
 * blocking with a timeout) the whole time. Pass = every call returned, the
 * parent is alive, and once the child has gone the parent reaches EOF (or,
 * for DGRAM, EAGAIN). Exit 0 pass, 1 fail, 77 skip (no channel: not under udsx).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int find_channel(unsigned char **base, size_t *len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long a, b;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "memfd:udsx") && sscanf(line, "%lx-%lx", &a, &b) == 2) {
			*base = (unsigned char *)a;
			*len = b - a;
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void scribbler(int fd, unsigned char *base, size_t len, unsigned seed)
{
	double end = now() + 0.7;
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	char msg[64] = "hostile";

	while (now() < end) {
		int i;

		for (i = 0; i < 64; i++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			/* mostly the header (indices, lengths, locks), sometimes the rings */
			size_t off = (x & 3) ? (x >> 8) % 4096 : (x >> 8) % len;

			off &= ~(size_t)7;
			memcpy(base + off, &x, 8);
		}
		send(fd, msg, (x >> 20) % sizeof(msg), MSG_DONTWAIT);
	}
	_exit(0);
}

static int run(int type, unsigned seed)
{
	int sv[2], st, calls = 0;
	unsigned char *base, buf[70000];
	size_t len;
	struct timeval tv = { 0, 20000 };
	double end;
	pid_t pid;

	if (socketpair(AF_UNIX, type, 0, sv) < 0)
		return 1;
	if (find_channel(&base, &len) < 0)
		return 77;
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		scribbler(sv[1], base, len, seed);
	}
	close(sv[1]);
	end = now() + 1.0;
	while (now() < end) {
		send(sv[0], buf, (size_t)(calls * 7919) % sizeof(buf), MSG_DONTWAIT);
		recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT);
		recv(sv[0], buf, (size_t)(calls % 100), 0);	/* blocking, 20 ms timeout */
		calls += 3;
	}
	waitpid(pid, &st, 0);
	/* the peer is gone: drain to EOF (STREAM/SEQPACKET) or EAGAIN (DGRAM) */
	for (;;) {
		ssize_t r = recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT);

		if (r == 0 || (r < 0 && errno == EAGAIN && type == SOCK_DGRAM))
			break;
		if (r < 0 && errno != EAGAIN && errno != ECONNRESET) {
			printf("unexpected error %s\n", strerror(errno));
			return 1;
		}
		if (r < 0 && errno == EAGAIN && now() > end + 2) {
			printf("no EOF after the peer died\n");
			return 1;
		}
	}
	printf("type %d seed %u: victim alive after %d calls\n", type, seed, calls);
	close(sv[0]);
	return 0;
}

int main(void)
{
	int types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM }, i, r;
	unsigned seed;

	alarm(30);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < 3; i++)
		for (seed = 1; seed <= 2; seed++) {
			r = run(types[i], seed);
			if (r)
				return r;
		}
	return 0;
}
