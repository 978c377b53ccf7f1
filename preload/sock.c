/* SPDX-License-Identifier: MIT */
/* sock.c -- socketpair, socket options, shutdown, bind/connect and ioctls on channel ends.
 *
 * Memory-ordering contract: touches only per-end settings (sndbuf, rcvlowat,
 * nonblock, pinned) and per-direction flags in shared memory, each a single
 * atomic word written whole; ring state goes through src/ (see shm.h).
 */
#include <linux/sockios.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "preload.h"

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83
#endif
#ifndef SO_INQ
#define SO_INQ 84
#endif

EXPORT int socketpair(int domain, int type, int proto, int sv[2])
{
	int r;

	if (!udsx_real.socketpair)
		udsx_init();
	r = udsx_real.socketpair(domain, type, proto, sv);
	if (r == 0 && udsx_on && domain == AF_UNIX)
		udsx_chan_create_pair(type, sv);
	return r;
}

/* Options whose effect the ring does not reproduce: the end goes back to the
 * kernel path before the option takes effect. */
static bool kernel_only_option(int level, int name)
{
	if (level != SOL_SOCKET)
		return false;
	switch (name) {
	case SO_PASSCRED: case SO_PASSPIDFD: case SO_PASSSEC: case SO_PEEK_OFF:
	case SO_TIMESTAMP_OLD: case SO_TIMESTAMPNS_OLD: case SO_TIMESTAMP_NEW:
	case SO_TIMESTAMPNS_NEW: case SO_TIMESTAMPING_OLD: case SO_TIMESTAMPING_NEW:
	case SO_ATTACH_FILTER: case SO_ATTACH_BPF: case SO_PASSRIGHTS: case SO_INQ:
	case SO_RXQ_OVFL: case SO_OOBINLINE:
		return true;
	}
	return false;
}

EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	UDSX_END(e);
	int r, v;
	socklen_t l = sizeof(v);

	if (!udsx_lookup(fd, &e)) {
		if (kernel_only_option(level, name))
			udsx_cand_plain(fd);
		return udsx_real.setsockopt(fd, level, name, val, len);
	}
	if (kernel_only_option(level, name))
		udsx_revert_end(fd, &e, 0);
	r = udsx_real.setsockopt(fd, level, name, val, len);
	if (r < 0 || level != SOL_SOCKET)
		return r;
	if ((name == SO_SNDBUF || name == SO_SNDBUFFORCE) &&
	    udsx_real.getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &l) == 0) {
		struct udsx_endstate *es = &e.ch->h->end[e.side];
		uint32_t bump = atomic_load(&es->bump);

		atomic_store(&es->sndbuf, (uint32_t)v);
		if ((uint64_t)v + 2 * 65536 > e.ch->ring_size / 2) {
			/* more than the ring can hold: this end sends through
			 * the kernel (the revert restores the real buffer) */
			atomic_store(&es->pinned, 1);
			udsx_revert_dir(fd, e.ch, e.side, fd);
		} else if (!udsx_ring_closed(e.ch, e.side) && udsx_gate_is_open(e.ch, e.side)) {
			udsx_pin_sndbuf(fd, e.ch, e.side);
		} else if (bump) {
			udsx_set_real_sndbuf(fd, (uint32_t)v + bump * UDSX_BELL_TRUESIZE);
		}
	}
	if (name == SO_RCVLOWAT && udsx_real.getsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &v, &l) == 0)
		atomic_store(&e.ch->h->end[e.side].rcvlowat, (uint32_t)v);
	return r;
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	UDSX_END(e);
	int r = udsx_real.getsockopt(fd, level, name, val, len);

	/* the real buffer may be widened for doorbells; report the emulated size */
	if (r == 0 && level == SOL_SOCKET && name == SO_SNDBUF && val && len &&
	    *len >= sizeof(int) && udsx_lookup(fd, &e)) {
		int v = (int)atomic_load(&e.ch->h->end[e.side].sndbuf);

		*(int *)val = v;
	}
	return r;
}

EXPORT int shutdown(int fd, int how)
{
	UDSX_END(e);
	int r;

	/* SHUT_WR: what the ring still holds for the peer goes into the
	 * kernel while the kernel still takes it (revert.c) */
	if (udsx_lookup(fd, &e))
		udsx_shutdown_prepare(fd, &e, how);
	r = udsx_real.shutdown(fd, how);

	if (r == 0)
		udsx_cand_plain(fd);
	if (r == 0 && udsx_lookup(fd, &e)) {
		/* From here on the kernel decides every send in the shut
		 * direction (EPIPE, SIGPIPE); reads drain the ring first. */
		if (how == SHUT_WR || how == SHUT_RDWR)
			atomic_fetch_or(&e.ch->h->dir[e.side].flags, DIR_WR_SHUT);
		if (how == SHUT_RD || how == SHUT_RDWR) {
			atomic_fetch_or(&e.ch->h->dir[1 - e.side].flags, DIR_RD_SHUT);
			/* a sender blocked for room wakes on its POLLOUT (path.c):
			 * the kernel wakes it here too */
			udsx_ballast_wake(fd, e.ch, 1 - e.side);
		}
	}
	return r;
}

