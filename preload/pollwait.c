/* SPDX-License-Identifier: MIT */
/* pollwait.c -- poll, select and epoll_wait spin before they sleep when they watch a channel end.
 *
 * Memory-ordering contract: nothing here reads or writes shared memory but
 * the only_cpu hints, through udsx_spin_futile() (wait.c). Readiness is
 * always the kernel's: every answer returned is one the kernel gave.
 *
 * An event loop sleeps in the poll family, never in a read, so a peer's
 * doorbell has to wake it from sleep: ~30 us on this VM, most of a 64 B
 * round trip (epoll ping-pong: 83 us under udsx as on the kernel). When
 * the watched set holds a channel end, the wait first asks the kernel
 * again and again with a zero timeout, for the usual adaptive spin budget
 * (wait.c), and only then sleeps for what is left of the timeout. Each
 * look is the caller's own call with a zero timeout, so it sees every
 * descriptor of the set (not only ours), consumes edge-triggered and
 * one-shot events exactly as the blocking call would, and reports the
 * same errors: the spin is time passing before the call, nothing else.
 * (DESIGN.md §3 allows exactly this: an optimisation that never changes a
 * result.)
 *
 * Signals: every signal is blocked while we spin, and the sleep that
 * follows is the p-form of the call with the caller's mask, which unblocks
 * and waits in one step (see spin()). The looks are raw system calls, so
 * no cancellation acts during the spin; the sleep is the cancellation
 * point, as the call was.
 */
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "preload.h"

#define KSIGSET 8	/* the kernel's sigset size, for the raw p-forms */
#define PASS INT_MIN	/* "not ours: make the real call" */
#define SCAN_MAX 256	/* poll entries looked at for channel ends */

#define REAL(name, type)						\
	static __typeof__(type) real_##name;				\
	if (!real_##name)						\
		real_##name = (type)udsx_dlnext(#name)

/* ---- when to spin ---- */

static bool may_spin(void)
{
	if (__builtin_expect(!udsx_real.recv, 0))
		udsx_init();
	return udsx_on && udsx_cfg.spin_us > 0 && udsx_cfg.ncpu > 1;
}

/*
 * fd is a channel end, or a connect()/accept() socket that may become one:
 * *ours is set. Returns false if spinning for it is futile (its peer is
 * confined to our only CPU, wait.c). (Yielding the CPU to such a peer, as
 * a read does, was measured here too: 15.1-15.9 us an epoll round trip on
 * one CPU against 13.3 sleeping and the kernel's 12.3-13.0; a look costs
 * a system call, where a read's look is a load.)
 */
static bool spin_for(int fd, bool *ours)
{
	UDSX_END(e);

	if (udsx_lookup(fd, &e)) {
		*ours = true;
		return !udsx_spin_futile(e.ch, 1 - e.side);
	}
	if (udsx_cand_any(fd))
		*ours = true;
	return true;
}

/* A look: the caller's call with a zero timeout, as a raw system call. */
struct look {
	long (*fn)(struct look *);
	long r;
	int err;
	const sigset_t *mask;		/* the sleep's: pmask, or callers */
	sigset_t pmask;			/* the p-form's, as the kernel read it */
	sigset_t callers;		/* the thread's, while the spin blocks all */
	struct pollfd *fds;		/* poll */
	nfds_t n;
	int ep, max;			/* epoll */
	struct epoll_event *ev;
	int nfds;			/* select: the sets, and the caller's */
	fd_set *set[3], in[3];		/* copies, restored before each look */
	bool looked;			/* (after the first, which found them so) */
};

/*
 * The p-form's signal mask, read as the kernel reads it (its first 8
 * bytes), before anything else: a bad pointer is its EFAULT, which comes
 * before any readiness. False: make the real call.
 */
static bool mask_in(struct look *l, const sigset_t *mask)
{
	l->mask = NULL;
	if (!mask)
		return true;
	memset(&l->pmask, 0, sizeof(l->pmask));
	if (!udsx_fetch(&l->pmask, mask, KSIGSET))
		return false;
	l->mask = &l->pmask;
	return true;
}

static bool look_ready(void *arg)
{
	struct look *l = arg;

	l->r = l->fn(l);
	l->err = errno;
	return l->r != 0;
}

/*
 * Spin with every signal blocked (the thread's mask goes to l->callers),
 * then, if nothing came, the caller sleeps in the p-form of its call with
 * its own mask (l->mask, or the thread's), which installs the mask and
 * waits in one step: a signal that came during the spin interrupts the
 * sleep at once (EINTR), as if it had come just then. Left unblocked, its
 * handler would run mid-spin and be followed by more waiting: what the
 * kernel does only for a signal that comes just before the call. A loop
 * `while (!stop) epoll_wait(...)` whose handler sets `stop` relies on that
 * window being nanoseconds wide; a spin would make it tens of
 * microseconds, after every event. (Measured cost of the two system calls:
 * ~0.4 us on an 8.5 us epoll round trip.) True if a look answered: errno
 * is set and the mask back, return l->r. False: sleep for what is left
 * after *spent ns, then settle().
 */
static bool spin(struct look *l, uint64_t *spent)
{
	uint64_t t0 = udsx_now_ns();
	sigset_t all;
	bool got;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &l->callers);
	if (!l->mask)
		l->mask = &l->callers;
	got = udsx_spin_until(look_ready, l, udsx_cfg.spin_us, UDSX_SPIN_YES | UDSX_SPIN_COSTLY);
	*spent = udsx_now_ns() - t0;
	if (got) {
		pthread_sigmask(SIG_SETMASK, &l->callers, NULL);
		errno = l->err;
	}
	return got;
}

