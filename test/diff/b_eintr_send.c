/* SPDX-License-Identifier: MIT */
/* b_eintr_send.c -- a timer signal during a blocked send: EINTR, SA_RESTART, EINTR with SO_SNDTIMEO, partial STREAM count (SEMANTICS 142, 146, 194, 195, 196, 197, 198). */
#include "common_b.h"

static const char *instances[] = {
	"stream-plain", "dgram-plain", "seqpacket-plain",
	"stream-restart", "dgram-restart", "seqpacket-restart",
	"stream-restart-timeo", "dgram-restart-timeo", "seqpacket-restart-timeo",
	"stream-partial", "stream-partial-restart", NULL
};

static int sv[2];
static long queued;

/* Signal main once it sleeps in send, then free exactly what was queued
 * before it once it sleeps again. */
static void *helper(void *arg)
{
	pid_t tid = (pid_t)(long)arg;
	int i;

	wait_sleeping(tid);
	arm_timer_ms(10);
	for (i = 0; i < 5000 && !sig_count[SIGALRM]; i++)
		nap_ms(1);
	wait_sleeping(tid);
	if (!strstr(T_INSTANCE, "partial"))
		drain_exact(sv[1], queued);
	return NULL;
}

static void run(int argc, char **argv)
{
	static char big[1 << 20];
	pthread_t t;
	int restart = strstr(T_INSTANCE, "restart") != NULL, err = 0;
	long n;

	watchdog(10);
	count_signal(SIGALRM, restart ? SA_RESTART : 0);
	pair(sv);
	if (variant("restart-timeo"))
		set_timeo(sv[0], SO_SNDTIMEO, 5000);
	if (strstr(T_INSTANCE, "partial")) {
		t = spawn_quiet(helper, (void *)(long)gettid_());
		show("a send 1MiB", send(sv[0], big, sizeof(big), 0));
		pthread_join(t, NULL);
		say("inq b: %d", inq(sv[1]));
		show("a send 1 nonblock", send(sv[0], big, 1, MSG_DONTWAIT));
	} else {
		n = fill(sv[0], 1000, &queued, &err);
		say("filled: sends=%ld err=%s", n, errname(err));
		t = spawn_quiet(helper, (void *)(long)gettid_());
		if (show("a send 1000", send(sv[0], big, 1000, 0)) < 0)
			show("a send 1000 again", send(sv[0], big, 1000, 0));
		pthread_join(t, NULL);
		say("inq b: %d", inq(sv[1]));
	}
	say("signals: %d", (int)sig_count[SIGALRM]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
