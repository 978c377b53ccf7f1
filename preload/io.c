/* SPDX-License-Identifier: MIT */
/* io.c -- read/write/send/recv and their vector, address and _FORTIFY_SOURCE variants. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "preload.h"

ssize_t udsx_do_send(int fd, struct udsx_end *e, const struct iovec *iov, int iovcnt, int flags)
{
	struct udsx_io io = { (struct iovec *)iov, iovcnt, udsx_iov_total(iov, iovcnt), flags, 0, false };
	int saved = errno;
	ssize_t r;

	if (iovcnt < 0 || iovcnt > 1024)
		return UDSX_PASS;
	r = udsx_send(fd, e, &io);
	if (r >= 0)
		errno = saved;
	return r;
}

ssize_t udsx_do_recv(int fd, struct udsx_end *e, const struct iovec *iov, int iovcnt,
		     int flags, int *out_flags, bool cmsg)
{
	struct udsx_io io = { (struct iovec *)iov, iovcnt, udsx_iov_total(iov, iovcnt), flags, 0, cmsg };
	int saved = errno;
	ssize_t r;

	if (iovcnt < 0 || iovcnt > 1024)
		return UDSX_PASS;
	r = udsx_recv(fd, e, &io);
	if (r >= 0)
		errno = saved;
	if (out_flags && r != UDSX_PASS)
		*out_flags = io.out_flags;
	return r;
}

/*
 * The program's iovec array, read as the kernel reads it (its
 * copy_iovec_from_user), into `local` when it fits, else into memory of
 * its own that iov_done() frees. 0, or -EFAULT where the kernel would
 * fault, or -ENOMEM.
 */
#define IOV_LOCAL 16
static int iov_in(const struct iovec *uiov, int n, struct iovec *local, struct iovec **out)
{
	struct iovec *v = n <= IOV_LOCAL ? local : malloc((size_t)n * sizeof(*v));

	if (!v)
		return -ENOMEM;
	if (n > 0 && !udsx_fetch(v, uiov, (size_t)n * sizeof(*v))) {
		if (v != local)
			free(v);
		return -EFAULT;
	}
	*out = v;
	return 0;
}

static void iov_done(struct iovec *v, struct iovec *local)
{
	if (v != local)
		free(v);
}

/*
 * udsx_do_send/udsx_do_recv on the program's own iovec array (readv,
 * writev, sendmsg, recvmsg). UDSX_PASS where the kernel would fault on the
 * array (the caller's real call then says EFAULT having queued and taken
 * nothing) and, with `empty_pass`, for a call of 0 bytes; -ENOMEM is the
 * caller's to return (the kernel's own call would read doorbells).
 */
static ssize_t do_vec(bool send, int fd, struct udsx_end *e, const struct iovec *uiov, int n,
		      int flags, int *out_flags, bool cmsg, bool empty_pass)
{
	struct iovec local[IOV_LOCAL], *v;
	ssize_t r;

	if (n < 0 || n > 1024)
		return UDSX_PASS;
	r = iov_in(uiov, n, local, &v);
	if (r < 0)
		return r == -EFAULT ? UDSX_PASS : r;
	if (empty_pass && !udsx_iov_total(v, n))
		r = UDSX_PASS;
	else
		r = send ? udsx_do_send(fd, e, v, n, flags) :
			   udsx_do_recv(fd, e, v, n, flags, out_flags, cmsg);
	iov_done(v, local);
	return r;
}

ssize_t udsx_do_sendv(int fd, struct udsx_end *e, const struct iovec *uiov, int n, int flags,
		      bool empty_pass)
{
	return do_vec(true, fd, e, uiov, n, flags, NULL, false, empty_pass);
}

ssize_t udsx_do_recvv(int fd, struct udsx_end *e, const struct iovec *uiov, int n, int flags,
		      int *out_flags, bool cmsg, bool empty_pass)
{
	return do_vec(false, fd, e, uiov, n, flags, out_flags, cmsg, empty_pass);
}

/* The sender's address, as the kernel reports it with each message: the
 * peer end's own address (empty for a socketpair or an unbound client),
 * truncated to the caller's buffer with the full length reported. As the
 * kernel's move_addr_to_user (6.13 on), after the message was taken: the
 * length is read (EFAULT), the full length written unless the one given
 * was negative (EFAULT), a negative one is EINVAL, then the bytes are
 * written (EFAULT). 0 or -errno. */
int udsx_peer_name(struct udsx_end *e, void *addr, socklen_t *alen)
{
	struct udsx_endstate *es = &e->ch->h->end[1 - e->side];
	uint32_t l = __atomic_load_n(&es->addr_len, __ATOMIC_RELAXED);	/* once: untrusted */
	char name[sizeof(es->addr)];
	int room;

	if (l > sizeof(es->addr))
		l = 0;
	if (!udsx_fetch(&room, alen, sizeof(room)))
		return -EFAULT;
	if (room > (int)l)
		room = (int)l;
	if (room >= 0 && !udsx_store(alen, &l, sizeof(l)))
		return -EFAULT;
	if (!room)
		return 0;
	if (room < 0)
		return -EINVAL;
	memcpy(name, es->addr, (size_t)room);	/* (a copy: the peer may change it) */
	return udsx_store(addr, name, (size_t)room) ? 0 : -EFAULT;
}

