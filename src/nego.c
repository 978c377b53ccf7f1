/* SPDX-License-Identifier: MIT */
/* nego.c -- connect()/accept() connections: proving both ends run udsx, out of band, and handing over a channel.
 *
 * Protocol (docs/design.md, "Negotiation"):
 *  - A process that connect()s an AF_UNIX STREAM/SEQPACKET socket listens on
 *    a side socket of its own, the abstract name "udsx1.<pid>".
 *  - The accepting side, at its 4th data call on the accepted socket,
 *    reads the client's pid from SO_PEERCRED (the kernel's word), connects
 *    to that side socket and checks with SO_PEERCRED that the side socket
 *    belongs to that very pid (a squatter on the name fails here). It then
 *    creates the channel, joins it as end 0 and sends an offer (its socket's
 *    inode and fd number) with the memfd by SCM_RIGHTS over the side
 *    connection. Nothing is ever written on the application's socket.
 *  - The client, at its data calls, accepts offers on its side socket. It
 *    takes one only if the kernel (sock_diag) says the offered inode is its
 *    socket's peer, and the offerer holds that socket: /proc/PID/fd/N names
 *    it, or, where /proc does not let us look, the offerer runs under the
 *    uid of the listener. Then it joins as end 1.
 *  - Until then, and until each writer opens its direction's gate (gate.c),
 *    the kernel carries the data. Any failure leaves the connection on the
 *    kernel path; neither call ever waits for the peer.
 *
 * Memory-ordering contract: candidates are process-local (a socket shared
 * with another process before it joins never joins: fork and SCM_RIGHTS make
 * it plain). Joining writes the end's shared settings, then `joined` with
 * release (chan.c), then the fd table entry; a writer reads `joined` with
 * acquire before it opens its gate.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <sched.h>
#include <unistd.h>
#include "internal.h"

#define CAND_MAX 65536
#define OFFERS_MAX 32
#define OFFER_MAGIC 0x4f584455u	/* "UDXO" */
/* The accepting side offers at its 4th data call on a connection. */
#define UDSX_OFFER_AFTER 4

/* cand.word: state in the top bits, kernel data calls in flight below */
#define C_NEW		0u
#define C_JOINING	(1u << 24)
#define C_PLAIN		(2u << 24)
#define C_JOINED	(3u << 24)
#define C_STATE(w)	((w) & (3u << 24))

struct udsx_cand {
	int type;
	int role;		/* 0: accepted (offers), 1: connected (takes offers) */
	_Atomic uint32_t word;
	int checks;
	int64_t born;
	uint32_t peer_ino;	/* (client) the kernel's answer, once asked */
	/* shared by fork: joins only once no other process holds it */
	bool shared;
	int nups, backoff;
	pid_t ups[4];		/* ancestors that held it when they forked us */
	int64_t next_look;
	int side_sock;		/* (DGRAM) side socket named after our address */
};

struct offer_msg {
	uint32_t magic, version, type;
	int32_t fd;		/* the offerer's fd for its socket */
	uint64_t ino;		/* the offerer's socket inode */
};

struct offer {
	struct offer_msg m;
	pid_t pid;
	uid_t uid;
	int memfd;
};

static _Atomic(struct udsx_cand *) cands[CAND_MAX];
static _Atomic int cands_hi;	/* one past the highest fd ever a candidate */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int side_fd = -1;	/* this process's side socket */
static int side_pid;
static struct offer offers[OFFERS_MAX];
static int noffers;
/* Side connections accepted before their offer arrived (the offerer
 * connects, then sends): read again at the next step. */
#define PENDING_MAX 8
static int pending[PENDING_MAX];
static int npending;


static socklen_t side_name(struct sockaddr_un *a, int pid)
{
	int n;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "udsx1.%d", pid);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* DGRAM has no SO_PEERCRED: a connected DGRAM end's side socket is named
 * after its own address (a hash of it), which its peer knows. */
static socklen_t addr_side_name(struct sockaddr_un *a, const void *addr, socklen_t len)
{
	const unsigned char *p = addr;
	uint64_t h = 0xcbf29ce484222325ull;
	socklen_t i;
	int n;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "udsx1.a%016llx",
		     (unsigned long long)h);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* Move one of our fds out of the program's way (fd numbers are observable). */
