/* SPDX-License-Identifier: MIT */
/* path.c -- send and receive over a channel, per socket type, with the kernel's exact results.
 *
 * Memory-ordering and locking contract: a send holds the direction's wlock
 * from its first record to its doorbell; a receive holds rlock while it
 * walks and consumes records, and drops it before sleeping in the kernel.
 * Ring access goes through ring.c (which validates everything it reads),
 * doorbells through bell.c. Anything the channel cannot do exactly returns
 * UDSX_PASS after the direction has been reverted where that is needed, so
 * the caller performs the kernel call itself.
 */
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <string.h>
#include "internal.h"

#define SEND_OK_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL | MSG_EOR | MSG_MORE)
#define RECV_OK_FLAGS (MSG_PEEK | MSG_DONTWAIT | MSG_WAITALL | MSG_TRUNC | MSG_NOSIGNAL | MSG_CMSG_CLOEXEC)

size_t udsx_iov_total(const struct iovec *iov, int n)
{
	size_t t = 0;
	int i;

	for (i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

struct waitarg {
	struct udsx_chan *ch;
	int d;
	uint32_t limit;
};

static bool has_data(void *a)
{
	struct waitarg *w = a;

	return !udsx_ring_empty(w->ch, w->d);
}

static bool below(void *a)
{
	struct waitarg *w = a;

	return udsx_dir_charged(&w->ch->h->dir[w->d]) <= w->limit;
}

static bool nonblocking(struct udsx_end *e, int flags)
{
	return (flags & MSG_DONTWAIT) || atomic_load_explicit(&e->ch->h->end[e->side].nonblock,
							      memory_order_relaxed);
}

/* Is the peer end still held by anyone? (-> if not, the kernel decides) */
static bool peer_gone(struct udsx_chan *ch, int side)
{
	return atomic_load_explicit(&ch->h->dir[side].flags, memory_order_acquire) &
	       (DIR_RD_SHUT | DIR_WR_SHUT | DIR_CORRUPT);
}

/* After a send: the real socket's POLLOUT must go off past a quarter of
 * SO_SNDBUF, as the kernel's does (ballast.c). */
static void settle(int fd, struct udsx_end *e, uint64_t charged, uint32_t sndbuf)
{
	if (charged > sndbuf / 4)
		udsx_ballast_check(fd, e->ch, e->side);
}

static int timeo_ms(int fd, int opt);

/*
 * Sleep up to `ms` for the reader to free room, with the caller's signal
 * mask in force only inside ppoll(): a signal that arrives while we spin or
 * check stays pending until then, so it always interrupts the wait, as a
 * signal interrupts a sender blocked in the kernel. The reader's release of
 * the ballast (ballast.c) makes the socket writable and wakes us, just as the
 * kernel wakes a blocked sender only once a quarter of the buffer is free.
 * -EINTR if a handler ran.
 */
static int sleep_room(int fd, const sigset_t *callers, int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	if (udsx_real.ppoll(&p, 1, ms < 0 ? NULL : &ts, callers) < 0 && errno == EINTR)
		return -EINTR;
	/* the peer is gone (killed, or closed past udsx): no room will come */
	if (p.revents & (POLLHUP | POLLERR))
		return -EPIPE;
	return 0;
}

/*
 * Wait for the charge to drop below sndbuf. Returns 1 when there is room,
 * 0 when the caller should give the direction to the kernel (nothing sent
 * yet and the reader is not coming: the kernel's own blocking send then
 * gives exact signal and timeout behaviour), or -1 when the call must end
 * with its partial count (`sent` > 0: a signal, SO_SNDTIMEO, or the peer
 * went away; the kernel returns the partial count then too).
 */
static int wait_room(int fd, struct udsx_end *e, uint32_t sndbuf, size_t sent)
{
	struct waitarg w = { e->ch, e->side, sndbuf - 1 };
	int timeo = sent ? timeo_ms(fd, SO_SNDTIMEO) : -1, waited = 0, r = 1, slice, rs;
	/* With nothing sent yet, a signal's effect (EINTR or a restart) depends
	 * on SA_RESTART, which udsx cannot see: after 20 ms the kernel's own
	 * blocking send takes over. With part sent, any signal ends the call,
	 * so udsx can wait as long as the kernel would. */
	int limit = sent ? timeo : 20;
	sigset_t all, callers;

	if (below(&w))
		return 1;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &callers);
	/* (a writer's wait for a whole read spins 100 us at least) */
	if (udsx_cfg.spin_us > 0 &&
	    udsx_spin_until(below, &w, udsx_cfg.spin_us > 100 ? udsx_cfg.spin_us : 100,
			    udsx_spin_mode(e->ch, 1 - e->side)))
		goto out;
	for (;;) {
		if (udsx_ring_closed(e->ch, e->side) || peer_gone(e->ch, e->side)) {
			struct pollfd p = { .fd = fd, .events = 0 };
			int err;
			socklen_t l = sizeof(err);

			r = 0;
			if (!sent)
				break;
			/* A sender woken by the peer's close consumes the error
			 * that close posts; let the close land first. */
			if (udsx_ring_closed(e->ch, e->side))
				udsx_real.poll(&p, 1, 20);
			udsx_real.getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
			r = -1;
			break;
		}
		if (below(&w))
			break;
		if (limit >= 0 && waited >= limit) {
			r = sent ? -1 : 0;
			break;
		}
		udsx_ballast_check(fd, e->ch, e->side);
		/* Woken by the ballast's release, which the reader's shutdown
		 * and close also cause (sock.c, and the kernel's POLLOUT after
		 * a close); with no timeout there is nothing else to wait for,
		 * so an idle blocked sender costs no CPU. */
		slice = limit >= 0 ? limit - waited : -1;
		rs = sleep_room(fd, &callers, slice);
		if (rs == -EPIPE) {
			int err;
			socklen_t l = sizeof(err);

			/* as the kernel's woken sender: the close's error is
			 * consumed, and the call ends (kernel path if nothing
			 * was sent, which then reports EPIPE) */
			if (sent)
				udsx_real.getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
			r = sent ? -1 : 0;
			break;
		}
		if (rs == -EINTR && sent) {
			r = -1;
			break;
		}
		waited += slice > 0 ? slice : 1;
	}
out:
	pthread_sigmask(SIG_SETMASK, &callers, NULL);
	return r;
}

/* SO_RCVTIMEO/SO_SNDTIMEO in milliseconds for poll(), -1 if none. */
static int timeo_ms(int fd, int opt)
{
	struct timeval tv = { 0, 0 };
	socklen_t l = sizeof(tv);

	if (udsx_real.getsockopt(fd, SOL_SOCKET, opt, &tv, &l) < 0 || (!tv.tv_sec && !tv.tv_usec))
		return -1;
	return (int)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
}

/*
 * Sleep until the socket is ready, for a call that has already moved data.
 * The kernel returns the partial count on any signal, SA_RESTART or not, so
 * this waits in poll(), which is never restarted. Returns > 0 ready,
 * -EINTR, or -EAGAIN on timeout.
 */
static int wait_partial(int fd, short ev, int opt)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int r = udsx_real.poll(&p, 1, timeo_ms(fd, opt));

	if (r < 0)
		return -errno;
	return r ? 1 : -EAGAIN;
}

