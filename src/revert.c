/* SPDX-License-Identifier: MIT */
/* revert.c -- hand a direction back to the kernel path with no byte lost, duplicated or reordered.
 *
 * Memory-ordering and locking contract: a revert takes the direction's
 * wlock (no writer is between publish and doorbell), sets CLOSED in `ctl`
 * and `tail` (the switch point: every later byte goes through the kernel),
 * then takes rlock (no reader is mid-copy). If a socket of the writing end
 * is at hand, the unread records are re-sent through it, one kernel send per
 * record so the kernel's segments and accounting match, and the ring is
 * marked consumed; otherwise the reader drains the ring before reading the
 * kernel. Doorbells sent before the switch stay counted in `ctl`; the
 * reader retires exactly that many bytes before its first kernel read.
 * A re-send needs a writing socket the kernel still lets send to the
 * reader, so a direction is reverted, residue and all, before the kernel
 * shuts that way (shutdown, the last close of the writing end): a ring
 * left holding data after that could reach no program without udsx.
 */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "internal.h"

void udsx_set_real_sndbuf(int fd, uint32_t v)
{
	int half = (int)(v / 2);

	udsx_real.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &half, sizeof(half));
	/* above wmem_max only a privileged caller can go; try quietly */
	udsx_real.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &half, sizeof(half));
}

static uint64_t sum(const uint64_t *v, int from, int to)
{
	uint64_t t = 0;

	while (from < to)
		t += v[from++];
	return t;
}

/* One sendmmsg's worth of records: up to the kernel's UIO_MAXIOV messages
 * from a mapped scratch area, or 64 from the stack if mapping fails. */
#define RS_MAX 1024
#define RS_SMALL 64
struct rs_batch {
	struct mmsghdr *mm;
	struct iovec *iv;
	uint64_t *starts, *offs, *freed, *bytes;
	int cap;
};

#define RS_ENTRY (sizeof(struct mmsghdr) + sizeof(struct iovec) + 4 * sizeof(uint64_t))

static void rs_carve(struct rs_batch *b, void *mem, int cap)
{
	char *p = mem;

	b->cap = cap;
	b->mm = (struct mmsghdr *)p;
	p += cap * sizeof(struct mmsghdr);
	b->iv = (struct iovec *)p;
	p += cap * sizeof(struct iovec);
	b->starts = (uint64_t *)p;
	b->offs = b->starts + cap;
	b->freed = b->offs + cap;
	b->bytes = b->freed + cap;
}

/*
 * The unread records go into the kernel through the writer's socket, one
 * kernel send per record (so the kernel's segments and charges match), all
 * in one sendmmsg where they fit (always, within the SO_SNDBUF a channel
 * accepts: a few hundred records at most). They are marked consumed
 * *before* the call. A non-blocking sendmmsg runs to completion once
 * entered, and a writer SIGKILLed during it dies on the way back to user
 * space: marked after the call, every record would have been both in the
 * kernel and in the ring, read twice; sent in several calls, a death
 * between them would leave the ring's rest to be read before the kernel's
 * older part (p_peer_death dgram-killblocked, 1 run in 40 under load: the
 * kill came while a sender blocked past 20 ms was reverting). Now only a
 * kill in the few instructions between the mark and the call loses them.
 * What the kernel refuses goes back to the ring (nothing else moves the
 * ring meanwhile: the tail is closed and we hold rlock).
 */
