/* SPDX-License-Identifier: MIT */
/* pingpong.c -- round-trip latency over a connected AF_UNIX pair (socketpair or connect/accept) between two processes on different CPUs. */
#include <signal.h>
#include "bench.h"

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-t stream|seqpacket|dgram] [-a pair|path|abstract] [-s SIZE]\n"
		"          [-n ROUNDS] [-w WARMUP] [-T SECONDS] [-c CPU,CPU]\n"
		"  -a  how the pair is made: socketpair(), or connect()/accept() on a\n"
		"      pathname or abstract address (DGRAM: two bound sockets connected\n"
		"      to each other); default pair\n"
		"  -s  message size in bytes, suffix k or M allowed (default 64)\n"
		"  -n  measured round trips (default 100000)\n"
		"  -w  unmeasured round trips first (default 1000)\n"
		"  -T  stop early after this many seconds (default 10)\n"
		"  -c  the two CPUs to pin to (default: the first two allowed; N,N or\n"
		"      same: both on one CPU)\n",
		prog);
	exit(2);
}

static void parse_opts(int argc, char **argv, struct bench_opts *o)
{
	int c;

	*o = (struct bench_opts){ SOCK_STREAM, BENCH_ADDR_PAIR, 64, 100000, 1000, 10.0, NULL };
	while ((c = getopt(argc, argv, BENCH_OPTSTRING)) != -1)
		if (!bench_common_opt(c, optarg, o))
			usage(argv[0]);
	if (bench_opts_bad(o, argc))
		usage(argv[0]);
}

/*
 * Receives one @size-byte message into @buf, which has room for @size + 1 so
 * that an oversized datagram shows up as too long instead of being silently
 * truncated. Returns 1 for a message, 0 at the end, -1 on error.
 */
static int recv_msg(int fd, int type, char *buf, long size)
{
	ssize_t r;

	if (type == SOCK_STREAM) {
		r = bench_read_full(fd, buf, size);
	} else {
		do
			r = read(fd, buf, size + 1);
		while (r < 0 && errno == EINTR);
	}
	if (r < 0) {
		perror("read");
		return -1;
	}
	if (r == 0)
		return 0;
	if (r != size) {
		fprintf(stderr, "read: got %zd bytes, expected a %ld-byte message\n",
			r, size);
		return -1;
	}
	return 1;
}

static int send_msg(int fd, const char *buf, long size)
{
	/* A message socket sends all or nothing, so one loop fits every type. */
	if (bench_write_full(fd, buf, size) < 0) {
		perror("write");
		return -1;
	}
	return 0;
}

/* The echo side: sends every message back until the measuring side says stop. */
static int echo(int fd, const struct bench_opts *o)
{
	char *buf = malloc(o->size + 1);
	int r;

	if (!buf)
		return 1;
	while ((r = recv_msg(fd, o->type, buf, o->size)) == 1)
		if (send_msg(fd, buf, o->size)) {
			r = -1;
			break;
		}
	free(buf);
	return r < 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted @v; @pct in (0, 100]. */
static double pct_us(const uint64_t *v, long n, long pct)
{
	long rank = (n * pct + 99) / 100;

	return v[rank > 0 ? rank - 1 : 0] / 1000.0;
}

/*
 * The measuring side. Each message carries the round number so that a
 * transport returning stale or foreign bytes fails loudly instead of
 * producing a fast, meaningless number. Returns the rounds measured, -1 on error.
 */
static long measure(int fd, const struct bench_opts *o, uint64_t *lat)
{
	char *out = malloc(o->size), *in = malloc(o->size + 1);
	uint64_t start = bench_now_ns(), t0, t1;
	uint64_t limit = o->limit_s * 1e9;
	long i, n = -1;

	if (!out || !in)
		goto out;
	memset(out, 0xa5, o->size);
	for (i = 0, n = 0; n < o->n; i++) {
		memcpy(out, &i, o->size < (long)sizeof(i) ? o->size : (long)sizeof(i));
		t0 = bench_now_ns();
		if (send_msg(fd, out, o->size) || recv_msg(fd, o->type, in, o->size) != 1) {
			n = -1;
			break;
		}
		t1 = bench_now_ns();
		if (memcmp(in, out, o->size)) {
			fprintf(stderr, "round %ld: the echo differs from what was sent\n", i);
			n = -1;
			break;
		}
		if (i >= o->warmup)
			lat[n++] = t1 - t0;
		if (n > 0 && t1 - start > limit) {
			fprintf(stderr, "pingpong: time limit reached after %ld of %ld rounds\n",
				n, o->n);
			break;
		}
	}
out:
	free(out);
	free(in);
	return n;
}

static void report(const struct bench_opts *o, uint64_t *lat, long n, int accel)
{
	double sum = 0;
	long i;

	for (i = 0; i < n; i++)
		sum += lat[i];
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("pingpong type=%s addr=%s size=%ld rounds=%ld p50_us=%.2f p99_us=%.2f mean_us=%.2f accel=%d\n",
	       bench_type_name(o->type), bench_addr_name(o->addr), o->size, n,
	       pct_us(lat, n, 50), pct_us(lat, n, 99), sum / n / 1000.0, accel);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	uint64_t *lat;
	int sv[2], listener, cpu[2], pinned, accel;
	pid_t pid;
	long n;

	parse_opts(argc, argv, &o);
	/* A dead peer must show up as an error from write, not kill us silently. */
	signal(SIGPIPE, SIG_IGN);
	lat = calloc(o.n, sizeof(*lat));
	if (!lat) {
		perror("calloc");
		return 1;
	}
	pinned = bench_pick_cpus(o.cpus, cpu) == 0;
	if (!pinned)
		fprintf(stderr, "warning: no two distinct CPUs to pin to, running unpinned\n");
	pid = bench_start_peer(&o, pinned ? cpu : NULL, sv, &listener, echo);
	if (pid < 0)
		return 1;
	n = measure(sv[0], &o, lat);
	accel = bench_accelerated(sv[0]);
	if (bench_send_end(sv[0], o.type))
		perror("stopping the echo process");
	/* The listener, like a server's, stays open while its connection is used. */
	if (listener >= 0)
		close(listener);
	if (bench_reap(pid, "pingpong echo process") || n <= 0)
		return 1;
	report(&o, lat, n, accel);
	free(lat);
	return 0;
}
