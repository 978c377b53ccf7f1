/* SPDX-License-Identifier: MIT */
/* chan.c -- creating, sealing and mapping a channel; the process-wide memory cap.
 *
 * Memory-ordering contract: the header is fully initialised before either
 * socket of the pair is returned to the application, so no other thread or
 * process can observe a partial header. The memfd is sealed before mapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "internal.h"
#include "pin.h"

static _Atomic size_t mem_used;

static void chan_free(struct udsx_chan *ch);

/*
 * Channel structs are never given back to malloc: a lookup racing a close
 * may still add one to `busy` of a channel that has gone, and take it back
 * after it finds the fd table changed (preload.h). They are reused for
 * later channels instead, `busy` left as it is (the racing lookup's pair
 * of changes still balances), so a program that makes and drops millions
 * of pairs keeps as many structs as it ever had channels at once (before
 * the eighth session each pair left ~300 bytes behind). Whoever keeps a
 * channel pointer past one call holds `busy` and re-checks the table
 * (table.c: hold()), so a reused struct is never taken for its old
 * channel.
 */
static struct udsx_chan *free_chans;
static pthread_mutex_t free_mu = PTHREAD_MUTEX_INITIALIZER;

static struct udsx_chan *chan_alloc(void)
{
	struct udsx_chan *ch;

	pthread_mutex_lock(&free_mu);
	ch = free_chans;
	if (ch)
		free_chans = ch->next_free;
	pthread_mutex_unlock(&free_mu);
	if (!ch) {
		ch = aligned_alloc(64, (sizeof(*ch) + 63) & ~(size_t)63);
		if (ch)
			memset(ch, 0, sizeof(*ch));
		return ch;
	}
	_Static_assert(offsetof(struct udsx_chan, busy) == 0, "busy comes first");
	memset((char *)ch + sizeof(ch->busy), 0, sizeof(*ch) - sizeof(ch->busy));
	return ch;
}

static void chan_release(struct udsx_chan *ch)
{
	pthread_mutex_lock(&free_mu);
	ch->next_free = free_chans;
	free_chans = ch;
	pthread_mutex_unlock(&free_mu);
}

/* A mapping and its kept memfd go (a free, or a failed creation). */
static void drop_mapping(void *p, size_t size, int *memfd)
{
	udsx_unmap(p, size);
	atomic_fetch_sub(&mem_used, size);
	if (*memfd >= 0) {
		udsx_priv_close(memfd);
		udsx_keep_release();
	}
}

/*
 * Mappings of socketpair channels that have gone, kept for the next
 * socketpair: creating a channel (memfd, size, seals, map, a kept copy of
 * the memfd) and taking it down (unmap, close) were most of what a
 * socketpair costs under udsx (next-steps §2). Only a mapping no other
 * process can have is reused: a socketpair's (a negotiated channel's
 * memfd went to the peer, and a new peer must not see old data), never
 * alive across a fork (the child may still use it: `poolable` is cleared
 * for every live channel at fork, under pool_mu, which the fork holds
 * from before it starts to after the marks), and a fork child empties
 * its copy of the pool. The rings are not cleared: a reader only ever
 * reads what a writer published since the header was reset.
 */
#define POOL_MAX 4
static struct {
	void *p;
	size_t size;
	int memfd;
} pool[POOL_MAX];
static int pool_n;
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;

/* A pooled mapping of `size` bytes, header zeroed, or NULL; its memfd
 * moves to *memfd. */
static void *pool_take(size_t size, int *memfd)
{
	void *p = NULL;
	int i;

	if (pthread_mutex_trylock(&pool_mu))
		return NULL;
	for (i = 0; i < pool_n && !p; i++) {
		if (pool[i].size != size)
			continue;
		p = pool[i].p;
		udsx_priv_move(&pool[i].memfd, memfd);
		if (i != --pool_n) {
			pool[i].p = pool[pool_n].p;
			pool[i].size = pool[pool_n].size;
			udsx_priv_move(&pool[pool_n].memfd, &pool[i].memfd);
		}
	}
	pthread_mutex_unlock(&pool_mu);
	if (p)
		memset(p, 0, sizeof(struct udsx_hdr));
	return p;
}

