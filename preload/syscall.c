/* SPDX-License-Identifier: MIT */
/* syscall.c -- glibc's syscall(): the calls udsx wraps, made by number, go through the same wrappers.
 *
 * Memory-ordering contract: nothing here touches shared memory; each call
 * goes to its wrapper, which follows its own contract.
 *
 * libuv (Node.js) closes every descriptor with syscall(SYS_close, fd), past
 * close(): a channel end closed so stayed in the table, and the next file
 * or pipe given that number was served from the ring (reads returned the
 * socket's data, writes went to its peer). Every call that the wrappers
 * keep in step with the table or serve from the ring is routed here to
 * the wrapper; any other number is made as glibc's syscall() makes it
 * (src/sys.c, which the library's own raw calls use too).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "preload.h"

/* (not instrumented by AddressSanitizer: the sixth argument is read from
 * the caller's stack whether it passed one or not, as glibc's does) */
__attribute__((no_sanitize("address")))
EXPORT long syscall(long n, ...)
{
	long a[6];
	va_list ap;
	int i;

	/* (six arguments, as glibc's own syscall() loads them whatever the
	 * number: the ones a call does not take are never used) */
	va_start(ap, n);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!udsx_on)
		return udsx_syscall6(n, a[0], a[1], a[2], a[3], a[4], a[5]);
	switch (n) {
	case SYS_close:
		return close((int)a[0]);
	case SYS_close_range:
		return close_range((unsigned)a[0], (unsigned)a[1], (int)a[2]);
	case SYS_dup:
		return dup((int)a[0]);
	case SYS_dup2:
		return dup2((int)a[0], (int)a[1]);
	case SYS_dup3:
		return dup3((int)a[0], (int)a[1], (int)a[2]);
	case SYS_fcntl:
		return fcntl((int)a[0], (int)a[1], a[2]);
	case SYS_ioctl:
		return ioctl((int)a[0], (unsigned long)a[1], a[2]);
	case SYS_read:
		return read((int)a[0], (void *)a[1], (size_t)a[2]);
	case SYS_write:
		return write((int)a[0], (const void *)a[1], (size_t)a[2]);
	case SYS_readv:
		return readv((int)a[0], (const struct iovec *)a[1], (int)a[2]);
	case SYS_writev:
		return writev((int)a[0], (const struct iovec *)a[1], (int)a[2]);
	case SYS_sendto:
		return sendto((int)a[0], (const void *)a[1], (size_t)a[2], (int)a[3],
			      (const struct sockaddr *)a[4], (socklen_t)a[5]);
	case SYS_recvfrom:
		return recvfrom((int)a[0], (void *)a[1], (size_t)a[2], (int)a[3],
				(struct sockaddr *)a[4], (socklen_t *)a[5]);
	case SYS_sendmsg:
		return sendmsg((int)a[0], (const struct msghdr *)a[1], (int)a[2]);
	case SYS_recvmsg:
		return recvmsg((int)a[0], (struct msghdr *)a[1], (int)a[2]);
	case SYS_sendmmsg:
		return sendmmsg((int)a[0], (struct mmsghdr *)a[1], (unsigned)a[2], (int)a[3]);
	case SYS_recvmmsg:
		return recvmmsg((int)a[0], (struct mmsghdr *)a[1], (unsigned)a[2], (int)a[3],
				(struct timespec *)a[4]);
	case SYS_shutdown:
		return shutdown((int)a[0], (int)a[1]);
	}
	return udsx_syscall6(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}