/* Bytes/messages go to the kernel from here on (direction reverted). */
static void kernel_iov_advance(struct msghdr *m, size_t n)
{
	while (n && m->msg_iovlen) {
		if (n < m->msg_iov->iov_len) {
			m->msg_iov->iov_base = (char *)m->msg_iov->iov_base + n;
			m->msg_iov->iov_len -= n;
			return;
		}
		n -= m->msg_iov->iov_len;
		m->msg_iov++;
		m->msg_iovlen--;
	}
}

static bool nonblocking_flags(int flags)
{
	return flags & MSG_DONTWAIT;
}

/* The caller's iov from byte `skip` on, in v (UIO_MAXIOV entries). */
static int iov_after(const struct udsx_io *io, size_t skip, struct iovec *v)
{
	int i, n = 0;

	for (i = 0; i < io->iovcnt && n < 1024; i++) {
		if (skip >= io->iov[i].iov_len) {
			skip -= io->iov[i].iov_len;
			continue;
		}
		v[n].iov_base = (char *)io->iov[i].iov_base + skip;
		v[n++].iov_len = io->iov[i].iov_len - skip;
		skip = 0;
	}
	return n;
}

static ssize_t kernel_rest(int fd, struct udsx_end *e, struct udsx_io *io, size_t done)
{
	struct msghdr m = { 0 };
	struct iovec v[1024];	/* UIO_MAXIOV, the most a caller can pass */
	int n;
	ssize_t r;

	if (!done) {
		m.msg_iov = io->iov;
		m.msg_iovlen = (size_t)io->iovcnt;
		r = udsx_real.sendmsg(fd, &m, io->flags);
		return r < 0 ? -errno : r;
	}
	n = iov_after(io, done, v);
	m.msg_iov = v;
	m.msg_iovlen = (size_t)n;
	/* Part is already queued: a signal, the timeout or the peer going away
	 * now ends the call with the partial count, as in the kernel. Only
	 * STREAM gets here. Signals stay blocked except inside ppoll(), so one
	 * that arrives between two waits still interrupts. */
	sigset_t all, callers;
	int timeo = timeo_ms(fd, SO_SNDTIMEO), waited = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &callers);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int slice = timeo >= 0 && timeo - waited < 100 ? timeo - waited : 100;
		struct timespec ts = { 0, (long)slice * 1000000L };

		r = udsx_real.sendmsg(fd, &m, io->flags | MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r > 0) {
			done += (size_t)r;
			if (done >= io->len)
				break;
			kernel_iov_advance(&m, (size_t)r);
			continue;
		}
		if (r < 0 && errno != EAGAIN) {
			/* a sender woken by the peer's close consumes the error
			 * the close posted before it returns its partial count */
			int err;
			socklen_t l = sizeof(err);

			udsx_real.getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
			break;
		}
		if (r == 0 || nonblocking_flags(io->flags) ||
		    peer_gone(e->ch, e->side) || (timeo >= 0 && waited >= timeo))
			break;
		if (udsx_real.ppoll(&p, 1, &ts, &callers) < 0 && errno == EINTR)
			break;
		waited += slice;
	}
	pthread_sigmask(SIG_SETMASK, &callers, NULL);
	return (ssize_t)done;
}

/*
 * Asked where only the peer's death would change the answer: a
 * non-blocking send that found the ring full, SIOCOUTQ with data queued.
 * If the reader's socket is gone (killed in a process whose liveness page
 * we cannot map, another user's: watch.c has to assume it may live), the
 * kernel would say EPIPE, or 0 queued, and tells on our socket (HUP): the
 * end goes to the kernel path, which answers, and true is returned.
 * Without this a program that polls (POLLOUT|POLLHUP) and retries on
 * EAGAIN spun for ever (a PostgreSQL backend whose root client was
 * killed). One poll() each; DGRAM: the kernel's poll does not tell.
 */
static bool orphaned(int fd, struct udsx_end *e)
{
	int saved = errno;
	bool gone = e->ch->type != SOCK_DGRAM && udsx_watch_confirm(fd, e->ch);

	if (gone)
		udsx_revert_orphan(fd, e);
	errno = saved;
	return gone;
}

static ssize_t stream_send(int fd, struct udsx_end *e, struct udsx_io *io)
{
	struct udsx_chan *ch = e->ch;
	int d = e->side;
	uint32_t sndbuf = atomic_load(&ch->h->end[d].sndbuf);
	size_t segmax = udsx_stream_seg_max(sndbuf), sent = 0, seg;
	bool nb = nonblocking(e, io->flags);
	uint64_t charged;
	int r, err = -EAGAIN;

	if (io->len == 0)
		return UDSX_PASS;	/* queues nothing; the kernel does the shutdown check */
	if (udsx_lock(&ch->h->dir[d].wlock) < 0) {
		udsx_revert_end(fd, e, EDEADLK);
		return UDSX_PASS;
	}
	while (sent < io->len) {
		if (udsx_writer_charged(ch, d, sndbuf - 1) >= sndbuf) {
			if (nb)
				break;
			udsx_unlock(&ch->h->dir[d].wlock);
			r = wait_room(fd, e, sndbuf, sent);
			if (r < 0)
				return (ssize_t)sent;
			if (r == 0)
				goto to_kernel_unlocked;
			if (udsx_lock(&ch->h->dir[d].wlock) < 0)
				goto to_kernel_unlocked;
			continue;
		}
		seg = io->len - sent < segmax ? io->len - sent : segmax;
		r = udsx_ring_put(ch, d, io->iov, io->iovcnt, sent, (uint32_t)seg,
				  udsx_truesize_stream(seg));
		if (r == -EFAULT) {
			err = r;	/* as the kernel: what went before it counts */
			break;
		}
		if (r == -ENOSPC)
			goto to_kernel;	/* the ring is smaller than the kernel's budget */
		if (r < 0 || udsx_bell_notify(fd, ch, d, (uint32_t)seg) < 0)
			goto to_kernel;	/* closed, or the peer is gone: the kernel says how */
		sent += seg;
	}
	charged = udsx_writer_charged(ch, d, sndbuf / 4);
	udsx_unlock(&ch->h->dir[d].wlock);
	if (!sent)
		return err == -EAGAIN && orphaned(fd, e) ? UDSX_PASS : err;
	settle(fd, e, charged, sndbuf);
	return (ssize_t)sent;
to_kernel:
	udsx_unlock(&ch->h->dir[d].wlock);
to_kernel_unlocked:
	return udsx_send_to_kernel(fd, e, io, sent);
}