static bool pool_put(struct udsx_chan *ch)
{
	bool ok = false;

	if (!ch->poolable || ch->memfd < 0 || pthread_mutex_trylock(&pool_mu))
		return false;
	if (ch->poolable && pool_n < POOL_MAX) {
		pool[pool_n].p = ch->h;
		pool[pool_n].size = ch->map_size;
		udsx_priv_move(&ch->memfd, &pool[pool_n].memfd);
		pool_n++;
		ok = true;
	}
	pthread_mutex_unlock(&pool_mu);
	return ok;
}

static void unpool_cb(int fd, struct udsx_end *e, void *arg)
{
	e->ch->poolable = false;
}

/* fork: hold the pool still until every live channel is marked. */
void udsx_pool_atfork_prepare(void)
{
	pthread_mutex_lock(&pool_mu);
}

void udsx_pool_atfork_parent(void)
{
	udsx_table_foreach(unpool_cb, NULL);
	pthread_mutex_unlock(&pool_mu);
}

/* (the parent may hand these out again: ours go) */
void udsx_pool_atfork_child(void)
{
	struct udsx_chan *ch;
	int i;

	udsx_table_foreach_child(unpool_cb, NULL);
	for (i = 0; i < pool_n; i++)
		drop_mapping(pool[i].p, pool[i].size, &pool[i].memfd);
	pool_n = 0;
	pool_mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	/* (a lookup the parent's other threads were racing never ends here) */
	free_mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	for (ch = free_chans; ch; ch = ch->next_free)
		atomic_store(&ch->busy, 0);
}

/* A fresh sealed memfd of `size` bytes, mapped; its kept copy in *memfd
 * (-1 if none could be kept), and one for the peer in *memfd_out. */
