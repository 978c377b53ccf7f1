/* SPDX-License-Identifier: MIT */
/* b_timeo_snd.c -- SO_SNDTIMEO: a send that cannot proceed gives EAGAIN, or a partial STREAM count; a reader in time lets it finish (SEMANTICS 142, 146, 150, 193, 210). */
#include "common_b.h"

static const char *instances[] = {
	"stream-full", "dgram-full", "seqpacket-full",
	"stream-big", "stream-freed", "dgram-freed", "seqpacket-freed", NULL
};

static int sv[2];

static long filled;

/* Take exactly what the fill queued, never the blocked send's data. */
static void *late_drain(void *arg)
{
	wait_sleeping((pid_t)(long)arg);
	drain_exact(sv[1], filled);
	return NULL;
}

static void run(int argc, char **argv)
{
	static char big[1 << 20];
	struct timeval tv;
	socklen_t l = sizeof(tv);
	long bytes, n;
	int err = 0;
	pthread_t t = 0;

	watchdog(10);
	pair(sv);
	set_timeo(sv[0], SO_SNDTIMEO, variant("freed") ? 3000 : 100);
	getsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, &l);
	say("sndtimeo: %ld.%06ld", (long)tv.tv_sec, (long)tv.tv_usec);
	if (variant("big")) {
		show("send 1MiB", send(sv[0], big, sizeof(big), 0));
		show("send 1MiB again", send(sv[0], big, sizeof(big), 0));
		say("inq b: %d", inq(sv[1]));
	} else {
		n = fill(sv[0], 1000, &bytes, &err);
		say("filled: sends=%ld err=%s", n, errname(err));
		filled = bytes;
		if (variant("freed"))
			t = spawn_quiet(late_drain, (void *)(long)gettid_());
		show("send 1000", send(sv[0], big, 1000, 0));
		if (variant("freed")) {
			pthread_join(t, NULL);
			say("inq b: %d", inq(sv[1]));
		} else {
			show("send 1000 again", send(sv[0], big, 1000, 0));
			show("send 0", send(sv[0], big, 0, 0));
		}
	}
	show_poll("a end", sv[0]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
