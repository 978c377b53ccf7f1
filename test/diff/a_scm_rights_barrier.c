/* SPDX-License-Identifier: MIT */
/* a_scm_rights_barrier.c -- STREAM reads run into an fd segment and stop after it; fds go to the first read of that segment (SEMANTICS 20, 58, 59, 60, 61, 62, 64). */
#include "common_a.h"

static const char *instances[] = {
	"stream-before", "stream-after", "stream-two", "stream-mid",
	"stream-waitall", "stream-nocontrol", NULL
};

static void run(int argc, char **argv)
{
	int sv[2], p[2], q[2];
	char b[32];

	alarm(10);
	pair(sv);
	a_pipe("p", p);
	a_pipe("q", q);
	if (variant("before")) {
		show("send abcd", send(sv[0], "abcd", 4, 0));
		show("send E + p:w", a_sendfds(sv[0], "E", 1, &p[1], 1, 0));
		show("send fghi", send(sv[0], "fghi", 4, 0));
		a_recv("recvmsg 20", sv[1], 20, 64, MSG_DONTWAIT);
		a_recv("recvmsg 20", sv[1], 20, 64, MSG_DONTWAIT);
	} else if (variant("after")) {
		show("send abcd + p:w", a_sendfds(sv[0], "abcd", 4, &p[1], 1, 0));
		show("send efgh", send(sv[0], "efgh", 4, 0));
		show("send ijkl", send(sv[0], "ijkl", 4, 0));
		a_recv("recvmsg 20", sv[1], 20, 64, MSG_DONTWAIT);
		a_recv("recvmsg 20", sv[1], 20, 64, MSG_DONTWAIT);
	} else if (variant("two")) {
		show("send ab + p:w", a_sendfds(sv[0], "ab", 2, &p[1], 1, 0));
		show("send cd + q:w", a_sendfds(sv[0], "cd", 2, &q[1], 1, 0));
		show("send ef + p:w", a_sendfds(sv[0], "ef", 2, &p[1], 1, 0));
		show("inq b", inq(sv[1]));
		a_recv("recvmsg 20", sv[1], 20, 64, MSG_DONTWAIT);
		a_recv("recvmsg 20", sv[1], 20, 64, MSG_DONTWAIT);
		a_recv("recvmsg 20", sv[1], 20, 64, MSG_DONTWAIT);
		a_recv("recvmsg 20", sv[1], 20, 64, MSG_DONTWAIT);
	} else if (variant("mid")) {
		show("send abcd", send(sv[0], "abcd", 4, 0));
		show("send efgh + p:w", a_sendfds(sv[0], "efgh", 4, &p[1], 1, 0));
		show("send ijkl + q:w", a_sendfds(sv[0], "ijkl", 4, &q[1], 1, 0));
		a_recv("recvmsg 6", sv[1], 6, 64, MSG_DONTWAIT);
		show("inq b", inq(sv[1]));
		a_recv("recvmsg 1", sv[1], 1, 64, MSG_DONTWAIT);
		a_recv("recvmsg 20", sv[1], 20, 64, MSG_DONTWAIT);
		a_recv("recvmsg 20", sv[1], 20, 64, MSG_DONTWAIT);
	} else if (variant("waitall")) {
		show("send abcd + p:w", a_sendfds(sv[0], "abcd", 4, &p[1], 1, 0));
		show("send efgh", send(sv[0], "efgh", 4, 0));
		a_recv("recvmsg 20 WAITALL", sv[1], 20, 64, MSG_WAITALL);
		show("send ijkl + q:w", a_sendfds(sv[0], "ijkl", 4, &q[1], 1, 0));
		show("send mnop", send(sv[0], "mnop", 4, 0));
		a_recv("recvmsg 20 WAITALL", sv[1], 20, 64, MSG_WAITALL);
		a_recv("recvmsg 20 WAITALL|DONTWAIT", sv[1], 20, 64, MSG_WAITALL | MSG_DONTWAIT);
	} else {
		show("send abcd", send(sv[0], "abcd", 4, 0));
		show("send efgh + p:w", a_sendfds(sv[0], "efgh", 4, &p[1], 1, 0));
		show("send ijkl", send(sv[0], "ijkl", 4, 0));
		show("send mnop + q:w", a_sendfds(sv[0], "mnop", 4, &q[1], 1, 0));
		show("send qrst", send(sv[0], "qrst", 4, 0));
		close(p[1]);
		close(q[1]);
		a_recv("recvmsg 20 no control", sv[1], 20, A_CTL_NULL, MSG_DONTWAIT);
		a_pipe_state("p", p[0]);
		show("recv 20", recv(sv[1], b, 20, MSG_DONTWAIT));
		a_pipe_state("q", q[0]);
		show("read 20", read(sv[1], b, 20));
		show_buf("  data", b, 4);
	}
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
