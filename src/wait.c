/* SPDX-License-Identifier: MIT */
/* wait.c -- bounded, adaptive spinning before sleeping in the kernel.
 *
 * Spinning only helps when the peer is running on another CPU. It backs off
 * when the machine has more runnable threads than CPUs (the peer may be
 * waiting for our CPU) and it adapts: a spin that keeps ending in a sleep
 * anyway is shortened, because then it only adds latency and burns CPU.
 *
 * Memory-ordering contract: the only shared-memory words touched here are
 * the ends' only_cpu hints, with relaxed loads and stores: a stale or
 * forged value only decides whether a wait spins first.
 */
#include <sched.h>
#include <sys/single_threaded.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include "internal.h"

static _Thread_local int budget_scale = 8;	/* in eighths of the budget */

uint64_t udsx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Threads runnable on the machine (from /proc/loadavg, which counts the
 * caller), looked at again at most every 100 ms; -1 if unknown. */
static int runnable(void)
{
	static _Thread_local uint64_t checked;
	static _Thread_local int running = -1;
	uint64_t t = udsx_now_ns();
	char buf[128], *p;
	int fd, fields = 0;
	ssize_t n;

	if (t - checked < 100000000ull)
		return running;
	checked = t;
	/* /proc/loadavg: "0.00 0.01 0.05 RUNNING/TOTAL LASTPID" */
	fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return running = -1;
	n = udsx_real.read(fd, buf, sizeof(buf) - 1);	/* (config.c says why) */
	udsx_real.close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (p = buf; *p && fields < 3; p++)
		if (*p == ' ')
			fields++;
	for (running = 0; *p >= '0' && *p <= '9'; p++)
		running = running * 10 + (*p - '0');
	return running;
}

/* Are more threads runnable than there are CPUs? */
static bool overloaded(void)
{
	return runnable() > udsx_cfg.ncpu + 1;
}

/* Yield-spinning (below) is off for this thread until then (ns). */
static _Thread_local uint64_t yield_off_until;

/*
 * The one CPU the calling thread may run on (taskset, a one-CPU cpuset,
 * pthread_setaffinity_np), or -1 when it may run on several. Looked up
 * again every 1024 calls, so a change of affinity is seen soon enough;
 * callers are about to wait, so the rare system call is cheap next to it.
 */
int udsx_only_cpu(void)
{
	static _Thread_local unsigned calls;
	static _Thread_local int only = -1;
	cpu_set_t set;

	if (calls++ % 1024)
		return only;
	only = -1;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) == 1)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set)) {
				only = c;
				break;
			}
	return only;
}

/*
 * Could anyone but the calling thread act on end `side` while we wait for
 * it? Not if this process is single-threaded (glibc's own flag, which
 * stays false once a thread was ever made) and holds that end alone: a
 * program writing to itself through a pair (an event loop's self-pipe,
 * paircost) then spun for a writer that could only be itself, 2 us after
 * every read (perf: a quarter of paircost's time in clock_gettime and the
 * spin). A signal handler can still act, and is served the kernel's way:
 * the wait is only a wait, never needed.
 */
static bool alone_with(struct udsx_chan *ch, int side)
{
	return __libc_single_threaded && udsx_end_only_us(ch, side);
}

/*
 * How may a wait for end `side` pass its time? UDSX_SPIN_NO: not at all
 * (nobody else can act on that end), sleep. UDSX_SPIN_YIELD: the calling
 * thread may run on one CPU only and so may the thread that last waited on
 * that end, the same one (both under `taskset -c 0`, a one-CPU cpuset):
 * the peer cannot run until we stop, so a spin only delays it (a 64 B
 * ping-pong on one CPU took 25.9 us a round trip under udsx, 10.6 us on
 * the kernel), but yielding the CPU to it helps (4.6 us). UDSX_SPIN_YES:
 * spin. Called by a thread about to wait, which leaves its own CPU for
 * the peer's same question (stored only when it changes: the line stays
 * shared otherwise).
 */
int udsx_spin_mode(struct udsx_chan *ch, int side)
{
	_Atomic uint32_t *mine = &ch->h->end[1 - side].only_cpu;
	int cpu = udsx_only_cpu();
	uint32_t v = cpu < 0 ? 0 : (uint32_t)cpu + 1;
	int run;

	if (atomic_load_explicit(mine, memory_order_relaxed) != v)
		atomic_store_explicit(mine, v, memory_order_relaxed);
	if (alone_with(ch, side))
		return UDSX_SPIN_NO;
	if (!v || atomic_load_explicit(&ch->h->end[side].only_cpu, memory_order_relaxed) != v)
		return UDSX_SPIN_YES;
	/* One CPU for both. Giving it to the peer is what helps: yield to
	 * it (udsx_spin_until), when nothing else wants this CPU (two
	 * runnable threads at most: us and, soon, the peer) and the last
	 * yields came back quickly. */
	run = runnable();
	return udsx_now_ns() < yield_off_until || run < 0 || run > 2 ? UDSX_SPIN_NO : UDSX_SPIN_YIELD;
}

