/* SPDX-License-Identifier: MIT */
/* a_msgname.c -- msg_name on sends: EISCONN/EOPNOTSUPP on STREAM, ignored on connected SEQPACKET, ENOTCONN unconnected (SEMANTICS 16, 17, 5). */
#include "common_a.h"

static const char *instances[] = { "stream", "seqpacket", NULL };

static void run(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "\0udsx-a-msgname-nowhere" };
	socklen_t sl = offsetof(struct sockaddr_un, sun_path) + 24;
	struct iovec iov = { "named", 5 };
	struct msghdr m = { .msg_name = &sa, .msg_namelen = sl, .msg_iov = &iov, .msg_iovlen = 1 };
	int sv[2], s;

	pair(sv);
	show("sendto abstract name", sendto(sv[0], "to", 2, MSG_NOSIGNAL, (struct sockaddr *)&sa, sl));
	show("sendto namelen 1", sendto(sv[0], "t1", 2, MSG_NOSIGNAL, (struct sockaddr *)&sa, 1));
	show("sendto bad family", sendto(sv[0], "tf", 2, MSG_NOSIGNAL,
					 (struct sockaddr *)&(struct sockaddr_in){ .sin_family = AF_INET },
					 sizeof(struct sockaddr_in)));
	show("sendmsg with name", sendmsg(sv[0], &m, MSG_NOSIGNAL));
	m.msg_namelen = 0;
	show("sendmsg name, namelen 0", sendmsg(sv[0], &m, MSG_NOSIGNAL));
	m.msg_namelen = sl;
	show("sendto name, len 0 data", sendto(sv[0], "", 0, MSG_NOSIGNAL, (struct sockaddr *)&sa, sl));
	show("inq b", inq(sv[1]));
	a_rd("recv 16", sv[1], 16, MSG_DONTWAIT);
	a_rd("recv 16", sv[1], 16, MSG_DONTWAIT);
	a_rd("recv 16", sv[1], 16, MSG_DONTWAIT);
	a_rd("recv 16", sv[1], 16, MSG_DONTWAIT);
	a_rd("recv 16", sv[1], 16, MSG_DONTWAIT);
	a_rd("recv 16", sv[1], 16, MSG_DONTWAIT);
	say("-- after peer close");
	close(sv[1]);
	show("sendmsg with name", sendmsg(sv[0], &m, MSG_NOSIGNAL));
	show("send", send(sv[0], "x", 1, MSG_NOSIGNAL));
	close(sv[0]);
	say("-- unconnected socket");
	s = socket(AF_UNIX, T_TYPE, 0);
	show("sendto name", sendto(s, "u", 1, MSG_NOSIGNAL, (struct sockaddr *)&sa, sl));
	show("send", send(s, "u", 1, MSG_NOSIGNAL));
	close(s);
}

SCENARIO_MAIN
