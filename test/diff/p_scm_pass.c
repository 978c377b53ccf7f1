/* SPDX-License-Identifier: MIT */
/* p_scm_pass.c -- one end, with data queued both ways, passed by SCM_RIGHTS to a child (forked, exec'd with and without LD_PRELOAD); every unit arrives (SEMANTICS 40, 49, 58, 167; DESIGN 4 SCM_RIGHTS). */
#include "common_b.h"

static const char *instances[] = {
	"stream-fork", "dgram-fork", "seqpacket-fork",
	"stream-execudsx", "dgram-execudsx", "seqpacket-execudsx",
	"stream-execplain", "dgram-execplain", "seqpacket-execplain", NULL
};

/* Receive the data end over ctl, then act as the peer. */
static int take_and_serve(int ctl, long c_off, long c_cnt, int plain)
{
	char tag = 0;
	int fd = recv_fd(ctl, &tag), rc;

	if (fd < 0 || tag != 'F')
		return 13;
	close(ctl);
	rc = peer_role(fd, 0, c_off, c_cnt);
	return rc == 20 && !plain ? 0 : rc;
}

static void run(int argc, char **argv)
{
	int sv[2], ctl[2], plain = strstr(T_INSTANCE, "plain") != NULL;
	long p1, p2, c1, n_c2 = is_stream() ? 200000 : 150;
	pid_t pid;
	struct got g;

	if (strstr(T_INSTANCE, "-passd") && argc >= 5)
		exit(take_and_serve(atoi(argv[2]), atol(argv[3]), atol(argv[4]), plain));
	alarm(10);	/* no watchdog thread: threads before fork upset ASan */
	pair(sv);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, ctl) < 0)
		exit(1);
	p1 = send_units(sv[0], 0, 0, is_stream() ? 50000 : 20, 1);
	c1 = send_units(sv[1], 1, 0, is_stream() ? 30000 : 15, 1);
	say("queued before pass: to end=%ld from end=%ld", p1, c1);
	pid = fork();
	if (pid == 0) {
		alarm(10);
		close(sv[0]);
		close(sv[1]);
		close(ctl[0]);
		if (variant("fork"))
			_exit(take_and_serve(ctl[1], c1, n_c2, 0));
		exec_self(argv[0], plain ? "passdplain" : "passd", ctl[1], c1, n_c2, 0, plain);
	}
	close(ctl[1]);
	show("send end over ctl", send_fd(ctl[0], sv[1], 'F'));
	close(sv[1]);
	p2 = send_units(sv[0], 0, p1, is_stream() ? 300000 : 200, 0);
	say("parent sent after pass: %ld", p2);
	finish_units(sv[0]);
	recv_units(sv[0], 1, 1, &g);
	show_got("parent got", &g);
	reap("child", pid);
	say("parent after end: %s", after_end(sv[0]));
	show_poll("parent end", sv[0]);
	close(ctl[0]);
	close(sv[0]);
}

SCENARIO_MAIN
