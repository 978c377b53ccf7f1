/* SPDX-License-Identifier: MIT */
/* a_rights_basic.c -- SCM_RIGHTS delivers new fds at the lowest free numbers for the same open files, sockets included; DGRAM/SEQPACKET fds survive truncation (SEMANTICS 40, 42, 49, 57). */
#include "common_a.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket",
	"stream-socket", "dgram-socket", "seqpacket-socket", NULL
};

static void run(int argc, char **argv)
{
	int sv[2], p[2], q[2], c[2], fds[3], h1, h2, low;
	char b[16];
	long r;

	pair(sv);
	a_pipe("p", p);
	a_pipe("q", q);
	if (variant("socket")) {
		if (socketpair(AF_UNIX, T_TYPE, 0, c) < 0)
			exit(1);
		a_register("c0", c[0]);
		a_register("c1", c[1]);
		a_register("sv1", sv[1]);
		fds[0] = c[0];
		fds[1] = sv[1];
		show("send c0 + sv1", a_sendfds(sv[0], "S", 1, fds, 2, 0));
		a_keep = 1;
		a_recv("recvmsg b", sv[1], 16, 64, MSG_DONTWAIT);
		a_keep = 0;
		if (a_nfds != 2)
			return;
		say("close original c0 and sv1");
		close(c[0]);
		close(sv[1]);
		show("send via received c0", send(a_fds[0], "via c0", 6, 0));
		a_rd("c1 recv", c[1], 16, MSG_DONTWAIT);
		show("c1 send back", send(c[1], "back", 4, 0));
		a_rd("received c0 recv", a_fds[0], 16, MSG_DONTWAIT);
		show("a send", send(sv[0], "to sv1", 6, 0));
		a_rd("received sv1 recv", a_fds[1], 16, MSG_DONTWAIT);
		show("received sv1 send", send(a_fds[1], "from", 4, 0));
		a_rd("a recv", sv[0], 16, MSG_DONTWAIT);
		close(a_fds[1]);
		show_poll("a after last sv1 closed", sv[0]);
		show("a send", send(sv[0], "x", 1, MSG_NOSIGNAL));
		close(a_fds[0]);
		show_poll("c1 after c0 closed", c[1]);
		close(c[1]);
		close(sv[0]);
		return;
	}
	/* Two holes in the fd table: the received fds must land there. */
	h1 = dup(0);
	low = dup(0);
	h2 = dup(0);
	close(h1);
	close(h2);
	say("holes: %s", a_lowest_free() == h1 ? "lowest free is first hole" : "other");
	fds[0] = p[1];
	fds[1] = q[0];
	fds[2] = p[1];
	show("send 10 bytes + p:w q:r p:w", a_sendfds(sv[0], "0123456789", 10, fds, 3, 0));
	show("send plain", send(sv[0], "plain", 5, 0));
	a_keep = 1;
	a_recv("recvmsg 4 b", sv[1], 4, 64, MSG_DONTWAIT);
	a_keep = 0;
	if (a_nfds == 3) {
		say("fd0 at first hole: %s", a_fds[0] == h1 ? "yes" : "no");
		say("fd1 at second hole: %s", a_fds[1] == h2 ? "yes" : "no");
		say("fd2 at lowest free after that: %s", a_fds[2] > h2 ? "yes" : "no");
		say("fd0 and fd2 distinct: %s", a_fds[0] != a_fds[2] ? "yes" : "no");
		show("write via fd0", write(a_fds[0], "P0", 2));
		show("write via fd2", write(a_fds[2], "P2", 2));
		show("write to q", write(q[1], "Q", 1));
		r = show("read via fd1", read(a_fds[1], b, sizeof(b)));
		if (r > 0)
			show_buf("  data", b, r);
		a_pipe_state("p", p[0]);
		close(p[1]);
		a_pipe_state("p after own write end closed", p[0]);
		close(a_fds[0]);
		a_pipe_state("p after fd0 closed", p[0]);
		close(a_fds[2]);
		a_pipe_state("p after fd2 closed", p[0]);
		close(a_fds[1]);
	}
	a_recv("recvmsg 16 b", sv[1], 16, 64, MSG_DONTWAIT);
	a_recv("recvmsg 16 b", sv[1], 16, 64, MSG_DONTWAIT);
	close(low);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