static void resend(int wfd, struct udsx_chan *ch, int d)
{
	struct udsx_endstate *es = &ch->h->end[d];
	uint32_t sndbuf = atomic_load(&es->sndbuf);
	uint64_t charged = udsx_dir_charged(&ch->h->dir[d]);
	char small[RS_SMALL * RS_ENTRY] __attribute__((aligned(16)));
	void *big = mmap(NULL, RS_MAX * RS_ENTRY, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct rs_batch b;
	struct udsx_cursor c;
	unsigned k;

	if (big != MAP_FAILED)
		rs_carve(&b, big, RS_MAX);
	else
		rs_carve(&b, small, RS_SMALL);
	if (charged > (1u << 30))
		charged = 1u << 30;
	/* let the kernel take the whole residue without blocking */
	udsx_set_real_sndbuf(wfd, sndbuf + (uint32_t)charged + 2 * 65536);
	if (udsx_ring_peek(ch, d, &c) == 0) {
		int n = 0, more = 1, sent, i;
		uint64_t end = 0;	/* where the batch's last record ends */

		while (more) {
			memset(&b.mm[n], 0, sizeof(b.mm[n]));
			b.iv[n].iov_base = (void *)(c.data + c.off);
			b.iv[n].iov_len = c.len - c.off;
			b.mm[n].msg_hdr.msg_iov = &b.iv[n];
			b.mm[n].msg_hdr.msg_iovlen = 1;
			b.bytes[n] = c.len - c.off;
			b.offs[n] = c.off;
			b.freed[n] = c.truesize;
			b.starts[n] = c.head;
			end = c.head + sizeof(struct udsx_rec) + UDSX_REC_ALIGN((uint64_t)c.len);
			n++;
			more = udsx_ring_next(ch, d, &c) == 0;
			if (n < b.cap && more)
				continue;
			udsx_ring_consume(ch, d, end, 0, sum(b.bytes, 0, n), (uint64_t)n,
					  sum(b.freed, 0, n));
			sent = udsx_real.sendmmsg(wfd, b.mm, (unsigned)n, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (sent < 0)
				sent = 0;
			/* the first record the kernel did not take whole (a STREAM
			 * send can stop part way, and nothing after it then fits) */
			for (i = 0; i < sent && b.mm[i].msg_len >= b.bytes[i]; i++)
				;
			if (i < n) {
				uint64_t took = i < sent ? b.mm[i].msg_len : 0;

				/* give back records i.. (and the untaken part of i) */
				udsx_ring_consume(ch, d, b.starts[i], b.offs[i] + took,
						  -(sum(b.bytes, i, n) - took), -(uint64_t)(n - i),
						  -sum(b.freed, i, n));
				udsx_dbg("revert: re-sent %d of %d records (errno %d); the rest stays in the ring",
					 i, n, errno);
				break;
			}
			n = 0;
		}
	}
	if (big != MAP_FAILED)
		udsx_unmap(big, RS_MAX * RS_ENTRY);
	/* Doorbells the reader has not retired still count against this
	 * socket's kernel buffer; widen it by exactly that much until then. */
	k = CTL_OUTSTANDING(atomic_load(&ch->h->dir[d].ctl));
	atomic_store(&es->bump, k);
	udsx_set_real_sndbuf(wfd, sndbuf + k * UDSX_BELL_TRUESIZE);
}

void udsx_revert_dir(int fd, struct udsx_chan *ch, int d, int wfd)
{
	struct udsx_dir *dir = &ch->h->dir[d];
	int wl = udsx_lock(&dir->wlock), rl, rfd;
	uint64_t was = atomic_fetch_or(&dir->ctl, CTL_CLOSED);

	/* (after CTL_CLOSED: a reader going to sleep checks it after rsleep)
	 * Only the revert that closes the ring wakes the sleeper: after it,
	 * data may already be in the kernel (its re-sent residue, a writer's
	 * send), and a doorbell behind data would be read as data while the
	 * reader retires a data byte in its place (p_fork_writers
	 * stream-mixed-big under load: a second writer's revert found the
	 * sleeper not yet awake from the first's doorbell). */
	if (wfd >= 0 && !(was & CTL_CLOSED))
		udsx_bell_wake_sleeper(wfd, ch, d);
	udsx_ring_close(ch, d);
	rl = udsx_lock(&dir->rlock);
	/* If this process holds the reading end too, retire its doorbells now:
	 * left in the kernel they would be charged to the writer's buffer. */
	rfd = udsx_find_fd_of(ch, 1 - d);
	/* (Unless the records stay in the ring: then the doorbells stand for
	 * them, e.g. as unread data when the reading end closes.) */
	if (rfd >= 0 && rl == 0 && (wfd >= 0 || udsx_ring_empty(ch, d)))
		udsx_bell_eat(rfd, ch, d);
	if (wfd >= 0 && !udsx_ring_empty(ch, d))
		resend(wfd, ch, d);
	if (wfd >= 0 && atomic_exchange(&ch->h->end[d].pinned, 0)) {
		/* the kernel's buffer is authoritative again */
		unsigned k = CTL_OUTSTANDING(atomic_load(&dir->ctl));

		atomic_store(&ch->h->end[d].bump, k);
		udsx_set_real_sndbuf(wfd, atomic_load(&ch->h->end[d].sndbuf) + k * UDSX_BELL_TRUESIZE);
	}
	atomic_store(&dir->ballast, 0);
	if (rl == 0)
		udsx_unlock(&dir->rlock);
	if (wl == 0)
		udsx_unlock(&dir->wlock);
	udsx_dbg("direction %d of channel %p now on the kernel path", d, (void *)ch);
}

struct finder {
	struct udsx_chan *ch;
	int side, fd;
};

static void find_cb(int fd, struct udsx_end *e, void *arg)
{
	struct finder *f = arg;

	if (f->fd < 0 && e->ch == f->ch && e->side == f->side)
		f->fd = fd;
}

/* A fd of this process for the given end, or -1. */
int udsx_find_fd_of(struct udsx_chan *ch, int side)
{
	struct finder f = { ch, side, -1 };
	int hint = atomic_load(&ch->fd_hint[side]);
	struct udsx_end e;

	if (!atomic_load(&ch->side_refs[side]))
		return -1;
	if (udsx_table_get(hint, &e) && e.ch == ch && e.side == side)
		return hint;

	udsx_table_foreach(find_cb, &f);
	return f.fd;
}

/* Borrow the peer end's socket from a process that holds it (pidfd_getfd:
 * needs ptrace-level access to that process). Returns a new fd or -1. */
static int borrow_end(struct udsx_chan *ch, int side)
{
	struct udsx_endstate *es = &ch->h->end[side];
	uint64_t ino = atomic_load(&es->ino);
	int i, fd = -1;

	for (i = 0; i < 7 && fd < 0; i++) {
		pid_t pid = (pid_t)atomic_load(&es->pid[i]);
		int n, pfd;

		if (pid <= 0 || pid == udsx_pid())
			continue;
		n = udsx_pid_fd_of(pid, ino, atomic_load(&es->fd_hint[i]));
		if (n < 0 || (pfd = (int)udsx_syscall(SYS_pidfd_open, pid, 0)) < 0)
			continue;
		fd = (int)udsx_syscall(SYS_pidfd_getfd, pfd, n, 0);
		udsx_real.close(pfd);
	}
	return fd;
}

/* Both directions of this end go to the kernel path. */
void udsx_revert_end(int fd, struct udsx_end *e, int why)
{
	struct udsx_chan *ch = e->ch;
	int peer = udsx_find_fd_of(ch, 1 - e->side);

	udsx_dbg("fd %d back to the kernel path (%s)", fd, strerror(why));
	udsx_revert_dir(fd, ch, e->side, fd);
	udsx_revert_dir(fd, ch, 1 - e->side, peer);
	atomic_store(&ch->h->end[e->side].reverted, 1);
}

/*
 * The peer socket is gone without a word through udsx (its holders were
 * killed): both directions go to the kernel path, and what we sent stays
 * in the ring, unread, as the kernel dropped it with the peer. A re-send
 * would have taken the kernel's one-time answer (SEQPACKET's ECONNRESET,
 * DGRAM's ECONNREFUSED) that our caller's own call must get.
 */
void udsx_revert_orphan(int fd, struct udsx_end *e)
{
	_Atomic uint64_t *ctl = &e->ch->h->dir[e->side].ctl;
	uint64_t c;

	udsx_dbg("fd %d: the peer is gone; back to the kernel path", fd);
	udsx_revert_dir(fd, e->ch, e->side, -1);
	/* our doorbells went with the peer's queue: none is outstanding
	 * (SIOCOUTQ on the kernel path subtracts those that are) */
	c = atomic_load(ctl);
	while (!atomic_compare_exchange_weak(ctl, &c, CTL_ADD_EATEN(c, CTL_OUTSTANDING(c))))
		;
	udsx_revert_dir(fd, e->ch, 1 - e->side, -1);
	atomic_store(&e->ch->h->end[e->side].reverted, 1);
}

/*
 * The end is closing for good. What we sent and the peer has not read goes
 * into the kernel now, through our socket, while it still exists: the peer
 * may exec a program without udsx or pass its end on later, and then only
 * the kernel can hold that data (after our close nothing can put it there).
 * If the kernel refuses it (the peer shut its reading side), it stays for
 * the peer to drain from the ring. What was sent to us stays unread, its
 * doorbells standing for it, so the kernel sees unread data at close exactly
 * when it should.
 */
static void close_end(int fd, struct udsx_end *e)
{
	/* (no other holder is left to publish behind our back) */
	int wfd = udsx_ring_empty(e->ch, e->side) ? -1 : fd;

	udsx_dbg("fd %d: last holder closing", fd);
	udsx_revert_dir(fd, e->ch, e->side, wfd);
	udsx_revert_dir(fd, e->ch, 1 - e->side, -1);
	atomic_store(&e->ch->h->end[e->side].reverted, 1);
}

/*
 * shutdown(fd, SHUT_WR) is about to shut our way into the peer's kernel
 * queue for good: from then on the kernel refuses every send through our
 * socket. Data still in the ring toward the peer could then never reach the
 * kernel, yet an exec of the peer's end into a program without udsx (or
 * passing it on) needs it there. So this direction goes to the kernel path
 * first, its residue re-sent while the kernel still takes it; nothing is
 * lost in speed, as the kernel fails every later send this way anyway.
 * (The peer's SHUT_RD shuts the same way, but is left alone: a revert there
 * would take away the ballast release that wakes a sender sleeping for
 * room, and the kernel reports no poll event that could wake it instead.)
 */
void udsx_shutdown_prepare(int fd, struct udsx_end *e, int how)
{
	if (how == SHUT_WR || how == SHUT_RDWR)
		udsx_revert_dir(fd, e->ch, e->side, fd);
}

/*
 * The fd is about to reach a program that may not run udsx (exec, spawn,
 * SCM_RIGHTS). Everything queued toward it must be in the kernel, and no
 * doorbell may be left for that program to read.
 */
void udsx_leave_kernel_only(int fd, struct udsx_end *e)
{
	struct udsx_chan *ch = e->ch;
	int d = 1 - e->side, peer, borrowed = -1, wl;

	udsx_revert_dir(fd, ch, e->side, fd);
	peer = udsx_find_fd_of(ch, 1 - e->side);
	/* Close the ring toward us before looking at what it holds, and keep
	 * its write lock until that is in the kernel. Looking first left a
	 * record published between the look and the close with no socket to
	 * move it (its writer finds CTL_CLOSED and rings no doorbell:
	 * p_exec_plain dgram-idle under load, the parent's END message sent
	 * as the child exec'd). Letting go of the lock before the re-send
	 * would let the writer, which sees the ring closed, send into the
	 * kernel ahead of the records still in it (it waits for the lock to
	 * land behind a revert in progress, path.c). The revert below runs
	 * under this lock (udsx_lock reports it as ours). */
	wl = udsx_lock(&ch->h->dir[d].wlock);
	udsx_ring_close(ch, d);
	if (peer < 0 && !udsx_ring_empty(ch, d))
		peer = borrowed = borrow_end(ch, 1 - e->side);
	/* Retire doorbells first: the residue re-sent below lands behind them. */
	udsx_lock(&ch->h->dir[d].rlock);
	atomic_fetch_or(&ch->h->dir[d].ctl, CTL_CLOSED);
	udsx_bell_eat(fd, ch, d);
	udsx_unlock(&ch->h->dir[d].rlock);
	if (peer < 0 && !udsx_ring_empty(ch, d))
		udsx_dbg("fd %d: cannot reach the peer's socket; %llu bytes stay in the ring",
			 fd, (unsigned long long)(atomic_load(&ch->h->dir[d].pub_bytes) -
						  atomic_load(&ch->h->dir[d].con_bytes)));
	udsx_revert_dir(fd, ch, d, peer);
	if (wl == 0)
		udsx_unlock(&ch->h->dir[d].wlock);
	if (borrowed >= 0)
		udsx_real.close(borrowed);
	atomic_store(&ch->h->end[e->side].reverted, 1);
}


/* Is fd `fd` of process `pid` socket inode `ino`? 1 yes, 0 no, -1 cannot
 * tell (no access). */
int udsx_pid_fd_is(pid_t pid, int fd, uint64_t ino)
{
	char p[64], link[64], want[40];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)pid, fd);
	n = readlink(p, link, sizeof(link) - 1);
	if (n < 0)
		return errno == EACCES || errno == EPERM ? -1 : 0;
	link[n] = 0;
	snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)ino);
	return !strcmp(link, want);
}