/* Is a plain spin out of the question (the lingering and polling ones)? */
bool udsx_spin_futile(struct udsx_chan *ch, int side)
{
	return udsx_spin_mode(ch, side) != UDSX_SPIN_YES;
}

/*
 * Pass up to the budget (adaptive, see above) looking at ready(arg), in the
 * way `mode` says (udsx_spin_mode): UDSX_SPIN_YES spins on the CPU;
 * UDSX_SPIN_YIELD hands the CPU to whoever else may run on it (the peer,
 * confined to our CPU): each sched_yield() lets it run until it waits or
 * writes, and we look again, instead of a sleep and a wake-up (one-CPU
 * 64 B ping-pong: 4.3 us against the kernel's 10.6 and 11.3 sleeping). A
 * yield that comes back late means something else took the CPU for a time
 * slice (a CPU hog arrived: 4 ms here); then yielding is off for this
 * thread for a second, and the wait sleeps. Returns ready's verdict.
 */
static _Atomic int spinning;	/* threads of this process in a spin now */

/* How many threads of a process may spin at once. */
static int spin_slots(void)
{
	return udsx_cfg.ncpu > 2 ? udsx_cfg.ncpu - 1 : 1;
}

static bool spin_slot_take(void)
{
	if (atomic_fetch_add_explicit(&spinning, 1, memory_order_relaxed) < spin_slots())
		return true;
	atomic_fetch_sub_explicit(&spinning, 1, memory_order_relaxed);
	return false;
}

static void spin_slot_give(void)
{
	atomic_fetch_sub_explicit(&spinning, 1, memory_order_relaxed);
}

/* Would a spin now be cut short or refused (more runnable threads than
 * CPUs, or another thread of ours spinning already)? The poll family
 * asks before it pays for its spin (two signal-mask changes and a look):
 * then the real call is cheaper. */
bool udsx_spin_crowded(void)
{
	return atomic_load_explicit(&spinning, memory_order_relaxed) >= spin_slots() || overloaded();
}

#define YIELD_LATE_NS 100000ull
#define YIELD_OFF_NS 1000000000ull
bool udsx_spin_until(bool (*ready)(void *), void *arg, int budget_us, int mode)
{
	/* (a costly look takes ~1 us: 64 of them overran the budget many
	 * times over, and the adaptation and overload cut did nothing) */
	unsigned every = mode & UDSX_SPIN_COSTLY ? 0 : 63, i = 0;
	bool yield = (mode &= ~UDSX_SPIN_COSTLY) == UDSX_SPIN_YIELD;
	uint64_t start, limit, t = 0;

	if (ready(arg))
		return true;
	if (budget_us <= 0 || mode == UDSX_SPIN_NO || (!yield && udsx_cfg.ncpu < 2))
		return false;
	limit = (uint64_t)budget_us * 1000ull * (uint64_t)budget_scale / 8;
	if (!yield && overloaded())
		limit /= 8;
	/* One spinning thread per process at a time on two CPUs (ncpu - 1 in
	 * general): the others sleep at once. A server with more threads than
	 * CPUs (memcached's four workers) otherwise spent the CPUs in waits
	 * while the threads with work queued (memcslap -c 4 under udsx: 1.3-1.5 s
	 * for 80,000 sets against the kernel's 0.9). */
	if (!yield && !spin_slot_take())
		return false;
	start = udsx_now_ns();
	for (;;) {
		if (yield) {
			t = udsx_now_ns();
			if (t - start > limit)
				break;
			sched_yield();
		} else {
			__builtin_ia32_pause();
		}
		if (ready(arg)) {
			if (budget_scale < 8)
				budget_scale++;
			if (!yield)
				spin_slot_give();
			return true;
		}
		if (yield && udsx_now_ns() - t > YIELD_LATE_NS) {
			yield_off_until = udsx_now_ns() + YIELD_OFF_NS;
			break;
		}
		if (!yield && (++i & every) == 0 && udsx_now_ns() - start > limit)
			break;
	}
	if (!yield)
		spin_slot_give();
	if (budget_scale > 1)
		budget_scale--;
	return false;
}

/*
 * A short, fixed spin (no adaptation): for waits of about a microsecond.
 * ready() is called every `poll_ns`, not continuously, when what it reads
 * is a line another CPU keeps writing: each look moves that line here and
 * makes the writer's next store a cache miss. Returns ready's verdict.
 */
bool udsx_spin_ns(bool (*ready)(void *), void *arg, unsigned budget_ns, unsigned poll_ns)
{
	uint64_t start = udsx_now_ns(), t;

	for (;;) {
		if (ready(arg))
			return true;
		t = udsx_now_ns();
		if (t - start > budget_ns)
			return false;
		while (udsx_now_ns() - t < poll_ns)
			__builtin_ia32_pause();
	}
}
