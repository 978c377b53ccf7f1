/* SPDX-License-Identifier: MIT */
/* ballast.c -- make the real socket's POLLOUT follow the channel's, with the kernel's quarter-of-SO_SNDBUF rule.
 *
 * The kernel reports POLLOUT while the charge is at most sndbuf/4. udsx pins
 * the real SO_SNDBUF of a channel end to the kernel minimum (4608) and
 * reports the emulated value to the program. Then one doorbell in the peer's
 * queue (768 bytes of truesize) leaves POLLOUT on, and two turn it off:
 * 2 x 768 x 4 > 4608 >= 768 x 4. When a send leaves more than a quarter
 * charged, the writer tops its outstanding doorbells up to two ("ballast");
 * when a read brings the charge back to a quarter or less, the reader retires
 * one of them, which frees kernel memory of the writer's socket and wakes
 * its pollers exactly as the kernel's write_space would. Unmodified poll,
 * select and epoll, and a sender sleeping for room, all see that.
 *
 * Memory-ordering contract: `ballast` is set by the writer holding wlock
 * and cleared by CAS by a reader; the doorbell bytes themselves are counted
 * in dir.ctl like any other (bell.c), so a revert retires them exactly.
 */
#include <errno.h>
#include "internal.h"

#define PIN_SNDBUF 4608u

/* Called at channel creation and when SO_SNDBUF changes on an open end. */
void udsx_pin_sndbuf(int fd, struct udsx_chan *ch, int side)
{
	int half = PIN_SNDBUF / 2;

	if (udsx_real.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &half, sizeof(half)) == 0)
		atomic_store(&ch->h->end[side].pinned, 1);
}

/* Two doorbells in the reader's kernel queue of an open ring are the
 * ballast in place (a data doorbell alone is one). */
static bool two_bells(struct udsx_chan *ch, int d)
{
	uint64_t c = atomic_load_explicit(&ch->h->dir[d].ctl, memory_order_acquire);

	/* (a reader asleep consuming will take one: it needs a third) */
	return !(c & CTL_CLOSED) && CTL_OUTSTANDING(c) >= 2u + !!(c & CTL_SLEEPER);
}

/*
 * Writer, after a send, not holding wlock: is POLLOUT due to go off? The
 * flag alone is not enough: a reader that retires every doorbell while we
 * publish (bell.c keeps one for our record) leaves it set over a single
 * doorbell, and POLLOUT would then stay on up to a full buffer, which an
 * event loop waiting for EPOLLOUT turns into a busy loop of EAGAINs.
 */
void udsx_ballast_check(int fd, struct udsx_chan *ch, int d)
{
	struct udsx_dir *dir = &ch->h->dir[d];
	uint32_t sndbuf = atomic_load_explicit(&ch->h->end[d].sndbuf, memory_order_relaxed);

	if (udsx_dir_charged(dir) <= sndbuf / 4 ||
	    (atomic_load_explicit(&dir->ballast, memory_order_acquire) && two_bells(ch, d)) ||
	    !atomic_load_explicit(&ch->h->end[d].pinned, memory_order_relaxed))
		return;
	if (udsx_lock(&dir->wlock) < 0)
		return;
	if (!udsx_ring_closed(ch, d) && udsx_dir_charged(dir) > sndbuf / 4) {
		atomic_store(&dir->ballast, 1);
		while (udsx_bell_topup(fd, ch, d, 2) > 0)
			;
	}
	udsx_unlock(&dir->wlock);
}

/* Reader, after consuming, not holding rlock: is POLLOUT due back on at the
 * writer? Retire one byte of ballast, keeping one as the data doorbell if
 * the ring still has data. */
void udsx_ballast_release(int fd, struct udsx_chan *ch, int d)
{
	struct udsx_dir *dir = &ch->h->dir[d];
	uint32_t sndbuf = atomic_load_explicit(&ch->h->end[d].sndbuf, memory_order_relaxed);

	if ((atomic_load_explicit(&dir->ballast, memory_order_acquire) || two_bells(ch, d)) &&
	    udsx_dir_charged(dir) <= sndbuf / 4)
		udsx_ballast_wake(fd, ch, d);
}

/* Release the ballast whatever the charge. Also used when the reader shuts
 * down, so that a sender sleeping for room wakes up and finds out (as the
 * kernel wakes it). The flag can be stale this way too (a writer topping up
 * while a reader clears it), so two doorbells count as a ballast as well. */
void udsx_ballast_wake(int fd, struct udsx_chan *ch, int d)
{
	struct udsx_dir *dir = &ch->h->dir[d];

	if (!atomic_exchange(&dir->ballast, 0) && !two_bells(ch, d))
		return;
	if (udsx_lock(&dir->rlock) < 0)
		return;
	udsx_bell_eat_one(fd, ch, d, udsx_ring_empty(ch, d) ? 0 : 1);
	udsx_unlock(&dir->rlock);
}