/* After the sleep: the thread's mask back, keeping the sleep's errno. */
static long settle(struct look *l, long r)
{
	int err = errno;

	pthread_sigmask(SIG_SETMASK, &l->callers, NULL);
	errno = err;
	return r;
}

/* What is left of a timeout after `spent` ns; false if nothing is. */
static bool left(const struct timespec *ts, uint64_t spent, struct timespec *out)
{
	uint64_t ns = (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;

	if (spent >= ns)
		return false;
	ns -= spent;
	out->tv_sec = (time_t)(ns / 1000000000ull);
	out->tv_nsec = (long)(ns % 1000000000ull);
	return true;
}

/* A timeout the kernel accepts (else it says EINVAL, which the real call
 * is left to say). */
static bool ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000L;
}

/* ---- poll, ppoll ---- */

static long poll_look(struct look *l)
{
	struct timespec zero = { 0, 0 };

	return udsx_syscall(SYS_ppoll, l->fds, l->n, &zero, NULL, KSIGSET);
}

/*
 * udsx's own descriptors in the array (privfd.c): a number that is not
 * open gets POLLNVAL, counts as ready, and the call returns at once. The
 * call is made on a copy with ours at -1 (skipped), ours get POLLNVAL,
 * and every revents is written back, as the kernel writes them.
 */
static int poll_hiding(struct pollfd *fds, nfds_t n, struct pollfd *copy, const sigset_t *mask)
{
	REAL(ppoll, int (*)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *));
	struct timespec zero = { 0, 0 };
	int fd[SCAN_MAX], r, nval = 0;

	for (nfds_t i = 0; i < n; i++) {
		fd[i] = copy[i].fd;
		if (udsx_priv_is(fd[i]))
			copy[i].fd = -1;
	}
	r = real_ppoll(copy, n, &zero, mask);
	if (r < 0)
		return r;
	for (nfds_t i = 0; i < n; i++) {
		copy[i].fd = fd[i];
		if (udsx_priv_is(fd[i])) {
			copy[i].revents = POLLNVAL;
			nval++;
		}
	}
	if (!udsx_store(fds, copy, n * sizeof(*fds))) {
		errno = EFAULT;
		return -1;
	}
	return r + nval;
}

