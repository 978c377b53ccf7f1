/* SPDX-License-Identifier: MIT */
/* watch.c -- is anyone still holding the other end? The holders' liveness pages, mapped read-only, and the kernel's confirmation.
 *
 * Memory-ordering contract: an end's holder list (pid[], life_fd[]) and
 * its generation (the other end's `peer_hgen`) are written by the holders
 * (revert.c); a view is built from one reading of the generation, then of
 * the list, and marked built for that generation last (release), so a
 * view whose generation still matches was built from a list at least that
 * new. Its check word and value are swapped through an impossible value
 * (-1), so no reader pairs a new word with an old value. Pages are read with relaxed loads of the slots'
 * futex words (life.c): only a hint. Nothing is done on the hint alone;
 * the kernel confirms (udsx_watch_confirm) before an end is reverted.
 * Views and the page cache are process-local; the cache's mappings live in
 * one reserved region and are only ever replaced, never unmapped, so a
 * thread reading through a stale view reads some page, never a hole.
 *
 * A process killed by SIGKILL runs no udsx code: without this its peer
 * went on writing into a ring nobody reads, where the kernel says EPIPE.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

#define PAGES 64

static char *region;
static struct {
	uint64_t dev, ino;
	uint32_t refs;
	bool used;
} cache[PAGES];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void *reserve(void)
{
	void *m = mmap(NULL, (size_t)PAGES * UDSX_LIFE_SIZE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return m == MAP_FAILED ? NULL : m;
}

/* When the library starts (life.c says why: a hole the program made). */
void udsx_watch_reserve(void)
{
	region = reserve();
}

static const struct udsx_life *page_at(int i)
{
	return (const struct udsx_life *)(region + (size_t)i * UDSX_LIFE_SIZE);
}

static const int *word_of(const struct udsx_life *p, int slot)
{
	return (const int *)&p->slot[slot].__data.__lock;
}

/* The cache entry for process pid's page at its descriptor lfd, taken
 * (refs), mapping it if needed; -1 if it cannot be watched. The file is
 * first opened O_PATH and checked to be a regular file of the page's size
 * (no open of a device or FIFO a hostile list could name), then reopened
 * through that very descriptor, and must carry F_SEAL_SHRINK (a page that
 * could shrink under us would fault). */
