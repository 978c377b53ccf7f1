/* SPDX-License-Identifier: MIT */
/* conncost.c -- the life cycle cost of a connection: socket+connect, accept4, close both (optionally one small message each way); microseconds per connection. */
#include "bench.h"

struct opts {
	int type;
	int addr;
	long conns;
	long batches;
	int data;
};

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-t stream|seqpacket] [-a path|abstract] [-n CONNS] [-b BATCHES] [-d]\n"
		"  -n  connections per batch (default 2000)\n"
		"  -b  timed batches; the median batch is reported (default 5)\n"
		"  -d  one 5-byte message each way on every connection before closing\n"
		"      (default: a connection that never carries data)\n",
		prog);
	exit(2);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ SOCK_STREAM, BENCH_ADDR_PATH, 2000, 5, 0 };
	while ((c = getopt(argc, argv, "t:a:n:b:dh")) != -1) {
		switch (c) {
		case 't':
			o->type = bench_parse_type(optarg);
			break;
		case 'a':
			o->addr = bench_parse_addr(optarg);
			break;
		case 'n':
			o->conns = bench_parse_size(optarg, 1, 100000000);
			break;
		case 'b':
			o->batches = bench_parse_size(optarg, 1, 1000);
			break;
		case 'd':
			o->data = 1;
			break;
		default:
			usage(argv[0]);
		}
	}
	/* DGRAM has no accept, and a socketpair is paircost's business. */
	if (optind != argc || o->type < 0 || o->type == SOCK_DGRAM ||
	    o->addr < 0 || o->addr == BENCH_ADDR_PAIR || o->conns < 0 ||
	    o->batches < 0)
		usage(argv[0]);
}

/* One small message from @from to @to; returns 0 or -1. */
static int hop(int from, int to, const char *what)
{
	char buf[64];
	ssize_t r;

	if (write(from, "hello", 5) != 5) {
		perror("conncost: write");
		return -1;
	}
	r = read(to, buf, sizeof(buf));
	if (r != 5 || memcmp(buf, "hello", 5)) {
		fprintf(stderr, "conncost: %s read returned %zd, expected the 5 bytes sent\n",
			what, r);
		return -1;
	}
	return 0;
}

/*
 * One connection's whole life, in one thread: connect() completes at once
 * because the listener's backlog queues it, then accept4() takes it off the
 * queue. Returns 1 if the client's end was accelerated by its close, 0 if
 * not, -1 on error.
 */
static int one_conn(int l, const struct bench_addr *a, const struct opts *o)
{
	int c, s, ret = -1;

	c = socket(AF_UNIX, o->type | SOCK_CLOEXEC, 0);
	if (c < 0) {
		perror("conncost: socket");
		return -1;
	}
	if (bench_connect_to(c, a))
		goto out_c;
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0) {
		perror("conncost: accept4");
		goto out_c;
	}
	if (!o->data || (!hop(c, s, "server") && !hop(s, c, "client")))
		ret = bench_accelerated(c);
	close(s);
out_c:
	close(c);
	return ret;
}

/*
 * Runs one batch; returns its cost in microseconds per connection, or -1.
 * Adds the connections that were accelerated to @accel.
 */
static double batch(int l, const struct bench_addr *a, const struct opts *o, long *accel)
{
	uint64_t t0 = bench_now_ns();
	long i;
	int r;

	for (i = 0; i < o->conns; i++) {
		r = one_conn(l, a, o);
		if (r < 0)
			return -1;
		*accel += r;
	}
	return (bench_now_ns() - t0) / 1e3 / o->conns;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct bench_addr a;
	struct opts o;
	double *us;
	long i, accel = 0;
	int l;

	parse_opts(argc, argv, &o);
	us = calloc(o.batches, sizeof(*us));
	if (!us || bench_addr_make(&a, o.addr))
		return 1;
	l = bench_bind(o.type, &a);
	if (l < 0) {
		bench_addr_drop(&a);
		return 1;
	}
	/*
	 * An untimed batch first: it grows the kernel's slab caches and the
	 * library's tables to their working size, which a long-running server
	 * has long done.
	 */
	for (i = -1; i < o.batches; i++) {
		double t = batch(l, &a, &o, &accel);

		if (t < 0)
			break;
		if (i >= 0)
			us[i] = t;
		else
			accel = 0;
	}
	close(l);
	bench_addr_drop(&a);
	if (i < o.batches)
		return 1;
	/* A batch runs for milliseconds, so one interruption by the VM moves its mean; the median does not. */
	qsort(us, o.batches, sizeof(*us), cmp_double);
	printf("conncost type=%s addr=%s conns=%ld batches=%ld data=%d us_per_conn=%.2f"
	       " min_us=%.2f max_us=%.2f accel=%ld\n",
	       bench_type_name(o.type), bench_addr_name(o.addr), o.conns, o.batches,
	       o.data, us[o.batches / 2], us[0], us[o.batches - 1], accel);
	free(us);
	return 0;
}
