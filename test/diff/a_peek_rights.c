/* SPDX-License-Identifier: MIT */
/* a_peek_rights.c -- MSG_PEEK installs duplicate fds every time, the message keeps its own; STREAM peek stops after the fd segment (SEMANTICS 56, 59, 63). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	int sv[2], p[2], first[4], nfirst, i;

	pair(sv);
	a_pipe("p", p);
	show("send abcd", send(sv[0], "abcd", 4, 0));
	show("send efgh + p:w", a_sendfds(sv[0], "efgh", 4, &p[1], 1, 0));
	show("send ijkl", send(sv[0], "ijkl", 4, 0));
	close(p[1]);
	if (!is_stream())
		a_recv("recv first message", sv[1], 20, 64, MSG_DONTWAIT);
	a_keep = 1;
	a_recv("peek 20", sv[1], 20, 64, MSG_DONTWAIT | MSG_PEEK);
	nfirst = a_nfds;
	memcpy(first, a_fds, sizeof(int) * (nfirst < 4 ? nfirst : 4));
	a_recv("peek 20 again", sv[1], 20, 64, MSG_DONTWAIT | MSG_PEEK);
	for (i = 0; i < a_nfds && i < nfirst; i++)
		say("  fd %d is a new descriptor: %s", i, a_fds[i] != first[i] ? "yes" : "no");
	a_close_fds();
	for (i = 0; i < nfirst && i < 4; i++)
		close(first[i]);
	a_pipe_state("p after closing peeked fds", p[0]);
	a_recv("peek 20, no control buffer", sv[1], 20, A_CTL_NULL, MSG_DONTWAIT | MSG_PEEK);
	a_pipe_state("p", p[0]);
	show("inq b", inq(sv[1]));
	a_recv("recv 20", sv[1], 20, 64, MSG_DONTWAIT);
	a_close_fds();
	a_pipe_state("p", p[0]);
	a_keep = 0;
	a_recv("recv 20", sv[1], 20, 64, MSG_DONTWAIT);
	a_recv("recv 20", sv[1], 20, 64, MSG_DONTWAIT);
	a_pipe_state("p", p[0]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
