/* SPDX-License-Identifier: MIT */
/* fast.c -- the one-buffer send and read in their everyday state, without the general path's bookkeeping.
 *
 * Most sends on a busy stream are the same call: one buffer of a few
 * bytes to a few KiB, into a channel that is open, has room, and whose
 * reader already holds a doorbell; and a reader that is behind reads one
 * buffer from a ring that already holds data. The general path (path.c)
 * pays for every case it must handle (iovecs, segmenting, waiting, claims,
 * the gate, reverts) on every call; at 64 B that is most of a call's cost.
 * These paths handle only that everyday state, and hand anything else to
 * the general path *before* they have changed anything, so that the
 * general path then does exactly what it would have done alone. Past that
 * point they finish the call exactly as the general path does, through the
 * same functions (stream_send()'s doorbell, charge and hand-over; the
 * read's taking step, udsx_read_held()).
 *
 * Memory-ordering contract: shm.h's, through ring.c (publish; the
 * reader's copy of tail), bell.c (doorbell decision), ballast.c and
 * lock.c; the loads here that decide whether to take a path (reverted,
 * flags, pinned, rcvlowat, ctl) are the same loads the general path makes,
 * each read once, and the read path reads ctl under the read lock.
 */
#include <errno.h>
#include "internal.h"
#include "pin.h"

#define SEND_FLAGS_OK	(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_EOR | MSG_MORE)
/* One kmalloc'd head, no pages: the segment the kernel makes of it has
 * the simple truesize (truesize.c). */
#define FAST_MAX	3776u

/*
 * The channel end fd names, pinned (pin.h; udsx_unpin(ch, *tok) when
 * done), if it is a STREAM end or the call is a read, this process has
 * seen the direction the call uses (`reading`: the one toward this end)
 * open, and the end has not gone back to the kernel; NULL otherwise. As
 * udsx_lookup: the entry is looked at again once pinned, in case a close
 * came first. (The channel struct is never freed, only its mapping, which
 * the pin keeps.) Inlined into each path: as a call it was ~14 of a 64 B
 * write's instructions (callgrind, bench/writecost).
 */
static inline __attribute__((always_inline))
struct udsx_chan *hold(int fd, bool reading, int *side, int *tok)
{
	uintptr_t ent = udsx_table_raw(fd);
	struct udsx_chan *ch = (struct udsx_chan *)(ent & ~(uintptr_t)1);
	int s = (int)(ent & 1);

	if (!ent || (ch->type != SOCK_STREAM && !reading) ||
	    !atomic_load_explicit(&ch->open_seen[reading ? 1 - s : s], memory_order_relaxed))
		return NULL;
	*tok = udsx_pin(ch);
	if (udsx_table_raw(fd) != ent ||
	    atomic_load_explicit(&ch->h->end[s].reverted, memory_order_acquire)) {
		udsx_unpin(ch, *tok);
		return NULL;
	}
	*side = s;
	return ch;
}

