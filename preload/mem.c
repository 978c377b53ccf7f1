/* SPDX-License-Identifier: MIT */
/* mem.c -- munmap, mprotect, mremap, mmap(MAP_FIXED), shmdt and shmat(SHM_REMAP): udsx forgets which of the program's buffers it knows to be mapped (src/ucopy.c). */
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/shm.h>
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
	r = udsx_syscall(SYS_munmap, addr, len);
	udsx_ucopy_forget();
	return (int)r;
}

EXPORT int mprotect(void *addr, size_t len, int prot)
{
	long r;

	udsx_ucopy_forget();
	r = udsx_syscall(SYS_mprotect, addr, len, prot);
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
	r = udsx_syscall(SYS_mremap, old, old_len, new_len, flags, fixed);
	udsx_ucopy_forget();
	return (void *)r;
}

/*
 * mmap over memory that is mapped already (MAP_FIXED) replaces it: a
 * buffer proven there may now be PROT_NONE, or another object. Only that
 * case costs a forget; every other mmap maps fresh address space, which no
 * proof covers. (MAP_FIXED_NOREPLACE never replaces.) glibc's mmap on a
 * 64-bit Linux is the bare system call, and mmap64 is the same function.
 */
static void *do_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r;

	if (!(flags & MAP_FIXED))
		return (void *)udsx_syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	udsx_ucopy_forget();
	r = udsx_syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	udsx_ucopy_forget();
	return (void *)r;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return do_mmap(addr, len, prot, flags, fd, off);
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return do_mmap(addr, len, prot, flags, fd, off);
}

/* A System V segment detached, or attached over a mapping (SHM_REMAP). */
EXPORT int shmdt(const void *addr)
{
	long r;

	udsx_ucopy_forget();
	r = udsx_syscall(SYS_shmdt, addr);
	udsx_ucopy_forget();
	return (int)r;
}

EXPORT void *shmat(int id, const void *addr, int flags)
{
	long r;

	if (!(flags & SHM_REMAP))
		return (void *)udsx_syscall(SYS_shmat, id, addr, flags);
	udsx_ucopy_forget();
	r = udsx_syscall(SYS_shmat, id, addr, flags);
	udsx_ucopy_forget();
	return (void *)r;
}
