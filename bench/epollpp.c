/* SPDX-License-Identifier: MIT */
/* epollpp.c -- round-trip latency of an event-loop request/response (epoll, non-blocking sockets, reads drained to EAGAIN) over a connected AF_UNIX pair. */
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include "bench.h"

/*
 * The pattern of redis-server and redis-benchmark, not of a blocking
 * ping-pong: both processes sleep in epoll_wait(), never in a read, so a
 * transport only ever sees non-blocking calls. udsx's blocking reads spin
 * and claim (docs/design.md); here every message has to ring a doorbell and
 * every read has to retire one, which is the path this measures.
 */

enum { PIN_APART, PIN_SAME, PIN_NONE };

/* -c apart|same|any (or CPU,CPU, which is "apart" on those two) */
static int pin = PIN_APART;
/* -e: watch edge-triggered (EPOLLET), as nginx and tokio do */
static unsigned et;

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-t stream|seqpacket|dgram] [-a pair|path|abstract] [-s SIZE]\n"
		"          [-n ROUNDS] [-w WARMUP] [-T SECONDS] [-c CPU,CPU|apart|same|any] [-e]\n"
		"  -a  how the pair is made: socketpair(), or connect()/accept() on a\n"
		"      pathname or abstract address (DGRAM: two bound sockets connected\n"
		"      to each other); default pair\n"
		"  -s  message size in bytes, suffix k or M allowed (default 64)\n"
		"  -n  measured round trips (default 100000)\n"
		"  -w  unmeasured round trips first (default 1000)\n"
		"  -T  stop early after this many seconds (default 10)\n"
		"  -c  the two CPUs to pin to; \"apart\" (default): the first two allowed;\n"
		"      \"same\": both on the first allowed CPU; \"any\": not pinned, the\n"
		"      scheduler places them (as with redis-server and redis-benchmark)\n"
		"  -e  watch edge-triggered (EPOLLET), as nginx and tokio do\n",
		prog);
	exit(2);
}

static void parse_opts(int argc, char **argv, struct bench_opts *o)
{
	int c;

	*o = (struct bench_opts){ SOCK_STREAM, BENCH_ADDR_PAIR, 64, 100000, 1000, 10.0, NULL };
	while ((c = getopt(argc, argv, BENCH_OPTSTRING "e")) != -1) {
		if (c == 'e')
			et = EPOLLET;
		else if (c == 'c' && !strcmp(optarg, "same"))
			pin = PIN_SAME;
		else if (c == 'c' && !strcmp(optarg, "any"))
			pin = PIN_NONE;
		else if (c == 'c' && !strcmp(optarg, "apart"))
			o->cpus = NULL;
		else if (!bench_common_opt(c, optarg, o))
			usage(argv[0]);
	}
	if (bench_opts_bad(o, argc))
		usage(argv[0]);
}

static const char *pin_name(void)
{
	return pin == PIN_SAME ? "same" : pin == PIN_NONE ? "any" : "apart";
}

/* The event loop's view of one socket: non-blocking, level-triggered in an epoll set. */
struct loop {
	int fd, ep, type;
	char *buf;		/* room for size + 1, so a long datagram shows */
	long size, have;
};

static int loop_init(struct loop *l, int fd, const struct bench_opts *o)
{
	struct epoll_event ev = { .events = EPOLLIN | et, .data.fd = fd };
	int fl = fcntl(fd, F_GETFL);

	l->fd = fd;
	l->type = o->type;
	l->size = o->size;
	l->have = 0;
	l->buf = malloc(o->size + 1);
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!l->buf || l->ep < 0 || fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) ||
	    epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev)) {
		perror("epollpp: setting up the event loop");
		return -1;
	}
	return 0;
}

/* Sleeps in epoll until the socket is writable; then watches for input again. */
static int loop_wait_out(struct loop *l)
{
	struct epoll_event ev = { .events = EPOLLOUT | et, .data.fd = l->fd };
	int n;

	if (epoll_ctl(l->ep, EPOLL_CTL_MOD, l->fd, &ev))
		return -1;
	do
		n = epoll_wait(l->ep, &ev, 1, -1);
	while (n < 0 && errno == EINTR);
	ev.events = EPOLLIN | et;
	return n < 0 || epoll_ctl(l->ep, EPOLL_CTL_MOD, l->fd, &ev) ? -1 : 0;
}

/*
 * Sends one message, waiting in epoll for EPOLLOUT if the socket is full
 * (a message larger than the send buffer, or one the peer has not read yet).
 */
static int loop_send(struct loop *l, const char *msg)
{
	long done = 0;
	ssize_t r;

	while (done < l->size) {
		r = write(l->fd, msg + done, l->size - done);
		if (r > 0) {
			done += r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EAGAIN) {
			perror("epollpp: write");
			return -1;
		}
		if (loop_wait_out(l)) {
			perror("epollpp: waiting for room");
			return -1;
		}
	}
	return 0;
}