static int move_high(int fd)
{
	int k = udsx_fd_high(fd, 2 * UDSX_KEEP_MAX);

	return k < 0 ? fd : k;
}

/* Caller holds mu. */
static int side_socket(void)
{
	struct sockaddr_un a;
	socklen_t l;
	int s;

	if (side_fd >= 0 && side_pid == udsx_pid())
		return side_fd;
	side_fd = -1;
	side_pid = udsx_pid();
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	l = side_name(&a, side_pid);
	if (udsx_real.bind(s, (struct sockaddr *)&a, l) < 0 || listen(s, 64) < 0) {
		udsx_dbg("side socket: %s", strerror(errno));
		udsx_real.close(s);
		return -1;
	}
	side_fd = move_high(s);
	udsx_priv_add(&side_fd, &mu, NULL);
	return side_fd;
}

/*
 * Make this process's side socket, if it has none, before its first
 * STREAM/SEQPACKET connect() (the connect wrapper calls this before the
 * real call): made after it, the listener's offer (at its 4th data call,
 * which a server that greets its clients makes at once) could come first
 * and find no one to offer to, leaving the connection on the kernel path
 * for good ("no side socket for pid N", seen with nc -U). May change
 * errno (the wrapper restores it).
 */
void udsx_cand_prepare(void)
{
	pthread_mutex_lock(&mu);
	side_socket();
	pthread_mutex_unlock(&mu);
}

static void cand_free(struct udsx_cand *c);

/* The side socket of a DGRAM end, named after its address; -1 if it has
 * none (only a bound DGRAM socket can be connected back to) or the name is
 * taken. */
static int dgram_side(int fd)
{
	struct sockaddr_un me, sn;
	socklen_t ml = sizeof(me), l;
	int s;

	if (getsockname(fd, (struct sockaddr *)&me, &ml) < 0 || ml <= sizeof(sa_family_t) ||
	    ml > sizeof(me))
		return -1;
	l = addr_side_name(&sn, &me, ml);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	if (udsx_real.bind(s, (struct sockaddr *)&sn, l) < 0 || listen(s, 8) < 0) {
		udsx_real.close(s);
		return -1;
	}
	return move_high(s);
}

void udsx_cand_add(int fd, int type, int role)
{
	struct udsx_cand *c, *old;

	int dside = -1;

	if (fd < 0 || fd >= CAND_MAX)
		return;
	if (type == SOCK_DGRAM) {
		dside = dgram_side(fd);
		if (dside < 0)
			return;
		role = 2;
	} else if (type != SOCK_STREAM && type != SOCK_SEQPACKET) {
		return;
	}
	if (role == 1) {
		int s;

		pthread_mutex_lock(&mu);
		s = side_socket();
		pthread_mutex_unlock(&mu);
		if (s < 0)
			return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		if (dside >= 0)
			udsx_real.close(dside);
		return;
	}
	c->type = type;
	c->role = role;
	c->born = (int64_t)udsx_now_ns();
	c->side_sock = dside;
	udsx_priv_add(&c->side_sock, &mu, NULL);
	{
		int hi = atomic_load(&cands_hi);

		while (fd >= hi && !atomic_compare_exchange_weak(&cands_hi, &hi, fd + 1))
			;
	}
	old = atomic_exchange(&cands[fd], c);
	cand_free(old);
}

static void cand_free(struct udsx_cand *c)
{
	if (!c)
		return;
	udsx_priv_close(&c->side_sock);
	free(c);
}

static void set_state(struct udsx_cand *c, uint32_t st)
{
	uint32_t w = atomic_load(&c->word);

	while (!atomic_compare_exchange_weak(&c->word, &w, (w & ~(3u << 24)) | st))
		;
}

void udsx_cand_drop(int fd)
{
	struct udsx_cand *c;

	if (fd == side_fd && fd >= 0)
		side_fd = -1;	/* the program closed it (closefrom, dup2 over it) */
	if (fd < 0 || fd >= CAND_MAX || !atomic_load_explicit(&cands[fd], memory_order_relaxed))
		return;
	c = atomic_exchange(&cands[fd], NULL);
	/* a call still inside in another thread keeps the record (a close
	 * racing a call is the program's own race; leaking is the safe side) */
	if (c && !(atomic_load(&c->word) & ~(3u << 24)))
		cand_free(c);
}

/* The socket is now (or may be) shared with another process, or uses
 * something the ring cannot reproduce: the kernel keeps it. */
