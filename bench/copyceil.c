/* SPDX-License-Identifier: MIT */
/* copyceil.c -- the machine's ceiling for two-copy transfers between two CPUs, no sockets: what udsx's ring can at best reach.
 *
 * Memory-ordering contract: one writer process and one reader process share
 * an anonymous MAP_SHARED ring and two positions. The writer copies a chunk
 * in, then publishes `head` (release); the reader loads `head` (acquire),
 * copies the chunk out, then publishes `tail` (release), which the writer
 * loads (acquire) before reusing that space. Nothing else is shared.
 *
 * It moves bytes exactly as udsx does for a large STREAM write (the
 * writer's buffer into a 1 MiB ring, the ring into the reader's buffer,
 * the two processes pinned to different CPUs), with none of the socket
 * work, so make bench can show how close udsx comes to what this machine
 * allows at the moment it runs: on this VM the figure swings several-fold
 * from minute to minute, and with it udsx's large-message ratio.
 */
#include <getopt.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include "bench.h"

#define RING (1u << 20)

struct shared {
	_Alignas(64) _Atomic uint64_t head;
	_Alignas(64) _Atomic uint64_t tail;
	_Alignas(64) _Atomic int ready;
	_Alignas(64) unsigned char ring[RING];
};

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-s SIZE] [-T SECONDS] [-c CPU,CPU]\n"
		"  -s  chunk copied per step, 1k to 1M (default 64k)\n"
		"  -T  how long the writer runs (default 1)\n"
		"  -c  the two CPUs to pin the writer and reader to (default the first two)\n",
		argv0);
}

static void reader(struct shared *sh, size_t size, uint64_t total)
{
	unsigned char *dst = malloc(size);
	uint64_t tail = 0;

	if (!dst)
		_exit(1);
	memset(dst, 0, size);
	atomic_store_explicit(&sh->ready, 1, memory_order_release);
	while (tail < total || total == 0) {
		uint64_t head = atomic_load_explicit(&sh->head, memory_order_acquire);

		if (head == UINT64_MAX)
			break;
		if (head == tail) {
			__builtin_ia32_pause();
			continue;
		}
		memcpy(dst, sh->ring + (tail & (RING - 1)), size);
		tail += size;
		atomic_store_explicit(&sh->tail, tail, memory_order_release);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	long size = 65536;
	double secs = 1.0;
	const char *cpus = NULL;
	int cpu[2], c;
	struct shared *sh;
	unsigned char *src;
	uint64_t head = 0, t0, t1, deadline;
	pid_t pid;

	while ((c = getopt(argc, argv, "s:T:c:h")) != -1) {
		switch (c) {
		case 's':
			size = bench_parse_size(optarg, 1024, RING);
			break;
		case 'T':
			secs = bench_parse_seconds(optarg);
			break;
		case 'c':
			cpus = optarg;
			break;
		default:
			usage(argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	/* (a power of two, so chunks never straddle the ring's end) */
	if (optind != argc || size < 0 || (size & (size - 1)) || secs <= 0) {
		usage(argv[0]);
		return 2;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	src = malloc((size_t)size);
	if (sh == MAP_FAILED || !src) {
		perror("copyceil: memory");
		return 1;
	}
	memset(src, 'x', (size_t)size);
	memset(sh->ring, 0, RING);
	if (bench_pick_cpus(cpus, cpu) < 0) {
		fprintf(stderr, "copyceil: no two CPUs to pin to\n");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("copyceil: fork");
		return 1;
	}
	if (pid == 0) {
		bench_pin(cpu[1]);
		reader(sh, (size_t)size, 0);
	}
	bench_pin(cpu[0]);
	while (!atomic_load_explicit(&sh->ready, memory_order_acquire))
		__builtin_ia32_pause();
	t0 = bench_now_ns();
	deadline = t0 + (uint64_t)(secs * 1e9);
	for (;;) {
		/* room for one more chunk? */
		while (head - atomic_load_explicit(&sh->tail, memory_order_acquire) > RING - (uint64_t)size)
			__builtin_ia32_pause();
		memcpy(sh->ring + (head & (RING - 1)), src, (size_t)size);
		head += (uint64_t)size;
		atomic_store_explicit(&sh->head, head, memory_order_release);
		if ((head & ((16u << 20) - 1)) < (uint64_t)size && bench_now_ns() >= deadline)
			break;
	}
	while (atomic_load_explicit(&sh->tail, memory_order_acquire) != head)
		__builtin_ia32_pause();
	t1 = bench_now_ns();
	atomic_store_explicit(&sh->head, UINT64_MAX, memory_order_release);
	if (bench_reap(pid, "reader") < 0)
		return 1;
	printf("copyceil size=%ld bytes=%llu gb_per_s=%.4f\n", size, (unsigned long long)head,
	       (double)head / (double)(t1 - t0));
	return 0;
}
