/* SPDX-License-Identifier: MIT */
/* p_peer_death.c -- a child writes then exits or is SIGKILLed (also while blocked): the parent gets every unit, then EOF, or ECONNRESET when the child died with unread data (SEMANTICS 146, 167, 168, 169, 170, 175; DESIGN 4 close/death). */
#include "common_b.h"

static const char *instances[] = {
	"stream-exit", "dgram-exit", "seqpacket-exit",
	"stream-kill", "dgram-kill", "seqpacket-kill",
	"stream-killblocked", "dgram-killblocked", "seqpacket-killblocked",
	"stream-unread", "dgram-unread", "seqpacket-unread",
	"stream-live", "dgram-live", "seqpacket-live", NULL
};

static void run(int argc, char **argv)
{
	int sv[2], rp[2];
	pid_t pid;
	struct got g;
	char c;
	long n = is_stream() ? 100000 : 60;

	alarm(10);	/* no watchdog thread: threads before fork upset ASan */
	pair(sv);
	if (pipe(rp) < 0)
		exit(1);
	if (variant("unread"))
		show("parent send to child (never read)", send(sv[0], "xyz", 3, 0));
	if (variant("killblocked") || variant("live"))
		n = is_stream() ? 1L << 30 : 1000000;
	if (variant("live"))
		n = is_stream() ? 1 << 20 : 600;
	pid = fork();
	if (pid == 0) {
		alarm(10);
		close(sv[0]);
		close(rp[0]);
		send_units(sv[1], 1, 0, n, 0);
		if (variant("live") && is_dgram())
			finish_units(sv[1]);
		if (variant("kill")) {
			write(rp[1], "r", 1);
			for (;;)
				pause();
		}
		_exit(0);
	}
	close(sv[1]);
	close(rp[1]);
	if (variant("live")) {
		recv_units(sv[0], 1, 0, &g);
		show_got("parent got", &g);
		reap("child", pid);
	} else {
		if (variant("kill")) {
			show("ready byte", read(rp[0], &c, 1));
			kill(pid, SIGKILL);
		} else if (variant("killblocked")) {
			wait_sleeping_pid(pid);
			kill(pid, SIGKILL);
		}
		reap("child", pid);
		show_poll("parent after death", sv[0]);
		if (is_dgram())
			set_nonblock(sv[0], 1);	/* no EOF on DGRAM */
		recv_units(sv[0], 1, 0, &g);
		show_got("parent got", &g);
		if (g.err == ECONNRESET) {
			recv_units(sv[0], 1, 0, &g);
			show_got("parent got after reset", &g);
		}
	}
	say("parent after end: %s", after_end(sv[0]));
	show("parent send", send(sv[0], "q", 1, MSG_NOSIGNAL));
	close(rp[0]);
	close(sv[0]);
}

SCENARIO_MAIN
