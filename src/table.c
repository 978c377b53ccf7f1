/* SPDX-License-Identifier: MIT */
/* table.c -- which fds of this process are ends of a channel; lock-free lookups on the data path. */
#include <pthread.h>
#include <stdatomic.h>
#include "internal.h"

#define TABLE_MAX 65536

/* Entry: channel pointer with the side in bit 0 (channels are aligned). */
static _Atomic uintptr_t table[TABLE_MAX];
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

/* fd names end `side` of ch, whose count already includes it. */
static void set_counted(int fd, struct udsx_chan *ch, int side)
{
	uintptr_t old;

	atomic_store(&ch->fd_hint[side], fd);
	{
		/* (a CAS, not a lock: a fork while another thread held a lock
		 * here left the child's first table update waiting for ever) */
		int hi = atomic_load_explicit(&table_hi, memory_order_relaxed);

		while (fd >= hi && !atomic_compare_exchange_weak(&table_hi, &hi, fd + 1))
			;
	}
	old = atomic_exchange(&table[fd], (uintptr_t)ch | (uintptr_t)side);
	put_entry(old);
}

void udsx_table_set(int fd, struct udsx_chan *ch, int side)
{
	if (fd < 0 || fd >= TABLE_MAX)
		return;
	atomic_fetch_add(&ch->side_refs[side], 1);
	set_counted(fd, ch, side);
}

void udsx_table_clear(int fd)
{
	uintptr_t old;

	if (fd < 0 || fd >= TABLE_MAX)
		return;
	old = atomic_exchange(&table[fd], 0);
	put_entry(old);
}

/*
 * newfd is a kernel dup of oldfd, whose end `held` was looked up and held
 * before the dup (NULL: none). Still oldfd's end now, it is newfd's too.
 * newfd is counted first and oldfd checked after: a close of oldfd that
 * clears its entry later sees newfd's count (the end is not the last, the
 * channel does not die under newfd), and one that came before makes us
 * back out. (Checked first and counted after, a close in between let the
 * count fall to 0, the channel was freed at our unbusy, and newfd named an
 * unmapped channel: a crash at its close, in a stress of dup and close
 * racing on the same fds.)
 */
void udsx_table_dup(int oldfd, int newfd, const struct udsx_end *held)
{
	uintptr_t v;

	if (!held || oldfd < 0 || oldfd >= TABLE_MAX || newfd < 0 || newfd >= TABLE_MAX) {
		udsx_table_clear(newfd);
		return;
	}
	v = (uintptr_t)held->ch | (uintptr_t)held->side;
	atomic_fetch_add(&held->ch->side_refs[held->side], 1);
	if (atomic_load(&table[oldfd]) != v) {
		put_entry(v);	/* (the caller's busy keeps the channel) */
		udsx_table_clear(newfd);
		return;
	}
	set_counted(newfd, held->ch, held->side);
}

/* Each end in the table, held busy while fn runs (other threads may close
 * it meanwhile). */
void udsx_table_foreach(void (*fn)(int fd, struct udsx_end *e, void *arg), void *arg)
{
	struct udsx_end e;
	int fd, hi = atomic_load(&table_hi);

	for (fd = 0; fd < hi; fd++)
		if (udsx_table_hold(fd, &e)) {
			fn(fd, &e, arg);
			udsx_chan_unbusy(e.ch);
		}
}

/* The same in a fork child, where this thread is the only one: fn may
 * reset the busy counts the other threads left behind. */
void udsx_table_foreach_child(void (*fn)(int fd, struct udsx_end *e, void *arg), void *arg)
{
	struct udsx_end e;
	int fd, hi = atomic_load(&table_hi);

	for (fd = 0; fd < hi; fd++)
		if (udsx_table_get(fd, &e))
			fn(fd, &e, arg);
}
