/* SPDX-License-Identifier: MIT */
/* bell.c -- doorbells: keep the real socket's readiness equal to the channel's, without a syscall per message.
 *
 * Invariant, whenever no udsx read is in progress on the reader's end:
 * the ring of a direction is non-empty exactly when the reader's kernel
 * queue holds a doorbell. Unmodified poll/select/epoll on the real fd then
 * see POLLIN exactly when the kernel would.
 *
 * Memory-ordering contract: everything goes through one CAS on dir.ctl
 * (seq_cst), which orders against the seq_cst tail store of the publish and
 * the seq_cst head store of the consume:
 *  - the writer, after publishing n units, either takes n from a reader's
 *    claim (the reader is spinning and will consume them before it
 *    returns), or finds a doorbell already outstanding, or counts a new
 *    doorbell in `sent` and then sends one byte (it holds wlock across both,
 *    so doorbells reach the kernel in `sent` order, before any later data);
 *  - the reader, finding the ring empty, adds the outstanding count to
 *    `eaten` first and then reads that many bytes from its kernel queue.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include "internal.h"

/*
 * A reader asleep in a consuming recv (path.c, consume_sleep) retires the
 * doorbell that wakes it; nobody else may take a byte from under it. Its
 * mark is cleared here if it died asleep (killed, or a thread gone in an
 * exec: inherit.c clears the tid of a main thread whose tid lives on). Our own mark means a signal handler interrupted our own sleep:
 * that frame is frozen until we return, so we may retire doorbells, and
 * its recv, restarted, accounts for whatever it gets then.
 */
static bool sleeper_owns(struct udsx_chan *ch, int d)
{
	_Atomic uint64_t *ctl = &ch->h->dir[d].ctl;
	uint64_t c = atomic_load(ctl);
	uint32_t t;
	int e = errno;

	if (!(c & CTL_SLEEPER))
		return false;
	t = atomic_load(&ch->h->dir[d].rsleep);
	if (t == udsx_tid())
		return false;
	if (!t || (kill((pid_t)t, 0) < 0 && errno == ESRCH)) {
		while ((c & CTL_SLEEPER) && !atomic_compare_exchange_weak(ctl, &c, c & ~CTL_SLEEPER))
			;
		errno = e;
		return false;
	}
	errno = e;
	return true;
}

/* Doorbells a writer keeps outstanding for a non-empty ring: one; with a
 * reader asleep consuming, one more for its wake if it cannot take all
 * that is queued (it takes at most rsleep_len). */
static unsigned bells_wanted(struct udsx_chan *ch, int d, uint64_t c)
{
	struct udsx_dir *dir = &ch->h->dir[d];
	uint64_t queued;

	if (!(c & CTL_SLEEPER))
		return 1;
	queued = atomic_load(&dir->pub_bytes) - atomic_load(&dir->con_bytes);
	return queued > atomic_load_explicit(&dir->rsleep_len, memory_order_relaxed) ? 2 : 1;
}

/* Wait (briefly) until no reader sleeps in a consuming recv, so that the
 * caller may read the kernel queue itself. The sleeper is always woken
 * first: by a doorbell, or by the revert that closed the ring. The bound
 * (10 ms) is for a mark that outlived its thread under a tid that is
 * still in use (an exec that replaced the sleeping main thread's image
 * with one that does not re-attach). */
void udsx_bell_wait_sleeper(struct udsx_chan *ch, int d)
{
	uint64_t until = udsx_now_ns() + 10000000ull;

	while (sleeper_owns(ch, d) && udsx_now_ns() < until)
		sched_yield();
}

/*
 * Send `n` doorbells (1 or 2) that the caller has just counted in `sent`.
 * Those the kernel does not take are counted back, so nobody waits for
 * them. Returns how many went, or -errno if none did.
 */
static int send_counted(int fd, struct udsx_chan *ch, int d, unsigned n)
{
	ssize_t r = udsx_real.send(fd, "BB", n, MSG_DONTWAIT | MSG_NOSIGNAL);
	int e = errno;

	if (r != (ssize_t)n)
		atomic_fetch_sub(&ch->h->dir[d].ctl, (uint64_t)(n - (r > 0 ? r : 0)) << 16);
	atomic_fetch_add_explicit(&ch->h->dir[d].bells_done, n, memory_order_release);
	if (r < 0)
		udsx_dbg("doorbell send failed: errno %d", e);
	return r < 0 ? -e : (int)r;
}

/*
 * Writer side of a revert, holding wlock, after CTL_CLOSED: a reader asleep
 * in a consuming recv gets a doorbell of its own ahead of the kernel data
 * that follows, so it wakes on a byte that is not data.
 */
void udsx_bell_wake_sleeper(int fd, struct udsx_chan *ch, int d)
{
	_Atomic uint64_t *ctl = &ch->h->dir[d].ctl;
	uint64_t c = atomic_load(ctl), nc;

	if (!(c & CTL_SLEEPER))
		return;
	do {
		nc = CTL_ADD_SENT(c, 1);
	} while (!atomic_compare_exchange_weak(ctl, &c, nc));
	send_counted(fd, ch, d, 1);
}

