/* SPDX-License-Identifier: MIT */
/* pin.h -- keeping a channel mapped through one fast-path call without a locked instruction: per-thread hazard slots.
 *
 * Memory-ordering contract (process-local memory only; nothing here is
 * shared with peers): a thread pins a channel by a plain store of its
 * pointer into a slot of its own record, then re-reads the fd table; it
 * unpins by a release store of NULL, then reads `dead`. Neither side of a
 * thread's call has a fence: whoever frees a channel (pin.c,
 * udsx_pin_quiet) makes the ordering with membarrier(PRIVATE_EXPEDITED)
 * between its own store (the table entry gone, `dead` set) and its scan of
 * every slot, which acts as a full barrier in every thread of the process
 * that runs at that moment (and a context switch is one for those that do
 * not). So either the pinning thread's re-read sees the entry gone, or the
 * scan sees the slot; and either the unpinning thread sees `dead` (and
 * tries to free it itself), or the scan sees the slot empty.
 *
 * Why: `busy` (internal.h), an atomic count per channel, costs two locked
 * instructions per call, ~5.5 ns each here and each a full barrier that
 * waits for the record's stores to reach the cache; dropping them took
 * 64 B throughput from 14.5 to 17.7 M msg/s (medians of 6 alternating
 * runs, docs/measurements.md, "Twelfth session"). Frees are rare; calls are
 * not, so the fence moves to the free.
 */
#ifndef UDSX_PIN_H
#define UDSX_PIN_H

#include "internal.h"

#define UDSX_PIN_SLOTS	4	/* nesting depth (a signal handler's call inside a call) */

struct udsx_pinrec {
	_Atomic(struct udsx_chan *) slot[UDSX_PIN_SLOTS];
	_Atomic int live;	/* a thread owns this record */
} __attribute__((aligned(64)));

extern _Thread_local struct udsx_pinrec *udsx_pin_me hidden;
extern _Thread_local unsigned udsx_pin_depth hidden;

hidden int udsx_pin_slow(struct udsx_chan *ch);
hidden void udsx_pin_init(void);
hidden void udsx_pin_atfork_child(void);
hidden bool udsx_pin_quiet(struct udsx_chan *ch);

/*
 * Pin ch for this call. Returns a token for udsx_unpin: a slot number + 1,
 * or 0 when the channel was held by `busy` instead (no record for this
 * thread, nesting too deep, or no membarrier). The caller re-reads the fd
 * table afterwards, as with busy.
 */
static inline __attribute__((always_inline)) int udsx_pin(struct udsx_chan *ch)
{
	struct udsx_pinrec *r = udsx_pin_me;
	unsigned d = udsx_pin_depth;

	if (__builtin_expect(!r || d >= UDSX_PIN_SLOTS, 0))
		return udsx_pin_slow(ch);
	/* depth first: a signal handler that runs between the two uses the
	 * next slot, not this one */
	udsx_pin_depth = d + 1;
	atomic_signal_fence(memory_order_seq_cst);
	atomic_store_explicit(&r->slot[d], ch, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	return (int)d + 1;
}

static inline __attribute__((always_inline)) void udsx_unpin(struct udsx_chan *ch, int tok)
{
	if (!tok) {
		udsx_chan_unbusy(ch);
		return;
	}
	atomic_store_explicit(&udsx_pin_me->slot[tok - 1], NULL, memory_order_release);
	atomic_signal_fence(memory_order_seq_cst);
	udsx_pin_depth = (unsigned)tok - 1;
	if (__builtin_expect(atomic_load_explicit(&ch->dead, memory_order_relaxed) == 1, 0))
		udsx_chan_try_free(ch);
}

#endif