/*
 * Waits in epoll until one whole message has arrived, reading every time
 * until EAGAIN, as an edge-triggered or a careful level-triggered loop does.
 * Returns 1 with the message in l->buf, 0 at EOF (or the empty datagram that
 * ends a DGRAM run), -1 on error.
 */
static int loop_recv(struct loop *l)
{
	struct epoll_event ev;
	ssize_t r;

	l->have = 0;
	for (;;) {
		int n = epoll_wait(l->ep, &ev, 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("epollpp: epoll_wait");
			return -1;
		}
		for (;;) {
			if (l->type == SOCK_STREAM)
				r = read(l->fd, l->buf + l->have, l->size + 1 - l->have);
			else
				r = read(l->fd, l->buf, l->size + 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno == EAGAIN)
				break;
			if (r < 0) {
				perror("epollpp: read");
				return -1;
			}
			if (r == 0)
				return 0;
			if (l->type != SOCK_STREAM && r != l->size) {
				fprintf(stderr, "epollpp: got a %zd-byte message, expected %ld\n",
					r, l->size);
				return -1;
			}
			l->have += r;
			if (l->have > l->size) {
				fprintf(stderr, "epollpp: more than one message arrived\n");
				return -1;
			}
		}
		if (l->have == l->size)
			return 1;
	}
}

/* The echo side: an event loop that answers every message until the end. */
static int echo(int fd, const struct bench_opts *o)
{
	struct loop l;
	int r;

	if (loop_init(&l, fd, o))
		return 1;
	while ((r = loop_recv(&l)) == 1)
		if (loop_send(&l, l.buf)) {
			r = -1;
			break;
		}
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
 * The measuring side, the client of the event loop. Each message carries
 * the round number, so stale or foreign bytes fail loudly. Returns the
 * rounds measured, -1 on error.
 */
static long measure(int fd, const struct bench_opts *o, uint64_t *lat)
{
	char *out = malloc(o->size);
	uint64_t start = bench_now_ns(), t0, t1;
	uint64_t limit = o->limit_s * 1e9;
	struct loop l;
	long i, n = -1;

	if (!out || loop_init(&l, fd, o))
		goto out;
	memset(out, 0xa5, o->size);
	for (i = 0, n = 0; n < o->n; i++) {
		memcpy(out, &i, o->size < (long)sizeof(i) ? o->size : (long)sizeof(i));
		t0 = bench_now_ns();
		if (loop_send(&l, out) || loop_recv(&l) != 1) {
			n = -1;
			break;
		}
		t1 = bench_now_ns();
		if (memcmp(l.buf, out, o->size)) {
			fprintf(stderr, "round %ld: the echo differs from what was sent\n", i);
			n = -1;
			break;
		}
		if (i >= o->warmup)
			lat[n++] = t1 - t0;
		if (n > 0 && t1 - start > limit) {
			fprintf(stderr, "epollpp: time limit reached after %ld of %ld rounds\n",
				n, o->n);
			break;
		}
	}
out:
	free(out);
	return n;
}

static void report(const struct bench_opts *o, uint64_t *lat, long n, int accel)
{
	double sum = 0;
	long i;

	for (i = 0; i < n; i++)
		sum += lat[i];
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("epollpp type=%s addr=%s size=%ld cpus=%s%s rounds=%ld p50_us=%.2f p99_us=%.2f mean_us=%.2f accel=%d\n",
	       bench_type_name(o->type), bench_addr_name(o->addr), o->size, pin_name(), et ? " edge=1" : "", n,
	       pct_us(lat, n, 50), pct_us(lat, n, 99), sum / n / 1000.0, accel);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	uint64_t *lat;
	int sv[2], listener, cpu[2], pinned = 0, accel;
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
	if (pin == PIN_APART) {
		pinned = bench_pick_cpus(o.cpus, cpu) == 0;
		if (!pinned)
			fprintf(stderr, "warning: no two distinct CPUs to pin to, running unpinned\n");
	} else if (pin == PIN_SAME) {
		cpu_set_t set;
		int i;

		pinned = sched_getaffinity(0, sizeof(set), &set) == 0;
		for (i = 0; pinned && i < CPU_SETSIZE && !CPU_ISSET(i, &set); i++)
			;
		cpu[0] = cpu[1] = i;
	}
	pid = bench_start_peer(&o, pinned ? cpu : NULL, sv, &listener, echo);
	if (pid < 0)
		return 1;
	n = measure(sv[0], &o, lat);
	accel = bench_accelerated(sv[0]);
	if (bench_send_end(sv[0], o.type))
		perror("stopping the echo process");
	if (listener >= 0)
		close(listener);
	if (bench_reap(pid, "epollpp echo process") || n <= 0)
		return 1;
	report(&o, lat, n, accel);
	free(lat);
	return 0;
}