/* Which fd of process `pid` is socket inode `ino`? -1 none, -2 cannot
 * tell (no access). The `hint` fd (-1: none) is read first: one link
 * instead of the whole table, which the kernel walks slot by slot up to
 * the highest descriptor. A zombie holds nothing. */
int udsx_pid_fd_of(pid_t pid, uint64_t ino, int hint)
{
	char path[64];
	struct dirent *de;
	int fd = -1;
	DIR *dp;

	if (hint >= 0 && udsx_pid_fd_is(pid, hint, ino) == 1)
		return hint;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dp = opendir(path);
	if (!dp)
		return errno != ENOENT && errno != ESRCH ? -2 : -1;
	while (fd < 0 && (de = readdir(dp))) {
		int n = atoi(de->d_name);

		if (de->d_name[0] != '.' && udsx_pid_fd_is(pid, n, ino) == 1)
			fd = n;
	}
	closedir(dp);
	return fd;
}

/* Does process `pid` hold a fd for socket inode `ino`? Unknown (no access)
 * counts as yes. */
bool udsx_pid_holds(pid_t pid, uint64_t ino, int hint)
{
	return udsx_pid_fd_of(pid, ino, hint) != -1;
}

/*
 * Holder registry. A fork child is entered by the parent before fork
 * returns to it (a close in the parent right after fork must not see itself
 * as the last holder) and by the child itself before any of its own code
 * runs (a child that runs to its exit before the parent gets the CPU back
 * must find itself there). A process that lets go leaves its pid marked
 * PID_RELEASED rather than an empty slot: the parent's entry may come
 * after the child's release, and would otherwise bring back a holder that
 * no longer counts, whose fds the kernel has not yet closed as it exits.
 * Each end then stayed open in the ring with no holder left to revert it.
 * (A marked pid that a new process reuses is left out; the only cost is a
 * revert that could have waited.)
 */
