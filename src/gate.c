/* SPDX-License-Identifier: MIT */
/* gate.c -- the exact switch from kernel to ring for a channel made by negotiation.
 *
 * Memory-ordering contract (see shm.h, `gate`): while a direction's gate is
 * shut, its data goes through the kernel, and every kernel send by a writer
 * and every consuming kernel read by a reader of a joined end holds a count
 * in the gate (seq_cst CAS) for the whole call. The writer opens the gate
 * only from "shut, no count": it CASes to OPENING, which no new count can
 * pass, then checks that the reader has joined (so it reads through udsx
 * from now on) and that its own SIOCOUTQ is 0 (nothing it sent through the
 * kernel is still unread), pins its real send buffer for the ballast and
 * stores OPEN with release. Every kernel byte toward the reader after that is
 * a doorbell, every one before it was data the reader has already consumed:
 * the switch point is exact. A reader never sleeps in a consuming kernel
 * read while the gate is shut; it sleeps in a MSG_PEEK that holds no count,
 * so an idle reader never keeps the gate shut.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include "internal.h"

/* Once seen open, a gate stays open for this process whatever the shared
 * word says later (a hostile peer could clear the bit). */
bool udsx_gate_is_open(struct udsx_chan *ch, int d)
{
	if (atomic_load_explicit(&ch->open_seen[d], memory_order_relaxed))
		return true;
	if (!(atomic_load_explicit(&ch->h->dir[d].gate, memory_order_acquire) & GATE_OPEN))
		return false;
	atomic_store_explicit(&ch->open_seen[d], true, memory_order_relaxed);
	return true;
}

/* Writer of direction d (fd is its socket): open the gate if the switch
 * point can be fixed now. True if the ring carries this direction. */
bool udsx_gate_try_open(int fd, struct udsx_chan *ch, int d)
{
	_Atomic uint32_t *g = &ch->h->dir[d].gate;
	uint32_t zero = 0;
	int q = -1;

	if (atomic_load(g) & GATE_OPEN)
		return true;
	if (!atomic_load(&ch->h->end[1 - d].joined) || udsx_ring_closed(ch, d) ||
	    (atomic_load(&ch->h->dir[d].flags) & (DIR_WR_SHUT | DIR_RD_SHUT | DIR_CORRUPT)))
		return false;
	/* a send buffer larger than the ring can hold stays with the kernel */
	if ((uint64_t)atomic_load(&ch->h->end[d].sndbuf) + 2 * 65536 > ch->ring_size / 2)
		return false;
	if (!atomic_compare_exchange_strong(g, &zero, GATE_OPENING))
		return false;
	if (udsx_real.ioctl(fd, SIOCOUTQ, &q) < 0 || q != 0) {
		atomic_store(g, 0);
		return false;
	}
	udsx_pin_sndbuf(fd, ch, d);
	atomic_store_explicit(g, GATE_OPEN, memory_order_release);
	udsx_dbg("fd %d: direction %d of channel %p now in the ring", fd, d, (void *)ch);
	return true;
}

/*
 * The reader can fix the switch point too, and a streaming writer needs it
 * to: the writer's own SIOCOUTQ is seldom 0 when it looks, but the reader
 * sees the moment its queue runs dry. With no kernel call counted, nothing
 * readable in the kernel (no byte, no zero-length record, no EOF) and the
 * writer joined, every byte the writer ever sent through the kernel has
 * been read: the gate can open. The writer pins its send buffer at its
 * first send into the ring (path.c).
 */
static bool open_for_writer(int fd, struct udsx_chan *ch, int d)
{
	_Atomic uint32_t *g = &ch->h->dir[d].gate;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint32_t zero = 0;
	int q = -1;

	if (atomic_load(g) || !atomic_load(&ch->h->end[d].joined) || udsx_ring_closed(ch, d) ||
	    (atomic_load(&ch->h->dir[d].flags) & (DIR_WR_SHUT | DIR_RD_SHUT | DIR_CORRUPT)) ||
	    (uint64_t)atomic_load(&ch->h->end[d].sndbuf) + 2 * 65536 > ch->ring_size / 2)
		return false;
	if (!atomic_compare_exchange_strong(g, &zero, GATE_OPENING))
		return false;
	if (udsx_real.poll(&p, 1, 0) != 0 || udsx_real.ioctl(fd, SIOCINQ, &q) < 0 || q != 0) {
		atomic_store(g, 0);
		return false;
	}
	atomic_store_explicit(g, GATE_OPEN, memory_order_release);
	udsx_dbg("fd %d: direction %d of channel %p now in the ring (opened by the reader)", fd, d,
		 (void *)ch);
	return udsx_gate_is_open(ch, d);
}

