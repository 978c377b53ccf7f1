/* SPDX-License-Identifier: MIT */
/* a_passcred.c -- SO_PASSCRED stamping by either side, overflow ids for unstamped data, MSG_CTRUNC with no or small control buffers (SEMANTICS 70, 72, 76, 77, 78). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

#define UC_LEN CMSG_LEN(sizeof(struct ucred))

static int sv[2];

static void drain(const char *label, size_t ctl)
{
	while (a_recv(label, sv[1], 16, ctl, MSG_DONTWAIT) >= 0)
		;
}

static void run(int argc, char **argv)
{
	struct ucred pc;
	socklen_t l = sizeof(pc);
	int p[2];

	pair(sv);
	a_pipe("p", p);
	if (show("SO_PEERCRED b", getsockopt(sv[1], SOL_SOCKET, SO_PEERCRED, &pc, &l)) == 0)
		say("  pid=%s uid=%u gid=%u len=%u", a_pidname(pc.pid), pc.uid, pc.gid, l);
	a_getint("SO_PASSCRED b", sv[1], SOL_SOCKET, SO_PASSCRED);
	say("-- unstamped, then stamped because b has SO_PASSCRED");
	show("send u1", send(sv[0], "u1", 2, 0));
	a_setint("SO_PASSCRED b = 1", sv[1], SOL_SOCKET, SO_PASSCRED, 1);
	a_getint("SO_PASSCRED b", sv[1], SOL_SOCKET, SO_PASSCRED);
	show("send s1", send(sv[0], "s1", 2, 0));
	drain("recvmsg", 256);
	say("-- stamped because a has SO_PASSCRED");
	a_setint("SO_PASSCRED b = 0", sv[1], SOL_SOCKET, SO_PASSCRED, 0);
	a_setint("SO_PASSCRED a = 5", sv[0], SOL_SOCKET, SO_PASSCRED, 5);
	a_getint("SO_PASSCRED a", sv[0], SOL_SOCKET, SO_PASSCRED);
	show("send s2", send(sv[0], "s2", 2, 0));
	a_recv("recvmsg (b without SO_PASSCRED)", sv[1], 16, 256, MSG_DONTWAIT);
	show("send s3", send(sv[0], "s3", 2, 0));
	a_setint("SO_PASSCRED b = 1", sv[1], SOL_SOCKET, SO_PASSCRED, 1);
	a_setint("SO_PASSCRED a = 0", sv[0], SOL_SOCKET, SO_PASSCRED, 0);
	drain("recvmsg", 256);
	say("-- no or small control buffer");
	show("send c1", send(sv[0], "c1", 2, 0));
	show("send c2", send(sv[0], "c2", 2, 0));
	show("send c3", send(sv[0], "c3", 2, 0));
	show("send c4", send(sv[0], "c4", 2, 0));
	show("send c5", send(sv[0], "c5", 2, 0));
	a_recv("recvmsg 2, control NULL", sv[1], 2, A_CTL_NULL, MSG_DONTWAIT);
	a_recv("recvmsg 2, control CMSG_LEN(ucred)-4", sv[1], 2, UC_LEN - 4, MSG_DONTWAIT);
	a_recv("recvmsg 2, control sizeof(cmsghdr)", sv[1], 2, sizeof(struct cmsghdr),
	       MSG_DONTWAIT);
	a_recv("recvmsg 2, control CMSG_LEN(ucred)", sv[1], 2, UC_LEN, MSG_DONTWAIT);
	a_recv("recvmsg 2, control 4", sv[1], 2, 4, MSG_DONTWAIT);
	show("send c6", send(sv[0], "c6", 2, 0));
	show("recv (no control)", recv(sv[1], (char[4]){0}, 4, MSG_DONTWAIT));
	say("-- creds and fds, room for creds only");
	show("send fd", a_sendfds(sv[0], "fd", 2, &p[1], 1, 0));
	close(p[1]);
	a_recv("recvmsg, control CMSG_SPACE(ucred)", sv[1], 16, CMSG_SPACE(sizeof(struct ucred)),
	       MSG_DONTWAIT);
	a_pipe_state("p", p[0]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
