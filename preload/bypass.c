/* SPDX-License-Identifier: MIT */
/* bypass.c -- calls the ring cannot serve exactly (edge-triggered epoll, splice, sendfile, preadv2/pwritev2): the socket goes to the kernel path first.
 *
 * Memory-ordering contract: nothing here touches shared memory directly;
 * the revert (revert.c) does, under the direction locks. The per-fd marks
 * below are process-local and advisory: a stale mark only sends a socket to
 * the kernel path that could have stayed accelerated.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>
#include "preload.h"

/*
 * Edge-triggered epoll counts wake-ups, not states: the kernel raises an
 * edge for every segment that arrives (each sk_data_ready), even on a
 * queue that is not empty, and an EPOLLOUT edge at every read past the
 * writer's quarter mark. The ring raises one doorbell per empty ring, so a
 * reader that read part and waits for the next edge would wait for ever
 * where the kernel wakes it. A socket watched edge-triggered therefore
 * goes back to the kernel path, whole (both directions), before the watch
 * starts: from then on the kernel makes every edge itself. The same holds
 * for an epoll set that is itself watched edge-triggered from an outer
 * set (each wake-up of the inner set is an edge of the outer one), so such
 * a set, and every socket in it, is marked too.
 */
#define EP_MAX 65536
#define EP_NEST_MAX 5	/* the kernel's EP_MAX_NESTS is 4 */

static _Atomic unsigned char ep_kind[EP_MAX];	/* per fd: */
#define EP_IS_EPOLL 1	/* created by epoll_create here */
#define EP_EDGE 2	/* watched edge-triggered, directly or from above */
#define EP_OURS 4	/* a channel end (or candidate) was added to it */
#define EP_ET_EARLY 8	/* a socket watched edge-triggered before it was
			 * connected (nginx adds its upstream sockets so, then
			 * connects): connect() leaves it with the kernel */
/* per epoll set marked EP_OURS: the last such fd added (pollwait.c) */
static _Atomic int ep_hint[EP_MAX];

static void edge_watched(int fd, int depth);

/* Every fd registered in epoll set `ep`, from the kernel's own list. */
static void epoll_members_to_kernel(int ep, int depth)
{
	char path[64], buf[4096], *p;
	ssize_t n;
	size_t have = 0;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ep);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return;
	/* whole lines per pass; a partial last line carries over to the next */
	while ((n = udsx_real.read(f, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *end, *nl;

		have += (size_t)n;
		buf[have] = 0;
		for (p = buf; (nl = strchr(p, '\n')); p = nl + 1) {
			long tfd;

			if (strncmp(p, "tfd:", 4))
				continue;
			tfd = strtol(p + 4, &end, 10);
			if (end != p + 4 && tfd >= 0 && tfd != ep)
				edge_watched((int)tfd, depth + 1);
		}
		have = strlen(p);
		memmove(buf, p, have);
		if (have >= sizeof(buf) - 1)
			have = 0;	/* no line is this long; drop it */
	}
	udsx_real.close(f);
}

/* The socket leaves the ring: everything queued either way goes into the
 * kernel and no doorbell is left standing, so from here on the kernel
 * alone decides what the socket's readers and watchers see. */
static void to_kernel(int fd)
{
	UDSX_END(e);

	if (!udsx_on)
		return;
	if (udsx_lookup(fd, &e))
		udsx_leave_kernel_only(fd, &e);
	else if (udsx_cand_any(fd))
		udsx_cand_plain(fd);
	else if (fd < EP_MAX)
		atomic_fetch_or(&ep_kind[fd], EP_ET_EARLY);
}

/* May connect() make fd a candidate? Not if it is watched edge-triggered. */
bool udsx_edge_early(int fd)
{
	return fd >= 0 && fd < EP_MAX &&
	       (atomic_load_explicit(&ep_kind[fd], memory_order_relaxed) & EP_ET_EARLY);
}

/* fd was closed: what we knew of the number goes with it. */
void udsx_epoll_forget(int fd)
{
	if (fd >= 0 && fd < EP_MAX && atomic_load_explicit(&ep_kind[fd], memory_order_relaxed))
		atomic_store(&ep_kind[fd], 0);
}

/* fd is (about to be) watched edge-triggered: a socket leaves the ring, an
 * epoll set passes the mark on to everything in it, now and later. */
static void edge_watched(int fd, int depth)
{
	if (fd < 0 || depth > EP_NEST_MAX)
		return;
	to_kernel(fd);
	if (fd < EP_MAX && (atomic_load(&ep_kind[fd]) & EP_IS_EPOLL) &&
	    !(atomic_fetch_or(&ep_kind[fd], EP_EDGE) & EP_EDGE))
		epoll_members_to_kernel(fd, depth);
}

static int epoll_created(int r)
{
	if (r >= 0 && r < EP_MAX)
		atomic_store(&ep_kind[r], EP_IS_EPOLL);
	return r;
}

EXPORT int epoll_create(int size)
{
	static int (*real)(int);

	if (!real)
		real = (int (*)(int))udsx_dlnext("epoll_create");
	return epoll_created(real(size));
}

EXPORT int epoll_create1(int flags)
{
	static int (*real)(int);

	if (!real)
		real = (int (*)(int))udsx_dlnext("epoll_create1");
	return epoll_created(real(flags));
}

/*
 * A connected (or connecting) AF_UNIX socket that udsx does not follow: one
 * received by SCM_RIGHTS, inherited from a program without udsx, or sent
 * to the kernel path. Its data goes through the kernel, but a wait for it
 * gains from the spin just the same (pollwait.c: the sleep, not the copy,
 * is an event loop's cost). Asked only while the set is not marked yet:
 * three system calls per socket added.
 */
static bool unix_conn(int fd)
{
	int v = 1;
	socklen_t l = sizeof(v);

	return udsx_unix_type(fd, false) &&
	       udsx_real.getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) == 0 && !v;
}

