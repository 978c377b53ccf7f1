/* SPDX-License-Identifier: MIT */
/* life.c -- this process's liveness page: robust mutexes that the kernel marks when the threads holding them die.
 *
 * Memory-ordering contract: the page (shm.h, struct udsx_life) is written
 * by this process alone, through pthread_mutex_* on its slots, and by the
 * kernel, which sets FUTEX_OWNER_DIED in the futex word of every slot a
 * dying thread holds (its robust list), at exit, at exec and on SIGKILL.
 * Peers only load those words, as a hint that they confirm with the kernel
 * before acting on it (watch.c); nothing else is ordered through the page.
 *
 * Why a page of our own and not a word in the channel: glibc links a held
 * robust mutex into the thread's robust list through pointers inside the
 * mutex, and writes through them when it locks or unlocks any robust
 * mutex. In memory a peer can write, a peer could aim those writes
 * anywhere in this process. The page is sealed against writable mappings
 * by anyone else (F_SEAL_FUTURE_WRITE), and it is never unmapped while
 * this process lives: unmapping a held mutex breaks the list (glibc writes
 * into the hole; the kernel's walk at exit stops there).
 *
 * Each thread that makes a udsx call holds a slot of its own (up to
 * UDSX_LIFE_SLOTS), so the process looks alive while any of them lives.
 * A thread lets its slot go when it exits (a key destructor); SIGKILL and
 * exec release them all through the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "internal.h"

_Atomic uint32_t udsx_life_gen;		/* changes with each page this process makes */
_Thread_local uint32_t udsx_life_tgen;	/* the generation whose slot this thread holds */
static _Thread_local int t_slot = -1;
static struct udsx_life *own;
static int own_fd = -1;
/* Where the page goes, reserved when the library starts: a page mapped
 * later could land in a hole the program made with munmap, and a
 * use-after-unmap through a stale pointer (which the kernel answers with
 * EFAULT: test/diff/a_fault.c) would then write into our mutexes. */
static void *spot;
static pthread_mutex_t make_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t key;
static bool key_ok;

/* The thread is exiting: its slot goes back, unmarked. */
static void thread_gone(void *v)
{
	int i = (int)(intptr_t)v - 1;

	if (own && i >= 0 && i == t_slot &&
	    udsx_life_tgen == atomic_load_explicit(&udsx_life_gen, memory_order_relaxed))
		pthread_mutex_unlock(&own->slot[i]);
	t_slot = -1;
}

/* Far from the descriptors the program counts on: just below the memfds
 * kept for exec (udsx_fd_high). -1 if the limit leaves no room up there. */
static int place_high(int fd)
{
	int k = udsx_fd_high(fd, 2 * UDSX_KEEP_MAX);

	if (k < 0)
		udsx_real.close(fd);
	return k;
}

/* Back to a reserved, inaccessible page (or no page if there is no spot). */
static void unmake(void *p)
{
	if (p == spot)
		mmap(spot, UDSX_LIFE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	else
		udsx_unmap(p, UDSX_LIFE_SIZE);
}

void udsx_life_reserve(void)
{
	void *m = mmap(NULL, UDSX_LIFE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);

	spot = m == MAP_FAILED ? NULL : m;
}

/* A new page, sealed, mapped writable (at the reserved spot, replacing
 * whatever is there); *fdp gets a low, temporary fd. */
static struct udsx_life *make_page(int *fdp)
{
	pthread_mutexattr_t a;
	struct udsx_life *p;
	int fd, i;

	fd = memfd_create("udsx-life", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, UDSX_LIFE_SIZE) < 0)
		goto fail;
	p = mmap(spot, UDSX_LIFE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | (spot ? MAP_FIXED : 0), fd, 0);
	if (p == MAP_FAILED) {
		if (spot)	/* (a failed MAP_FIXED may have left a hole) */
			unmake(spot);
		goto fail;
	}
	/* (after the mapping: FUTURE_WRITE refuses new writable ones only) */
	if (udsx_real.fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE |
						 F_SEAL_SEAL) < 0) {
		unmake(p);
		goto fail;
	}
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	for (i = 0; i < UDSX_LIFE_SLOTS; i++)
		pthread_mutex_init(&p->slot[i], &a);
	pthread_mutexattr_destroy(&a);
	p->pid = (uint32_t)udsx_pid();
	p->magic = UDSX_LIFE_MAGIC;
	*fdp = fd;
	return p;
