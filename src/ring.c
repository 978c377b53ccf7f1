/* SPDX-License-Identifier: MIT */
/* ring.c -- the record ring of one direction: publish, walk and consume records, with bounds checks.
 *
 * Memory-ordering contract: see shm.h. The writer (holding wlock) copies a
 * record then release-stores `tail` with a CAS that fails once CTL_CLOSED
 * is set in `tail`, so a revert fixes the switch point exactly. The reader
 * (holding rlock) acquire-loads `tail`, validates every header it reads
 * against the ring size and the published range, and release-stores `head`.
 * A rewind (udsx_ring_rewind) holds both locks and does the two sides' own
 * steps in their order: pad, tail, then head.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "internal.h"

#define TAIL_CLOSED (1ull << 63)

static unsigned char *ring(struct udsx_chan *ch, int d)
{
	return (unsigned char *)ch->h + sizeof(struct udsx_hdr) + (size_t)d * ch->ring_size;
}

/* Counter owned by one side under its lock: no atomic RMW needed, only
 * atomic access for the other side's readers. */
static inline void add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
			      memory_order_release);
}

void udsx_ring_corrupt(struct udsx_chan *ch, int d)
{
	atomic_fetch_or(&ch->h->dir[d].flags, DIR_CORRUPT);
	udsx_dbg("channel %p direction %d is corrupt", (void *)ch, d);
}

/* Fix the ring's end: no writer publishes after this (revert.c). */
void udsx_ring_close(struct udsx_chan *ch, int d)
{
	atomic_fetch_or(&ch->h->dir[d].tail, TAIL_CLOSED);
}

bool udsx_ring_closed(struct udsx_chan *ch, int d)
{
	return atomic_load_explicit(&ch->h->dir[d].tail, memory_order_acquire) & TAIL_CLOSED;
}

/*
 * Writer, holding wlock: the truesize charged in direction d, computed from
 * this process's last look at the reader's charge_out. That copy can only
 * be behind, so the result can only be too high; it is refreshed when it
 * exceeds `limit`, so a result above `limit` is exact.
 */
uint64_t udsx_writer_charged(struct udsx_chan *ch, int d, uint64_t limit)
{
	struct udsx_dir *dir = &ch->h->dir[d];
	uint64_t in = atomic_load_explicit(&dir->charge_in, memory_order_relaxed);

	if (in - ch->w_out[d] <= limit)
		return in - ch->w_out[d];
	ch->w_out[d] = atomic_load_explicit(&dir->charge_out, memory_order_acquire);
	return in - ch->w_out[d];
}

/* The published end of the ring, without the closed mark. */
uint64_t udsx_ring_tail(struct udsx_chan *ch, int d)
{
	return atomic_load_explicit(&ch->h->dir[d].tail, memory_order_acquire) & ~TAIL_CLOSED;
}

/*
 * Reader: the published end of direction d. `tail` is the line the writer
 * stores to for every record, so a reader that looks at it on every call
 * takes a cache miss per call and makes the writer's next store wait for
 * the line to come back. This process keeps its last look (`r_tail`, which
 * only grows, as `tail` does) and looks again only when that copy shows
 * nothing beyond `head`: a stale copy can only show fewer records than
 * there are, and a walk that reaches it looks again before it says "no
 * more" (load()), so nothing published is ever missed. Release/acquire on
 * the copy carries the acquire of `tail` to another reader thread.
 */
static uint64_t fresh_tail(struct udsx_chan *ch, int d)
{
	uint64_t t = atomic_load_explicit(&ch->h->dir[d].tail, memory_order_acquire) & ~TAIL_CLOSED;

	atomic_store_explicit(&ch->r_tail[d], t, memory_order_release);
	return t;
}

static uint64_t seen_tail(struct udsx_chan *ch, int d, uint64_t head, bool *fresh)
{
	uint64_t t = atomic_load_explicit(&ch->r_tail[d], memory_order_acquire);

	*fresh = (int64_t)(t - head) <= 0;
	return *fresh ? fresh_tail(ch, d) : t;
}

bool udsx_ring_empty(struct udsx_chan *ch, int d)
{
	uint64_t h = atomic_load_explicit(&ch->h->dir[d].head, memory_order_acquire);
	bool fresh;
	uint64_t t = seen_tail(ch, d, h, &fresh);

	return h == t;
}

/*
 * Ask for the lines a few records ahead in exclusive state now, while the
 * program makes its next message: the reader's core holds them from the
 * last lap, and a store that has to fetch its line first keeps the store
 * buffer full, so the next write's locked instructions wait for it.
 * (PREFETCHW is a no-op on x86 CPUs without it; other architectures get
 * the compiler's write prefetch.)
 */