void udsx_cand_plain(int fd)
{
	struct udsx_cand *c;

	if (fd < 0 || fd >= CAND_MAX)
		return;
	c = atomic_load(&cands[fd]);
	if (c && C_STATE(atomic_load(&c->word)) != C_JOINED)
		set_state(c, C_PLAIN);
}

bool udsx_cand_any(int fd)
{
	return fd >= 0 && fd < CAND_MAX && atomic_load_explicit(&cands[fd], memory_order_relaxed);
}

/* fork: both processes now hold every candidate. Each may join later, once
 * the other (and anything forked from either) has let go of it: a holder
 * that never joined would read doorbells as data. The child has no side
 * socket of its own yet (the inherited one is the parent's). */
void udsx_cand_atfork(bool child)
{
	pid_t up = child ? getppid() : 0;
	int fd, hi = atomic_load(&cands_hi);

	for (fd = 0; fd < hi; fd++) {
		struct udsx_cand *c = atomic_load_explicit(&cands[fd], memory_order_relaxed);
		uint32_t st;

		if (!c)
			continue;
		st = C_STATE(atomic_load(&c->word));
		if (st == C_JOINED || st == C_PLAIN)
			continue;
		c->shared = true;
		if (child && c->nups < 4)
			c->ups[c->nups++] = up;
		else if (child || st != C_NEW)
			set_state(c, C_PLAIN);
	}
	if (child) {
		int i;

		udsx_priv_close(&side_fd);
		for (i = 0; i < noffers; i++)
			udsx_priv_close(&offers[i].memfd);
		noffers = 0;
		for (i = 0; i < npending; i++)
			udsx_priv_close(&pending[i]);
		npending = 0;
		pthread_mutex_init(&mu, NULL);
	}
}

/* ---- the accepting side ---- */

/* Create the channel, join it as end 0, and send the offer over the side
 * connection `s` to process `pid`. 0 on success (fd is then a channel end). */
static int send_offer(int fd, struct udsx_cand *c, int s, pid_t pid)
{
	struct offer_msg m = { OFFER_MAGIC, 1, (uint32_t)c->type, fd, 0 };
	struct iovec v = { &m, sizeof(m) };
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cb;
	struct msghdr mh = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = cb.b,
			     .msg_controllen = sizeof(cb.b) };
	struct cmsghdr *cm;
	struct udsx_chan *ch;
	struct stat st;
	int memfd = -1;

	if (fstat(fd, &st) < 0)
		return -1;
	m.ino = (uint64_t)st.st_ino;
	ch = udsx_chan_new(c->type, &memfd);
	if (!ch)
		return -1;
	if (!udsx_chan_join_end(ch, 0, fd)) {
		udsx_dbg("fd %d: socket state the ring does not reproduce: kernel path", fd);
		udsx_real.close(memfd);
		udsx_chan_discard(ch);
		return -1;
	}
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &memfd, sizeof(int));
	if (udsx_real.sendmsg(s, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof(m)) {
		udsx_dbg("fd %d: offer not sent (%s)", fd, strerror(errno));
		udsx_real.close(memfd);
		udsx_chan_discard(ch);
		return -1;
	}
	udsx_real.close(memfd);
	udsx_table_set(fd, ch, 0);
	udsx_dbg("fd %d: offered channel %p to pid %d", fd, (void *)ch, (int)pid);
	return 0;
}

static int offer_to_client(int fd, struct udsx_cand *c)
{
	struct ucred cr, sc;
	socklen_t l = sizeof(cr);
	struct sockaddr_un a;
	int s, r = -1;

	if (udsx_real.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0 || cr.pid <= 0)
		return -1;
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	l = side_name(&a, cr.pid);
	if (udsx_real.connect(s, (struct sockaddr *)&a, l) < 0) {
		/* no udsx there: the usual case with a plain client */
		udsx_dbg("fd %d: no side socket for pid %d (%s): kernel path", fd, (int)cr.pid,
			 strerror(errno));
	} else {
		l = sizeof(sc);
		if (udsx_real.getsockopt(s, SOL_SOCKET, SO_PEERCRED, &sc, &l) < 0 || sc.pid != cr.pid)
			udsx_dbg("fd %d: side socket of pid %d is not that process's", fd, (int)cr.pid);
		else
			r = send_offer(fd, c, s, cr.pid);
	}
	udsx_real.close(s);
	return r;
}