/* ts NULL: no timeout; mask NULL: the thread's own. PASS: make the real
 * call (nothing of ours in it, or nothing to gain). */
static int poll_spin(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		     const sigset_t *mask)
{
	REAL(ppoll, int (*)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *));
	struct look l = { .fn = poll_look, .fds = fds, .n = n };
	struct pollfd copy[SCAN_MAX];
	struct timespec rest;
	uint64_t spent;
	bool ours = false, go, hide = false;

	if (__builtin_expect(!udsx_real.recv, 0))
		udsx_init();
	if (!udsx_on || n == 0 || n > SCAN_MAX || (ts && !ts_valid(ts)) || !mask_in(&l, mask) ||
	    !udsx_fetch(copy, fds, n * sizeof(*fds)))
		return PASS;
	go = may_spin() && !(ts && !(ts->tv_sec | ts->tv_nsec));
	for (nfds_t i = 0; i < n; i++) {
		if (copy[i].fd < 0)
			continue;
		if (udsx_priv_is(copy[i].fd))
			hide = true;
		else if (go)
			go = spin_for(copy[i].fd, &ours);
	}
	if (hide)
		return poll_hiding(fds, n, copy, l.mask);
	if (!ours || !go || udsx_spin_crowded())
		return PASS;
	if (spin(&l, &spent))
		return (int)l.r;
	if (ts && !left(ts, spent, &rest))
		return (int)settle(&l, 0);
	return (int)settle(&l, real_ppoll(fds, n, ts ? &rest : NULL, l.mask));
}

EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	REAL(poll, int (*)(struct pollfd *, nfds_t, int));
	struct timespec ts = { timeout / 1000, (long)(timeout % 1000) * 1000000L };
	int r = poll_spin(fds, n, timeout < 0 ? NULL : &ts, NULL);

	return r != PASS ? r : real_poll(fds, n, timeout);
}

EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	REAL(ppoll, int (*)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *));
	struct timespec t;
	int r = PASS;

	/* (the timeout is read once, by us: a bad pointer is the kernel's EFAULT) */
	if (!ts || udsx_fetch(&t, ts, sizeof(t)))
		r = poll_spin(fds, n, ts ? &t : NULL, mask);
	return r != PASS ? r : real_ppoll(fds, n, ts, mask);
}

/* _FORTIFY_SOURCE forms: glibc's own call poll inside libc, past us. */
EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	REAL(__poll_chk, int (*)(struct pollfd *, nfds_t, int, size_t));

	if (fdslen / sizeof(*fds) < n)
		return real___poll_chk(fds, n, timeout, fdslen);	/* reports it */
	return poll(fds, n, timeout);
}

EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		       const sigset_t *mask, size_t fdslen)
{
	REAL(__ppoll_chk, int (*)(struct pollfd *, nfds_t, const struct timespec *,
				  const sigset_t *, size_t));

	if (fdslen / sizeof(*fds) < n)
		return real___ppoll_chk(fds, n, ts, mask, fdslen);
	return ppoll(fds, n, ts, mask);
}

/* ---- epoll_wait, epoll_pwait, epoll_pwait2 ---- */

static long epoll_look(struct look *l)
{
	return udsx_syscall(SYS_epoll_pwait, l->ep, l->ev, l->max, 0, NULL, KSIGSET);
}

