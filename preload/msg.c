/* SPDX-License-Identifier: MIT */
/* msg.c -- sendmsg/recvmsg and the multi-message calls. */
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "preload.h"

/* fds about to be passed by SCM_RIGHTS may reach a program without udsx:
 * their channels go back to the kernel path first. */
static void release_passed_fds(const struct msghdr *m)
{
	struct cmsghdr *c;
	UDSX_END(e);

	if (!m->msg_control || m->msg_controllen < sizeof(struct cmsghdr))
		return;
	for (c = CMSG_FIRSTHDR((struct msghdr *)m); c; c = CMSG_NXTHDR((struct msghdr *)m, c)) {
		size_t n, i;
		int fd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			udsx_cand_plain(fd);
			if (udsx_lookup(fd, &e))
				udsx_leave_kernel_only(fd, &e);
		}
	}
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	UDSX_END(e);

	if (udsx_lookup_data(fd, &e) && m) {
		ssize_t r;

		if (!m->msg_namelen && !m->msg_controllen && m->msg_iovlen <= 1024) {
			r = udsx_do_send(fd, &e, m->msg_iov, (int)m->msg_iovlen, flags);
			if (r != UDSX_PASS)
				return udsx_ret(r);
		} else {
			/* ancillary data or an address: the kernel carries it,
			 * after the ring so that order is kept */
			release_passed_fds(m);
			udsx_revert_dir(fd, e.ch, e.side, fd);
		}
	}
	if (udsx_priv_is(fd))
		return not_open_io();
	return udsx_real.sendmsg(fd, m, flags);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	UDSX_END(e);

	if (udsx_lookup_data(fd, &e) && m && m->msg_iovlen <= 1024) {
		int of = 0;
		ssize_t r = udsx_do_recv(fd, &e, m->msg_iov, (int)m->msg_iovlen, flags, &of,
					 m->msg_control && m->msg_controllen);

		if (r != UDSX_PASS) {
			if (r >= 0) {
				/* the ring holds no ancillary data */
				if (m->msg_name)
					udsx_peer_name(&e, m->msg_name, &m->msg_namelen);
				m->msg_controllen = 0;
				m->msg_flags = of | (flags & MSG_CMSG_CLOEXEC);
			}
			return udsx_ret(r);
		}
	}
	if (udsx_priv_is(fd))
		return not_open_io();
	return udsx_real.recvmsg(fd, m, flags);
}

EXPORT int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	UDSX_END(e);
	unsigned int i;
	ssize_t r;

	if (!udsx_lookup_data(fd, &e))
		return udsx_priv_is(fd) ? not_open_io() : udsx_real.sendmmsg(fd, v, n, flags);
	if (n > 1024)
		n = 1024;	/* UIO_MAXIOV, as the kernel clamps */
	for (i = 0; i < n; i++) {
		r = sendmsg(fd, &v[i].msg_hdr, flags);
		if (r < 0)
			return i ? (int)i : -1;
		v[i].msg_len = (unsigned int)r;
	}
	return (int)i;
}

static int64_t ns_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *tmo)
{
	UDSX_END(e);
	int64_t end = 0;
	unsigned int i;
	ssize_t r;

	if (!udsx_lookup_data(fd, &e))
		return udsx_priv_is(fd) ? not_open_io() : udsx_real.recvmmsg(fd, v, n, flags, tmo);
	if (tmo) {
		if (tmo->tv_sec < 0 || tmo->tv_nsec < 0 || tmo->tv_nsec >= 1000000000)
			return (int)udsx_ret(-EINVAL);
		end = ns_now() + tmo->tv_sec * 1000000000 + tmo->tv_nsec;
	}
	if (n > 1024)
		n = 1024;
	for (i = 0; i < n; i++) {
		r = recvmsg(fd, &v[i].msg_hdr, flags & ~MSG_WAITFORONE);
		if (r < 0)
			return i ? (int)i : -1;
		v[i].msg_len = (unsigned int)r;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		/* like the kernel, the timeout is only looked at between messages */
		if (tmo && ns_now() >= end) {
			i++;
			break;
		}
	}
	return (int)i;
}