/* Hand the direction to the kernel and send the rest of io (from `sent`)
 * there: a STREAM send that cannot go on in the ring (fast.c too). */
ssize_t udsx_send_to_kernel(int fd, struct udsx_end *e, struct udsx_io *io, size_t sent)
{
	udsx_revert_dir(fd, e->ch, e->side, fd);
	return kernel_rest(fd, e, io, sent);
}

/* A DGRAM send refused because the peer died also discards the sender's
 * own receive queue, ring included. */
static ssize_t discard_if_refused(int fd, struct udsx_chan *ch, int d, ssize_t r)
{
	if (r == -ECONNREFUSED && ch->type == SOCK_DGRAM &&
	    udsx_lock(&ch->h->dir[1 - d].rlock) == 0) {
		udsx_ring_discard(ch, 1 - d);
		udsx_bell_eat(fd, ch, 1 - d);
		udsx_unlock(&ch->h->dir[1 - d].rlock);
	}
	return r;
}

static ssize_t record_send(int fd, struct udsx_end *e, struct udsx_io *io)
{
	struct udsx_chan *ch = e->ch;
	int d = e->side;
	uint32_t sndbuf = atomic_load(&ch->h->end[d].sndbuf);
	bool nb = nonblocking(e, io->flags);
	uint64_t charged;
	int r;

	/* Size errors are the kernel's, and checked before anything else
	 * except shutdown, which peer_gone() already sent to the kernel. */
	if (io->len > sndbuf - 32)
		return -EMSGSIZE;
	if (io->len > UDSX_DGRAM_MAX || io->len + 2 * 64 > ch->ring_size / 2) {
		/* too big for this ring: the kernel carries it (ENOBUFS...) */
		udsx_revert_dir(fd, ch, d, fd);
		return UDSX_PASS;
	}
	if (udsx_lock(&ch->h->dir[d].wlock) < 0) {
		udsx_revert_end(fd, e, EDEADLK);
		return UDSX_PASS;
	}
	for (;;) {
		if (udsx_writer_charged(ch, d, sndbuf - 1) < sndbuf) {
			r = udsx_ring_put(ch, d, io->iov, io->iovcnt, 0, (uint32_t)io->len,
					  udsx_truesize_dgram(io->len));
			if (r == 0)
				break;
			if (r == -EFAULT) {
				udsx_unlock(&ch->h->dir[d].wlock);
				return r;
			}
			goto to_kernel;	/* closed, or a ring smaller than the budget */
		}
		udsx_unlock(&ch->h->dir[d].wlock);
		if (nb) {
			if (orphaned(fd, e))
				return UDSX_PASS;
			settle(fd, e, sndbuf, sndbuf);	/* full: over a quarter */
			return -EAGAIN;
		}
		if (wait_room(fd, e, sndbuf, 0) <= 0 || udsx_lock(&ch->h->dir[d].wlock) < 0)
			goto to_kernel_unlocked;
	}
	r = udsx_bell_notify(fd, ch, d, 1);
	if (r == -ECONNREFUSED || r == -ECONNRESET) {
		/* the doorbell's send already took the kernel's one-time
		 * answer (and, for DGRAM, disconnected us): it is ours */
		udsx_unlock(&ch->h->dir[d].wlock);
		udsx_revert_dir(fd, ch, d, fd);
		return discard_if_refused(fd, ch, d, r);
	}
	if (r < 0)
		goto to_kernel;	/* the peer is gone: let the kernel say how */
	charged = udsx_writer_charged(ch, d, sndbuf / 4);
	udsx_unlock(&ch->h->dir[d].wlock);
	settle(fd, e, charged, sndbuf);
	return (ssize_t)io->len;
to_kernel:
	udsx_unlock(&ch->h->dir[d].wlock);
to_kernel_unlocked:
	udsx_revert_dir(fd, ch, d, fd);
	return discard_if_refused(fd, ch, d, kernel_rest(fd, e, io, 0));
}

/* Doorbells the reader has retired since a revert no longer need room in
 * the real send buffer. */
static void unbump(int fd, struct udsx_chan *ch, int d)
{
	struct udsx_endstate *es = &ch->h->end[d];
	uint32_t b = atomic_load_explicit(&es->bump, memory_order_relaxed), k, one = 1;

	if (atomic_load_explicit(&es->pinned, memory_order_relaxed) &&
	    atomic_compare_exchange_strong(&es->pinned, &one, 0)) {
		/* the real buffer was pinned for the ballast: back to the
		 * emulated size, widened for doorbells still unread */
		k = CTL_OUTSTANDING(atomic_load(&ch->h->dir[d].ctl));
		atomic_store(&es->bump, k);
		udsx_set_real_sndbuf(fd, atomic_load(&es->sndbuf) + k * UDSX_BELL_TRUESIZE);
		return;
	}
	if (!b)
		return;
	k = CTL_OUTSTANDING(atomic_load(&ch->h->dir[d].ctl));
	if (k < b && atomic_compare_exchange_strong(&es->bump, &b, k)) {
		udsx_set_real_sndbuf(fd, atomic_load(&es->sndbuf) + k * UDSX_BELL_TRUESIZE);
	}
}

/*
 * Every process holding the peer end looks dead (watch.c: none of them runs
 * udsx code any more, e.g. SIGKILL) and the kernel agrees that the peer
 * socket is gone: this end goes to the kernel path, which from then on
 * answers as it would have all along (EPIPE; on SEQPACKET ECONNRESET before
 * the queued messages; on DGRAM ECONNREFUSED, dropping our queue, ring
 * included: discard_if_refused).
 */
static void check_peer(int fd, struct udsx_end *e)
{
	int saved;

	if (!udsx_end_active(e) || !udsx_end_may_be_dead(e->ch, 1 - e->side))
		return;
	saved = errno;
	if (udsx_watch_confirm(fd, e->ch))
		udsx_revert_orphan(fd, e);
	errno = saved;
}