static int client_step(int fd, struct udsx_cand *c);

/* Does `pid` hold socket `ino`? Strict: no access counts as no. */
static bool holds_strict(pid_t pid, uint64_t ino)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/fd", (int)pid);
	return access(p, R_OK | X_OK) == 0 && udsx_pid_holds(pid, ino, -1);
}

/*
 * DGRAM sockets connected to each other: the end with the lower inode
 * offers, to the side socket named after its peer's address, once the
 * kernel (sock_diag) shows each is the other's peer; the side socket's
 * owner must hold the peer socket (/proc). 0 offered, 1 not yet, -1 never.
 */
static int dgram_step(int fd, struct udsx_cand *c)
{
	struct sockaddr_un pa, a;
	socklen_t pl = sizeof(pa), l;
	struct stat st;
	struct ucred sc;
	int s, r = -1;

	if (fstat(fd, &st) < 0)
		return -1;
	if (!c->peer_ino) {
		uint32_t p = udsx_diag_peer((uint32_t)st.st_ino);

		if (!p || udsx_diag_peer(p) != (uint32_t)st.st_ino)
			return 1;	/* not (yet) connected to each other */
		c->peer_ino = p;
	}
	if ((uint32_t)st.st_ino > c->peer_ino)
		return client_step(fd, c) == 0 ? 0 : 1;	/* the peer offers */
	if (getpeername(fd, (struct sockaddr *)&pa, &pl) < 0 || pl <= sizeof(sa_family_t) ||
	    pl > sizeof(pa))
		return -1;
	l = addr_side_name(&a, &pa, pl);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	pl = sizeof(sc);
	if (udsx_real.connect(s, (struct sockaddr *)&a, l) == 0 &&
	    udsx_real.getsockopt(s, SOL_SOCKET, SO_PEERCRED, &sc, &pl) == 0 &&
	    holds_strict(sc.pid, c->peer_ino))
		r = send_offer(fd, c, s, sc.pid);
	else
		udsx_dbg("fd %d: no udsx peer behind the DGRAM peer's side socket", fd);
	udsx_real.close(s);
	return r;
}

/* ---- the connecting side ---- */

/* Read one offer from a side connection. Caller holds mu. False if it has
 * not arrived yet. */
/* Caller holds mu. Offer i goes (its memfd closed if still there). */
static void offer_drop(int i)
{
	udsx_priv_close(&offers[i].memfd);
	for (; i + 1 < noffers; i++) {
		offers[i].m = offers[i + 1].m;
		offers[i].pid = offers[i + 1].pid;
		offers[i].uid = offers[i + 1].uid;
		udsx_priv_move(&offers[i + 1].memfd, &offers[i].memfd);
	}
	noffers--;
}

