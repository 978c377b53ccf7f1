/* SPDX-License-Identifier: MIT */
/* shm.h -- layout of a channel's shared memory: header, per-direction state, record rings.
 *
 * Memory-ordering and locking contract (every file that includes this one
 * follows it):
 *  - One memfd per connected pair, mapped MAP_SHARED by every process that
 *    holds either end. It is sealed (SHRINK|GROW|SEAL) before it is mapped,
 *    so its size can be trusted; nothing else in it can.
 *  - Each direction (dir[0]: end 0 -> end 1, dir[1]: end 1 -> end 0) has one
 *    record ring. Writers of that direction serialise on `wlock`, readers on
 *    `rlock` (futex words, holder tid stored, stolen when the holder is dead,
 *    bounded wait otherwise).
 *  - The writer fills a record, then publishes it with a release store of
 *    `tail`; the reader loads `tail` with acquire before reading records.
 *    The reader consumes with a release store of `head`/`head_off`; the
 *    writer loads `head` with acquire before reusing space. `head` and
 *    `charge_out` only grow, so a writer may work from an older copy of
 *    them (less room than there is) and re-load them only when that copy
 *    says the ring or the budget is full.
 *  - `ctl` packs {CLOSED, claim, bells sent, bells eaten} so that a writer
 *    deciding whether to ring the doorbell and a reader withdrawing its claim
 *    or eating doorbells agree through a single CAS (seq_cst).
 *  - `gate` says whether a direction carries data in the ring at all. A
 *    channel made by negotiation (nego.c) starts with both gates shut: the
 *    kernel carries the data, and every kernel send or read on a joined end
 *    holds a count in the gate for its duration. The writer opens the gate
 *    by CAS from "no count, shut" to OPENING, and only with the reader
 *    joined and its own SIOCOUTQ at 0 (nothing it sent is still unread), so
 *    every kernel byte after the opening is a doorbell (gate.c).
 *  - A STREAM reader may sleep in a recv that consumes the byte that wakes
 *    it (path.c). It registers by setting CTL_SLEEPER in `ctl` (with the
 *    ring empty and no doorbell outstanding), after storing its tid in
 *    `rsleep` and its buffer size in `rsleep_len`; it wakes and accounts
 *    for the byte by clearing CTL_SLEEPER in the same CAS that counts it
 *    eaten. While the flag is set nobody else retires doorbells, and a
 *    writer keeps one doorbell more than the ring needs (two once the ring
 *    holds more than `rsleep_len`), so that after the wake a non-empty
 *    ring still has its doorbell (bell.c).
 *  - Every index and length read from here is read once into a local, and
 *    bound-checked before use; a failed check marks the channel corrupt and
 *    the connection returns to the kernel path.
 */
#ifndef UDSX_SHM_H
#define UDSX_SHM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#define UDSX_MAGIC	0x7564737800000009ull	/* "udsx", layout 9 */
#define UDSX_LINE	64

/* ctl word: [63] closed, [62] a reader sleeps consuming (rsleep), [61..32]
 * claim, [31..16] bells sent, [15..0] eaten */
#define CTL_CLOSED	(1ull << 63)
#define CTL_SLEEPER	(1ull << 62)
#define CTL_CLAIM_SHIFT	32
#define CTL_CLAIM_MASK	0x3fffffffull
#define CTL_SENT(c)	(((c) >> 16) & 0xffff)
#define CTL_EATEN(c)	((c) & 0xffff)
#define CTL_CLAIM(c)	(((c) >> CTL_CLAIM_SHIFT) & CTL_CLAIM_MASK)
#define CTL_OUTSTANDING(c) ((uint16_t)(CTL_SENT(c) - CTL_EATEN(c)))
/* c with `n` more doorbells counted sent / eaten (mod 2^16, in place) */
#define CTL_ADD_SENT(c, n) (((c) & ~0xffff0000ull) | ((uint64_t)((CTL_SENT(c) + (n)) & 0xffff) << 16))
#define CTL_ADD_EATEN(c, n) (((c) & ~0xffffull) | ((CTL_EATEN(c) + (n)) & 0xffff))

/* Per-direction flags (dir.flags), set once, never cleared. */
#define DIR_WR_SHUT	1u	/* writer end did SHUT_WR (or closed) */
#define DIR_RD_SHUT	2u	/* reader end did SHUT_RD (or closed) */
#define DIR_CORRUPT	4u

struct udsx_dir {
	/* written by the writer (holding wlock), read by readers now and
	 * then: a writer's lock, unlock and counters stay in its own cache */
	_Atomic uint32_t wlock;
	_Atomic uint32_t bells_done;	/* doorbells whose send() has returned */
	_Atomic uint64_t charge_in;	/* truesize ever published */
	_Atomic uint64_t pub_bytes;	/* payload bytes published */
	_Atomic uint64_t pub_msgs;
	char pad_w[UDSX_LINE - 32];
	/* the line a waiting reader polls: one write per record */
	_Atomic uint64_t tail;		/* ring offset of the next record */
	char pad_t[UDSX_LINE - 8];
	/* written by the reader (holding rlock); writers read head and
	 * charge_out only when their cached copies say "full" */
	_Atomic uint64_t head;		/* ring offset of the head record */
	_Atomic uint64_t head_off;	/* bytes of the head record consumed */
	_Atomic uint64_t con_bytes;
	_Atomic uint64_t con_msgs;
	_Atomic uint64_t charge_out;	/* truesize ever freed */
	_Atomic uint32_t rlock;
	_Atomic uint32_t rsleep;	/* tid of the reader asleep in a consuming recv */
	_Atomic uint32_t rsleep_len;	/* the most that reader takes when it wakes */
	char pad1[UDSX_LINE - 52];
	_Atomic uint64_t ctl;
	_Atomic uint32_t gate;		/* GATE_*: ring in use, kernel calls in flight */
	/* readers between counting doorbells eaten in ctl and taking their
	 * bytes from the kernel (bell.c): bytes then queued with none
	 * outstanding are theirs, not a stray (path.c) */
	_Atomic uint32_t eating;
	char pad2[UDSX_LINE - 16];
	_Atomic uint32_t flags;
	_Atomic uint32_t ballast;	/* writer holds POLLOUT off with 2 bytes */
	char pad3[UDSX_LINE - 8];
};