void udsx_claim_set(struct udsx_chan *ch, int d, uint32_t n)
{
	_Atomic uint64_t *ctl = &ch->h->dir[d].ctl;
	uint64_t c = atomic_load(ctl), nc;

	if (n > CTL_CLAIM_MASK)
		n = CTL_CLAIM_MASK;
	do {
		if ((c & CTL_CLOSED) || CTL_OUTSTANDING(c))
			return;
		nc = (c & ~(CTL_CLAIM_MASK << CTL_CLAIM_SHIFT)) | ((uint64_t)n << CTL_CLAIM_SHIFT);
	} while (!atomic_compare_exchange_weak(ctl, &c, nc));
}

void udsx_claim_drop(struct udsx_chan *ch, int d)
{
	_Atomic uint64_t *ctl = &ch->h->dir[d].ctl;
	uint64_t c = atomic_load(ctl);

	while (CTL_CLAIM(c) &&
	       !atomic_compare_exchange_weak(ctl, &c, c & ~(CTL_CLAIM_MASK << CTL_CLAIM_SHIFT)))
		;
}

/* Writer side, after publishing n units (bytes on STREAM, 1 per record).
 * Returns 0, or -errno when the doorbell could not be delivered because the
 * peer is gone (the caller then lets the kernel report it). */
int udsx_bell_notify(int fd, struct udsx_chan *ch, int d, uint32_t n)
{
	_Atomic uint64_t *ctl = &ch->h->dir[d].ctl;
	uint64_t c = atomic_load(ctl), nc;
	unsigned k, want, ring;
	int r;

	do {
		if (c & CTL_CLOSED)
			return 0;
		/* One doorbell stands for a non-empty ring. But DGRAM and
		 * SEQPACKET readers sleep in an exclusive kernel wait, woken
		 * one per arriving packet, and a woken reader only peeks the
		 * doorbell: with two readers asleep, the second needs a packet
		 * of its own, or it sleeps on with a record in the ring. A
		 * STREAM reader asleep consuming may need one more, decided
		 * in the same CAS as the first: once it has woken, a second
		 * decision would no longer see it (bells_wanted). */
		k = CTL_OUTSTANDING(c);
		if (ch->type == SOCK_STREAM)
			want = bells_wanted(ch, d, c);
		else
			want = k && atomic_load_explicit(&ch->h->end[1 - d].asleep,
							 memory_order_relaxed) >= 2 ? 2 : 1;
		if (k >= want)
			return 0;
		if ((!k || ch->type != SOCK_STREAM) && CTL_CLAIM(c) >= n) {
			nc = c - ((uint64_t)n << CTL_CLAIM_SHIFT);
			ring = 0;
		} else {
			ring = want - k;
			nc = CTL_ADD_SENT(c & ~(CTL_CLAIM_MASK << CTL_CLAIM_SHIFT), ring);
		}
	} while (!atomic_compare_exchange_weak(ctl, &c, nc));
	if (!ring)
		return 0;
	/* one send: on STREAM two doorbells are two bytes of one segment,
	 * and a record type rings a second only for a second sleeper */
	r = send_counted(fd, ch, d, ring);
	if (r == -EPIPE || r == -ECONNREFUSED || r == -ECONNRESET || r == -ENOTCONN)
		return r;
	return 0;
}

static void nap(void)
{
	struct timespec ts = { 0, 20000 };

	nanosleep(&ts, NULL);
}

/* A writer counts a doorbell in `sent` just before its send(); wait
 * briefly until doorbells up to `sent` are really in the kernel, so the
 * reader does not sleep on one that is a few instructions away. */
static void wait_delivered(struct udsx_chan *ch, int d, uint64_t sent)
{
	_Atomic uint32_t *done = &ch->h->dir[d].bells_done;
	int i;

	for (i = 0; i < 20000; i++) {
		if ((uint16_t)(atomic_load_explicit(done, memory_order_acquire) - (uint32_t)sent) < 0x8000)
			return;
		if (i < 2000)
			__builtin_ia32_pause();
		else
			sched_yield();
	}
}

/*
 * Read one doorbell the caller has counted as eaten; `sent` is the writers'
 * doorbell count the caller saw. The byte is normally in the kernel
 * already: a reader woken by poll or epoll was woken by that byte, inside
 * the writer's send() and before bells_done moves (on a shared CPU the woken
 * reader even preempts the writer right there, so waiting for bells_done
 * first cost a spin and sched_yield()s per message). So read first, and
 * wait for the writer's send() only when the byte is not there yet.
 * Returns 1, 0 if it never comes (EOF first: the writer is gone), or -errno.
 */
static int take_bell(int fd, struct udsx_chan *ch, int d, uint32_t sent)
{
	int tries;
	char b;

	for (tries = 0; tries <= 5000; tries++) {
		ssize_t r = udsx_real.recv(fd, &b, 1, MSG_DONTWAIT);

		if (r == 1)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		/* the writer counted it but has not sent it yet */
		if (tries == 0)
			wait_delivered(ch, d, sent);
		else
			nap();
	}
	udsx_dbg("doorbell never arrived");
	return 0;
}