ssize_t udsx_send(int fd, struct udsx_end *e, struct udsx_io *io)
{
	struct udsx_chan *ch = e->ch;
	int d = e->side;

	udsx_life_here();
	check_peer(fd, e);

	if (!udsx_end_active(e) || udsx_ring_closed(ch, d) || peer_gone(ch, d)) {
		/* A revert in progress (another thread or process) is still
		 * moving the ring's records into the kernel under the write
		 * lock; our kernel send must land behind them. */
		if (udsx_ring_closed(ch, d) && udsx_lock(&ch->h->dir[d].wlock) == 0)
			udsx_unlock(&ch->h->dir[d].wlock);
		unbump(fd, ch, d);
		/* DGRAM: a send refused by a dead peer also discards our
		 * receive queue, and part of it may still be in the ring */
		if (ch->type == SOCK_DGRAM && !udsx_ring_empty(ch, 1 - d))
			return discard_if_refused(fd, ch, d, kernel_rest(fd, e, io, 0));
		return UDSX_PASS;
	}
	if (io->flags & ~SEND_OK_FLAGS) {
		/* MSG_OOB and anything else we do not carry: kernel path,
		 * after the ring has been handed over so order is kept. */
		udsx_revert_dir(fd, ch, d, fd);
		return UDSX_PASS;
	}
	if (!udsx_gate_is_open(ch, d)) {
		/* negotiated, and not switched yet: the kernel until then */
		ssize_t g = udsx_gate_send(fd, e);

		if (g)
			return g;
	}
	if (__builtin_expect(!atomic_load_explicit(&ch->h->end[d].pinned, memory_order_relaxed), 0) &&
	    !atomic_load(&ch->h->end[d].bump))
		udsx_pin_sndbuf(fd, ch, d);	/* the reader opened the gate for us */
	if (ch->type == SOCK_STREAM)
		return stream_send(fd, e, io);
	return record_send(fd, e, io);
}

/*
 * Nothing in the ring. Look at the kernel socket without consuming data:
 * EOF, a pending error, or (non-blocking) EAGAIN. Returns 1 if a doorbell
 * or data is waiting there, 0 at EOF, -errno otherwise.
 */
static int kernel_look(int fd, bool block)
{
	char b;
	ssize_t r = udsx_real.recv(fd, &b, 1, MSG_PEEK | (block ? 0 : MSG_DONTWAIT));

	if (r < 0)
		return -errno;
	return r ? 1 : 0;
}

/* Truesize a read takes before it publishes what it has consumed
 * (docs/design.md, "Room given back as a read goes"). */
#define CONSUME_EVERY (32u << 10)

/* Copy from the ring into io, counting whole records taken in *nrec (if
 * not NULL). Caller holds rlock. A bad buffer ends the copy: what went
 * before it is taken (and returned), the rest stays queued, and with
 * nothing copied the result is -EFAULT, as the kernel's stream read. */
static ssize_t stream_take(struct udsx_end *e, struct udsx_io *io, size_t done, bool peek,
			   unsigned *nrec)
{
	struct udsx_chan *ch = e->ch;
	int d = 1 - e->side;
	struct udsx_cursor c;
	uint64_t freed = 0, got = 0, gave = 0, nh, noff;
	size_t want = io->len - done, n, plen;
	bool proven;

	if (udsx_ring_peek(ch, d, &c) < 0)
		return 0;
	/* once for what this call can take (the records up to the tail it
	 * saw, headers included), rather than per record (ucopy.c); a walk
	 * that goes on past that tail (a fresh look, ring.c) checks the rest
	 * record by record */
	plen = c.tail - c.head < want ? (size_t)(c.tail - c.head) : want;
	proven = udsx_out_known(io->iov, io->iovcnt, done, plen);
	nh = c.head;
	noff = c.off;
	for (;;) {
		n = c.len - c.off < want - got ? c.len - c.off : want - got;
		if (proven && got + n <= plen)
			udsx_scatter(io->iov, io->iovcnt, done + got, c.data + c.off, n);
		else if (udsx_copy_out(io->iov, io->iovcnt, done + got, c.data + c.off, n) < 0) {
			if (!got)
				return -EFAULT;
			break;	/* nh, noff: where the last whole copy ended */
		}
		got += n;
		c.off += n;
		if (c.off < c.len) {
			nh = c.head;
			noff = c.off;
			break;
		}
		freed += c.truesize;
		if (nrec)
			(*nrec)++;
		nh = c.head + sizeof(struct udsx_rec) + UDSX_REC_ALIGN((uint64_t)c.len);
		noff = 0;
		if (got == want || udsx_ring_next(ch, d, &c) < 0)
			break;
		/* A long read gives room back as it goes, as the kernel's
		 * reader frees each segment it has copied: a writer that
		 * waits for room would otherwise wait for the whole read. */
		if (!peek && freed >= CONSUME_EVERY) {
			udsx_ring_consume(ch, d, nh, 0, got - gave, 0, freed);
			gave = got;
			freed = 0;
		}
	}
	if (!peek)
		udsx_ring_consume(ch, d, nh, noff, got - gave, 0, freed);
	return (ssize_t)got;
}

static ssize_t record_take(struct udsx_end *e, struct udsx_io *io, bool peek)
{
	struct udsx_chan *ch = e->ch;
	int d = 1 - e->side;
	struct udsx_cursor c;
	size_t n;
	bool fault;

	if (udsx_ring_peek(ch, d, &c) < 0)
		return -EAGAIN;
	n = c.len < io->len ? c.len : io->len;
	/* a bad buffer: EFAULT, and the message is gone all the same
	 * unless this was a peek, as in the kernel */
	fault = udsx_copy_out(io->iov, io->iovcnt, 0, c.data, n) < 0;
	if (c.len > io->len)
		io->out_flags |= MSG_TRUNC;
	if (!peek)
		udsx_ring_consume(ch, d, c.head + sizeof(struct udsx_rec) + UDSX_REC_ALIGN((uint64_t)c.len),
				  0, c.len, 1, c.truesize);
	if (fault)
		return -EFAULT;
	return (io->flags & MSG_TRUNC) ? (ssize_t)c.len : (ssize_t)n;
}

/* The direction toward us is closed and drained: retire its doorbells and
 * from now on let the kernel serve this end's reads. */
static ssize_t to_kernel_reads(int fd, struct udsx_end *e)
{
	int d = 1 - e->side;
	int r, locked;

	/* a reader asleep in a consuming recv owns the doorbells in front
	 * of the kernel data; the revert has woken it */
	udsx_bell_wait_sleeper(e->ch, d);
	/* Under rlock: another reader that counted doorbells is still taking
	 * them from the kernel queue until it lets go, and our own read of
	 * that queue must not get one of them. */
	locked = udsx_lock(&e->ch->h->dir[d].rlock) == 0;
	r = udsx_bell_eat(fd, e->ch, d);
	if (locked)
		udsx_unlock(&e->ch->h->dir[d].rlock);
	return r < 0 ? r : UDSX_PASS;
}