/* gate word: [31] open (the ring carries this direction), [30] opening,
 * [29..15] kernel reads in flight, [14..0] kernel sends in flight */
#define GATE_OPEN	(1u << 31)
#define GATE_OPENING	(1u << 30)
#define GATE_READ1	(1u << 15)
#define GATE_SEND1	1u
#define GATE_COUNTS	((1u << 30) - 1)

/* Kernel-equivalent truesize queued: charge_in - charge_out. Each side
 * writes only its own counter, so the hot lines are not shared for writing. */
static inline uint64_t udsx_dir_charged(struct udsx_dir *d)
{
	uint64_t out = atomic_load_explicit(&d->charge_out, memory_order_acquire);

	return atomic_load_explicit(&d->charge_in, memory_order_acquire) - out;
}

/* In endstate.pid[]: that process has let go of the end (revert.c). */
#define PID_RELEASED	(1u << 31)

/* Per-end state shared by every process holding that end. */
struct udsx_endstate {
	_Atomic uint32_t sndbuf;	/* emulated SO_SNDBUF (kernel's doubled value) */
	_Atomic uint32_t rcvlowat;
	_Atomic uint32_t nonblock;	/* cached O_NONBLOCK of the file */
	_Atomic uint32_t reverted;	/* this end's traffic is kernel-only */
	_Atomic uint32_t bump;		/* bells compensated in the real SO_SNDBUF */
	/* the *other* end's holder generation (its pid[]/life_fd[] changed),
	 * here on the line this end's writer reads anyway (watch.c) */
	_Atomic uint32_t peer_hgen;
	_Atomic uint64_t ino;		/* socket inode of this end */
	_Atomic uint32_t pinned;	/* real SO_SNDBUF is pinned to the minimum */
	_Atomic uint32_t asleep;	/* readers of this end asleep in the kernel */
	/* 1 + the one CPU that the thread that last waited on this end may
	 * run on; 0: several, or not known. A hint for the peer's spinning
	 * (path.c), nothing more: a forged value costs a spin or saves one. */
	_Atomic uint32_t only_cpu;
	char pad[UDSX_LINE - 44];
	/* set once when the end joins the channel (before its table entry) */
	_Atomic uint32_t joined;
	_Atomic uint32_t rel_lock;	/* processes releasing this end, one at a time */
	uint32_t addr_len;		/* this end's own address (what a reader's */
	char addr[110];			/* msg_name shows); 0: unnamed. Untrusted. */
	char pad_a[2 * UDSX_LINE - 122];
	/* The processes known to hold this end (PID_RELEASED marks one that
	 * let go), and each one's liveness page (life.c, watch.c): life_fd[i]
	 * is the descriptor, in process pid[i], of its page; 0: unknown. Every
	 * change bumps the other end's peer_hgen, so a process's view of
	 * these holders is current while that is. */
	_Atomic uint32_t pid[7];
	_Atomic uint32_t life_fd[7];
	_Atomic uint32_t hover;		/* a holder was left out of pid[] (full) */
	char pad_l[UDSX_LINE - 60];
	/* a descriptor number at which holder i had this end (a hint: the
	 * "does pid[i] still hold it" check reads that one link first,
	 * instead of all of /proc/PID/fd); -1 or stale: look at them all */
	_Atomic int32_t fd_hint[7];
	char pad_h[UDSX_LINE - 28];
};

struct udsx_hdr {
	uint64_t magic;
	uint32_t type;			/* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	uint32_t ring_size;		/* bytes per ring, power of two */
	char pad[UDSX_LINE - 16];
	struct udsx_endstate end[2];
	struct udsx_dir dir[2];
};

/* A record in a ring: header then payload, padded to 8 bytes. */
struct udsx_rec {
	uint32_t len;		/* payload bytes; UDSX_REC_PAD = skip to ring start */
	uint32_t truesize;	/* kernel-equivalent charge */
};
#define UDSX_REC_PAD	0xffffffffu
#define UDSX_REC_ALIGN(n) (((n) + 7u) & ~7u)

/*
 * A process's liveness page (life.c): one sealed memfd per process, mapped
 * writable by that process alone (F_SEAL_FUTURE_WRITE) and read-only by
 * the peers of the ends it holds (watch.c). Each slot is a process-shared
 * robust mutex that one of its threads holds; when that thread dies (or
 * the process execs) the kernel itself sets FUTEX_OWNER_DIED in the slot's
 * futex word, even for SIGKILL. Peers only load the futex words.
 */
#define UDSX_LIFE_MAGIC	0x6566696c78736475ull	/* "udsxlife" */
#define UDSX_LIFE_SIZE	4096u
#define UDSX_LIFE_SLOTS	32
struct udsx_life {
	uint64_t magic;
	uint32_t pid;
	uint32_t pad0;
	char pad[UDSX_LINE - 16];
	pthread_mutex_t slot[UDSX_LIFE_SLOTS];
};

#endif
