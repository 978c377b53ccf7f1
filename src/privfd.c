/* SPDX-License-Identifier: MIT */
/* privfd.c -- udsx's own descriptors, out of reach of the program's close, close_range, dup2 and fcntl.
 *
 * Memory-ordering contract: no shared memory. The bitmap is process-local;
 * a set bit is published (release) after its entry, so a wrapper that sees
 * it finds the entry under `mu`. Entries change only under `mu`.
 *
 * udsx keeps descriptors of its own: the memfd of each channel (for an exec
 * that re-attaches), this process's life page, the negotiation side
 * sockets and the offers they bring. In the plain kernel those numbers are
 * not open, so the program may close them (EBADF), close every fd above 2
 * (daemons, subprocess's close_fds), dup2 onto them, or ask fcntl about
 * them (EBADF). Without this file a program's close() succeeded on our
 * memfd, closefrom() took the channel memfd an exec needs, and a dup2()
 * onto our number was closed again by udsx later, under the program.
 *
 * Each descriptor is registered with the address that holds it (`where`),
 * an optional lock its owner holds while it uses it, and an optional
 * callback. When the program takes its number (dup2/dup3 onto it, or a
 * dup whose kernel answer it would have been), the descriptor moves to a
 * free number far up, `*where` follows, and the number goes to the
 * program. If there is no room, the descriptor is given up: *where = -1,
 * and each owner copes (no re-attach after exec, no watching, no side
 * socket: the kernel path).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include "internal.h"

_Atomic uint64_t udsx_priv_bits[UDSX_PRIV_FDS / 64];

struct ent {
	int fd;
	int *where;
	pthread_mutex_t *lk;
	void (*moved)(int nfd);
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct ent *ents;
static int nents, cap;

static void set_bit(int fd, bool on)
{
	uint64_t m = 1ull << (fd & 63);

	if (on)
		atomic_fetch_or_explicit(&udsx_priv_bits[fd >> 6], m, memory_order_release);
	else
		atomic_fetch_and_explicit(&udsx_priv_bits[fd >> 6], ~m, memory_order_release);
}

/* Caller holds mu. */
static int find_fd(int fd)
{
	int i;

	for (i = 0; i < nents && ents[i].fd != fd; i++)
		;
	return i < nents ? i : -1;
}

static int find_where(const int *where)
{
	int i;

	for (i = 0; i < nents && ents[i].where != where; i++)
		;
	return i < nents ? i : -1;
}

static void drop(int i)
{
	set_bit(ents[i].fd, false);
	ents[i] = ents[--nents];
}

void udsx_priv_add(int *where, pthread_mutex_t *lk, void (*moved)(int nfd))
{
	int fd = *where, i;

	if (fd < 0 || fd >= UDSX_PRIV_FDS)
		return;
	pthread_mutex_lock(&mu);
	if ((i = find_fd(fd)) < 0 && nents == cap) {
		struct ent *n = realloc(ents, sizeof(*n) * (size_t)(cap ? 2 * cap : 64));

		/* (no memory: the descriptor is simply not guarded) */
		if (n) {
			ents = n;
			cap = cap ? 2 * cap : 64;
		}
	}
	if (i < 0 && nents < cap)
		i = nents++;
	if (i >= 0) {
		ents[i] = (struct ent){ fd, where, lk, moved };
		set_bit(fd, true);
	}
	pthread_mutex_unlock(&mu);
}

/* The descriptor in *from now lives in *to (*from becomes -1). */
void udsx_priv_move(int *from, int *to)
{
	int i;

	if (from == to)
		return;
	pthread_mutex_lock(&mu);
	*to = *from;
	*from = -1;
	if ((i = find_where(from)) >= 0)
		ents[i].where = to;
	pthread_mutex_unlock(&mu);
}

void udsx_priv_close(int *where)
{
	int i;

	pthread_mutex_lock(&mu);
	if (*where >= 0) {
		if ((i = find_where(where)) >= 0)
			drop(i);
		udsx_real.close(*where);
		*where = -1;
	}
	pthread_mutex_unlock(&mu);
}

/* The descriptor in *where leaves our care (*where becomes -1): returned
 * to the caller, who closes or hands it on. */
int udsx_priv_take(int *where)
{
	int i, fd;

	pthread_mutex_lock(&mu);
	fd = *where;
	if (fd >= 0 && (i = find_where(where)) >= 0)
		drop(i);
	*where = -1;
	pthread_mutex_unlock(&mu);
	return fd;
}

/* The program is about to take fd's number: ours moves out of its way. */
void udsx_priv_evict(int fd)
{
	pthread_mutex_t *lk = NULL;
	void (*moved)(int) = NULL;
	int i, nfd = -1;

	if (!udsx_priv_is(fd))
		return;
	pthread_mutex_lock(&mu);
	i = find_fd(fd);
	if (i >= 0 && ents[i].lk) {
		/* the owner's lock first (it calls in here holding it) */
		lk = ents[i].lk;
		pthread_mutex_unlock(&mu);
		pthread_mutex_lock(lk);
		pthread_mutex_lock(&mu);
		i = find_fd(fd);
	}
	if (i >= 0) {
		nfd = udsx_fd_dup_high(fd, 2 * UDSX_KEEP_MAX);
		if (nfd >= UDSX_PRIV_FDS) {
			udsx_real.close(nfd);
			nfd = -1;
		}
		moved = ents[i].moved;
		*ents[i].where = nfd;
		if (nfd >= 0) {
			set_bit(fd, false);
			ents[i].fd = nfd;
			set_bit(nfd, true);
		} else {
			drop(i);
		}
		udsx_real.close(fd);
		udsx_dbg("own fd %d moved to %d: the program takes its number", fd, nfd);
	}
	pthread_mutex_unlock(&mu);
	if (lk)
		pthread_mutex_unlock(lk);
	if (moved)
		moved(nfd);
}

