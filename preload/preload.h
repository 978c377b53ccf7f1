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
hidden void *udsx_dlnext(const char *name);

/* Is fd a channel end we should handle? Cheap on the fast path. */
static inline bool udsx_lookup(int fd, struct udsx_end *e)
{
	if (__builtin_expect(!udsx_real.recv, 0))
		udsx_init();
	return udsx_on && udsx_table_get(fd, e);
}

hidden ssize_t udsx_do_send(int fd, struct udsx_end *e, const struct iovec *iov, int iovcnt, int flags);
hidden ssize_t udsx_do_recv(int fd, struct udsx_end *e, const struct iovec *iov, int iovcnt,
			    int flags, int *out_flags);

#endif