static void *map_fresh(size_t size, int *memfd, int *memfd_out)
{
	void *p;
	int fd;

	if (atomic_fetch_add(&mem_used, size) + size > udsx_cfg.mem_max) {
		atomic_fetch_sub(&mem_used, size);
		errno = ENOMEM;
		return NULL;
	}
	fd = memfd_create("udsx", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		goto fail;
	if (ftruncate(fd, (off_t)size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		goto fail_fd;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail_fd;
	if (memfd_out)
		*memfd_out = udsx_real.fcntl(fd, F_DUPFD_CLOEXEC, 0);
	udsx_keep_memfd(fd, memfd);
	return p;
fail_fd:
	udsx_real.close(fd);
fail:
	atomic_fetch_sub(&mem_used, size);
	return NULL;
}

static int map_new(int type, struct udsx_chan **out, int *memfd_out)
{
	size_t ring = udsx_cfg.ring_size;
	size_t size = sizeof(struct udsx_hdr) + 2 * ring;
	struct udsx_chan *ch;
	void *p = NULL;

	/* (first: the kept memfd is registered at its final address) */
	ch = chan_alloc();
	if (!ch)
		return -ENOMEM;
	ch->memfd = -1;
	if (!memfd_out)
		p = pool_take(size, &ch->memfd);
	if (!p && !(p = map_fresh(size, &ch->memfd, memfd_out))) {
		int e = errno;

		chan_release(ch);
		return -e;
	}
	udsx_watch_init(ch);
	ch->poolable = !memfd_out;
	ch->h = p;
	ch->map_size = size;
	ch->ring_size = (uint32_t)ring;
	ch->type = type;
	ch->h->magic = UDSX_MAGIC;
	ch->h->type = (uint32_t)type;
	ch->h->ring_size = (uint32_t)ring;
	*out = ch;
	return 0;
}

static void init_end(struct udsx_chan *ch, int side, int fd, int nonblock)
{
	struct udsx_endstate *es = &ch->h->end[side];
	socklen_t l = sizeof(int);
	struct stat st;
	int v = udsx_default_sndbuf();

	if (!v)
		udsx_real.getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &l);
	atomic_store(&es->sndbuf, (uint32_t)v);
	atomic_store(&es->rcvlowat, 1);
	atomic_store(&es->nonblock, (uint32_t)nonblock);
	udsx_holder_add(ch->h, side, (uint32_t)udsx_pid(), udsx_life_fd(), fd);
	if (fstat(fd, &st) == 0)
		atomic_store(&es->ino, (uint64_t)st.st_ino);
	udsx_pin_sndbuf(fd, ch, side);
}

/* Give a fresh kernel socketpair a channel. On any failure the pair simply
 * stays on the kernel path. */
int udsx_chan_create_pair(int type, int sv[2])
{
	struct udsx_chan *ch = NULL;
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int r;

	if (base != SOCK_STREAM && base != SOCK_DGRAM && base != SOCK_SEQPACKET)
		return 0;
	r = map_new(base, &ch, NULL);
	if (r < 0) {
		udsx_dbg("no channel for pair: %s", strerror(-r));
		return r;
	}
	init_end(ch, 0, sv[0], !!(type & SOCK_NONBLOCK));
	init_end(ch, 1, sv[1], !!(type & SOCK_NONBLOCK));
	/* both ends are ours from the start: no switch point to wait for */
	atomic_store(&ch->h->end[0].joined, 1);
	atomic_store(&ch->h->end[1].joined, 1);
	atomic_store(&ch->h->dir[0].gate, GATE_OPEN);
	atomic_store(&ch->h->dir[1].gate, GATE_OPEN);
	ch->open_seen[0] = ch->open_seen[1] = true;
	udsx_table_set(sv[0], ch, 0);
	udsx_table_set(sv[1], ch, 1);
	return 0;
}

/* A channel for a negotiated connection: both gates shut, no end joined
 * yet. *memfd is a descriptor of it to hand to the peer. */
struct udsx_chan *udsx_chan_new(int type, int *memfd)
{
	struct udsx_chan *ch = NULL;
	int r = map_new(type, &ch, memfd);

	if (r < 0) {
		udsx_dbg("no channel for connection: %s", strerror(-r));
		return NULL;
	}
	if (*memfd < 0) {
		udsx_chan_discard(ch);
		return NULL;
	}
	return ch;
}

/* A channel no fd ever used. */
void udsx_chan_discard(struct udsx_chan *ch)
{
	atomic_store(&ch->dead, 1);
	chan_free(ch);
}

/*
 * This process's fd becomes end `side` of a negotiated channel: the end's
 * shared settings start as the kernel socket's own (the kernel carried the
 * connection until now). False if the socket uses something the ring does
 * not reproduce; it then stays on the kernel path.
 */
bool udsx_chan_join_end(struct udsx_chan *ch, int side, int fd)
{
	struct udsx_endstate *es = &ch->h->end[side];
	struct sockaddr_un a;
	socklen_t l = sizeof(int), al = sizeof(a);
	int v = 0, fl;
	struct stat st;

	if (udsx_real.getsockopt(fd, SOL_SOCKET, SO_PASSCRED, &v, &l) < 0 || v)
		return false;
	l = sizeof(int);
	if (udsx_real.getsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &v, &l) < 0 || v != -1)
		return false;
	fl = udsx_real.fcntl(fd, F_GETFL);
	if (fl < 0 || fstat(fd, &st) < 0)
		return false;
	l = sizeof(int);
	if (udsx_real.getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &l) < 0)
		return false;
	atomic_store(&es->sndbuf, (uint32_t)v);
	l = sizeof(int);
	if (udsx_real.getsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &v, &l) < 0)
		return false;
	atomic_store(&es->rcvlowat, (uint32_t)v);
	atomic_store(&es->nonblock, (fl & O_NONBLOCK) != 0);
	udsx_holder_add(ch->h, side, (uint32_t)udsx_pid(), udsx_life_fd(), fd);
	atomic_store(&es->ino, (uint64_t)st.st_ino);
	/* what the peer's recvfrom/recvmsg report as the sender */
	es->addr_len = 0;
	if (getsockname(fd, (struct sockaddr *)&a, &al) == 0 && al > sizeof(sa_family_t) &&
	    al <= sizeof(es->addr)) {
		memcpy(es->addr, &a, al);
		es->addr_len = al;
	}
	atomic_store_explicit(&es->joined, 1, memory_order_release);
	return true;
}

/*
 * Keep the memfd, for an exec that re-attaches (inherit.c), out of the
 * program's way: far up (udsx_fd_high), hidden from it (privfd.c), and
 * only for the first UDSX_KEEP_MAX channels; the rest cannot re-attach and
 * revert on exec instead. The kept fd or -1 goes to *where (the channel's
 * own field: the descriptor follows it if the program takes its number);
 * `fd` is closed either way.
 */
static _Atomic int kept;