#define PREFETCH_DIST 512
static inline void prefetch_ahead(unsigned char *r, uint64_t t, uint64_t size)
{
	unsigned char *p = r + ((t + PREFETCH_DIST) & (size - 1) & ~(uint64_t)63);

#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetchw %0" : : "m"(*p));
#else
	__builtin_prefetch(p, 1, 3);
#endif
}

/*
 * Make room for a record of `len` payload bytes at the tail, padding to the
 * ring's start when it does not fit before the end. Caller holds wlock.
 * On 0, *rec is where the record goes and *nt the tail after it.
 */
static inline int reserve(struct udsx_chan *ch, int d, uint32_t len, struct udsx_rec **rec,
			  uint64_t *nt)
{
	struct udsx_dir *dir = &ch->h->dir[d];
	uint64_t size = ch->ring_size, t, h, pos, need, room, span;
	unsigned char *r = ring(ch, d);

	t = atomic_load_explicit(&dir->tail, memory_order_relaxed);
	if (t & TAIL_CLOSED)
		return -EPIPE;
	need = sizeof(**rec) + UDSX_REC_ALIGN(len);
	pos = t & (size - 1);
	room = size - pos;
	/* a record never wraps: it is padded to the start when it does not fit */
	span = room < need ? room + need : need;
	h = ch->w_head[d];
	if (t - h > size || size - (t - h) < span) {
		/* full as far as we last knew: look at the reader's head */
		h = atomic_load_explicit(&dir->head, memory_order_acquire);
		if (t - h > size) {
			udsx_ring_corrupt(ch, d);
			return -EPIPE;
		}
		ch->w_head[d] = h;
		if (size - (t - h) < span)
			return -ENOSPC;
	}
	if (room < need) {
		struct udsx_rec *pad = (struct udsx_rec *)(r + pos);

		pad->len = UDSX_REC_PAD;
		pad->truesize = 0;
		t += room;
		pos = 0;
	}
	*rec = (struct udsx_rec *)(r + pos);
	(*rec)->len = len;
	*nt = t + need;
	return 0;
}

/* Publish the record reserve() made, now filled: counters, then the tail. */
static inline int publish(struct udsx_chan *ch, int d, uint64_t nt, uint32_t len, uint32_t truesize)
{
	struct udsx_dir *dir = &ch->h->dir[d];
	uint64_t t;

	/* single writer (wlock): plain read-modify-write is enough */
	add(&dir->charge_in, truesize);
	add(&dir->pub_bytes, len);
	add(&dir->pub_msgs, 1);
	t = atomic_load_explicit(&dir->tail, memory_order_relaxed);
	/* The writer lock makes us the only tail writer; only a revert can
	 * change it under us (by setting TAIL_CLOSED). */
	if (!atomic_compare_exchange_strong_explicit(&dir->tail, &t, nt,
			memory_order_seq_cst, memory_order_relaxed)) {
		add(&dir->charge_in, -(uint64_t)truesize);
		add(&dir->pub_bytes, -(uint64_t)len);
		add(&dir->pub_msgs, -(uint64_t)1);
		return -EPIPE;
	}
	prefetch_ahead(ring(ch, d), nt, ch->ring_size);
	return 0;
}

/* reserve, copy, publish; `plain`: one buffer copied only if it is
 * already proven readable (-EAGAIN otherwise), else any iovec (-EFAULT
 * for a bad one). Nothing is published on failure. Always inlined, so
 * that each caller gets its own copy with `plain` folded away (out of
 * line it cost the fast path ~35 instructions per write, callgrind). */
static inline __attribute__((always_inline))
int put(struct udsx_chan *ch, int d, const struct iovec *iov, int iovcnt, size_t skip,
	uint32_t len, uint32_t truesize, bool plain)
{
	struct udsx_rec *rec;
	uint64_t nt;
	int r = reserve(ch, d, len, &rec, &nt);

	if (r < 0)
		return r;
	rec->truesize = truesize;
	if (plain ? udsx_copy_in1(rec + 1, iov[0].iov_base, len) < 0 :
		    udsx_copy_in(rec + 1, iov, iovcnt, skip, len) < 0)
		return plain ? -EAGAIN : -EFAULT;
	return publish(ch, d, nt, len, truesize);
}

