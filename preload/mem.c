/* SPDX-License-Identifier: MIT */
/* mem.c -- munmap, mprotect and mremap: udsx forgets which of the program's buffers it knows to be mapped (src/ucopy.c). */
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "preload.h"

/*
 * Straight to the system call, not through dlsym: these run before and
 * during our own start-up (dlsym itself may allocate, and so map), and
 * glibc's versions are the bare system call on Linux. The spans are
 * forgotten before the call, so that no copy proves a range while it is
 * going away, and after it, so that none proven meanwhile outlives it.
 */
EXPORT int munmap(void *addr, size_t len)
{
	long r;

	udsx_ucopy_forget();
	r = syscall(SYS_munmap, addr, len);
	udsx_ucopy_forget();
	return (int)r;
}

EXPORT int mprotect(void *addr, size_t len, int prot)
{
	long r;

	udsx_ucopy_forget();
	r = syscall(SYS_mprotect, addr, len, prot);
	udsx_ucopy_forget();
	return (int)r;
}

EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *fixed = NULL;
	long r;

	if (flags & MREMAP_FIXED) {
		va_list ap;

		va_start(ap, flags);
		fixed = va_arg(ap, void *);
		va_end(ap);
	}
	udsx_ucopy_forget();
	r = syscall(SYS_mremap, old, old_len, new_len, flags, fixed);
	udsx_ucopy_forget();
	return (void *)r;
}