/* The lowest of our descriptors in [lo, hi), or -1. */
static int lowest(int lo, int hi)
{
	int fd;

	if (hi > UDSX_PRIV_FDS)
		hi = UDSX_PRIV_FDS;
	for (fd = lo < 0 ? 0 : lo; fd < hi; fd++) {
		uint64_t w = atomic_load_explicit(&udsx_priv_bits[fd >> 6], memory_order_acquire) >>
			     (fd & 63);

		if (!w) {
			fd |= 63;
			continue;
		}
		fd += __builtin_ctzll(w);
		if (fd < hi)
			return fd;
	}
	return -1;
}

/*
 * The kernel gave the program r, the lowest free number from `from` on,
 * for dup or F_DUPFD; without udsx it would have had the lowest of ours in
 * between, if any. Then ours moves and the program's copy takes its
 * number (close-on-exec as asked).
 */
int udsx_priv_lowest(int from, int r, bool cloexec)
{
	int p;

	if (r <= from || (p = lowest(from, r)) < 0)
		return r;
	udsx_priv_evict(p);
	if (udsx_real.dup3(r, p, cloexec ? O_CLOEXEC : 0) != p)
		return r;
	udsx_real.close(r);
	return p;
}

/*
 * close_range() over everything but ours: one kernel call per stretch
 * between them, CLOSE_RANGE_UNSHARE on the first. (A range that holds only
 * ours still unshares.) Invalid arguments and CLOSE_RANGE_CLOEXEC go to the
 * kernel as they are: they close nothing of ours (ours are close-on-exec).
 */
int udsx_priv_close_range(unsigned int lo, unsigned int hi, int flags)
{
	unsigned int cur = lo;
	int p, r = 0, f = flags;
	bool called = false;

	if (lo > hi || (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) ||
	    (flags & CLOSE_RANGE_CLOEXEC) || lo >= UDSX_PRIV_FDS ||
	    (p = lowest((int)lo, hi >= UDSX_PRIV_FDS ? UDSX_PRIV_FDS : (int)hi + 1)) < 0)
		return udsx_real.close_range(lo, hi, flags);
	for (; p >= 0; p = lowest((int)cur, hi >= UDSX_PRIV_FDS ? UDSX_PRIV_FDS : (int)hi + 1)) {
		if ((unsigned int)p > cur) {
			int k = udsx_real.close_range(cur, (unsigned int)p - 1, f);

			if (k < 0 && !r)
				r = k;
			f &= ~CLOSE_RANGE_UNSHARE;
			called = true;
		}
		cur = (unsigned int)p + 1;
		if ((unsigned int)p >= hi)
			break;
	}
	if (cur <= hi && cur != 0) {
		int k = udsx_real.close_range(cur, hi, f);

		if (k < 0 && !r)
			r = k;
		called = true;
	} else if (!called && (flags & CLOSE_RANGE_UNSHARE) && unshare(CLONE_FILES) < 0) {
		r = -1;
	}
	return r;
}

/* A fork child: the entries are its own copies; a lock another thread
 * held at the fork is not. */
void udsx_priv_atfork_child(void)
{
	mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
}

/*
 * Put a descriptor that every socket call answers with EBADF (O_PATH: the
 * kernel's fd lookup for reads, writes, socket calls and poll skips such
 * files) in place of `fd`, closing what fd named as close() would. For
 * close() of a channel end (preload/fd.c): between udsx forgetting the end
 * and the kernel closing it, another thread's recv on the same number
 * would otherwise reach the kernel socket and read doorbell bytes as data
 * (test/stress/closerace.c); with the placeholder it gets EBADF, as it
 * would an instant later. 0, or -1 if there is no placeholder to be had.
 */
static int placeholder = -1;
static pthread_mutex_t ph_mu = PTHREAD_MUTEX_INITIALIZER;

int udsx_priv_placeholder_over(int fd)
{
	int r = -1;

	pthread_mutex_lock(&ph_mu);
	if (placeholder < 0) {
		int p = open("/", O_PATH | O_CLOEXEC);

		if (p >= 0 && (placeholder = udsx_fd_high(p, 2 * UDSX_KEEP_MAX + 1)) < 0)
			udsx_real.close(p);
		if (placeholder >= 0)
			udsx_priv_add(&placeholder, &ph_mu, NULL);
	}
	if (placeholder >= 0)
		r = udsx_real.dup3(placeholder, fd, O_CLOEXEC);
	pthread_mutex_unlock(&ph_mu);
	return r == fd ? 0 : -1;
}