fail:
	udsx_real.close(fd);
	return NULL;
}

/* The calling thread takes a free slot (or one a dead thread left). */
static void take_slot(uint32_t gen)
{
	int i, r;

	udsx_life_tgen = gen;
	t_slot = -1;
	for (i = 0; i < UDSX_LIFE_SLOTS; i++) {
		r = pthread_mutex_trylock(&own->slot[i]);
		if (r == EOWNERDEAD) {
			pthread_mutex_consistent(&own->slot[i]);
			r = 0;
		}
		if (r == 0) {
			t_slot = i;
			if (key_ok)
				pthread_setspecific(key, (void *)(intptr_t)(i + 1));
			return;
		}
	}
	/* all taken: the threads holding them keep the process alive */
}

void udsx_life_thread(void)
{
	uint32_t gen = atomic_load(&udsx_life_gen);

	if (own && gen && udsx_life_tgen != gen)
		take_slot(gen);
}

static void reg_cb(int fd, struct udsx_end *e, void *arg)
{
	udsx_holder_add(e->ch->h, e->side, (uint32_t)udsx_pid(), (uint32_t)(uintptr_t)arg, fd);
}

/* The program took the page's descriptor number (privfd.c): every end we
 * hold says where the page is now. (Given up, nfd < 0: peers find
 * something else at the old number, fail its checks, and count us alive,
 * as for any holder they cannot watch.) */
static void own_moved(int nfd)
{
	if (nfd > 0)
		udsx_table_foreach(reg_cb, (void *)(uintptr_t)nfd);
}

/* This process's page, made on first use; its fd (0: none). The calling
 * thread holds a slot in it on return. */
uint32_t udsx_life_fd(void)
{
	int fd = -1;

	if (!own) {
		pthread_mutex_lock(&make_lock);
		if (!own) {
			struct udsx_life *p = make_page(&fd);

			if (p && (own_fd = place_high(fd)) < 0)
				unmake(p);
			else if (p) {
				udsx_priv_add(&own_fd, NULL, own_moved);
				if (!key_ok)
					key_ok = pthread_key_create(&key, thread_gone) == 0;
				own = p;
				atomic_fetch_add(&udsx_life_gen, 1);
			}
		}
		pthread_mutex_unlock(&make_lock);
	}
	if (!own)
		return 0;
	udsx_life_thread();
	return own_fd > 0 ? (uint32_t)own_fd : 0;
}

/*
 * In a fork child (one thread, glibc has emptied its robust list: the
 * parent's slots are not ours). A child that holds ends gets a page of its
 * own, in the parent's page's place and at its descriptor number; one that
 * holds none drops the parent's.
 */
void udsx_life_atfork_child(bool holds_ends)
{
	struct udsx_life *old = own, *p = NULL;
	int fd = -1;

	make_lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	t_slot = -1;
	if (!old)
		return;
	own = NULL;
	if (holds_ends)
		p = make_page(&fd);	/* (at the spot: replaces the parent's) */
	if (p && udsx_real.dup3(fd, own_fd, O_CLOEXEC) == own_fd) {
		udsx_real.close(fd);
		if (old != p && old != spot)
			udsx_unmap(old, UDSX_LIFE_SIZE);
		own = p;
		atomic_fetch_add(&udsx_life_gen, 1);
		take_slot(atomic_load(&udsx_life_gen));
		return;
	}
	if (p) {
		udsx_real.close(fd);
		unmake(p);
	}
	if (old != p)
		unmake(old);
	udsx_priv_close(&own_fd);
	/* (a page made later must not match this thread's old generation) */
	udsx_life_tgen = atomic_fetch_add(&udsx_life_gen, 1) + 1;
}
