/* SPDX-License-Identifier: MIT */
/* table.c -- which fds of this process are ends of a channel; lock-free lookups on the data path. */
#include <pthread.h>
#include <stdatomic.h>
#include "internal.h"

#define TABLE_MAX 65536

/* Entry: channel pointer with the side in bit 0 (channels are aligned). */
static _Atomic uintptr_t table[TABLE_MAX];
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
/* One past the highest fd ever set: walks stop there (fork walks the
 * table several times; the whole of it took ~20 % of a fork). */
static _Atomic int table_hi;

/* fd's entry as it is stored: the channel with the side in bit 0, or 0. */
uintptr_t udsx_table_raw(int fd)
{
	if (fd < 0 || fd >= TABLE_MAX)
		return 0;
	return atomic_load_explicit(&table[fd], memory_order_acquire);
}

bool udsx_table_get(int fd, struct udsx_end *out)
{
	uintptr_t v = udsx_table_raw(fd);

	if (!v)
		return false;
	out->ch = (struct udsx_chan *)(v & ~(uintptr_t)1);
	out->side = (int)(v & 1);
	out->held_gate = NULL;
	out->held_n = 0;
	out->held_cand = NULL;
	return true;
}

static void put_entry(uintptr_t v)
{
	struct udsx_chan *ch = (struct udsx_chan *)(v & ~(uintptr_t)1);

	if (!v)
		return;
	atomic_fetch_sub(&ch->side_refs[v & 1], 1);
	udsx_chan_put(ch);
}

void udsx_table_set(int fd, struct udsx_chan *ch, int side)
{
	uintptr_t old;

	if (fd < 0 || fd >= TABLE_MAX)
		return;
	atomic_fetch_add(&ch->side_refs[side], 1);
	atomic_store(&ch->fd_hint[side], fd);
	pthread_mutex_lock(&table_mu);
	if (fd >= atomic_load_explicit(&table_hi, memory_order_relaxed))
		atomic_store(&table_hi, fd + 1);
	old = atomic_exchange(&table[fd], (uintptr_t)ch | (uintptr_t)side);
	pthread_mutex_unlock(&table_mu);
	put_entry(old);
}

void udsx_table_clear(int fd)
{
	uintptr_t old;

	if (fd < 0 || fd >= TABLE_MAX)
		return;
	old = atomic_exchange(&table[fd], 0);
	put_entry(old);
}

void udsx_table_dup(int oldfd, int newfd)
{
	struct udsx_end e;

	if (udsx_table_get(oldfd, &e))
		udsx_table_set(newfd, e.ch, e.side);
	else
		udsx_table_clear(newfd);
}

void udsx_table_foreach(void (*fn)(int fd, struct udsx_end *e, void *arg), void *arg)
{
	struct udsx_end e;
	int fd, hi = atomic_load(&table_hi);

	for (fd = 0; fd < hi; fd++)
		if (udsx_table_get(fd, &e))
			fn(fd, &e, arg);
}