/* Take a count for one kernel call on a shut gate. 0: the gate is open
 * (the ring carries the direction); 1: counted; -1: the gate word makes no
 * sense (a writer cannot stay OPENING for long): the channel is corrupt. */
static int enter(struct udsx_chan *ch, int d, uint32_t one)
{
	_Atomic uint32_t *g = &ch->h->dir[d].gate;
	uint32_t v = atomic_load(g);
	int spins = 0;

	for (;;) {
		if (v & GATE_OPEN)
			return 0;
		if ((v & GATE_OPENING) || (v & GATE_COUNTS) >= GATE_COUNTS - GATE_READ1) {
			/* a writer is between two instructions of its own */
			if (++spins > 20000)
				return -1;
			sched_yield();
			v = atomic_load(g);
			continue;
		}
		if (atomic_compare_exchange_weak(g, &v, v + one))
			return 1;
	}
}

static ssize_t corrupt(int fd, struct udsx_end *e, int d)
{
	udsx_dbg("fd %d: gate of direction %d stuck: corrupt channel", fd, d);
	udsx_ring_corrupt(e->ch, d);
	udsx_revert_end(fd, e, EPROTO);
	return UDSX_PASS;
}

static void hold(struct udsx_end *e, int d, uint32_t one)
{
	e->held_gate = &e->ch->h->dir[d].gate;
	e->held_n = one;
}

void udsx_gate_leave(struct udsx_end *e)
{
	if (e->held_gate) {
		atomic_fetch_sub(e->held_gate, e->held_n);
		e->held_gate = NULL;
	}
}

/*
 * A send on a shut gate. Returns 0 when the ring takes it (the gate is or
 * has just been opened), or UDSX_PASS with a count held in `e` until the
 * caller's kernel send returns (udsx_gate_leave, run by the caller).
 */
ssize_t udsx_gate_send(int fd, struct udsx_end *e)
{
	int d = e->side;

	int r;

	if (udsx_gate_try_open(fd, e->ch, d))
		return 0;
	r = enter(e->ch, d, GATE_SEND1);
	if (r <= 0)
		return r ? corrupt(fd, e, d) : 0;
	hold(e, d, GATE_SEND1);
	return UDSX_PASS;
}

/*
 * A read on a shut gate: the kernel serves it, but a consuming kernel read
 * may only run while it holds a count, and must not sleep holding it. So a
 * blocking read with nothing to read sleeps in a non-consuming MSG_PEEK
 * first. That peek returns what the read would have returned on a timeout,
 * a signal or a pending error (it consumes the error as the read would).
 * Returns 0 when the gate is open (read the ring), UDSX_PASS with a count
 * held in `e`, or -errno.
 */
ssize_t udsx_gate_recv(int fd, struct udsx_end *e, bool nb)
{
	int d = 1 - e->side;
	char b;

	if (open_for_writer(fd, e->ch, d))
		return 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = enter(e->ch, d, GATE_READ1);

		if (r <= 0)
			return r ? corrupt(fd, e, d) : 0;
		if (nb || udsx_real.poll(&p, 1, 0) != 0) {
			hold(e, d, GATE_READ1);
			return UDSX_PASS;
		}
		atomic_fetch_sub(&e->ch->h->dir[d].gate, GATE_READ1);
		if (udsx_real.recv(fd, &b, 1, MSG_PEEK) < 0)
			return -errno;
	}
}

/* SIOCINQ on a shut gate: the kernel answers, with no doorbell allowed in
 * between. UDSX_PASS with a count held, or 0 if the gate is open. */
ssize_t udsx_gate_inq(struct udsx_end *e)
{
	int d = 1 - e->side;

	if (enter(e->ch, d, GATE_READ1) <= 0)
		return 0;	/* open, or corrupt: the reads find out */
	hold(e, d, GATE_READ1);
	return UDSX_PASS;
}
