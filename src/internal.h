/* SPDX-License-Identifier: MIT */
/* internal.h -- udsx's private interfaces: channels, ends, rings, waiting, config. */
#ifndef UDSX_INTERNAL_H
#define UDSX_INTERNAL_H

#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "shm.h"

#define hidden __attribute__((visibility("hidden")))

/* ---- configuration (config.c) ---- */
struct udsx_config {
	bool disable;		/* UDSX_DISABLE=1: pure pass-through */
	bool debug;		/* UDSX_DEBUG=1: diagnostics on stderr */
	int spin_us;		/* UDSX_SPIN_US: max spin before sleeping */
	size_t ring_size;	/* UDSX_RING_KB: bytes per direction */
	size_t mem_max;		/* UDSX_MEM_MAX_MB: cap on channel memory */
	int ncpu;
};
extern struct udsx_config udsx_cfg hidden;
hidden void udsx_config_load(void);
hidden int udsx_parse_uint(const char *s, long lo, long hi, long *out);
hidden void udsx_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
hidden int udsx_pid(void);
hidden void udsx_pid_reset(void);
hidden int udsx_default_sndbuf(void);
hidden int udsx_fd_high(int fd, int below);
hidden int udsx_fd_dup_high(int fd, int below);

/* ---- real libc entry points (preload/real.c) ---- */
struct udsx_real {
	int (*socketpair)(int, int, int, int[2]);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
	int (*close)(int);
	int (*close_range)(unsigned int, unsigned int, int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*shutdown)(int, int);
	pid_t (*fork)(void);
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execveat)(int, const char *, char *const[], char *const[], int);
	int (*fexecve)(int, char *const[], char *const[]);
	int (*posix_spawn)(pid_t *, const char *, const void *, const void *, char *const[], char *const[]);
	int (*posix_spawnp)(pid_t *, const char *, const void *, const void *, char *const[], char *const[]);
	/* (wrapped to spin first, preload/pollwait.c: our own waits sleep) */
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
	/* (resolved here, not at the call: a fork child's first symbol
	 * lookup faults in pages of every library's symbol tables) */
	void (*_exit)(int);
	/* (and what negotiation's own side sockets call: our wrappers would
	 * take them for the program's connections, nego.c) */
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
};
extern struct udsx_real udsx_real hidden;

/* A system call made directly (sys.c): never through a wrapper, ours or
 * the syscall() we export. -1 and errno on failure. udsx_syscall(n, ...)
 * takes up to six arguments and passes 0 for the rest. */