/*
 * Spinning only helps if the peer can write to us soon. A peer asleep in
 * its own read with nothing from us on its way will not: it waits for us.
 * (A peer we have just sent to is waking up, and worth spinning for.)
 */
static bool peer_idle(struct udsx_end *e)
{
	struct udsx_hdr *h = e->ch->h;

	return atomic_load_explicit(&h->end[1 - e->side].asleep, memory_order_relaxed) &&
	       udsx_ring_empty(e->ch, e->side) &&
	       !CTL_OUTSTANDING(atomic_load_explicit(&h->dir[e->side].ctl, memory_order_relaxed));
}

/* SEQPACKET reports a pending ECONNRESET before any queued message. It can
 * only be pending if the peer closed with our data unread; a peer that
 * closes through udsx closes our outgoing ring first (revert.c), so only
 * then is the kernel asked. (A peer killed by SIGKILL is not seen this way:
 * README, known differences.) */
static int seqpacket_error_first(int fd, struct udsx_end *e)
{
	int err = 0;
	socklen_t l = sizeof(err);

	/* (our data can also be unread in the kernel: sent before the gate
	 * opened, which then never opens) */
	if (e->ch->type != SOCK_SEQPACKET || !udsx_ring_closed(e->ch, e->side) ||
	    (udsx_ring_empty(e->ch, e->side) && udsx_gate_is_open(e->ch, e->side)))
		return 0;
	/* SO_ERROR takes the pending error exactly as a read would, and, unlike
	 * a peek, never moves an SO_PEEK_OFF offset */
	if (udsx_real.getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err)
		return -err;
	return 0;
}

/*
 * A bad buffer left records in the ring (stream_take). While this read held
 * a claim, writers may have skipped the doorbell for records published under
 * it (bell.c), and a ring left non-empty must have one, which only a writer
 * can ring: if none is outstanding, the connection goes to the kernel path,
 * which carries those records across exactly. (A writer between its publish
 * and its doorbell looks the same; the revert is then merely unneeded.)
 * Caller holds rlock; this releases it.
 */
static void fault_leave(int fd, struct udsx_end *e, bool drop)
{
	struct udsx_chan *ch = e->ch;
	int d = 1 - e->side;
	uint64_t c;

	if (drop)
		udsx_claim_drop(ch, d);
	c = atomic_load(&ch->h->dir[d].ctl);
	udsx_unlock(&ch->h->dir[d].rlock);
	if (!(c & CTL_CLOSED) && !CTL_OUTSTANDING(c) && !udsx_ring_empty(ch, d))
		udsx_revert_end(fd, e, EFAULT);
}

/* A doorbell stands in the kernel for this direction: a read that leaves
 * the ring empty must retire it, a system call. */
static bool bell_pending(struct udsx_chan *ch, int d)
{
	uint64_t c = atomic_load_explicit(&ch->h->dir[d].ctl, memory_order_relaxed);

	return CTL_OUTSTANDING(c) && !(c & (CTL_CLOSED | CTL_SLEEPER));
}

/*
 * Read coalescing. A STREAM read that finds a backlog (more than one
 * record), records arriving while it copies, or a doorbell standing (the
 * writer published while no read was in progress), has a writer that is
 * streaming: it keeps taking, for as long as records keep coming within
 * LINGER_NS of each other and the caller's buffer has room, LINGER_TOTAL_NS
 * at most. This is only a later look: the kernel's reader, too, takes every
 * skb that arrives while it copies, and a reader that is slow to run would
 * see the same. What it buys is the doorbell: a read that returns with the
 * ring empty makes the writer's next record ring one (a send here, a recv
 * later), so without it one read per few small records cost two system
 * calls. A lone record (a request, a ping, taken by a reader already
 * waiting for it) starts no wait, and neither does a read by a reader that
 * has itself sent on the connection since its last read: it answers
 * requests, and its peer waits for the answer rather than streams. Reads
 * that cannot take more (DGRAM and SEQPACKET take one record, a full
 * STREAM buffer) only wait for the next record (NEXT_NS, looking every
 * NEXT_POLL_NS) before they retire a standing doorbell. The linger polls
 * only `tail`, every LINGER_POLL_NS, so the writer keeps its lines to itself
 * in between and
 * publishes many records per cache-line transfer: each look by the reader
 * pulls the tail line and the line the writer is filling into the reader's
 * cache, and the writer's next store to either waits a cross-core round
 * trip. Polling every 3 us rather than 0.5 us took 64 B throughput from
 * 10.5 to 15.5 M msg/s (medians of 6, docs/measurements.md); with the
 * writer's shorter path (fast.c), 5 us rather than 3 took it from ~19-21 M
 * to ~23-26 M (medians of 6-8 alternating runs; 1.5 us: 18 M, 8 us: no
 * better than 3). The writer's SO_SNDBUF budget of 64 B segments lasts
 * ~12 us at that rate, so 5 us still leaves it room. Caller holds rlock.
 */
#define LINGER_NS	5000
#define LINGER_POLL_NS	5000
/* The wait of a read that can take no more: it returns as soon as the next
 * record is there, so it looks more often. */
#define NEXT_NS		2000
#define NEXT_POLL_NS	500
/* A read with a large buffer and a writer that trickles would otherwise
 * linger until the buffer is full; the kernel's reader returns what is
 * there. */
#define LINGER_TOTAL_NS	20000

static size_t stream_linger(struct udsx_end *e, struct udsx_io *io, size_t done)
{
	struct udsx_chan *ch = e->ch;
	int d = 1 - e->side;
	struct waitarg w = { ch, d, 0 };
	uint64_t start = 0;
	ssize_t got;

	if (udsx_cfg.spin_us <= 0 || udsx_cfg.ncpu < 2)
		return done;
	while (done < io->len) {
		if (udsx_ring_empty(ch, d)) {
			uint64_t t = udsx_now_ns();

			if (!start)
				start = t;
			else if (t - start > LINGER_TOTAL_NS)
				break;
			if (!udsx_spin_ns(has_data, &w, LINGER_NS, LINGER_POLL_NS))
				break;
		}
		if (atomic_load(&ch->h->dir[d].flags) & DIR_CORRUPT)
			break;
		got = stream_take(e, io, done, false, NULL);
		if (got <= 0)
			break;	/* a bad buffer: the rest stays queued */
		done += (size_t)got;
	}
	return done;
}

/* Withdraw from sleeping consuming (the CTL_SLEEPER flag). If `got`, the
 * byte we took is counted eaten in the same CAS when doorbells are
 * outstanding; returns whether it was a doorbell. */
