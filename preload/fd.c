/* SPDX-License-Identifier: MIT */
/* fd.c -- keeps the channel table in step with close, dup and fcntl, and udsx's own fds out of the program's reach.
 *
 * Memory-ordering contract: the only shared word written here is the
 * per-end O_NONBLOCK cache, a single atomic store; see shm.h.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include "preload.h"

/* One of udsx's own descriptors, which the program must find not open
 * (privfd.c): its calls on it fail as the kernel's would. */
static int not_open(void)
{
	errno = EBADF;
	return -1;
}

EXPORT int close(int fd)
{
	UDSX_END(e);
	bool gone = false;
	int r;

	if (udsx_priv_is(fd))
		return not_open();
	if (udsx_lookup(fd, &e)) {
		udsx_end_released(fd, &e);
		/* the socket goes first, the number stays taken until udsx has
		 * forgotten it: a racing call gets EBADF, never the kernel
		 * socket's doorbells (privfd.c) */
		gone = udsx_priv_placeholder_over(fd) == 0;
		udsx_table_clear(fd);
	}
	udsx_cand_drop(fd);
	udsx_epoll_forget(fd);
	r = udsx_real.close(fd);
	return gone ? 0 : r;	/* (the socket itself went at the dup3) */
}

EXPORT int close_range(unsigned int lo, unsigned int hi, int flags)
{
	unsigned int fd;
	UDSX_END(e);

	/* Ends in the range are released first, exactly as close() releases
	 * them (ring residue handed to the kernel, the peer's pending error);
	 * only for a call the kernel will carry out, and not for
	 * CLOSE_RANGE_CLOEXEC, which closes nothing now. */
	if (udsx_on && lo <= hi && !(flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) &&
	    !(flags & CLOSE_RANGE_CLOEXEC))
		for (fd = lo; fd <= hi && fd < 65536; fd++) {
			if (udsx_lookup((int)fd, &e)) {
				udsx_end_released((int)fd, &e);
				udsx_table_clear((int)fd);
			}
			udsx_cand_drop((int)fd);
			udsx_epoll_forget((int)fd);
		}
	return udsx_priv_close_range(lo, hi, flags);
}

/* glibc's closefrom() calls the close_range system call directly, past the
 * wrapper above, and would close udsx's own descriptors. Its fallback (a
 * walk of /proc/self/fd) only for a kernel without close_range. */
EXPORT void closefrom(int lo)
{
	static void (*real)(int);

	if (!real)
		real = (void (*)(int))udsx_dlnext("closefrom");
	if (lo < 0 || close_range((unsigned int)lo, ~0u, 0) < 0)
		real(lo);
}

/* The new fd shares the old one's channel end, `e` as looked up (and held)
 * before the dup: held across it, the channel cannot go and its struct be
 * reused for another (chan.c) between the kernel's dup and ours. A
 * connection still being negotiated stays with the kernel instead (one fd
 * per candidate). */
static void dup_done(int fd, int nfd, const struct udsx_end *e)
{
	udsx_table_dup(fd, nfd, e->ch ? e : NULL);
	udsx_cand_drop(nfd);
	udsx_cand_plain(fd);
	if (nfd >= 0 && nfd <= 2)
		udsx_stdio_fd(nfd);
}

/*
 * glibc's stdio reads and writes through internal entry points no wrapper
 * sees: a channel end that stdio may use (fds 0-2, whose FILEs exist from
 * the start, and any fd given to fdopen) must be plain kernel first, its
 * ring moved into the kernel and its doorbells retired.
 */
void udsx_stdio_fd(int fd)
{
	UDSX_END(e);

	if (udsx_lookup(fd, &e))
		udsx_leave_kernel_only(fd, &e);
	udsx_cand_plain(fd);
}

EXPORT FILE *fdopen(int fd, const char *mode)
{
	static FILE *(*real)(int, const char *);

	if (!real)
		real = (FILE *(*)(int, const char *))udsx_dlnext("fdopen");
	if (udsx_on)
		udsx_stdio_fd(fd);
	return real(fd, mode);
}

EXPORT int dup(int fd)
{
	UDSX_END(e);
	int r;

	if (udsx_priv_is(fd))
		return not_open();
	udsx_lookup(fd, &e);
	r = udsx_real.dup(fd);
	if (r >= 0 && udsx_on) {
		r = udsx_priv_lowest(0, r, false);
		dup_done(fd, r, &e);
	}
	return r;
}

/* An fd of ours as the source is "not open": -1 gets the kernel's own
 * error, in its order (dup3's flag and same-fd checks come first). One as
 * the target moves out of the way first. */
EXPORT int dup2(int fd, int nfd)
{
	UDSX_END(e);
	int r;

	if (udsx_priv_is(fd))
		fd = -1;
	else
		udsx_priv_evict(nfd);
	if (fd != nfd)
		udsx_lookup(fd, &e);
	r = udsx_real.dup2(fd, nfd);
	if (r >= 0 && udsx_on && fd != nfd)
		dup_done(fd, r, &e);
	return r;
}

EXPORT int dup3(int fd, int nfd, int flags)
{
	UDSX_END(e);
	int r;

	if (udsx_priv_is(fd) && fd != nfd)
		fd = -1;
	else if (fd != nfd)
		udsx_priv_evict(nfd);
	udsx_lookup(fd, &e);
	r = udsx_real.dup3(fd, nfd, flags);
	if (r >= 0 && udsx_on)
		dup_done(fd, r, &e);
	return r;
}

static int do_fcntl(int fd, int cmd, long arg)
{
	UDSX_END(e);
	int r;

	if (udsx_priv_is(fd))
		return not_open();
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		udsx_lookup(fd, &e);
	r = udsx_real.fcntl(fd, cmd, arg);
	if (r < 0 || !udsx_on)
		return r;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		r = udsx_priv_lowest((int)arg, r, cmd == F_DUPFD_CLOEXEC);
		dup_done(fd, r, &e);
		break;
	case F_SETFL:
		/* O_NONBLOCK belongs to the open file, shared by every holder */
		if (udsx_lookup(fd, &e))
			atomic_store(&e.ch->h->end[e.side].nonblock, (arg & O_NONBLOCK) != 0);
		break;
	}
	return r;
}

EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}