hidden long udsx_syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6);
#define udsx_syscall(...) udsx_sys_pad_(__VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define udsx_sys_pad_(n, a, b, c, d, e, f, ...) \
	udsx_syscall6((long)(n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* ---- liveness of the processes holding an end (life.c, watch.c) ---- */
/* This process's view of one end's holders, made from the end's holder
 * list as of the other end's peer_hgen == gen. `hot` is never NULL (a
 * channel starts with udsx_watch_init): a slot word that showed a live
 * thread, with the value it showed, or a constant standing for "one
 * surely lives" (this process holds the end, or a holder we cannot
 * watch), so that the check is the same two compares either way. */
struct udsx_lifeview {
	_Atomic uint32_t gen;
	_Atomic int hot_val;		/* -1: no value matches */
	const int *_Atomic hot;
	_Atomic bool only_us;		/* every holder listed is this process */
	uint8_t n;			/* pages in pg[] */
	int8_t pg[7];			/* the holders' pages (watch.c's cache) */
};

/* ---- channels (chan.c) ---- */
struct udsx_chan {
	/* Calls using this channel right now. First, and kept when the
	 * struct is reused (chan.c): a lookup racing a close may still add
	 * and take back one on a struct that has gone. */
	_Atomic int busy;
	struct udsx_hdr *h;
	size_t map_size;
	uint32_t ring_size;	/* private copy: never re-read from shm */
	int type;
	_Atomic int side_refs[2];	/* fd table entries in this process, per end */
	int memfd;		/* kept for exec re-attachment, or -1 */
	_Atomic int fd_hint[2];	/* the last fd set for each end */
	_Atomic int dead;	/* 1: no fd left, unmap when not busy; 2: unmapped */
	_Atomic bool open_seen[2];	/* gate seen open: it never shuts again */
	/* This process's last look at the reader's head and charge_out of
	 * each direction (both only grow), so that a writer reads the
	 * reader's cache line only when it looks full. Under wlock. */
	uint64_t w_head[2];
	uint64_t w_out[2];
	/* The reader's last look at each direction's tail (ring.c). */
	_Atomic uint64_t r_tail[2];
	/* Per end: the records it had sent when it last began a read; a read
	 * that finds more has answered in between (request/response), and
	 * does not wait for a stream to go on (path.c). Unlocked: a hint. */
	uint64_t r_out_seen[2];
	/* The reader's record of each direction's working set (ring.c:
	 * udsx_ring_rewind): the position of the last rewind, the highest
	 * ring offset reached since the last trim, and when that was. */
	uint64_t r_base[2], r_hi[2], r_trimmed[2];
	struct udsx_lifeview life[2];	/* who holds each end (watch.c) */
	bool poolable;		/* its mapping may serve a later socketpair (chan.c) */
	struct udsx_chan *next_free;	/* (chan.c's list of structs to reuse) */
};
#define UDSX_KEEP_MAX 64

/* One fd's view of an end. */
struct udsx_end {
	struct udsx_chan *ch;
	int side;		/* 0 or 1: which end of the pair this fd is */
	uint32_t held_n;	/* a count held in *held_gate for a kernel call */
	_Atomic uint32_t *held_gate;
	_Atomic uint32_t *held_cand;	/* a count held on a candidate (nego.c) */
};

hidden int udsx_chan_create_pair(int type, int sv[2]);
hidden struct udsx_chan *udsx_chan_new(int type, int *memfd);
hidden void udsx_chan_discard(struct udsx_chan *ch);
hidden bool udsx_chan_join_end(struct udsx_chan *ch, int side, int fd);
hidden void udsx_keep_memfd(int fd, int *where);
hidden void udsx_keep_release(void);
hidden struct udsx_chan *udsx_chan_attach(int memfd);
hidden char **udsx_inherit_envp(char *const envp[], bool reattach);
hidden void udsx_inherit_abort(void);
hidden void udsx_inherit_spawn(bool any_fd);
hidden void udsx_inherit_load(void);
hidden void udsx_chan_put(struct udsx_chan *ch);
hidden void udsx_chan_unbusy(struct udsx_chan *ch);
hidden void udsx_chan_try_free(struct udsx_chan *ch);
hidden bool udsx_end_active(const struct udsx_end *e);
hidden void udsx_pool_atfork_prepare(void);
hidden void udsx_pool_atfork_parent(void);
hidden void udsx_pool_atfork_child(void);

/* ---- udsx's own descriptors, hidden from the program (privfd.c) ---- */
#define UDSX_PRIV_FDS 65536
extern _Atomic uint64_t udsx_priv_bits[UDSX_PRIV_FDS / 64] hidden;
hidden void udsx_priv_add(int *where, pthread_mutex_t *lk, void (*moved)(int nfd));
hidden void udsx_priv_move(int *from, int *to);
hidden void udsx_priv_close(int *where);
hidden int udsx_priv_take(int *where);
hidden void udsx_priv_evict(int fd);
hidden int udsx_priv_lowest(int from, int r, bool cloexec);
hidden int udsx_priv_close_range(unsigned int lo, unsigned int hi, int flags);
hidden int udsx_priv_placeholder_over(int fd);
hidden void udsx_priv_atfork_child(void);
/* Is fd one of udsx's own (which the program must see as not open)? */
static inline bool udsx_priv_is(int fd)
{
	return (unsigned int)fd < UDSX_PRIV_FDS &&
	       ((atomic_load_explicit(&udsx_priv_bits[fd >> 6], memory_order_relaxed) >> (fd & 63)) & 1);
}

/* ---- fd table (table.c) ---- */
hidden bool udsx_table_get(int fd, struct udsx_end *out);
hidden uintptr_t udsx_table_raw(int fd);
hidden void udsx_table_set(int fd, struct udsx_chan *ch, int side);
hidden void udsx_table_clear(int fd);
hidden void udsx_table_dup(int oldfd, int newfd, const struct udsx_end *held);
hidden void udsx_table_foreach(void (*fn)(int fd, struct udsx_end *e, void *arg), void *arg);
hidden void udsx_table_foreach_child(void (*fn)(int fd, struct udsx_end *e, void *arg), void *arg);
/* Hold fd's channel busy: true if fd still names it once held, so that it
 * cannot go (and its struct be reused for another channel, chan.c) until
 * the caller's udsx_chan_unbusy. The one protocol of every lookup
 * (preload.h) and table walk (table.c). */
static inline bool udsx_table_hold(int fd, struct udsx_end *e)
{
	if (!udsx_table_get(fd, e))
		return false;
	atomic_fetch_add(&e->ch->busy, 1);
	if (udsx_table_raw(fd) == ((uintptr_t)e->ch | (uintptr_t)e->side))
		return true;
	udsx_chan_unbusy(e->ch);
	e->ch = NULL;
	return false;
}

/* ---- accounting model (truesize.c) ---- */
hidden uint32_t udsx_truesize_stream(size_t seg);
hidden uint32_t udsx_truesize_dgram(size_t len);
hidden size_t udsx_stream_seg_max(uint32_t sndbuf);
#define UDSX_DGRAM_MAX 4263616u
#define UDSX_BELL_TRUESIZE 768u

/* ---- locks (lock.c) ---- */
hidden int udsx_lock(_Atomic uint32_t *l);
hidden void udsx_unlock(_Atomic uint32_t *l);
hidden void udsx_unlock_quick(_Atomic uint32_t *l);
hidden bool udsx_trylock(_Atomic uint32_t *l);
hidden void udsx_lock_atfork_child(void);
hidden uint32_t udsx_tid(void);

/* ---- the data path (stream.c, record.c, path.c) ---- */
struct udsx_io {
	struct iovec *iov;
	int iovcnt;
	size_t len;		/* total of iov */
	int flags;		/* MSG_* from the caller */
	int out_flags;		/* msg_flags on return */
	bool cmsg;		/* the caller takes ancillary data (recvmsg) */
};
hidden size_t udsx_iov_total(const struct iovec *iov, int n);

/* Return >= 0 bytes, -errno, or UDSX_PASS: do it on the kernel path. */
#define UDSX_PASS (-100000)
hidden ssize_t udsx_send(int fd, struct udsx_end *e, struct udsx_io *io);
hidden ssize_t udsx_recv(int fd, struct udsx_end *e, struct udsx_io *io);
hidden ssize_t udsx_send_to_kernel(int fd, struct udsx_end *e, struct udsx_io *io, size_t sent);
hidden ssize_t udsx_fast_send(int fd, const void *buf, size_t n, int flags);
hidden ssize_t udsx_fast_recv(int fd, void *buf, size_t n, int flags);
hidden ssize_t udsx_read_held(int fd, struct udsx_end *e, struct udsx_io *io);
hidden int udsx_inq(int fd, struct udsx_end *e, int *out);
hidden int udsx_outq(int fd, struct udsx_end *e, int *out);

/* ---- doorbells (bell.c) ---- */
hidden int udsx_bell_notify(int fd, struct udsx_chan *ch, int d, uint32_t n);
hidden void udsx_bell_wait_sleeper(struct udsx_chan *ch, int d);
hidden void udsx_bell_wake_sleeper(int fd, struct udsx_chan *ch, int d);
hidden int udsx_bell_eat(int fd, struct udsx_chan *ch, int d);
hidden int udsx_bell_topup(int fd, struct udsx_chan *ch, int d, unsigned want);
hidden void udsx_bell_eat_one(int fd, struct udsx_chan *ch, int d, unsigned keep);
hidden void udsx_pin_sndbuf(int fd, struct udsx_chan *ch, int side);
hidden void udsx_ballast_check(int fd, struct udsx_chan *ch, int d);
hidden void udsx_ballast_release(int fd, struct udsx_chan *ch, int d);
hidden void udsx_ballast_wake(int fd, struct udsx_chan *ch, int d);
hidden void udsx_claim_set(struct udsx_chan *ch, int d, uint32_t n);
hidden void udsx_claim_drop(struct udsx_chan *ch, int d);

/* ---- copies to and from the program's buffers (ucopy.c): -EFAULT, never SIGSEGV ---- */
hidden int udsx_copy_in(void *dst, const struct iovec *iov, int n, size_t skip, size_t len);
hidden int udsx_copy_in1(void *dst, const void *src, size_t len);
hidden int udsx_copy_out(const struct iovec *iov, int n, size_t skip, const void *src, size_t len);
hidden bool udsx_out_known(const struct iovec *iov, int n, size_t skip, size_t len);
hidden void udsx_scatter_iov(const struct iovec *iov, int n, size_t skip, const void *src, size_t len);
/* Plain copy of len bytes into iov from `skip` on, which the caller has
 * proven (udsx_out_known) and bounded. */
static inline void udsx_scatter(const struct iovec *iov, int n, size_t skip, const void *src, size_t len)
{
	if (n != 1)
		udsx_scatter_iov(iov, n, skip, src, len);
	else if (len)	/* (the buffer may be NULL) */
		memcpy((char *)iov[0].iov_base + skip, src, len);
}
hidden void udsx_ucopy_forget(void);
hidden void udsx_unmap(void *addr, size_t len);

/* ---- ring primitives (ring.c) ---- */
hidden int udsx_ring_put(struct udsx_chan *ch, int d, const struct iovec *iov, int iovcnt,
			 size_t skip, uint32_t len, uint32_t truesize);
hidden int udsx_ring_put1(struct udsx_chan *ch, int d, const void *buf, uint32_t len,
			  uint32_t truesize);
hidden uint64_t udsx_ring_tail(struct udsx_chan *ch, int d);
hidden uint64_t udsx_writer_charged(struct udsx_chan *ch, int d, uint64_t limit);
hidden bool udsx_ring_empty(struct udsx_chan *ch, int d);
hidden void udsx_ring_discard(struct udsx_chan *ch, int d);
hidden void udsx_ring_rewind(struct udsx_chan *ch, int d, bool idle);
hidden bool udsx_ring_closed(struct udsx_chan *ch, int d);
hidden void udsx_ring_close(struct udsx_chan *ch, int d);
hidden void udsx_ring_corrupt(struct udsx_chan *ch, int d);
struct udsx_cursor {
	uint64_t head, off, tail;
	bool fresh;		/* tail is a fresh look, not this process's copy */
	uint32_t len, truesize;
	const unsigned char *data;
};
hidden int udsx_ring_peek(struct udsx_chan *ch, int d, struct udsx_cursor *c);
hidden int udsx_ring_next(struct udsx_chan *ch, int d, struct udsx_cursor *c);
hidden void udsx_ring_consume(struct udsx_chan *ch, int d, uint64_t head, uint64_t off,
			      uint64_t bytes, uint64_t msgs, uint64_t freed);

/* ---- waiting (wait.c) ---- */
hidden uint64_t udsx_now_ns(void);
hidden int udsx_only_cpu(void);
hidden bool udsx_spin_futile(struct udsx_chan *ch, int side);
/* how a wait for end `side` may spin (wait.c) */
enum { UDSX_SPIN_NO, UDSX_SPIN_YES, UDSX_SPIN_YIELD };
/* or'ed into UDSX_SPIN_YES: each look is a system call (the poll family),
 * so the clock is read after every look, not every 64th */
#define UDSX_SPIN_COSTLY 0x10
hidden int udsx_spin_mode(struct udsx_chan *ch, int side);
hidden bool udsx_spin_until(bool (*ready)(void *), void *arg, int budget_us, int mode);
hidden bool udsx_spin_crowded(void);
hidden bool udsx_spin_ns(bool (*ready)(void *), void *arg, unsigned budget_ns, unsigned poll_ns);

/* ---- the switch from kernel to ring after negotiation (gate.c) ---- */
hidden bool udsx_gate_is_open(struct udsx_chan *ch, int d);
hidden bool udsx_gate_try_open(int fd, struct udsx_chan *ch, int d);
hidden void udsx_gate_leave(struct udsx_end *e);
hidden ssize_t udsx_gate_send(int fd, struct udsx_end *e);
hidden ssize_t udsx_gate_recv(int fd, struct udsx_end *e, bool nb);
hidden ssize_t udsx_gate_inq(struct udsx_end *e);

/* ---- negotiation of connect()/accept() connections (nego.c, diag.c) ---- */
hidden void udsx_cand_add(int fd, int type, int role);
hidden void udsx_cand_prepare(void);
hidden void udsx_cand_drop(int fd);
hidden void udsx_cand_plain(int fd);
hidden bool udsx_cand_any(int fd);
hidden void udsx_cand_atfork(bool child);
hidden bool udsx_pid_holds(pid_t pid, uint64_t ino, int hint);
hidden int udsx_pid_fd_of(pid_t pid, uint64_t ino, int hint);
hidden int udsx_pid_fd_is(pid_t pid, int fd, uint64_t ino);
hidden void udsx_holder_add(struct udsx_hdr *h, int side, uint32_t pid, uint32_t life_fd, int fd);
hidden bool udsx_cand_step(int fd, struct udsx_end *e);
hidden uint32_t udsx_diag_peer(uint32_t ino);

/* ---- liveness (life.c: our own page; watch.c: the peers') ---- */
extern _Atomic uint32_t udsx_life_gen hidden;
extern _Thread_local uint32_t udsx_life_tgen hidden;
hidden void udsx_life_reserve(void);
hidden void udsx_watch_reserve(void);
hidden uint32_t udsx_life_fd(void);
hidden void udsx_life_thread(void);
hidden void udsx_life_atfork_child(bool holds_ends);
hidden bool udsx_watch_look(struct udsx_chan *ch, int side);
hidden bool udsx_watch_only_us(struct udsx_chan *ch, int side);
hidden bool udsx_watch_confirm(int fd, struct udsx_chan *ch);
hidden void udsx_watch_init(struct udsx_chan *ch);
hidden void udsx_watch_release(struct udsx_chan *ch);
hidden void udsx_watch_atfork_child(void);

/* A slot word that a thread holds and the kernel has not marked dead
 * (robust futex: FUTEX_TID_MASK, FUTEX_OWNER_DIED). */
static inline bool udsx_word_alive(int w)
{
	return (w & 0x3fffffff) && !(w & 0x40000000);
}

/* Every thread making udsx calls holds a slot of this process's page
 * (checked on the general paths: every thread that uses an end takes one
 * now and then, when a ring is empty or full). */
static inline void udsx_life_here(void)
{
	if (__builtin_expect(udsx_life_tgen !=
			     atomic_load_explicit(&udsx_life_gen, memory_order_relaxed), 0))
		udsx_life_thread();
}

/* Might every process holding end `side` be dead? Five loads, all of lines
 * that rarely change: the holder generation (on the line of the other
 * end's that its writer reads anyway), and the view's slot word and the
 * value it had when it showed a live thread. */
static inline bool udsx_end_may_be_dead(struct udsx_chan *ch, int side)
{
	struct udsx_lifeview *v = &ch->life[side];
	const int *w = atomic_load_explicit(&v->hot, memory_order_relaxed);

	if (atomic_load_explicit(&ch->h->end[1 - side].peer_hgen, memory_order_relaxed) ==
		    atomic_load_explicit(&v->gen, memory_order_acquire) &&
	    __atomic_load_n(w, __ATOMIC_RELAXED) == atomic_load_explicit(&v->hot_val, memory_order_relaxed))
		return false;
	return udsx_watch_look(ch, side);
}

/* Is this process the only one holding end `side`? (A call only when the
 * holders changed since the view was made.) */
static inline bool udsx_end_only_us(struct udsx_chan *ch, int side)
{
	struct udsx_lifeview *v = &ch->life[side];

	if (atomic_load_explicit(&ch->h->end[1 - side].peer_hgen, memory_order_relaxed) ==
	    atomic_load_explicit(&v->gen, memory_order_acquire))
		return atomic_load_explicit(&v->only_us, memory_order_relaxed);
	return udsx_watch_only_us(ch, side);
}

/* ---- revert to the kernel path (revert.c) ---- */
hidden void udsx_revert_dir(int fd, struct udsx_chan *ch, int d, int peer_fd);
hidden void udsx_revert_end(int fd, struct udsx_end *e, int why);
hidden void udsx_revert_orphan(int fd, struct udsx_end *e);
hidden int udsx_find_fd_of(struct udsx_chan *ch, int side);
hidden void udsx_set_real_sndbuf(int fd, uint32_t v);
hidden void udsx_end_released(int fd, struct udsx_end *e);
hidden void udsx_release_all(void);
hidden void udsx_leave_kernel_only(int fd, struct udsx_end *e);
hidden void udsx_shutdown_prepare(int fd, struct udsx_end *e, int how);

#endif
