/* SPDX-License-Identifier: MIT */
/* idleconns.c -- memory held per idle connection: N connect/accept connections open at once, bytes per connection, all still working at the end. */
#include <dirent.h>
#include <math.h>
#include <poll.h>
#include <sys/resource.h>
#include "bench.h"

/*
 * Both ends of every connection normally live in this process. When the
 * descriptor limit cannot hold 2 N of them (raising the hard limit needs
 * CAP_SYS_RESOURCE), the client ends move to a child process, so that this
 * process still holds N connections: the accepted ends, as a server would.
 */
struct opts {
	int type;
	int addr;
	long conns;
	int data;
	int procs;	/* 1, 2, or 0: 1 if the descriptor limit allows */
	long moved;	/* -m: bytes carried each way before going idle */
};

/*
 * The system-wide figure, in bytes. The sockets live in the kernel's slab
 * (socket and inode, unix_sock, file, dentry), which only /proc/meminfo
 * sees. Slab counts SReclaimable too: the socket inodes and dentries are
 * filed there, but nothing can reclaim them while the socket is open. It
 * moves with whatever else runs on the machine, so run this on a quiet one.
 * MemFree and MemAvailable are no better a total: per-CPU page lists and
 * the page cache move them by megabytes either way.
 */
struct sys_snap {
	long long slab;
};

/*
 * One process's own figures, in bytes, which nothing else disturbs. A
 * channel in shared memory shows up as Pss_Shmem (its memfd pages, shared
 * ones split between the processes mapping them, so the sum over processes
 * counts each page once) and VmPTE (the page tables mapping it); the
 * library's tables show up as RssAnon.
 */
struct proc_snap {
	long long rss, anon, pte, shmem;
	long long maps, fds;	/* lines of /proc/self/maps, entries of /proc/self/fd */
};

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-t stream|seqpacket] [-a path|abstract] [-n CONNS] [-d] [-m BYTES] [-p 1|2]\n"
		"  -n  connections held open at once (default 10000)\n"
		"  -d  one small message each way on every connection when it is made\n"
		"      (default: connections that never carried data)\n"
		"  -m  BYTES each way on every connection (16 KiB messages), then a read\n"
		"      that finds nothing (EAGAIN), as an event loop's last one (-p 1 only)\n"
		"  -p  1: both ends in this process; 2: the client ends in a child\n"
		"      (default: 1 if RLIMIT_NOFILE can hold 2 descriptors per connection)\n",
		prog);
	exit(2);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ SOCK_STREAM, BENCH_ADDR_PATH, 10000, 0, 0, 0 };
	while ((c = getopt(argc, argv, "t:a:n:dm:p:h")) != -1) {
		switch (c) {
		case 't':
			o->type = bench_parse_type(optarg);
			break;
		case 'a':
			o->addr = bench_parse_addr(optarg);
			break;
		case 'n':
			o->conns = bench_parse_size(optarg, 1, 10000000);
			break;
		case 'd':
			o->data = 1;
			break;
		case 'm':
			o->moved = bench_parse_size(optarg, 1, 1L << 34);
			break;
		case 'p':
			o->procs = bench_parse_size(optarg, 1, 2);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || o->type < 0 || o->type == SOCK_DGRAM ||
	    o->addr < 0 || o->addr == BENCH_ADDR_PAIR || o->conns < 0 || o->procs < 0 ||
	    o->moved < 0 || (o->moved && o->procs != 1))
		usage(argv[0]);
}

/*
 * Raises RLIMIT_NOFILE toward @want: the hard limit too if permitted (root
 * with CAP_SYS_RESOURCE, up to fs.nr_open), else the soft one to the hard
 * one. Returns the soft limit reached.
 */
static long long nofile_raise(long want)
{
	struct rlimit rl, up = { want, want };

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (rl.rlim_cur >= (rlim_t)want)
		return rl.rlim_cur;
	if (rl.rlim_max < (rlim_t)want && !setrlimit(RLIMIT_NOFILE, &up))
		return want;
	rl.rlim_cur = rl.rlim_max < (rlim_t)want ? rl.rlim_max : (rlim_t)want;
	if (setrlimit(RLIMIT_NOFILE, &rl) || getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	return rl.rlim_cur;
}

/* Reads "Key:   123 kB" lines from @path into the matching @val, in bytes; returns 0 or -1. */
static int read_kb(const char *path, const char *const *keys, long long *const *val)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int i;

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		for (i = 0; keys[i]; i++) {
			size_t n = strlen(keys[i]);

			if (!strncmp(line, keys[i], n) && line[n] == ':')
				*val[i] = strtoll(line + n + 1, NULL, 10) * 1024;
		}
	fclose(f);
	return 0;
}