/* A pair end given an address or a new peer is no longer the pair udsx set up. */
EXPORT int bind(int fd, const struct sockaddr *a, socklen_t l)
{
	UDSX_END(e);

	if (!udsx_real.bind)
		udsx_init();
	if (udsx_lookup(fd, &e))
		udsx_revert_end(fd, &e, 0);
	return udsx_real.bind(fd, a, l);
}

/* Type of an AF_UNIX STREAM/SEQPACKET/DGRAM socket, or 0. (`unix_known`: the
 * caller knows the family already, e.g. from a successful connect to an
 * AF_UNIX address.) */
int udsx_unix_type(int fd, bool unix_known)
{
	int v = 0;
	socklen_t l = sizeof(v);

	if (udsx_real.getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l) < 0 ||
	    (v != SOCK_STREAM && v != SOCK_SEQPACKET && v != SOCK_DGRAM))
		return 0;
	if (!unix_known) {
		int dom = 0;

		l = sizeof(dom);
		if (udsx_real.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) < 0 || dom != AF_UNIX)
			return 0;
	}
	return v;
}

EXPORT int connect(int fd, const struct sockaddr *a, socklen_t l)
{
	UDSX_END(e);
	int r, t = 0, err = errno;

	if (!udsx_real.connect)
		udsx_init();
	if (udsx_lookup(fd, &e))
		udsx_revert_end(fd, &e, 0);
	/* a connection udsx may accelerate once the listener's side proves
	 * it runs udsx too (nego.c); nothing is sent here. The side socket
	 * that proof arrives on exists before the connection does. */
	if (udsx_on && a && l >= sizeof(sa_family_t) && a->sa_family == AF_UNIX &&
	    !udsx_edge_early(fd) && (t = udsx_unix_type(fd, true)) && t != SOCK_DGRAM)
		udsx_cand_prepare();
	errno = err;
	r = udsx_real.connect(fd, a, l);
	if (r == 0 && t) {
		err = errno;
		udsx_cand_add(fd, t, 1);
		errno = err;
	}
	return r;
}

static int accepted(int r)
{
	int t, e = errno;

	if (r >= 0 && udsx_on && (t = udsx_unix_type(r, false)) && t != SOCK_DGRAM)
		udsx_cand_add(r, t, 0);
	errno = e;
	return r;
}

EXPORT int accept(int fd, struct sockaddr *a, socklen_t *l)
{
	if (!udsx_real.accept)
		udsx_init();
	return accepted(udsx_real.accept(fd, a, l));
}

EXPORT int accept4(int fd, struct sockaddr *a, socklen_t *l, int flags)
{
	if (!udsx_real.accept4)
		udsx_init();
	return accepted(udsx_real.accept4(fd, a, l, flags));
}

static int do_ioctl(int fd, unsigned long req, void *arg)
{
	UDSX_END(e);
	int v = 0, r;

	if (!udsx_lookup(fd, &e)) {
		if (udsx_priv_is(fd)) {
			errno = EBADF;	/* (not open, for the program) */
			return -1;
		}
		return udsx_real.ioctl(fd, req, arg);
	}
	switch (req) {
	case FIONREAD:
		r = udsx_inq(fd, &e, &v);
		break;
	case SIOCOUTQ:
		r = udsx_outq(fd, &e, &v);
		break;
	case FIONBIO:
		r = udsx_real.ioctl(fd, req, arg);
		if (r == 0 && arg)
			atomic_store(&e.ch->h->end[e.side].nonblock, *(int *)arg != 0);
		return r;
	default:
		return udsx_real.ioctl(fd, req, arg);
	}
	if (r == UDSX_PASS) {
		r = udsx_real.ioctl(fd, req, arg);
		/* doorbells not yet retired are not data */
		if (r == 0 && req == SIOCOUTQ && arg) {
			int bells = (int)(CTL_OUTSTANDING(atomic_load(&e.ch->h->dir[e.side].ctl)) *
					  UDSX_BELL_TRUESIZE);

			/* (less than the doorbells' charge: the peer is gone and
			 * the kernel freed its queue, doorbells and all) */
			*(int *)arg = *(int *)arg > bells ? *(int *)arg - bells : 0;
		}
		return r;
	}
	/* written as the kernel's put_user: a bad pointer is EFAULT */
	return !arg || !udsx_store(arg, &v, sizeof(v)) ? (int)udsx_ret(-EFAULT) : 0;
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_ioctl(fd, req, arg);
}