void udsx_holder_add(struct udsx_hdr *h, int side, uint32_t pid, uint32_t life_fd, int fd)
{
	struct udsx_endstate *es = &h->end[side];
	_Atomic uint32_t *gen = &h->end[1 - side].peer_hgen;
	uint32_t p;
	int i;

	for (i = 0; i < 7; i++) {
		p = atomic_load(&es->pid[i]);
		if ((p & ~PID_RELEASED) == pid) {
			/* (the process itself says where its page is) */
			if (life_fd && p == pid)
				atomic_store(&es->life_fd[i], life_fd);
			if (p == pid)
				atomic_store(&es->fd_hint[i], fd);
			atomic_fetch_add(gen, 1);
			return;
		}
	}
	for (i = 0; i < 7; i++) {
		p = 0;
		if (atomic_compare_exchange_strong(&es->pid[i], &p, pid)) {
			/* (until this store, a view may pair pid with the slot's
			 * old page: watch.c checks the page's own pid) */
			atomic_store(&es->life_fd[i], life_fd);
			atomic_store(&es->fd_hint[i], fd);
			atomic_fetch_add(gen, 1);
			return;
		}
	}
	atomic_store(&es->hover, 1);	/* some holder is not listed: watch.c gives up */
	atomic_store(&es->life_fd[6], 0);
	atomic_store(&es->fd_hint[6], fd);
	atomic_store(&es->pid[6], pid);	/* newest holder wins the last slot */
	atomic_fetch_add(gen, 1);
}

