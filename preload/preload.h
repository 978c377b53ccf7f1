/* SPDX-License-Identifier: MIT */
/* preload.h -- shared helpers of the LD_PRELOAD layer. */
#ifndef UDSX_PRELOAD_H
#define UDSX_PRELOAD_H

#include <errno.h>
#include "internal.h"

#define EXPORT __attribute__((visibility("default")))

extern bool udsx_on hidden;
hidden void udsx_init(void);
hidden long udsx_ret(long r);
hidden void udsx_atfork_child(void);
hidden void udsx_atfork_parent(void);
hidden void udsx_stdio_fd(int fd);
hidden void *udsx_dlnext(const char *name);
hidden int udsx_epoll_hint(int ep);
hidden bool udsx_edge_early(int fd);
hidden void udsx_epoll_forget(int fd);
hidden int udsx_unix_type(int fd, bool unix_known);

/* Release what udsx_lookup took; runs when a UDSX_END goes out of scope. */
static inline void udsx_end_done(struct udsx_end *e)
{
	if (e->held_gate)
		udsx_gate_leave(e);
	if (e->held_cand) {
		atomic_fetch_sub(e->held_cand, 1);
		e->held_cand = NULL;
	}
	if (e->ch) {
		udsx_chan_unbusy(e->ch);
		e->ch = NULL;
	}
}

/* A channel end looked up by a wrapper, released automatically. */
#define UDSX_END(e) struct udsx_end e __attribute__((cleanup(udsx_end_done))) = { 0 }

/*
 * Is fd a channel end we should handle? Cheap on the fast path. On true,
 * the channel is held busy until `e` is released, so a close in another
 * thread cannot unmap it under us; the table is re-checked after taking
 * it, in case the close came first.
 */
static inline bool udsx_lookup(int fd, struct udsx_end *e)
{
	udsx_end_done(e);
	if (__builtin_expect(!udsx_real.recv, 0))
		udsx_init();
	return udsx_on && udsx_table_hold(fd, e);
}

/* Like udsx_lookup, for a data call: a connect()/accept() socket that has
 * not joined a channel yet gets its negotiation step first (nego.c). */
static inline bool udsx_lookup_data(int fd, struct udsx_end *e)
{
	if (udsx_lookup(fd, e))
		return true;
	if (__builtin_expect(!udsx_on || !udsx_cand_any(fd), 1))
		return false;
	return udsx_cand_step(fd, e) && udsx_lookup(fd, e);
}

/* Read the program's memory as the kernel would (ucopy.c): false where
 * the kernel would fault, so the caller can leave the real call to say
 * EFAULT, or say it itself. */
static inline bool udsx_fetch(void *dst, const void *src, size_t len)
{
	struct iovec v = { (void *)src, len };

	return udsx_copy_in(dst, &v, 1, 0, len) == 0;
}

/* Write it as the kernel's put_user/copy_to_user would: false on a fault. */
static inline bool udsx_store(void *dst, const void *src, size_t len)
{
	struct iovec v = { dst, len };

	return udsx_copy_out(&v, 1, 0, src, len) == 0;
}

/* A data call on one of udsx's own descriptors (privfd.c), which the
 * program must find not open. */
static inline int not_open_io(void)
{
	errno = EBADF;
	return -1;
}

hidden int udsx_peer_name(struct udsx_end *e, void *addr, socklen_t *alen);
hidden ssize_t udsx_do_sendv(int fd, struct udsx_end *e, const struct iovec *uiov, int n,
			     int flags, bool empty_pass);
hidden ssize_t udsx_do_recvv(int fd, struct udsx_end *e, const struct iovec *uiov, int n,
			     int flags, int *out_flags, bool cmsg, bool empty_pass);
hidden ssize_t udsx_do_send(int fd, struct udsx_end *e, const struct iovec *iov, int iovcnt, int flags);
hidden ssize_t udsx_do_recv(int fd, struct udsx_end *e, const struct iovec *iov, int iovcnt,
			    int flags, int *out_flags, bool cmsg);

#endif