ssize_t udsx_fast_send(int fd, const void *buf, size_t n, int flags)
{
	struct udsx_end e = { 0 };
	struct udsx_chan *ch;
	struct udsx_hdr *h;
	struct udsx_dir *dir;
	uint32_t sndbuf;
	uint64_t c, charged;
	int d, r, saved, tok;

	if (n - 1 >= FAST_MAX || (flags & ~SEND_FLAGS_OK) || !(ch = hold(fd, false, &d, &tok)))
		return UDSX_PASS;
	h = ch->h;
	dir = &h->dir[d];
	if ((atomic_load_explicit(&dir->flags, memory_order_acquire) &
	     (DIR_RD_SHUT | DIR_WR_SHUT | DIR_CORRUPT)) ||
	    !atomic_load_explicit(&h->end[d].pinned, memory_order_relaxed) ||
	    udsx_end_may_be_dead(ch, 1 - d))
		goto pass;	/* (a peer maybe dead: the general path asks the kernel) */
	sndbuf = atomic_load(&h->end[d].sndbuf);
	if (n > udsx_stream_seg_max(sndbuf) || !udsx_trylock(&dir->wlock))
		goto pass;
	if (udsx_writer_charged(ch, d, sndbuf - 1) >= sndbuf)
		goto unlock_pass;	/* full: the general path waits or says EAGAIN */
	r = udsx_ring_put1(ch, d, buf, (uint32_t)n, udsx_truesize_stream(n));
	if (r < 0)
		goto unlock_pass;	/* no room, closed, or a bad buffer: nothing published */
	/* Published. The reader holds a doorbell for a non-empty ring and
	 * nobody sleeps consuming: nothing to ring (udsx_bell_notify's first
	 * test). Otherwise it decides, as on the general path. */
	c = atomic_load(&dir->ctl);
	if ((c & (CTL_CLOSED | CTL_SLEEPER)) || !CTL_OUTSTANDING(c)) {
		saved = errno;
		r = udsx_bell_notify(fd, ch, d, (uint32_t)n);
		errno = saved;
		if (r < 0) {
			/* the peer is gone: as stream_send, the kernel says how */
			struct iovec v = { (void *)buf, n };
			struct udsx_io io = { &v, 1, n, flags, 0, false };
			ssize_t k;

			e.ch = ch;
			e.side = d;
			udsx_unlock(&dir->wlock);
			k = udsx_send_to_kernel(fd, &e, &io, 0);
			if (k >= 0)
				errno = saved;
			udsx_unpin(ch, tok);
			return k;
		}
	}
	charged = udsx_writer_charged(ch, d, sndbuf / 4);
	udsx_unlock_quick(&dir->wlock);
	if (charged > sndbuf / 4) {
		saved = errno;
		udsx_ballast_check(fd, ch, d);
		errno = saved;
	}
	udsx_unpin(ch, tok);
	return (ssize_t)n;
unlock_pass:
	udsx_unlock(&dir->wlock);
pass:
	udsx_unpin(ch, tok);
	return UDSX_PASS;
}

/*
 * read() and recv() of one buffer when the ring already holds data and a
 * doorbell stands for it (the reader is behind a streaming writer): no
 * claim to set or drop, no waiting before the take. The same checks as
 * the general path, and then its taking step (path.c, udsx_read_held).
 * UDSX_PASS before anything shared has changed, or when a STREAM ring
 * turned out corrupt (nothing was taken; the general path then reverts the
 * end); otherwise bytes or -errno, as from the general path.
 */
ssize_t udsx_fast_recv(int fd, void *buf, size_t n, int flags)
{
	struct iovec v = { buf, n };
	struct udsx_io io = { &v, 1, n, flags, 0, false };
	struct udsx_end e = { 0 };
	struct udsx_chan *ch;
	struct udsx_dir *dir;
	uint64_t c;
	ssize_t r;
	int side, d, saved, tok;

	if (!n || (flags & ~MSG_DONTWAIT) || !(ch = hold(fd, true, &side, &tok)))
		return UDSX_PASS;
	d = 1 - side;
	dir = &ch->h->dir[d];
	if ((ch->type == SOCK_STREAM && atomic_load(&ch->h->end[side].rcvlowat) > 1) ||
	    (ch->type == SOCK_SEQPACKET &&
	     (udsx_ring_closed(ch, side) || udsx_end_may_be_dead(ch, d))) ||
	    !udsx_out_known(&v, 1, 0, n) || udsx_ring_empty(ch, d) || !udsx_trylock(&dir->rlock))
		goto pass;
	/* under rlock nobody else eats a doorbell, so one standing now stands
	 * until this read decides (bell.c) */
	c = atomic_load(&dir->ctl);
	if ((c & (CTL_CLOSED | CTL_SLEEPER)) || !CTL_OUTSTANDING(c) || CTL_CLAIM(c) ||
	    (atomic_load(&dir->flags) & DIR_CORRUPT)) {
		udsx_unlock(&dir->rlock);
		goto pass;
	}
	e.ch = ch;
	e.side = side;
	saved = errno;
	r = udsx_read_held(fd, &e, &io);
	errno = saved;
	udsx_unpin(ch, tok);
	return r;
pass:
	udsx_unpin(ch, tok);
	return UDSX_PASS;
}