/* Remove this process from the end's holders; true if nobody else holds it. */
static bool unregister(struct udsx_hdr *h, int side)
{
	struct udsx_endstate *es = &h->end[side];
	uint32_t me = (uint32_t)udsx_pid(), p;
	uint64_t ino = atomic_load(&es->ino);
	bool others = false;
	int i;

	for (i = 0; i < 7; i++) {
		p = atomic_load(&es->pid[i]);
		if (!p || (p & PID_RELEASED))
			continue;
		if (p == me)
			atomic_compare_exchange_strong(&es->pid[i], &p, me | PID_RELEASED);
		else if (udsx_pid_holds((pid_t)p, ino, atomic_load(&es->fd_hint[i])))
			others = true;
		else
			atomic_compare_exchange_strong(&es->pid[i], &p, 0);	/* stale */
	}
	atomic_fetch_add(&h->end[1 - side].peer_hgen, 1);
	return !others;
}

/*
 * The last fd of this process for an end is going away (close, exit). If no
 * other process holds the end either, the socket is about to close in the
 * kernel: put both directions on the kernel path first, so the peer's sends
 * get the kernel's EPIPE/ECONNREFUSED and its reads drain then see EOF.
 */
/*
 * Releases by two processes at once (a parent closing its copy while the
 * child exits) each saw the other still holding the end, and neither put it
 * back on the kernel path: the survivor's sends then went into a ring nobody
 * reads instead of failing with EPIPE. One release at a time, so the last
 * sees the others gone from the list.
 */
static void release(int fd, struct udsx_end *e)
{
	_Atomic uint32_t *l = &e->ch->h->end[e->side].rel_lock;
	bool locked = udsx_lock(l) == 0;

	if (unregister(e->ch->h, e->side) && udsx_end_active(e))
		close_end(fd, e);
	if (locked)
		udsx_unlock(l);
}

void udsx_end_released(int fd, struct udsx_end *e)
{
	if (atomic_load(&e->ch->side_refs[e->side]) > 1)
		return;
	release(fd, e);
}

static void release_cb(int fd, struct udsx_end *e, void *arg)
{
	release(fd, e);
}

/* The process is exiting: every end it holds is released. */
void udsx_release_all(void)
{
	udsx_table_foreach(release_cb, NULL);
}