static int epoll_spin(int ep, struct epoll_event *ev, int max, const struct timespec *ts,
		      const sigset_t *mask)
{
	REAL(epoll_pwait2, int (*)(int, struct epoll_event *, int, const struct timespec *,
				   const sigset_t *));
	struct look l = { .fn = epoll_look, .ep = ep, .ev = ev, .max = max };
	struct timespec rest;
	uint64_t spent;
	bool ours = false;
	int hint, r;

	if ((ts && (!ts_valid(ts) || !(ts->tv_sec | ts->tv_nsec))) || !may_spin() ||
	    (hint = udsx_epoll_hint(ep)) < 0 || !real_epoll_pwait2 || !mask_in(&l, mask))
		return PASS;
	/* (a set that watched a channel end once: the last one added says
	 * whether its peer shares our CPU) */
	if (!spin_for(hint, &ours) || udsx_spin_crowded())
		return PASS;
	if (spin(&l, &spent))
		return (int)l.r;
	if (ts && !left(ts, spent, &rest))
		return (int)settle(&l, 0);
	r = real_epoll_pwait2(ep, ev, max, ts ? &rest : NULL, l.mask);
	if (r < 0 && errno == ENOSYS) {
		/* a kernel before 5.11: milliseconds, rounded up */
		REAL(epoll_pwait, int (*)(int, struct epoll_event *, int, int, const sigset_t *));
		int ms = -1;

		if (ts)
			ms = rest.tv_sec > INT_MAX / 1000 - 1 ? INT_MAX :
			     (int)(rest.tv_sec * 1000 + (rest.tv_nsec + 999999) / 1000000);
		r = real_epoll_pwait(ep, ev, max, ms, l.mask);
	}
	return (int)settle(&l, r);
}

/* An epoll set number that is one of udsx's own (privfd.c) is not open:
 * EBADF, after the kernel's own EINVAL for a bad maxevents. */
static int epoll_own(int ep, int max, const sigset_t *mask)
{
	struct look l;

	if (!udsx_priv_is(ep) || !mask_in(&l, mask) || max <= 0 ||
	    max > (int)(INT_MAX / sizeof(struct epoll_event)))
		return PASS;
	errno = EBADF;
	return -1;
}

static int epoll_ms(int ep, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	struct timespec ts = { timeout / 1000, (long)(timeout % 1000) * 1000000L };
	int r = epoll_own(ep, max, mask);

	if (r != PASS)
		return r;
	return timeout ? epoll_spin(ep, ev, max, timeout < 0 ? NULL : &ts, mask) : PASS;
}

EXPORT int epoll_wait(int ep, struct epoll_event *ev, int max, int timeout)
{
	REAL(epoll_wait, int (*)(int, struct epoll_event *, int, int));
	int r = epoll_ms(ep, ev, max, timeout, NULL);

	return r != PASS ? r : real_epoll_wait(ep, ev, max, timeout);
}

EXPORT int epoll_pwait(int ep, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	REAL(epoll_pwait, int (*)(int, struct epoll_event *, int, int, const sigset_t *));
	int r = epoll_ms(ep, ev, max, timeout, mask);

	return r != PASS ? r : real_epoll_pwait(ep, ev, max, timeout, mask);
}

EXPORT int epoll_pwait2(int ep, struct epoll_event *ev, int max, const struct timespec *ts,
			const sigset_t *mask)
{
	REAL(epoll_pwait2, int (*)(int, struct epoll_event *, int, const struct timespec *,
				   const sigset_t *));
	struct timespec t;
	int r = PASS;

	if (!ts || udsx_fetch(&t, ts, sizeof(t))) {
		r = epoll_own(ep, max, mask);
		if (r == PASS)
			r = epoll_spin(ep, ev, max, ts ? &t : NULL, mask);
	}
	return r != PASS ? r : real_epoll_pwait2(ep, ev, max, ts, mask);
}

/* ---- select, pselect ---- */

static long select_look(struct look *l)
{
	struct timespec zero = { 0, 0 };

	/* (a look that returned 0 had the kernel write the sets, so they are
	 * writable; before the first, a read-only set is the kernel's EFAULT
	 * to report, not ours to fault on) */
	for (int i = 0; l->looked && i < 3; i++)
		if (l->set[i])
			memcpy(l->set[i], &l->in[i], (size_t)(l->nfds + 7) / 8);
	l->looked = true;
	return udsx_syscall(SYS_pselect6, l->nfds, l->set[0], l->set[1], l->set[2], &zero, NULL);
}

/*
 * ts: the timeout (NULL: none); *spent_out: how long the spin took, for
 * select's own write-back of the time left. PASS if not ours.
 */
