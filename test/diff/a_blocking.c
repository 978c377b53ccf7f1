/* SPDX-License-Identifier: MIT */
/* a_blocking.c -- blocking reads woken by a writer thread or a forked child; a reader sees the start of a large write early (SEMANTICS 4, 10, 19, 23). */
#include "common_a.h"

static const char *instances[] = {
	"stream-thread", "dgram-thread", "seqpacket-thread",
	"stream-fork", "dgram-fork", "seqpacket-fork",
	"stream-bigwrite", "stream-readv", NULL
};

static int wfd;
static volatile long w_result = -2;
static char big[1 << 20];

static void *writer(void *arg)
{
	nap_ms(50);
	w_result = write(wfd, "hello", 5);
	return NULL;
}

static void *big_writer(void *arg)
{
	w_result = write(wfd, big, sizeof(big));
	return NULL;
}

static void run(int argc, char **argv)
{
	static char rb[1 << 20];
	int sv[2];
	long r, total, i, bad;
	pid_t pid;

	alarm(10);
	pair(sv);
	wfd = sv[0];
	if (variant("thread") || variant("readv")) {
		a_spawn(writer, NULL);
		if (variant("readv")) {
			char b1[2], b2[10];
			struct iovec iov[2] = { { b1, 2 }, { b2, 10 } };

			r = show("blocking readv", readv(sv[1], iov, 2));
			if (r > 0) {
				show_buf("  iov0", b1, 2);
				show_buf("  iov1", b2, r - 2);
			}
		} else {
			a_rd("blocking recv 64", sv[1], 64, 0);
		}
		a_join();
		show("writer", w_result);
	} else if (variant("fork")) {
		pid = fork();
		if (pid == 0) {
			nap_ms(50);
			_exit(write(sv[0], "child", 5) == 5 ? 0 : 1);
		}
		r = show("blocking read 64", read(sv[1], rb, 64));
		if (r > 0)
			show_buf("  data", rb, r);
		reap("child", pid);
		show("inq b", inq(sv[1]));
	} else {
		for (i = 0; i < (long)sizeof(big); i++)
			big[i] = 'a' + i % 23;
		a_spawn(big_writer, NULL);
		nap_ms(50);
		/* 1 MiB is far more than the send budget: the writer is still
		 * inside write() whatever the timing. */
		r = show("first read 1000", read(sv[1], rb, 1000));
		say("writer returned before first read: %s", w_result == -2 ? "no" : "yes");
		total = r > 0 ? r : 0;
		while (total < (long)sizeof(big)) {
			r = read(sv[1], rb + total, sizeof(rb) - total);
			if (r <= 0) {
				show("read", r);
				break;
			}
			total += r;
		}
		a_join();
		show("writer", w_result);
		say("total read: %ld", total);
		for (bad = 0, i = 0; i < total; i++)
			bad += rb[i] != big[i];
		say("bytes differing: %ld", bad);
	}
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
