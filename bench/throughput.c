/* SPDX-License-Identifier: MIT */
/* throughput.c -- one-way message rate and bandwidth over a connected AF_UNIX pair (socketpair or connect/accept) between two processes on different CPUs. */
#include <signal.h>
#include "bench.h"

/*
 * Default message counts aim at ~0.35 s per run on the kernel path, using a
 * rough cost model of the kernel on current x86: a fixed cost per send plus
 * a copy rate. A faster transport finishes sooner; a slower one is cut off
 * by -T.
 */
#define TARGET_S	0.35
#define PER_MSG_S	2.0e-6
#define BYTES_PER_S	4.0e9

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-t stream|seqpacket|dgram] [-a pair|path|abstract] [-s SIZE]\n"
		"          [-n MSGS] [-w WARMUP] [-T SECONDS] [-c CPU,CPU] [-r BYTES]\n"
		"  -a  how the pair is made: socketpair(), or connect()/accept() on a\n"
		"      pathname or abstract address (DGRAM: two bound sockets connected\n"
		"      to each other); default pair\n"
		"  -s  message size, 1 to 1M bytes, suffix k or M allowed (default 64)\n"
		"  -n  messages to send (default: about %.1f s worth on the kernel)\n"
		"  -w  messages sent and drained before timing (default: n/20, capped)\n"
		"  -T  the writer stops early after this many seconds (default 10)\n"
		"  -c  the two CPUs to pin the reader and writer to (N,N or same: both\n"
		"      on one CPU)\n"
		"  -r  STREAM: bytes the reader asks for per read (default: the larger of\n"
		"      SIZE and 64k; -r SIZE reads one message at a time)\n",
		prog, TARGET_S);
	exit(2);
}

static long default_msgs(long size)
{
	long n = TARGET_S / (PER_MSG_S + size / BYTES_PER_S);

	return n < 16 ? 16 : n;
}

/* -r: the STREAM reader's read size, 0 = the default */
static long read_size;

static void parse_opts(int argc, char **argv, struct bench_opts *o)
{
	int c;

	*o = (struct bench_opts){ SOCK_STREAM, BENCH_ADDR_PAIR, 64, 0, -1, 10.0, NULL };
	while ((c = getopt(argc, argv, BENCH_OPTSTRING "r:")) != -1) {
		if (c == 'r') {
			read_size = bench_parse_size(optarg, 1, 1 << 24);
			if (read_size < 0)
				usage(argv[0]);
		} else if (!bench_common_opt(c, optarg, o)) {
			usage(argv[0]);
		}
	}
	if (bench_opts_bad(o, argc))
		usage(argv[0]);
	if (!o->n)
		o->n = default_msgs(o->size);
	/* Enough to fault in buffers and settle spinning; a huge -n needs no more. */
	if (o->warmup < 0)
		o->warmup = (o->n < default_msgs(o->size) ?
			     o->n : default_msgs(o->size)) / 20;
}

/*
 * The sending side: warm-up messages, then wait for the reader's go byte,
 * then the timed messages. Checking the clock costs about as much as a
 * small send through shared memory, so small messages check it every 64.
 */
static int writer(int fd, const struct bench_opts *o)
{
	char *buf = malloc(o->size), go;
	long i, mask = o->size >= 4096 ? 0 : 63;
	uint64_t start, limit = o->limit_s * 1e9;

	if (!buf)
		return 1;
	memset(buf, 0x5a, o->size);
	for (i = 0; i < o->warmup; i++)
		if (bench_write_full(fd, buf, o->size) < 0)
			goto err;
	if (bench_read_full(fd, &go, 1) != 1) {
		fprintf(stderr, "writer: no go from the reader\n");
		free(buf);
		return 1;
	}
	start = bench_now_ns();
	for (i = 0; i < o->n; i++) {
		if (bench_write_full(fd, buf, o->size) < 0)
			goto err;
		if (!(i & mask) && bench_now_ns() - start > limit) {
			fprintf(stderr, "throughput: time limit reached after %ld of %ld messages\n",
				i + 1, o->n);
			break;
		}
	}
	/* The reader stops by itself after the full count; this ends a short run. */
	bench_send_end(fd, o->type);
	free(buf);
	return 0;
err:
	perror("writer: write");
	free(buf);
	return 1;
}

/*
 * Receives messages until @msgs have arrived or the writer ends early.
 * Returns the messages received, -1 on error.
 */
static long drain(int fd, const struct bench_opts *o, char *buf, size_t bufsize, long msgs)
{
	uint64_t want = (uint64_t)msgs * o->size, got = 0;
	long n = 0;
	ssize_t r;

	while (n < msgs) {
		if (o->type == SOCK_STREAM) {
			/* Never read past @want: the bytes after it belong to the next phase. */
			r = read(fd, buf, want - got < bufsize ? want - got : bufsize);
		} else {
			r = read(fd, buf, bufsize);
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			perror("reader: read");
			return -1;
		}
		if (r == 0)
			break;
		if (o->type == SOCK_STREAM) {
			got += r;
			n = got / o->size;
		} else if (r != o->size) {
			fprintf(stderr, "reader: got %zd bytes, expected a %ld-byte message\n",
				r, o->size);
			return -1;
		} else {
			n++;
		}
	}
	return n;
}

/* The receiving side, which owns the clock: it starts it and sees the last byte. */
static int reader(int fd, const struct bench_opts *o)
{
	size_t bufsize = o->type != SOCK_STREAM ? (size_t)o->size + 1 :
			 read_size ? (size_t)read_size : o->size > 65536 ? (size_t)o->size : 65536;
	char *buf = malloc(bufsize);
	uint64_t t0, t1;
	double secs;
	long n;
	int accel;

	if (!buf)
		return -1;
	if (drain(fd, o, buf, bufsize, o->warmup) != o->warmup) {
		fprintf(stderr, "reader: the writer ended during warm-up\n");
		free(buf);
		return -1;
	}
	/* Sampled before the timed phase: at its end the writer has shut its
	 * end down, which returns the connection to the kernel path. */
	accel = bench_accelerated(fd);
	t0 = bench_now_ns();
	if (bench_write_full(fd, "g", 1) != 1) {
		perror("reader: write go");
		free(buf);
		return -1;
	}
	n = drain(fd, o, buf, bufsize, o->n);
	t1 = bench_now_ns();
	free(buf);
	if (n <= 0)
		return -1;
	secs = (t1 - t0) / 1e9;
	printf("throughput type=%s addr=%s size=%ld msgs=%ld msg_per_s=%.0f gb_per_s=%.4f accel=%d\n",
	       bench_type_name(o->type), bench_addr_name(o->addr), o->size, n, n / secs,
	       (double)n * o->size / secs / 1e9, accel);
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	int sv[2], listener, cpu[2], pinned, ret;
	pid_t pid;

	parse_opts(argc, argv, &o);
	/* A dead peer must show up as an error from write, not kill us silently. */
	signal(SIGPIPE, SIG_IGN);
	pinned = bench_pick_cpus(o.cpus, cpu) == 0;
	if (!pinned)
		fprintf(stderr, "warning: no two distinct CPUs to pin to, running unpinned\n");
	pid = bench_start_peer(&o, pinned ? cpu : NULL, sv, &listener, writer);
	if (pid < 0)
		return 1;
	ret = reader(sv[0], &o);
	/* Closing unblocks a writer stuck on a full buffer after a reader error. */
	close(sv[0]);
	/* The listener, like a server's, stays open while its connection is used. */
	if (listener >= 0)
		close(listener);
	if (bench_reap(pid, "throughput writer process") || ret)
		return 1;
	return 0;
}