static bool take_offer(int conn)
{
	struct offer o;
	struct iovec v = { &o.m, sizeof(o.m) };
	union {
		char b[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} cb;
	struct msghdr mh = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = cb.b,
			     .msg_controllen = sizeof(cb.b) };
	struct cmsghdr *cm;
	struct ucred cr;
	socklen_t l = sizeof(cr);
	ssize_t n;
	int nfd = 0, fds[4], i;

	n = udsx_real.recvmsg(conn, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno != EAGAIN;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		for (i = 0; i < (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int)) && nfd < 4; i++)
			memcpy(&fds[nfd++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
	}
	/* anything but exactly one well-formed offer with one fd is dropped */
	if (n != sizeof(o.m) || nfd != 1 || (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) ||
	    o.m.magic != OFFER_MAGIC || o.m.version != 1 ||
	    udsx_real.getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0) {
		for (i = 0; i < nfd; i++)
			udsx_real.close(fds[i]);
		return true;
	}
	o.pid = cr.pid;
	o.uid = cr.uid;
	o.memfd = -1;
	if (noffers == OFFERS_MAX)
		offer_drop(0);
	offers[noffers] = o;
	/* (received at the lowest free number: out of the program's way) */
	offers[noffers].memfd = move_high(fds[0]);
	udsx_priv_add(&offers[noffers].memfd, &mu, NULL);
	noffers++;
	return true;
}

static void drain_side(int lfd)
{
	int i, conn;

	for (i = 0; i < npending; i++) {
		if (!take_offer(pending[i]))
			continue;
		udsx_priv_close(&pending[i]);
		udsx_priv_move(&pending[--npending], &pending[i--]);
	}
	if (lfd < 0)
		return;
	for (i = 0; i < 16; i++) {
		conn = udsx_real.accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (conn < 0)
			return;
		if (take_offer(conn)) {
			udsx_real.close(conn);
		} else if (npending < PENDING_MAX) {
			pending[npending] = move_high(conn);
			udsx_priv_add(&pending[npending++], &mu, NULL);
		} else {
			udsx_real.close(conn);
		}
	}
}

/* Both ends in this process (a connection to ourselves): one channel
 * struct for both, as for a socketpair, so that a revert on one end finds
 * the other end's socket. */
static struct udsx_chan *own_channel(struct offer *o)
{
	struct udsx_end e;
	struct stat a, b;

	if (!udsx_table_get(o->m.fd, &e) || e.side != 0 || e.ch->memfd < 0 ||
	    fstat(e.ch->memfd, &a) < 0 || fstat(o->memfd, &b) < 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev)
		return NULL;
	return e.ch;
}

static int take_channel(int fd, struct udsx_cand *c, struct offer *o)
{
	struct udsx_chan *ch;
	struct ucred lc;
	socklen_t l = sizeof(lc);
	int h = udsx_pid_fd_is(o->pid, o->m.fd, o->m.ino);
	bool mapped;

	if (o->m.type != (uint32_t)c->type || !h) {
		udsx_dbg("fd %d: offer from pid %d refused (type %u, holds %d)", fd, (int)o->pid,
			 o->m.type, h);
		return -1;
	}
	if (h < 0 && (udsx_real.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &lc, &l) < 0 ||
		      lc.uid != o->uid))
		return -1;
	ch = o->pid == udsx_pid() ? own_channel(o) : NULL;
	mapped = !ch;
	if (!ch) {
		int m = udsx_priv_take(&o->memfd);

		ch = udsx_chan_attach(m);	/* takes the memfd on success */
		if (!ch) {
			udsx_real.close(m);
			return -1;
		}
	}
	if (ch->type != c->type || !atomic_load(&ch->h->end[0].joined) ||
	    atomic_load(&ch->h->end[1].joined) || !udsx_chan_join_end(ch, 1, fd)) {
		if (mapped)
			udsx_chan_discard(ch);	/* ours alone: mapped just now */
		return -1;
	}
	udsx_table_set(fd, ch, 1);
	udsx_dbg("fd %d: joined channel %p offered by pid %d", fd, (void *)ch, (int)o->pid);
	return 0;
}

static int client_step(int fd, struct udsx_cand *c)
{
	struct stat st;
	int i, r = 1;

	pthread_mutex_lock(&mu);
	if (c->role == 2)
		drain_side(c->side_sock);
	else
		drain_side(side_fd >= 0 && side_pid == udsx_pid() ? side_fd : -1);
	if (noffers && !c->peer_ino && fstat(fd, &st) == 0)
		c->peer_ino = udsx_diag_peer((uint32_t)st.st_ino);
	/* A forged offer naming our peer is dropped and the search goes on:
	 * the real one may be behind it. */
	for (i = 0; c->peer_ino && i < noffers && r; i++) {
		if (offers[i].m.ino != c->peer_ino)
			continue;
		r = take_channel(fd, c, &offers[i]) ? 1 : 0;
		offer_drop(i--);
	}
	pthread_mutex_unlock(&mu);
	return r;	/* 0 joined, 1 nothing yet */
}

/* Does `pid`, or a process forked from it, hold socket `ino`? (Up to a
 * bounded number of processes; past that, assume yes.) */
