/* SPDX-License-Identifier: MIT */
/* sys.c -- system calls made directly, past every wrapper: udsx's own, and glibc's syscall() that udsx now wraps (preload/syscall.c).
 *
 * Memory-ordering contract: none; no shared memory is touched here.
 *
 * Why not glibc's syscall(): the library exports its own syscall()
 * (preload/syscall.c), and a call from inside the library binds to that
 * export. The memory wrappers (preload/mem.c) run while the dynamic loader
 * and dlsym allocate, before anything could be looked up, so nothing here
 * may need a lookup. Same convention as glibc's: -1 and errno on failure.
 */
#include <errno.h>
#include "internal.h"

#if !defined(__x86_64__)
#error "udsx_syscall: x86-64 only (the only architecture udsx supports)"
#endif

long udsx_syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}