static bool unsleep_count(struct udsx_chan *ch, int d, bool got)
{
	_Atomic uint64_t *ctl = &ch->h->dir[d].ctl;
	uint64_t c = atomic_load(ctl), nc;
	bool bell;

	do {
		bell = got && CTL_OUTSTANDING(c);
		nc = c & ~CTL_SLEEPER;
		if (bell)
			nc = CTL_ADD_EATEN(nc, 1);
	} while (!atomic_compare_exchange_weak(ctl, &c, nc));
	return bell;
}

/* Cancelled in the consuming recv: withdraw (no byte was taken). */
static void unsleep(void *arg)
{
	struct udsx_end *e = arg;

	unsleep_count(e->ch, 1 - e->side, false);
	atomic_fetch_sub(&e->ch->h->end[e->side].asleep, 1);
}

/*
 * A blocking STREAM read with nothing queued sleeps in a recv that consumes
 * the byte that wakes it. That byte is normally the writer's doorbell, so
 * the wake retires it, and a message costs the reader one system call, as
 * on the kernel path, not a peek and then a recv. One reader of an end at a
 * time sleeps this way (CTL_SLEEPER, shm.h); while it does, nobody else
 * retires doorbells and writers keep one more outstanding when the ring
 * holds more than this read takes (bell.c), so a ring left non-empty keeps
 * its doorbell. Every byte it gets is accounted for: while doorbells are
 * outstanding the byte is one of them, since kernel data only ever queues
 * behind the doorbells counted before it; otherwise it is the first byte of
 * kernel data after a revert, and the caller's (a revert rings a sleeper
 * awake first when it can, revert.c).
 * Returns 1 (a doorbell), 2 (a byte of data, in *b), 0 (EOF), -errno, or
 * -EBUSY if this read cannot sleep this way.
 */
static int consume_sleep(int fd, struct udsx_end *e, size_t len, char *b)
{
	struct udsx_chan *ch = e->ch;
	int d = 1 - e->side, err, kind;
	struct udsx_dir *dir = &ch->h->dir[d];
	uint64_t c;
	ssize_t r;

	if (udsx_lock(&dir->rlock) < 0)
		return -EBUSY;
	c = atomic_load(&dir->ctl);
	if (!udsx_ring_empty(ch, d) || (c & (CTL_CLOSED | CTL_SLEEPER)) || CTL_OUTSTANDING(c)) {
		udsx_unlock(&dir->rlock);
		return -EBUSY;
	}
	atomic_store(&dir->rsleep, udsx_tid());
	atomic_store(&dir->rsleep_len, len < UINT32_MAX ? (uint32_t)len : UINT32_MAX);
	/* only from "nothing outstanding, not closed": a writer that rang
	 * meanwhile, or a revert, makes this fail; a writer that published
	 * and has yet to decide sees the flag and rings */
	if (!atomic_compare_exchange_strong(&dir->ctl, &c, c | CTL_SLEEPER)) {
		udsx_unlock(&dir->rlock);
		return -EBUSY;
	}
	udsx_unlock(&dir->rlock);
	atomic_fetch_add(&ch->h->end[e->side].asleep, 1);
	pthread_cleanup_push(unsleep, e);
	r = udsx_real.recv(fd, b, 1, 0);
	err = errno;
	pthread_cleanup_pop(0);
	atomic_fetch_sub(&ch->h->end[e->side].asleep, 1);
	kind = unsleep_count(ch, d, r == 1) ? 1 : 2;
	if (r < 0)
		return -err;
	return r ? kind : 0;
}

/* A byte of kernel data came with the wake (consume_sleep): the rest of
 * the read is the kernel's, as much as is queued now (or, with
 * MSG_WAITALL, as much as was asked). */
static ssize_t kernel_more(int fd, struct udsx_io *io, size_t done)
{
	struct msghdr m = { 0 };
	struct iovec v[1024];
	ssize_t r;

	m.msg_iov = v;
	m.msg_iovlen = (size_t)iov_after(io, done, v);
	if (!m.msg_iovlen)
		return (ssize_t)done;
	r = udsx_real.recvmsg(fd, &m, (io->flags & MSG_WAITALL) ? io->flags :
			      io->flags | MSG_DONTWAIT);
	return (ssize_t)done + (r > 0 ? r : 0);
}

/* Is the reader of end `side` only reading? Coalescing is for such a
 * reader; one that has sent since its last read is answering requests, and
 * waits for nothing. Called once per read, which it records, unless the
 * read is a non-blocking one about to find nothing: a client that sends a
 * request, reads EAGAIN and polls (libmemcached) would otherwise look
 * like a pure reader when the answer came, and linger after every answer
 * (memcslap -c 4 under udsx: a third of its time in that spin, and its
 * sets 1.4x slower than on the kernel). */
static bool reader_consumer(struct udsx_chan *ch, int side, bool nb)
{
	uint64_t sent_now = atomic_load_explicit(&ch->h->dir[side].pub_msgs, memory_order_relaxed);
	bool consumer = sent_now == ch->r_out_seen[side] && udsx_cfg.spin_us > 0 &&
			udsx_cfg.ncpu > 1 && !udsx_spin_futile(ch, 1 - side);

	if (!nb || !udsx_ring_empty(ch, 1 - side))
		ch->r_out_seen[side] = sent_now;
	return consumer;
}

/*
 * The everyday read (fast.c), in the state its caller has checked: rlock
 * held, one proven buffer, no flag but MSG_DONTWAIT, SO_RCVLOWAT at most 1
 * (STREAM), the ring not empty and a doorbell standing with no claim, and
 * for SEQPACKET our own direction not closed (no error to report first).
 * In that state udsx_recv() sets no claim (udsx_claim_set is a no-op with
 * a doorbell standing, and records never claim) and cannot fault; this is
 * the rest of its taking step, in the same order. Unlocks. Returns what
 * udsx_recv() would, or UDSX_PASS if a STREAM ring turned out corrupt with
 * nothing taken (udsx_recv() then reverts the end).
 */
ssize_t udsx_read_held(int fd, struct udsx_end *e, struct udsx_io *io)
{
	struct udsx_chan *ch = e->ch;
	int d = 1 - e->side;
	struct waitarg w = { ch, d, 0 };
	bool consumer = reader_consumer(ch, e->side, false);
	ssize_t got;

	if (ch->type == SOCK_STREAM) {
		/* (this process's copy, not `tail` itself: see ring.c) */
		uint64_t tail0 = atomic_load_explicit(&ch->r_tail[d], memory_order_relaxed);
		unsigned nrec = 0;
		size_t done;

		got = stream_take(e, io, 0, false, &nrec);
		done = got > 0 ? (size_t)got : 0;
		if (consumer && done < io->len &&
		    (nrec > 1 || bell_pending(ch, d) || udsx_ring_tail(ch, d) != tail0))
			done = stream_linger(e, io, done);
		if (consumer && got >= 0 && udsx_ring_empty(ch, d) && bell_pending(ch, d))
			udsx_spin_ns(has_data, &w, NEXT_NS, NEXT_POLL_NS);
		got = done ? (ssize_t)done : UDSX_PASS;
	} else {
		got = record_take(e, io, false);
		if (consumer && got >= 0 && udsx_ring_empty(ch, d) && bell_pending(ch, d))
			udsx_spin_ns(has_data, &w, NEXT_NS, NEXT_POLL_NS);
	}
	if (udsx_ring_empty(ch, d)) {
		udsx_bell_eat(fd, ch, d);
		udsx_ring_rewind(ch, d, false);
	}
	udsx_unlock(&ch->h->dir[d].rlock);
	udsx_ballast_release(fd, ch, d);
	return got;
}