static bool tree_holds(pid_t pid, uint64_t ino, int *budget)
{
	char p[64], buf[512];
	int fd, n;
	char *s, *end;

	if (--*budget < 0)
		return true;
	if (pid != udsx_pid() && udsx_pid_holds(pid, ino, -1))
		return true;
	/* children of the main thread (forks from other threads are rare) */
	snprintf(p, sizeof(p), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = (int)udsx_real.read(fd, buf, sizeof(buf) - 1);
	udsx_real.close(fd);
	if (n < 0)
		return false;
	if (n == (int)sizeof(buf) - 1)
		return true;	/* too many to look at */
	buf[n] = 0;
	for (s = buf; *s; s = end) {
		long c = strtol(s, &end, 10);

		if (end == s)
			break;
		if (c > 0 && c != udsx_pid() && tree_holds((pid_t)c, ino, budget))
			return true;
	}
	return false;
}

/* A candidate shared by fork: may it join now? */
static bool sole_holder(int fd, struct udsx_cand *c)
{
	struct stat st;
	int budget = 64, i;
	int64_t t = (int64_t)udsx_now_ns();

	if (t < c->next_look)
		return false;
	if (fstat(fd, &st) == 0 && !tree_holds(udsx_pid(), (uint64_t)st.st_ino, &budget)) {
		for (i = 0; i < c->nups && !tree_holds(c->ups[i], (uint64_t)st.st_ino, &budget); i++)
			;
		if (i == c->nups) {
			c->shared = false;
			if (c->role == 2) {
				/* the side socket was made by whoever connected;
				 * it must be ours now that the socket is */
				udsx_priv_close(&c->side_sock);
				c->side_sock = dgram_side(fd);
				udsx_priv_add(&c->side_sock, &mu, NULL);
			}
			return true;
		}
	}
	udsx_dbg("fd %d: still held by another process", fd);
	/* look again later, less and less often */
	c->next_look = t + ((int64_t)20000 << (c->backoff < 9 ? c->backoff : 9));
	c->backoff++;
	return false;
}

/*
 * A data call on a candidate socket (not yet in the table). Makes what
 * progress it can without waiting for the peer. True if the fd has joined
 * a channel (the caller looks it up again). Otherwise, while the candidate
 * is undecided, a count of this kernel call is held in `e` (released with
 * the end), and no join can start under it: a thread already inside a
 * kernel read must not consume a doorbell as data.
 */
bool udsx_cand_step(int fd, struct udsx_end *e)
{
	struct udsx_cand *c = atomic_load(&cands[fd]);
	uint32_t w, zero = C_NEW, st;
	int r, saved = errno;

	if (!c)
		return false;
	for (;;) {
		w = atomic_load(&c->word);
		st = C_STATE(w);
		if (st == C_PLAIN)
			return false;
		if (st == C_JOINED)
			return true;
		if (st == C_JOINING) {
			sched_yield();
			continue;
		}
		if (w == C_NEW && atomic_compare_exchange_strong(&c->word, &zero, C_JOINING))
			break;
		zero = C_NEW;
		if (w != C_NEW && atomic_compare_exchange_weak(&c->word, &w, w + 1)) {
			e->held_cand = &c->word;
			return false;	/* another call is inside: kernel path */
		}
	}
	if (c->role != 1 && ++c->checks < UDSX_OFFER_AFTER) {
		/* a connection that carries only a message or two is cheaper
		 * left with the kernel than negotiated */
		r = 1;
		st = C_NEW;
	} else if (c->shared && !sole_holder(fd, c)) {
		r = 1;
		st = c->backoff > 20 ? C_PLAIN : C_NEW;
	} else if (c->role == 0) {
		r = offer_to_client(fd, c);
		st = r == 0 ? C_JOINED : C_PLAIN;
	} else if (c->role == 2) {
		r = dgram_step(fd, c);
		st = r == 0 ? C_JOINED : r < 0 ? C_PLAIN : C_NEW;
		if (r > 0 && ++c->checks > 64 && (int64_t)udsx_now_ns() - c->born > 2000000)
			st = C_PLAIN;
	} else if (++c->checks < UDSX_OFFER_AFTER) {
		/* no offer can be there before the server's 4th data call,
		 * which follows at least our 2nd or 3rd */
		r = 1;
		st = C_NEW;
	} else {
		r = client_step(fd, c);
		st = r == 0 ? C_JOINED : C_NEW;
		if (r && c->checks > 64 && (int64_t)udsx_now_ns() - c->born > 2000000)
			st = C_PLAIN;	/* a plain server */
	}
	/* (the program's call succeeds or fails on its own: what the
	 * negotiation's calls said, an EAGAIN from the side socket's accept4
	 * or an ECONNREFUSED from a client without udsx, is not its errno) */
	errno = saved;
	if (st == C_NEW) {
		/* undecided: this call goes to the kernel, counted */
		atomic_store(&c->word, C_NEW + 1);
		e->held_cand = &c->word;
		return false;
	}
	atomic_store(&c->word, st);
	return st == C_JOINED;
}