/* Has epoll set `ep` been given a channel end to watch? The last one
 * added, or -1 (pollwait.c spins only for such sets). */
int udsx_epoll_hint(int ep)
{
	if (ep < 0 || ep >= EP_MAX || !(atomic_load_explicit(&ep_kind[ep], memory_order_relaxed) & EP_OURS))
		return -1;
	return atomic_load_explicit(&ep_hint[ep], memory_order_relaxed);
}

/* The events whose edges follow the data. A watch with EPOLLET and none of
 * them (dbus-daemon adds every connection so, disabled, and makes it
 * level-triggered later) reports only hang-ups and errors, which the
 * kernel socket shows as it would without udsx: the ring can stay. A MOD
 * that adds one of them comes through here again. */
#define EP_DATA_EVENTS (EPOLLIN | EPOLLRDNORM | EPOLLRDBAND | EPOLLPRI | EPOLLOUT | \
			EPOLLWRNORM | EPOLLWRBAND)

EXPORT int epoll_ctl(int ep, int op, int fd, struct epoll_event *ev)
{
	static int (*real)(int, int, int, struct epoll_event *);
	struct epoll_event e;
	int r, saved;

	if (!real)
		real = (int (*)(int, int, int, struct epoll_event *))udsx_dlnext("epoll_ctl");
	/* (the event is read as the kernel reads it, first: a bad pointer is
	 * its EFAULT, whatever the descriptors) */
	if (!udsx_on || ((op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) &&
			 (!ev || !udsx_fetch(&e, ev, sizeof(e)))))
		return real(ep, op, fd, ev);
	/* udsx's own descriptors (privfd.c) are not open: EBADF, the kernel's
	 * next check */
	if (udsx_priv_is(ep) || udsx_priv_is(fd)) {
		errno = EBADF;
		return -1;
	}
	if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD)
		return real(ep, op, fd, ev);
	if (((e.events & EPOLLET) && (e.events & EP_DATA_EVENTS)) ||
	    (ep >= 0 && ep < EP_MAX && (atomic_load(&ep_kind[ep]) & EP_EDGE)))
		edge_watched(fd, 0);
	r = real(ep, op, fd, ev);
	saved = errno;
	/* (a nested set that watches one of ours counts as one of ours) */
	if (r == 0 && ep >= 0 && ep < EP_MAX &&
	    (udsx_table_raw(fd) || udsx_cand_any(fd) ||
	     (fd >= 0 && fd < EP_MAX && (atomic_load(&ep_kind[fd]) & EP_OURS)) ||
	     (op == EPOLL_CTL_ADD && !(atomic_load(&ep_kind[ep]) & EP_OURS) && unix_conn(fd)))) {
		atomic_store_explicit(&ep_hint[ep], fd, memory_order_relaxed);
		atomic_fetch_or(&ep_kind[ep], EP_OURS);
	}
	errno = saved;	/* (unix_conn's look at a pipe fails with ENOTSOCK) */
	return r;
}

/*
 * splice and sendfile move data inside the kernel, and preadv2/pwritev2
 * (at offset -1, the socket's "current position") read and write it like
 * readv/writev without passing through any wrapper of ours: the socket's
 * ring residue goes into the kernel and its doorbells are retired first.
 */
EXPORT ssize_t splice(int in, loff_t *inoff, int out, loff_t *outoff, size_t len, unsigned flags)
{
	static ssize_t (*real)(int, loff_t *, int, loff_t *, size_t, unsigned);

	if (!real)
		real = (ssize_t (*)(int, loff_t *, int, loff_t *, size_t, unsigned))udsx_dlnext("splice");
	to_kernel(in);
	to_kernel(out);
	return real(in, inoff, out, outoff, len, flags);
}

#define SENDFILE(name, off_type)								\
EXPORT ssize_t name(int out, int in, off_type *off, size_t count)				\
{												\
	static ssize_t (*real)(int, int, off_type *, size_t);					\
												\
	if (!real)										\
		real = (ssize_t (*)(int, int, off_type *, size_t))udsx_dlnext(#name);		\
	to_kernel(out);									\
	to_kernel(in);									\
	return real(out, in, off, count);							\
}
SENDFILE(sendfile, off_t)
SENDFILE(sendfile64, off64_t)

#define RWV2(name, off_type)									\
EXPORT ssize_t name(int fd, const struct iovec *iov, int cnt, off_type off, int flags)		\
{												\
	static ssize_t (*real)(int, const struct iovec *, int, off_type, int);			\
												\
	if (!real)										\
		real = (ssize_t (*)(int, const struct iovec *, int, off_type, int))udsx_dlnext(#name); \
	if (off == -1)										\
		to_kernel(fd);								\
	return real(fd, iov, cnt, off, flags);							\
}
RWV2(preadv2, off_t)
RWV2(pwritev2, off_t)
RWV2(preadv64v2, off64_t)
RWV2(pwritev64v2, off64_t)