/* See udsx_recv: how many times a call lets unexplained kernel bytes
 * off before it takes them for a hostile peer's. */
#define STRAY_EXCUSES 100000

ssize_t udsx_recv(int fd, struct udsx_end *e, struct udsx_io *io)
{
	struct udsx_chan *ch = e->ch;
	int d = 1 - e->side, r;
	bool peek = io->flags & MSG_PEEK, stream = ch->type == SOCK_STREAM;
	bool nb = nonblocking(e, io->flags), claimed = false, spin;
	int stray = 0, excused = 0, mode = UDSX_SPIN_NO;
	uint32_t stray_sent = 0;
	size_t target = 1, done = 0;
	struct waitarg w = { ch, d, 0 };
	ssize_t got;
	bool consumer = reader_consumer(ch, e->side, nb);

	/* MSG_OOB: the ring never holds an urgent byte (an OOB send reverts),
	 * so the kernel's answer is exact. Other unknown flags are ignored
	 * by AF_UNIX receives (MSG_ERRQUEUE included), so ignore them too. */
	if (io->flags & MSG_OOB)
		return UDSX_PASS;
	if (!udsx_gate_is_open(ch, d) && !udsx_ring_closed(ch, d)) {
		/* negotiated, and the writer has not switched yet */
		got = udsx_gate_recv(fd, e, nb);
		if (got)
			return got;
	}
	if (stream && !peek && !nb) {
		uint32_t lowat = atomic_load(&ch->h->end[e->side].rcvlowat);

		target = (io->flags & MSG_WAITALL) ? io->len : (lowat < io->len ? lowat : io->len);
		if (!target)
			target = 1;
	}
	udsx_life_here();
	if (ch->type == SOCK_SEQPACKET)
		check_peer(fd, e);
	r = seqpacket_error_first(fd, e);
	if (r < 0)
		return r;
	/* A STREAM reader takes whatever fits, so it can claim its whole
	 * buffer up front: a writer publishing meanwhile skips the doorbell,
	 * and a reader that keeps up costs no syscall at all (bell.c). */
	if (stream && !peek && io->len) {
		udsx_claim_set(ch, d, (uint32_t)(io->len < CTL_CLAIM_MASK ? io->len : CTL_CLAIM_MASK));
		claimed = true;
	}
	for (;;) {
		if (udsx_lock(&ch->h->dir[d].rlock) < 0) {
			udsx_revert_end(fd, e, EDEADLK);
			return done ? (ssize_t)done : UDSX_PASS;
		}
		if (atomic_load(&ch->h->dir[d].flags) & DIR_CORRUPT) {
			udsx_unlock(&ch->h->dir[d].rlock);
			udsx_revert_end(fd, e, EPROTO);
			return done ? (ssize_t)done : UDSX_PASS;
		}
		if (!udsx_ring_empty(ch, d)) {
			if (stream && io->len == 0) {
				/* a 0-byte read returns at once when data is queued */
				udsx_unlock(&ch->h->dir[d].rlock);
				return 0;
			}
			if (stream) {
				uint64_t tail0 = udsx_ring_tail(ch, d);
				unsigned nrec = 0;

				got = stream_take(e, io, done, peek, &nrec);
				if (got < 0) {
					fault_leave(fd, e, claimed);
					return done ? (ssize_t)done : got;
				}
				done += (size_t)got;
				if (!peek && consumer && done < io->len &&
				    (nrec > 1 || udsx_ring_tail(ch, d) != tail0 || bell_pending(ch, d)))
					done = stream_linger(e, io, done);
			} else {
				got = record_take(e, io, peek);
			}
			/* a read that can take no more waits for the next record,
			 * which keeps the doorbell standing (stream_linger) */
			if (!peek && consumer && got >= 0 && udsx_ring_empty(ch, d) && bell_pending(ch, d))
				udsx_spin_ns(has_data, &w, NEXT_NS, NEXT_POLL_NS);
			if (claimed) {
				udsx_claim_drop(ch, d);
				claimed = false;
				if (stream && !peek && done < io->len && !udsx_ring_empty(ch, d)) {
					got = stream_take(e, io, done, peek, NULL);
					if (got < 0) {
						fault_leave(fd, e, false);
						return done ? (ssize_t)done : got;
					}
					done += (size_t)got;
				}
			}
			if (udsx_ring_empty(ch, d) && !peek) {
				r = udsx_bell_eat(fd, ch, d);
				udsx_ring_rewind(ch, d, false);
			}
			udsx_unlock(&ch->h->dir[d].rlock);
			if (!peek)
				udsx_ballast_release(fd, ch, d);
			if (!stream)
				return got;
			if (done >= target || (peek && done))
				return (ssize_t)done;
			continue;
		}
		/* empty */
		if (claimed) {
			udsx_claim_drop(ch, d);
			claimed = false;
			udsx_unlock(&ch->h->dir[d].rlock);
			continue;	/* data may have arrived under the claim */
		}
		if (udsx_ring_closed(ch, d)) {
			udsx_unlock(&ch->h->dir[d].rlock);
			if (done)
				return (ssize_t)done;
			return to_kernel_reads(fd, e);
		}
		r = udsx_bell_eat(fd, ch, d);
		spin = !nb && !peek && udsx_cfg.spin_us > 0 && !peer_idle(e) &&
		       (mode = udsx_spin_mode(ch, d)) != UDSX_SPIN_NO;
		/* (about to wait or say EAGAIN, unless it spins: idle for now) */
		udsx_ring_rewind(ch, d, !spin && !peek);
		udsx_unlock(&ch->h->dir[d].rlock);
		if (r < 0)
			return done ? (ssize_t)done : r;
		if (spin) {
			udsx_claim_set(ch, d, stream ? (uint32_t)(io->len - done) : 1);
			claimed = true;
			if (udsx_spin_until(has_data, &w, udsx_cfg.spin_us, mode))
				continue;
			udsx_claim_drop(ch, d);
			claimed = false;
			if (!udsx_ring_empty(ch, d))
				continue;
			/* the spin found nothing: it sleeps, idle */
			if (udsx_trylock(&ch->h->dir[d].rlock)) {
				if (udsx_ring_empty(ch, d))
					udsx_ring_rewind(ch, d, true);
				udsx_unlock(&ch->h->dir[d].rlock);
			}
		}
		if (stream && !nb && !peek && !done && !io->cmsg && udsx_gate_is_open(ch, d)) {
			char b;

			r = consume_sleep(fd, e, io->len, &b);
			if (r == 2) {
				/* kernel data: the ring was reverted (or a hostile
				 * peer wrote past it: then it goes back now) */
				if (!udsx_ring_closed(ch, d)) {
					udsx_ring_corrupt(ch, d);
					udsx_revert_end(fd, e, EPROTO);
				}
				if (udsx_copy_out(io->iov, io->iovcnt, 0, &b, 1) < 0)
					return -EFAULT;	/* (that byte is lost; the kernel's would stay) */
				return kernel_more(fd, io, 1);
			}
			if (r == 1 || (r != -EBUSY && !udsx_ring_empty(ch, d)))
				continue;	/* a doorbell, or data that raced an error */
			if (r != -EBUSY)
				return r;	/* 0 = EOF, or -EINTR/-EAGAIN/-ECONNRESET... */
		}
		/* Excuses for kernel bytes that looked unexplained (below) are
		 * bounded, so that a peer that keeps moving the counts cannot
		 * keep us looking for ever; a kernel queue seen empty shows
		 * they were all explained, and the count starts again. (Kept
		 * for the whole call, three blocked readers of one end used
		 * them up in a few hundred lost races and took the channel
		 * for corrupt.) */
		if (excused && !nb && kernel_look(fd, false) == -EAGAIN)
			excused = stray = 0;
		if (!nb)
			atomic_fetch_add(&ch->h->end[e->side].asleep, 1);
		r = done && !nb ? wait_partial(fd, POLLIN, SO_RCVTIMEO) : kernel_look(fd, !nb);
		if (!nb)
			atomic_fetch_sub(&ch->h->end[e->side].asleep, 1);
		if (done && r == 1)
			r = kernel_look(fd, false);
		if (r == -EAGAIN && done && !nb)
			return (ssize_t)done;
		if (!udsx_ring_empty(ch, d))
			continue;	/* a doorbell, or data that raced the look */
		if (r == 1) {
			/* a doorbell in flight, or kernel data after a revert */
			if (udsx_ring_closed(ch, d))
				continue;
			uint64_t c = atomic_load(&ch->h->dir[d].ctl);

			/* Another reader may have counted the doorbell eaten and
			 * not taken its byte yet (`eating`), and each new doorbell
			 * starts the count again: only bytes that stay unexplained
			 * while no doorbell moves are a stray. (Counted per look,
			 * three readers of one end lost that race three times in
			 * one call and took the channel for corrupt: reverted,
			 * with records reordered, in a stress of 3 writers and 3
			 * readers.) */
			if (atomic_load(&ch->h->dir[d].eating) && ++excused < STRAY_EXCUSES) {
				sched_yield();
				continue;
			}
			if (CTL_SENT(c) != stray_sent && ++excused < STRAY_EXCUSES) {
				stray_sent = CTL_SENT(c);
				stray = 0;
			}
			if (!CTL_OUTSTANDING(c) && ++stray > 2) {
				/* bytes the protocol cannot explain: a hostile peer */
				udsx_dbg("stray bytes in the kernel queue: ctl %llx",
					 (unsigned long long)atomic_load(&ch->h->dir[d].ctl));
				udsx_ring_corrupt(ch, d);
				udsx_revert_end(fd, e, EPROTO);
				return done ? (ssize_t)done : UDSX_PASS;
			}
			if (nb)
				return done ? (ssize_t)done : -EAGAIN;
			continue;
		}
		if (done)
			return (ssize_t)done;
		return r;	/* 0 = EOF, or -EAGAIN/-EINTR/-ECONNRESET... */
	}
}