/*
 * Reader side: the ring looked empty; retire outstanding doorbells. Caller
 * holds rlock. Returns 0, or -errno if the kernel reported a pending error
 * instead (SEQPACKET reports ECONNRESET before queued messages); the error
 * is then the caller's to return.
 */
static int bell_eat(int fd, struct udsx_chan *ch, int d, uint64_t c);

int udsx_bell_eat(int fd, struct udsx_chan *ch, int d)
{
	_Atomic uint64_t *ctl = &ch->h->dir[d].ctl;
	uint64_t c = atomic_load(ctl);
	int r;

	if (!CTL_OUTSTANDING(c) || sleeper_owns(ch, d))
		return 0;
	atomic_fetch_add(&ch->h->dir[d].eating, 1);
	r = bell_eat(fd, ch, d, atomic_load(ctl));
	atomic_fetch_sub(&ch->h->dir[d].eating, 1);
	return r;
}

static int bell_eat(int fd, struct udsx_chan *ch, int d, uint64_t c)
{
	_Atomic uint64_t *ctl = &ch->h->dir[d].ctl;
	uint64_t nc;
	unsigned k;
	uint32_t sent;
	int r;

	do {
		k = CTL_OUTSTANDING(c);
		if (!k)
			return 0;
		nc = (c & ~0xffffull) | CTL_SENT(c);
	} while (!atomic_compare_exchange_weak(ctl, &c, nc));
	/* A record published between the caller's "empty" and our count saw
	 * a doorbell outstanding and rang none: keep one for it. */
	if (!(nc & CTL_CLOSED) && !udsx_ring_empty(ch, d)) {
		c = nc;
		do {
			nc = CTL_ADD_EATEN(c, -1);
		} while (!atomic_compare_exchange_weak(ctl, &c, nc));
		k--;
	}
	sent = (uint32_t)CTL_SENT(c);
	while (k) {
		r = take_bell(fd, ch, d, sent);
		if (r < 0) {
			/* give the uneaten ones back, report the error */
			atomic_fetch_sub(ctl, k);
			return r;
		}
		if (!r)
			return 0;	/* EOF before the doorbell: the peer never sent it */
		k--;
	}
	/* the ring is empty: no ballast either (ballast.c) */
	if (udsx_ring_empty(ch, d))
		atomic_store(&ch->h->dir[d].ballast, 0);
	return 0;
}

/*
 * Writer, holding wlock: send doorbells until `want` are outstanding. Used
 * for ballast (ballast.c). Returns 1 if it sent one, 0 if none was needed
 * or possible.
 */
int udsx_bell_topup(int fd, struct udsx_chan *ch, int d, unsigned want)
{
	_Atomic uint64_t *ctl = &ch->h->dir[d].ctl;
	uint64_t c = atomic_load(ctl), nc;

	do {
		/* (a reader asleep consuming will take one of them) */
		if ((c & CTL_CLOSED) || CTL_OUTSTANDING(c) >= want + !!(c & CTL_SLEEPER))
			return 0;
		nc = CTL_ADD_SENT(c, 1);
	} while (!atomic_compare_exchange_weak(ctl, &c, nc));
	return send_counted(fd, ch, d, 1) == 1;
}

/* Reader, holding rlock: retire one doorbell if more than `keep` are
 * outstanding. */
static void bell_eat_one(int fd, struct udsx_chan *ch, int d, unsigned keep)
{
	_Atomic uint64_t *ctl = &ch->h->dir[d].ctl;
	uint64_t c = atomic_load(ctl), nc;

	do {
		if (CTL_OUTSTANDING(c) <= keep)
			return;
		nc = CTL_ADD_EATEN(c, 1);
	} while (!atomic_compare_exchange_weak(ctl, &c, nc));
	/* As in udsx_bell_eat: a record published since the caller looked at
	 * the ring may rely on the doorbell we just counted; then it stays. */
	if (!CTL_OUTSTANDING(nc) && !(nc & CTL_CLOSED) && !udsx_ring_empty(ch, d)) {
		c = nc;
		do {
			nc = CTL_ADD_EATEN(c, -1);
		} while (!atomic_compare_exchange_weak(ctl, &c, nc));
		return;
	}
	take_bell(fd, ch, d, (uint32_t)CTL_EATEN(nc));
}

void udsx_bell_eat_one(int fd, struct udsx_chan *ch, int d, unsigned keep)
{
	if (sleeper_owns(ch, d) || CTL_OUTSTANDING(atomic_load(&ch->h->dir[d].ctl)) <= keep)
		return;
	/* (counted while eating, as in udsx_bell_eat) */
	atomic_fetch_add(&ch->h->dir[d].eating, 1);
	bell_eat_one(fd, ch, d, keep);
	atomic_fetch_sub(&ch->h->dir[d].eating, 1);
}
