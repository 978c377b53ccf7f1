/* SPDX-License-Identifier: MIT */
/* ucopy.c -- copies between the program's buffers and a ring that fail with EFAULT, as the kernel's do, instead of faulting.
 *
 * The kernel copies a caller's buffer with a fault handler behind it, so a
 * bad pointer costs the caller EFAULT, not SIGSEGV (SEMANTICS 11-12). udsx
 * copies in user space, where a bad pointer is a crash. So the first copy
 * through a buffer is made by the kernel: process_vm_readv/writev on our own
 * process, which reports a bad address as EFAULT. The pages it proved
 * mapped, readable (for a send) or writable (for a receive) are remembered
 * per thread, and later copies through them are plain memcpy. A program
 * sends from and reads into a few buffers over and over (a stack array, a
 * heap buffer), so that costs one system call per page, once.
 *
 * What is remembered is forgotten when the program unmaps or re-protects
 * memory through munmap, mprotect, mremap or a MAP_FIXED mmap (preload/mem.c
 * bumps `gen` before and after the call). Memory that libc itself gives back
 * (free() of a large block, heap trimming) is not seen: a program that then
 * passes a pointer into it, which is already a use after free, can fault
 * where the kernel would have said EFAULT (README, Limits). Where the two
 * system calls are not allowed (a seccomp filter), copies are plain memcpy,
 * as before this file existed.
 *
 * Memory-ordering contract: none of its own. It copies into a ring record
 * that its caller publishes afterwards, or out of one its caller consumes
 * afterwards (ring.c, shm.h); the spans and `gen` are private to this
 * process.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "internal.h"

#define SPANS	8
#define PAGE	4096u
/* remote iovecs per system call on the slow path */
#define BATCH	64

struct spans {
	uintptr_t clo, chi;		/* the span that matched last, looked at first */
	unsigned gen;			/* `gen` when these were proven */
	unsigned next;			/* the entry to replace next */
	uintptr_t lo[SPANS], hi[SPANS];	/* page-aligned [lo, hi): proven */
};

static _Thread_local struct spans rd_spans, wr_spans;
static _Atomic unsigned gen = 1;
/* 0 once process_vm_readv/writev turned out not to be allowed here */
static _Atomic int vm_ok = 1;

void udsx_ucopy_forget(void)
{
	atomic_fetch_add_explicit(&gen, 1, memory_order_seq_cst);
}

/*
 * Unmap one of udsx's own mappings (a channel, a page, a scratch area).
 * Not through the munmap wrapper (preload/mem.c), which makes every
 * thread prove its buffers again: no buffer of the program lies in our
 * mappings, and a channel closed anywhere in the process made the next
 * call on every other channel pay a system call to re-prove its buffer.
 */
void udsx_unmap(void *addr, size_t len)
{
	udsx_syscall(SYS_munmap, addr, len);
}

static bool known_slow(struct spans *s, uintptr_t a, size_t n)
{
	unsigned g = atomic_load_explicit(&gen, memory_order_acquire), i;

	if (!n)
		return true;	/* nothing is touched */
	if (s->gen != g) {
		memset(s, 0, sizeof(*s));
		s->gen = g;
		return false;
	}
	for (i = 0; i < SPANS; i++) {
		if (a - s->lo[i] < s->hi[i] - s->lo[i] && n <= s->hi[i] - a) {
			s->clo = s->lo[i];
			s->chi = s->hi[i];
			return true;
		}
	}
	return false;
}

/* Are the n bytes at p in a span proven for this kind of copy? (An empty
 * span, lo == hi, holds nothing: a - lo < 0 is false.) */
static inline bool known(struct spans *s, const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;

	if (__builtin_expect(s->gen == atomic_load_explicit(&gen, memory_order_relaxed) &&
			     a - s->clo < s->chi - s->clo && n <= s->chi - a, 1))
		return true;
	return known_slow(s, a, n);
}