static long long count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	long long n = 0;
	int c;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static long long count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long long n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int sys_snap(struct sys_snap *s)
{
	const char *k[] = { "Slab", NULL };
	long long *v[] = { &s->slab };

	memset(s, 0, sizeof(*s));
	return read_kb("/proc/meminfo", k, v);
}

static int proc_snap(struct proc_snap *s)
{
	const char *k[] = { "VmRSS", "RssAnon", "VmPTE", NULL };
	long long *v[] = { &s->rss, &s->anon, &s->pte };
	const char *rk[] = { "Pss_Shmem", NULL };
	long long *rv[] = { &s->shmem };

	memset(s, 0, sizeof(*s));
	if (read_kb("/proc/self/status", k, v) || read_kb("/proc/self/smaps_rollup", rk, rv))
		return -1;
	s->maps = count_lines("/proc/self/maps");
	s->fds = count_fds();
	return s->maps < 0 || s->fds < 0 ? -1 : 0;
}

/*
 * Readies a process for its "before" snapshot: touches its own array (after
 * a fork it would otherwise be copied on first write, during the
 * measurement), grows the descriptor table to its final size (a cost of the
 * process, the same on both paths) and sets up the stdio buffers with a
 * first snapshot. None of that is the connections' memory.
 */
static int settle(int *fds, long n, int spare, long top, struct proc_snap *s)
{
	memset(fds, 0xff, n * sizeof(*fds));
	if (dup2(spare, top) < 0 || close(top))
		return -1;
	return proc_snap(s) || proc_snap(s) ? -1 : 0;
}

static int send_tag(int fd, long tag)
{
	return write(fd, &tag, sizeof(tag)) == sizeof(tag) ? 0 : -1;
}

/*
 * Receives the tag the peer sent. In one process the write has completed
 * before the read starts, so the message must already be there (@wait_ms
 * 0); across processes it may take a moment. Either way a broken
 * connection fails instead of hanging the run.
 */
static int recv_tag(int fd, long tag, int wait_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	long got = ~tag;

	if (wait_ms && poll(&p, 1, wait_ms) != 1)
		return -1;
	if (recv(fd, &got, sizeof(got), MSG_DONTWAIT) != sizeof(got) || got != tag)
		return -1;
	return 0;
}

/* -m: `bytes` from a to b in 16 KiB messages, each read before the next
 * is sent, then a read of b that finds nothing. */
