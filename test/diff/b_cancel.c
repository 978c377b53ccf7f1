/* SPDX-License-Identifier: MIT */
/* b_cancel.c -- a thread cancelled while blocked in recv, read, recvmsg or send: the cancellation acts, and the connection works on for the other threads (SEMANTICS 106, 194). */
#include "common_b.h"

static const char *instances[] = {
	"stream-recv", "dgram-recv", "seqpacket-recv",
	"stream-read", "dgram-read", "seqpacket-read",
	"stream-recvmsg", "dgram-recvmsg", "seqpacket-recvmsg",
	"stream-again", "dgram-again", "seqpacket-again",
	"stream-send", "dgram-send", "seqpacket-send",
	NULL
};

static int sv[2];
static _Atomic pid_t sleeper;

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* The unwinding of a cancellation skips the epilogues that give the
 * frames' redzones back, and AddressSanitizer's own thread exit later
 * writes there: a false report, on the kernel path as well. The cleanup
 * handler gives back everything below it, frames already unwound. */
static void unpoison_below(void *arg)
{
	pthread_attr_t a;
	void *lo;
	size_t size;
	char here;

	(void)arg;
	if (pthread_getattr_np(pthread_self(), &a))
		return;
	if (!pthread_attr_getstack(&a, &lo, &size) && (char *)lo < &here - 256)
		__asan_unpoison_memory_region(lo, (size_t)(&here - 256 - (char *)lo));
	pthread_attr_destroy(&a);
}
#define CANCEL_GUARD_PUSH pthread_cleanup_push(unpoison_below, NULL)
#define CANCEL_GUARD_POP pthread_cleanup_pop(0)
#else
#define CANCEL_GUARD_PUSH do {
#define CANCEL_GUARD_POP } while (0)
#endif

/* Blocks in the call the instance names, on sv[1]; never returns if the
 * cancellation acts there, as it must. */
static void *blocked_reader(void *arg)
{
	char b[64];
	struct iovec v = { b, sizeof(b) };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };
	long r;

	(void)arg;
	sleeper = gettid_();
	CANCEL_GUARD_PUSH;
	if (variant("read"))
		r = read(sv[1], b, sizeof(b));
	else if (variant("recvmsg"))
		r = recvmsg(sv[1], &m, 0);
	else
		r = recv(sv[1], b, sizeof(b), 0);
	CANCEL_GUARD_POP;
	return (void *)r;	/* not reached when cancelled */
}

/* A reader that is not cancelled: what it got, for the transcript. */
static void *plain_reader(void *arg)
{
	static char b[64];
	long r;

	(void)arg;
	sleeper = gettid_();
	r = recv(sv[1], b, sizeof(b), 0);
	if (r > 0)
		b[r < 63 ? r : 63] = 0;
	return (void *)r;
}

static void *blocked_writer(void *arg)
{
	static char z[100];
	long r;

	(void)arg;
	sleeper = gettid_();
	CANCEL_GUARD_PUSH;
	r = send(sv[0], z, sizeof(z), MSG_NOSIGNAL);
	CANCEL_GUARD_POP;
	return (void *)r;	/* not reached when cancelled */
}

/* Start fn in a thread and return once it is (likely) asleep in its call. */
static pthread_t spawn_sleeper(void *(*fn)(void *))
{
	pthread_t t;

	sleeper = 0;
	t = spawn_quiet(fn, NULL);
	while (!sleeper)
		nap_ms(1);
	wait_sleeping(sleeper);
	return t;
}

static void cancel_blocked(void *(*fn)(void *))
{
	pthread_t t = spawn_sleeper(fn);
	void *res;

	say("cancel: %d", pthread_cancel(t));
	pthread_join(t, &res);
	say("cancelled: %d", res == PTHREAD_CANCELED);
}

static void run(int argc, char **argv)
{
	watchdog(10);
	pair(sv);
	if (variant("send")) {
		long bytes, n, msgs;
		int err = 0;

		n = fill(sv[0], is_stream() ? 4096 : 100, &bytes, &err);
		say("fill: %ld sends, %ld bytes, %s", n, bytes, errname(err));
		cancel_blocked(blocked_writer);
		show("outq a", outq(sv[0]));
		show("drained", drain(sv[1], &msgs));
		say("messages drained: %ld", msgs);
		show("send a after", send(sv[0], "after", 5, 0));
		rcv("b recv", sv[1], 64, 0);
		show("outq a", outq(sv[0]));
	} else {
		cancel_blocked(blocked_reader);
		show_poll("b", sv[1]);
		show("send a abc", send(sv[0], "abc", 3, 0));
		rcv("b recv", sv[1], 64, 0);
		if (variant("again")) {
			pthread_t t = spawn_sleeper(plain_reader);
			void *res;

			show("send a def", send(sv[0], "def", 3, 0));
			pthread_join(t, &res);
			show("b thread got", (long)res);
			cancel_blocked(blocked_reader);
		}
		show("send a ghi", send(sv[0], "ghi", 3, 0));
		show("send a jkl", send(sv[0], "jkl", 3, 0));
		show("inq b", inq(sv[1]));
		rcv("b recv", sv[1], 64, 0);
		rcv("b recv", sv[1], 64, MSG_DONTWAIT);
		rcv("b recv", sv[1], 64, MSG_DONTWAIT);
		show_poll("b", sv[1]);
	}
	show("close a", close(sv[0]));
	rcv("b recv after close", sv[1], 64, MSG_DONTWAIT);
	show("close b", close(sv[1]));
}

SCENARIO_MAIN