static int select_spin(int nfds, fd_set *r, fd_set *w, fd_set *x, const struct timespec *ts,
		       const sigset_t *mask, uint64_t *spent_out)
{
	REAL(pselect, int (*)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
			      const sigset_t *));
	struct look l = { .fn = select_look, .nfds = nfds, .set = { r, w, x } };
	struct timespec rest;
	bool ours = false, go;
	int ret;

	if (__builtin_expect(!udsx_real.recv, 0))
		udsx_init();
	if (!udsx_on || nfds <= 0 || nfds > FD_SETSIZE || (ts && !ts_valid(ts)) || !mask_in(&l, mask))
		return PASS;
	for (int i = 0; i < 3; i++)
		if (l.set[i] && !udsx_fetch(&l.in[i], l.set[i], (size_t)(nfds + 7) / 8))
			return PASS;	/* the kernel's EFAULT */
	go = may_spin() && !(ts && !(ts->tv_sec | ts->tv_nsec));
	for (int fd = 0; fd < nfds; fd++) {
		bool in = false;

		for (int i = 0; i < 3; i++)
			in |= l.set[i] && FD_ISSET(fd, &l.in[i]);
		if (!in)
			continue;
		/* one of udsx's own (privfd.c): a number that is not open */
		if (udsx_priv_is(fd)) {
			errno = EBADF;
			return -1;
		}
		if (go)
			go = spin_for(fd, &ours);
	}
	if (!ours || !go || udsx_spin_crowded())
		return PASS;
	if (spin(&l, spent_out))
		return (int)l.r;
	for (int i = 0; i < 3; i++)
		if (l.set[i])
			memcpy(l.set[i], &l.in[i], (size_t)(nfds + 7) / 8);
	if (ts && !left(ts, *spent_out, &rest))
		return (int)settle(&l, 0);	/* (the look left the sets empty) */
	ret = real_pselect(nfds, r, w, x, ts ? &rest : NULL, l.mask);
	return (int)settle(&l, ret);
}

EXPORT int select(int nfds, fd_set *r, fd_set *w, fd_set *x, struct timeval *tv)
{
	REAL(select, int (*)(int, fd_set *, fd_set *, fd_set *, struct timeval *));
	struct timeval t;
	struct timespec ts;
	uint64_t t0, spent = 0;
	int ret = PASS;

	if (!tv || udsx_fetch(&t, tv, sizeof(t))) {
		if (tv && (t.tv_usec < 0 || t.tv_usec >= 1000000 || t.tv_sec < 0))
			return real_select(nfds, r, w, x, tv);	/* EINVAL */
		ts.tv_sec = tv ? t.tv_sec : 0;
		ts.tv_nsec = tv ? t.tv_usec * 1000L : 0;
		t0 = udsx_now_ns();
		ret = select_spin(nfds, r, w, x, tv ? &ts : NULL, NULL, &spent);
		if (ret != PASS && tv) {
			/* Linux's select leaves the time not slept in *tv */
			struct timespec rest = { 0, 0 };

			left(&ts, udsx_now_ns() - t0, &rest);
			t.tv_sec = rest.tv_sec;
			t.tv_usec = rest.tv_nsec / 1000;
			/* (as the kernel: a timeval it cannot write is left alone) */
			udsx_store(tv, &t, sizeof(t));
		}
	}
	return ret != PASS ? ret : real_select(nfds, r, w, x, tv);
}

EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *x, const struct timespec *ts,
		   const sigset_t *mask)
{
	REAL(pselect, int (*)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
			      const sigset_t *));
	struct timespec t;
	uint64_t spent;
	int ret = PASS;

	if (!ts || udsx_fetch(&t, ts, sizeof(t)))
		ret = select_spin(nfds, r, w, x, ts ? &t : NULL, mask, &spent);
	return ret != PASS ? ret : real_pselect(nfds, r, w, x, ts, mask);
}