/*
 * The direction toward us is on the kernel path; doorbells sent before the
 * switch may still sit in front of the data. Eating them here would consume
 * a pending SEQPACKET error and free the writer's buffer early, so for
 * STREAM and SEQPACKET (which sum the queue) subtract them instead. DGRAM
 * reports the head message, so the doorbells must go.
 */
static int inq_after_revert(int fd, struct udsx_end *e, int *out)
{
	struct udsx_dir *dir = &e->ch->h->dir[1 - e->side];
	int r;

	if (e->ch->type == SOCK_DGRAM) {
		if (udsx_lock(&dir->rlock) == 0) {
			udsx_bell_eat(fd, e->ch, 1 - e->side);
			udsx_unlock(&dir->rlock);
		}
		return UDSX_PASS;
	}
	r = udsx_real.ioctl(fd, FIONREAD, out);
	if (r < 0)
		return -errno;
	*out -= CTL_OUTSTANDING(atomic_load(&dir->ctl));
	return 0;
}

/* SIOCINQ/FIONREAD as the kernel computes it for this type. */
int udsx_inq(int fd, struct udsx_end *e, int *out)
{
	struct udsx_chan *ch = e->ch;
	int d = 1 - e->side;
	struct udsx_dir *dir = &ch->h->dir[d];
	struct udsx_cursor c;

	if (!udsx_gate_is_open(ch, d) && !udsx_ring_closed(ch, d) && udsx_gate_inq(e))
		return UDSX_PASS;	/* the kernel holds all of it */
	if (udsx_ring_empty(ch, d)) {
		if (!udsx_ring_closed(ch, d)) {
			*out = 0;
			return 0;
		}
		return inq_after_revert(fd, e, out);
	}
	if (ch->type == SOCK_DGRAM) {
		if (udsx_ring_peek(ch, d, &c) < 0)
			return UDSX_PASS;
		*out = (int)c.len;
		return 0;
	}
	*out = (int)(atomic_load(&dir->pub_bytes) - atomic_load(&dir->con_bytes));
	return 0;
}

int udsx_outq(int fd, struct udsx_end *e, int *out)
{
	check_peer(fd, e);	/* (the kernel dropped what a dead peer had not read) */
	if (udsx_end_active(e) && udsx_dir_charged(&e->ch->h->dir[e->side]))
		orphaned(fd, e);
	if (udsx_ring_closed(e->ch, e->side) || !udsx_gate_is_open(e->ch, e->side))
		return UDSX_PASS;
	*out = (int)udsx_dir_charged(&e->ch->h->dir[e->side]);
	return 0;
}
