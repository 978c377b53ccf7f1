/* SPDX-License-Identifier: MIT */
/* msg.c -- sendmsg/recvmsg and the multi-message calls. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "preload.h"

/* fds about to be passed by SCM_RIGHTS may reach a program without udsx:
 * their channels go back to the kernel path first. `ctl` is our copy of
 * the program's control buffer. */
static void release_passed_fds(void *ctl, size_t len)
{
	struct msghdr m = { .msg_control = ctl, .msg_controllen = len };
	struct cmsghdr *c;
	UDSX_END(e);

	if (len < sizeof(struct cmsghdr))
		return;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		size_t n, i;
		int fd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0) || c->cmsg_len > len)
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

/* The kernel's limit on a control buffer (net.core.optmem_max is far
 * below it): a larger one is its error to report, with nothing sent. */
#define CTL_MAX (1u << 20)

/*
 * Every header, vector and control buffer is read as the kernel reads
 * it, into our own copies (udsx_fetch): a pointer the kernel would fault
 * on sends the call to the kernel, which says EFAULT having sent or taken
 * nothing, instead of crashing here.
 */
EXPORT ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	UDSX_END(e);
	struct msghdr h;

	if (udsx_lookup_data(fd, &e) && m && udsx_fetch(&h, m, sizeof(h))) {
		ssize_t r;

		if (!h.msg_namelen && !h.msg_controllen && h.msg_iovlen <= 1024) {
			r = udsx_do_sendv(fd, &e, h.msg_iov, (int)h.msg_iovlen, flags, false);
			if (r != UDSX_PASS)
				return udsx_ret(r);
		} else {
			/* ancillary data or an address: the kernel carries it,
			 * after the ring so that order is kept */
			void *ctl = NULL;

			if (h.msg_control && h.msg_controllen && h.msg_controllen <= CTL_MAX) {
				ctl = malloc(h.msg_controllen);
				if (!ctl)
					return udsx_ret(-ENOMEM);
				if (!udsx_fetch(ctl, h.msg_control, h.msg_controllen)) {
					free(ctl);
					return udsx_real.sendmsg(fd, m, flags);	/* EFAULT */
				}
				release_passed_fds(ctl, h.msg_controllen);
				free(ctl);
			}
			udsx_revert_dir(fd, e.ch, e.side, fd);
		}
	}
	if (udsx_priv_is(fd))
		return not_open_io();
	return udsx_real.sendmsg(fd, m, flags);
}

/* What the kernel writes back into the program's header after taking a
 * message from the ring (no ancillary data there): the sender's address,
 * msg_flags, msg_controllen. A write that faults is EFAULT, the message
 * taken, as there. */
static ssize_t recvmsg_done(struct udsx_end *e, struct msghdr *m, const struct msghdr *h,
			    ssize_t r, int of)
{
	size_t zero = 0;
	int err;

	if (h->msg_name) {
		err = udsx_peer_name(e, h->msg_name, &m->msg_namelen);
		if (err < 0)
			return err;
	}
	if (!udsx_store(&m->msg_flags, &of, sizeof(of)) ||
	    !udsx_store(&m->msg_controllen, &zero, sizeof(zero)))
		return -EFAULT;
	return r;
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	UDSX_END(e);
	struct msghdr h;

	/* (a negative name length is the kernel's EINVAL, before it takes) */
	if (udsx_lookup_data(fd, &e) && m && udsx_fetch(&h, m, sizeof(h)) &&
	    h.msg_iovlen <= 1024 && !(h.msg_name && (int)h.msg_namelen < 0)) {
		int of = 0;
		ssize_t r = udsx_do_recvv(fd, &e, h.msg_iov, (int)h.msg_iovlen, flags, &of,
					  h.msg_control && h.msg_controllen, false);

		if (r != UDSX_PASS) {
			if (r >= 0)
				r = recvmsg_done(&e, m, &h, r, of | (flags & MSG_CMSG_CLOEXEC));
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
		unsigned int len;

		r = sendmsg(fd, &v[i].msg_hdr, flags);
		if (r < 0)
			return i ? (int)i : -1;
		/* (a length the kernel cannot write ends the run there, that
		 * message sent, as in its sendmmsg) */
		len = (unsigned int)r;
		if (!udsx_store(&v[i].msg_len, &len, sizeof(len)))
			return i ? (int)i : (int)udsx_ret(-EFAULT);
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
		struct timespec t;

		if (!udsx_fetch(&t, tmo, sizeof(t)))
			return (int)udsx_ret(-EFAULT);
		if (t.tv_sec < 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000)
			return (int)udsx_ret(-EINVAL);
		end = ns_now() + t.tv_sec * 1000000000 + t.tv_nsec;
	}
	if (n > 1024)
		n = 1024;
	for (i = 0; i < n; i++) {
		unsigned int len;

		r = recvmsg(fd, &v[i].msg_hdr, flags & ~MSG_WAITFORONE);
		if (r < 0)
			return i ? (int)i : -1;
		len = (unsigned int)r;
		if (!udsx_store(&v[i].msg_len, &len, sizeof(len)))
			return i ? (int)i : (int)udsx_ret(-EFAULT);
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