/*
 * Append one record. Caller holds wlock. Returns 0, -ENOSPC if the ring has
 * no room (the caller waits or reverts), -EPIPE if the direction is closed,
 * -EFAULT if the program's buffer is bad (nothing is published then).
 */
int udsx_ring_put(struct udsx_chan *ch, int d, const struct iovec *iov, int iovcnt,
		  size_t skip, uint32_t len, uint32_t truesize)
{
	return put(ch, d, iov, iovcnt, skip, len, truesize, false);
}

/* udsx_ring_put for one plain buffer (fast.c), -EAGAIN if that buffer
 * is not proven readable yet (ucopy.c). */
int udsx_ring_put1(struct udsx_chan *ch, int d, const void *buf, uint32_t len, uint32_t truesize)
{
	struct iovec v = { (void *)buf, len };

	return put(ch, d, &v, 1, 0, len, truesize, true);
}

/* Load the record at cursor c->head, skipping pads. 0 = got one, -EAGAIN
 * = none, -EPROTO = corrupt. */
static int load(struct udsx_chan *ch, int d, struct udsx_cursor *c)
{
	uint64_t size = ch->ring_size, pos;
	unsigned char *r = ring(ch, d);
	struct udsx_rec rec;

	for (;;) {
		if (c->head == c->tail) {
			if (c->fresh)
				return -EAGAIN;
			c->tail = fresh_tail(ch, d);
			c->fresh = true;
			continue;
		}
		if (c->tail - c->head > size || (c->head & 7))
			return -EPROTO;
		pos = c->head & (size - 1);
		if (size - pos < sizeof(rec))
			return -EPROTO;
		memcpy(&rec, r + pos, sizeof(rec));
		if (rec.len == UDSX_REC_PAD) {
			c->head += size - pos;
			continue;
		}
		if (rec.len > size - pos - sizeof(rec) ||
		    sizeof(rec) + UDSX_REC_ALIGN((uint64_t)rec.len) > c->tail - c->head)
			return -EPROTO;
		c->len = rec.len;
		c->truesize = rec.truesize;
		c->data = r + pos + sizeof(rec);
		return 0;
	}
}

/* Start a walk at the head record. */
int udsx_ring_peek(struct udsx_chan *ch, int d, struct udsx_cursor *c)
{
	struct udsx_dir *dir = &ch->h->dir[d];
	int r;

	c->head = atomic_load_explicit(&dir->head, memory_order_relaxed);
	c->tail = seen_tail(ch, d, c->head, &c->fresh);
	c->off = atomic_load_explicit(&dir->head_off, memory_order_relaxed);
	r = load(ch, d, c);
	if (r == 0 && c->off > c->len)
		r = -EPROTO;
	if (r == -EPROTO)
		udsx_ring_corrupt(ch, d);
	return r;
}

/* Move the cursor to the next record (offset 0). */
int udsx_ring_next(struct udsx_chan *ch, int d, struct udsx_cursor *c)
{
	int r;

	c->head += sizeof(struct udsx_rec) + UDSX_REC_ALIGN((uint64_t)c->len);
	c->off = 0;
	r = load(ch, d, c);
	if (r == -EPROTO)
		udsx_ring_corrupt(ch, d);
	return r;
}

/* Publish consumption: new head position and offset, counters, freed truesize. */
void udsx_ring_consume(struct udsx_chan *ch, int d, uint64_t head, uint64_t off,
		       uint64_t bytes, uint64_t msgs, uint64_t freed)
{
	struct udsx_dir *dir = &ch->h->dir[d];

	add(&dir->con_bytes, bytes);
	add(&dir->con_msgs, msgs);
	add(&dir->charge_out, freed);
	atomic_store_explicit(&dir->head_off, off, memory_order_relaxed);
	atomic_store_explicit(&dir->head, head, memory_order_seq_cst);
}

/*
 * The ring's working set. Positions only grow, so a ring that is read as
 * fast as it is written still moves through all its pages, and each
 * channel that has carried a few MiB held its whole 2 MiB of shared
 * memory for good, where the kernel holds only what is queued. So:
 *
 *  - rewind: a reader that has emptied the ring with its position
 *    REWIND_AT or more into it (past the first page, when idle) moves
 *    both ends to the ring's start. It
 *    does what a writer and a reader would: under both locks, a pad record
 *    at the tail (reserve()'s own wrap), the tail published past it, then
 *    the head moved past it (a consume). Anyone who looks in between sees
 *    a valid ring holding one pad. Request/response traffic then keeps to
 *    the first REWIND_AT bytes (plus one message).
 *  - trim (`idle`): a reader that finds the ring empty and is about to
 *    wait or say EAGAIN (the connection is idle for now) rewinds and gives
 *    back every page the positions reached since the last trim but the
 *    ring's first (MADV_REMOVE: the shared memory itself, for every process that
 *    maps it), at most every TRIM_GAP_NS per direction, so that a stream
 *    that keeps catching up does not fault its pages in again at every
 *    lap, and only when that is TRIM_MIN or more (a connection idle after
 *    small messages keeps up to three pages more per direction).
 *
 * Both need the writer lock too, taken with a trylock: a writer busy now
 * means the ring is not idle. Neither changes what any call returns.
 */
