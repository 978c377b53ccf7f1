/* SPDX-License-Identifier: MIT */
/* lock.c -- a cross-process lock in shared memory that survives the death of its holder.
 *
 * Memory-ordering contract: the lock word holds the holder's tid (0 = free);
 * acquire is a CAS with acquire ordering, release a store with release
 * ordering. Waiters sleep on a shared futex. A holder found dead (tgkill
 * says ESRCH) has its lock taken over. Because the peer is untrusted, a lock
 * that stays held past a generous bound is treated as a corrupt channel:
 * udsx_lock() then fails with -EDEADLK and the caller goes to the kernel path.
 */
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "internal.h"

static _Thread_local uint32_t my_tid;

static uint32_t tid(void)
{
	if (!my_tid)
		my_tid = (uint32_t)udsx_syscall(SYS_gettid);
	return my_tid;
}

uint32_t udsx_tid(void)
{
	return tid();
}

/* After fork the child has a new tid; the cache must not survive. */
void udsx_lock_atfork_child(void)
{
	my_tid = 0;
}

#define WAITERS 0x80000000u

static bool holder_dead(uint32_t t)
{
	int e = errno;
	/* kill() resolves any task id, so it works for non-leader threads. */
	bool dead = t && kill((pid_t)t, 0) < 0 && errno == ESRCH;

	errno = e;
	return dead;
}

int udsx_lock(_Atomic uint32_t *l)
{
	uint32_t me = tid(), cur;
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	int spins = 0, sleeps = 0;

	for (;;) {
		cur = 0;
		if (atomic_compare_exchange_weak_explicit(l, &cur, me,
				memory_order_acquire, memory_order_relaxed))
			return 0;
		if ((cur & ~WAITERS) == me)
			return -EDEADLK;	/* corrupt, or re-entered from a signal */
		if (++spins < 200) {
			__builtin_ia32_pause();
			continue;
		}
		if (holder_dead(cur & ~WAITERS)) {
			if (atomic_compare_exchange_strong_explicit(l, &cur, me | WAITERS,
					memory_order_acquire, memory_order_relaxed))
				return 0;
			continue;
		}
		/* ~2 s of waiting for a living holder: treat as corrupt. */
		if (++sleeps > 1000)
			return -EDEADLK;
		if (!(cur & WAITERS) && !atomic_compare_exchange_strong(l, &cur, cur | WAITERS))
			continue;
		udsx_syscall(SYS_futex, l, FUTEX_WAIT, cur | WAITERS, &ts, NULL, 0);
	}
}

/* One attempt, no waiting: for a caller that has another way to go. */
bool udsx_trylock(_Atomic uint32_t *l)
{
	uint32_t cur = 0;

	return atomic_compare_exchange_strong_explicit(l, &cur, tid(), memory_order_acquire,
						       memory_order_relaxed);
}

void udsx_unlock(_Atomic uint32_t *l)
{
	uint32_t old = atomic_exchange_explicit(l, 0, memory_order_release);

	if (old & WAITERS)
		udsx_syscall(SYS_futex, l, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/*
 * Release without a locked instruction, for the everyday send (fast.c),
 * whose lock is held for a few dozen instructions: a plain release store,
 * unless a waiter has said it sleeps. One window is left open on purpose:
 * a waiter that marks WAITERS between the load and the store has its mark
 * overwritten and is not woken. Its futex wait then either fails at once
 * (the word is no longer what it expects: the store came before the
 * kernel's comparison, the usual case, since a system call's entry takes
 * far longer than the store) or, if the holder was interrupted between
 * these two instructions, sleeps until its 2 ms timeout and tries again:
 * a rare delay, never a lost lock. The exchange cost ~20 % of 64 B
 * throughput (docs/measurements.md, "Twelfth session").
 */
void udsx_unlock_quick(_Atomic uint32_t *l)
{
	if (atomic_load_explicit(l, memory_order_relaxed) & WAITERS)
		udsx_unlock(l);
	else
		atomic_store_explicit(l, 0, memory_order_release);
}