static ssize_t read_general(int fd, void *buf, size_t n)
{
	UDSX_END(e);

	/* read() of 0 bytes returns 0 without looking at the socket */
	if (n && udsx_lookup_data(fd, &e)) {
		struct iovec v = { buf, n };
		ssize_t r = udsx_do_recv(fd, &e, &v, 1, 0, NULL, false);

		if (r != UDSX_PASS)
			return udsx_ret(r);
	}
	if (udsx_priv_is(fd))
		return not_open_io();
	return udsx_real.read(fd, buf, n);
}

/* read() and recv(): a read from a backlog first (src/fast.c). */
EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	ssize_t r;

	if (udsx_on && (r = udsx_fast_recv(fd, buf, n, 0)) != UDSX_PASS)
		return udsx_ret(r);
	return read_general(fd, buf, n);
}

/* glibc's own overflow report and abort, exactly as without udsx. */
static __attribute__((noreturn)) void chk_fail(void)
{
	void (*f)(void) = (void (*)(void))dlsym(RTLD_NEXT, "__chk_fail");

	if (f)
		f();
	__builtin_trap();
}

EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		chk_fail();
	return read(fd, buf, n);
}

static ssize_t write_general(int fd, const void *buf, size_t n)
{
	UDSX_END(e);

	if (udsx_lookup_data(fd, &e)) {
		struct iovec v = { (void *)buf, n };
		ssize_t r = udsx_do_send(fd, &e, &v, 1, 0);

		if (r != UDSX_PASS)
			return udsx_ret(r);
	}
	if (udsx_priv_is(fd))
		return not_open_io();
	return udsx_real.write(fd, buf, n);
}

/* write() and send(): the one-buffer STREAM send in its everyday state
 * first (src/fast.c), which leaves everything else untouched. */
EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	ssize_t r;

	if (udsx_on && (r = udsx_fast_send(fd, buf, n, 0)) != UDSX_PASS)
		return udsx_ret(r);
	return write_general(fd, buf, n);
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	UDSX_END(e);

	if (udsx_lookup_data(fd, &e) && iovcnt > 0) {
		ssize_t r = udsx_do_recvv(fd, &e, iov, iovcnt, 0, NULL, false, true);

		if (r != UDSX_PASS)
			return udsx_ret(r);
	}
	if (udsx_priv_is(fd))
		return not_open_io();
	return udsx_real.readv(fd, iov, iovcnt);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	UDSX_END(e);

	/* writev() of 0 bytes returns 0 in the VFS: no empty datagram */
	if (udsx_lookup_data(fd, &e) && iovcnt > 0) {
		ssize_t r = udsx_do_sendv(fd, &e, iov, iovcnt, 0, true);

		if (r != UDSX_PASS)
			return udsx_ret(r);
	}
	if (udsx_priv_is(fd))
		return not_open_io();
	return udsx_real.writev(fd, iov, iovcnt);
}

static ssize_t send_general(int fd, const void *buf, size_t n, int flags)
{
	UDSX_END(e);

	if (udsx_lookup_data(fd, &e)) {
		struct iovec v = { (void *)buf, n };
		ssize_t r = udsx_do_send(fd, &e, &v, 1, flags);

		if (r != UDSX_PASS)
			return udsx_ret(r);
	}
	if (udsx_priv_is(fd))
		return not_open_io();
	return udsx_real.send(fd, buf, n, flags);
}

EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	ssize_t r;

	if (udsx_on && (r = udsx_fast_send(fd, buf, n, flags)) != UDSX_PASS)
		return udsx_ret(r);
	return send_general(fd, buf, n, flags);
}

static ssize_t recv_general(int fd, void *buf, size_t n, int flags)
{
	UDSX_END(e);

	if (udsx_lookup_data(fd, &e)) {
		struct iovec v = { buf, n };
		ssize_t r = udsx_do_recv(fd, &e, &v, 1, flags, NULL, false);

		if (r != UDSX_PASS)
			return udsx_ret(r);
	}
	if (udsx_priv_is(fd))
		return not_open_io();
	return udsx_real.recv(fd, buf, n, flags);
}

EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	ssize_t r;

	if (udsx_on && (r = udsx_fast_recv(fd, buf, n, flags)) != UDSX_PASS)
		return udsx_ret(r);
	return recv_general(fd, buf, n, flags);
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	if (n > buflen)
		chk_fail();
	return recv(fd, buf, n, flags);
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
		      const struct sockaddr *addr, socklen_t alen)
{
	UDSX_END(e);

	if (!alen)
		return send(fd, buf, n, flags);
	/* an address: the kernel decides (EISCONN, or another destination) */
	if (udsx_lookup(fd, &e))
		udsx_revert_dir(fd, e.ch, e.side, fd);
	if (udsx_priv_is(fd))
		return not_open_io();
	return udsx_real.sendto(fd, buf, n, flags, addr, alen);
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags,
			struct sockaddr *addr, socklen_t *alen)
{
	UDSX_END(e);

	if (udsx_lookup_data(fd, &e)) {
		struct iovec v = { buf, n };
		ssize_t r = udsx_do_recv(fd, &e, &v, 1, flags, NULL, false);

		if (r != UDSX_PASS) {
			/* (no address length with an address: the kernel's EFAULT) */
			if (r >= 0 && addr) {
				int err = udsx_peer_name(&e, addr, alen);

				if (err < 0)
					r = err;	/* (the message is taken, as there) */
			}
			return udsx_ret(r);
		}
	}
	if (udsx_priv_is(fd))
		return not_open_io();
	return udsx_real.recvfrom(fd, buf, n, flags, addr, alen);
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
			      struct sockaddr *addr, socklen_t *alen)
{
	if (n > buflen)
		chk_fail();
	return recvfrom(fd, buf, n, flags, addr, alen);
}
