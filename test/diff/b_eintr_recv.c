/* SPDX-License-Identifier: MIT */
/* b_eintr_recv.c -- a timer signal during a blocked recv: EINTR, transparent SA_RESTART, EINTR despite SA_RESTART with SO_RCVTIMEO, partial count (SEMANTICS 106, 194, 195, 196, 197). */
#include "common_b.h"

static const char *instances[] = {
	"stream-plain", "dgram-plain", "seqpacket-plain",
	"stream-restart", "dgram-restart", "seqpacket-restart",
	"stream-restart-timeo", "dgram-restart-timeo", "seqpacket-restart-timeo",
	"stream-waitall", "stream-waitall-restart", NULL
};

static int sv[2];

/* Signal main once it sleeps, then feed it "late" once it sleeps again. */
static void *helper(void *arg)
{
	pid_t tid = (pid_t)(long)arg;
	int i;

	wait_sleeping(tid);
	arm_timer_ms(10);
	for (i = 0; i < 5000 && !sig_count[SIGALRM]; i++)
		nap_ms(1);
	wait_sleeping(tid);
	send(sv[0], "late", 4, 0);
	return NULL;
}

static void run(int argc, char **argv)
{
	pthread_t t;
	int restart = strstr(T_INSTANCE, "restart") != NULL;

	watchdog(10);
	count_signal(SIGALRM, restart ? SA_RESTART : 0);
	pair(sv);
	if (variant("restart-timeo"))
		set_timeo(sv[1], SO_RCVTIMEO, 5000);
	if (strstr(T_INSTANCE, "waitall"))
		show("a send abc", send(sv[0], "abc", 3, 0));
	t = spawn_quiet(helper, (void *)(long)gettid_());
	if (strstr(T_INSTANCE, "waitall")) {
		rcv("b recv 10 waitall", sv[1], 10, MSG_WAITALL);
		rcv("b recv 4 waitall", sv[1], 4, MSG_WAITALL);
	} else {
		if (rcv("b recv", sv[1], 10, 0) < 0)
			rcv("b recv again", sv[1], 10, 0);
	}
	pthread_join(t, NULL);
	say("signals: %d", (int)sig_count[SIGALRM]);
	show("inq b", inq(sv[1]));
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