#define REWIND_AT (64u << 10)
#define TRIM_GAP_NS 10000000ull
#define TRIM_MIN (4u << 12)

/* Caller holds rlock of direction d. */
void udsx_ring_rewind(struct udsx_chan *ch, int d, bool idle)
{
	struct udsx_dir *dir = &ch->h->dir[d];
	uint64_t size = ch->ring_size, h, t, pos, nt, hi, now = 0;
	unsigned char *r = ring(ch, d);

	if (size < 4 * REWIND_AT)
		return;		/* (small rings: nothing worth it) */
	h = atomic_load_explicit(&dir->head, memory_order_relaxed);
	pos = h & (size - 1);
	if (pos < REWIND_AT) {
		/* idle, and something to give back, not too soon after the last
		 * time (a read that sleeps for every message comes here each
		 * time: no writer's lock line to fetch then) */
		if (!idle || (pos < 4096 && ch->r_hi[d] <= 4096))
			return;
		now = udsx_now_ns();
		if (now - ch->r_trimmed[d] < TRIM_GAP_NS)
			return;
	}
	if (!udsx_trylock(&dir->wlock))
		return;
	t = atomic_load_explicit(&dir->tail, memory_order_acquire);
	if (t != h || (h & 7))	/* (also when closed: a revert owns it) */
		goto out;
	/* what the positions reached since the last rewind: from the ring's
	 * start up, or all of it after a lap */
	hi = h - ch->r_base[d] >= size ? size : pos;
	if (hi > ch->r_hi[d])
		ch->r_hi[d] = hi;
	if (pos >= REWIND_AT || (idle && pos >= 4096)) {
		struct udsx_rec *pad = (struct udsx_rec *)(r + pos);

		/* (h is 8-aligned and below size: a header fits) */
		pad->len = UDSX_REC_PAD;
		pad->truesize = 0;
		nt = h + (size - pos);
		if (!atomic_compare_exchange_strong_explicit(&dir->tail, &t, nt,
				memory_order_seq_cst, memory_order_relaxed))
			goto out;
		atomic_store_explicit(&dir->head_off, 0, memory_order_relaxed);
		atomic_store_explicit(&dir->head, nt, memory_order_seq_cst);
		ch->r_base[d] = nt;
		pos = 0;
	}
	if (idle) {
		/* (whole pages, past the one the next record goes to; the rings
		 * start after the header, so pages are counted in memory) */
		uintptr_t a = ((uintptr_t)r + pos + 4096) & ~(uintptr_t)4095;
		uintptr_t e = ((uintptr_t)r + ch->r_hi[d]) & ~(uintptr_t)4095;

		if (!now)
			now = udsx_now_ns();
		/* (not for a page or three: giving memory back unmaps it in
		 * every process that maps the channel, a TLB shootdown that
		 * cost a one-CPU ping-pong, which sleeps at every message and
		 * so came here every 10 ms, 22-25 us at p99 against 14-20) */
		if (now - ch->r_trimmed[d] >= TRIM_GAP_NS && e >= a + TRIM_MIN) {
			madvise((void *)a, e - a, MADV_REMOVE);
			ch->r_hi[d] = pos;
			ch->r_trimmed[d] = now;
		}
	}
out:
	udsx_unlock(&dir->wlock);
}

/* Drop everything queued (DGRAM: a send that finds the peer dead discards
 * the sender's own receive queue). Caller holds rlock. */
void udsx_ring_discard(struct udsx_chan *ch, int d)
{
	struct udsx_dir *dir = &ch->h->dir[d];
	uint64_t t = atomic_load(&dir->tail) & ~TAIL_CLOSED;

	udsx_ring_consume(ch, d, t, 0, atomic_load(&dir->pub_bytes) - atomic_load(&dir->con_bytes),
			  atomic_load(&dir->pub_msgs) - atomic_load(&dir->con_msgs),
			  udsx_dir_charged(dir));
}