static void remember(struct spans *s, const void *p, size_t n)
{
	uintptr_t lo = (uintptr_t)p & ~(uintptr_t)(PAGE - 1);
	uintptr_t hi = ((uintptr_t)p + n + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	unsigned i;

	if (!n || hi < lo || s->gen != atomic_load(&gen))
		return;	/* (a range forgotten while it was being proven stays so) */
	/* grow a span this one touches, so a buffer proven page by page ends
	 * up as one entry */
	for (i = 0; i < SPANS; i++)
		if (s->hi[i] && lo <= s->hi[i] && hi >= s->lo[i])
			break;
	if (i == SPANS) {
		i = s->next++ % SPANS;
		s->lo[i] = lo;
		s->hi[i] = hi;
	}
	if (lo < s->lo[i])
		s->lo[i] = lo;
	if (hi > s->hi[i])
		s->hi[i] = hi;
	s->clo = s->lo[i];
	s->chi = s->hi[i];
}

/* The parts of iov from `skip` on that `len` bytes touch, as iovecs: calls
 * fn(part, count) for batches of them. Returns fn's first failure. */
static int parts(const struct iovec *iov, int n, size_t skip, size_t len,
		 int (*fn)(struct iovec *v, int k, void *arg), void *arg)
{
	struct iovec v[BATCH];
	int i, k = 0, r;

	for (i = 0; i < n && len; i++) {
		size_t l = iov[i].iov_len, c;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		c = l - skip < len ? l - skip : len;
		v[k].iov_base = (char *)iov[i].iov_base + skip;
		v[k++].iov_len = c;
		len -= c;
		skip = 0;
		if (k == BATCH) {
			if ((r = fn(v, k, arg)) < 0)
				return r;
			k = 0;
		}
	}
	return k ? fn(v, k, arg) : 0;
}

struct kcopy {
	unsigned char *local;	/* where the next part goes to or comes from */
	bool in;		/* program -> ring */
	struct spans *s;
};

/* One batch of parts: memcpy if every part is proven (or nothing can be
 * proven here), else the kernel's copy, which proves them. */
static int copy_batch(struct iovec *v, int k, void *arg)
{
	struct kcopy *kc = arg;
	struct iovec l = { kc->local, 0 };
	ssize_t r;
	int i;
	bool all = true;

	for (i = 0; i < k; i++) {
		l.iov_len += v[i].iov_len;
		all = all && known(kc->s, v[i].iov_base, v[i].iov_len);
	}
	if (!all && atomic_load_explicit(&vm_ok, memory_order_relaxed)) {
		r = kc->in ? process_vm_readv(udsx_pid(), &l, 1, v, (unsigned long)k, 0)
			   : process_vm_writev(udsx_pid(), &l, 1, v, (unsigned long)k, 0);
		if (r == (ssize_t)l.iov_len) {
			for (i = 0; i < k; i++)
				remember(kc->s, v[i].iov_base, v[i].iov_len);
			kc->local += l.iov_len;
			return 0;
		}
		if (r >= 0 || (errno != ENOSYS && errno != EPERM && errno != ESRCH))
			return -EFAULT;
		/* not allowed here (seccomp, an odd pid namespace): copy as
		 * before; a bad pointer then faults */
		udsx_dbg("process_vm_%sv: errno %d; bad pointers will fault", kc->in ? "read" : "write",
			 errno);
		atomic_store(&vm_ok, 0);
	}
	for (i = 0; i < k; i++) {
		if (kc->in)
			memcpy(kc->local, v[i].iov_base, v[i].iov_len);
		else
			memcpy(v[i].iov_base, kc->local, v[i].iov_len);
		kc->local += v[i].iov_len;
	}
	return 0;
}

static int plain_batch(struct iovec *v, int k, void *arg)
{
	struct kcopy *kc = arg;
	int i;

	for (i = 0; i < k; i++) {
		memcpy(v[i].iov_base, kc->local, v[i].iov_len);
		kc->local += v[i].iov_len;
	}
	return 0;
}

static int known_batch(struct iovec *v, int k, void *arg)
{
	int i;

	for (i = 0; i < k; i++)
		if (!known(arg, v[i].iov_base, v[i].iov_len))
			return -EFAULT;
	return 0;
}

static __attribute__((noinline)) int copy_slow(bool in, void *local, const struct iovec *iov, int n,
					       size_t skip, size_t len)
{
	struct kcopy kc = { local, in, in ? &rd_spans : &wr_spans };

	return parts(iov, n, skip, len, copy_batch, &kc);
}

/* Copy `len` bytes of the program's iov, from `skip` bytes in, to dst.
 * 0, or -EFAULT (dst then holds an unspecified part of them). */
int udsx_copy_in(void *dst, const struct iovec *iov, int n, size_t skip, size_t len)
{
	if (!len)
		return 0;	/* (the buffer may be NULL) */
	if (n == 1 && skip <= iov[0].iov_len && iov[0].iov_len - skip >= len &&
	    known(&rd_spans, (char *)iov[0].iov_base + skip, len)) {
		memcpy(dst, (char *)iov[0].iov_base + skip, len);	/* the usual write() */
		return 0;
	}
	return copy_slow(true, dst, iov, n, skip, len);
}

/* udsx_copy_in from one buffer, only if that needs no system call to
 * prove it (fast.c): 0, or -EAGAIN when the caller must take the general
 * path, which proves it. */
int udsx_copy_in1(void *dst, const void *src, size_t len)
{
	if (!known(&rd_spans, src, len) && atomic_load_explicit(&vm_ok, memory_order_relaxed))
		return -EAGAIN;
	memcpy(dst, src, len);
	return 0;
}

/* Copy `len` bytes from src into the program's iov, from `skip` bytes in.
 * 0, or -EFAULT (the iov then holds an unspecified part of them). */
int udsx_copy_out(const struct iovec *iov, int n, size_t skip, const void *src, size_t len)
{
	if (!len)
		return 0;	/* (the buffer may be NULL) */
	if (n == 1 && skip <= iov[0].iov_len && iov[0].iov_len - skip >= len &&
	    known(&wr_spans, (char *)iov[0].iov_base + skip, len)) {
		memcpy((char *)iov[0].iov_base + skip, src, len);
		return 0;
	}
	return copy_slow(false, (void *)src, iov, n, skip, len);
}

/* A plain copy into a caller's iov that is known to be good (the general
 * case of udsx_scatter, internal.h). */
void udsx_scatter_iov(const struct iovec *iov, int n, size_t skip, const void *src, size_t len)
{
	struct kcopy kc = { (unsigned char *)src, false, NULL };

	parts(iov, n, skip, len, plain_batch, &kc);
}

/* May len bytes of iov from `skip` on be written with udsx_scatter (proven
 * writable, or no way to prove it)? Lets a reader that copies many records
 * into one buffer look once. */
bool udsx_out_known(const struct iovec *iov, int n, size_t skip, size_t len)
{
	if (n == 1 && skip <= iov[0].iov_len && iov[0].iov_len - skip >= len)
		return known(&wr_spans, (char *)iov[0].iov_base + skip, len);
	return !atomic_load_explicit(&vm_ok, memory_order_relaxed) ||
	       parts(iov, n, skip, len, known_batch, &wr_spans) == 0;
}
