/* SPDX-License-Identifier: MIT */
/* config.c -- reads the UDSX_* environment once; bad values fall back to defaults silently. */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"

struct udsx_config udsx_cfg = {
	.spin_us = 50,
	.ring_size = 1u << 20,
	.mem_max = 1024ul << 20,
	.ncpu = 1,
};

/* Strict decimal parse into [lo, hi]. Returns 0 or -EINVAL. */
int udsx_parse_uint(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static long env_num(const char *name, long lo, long hi, long def)
{
	long v;

	if (udsx_parse_uint(getenv(name), lo, hi, &v) < 0)
		return def;
	return v;
}

static bool env_flag(const char *name)
{
	const char *s = getenv(name);

	return s && !strcmp(s, "1");
}

void udsx_config_load(void)
{
	long kb;

	udsx_cfg.disable = env_flag("UDSX_DISABLE");
	udsx_cfg.debug = env_flag("UDSX_DEBUG");
	udsx_cfg.ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (udsx_cfg.ncpu < 1)
		udsx_cfg.ncpu = 1;
	/* Spinning on one CPU only delays the peer we are waiting for. */
	udsx_cfg.spin_us = (int)env_num("UDSX_SPIN_US", 0, 1000000, udsx_cfg.ncpu > 1 ? 50 : 0);
	if (udsx_cfg.ncpu < 2)
		udsx_cfg.spin_us = 0;
	kb = env_num("UDSX_RING_KB", 64, 65536, 1024);
	/* round down to a power of two */
	while (kb & (kb - 1))
		kb &= kb - 1;
	udsx_cfg.ring_size = (size_t)kb << 10;
	udsx_cfg.mem_max = (size_t)env_num("UDSX_MEM_MAX_MB", 0, 1 << 20, 1024) << 20;
}

void udsx_dbg(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (!udsx_cfg.debug)
		return;
	n = snprintf(buf, sizeof(buf), "udsx[%d]: ", udsx_pid());
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(2, buf, n) < 0)
		return;
}

/* getpid() is a system call; the pid only changes at fork (reset there). */
static _Atomic int cached_pid;

int udsx_pid(void)
{
	int p = atomic_load_explicit(&cached_pid, memory_order_relaxed);

	if (!p) {
		p = (int)getpid();
		atomic_store_explicit(&cached_pid, p, memory_order_relaxed);
	}
	return p;
}

void udsx_pid_reset(void)
{
	atomic_store(&cached_pid, 0);
}

/* New sockets start with SO_SNDBUF = net.core.wmem_default (sock_init_data),
 * read once instead of asking every new socket. 0 if unknown. */
int udsx_default_sndbuf(void)
{
	static _Atomic int v = -1;
	int x = atomic_load(&v), fd;
	char buf[32];
	ssize_t n;
	long l;

	if (x >= 0)
		return x;
	x = 0;
	fd = open("/proc/sys/net/core/wmem_default", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* (the real calls: a number left in the table by a close we
		 * never saw must not serve our own read from a ring) */
		n = udsx_real.read(fd, buf, sizeof(buf) - 1);
		udsx_real.close(fd);
		if (n > 0) {
			buf[n] = 0;
			buf[strcspn(buf, "\n")] = 0;
			if (udsx_parse_uint(buf, 2304, 1L << 30, &l) == 0)
				x = (int)l;
		}
	}
	atomic_store(&v, x);
	return x;
}

/*
 * Where udsx keeps descriptors of its own (memfds kept for exec, the side
 * socket, the life page): `below` under this top, far from the low numbers
 * a program counts on. The top is the soft RLIMIT_NOFILE, but no more than
 * UDSX_FD_TOP: the kernel sizes a process's descriptor table to its
 * highest descriptor, copies the whole table at every fork and walks it
 * for every look at /proc/PID/fd, so a descriptor near a limit of 2^20
 * (common in containers) made each of those cost a table of a million
 * slots. Returns F_DUPFD_CLOEXEC's copy of fd at or above that place (fd
 * itself is closed), or -1 (fd left open) if the limit leaves no room.
 */
#define UDSX_FD_TOP 4096
static long fd_top(bool fresh)
{
	static _Atomic long cached;	/* (a system call less per channel) */
	struct rlimit rl;
	long top = fresh ? 0 : atomic_load(&cached);

	if (top)
		return top;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	top = rl.rlim_cur < UDSX_FD_TOP ? (long)rl.rlim_cur : UDSX_FD_TOP;
	atomic_store(&cached, top);
	return top;
}

/* As udsx_fd_high, but fd stays open (the copy may be -1). */
int udsx_fd_dup_high(int fd, int below)
{
	long top = fd_top(false);
	int k;

	if (top < 4 * UDSX_KEEP_MAX)
		return -1;
	k = udsx_real.fcntl(fd, F_DUPFD_CLOEXEC, (int)(top - below));
	if (k < 0 && errno == EINVAL) {
		/* the program lowered its limit since we looked */
		top = fd_top(true);
		if (top < 4 * UDSX_KEEP_MAX)
			return -1;
		k = udsx_real.fcntl(fd, F_DUPFD_CLOEXEC, (int)(top - below));
	}
	return k;
}

int udsx_fd_high(int fd, int below)
{
	int k = udsx_fd_dup_high(fd, below);

	if (k >= 0)
		udsx_real.close(fd);
	return k;
}
