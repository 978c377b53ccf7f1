/* SPDX-License-Identifier: MIT */
/* pin.c -- the per-thread hazard slots of pin.h: records, thread exit, fork, and the free side's scan.
 *
 * Memory-ordering contract: pin.h's. Records are taken with a locked
 * instruction (`live`, `nlive`), so a thread's record is visible before its
 * first pin; the free side reads `nlive` after a full fence, and skips the
 * membarrier only when no thread but itself has a record (its own slots
 * are ordered by program order, signal handlers included).
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include "pin.h"

#define PIN_RECS 256	/* threads with a record at once; later ones use busy */

static struct udsx_pinrec recs[PIN_RECS];
static _Atomic int nrecs;	/* records ever used (the scan's bound) */
static _Atomic int nlive;	/* records owned now */
static _Atomic bool pins_ok;	/* membarrier registered: pins may be used */
static pthread_key_t key;

_Thread_local struct udsx_pinrec *udsx_pin_me;
_Thread_local unsigned udsx_pin_depth;
static _Thread_local bool t_none;	/* no record for this thread, ever */

/* The thread is exiting: its record goes back. Its slots are empty unless
 * it was cancelled inside a call; a channel freed meanwhile is freed now. */
static void thread_gone(void *v)
{
	struct udsx_pinrec *r = v;
	int i;

	for (i = 0; i < UDSX_PIN_SLOTS; i++) {
		struct udsx_chan *ch = atomic_exchange(&r->slot[i], NULL);

		if (ch)
			udsx_chan_try_free(ch);
	}
	if (udsx_pin_me == r) {
		udsx_pin_me = NULL;
		udsx_pin_depth = 0;
	}
	t_none = true;	/* (another key's destructor may still call us: busy) */
	atomic_fetch_sub(&nlive, 1);
	atomic_store(&r->live, 0);
}

void udsx_pin_init(void)
{
	if (pthread_key_create(&key, thread_gone))
		return;
	/* Registration is per process and survives fork (exec clears it,
	 * and the new image registers again here). */
	if (udsx_syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
		atomic_store(&pins_ok, true);
	else
		udsx_dbg("no membarrier: calls hold channels with a count");
}

static struct udsx_pinrec *take_record(void)
{
	int i, n = atomic_load(&nrecs), zero;

	for (i = 0; i < n; i++) {
		zero = 0;
		if (atomic_compare_exchange_strong(&recs[i].live, &zero, 1))
			return &recs[i];
	}
	i = atomic_fetch_add(&nrecs, 1);
	if (i >= PIN_RECS) {
		atomic_fetch_sub(&nrecs, 1);
		return NULL;
	}
	zero = 0;
	return atomic_compare_exchange_strong(&recs[i].live, &zero, 1) ? &recs[i] : NULL;
}

/* First pin of a thread (it takes a record), or one that cannot have a
 * slot: then the channel is held by `busy`. */
int udsx_pin_slow(struct udsx_chan *ch)
{
	if (!udsx_pin_me && !t_none && atomic_load_explicit(&pins_ok, memory_order_relaxed)) {
		struct udsx_pinrec *r = take_record();

		if (r && pthread_setspecific(key, r) == 0) {
			atomic_fetch_add(&nlive, 1);
			udsx_pin_me = r;
			return udsx_pin(ch);
		}
		if (r)
			atomic_store(&r->live, 0);
		t_none = true;
	}
	atomic_fetch_add(&ch->busy, 1);
	return 0;
}

/*
 * May ch be freed as far as pins go: no slot of any thread holds it? The
 * caller has already made it unreachable (fd table entry gone, `dead` set,
 * `busy` at 0). False also when the scan cannot be trusted (membarrier
 * failed): the mapping then stays, and pins stop being used.
 */
bool udsx_pin_quiet(struct udsx_chan *ch)
{
	int i, j, n, others;

	atomic_thread_fence(memory_order_seq_cst);
	others = atomic_load(&nlive) - (udsx_pin_me != NULL);
	if (others > 0 &&
	    udsx_syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) {
		atomic_store(&pins_ok, false);
		udsx_dbg("membarrier failed (%d): channel %p stays mapped", errno, (void *)ch);
		return false;
	}
	n = atomic_load(&nrecs);
	for (i = 0; i < n && i < PIN_RECS; i++)
		for (j = 0; j < UDSX_PIN_SLOTS; j++)
			if (atomic_load_explicit(&recs[i].slot[j], memory_order_relaxed) == ch)
				return false;
	return true;
}

/* In the fork child only this thread is left: the other records go, and
 * with them any pins the other threads held at the fork. */
void udsx_pin_atfork_child(void)
{
	int i, j, n = atomic_load(&nrecs);

	for (i = 0; i < n && i < PIN_RECS; i++) {
		if (&recs[i] == udsx_pin_me)
			continue;
		for (j = 0; j < UDSX_PIN_SLOTS; j++)
			atomic_store(&recs[i].slot[j], NULL);
		atomic_store(&recs[i].live, 0);
	}
	atomic_store(&nlive, udsx_pin_me != NULL);
}