static int carry(int a, int b, long bytes)
{
	static char buf[16384];
	long left;

	for (left = bytes; left > 0; left -= (long)sizeof(buf)) {
		size_t n = left < (long)sizeof(buf) ? (size_t)left : sizeof(buf), got = 0;

		if (write(a, buf, n) != (ssize_t)n)
			return -1;
		while (got < n) {
			ssize_t r = read(b, buf, n - got);

			if (r <= 0)
				return -1;
			got += (size_t)r;
		}
	}
	return recv(b, buf, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN ? 0 : -1;
}

/* Both ends in this process: connect, accept, and with -d one message
 * each way, with -m that many bytes. */
static int open_both(int l, const struct bench_addr *a, const struct opts *o,
		     int *cl, int *srv)
{
	long i;

	for (i = 0; i < o->conns; i++) {
		cl[i] = socket(AF_UNIX, o->type | SOCK_CLOEXEC, 0);
		if (cl[i] < 0 || bench_connect_to(cl[i], a))
			goto err;
		srv[i] = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (srv[i] < 0)
			goto err;
		if (o->data && (send_tag(cl[i], i) || recv_tag(srv[i], i, 0) ||
				send_tag(srv[i], i) || recv_tag(cl[i], i, 0)))
			goto err;
		if (o->moved && (carry(cl[i], srv[i], o->moved) || carry(srv[i], cl[i], o->moved)))
			goto err;
	}
	return 0;
err:
	fprintf(stderr, "idleconns: connection %ld: %s\n", i, strerror(errno));
	return -1;
}

/* A round trip on every connection, both ends here; returns how many worked. */
static long check_both(const struct opts *o, const int *cl, const int *srv)
{
	long i, ok = 0, bad = 0;

	for (i = 0; i < o->conns; i++) {
		if (!send_tag(cl[i], ~i) && !recv_tag(srv[i], ~i, 0) &&
		    !send_tag(srv[i], ~i) && !recv_tag(cl[i], ~i, 0))
			ok++;
		else if (bad++ < 5)
			fprintf(stderr, "idleconns: connection %ld no longer works\n", i);
	}
	return ok;
}

/*
 * One side of every connection when the ends are split between two
 * processes. The client connects (the backlog lets it run ahead of accept)
 * and speaks first, the server answers each in turn, and the client reads
 * the answers only once all are sent: a lock-step round trip per connection
 * would cost two cross-CPU wake-ups each, seconds in all. Returns 0 or -1.
 */
static int open_side(int l, const struct bench_addr *a, const struct opts *o,
		     int *fds, int client)
{
	long i;

	for (i = 0; i < o->conns; i++) {
		if (client) {
			fds[i] = socket(AF_UNIX, o->type | SOCK_CLOEXEC, 0);
			if (fds[i] < 0 || bench_connect_to(fds[i], a) ||
			    (o->data && send_tag(fds[i], i)))
				goto err;
		} else if ((fds[i] = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0 ||
			   (o->data && (recv_tag(fds[i], i, 5000) || send_tag(fds[i], i)))) {
			goto err;
		}
	}
	for (i = 0; client && o->data && i < o->conns; i++)
		if (recv_tag(fds[i], i, 5000))
			goto err;
	return 0;
err:
	fprintf(stderr, "idleconns: %s, connection %ld: %s\n",
		client ? "client" : "server", i, strerror(errno));
	return -1;
}

/*
 * The round trips of check_both() for one side, in the order of
 * open_side(). Returns how many worked; stops at the first failure, as the
 * other side would then wait in vain.
 */
static long check_side(const struct opts *o, const int *fds, int client)
{
	long i;

	for (i = 0; client && i < o->conns; i++)
		if (send_tag(fds[i], ~i))
			break;
	if (client && i < o->conns)
		return i;
	for (i = 0; i < o->conns; i++)
		if (client ? recv_tag(fds[i], ~i, 5000) :
		    recv_tag(fds[i], ~i, 5000) || send_tag(fds[i], ~i)) {
			fprintf(stderr, "idleconns: %s: connection %ld no longer works\n",
				client ? "client" : "server", i);
			break;
		}
	return i;
}

/*
 * The client process: the mirror of run_split() step by step, talking over
 * the pipes @rd and @wr: ready, go, its figures, check, its count.
 */
static int client(int l, const struct bench_addr *a, const struct opts *o,
		  int *cl, int rd, int wr, long top)
{
	struct proc_snap s[2];
	long ok;
	char c;

	close(l);
	if (settle(cl, o->conns, rd, top, &s[0]) || write(wr, "r", 1) != 1 ||
	    read(rd, &c, 1) != 1 || open_side(-1, a, o, cl, 1) || proc_snap(&s[1]) ||
	    write(wr, s, sizeof(s)) != sizeof(s) || read(rd, &c, 1) != 1)
		return 1;
	ok = check_side(o, cl, 1);
	return write(wr, &ok, sizeof(ok)) == sizeof(ok) ? 0 : 1;
}

/* @bytes per connection, rounded so that a tiny negative delta prints as 0, not -0. */
static double per(long long bytes, double n)
{
	return round(bytes / n) + 0.0;
}

/* How many accepted ends were accelerated (the memory measured includes their channels). */
static long count_accel(const int *srv, long n)
{
	long i, k = 0;

	for (i = 0; i < n; i++)
		k += bench_accelerated(srv[i]);
	return k;
}

static void report(const struct opts *o, int procs, const struct sys_snap *sys,
		   const struct proc_snap *p, double setup_us, long accel, long ok)
{
	double n = o->conns;
	long long slab = sys[1].slab - sys[0].slab, shmem = p[1].shmem - p[0].shmem;
	long long pt = p[1].pte - p[0].pte, anon = p[1].anon - p[0].anon;

	/*
	 * The total adds what the connections can own and nothing twice: slab,
	 * page tables, shared and anonymous pages are disjoint (VmRSS, printed
	 * apart, would count shared pages once per process).
	 */
	printf("idleconns type=%s addr=%s conns=%ld data=%d moved=%ld procs=%d bytes_per_conn=%.0f"
	       " slab_b=%.0f shmem_b=%.0f pagetables_b=%.0f anon_b=%.0f rss_b=%.0f"
	       " maps_per_conn=%.2f fds_per_conn=%.2f"
	       " setup_us_per_conn=%.2f accel=%ld ok=%ld\n",
	       bench_type_name(o->type), bench_addr_name(o->addr), o->conns, o->data,
	       o->moved, procs, per(slab + shmem + pt + anon, n), per(slab, n), per(shmem, n),
	       per(pt, n), per(anon, n), per(p[1].rss - p[0].rss, n),
	       (p[1].maps - p[0].maps) / n,
	       (p[1].fds - p[0].fds) / n, setup_us, accel, ok);
}

/* Adds the client process's deltas (@c: before, after) to the server's after-snapshot @p. */
static void add_delta(struct proc_snap *p, const struct proc_snap *c)
{
	p->rss += c[1].rss - c[0].rss;
	p->anon += c[1].anon - c[0].anon;
	p->pte += c[1].pte - c[0].pte;
	p->shmem += c[1].shmem - c[0].shmem;
	p->maps += c[1].maps - c[0].maps;
	p->fds += c[1].fds - c[0].fds;
}

/* Both ends in this process. Returns the exit status. */
static int run_one(int l, const struct bench_addr *a, const struct opts *o,
		   int *cl, int *srv, long top)
{
	struct sys_snap sys[2];
	struct proc_snap p[2];
	uint64_t t0;
	double setup_us;
	long ok, accel;

	memset(cl, 0xff, o->conns * sizeof(*cl));
	if (settle(srv, o->conns, l, top, &p[0]) || sys_snap(&sys[0]))
		return 1;
	t0 = bench_now_ns();
	if (open_both(l, a, o, cl, srv))
		return 1;
	setup_us = (bench_now_ns() - t0) / 1e3 / o->conns;
	if (proc_snap(&p[1]) || sys_snap(&sys[1]))
		return 1;
	accel = count_accel(srv, o->conns);
	ok = check_both(o, cl, srv);
	report(o, 1, sys, p, setup_us, accel, ok);
	return ok != o->conns;
}

/* The client ends in a child process, the accepted ones here. Returns the exit status. */
static int run_split(int l, const struct bench_addr *a, const struct opts *o,
		     int *cl, int *srv, long top)
{
	struct sys_snap sys[2];
	struct proc_snap p[2], c[2];
	int up[2], down[2], bad = 1;
	double setup_us;
	uint64_t t0;
	long ok = -1, cok = -1, accel;
	char r;
	pid_t pid;

	if (pipe(up) || pipe(down))
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		_exit(client(l, a, o, cl, down[0], up[1], top));
	}
	close(up[1]);
	close(down[0]);
	if (settle(srv, o->conns, l, top, &p[0]) || read(up[0], &r, 1) != 1 ||
	    sys_snap(&sys[0]) || write(down[1], "g", 1) != 1)
		goto out;
	t0 = bench_now_ns();
	if (open_side(l, a, o, srv, 0) || read(up[0], c, sizeof(c)) != sizeof(c))
		goto out;
	setup_us = (bench_now_ns() - t0) / 1e3 / o->conns;
	if (proc_snap(&p[1]) || sys_snap(&sys[1]) || write(down[1], "c", 1) != 1)
		goto out;
	add_delta(&p[1], c);
	accel = count_accel(srv, o->conns);
	ok = check_side(o, srv, 0);
	if (read(up[0], &cok, sizeof(cok)) != sizeof(cok))
		goto out;
	report(o, 2, sys, p, setup_us, accel, ok < cok ? ok : cok);
	bad = ok != o->conns || cok != o->conns;
out:
	/*
	 * Closing the pipe ends a client waiting for a step that will not come,
	 * closing the listener one blocked in connect() on a full backlog.
	 */
	close(down[1]);
	close(l);
	return bench_reap(pid, "idleconns client process") || bad;
}

int main(int argc, char **argv)
{
	struct bench_addr a;
	struct opts o;
	long long lim;
	long need;
	int *cl, *srv, l, ret;

	parse_opts(argc, argv, &o);
	/* Room beyond the need, for descriptors the library under test may keep per connection. */
	lim = nofile_raise(4 * o.conns + 1024);
	if (!o.procs)
		o.procs = lim >= 2 * o.conns + 64 ? 1 : 2;
	need = (o.procs == 1 ? 2 : 1) * o.conns + 64;
	if (lim < need) {
		fprintf(stderr, "idleconns: %ld connections need %ld descriptors per process,"
			" RLIMIT_NOFILE allows %lld\n", o.conns, need, lim);
		return 1;
	}
	if (o.procs == 2 && lim < 2 * o.conns + 64)
		fprintf(stderr, "idleconns: RLIMIT_NOFILE %lld cannot hold both ends of %ld"
			" connections; the client ends go to a second process\n", lim, o.conns);
	cl = calloc(o.conns, sizeof(*cl));
	srv = calloc(o.conns, sizeof(*srv));
	if (!cl || !srv || bench_addr_make(&a, o.addr))
		return 1;
	l = bench_bind(o.type, &a);
	if (l < 0) {
		bench_addr_drop(&a);
		return 1;
	}
	ret = o.procs == 1 ? run_one(l, &a, &o, cl, srv, need - 1) :
			     run_split(l, &a, &o, cl, srv, need - 1);
	bench_addr_drop(&a);
	free(cl);
	free(srv);
	return ret;
}