static int page_get(uint32_t pid, uint32_t lfd)
{
	char path[64];
	struct stat st;
	int o, r = -1, i, slot = -1;

	snprintf(path, sizeof(path), "/proc/%u/fd/%u", pid, lfd);
	o = open(path, O_PATH | O_CLOEXEC);
	if (o < 0)
		return -1;
	if (fstat(o, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != UDSX_LIFE_SIZE)
		goto out;
	for (i = 0; i < PAGES; i++) {
		if (cache[i].used && cache[i].dev == st.st_dev && cache[i].ino == st.st_ino) {
			cache[i].refs++;
			r = i;
			goto out;
		}
		if (slot < 0 && (!cache[i].used || !cache[i].refs))
			slot = i;
	}
	if (slot < 0)
		goto out;
	if (!region && !(region = reserve()))
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", o);
	{
		int f = open(path, O_RDONLY | O_CLOEXEC);
		void *m = MAP_FAILED;

		if (f >= 0 && (udsx_real.fcntl(f, F_GET_SEALS) & F_SEAL_SHRINK))
			m = mmap(region + (size_t)slot * UDSX_LIFE_SIZE, UDSX_LIFE_SIZE, PROT_READ,
				 MAP_SHARED | MAP_FIXED, f, 0);
		if (f >= 0)
			udsx_real.close(f);
		if (m == MAP_FAILED) {
			/* (a failed MAP_FIXED may have left a hole: fill it) */
			mmap(region + (size_t)slot * UDSX_LIFE_SIZE, UDSX_LIFE_SIZE, PROT_READ,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			cache[slot].used = false;
			goto out;
		}
	}
	cache[slot].used = true;
	cache[slot].dev = st.st_dev;
	cache[slot].ino = st.st_ino;
	cache[slot].refs = 1;
	if (page_at(slot)->magic != UDSX_LIFE_MAGIC || page_at(slot)->pid != pid) {
		cache[slot].refs = 0;	/* not a page of that process */
		cache[slot].used = false;
		goto out;
	}
	r = slot;
out:
	udsx_real.close(o);
	return r;
}

static const int always = 1, never;

/* Point the view's check at w, which showed `val` (-1 for none first, so
 * that a reader never pairs the new word with the old value). */
static void set_hot(struct udsx_lifeview *v, const int *w, int val)
{
	atomic_store_explicit(&v->hot_val, -1, memory_order_relaxed);
	atomic_store_explicit(&v->hot, w, memory_order_release);
	atomic_store_explicit(&v->hot_val, val, memory_order_release);
}

/* A view that matches no generation and no word: the first check builds it. */
static void view_reset(struct udsx_lifeview *v)
{
	set_hot(v, &never, -1);
	atomic_store(&v->gen, ~0u);
}

static void view_drop(struct udsx_lifeview *v)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (cache[v->pg[i]].refs)
			cache[v->pg[i]].refs--;
	v->n = 0;
}

/* Rebuild the view of end `side`'s holders (cache_lock held). */
static void rebuild(struct udsx_chan *ch, int side)
{
	struct udsx_endstate *es = &ch->h->end[side];
	struct udsx_lifeview *v = &ch->life[side];
	uint32_t g = atomic_load_explicit(&ch->h->end[1 - side].peer_hgen, memory_order_acquire);
	uint32_t me = (uint32_t)udsx_pid();
	bool sure = atomic_load(&es->hover) != 0, only_us = !sure, any = false;
	int i, k;

	view_drop(v);
	set_hot(v, &never, -1);
	for (i = 0; i < 7; i++) {
		uint32_t p = atomic_load(&es->pid[i]);

		if (p && !(p & PID_RELEASED)) {
			any = true;
			only_us &= p == me;
		}
	}
	atomic_store_explicit(&v->only_us, only_us && any, memory_order_relaxed);
	for (i = 0; i < 7 && !sure; i++) {
		uint32_t p = atomic_load(&es->pid[i]), lfd;

		if (!p || (p & PID_RELEASED))
			continue;
		lfd = atomic_load(&es->life_fd[i]);
		/* a holder that is us, or one we cannot watch, may be alive */
		if (p == me || !lfd || (k = page_get(p, lfd)) < 0) {
			sure = true;
			break;
		}
		v->pg[v->n++] = (int8_t)k;
	}
	if (sure) {
		view_drop(v);
		set_hot(v, &always, 1);
	}
	atomic_store_explicit(&v->gen, g, memory_order_release);
}

/*
 * Does every process holding end `side` look dead (all of its slots free or
 * marked by the kernel)? False whenever one might live: this process holds
 * it, a holder has no page we can read, or no holder is listed (the end
 * was closed through udsx, which says so by itself).
 */
bool udsx_watch_look(struct udsx_chan *ch, int side)
{
	struct udsx_lifeview *v = &ch->life[side];
	uint32_t g = atomic_load_explicit(&ch->h->end[1 - side].peer_hgen, memory_order_relaxed);
	int i, s, n;

	if (g != atomic_load_explicit(&v->gen, memory_order_acquire)) {
		int saved = errno;

		/* (never wait: another thread rebuilding, or a signal handler
		 * that interrupted one; look again next call) */
		if (pthread_mutex_trylock(&cache_lock))
			return false;
		if (g != atomic_load(&v->gen))
			rebuild(ch, side);
		pthread_mutex_unlock(&cache_lock);
		errno = saved;
	}
	if (atomic_load_explicit(&v->hot, memory_order_acquire) == &always)
		return false;
	n = v->n;
	for (i = 0; i < n && i < 7; i++) {
		int pg = v->pg[i];
		const struct udsx_life *p;

		if (pg < 0 || pg >= PAGES)
			return false;
		p = page_at(pg);
		for (s = 0; s < UDSX_LIFE_SLOTS; s++) {
			const int *w = word_of(p, s);
			int x = __atomic_load_n(w, __ATOMIC_RELAXED);

			if (udsx_word_alive(x)) {
				set_hot(v, w, x);
				return false;
			}
		}
	}
	return n > 0;
}

/* Is this process the only one holding end `side` (as of its holder list
 * now)? False when that cannot be told without waiting. */
bool udsx_watch_only_us(struct udsx_chan *ch, int side)
{
	struct udsx_lifeview *v = &ch->life[side];
	uint32_t g = atomic_load_explicit(&ch->h->end[1 - side].peer_hgen, memory_order_relaxed);

	if (g != atomic_load_explicit(&v->gen, memory_order_acquire))
		udsx_watch_look(ch, side);	/* (rebuilds the view, or leaves it) */
	return atomic_load_explicit(&v->only_us, memory_order_relaxed) &&
	       g == atomic_load_explicit(&v->gen, memory_order_acquire);
}

void udsx_watch_init(struct udsx_chan *ch)
{
	view_reset(&ch->life[0]);
	view_reset(&ch->life[1]);
}

/* The channel's mapping goes: its views give their pages back. */
void udsx_watch_release(struct udsx_chan *ch)
{
	pthread_mutex_lock(&cache_lock);
	view_drop(&ch->life[0]);
	view_drop(&ch->life[1]);
	udsx_watch_init(ch);
	pthread_mutex_unlock(&cache_lock);
}

/* In a fork child (one thread): the lock may have been held. */
void udsx_watch_atfork_child(void)
{
	cache_lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
}

/*
 * Every holder of the peer of our end `fd` looks dead. Is the peer socket
 * really gone? The kernel knows: a STREAM or SEQPACKET socket whose peer
 * has closed polls HUP (both directions shut); for DGRAM, sock_diag no
 * longer names a live peer. Until the kernel agrees (a process between its
 * robust-list release and the close of its files at exit, or between exec
 * and re-attaching) the ring stays in use: what the kernel would still
 * accept, the ring may.
 */
bool udsx_watch_confirm(int fd, struct udsx_chan *ch)
{
	struct pollfd p = { .fd = fd, .events = 0 };
	struct stat st;

	if (ch->type == SOCK_DGRAM)	/* (our own inode, not the header's word) */
		return fstat(fd, &st) < 0 || udsx_diag_peer((uint32_t)st.st_ino) == 0;
	return udsx_real.poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
}