void udsx_keep_release(void)
{
	atomic_fetch_sub(&kept, 1);
}

/* Given up to a program that took its number with no room to move it. */
static void keep_lost(int nfd)
{
	if (nfd < 0)
		udsx_keep_release();
}

void udsx_keep_memfd(int fd, int *where)
{
	int k = -1;

	if (atomic_fetch_add(&kept, 1) < UDSX_KEEP_MAX)
		k = udsx_fd_high(fd, UDSX_KEEP_MAX);
	if (k < 0) {
		atomic_fetch_sub(&kept, 1);
		udsx_real.close(fd);
	}
	*where = k;
	udsx_priv_add(where, NULL, keep_lost);
}

/* Map a channel created by another image of this process (inherit.c).
 * The size comes from the sealed memfd, never from the header. */
struct udsx_chan *udsx_chan_attach(int memfd)
{
	struct udsx_chan *ch;
	struct stat st;
	void *p;
	uint64_t ring;

	if (fstat(memfd, &st) < 0 || st.st_size < (off_t)sizeof(struct udsx_hdr))
		return NULL;
	ring = ((uint64_t)st.st_size - sizeof(struct udsx_hdr)) / 2;
	if (ring < 4096 || (ring & (ring - 1)) || ring > (1ull << 30) ||
	    (fcntl(memfd, F_GET_SEALS) & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW))
		return NULL;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (p == MAP_FAILED)
		return NULL;
	ch = ((struct udsx_hdr *)p)->magic == UDSX_MAGIC ? chan_alloc() : NULL;
	if (!ch) {
		udsx_unmap(p, (size_t)st.st_size);
		return NULL;
	}
	udsx_watch_init(ch);
	ch->h = p;
	ch->map_size = (size_t)st.st_size;
	ch->ring_size = (uint32_t)ring;
	ch->type = (int)ch->h->type;
	udsx_keep_memfd(memfd, &ch->memfd);
	if (ch->type != SOCK_STREAM && ch->type != SOCK_DGRAM && ch->type != SOCK_SEQPACKET)
		ch->type = SOCK_DGRAM;	/* corrupt: any type works; the ring checks the rest */
	atomic_fetch_add(&mem_used, ch->map_size);
	return ch;
}

/*
 * Unmapping while another thread is still inside a call on this channel
 * would turn an application race (close vs. read) into a crash. Calls hold
 * `busy` (preload.h: udsx_lookup re-checks the fd table after taking it),
 * and the last of close and busy unmaps. The small struct itself goes to
 * the list of structs to reuse, never to free(), so a racing lookup can
 * always touch its counters.
 */
static void chan_free(struct udsx_chan *ch)
{
	int one = 1;

	if (!atomic_compare_exchange_strong(&ch->dead, &one, 2))
		return;
	udsx_watch_release(ch);
	if (pool_put(ch)) {
		udsx_dbg("channel %p pooled", (void *)ch);
	} else {
		drop_mapping(ch->h, ch->map_size, &ch->memfd);
		udsx_dbg("channel %p unmapped", (void *)ch);
	}
	chan_release(ch);
}

void udsx_chan_put(struct udsx_chan *ch)
{
	/* the caller has dropped its per-end count; the last one out marks
	 * the channel dead (chan_free's CAS makes a double free impossible) */
	if (atomic_load(&ch->side_refs[0]) + atomic_load(&ch->side_refs[1]))
		return;
	atomic_store(&ch->dead, 1);
	udsx_chan_try_free(ch);
}

void udsx_chan_unbusy(struct udsx_chan *ch)
{
	if (atomic_fetch_sub(&ch->busy, 1) == 1 && atomic_load(&ch->dead) == 1)
		udsx_chan_try_free(ch);
}

/* Free a dead channel if no call holds it any more, by count or by pin
 * (pin.h); each holder that lets go of a dead channel calls this, so the
 * last one frees it. */
void udsx_chan_try_free(struct udsx_chan *ch)
{
	if (atomic_load(&ch->dead) == 1 && !atomic_load(&ch->busy) && udsx_pin_quiet(ch))
		chan_free(ch);
}

/* Is this end still using its channel (neither direction fully reverted)? */
bool udsx_end_active(const struct udsx_end *e)
{
	return !atomic_load_explicit(&e->ch->h->end[e->side].reverted, memory_order_acquire);
}
