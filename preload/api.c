/* SPDX-License-Identifier: MIT */
/* api.c -- the public library interface beyond the wrapped libc calls. */
#include "udsx.h"
#include "preload.h"

EXPORT int udsx_fd_accelerated(int fd)
{
	UDSX_END(e);

	return udsx_lookup(fd, &e) && udsx_end_active(&e) && !udsx_ring_closed(e.ch, e.side) &&
	       !udsx_ring_closed(e.ch, 1 - e.side);
}
