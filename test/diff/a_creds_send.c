/* SPDX-License-Identifier: MIT */
/* a_creds_send.c -- explicit SCM_CREDENTIALS: length check, privilege checks (EPERM/ESRCH/EINVAL), explicit values win (SEMANTICS 67, 68, 69, 71, 72). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static int sv[2];

static void try_len(const char *label, size_t len)
{
	union {
		char b[CMSG_SPACE(sizeof(struct ucred) + 8)];
		struct cmsghdr align;
	} u;
	struct ucred uc = { getpid(), getuid(), getgid() };
	struct iovec iov = { "L", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = len;
	memcpy(CMSG_DATA(c), &uc, sizeof(uc));
	show(label, sendmsg(sv[0], &m, MSG_DONTWAIT));
}

static void drain(const char *label)
{
	while (a_recv(label, sv[1], 16, 256, MSG_DONTWAIT) >= 0)
		;
}

static void run(int argc, char **argv)
{
	pid_t me = getpid(), gone;
	int p[2];

	alarm(10);
	pair(sv);
	a_pipe("p", p);
	say("-- length of SCM_CREDENTIALS");
	try_len("cmsg_len CMSG_LEN(ucred)-4", CMSG_LEN(sizeof(struct ucred)) - 4);
	try_len("cmsg_len CMSG_LEN(ucred)+4", CMSG_LEN(sizeof(struct ucred)) + 4);
	try_len("cmsg_len CMSG_LEN(ucred)", CMSG_LEN(sizeof(struct ucred)));
	say("-- explicit values, receiver without SO_PASSCRED");
	show("send creds self,1234,5678", a_sendcred(sv[0], "E1", 2, me, 1234, 5678, 0));
	drain("recvmsg");
	show("send creds self,1234,5678", a_sendcred(sv[0], "E2", 2, me, 1234, 5678, 0));
	a_setint("SO_PASSCRED b", sv[1], SOL_SOCKET, SO_PASSCRED, 1);
	drain("recvmsg after SO_PASSCRED");
	say("-- checks as root");
	show("send creds self,0,0", a_sendcred(sv[0], "R", 1, me, 0, 0, 0));
	a_child = fork();
	if (a_child == 0) {
		pause();
		_exit(0);
	}
	show("send creds child,0,0", a_sendcred(sv[0], "C", 1, a_child, 0, 0, 0));
	kill(a_child, SIGKILL);
	reap("child", a_child);
	drain("recvmsg");
	gone = fork();
	if (gone == 0)
		_exit(0);
	reap("short child", gone);
	show("send creds dead pid", a_sendcred(sv[0], "D", 1, gone, 0, 0, 0));
	show("send creds uid -1", a_sendcred(sv[0], "U", 1, me, (uid_t)-1, 0, 0));
	show("send creds gid -1", a_sendcred(sv[0], "G", 1, me, 0, (gid_t)-1, 0));
	show("send creds pid 0", a_sendcred(sv[0], "Z", 1, 0, 0, 0, 0));
	show("send creds pid -5", a_sendcred(sv[0], "N", 1, -5, 0, 0, 0));
	show("inq b", inq(sv[1]));
	say("-- checks as nobody");
	a_child = fork();
	if (a_child == 0) {
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		show("child: send own creds", a_sendcred(sv[0], "own", 3, getpid(), 65534, 65534, 0));
		show("child: send uid 0", a_sendcred(sv[0], "u0", 2, getpid(), 0, 65534, 0));
		show("child: send gid 0", a_sendcred(sv[0], "g0", 2, getpid(), 65534, 0, 0));
		show("child: send parent pid", a_sendcred(sv[0], "pp", 2, me, 65534, 65534, 0));
		show("child: send plain", send(sv[0], "plain", 5, 0));
		_exit(0);
	}
	reap("child", a_child);
	drain("recvmsg");
	say("-- creds together with fds");
	{
		union {
			char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct ucred uc = { me, 4321, 8765 };
		struct iovec iov = { "CF", 2 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = u.b, .msg_controllen = sizeof(u.b) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);

		memset(&u, 0, sizeof(u));
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &p[1], sizeof(int));
		c = CMSG_NXTHDR(&m, c);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_CREDENTIALS;
		c->cmsg_len = CMSG_LEN(sizeof(uc));
		memcpy(CMSG_DATA(c), &uc, sizeof(uc));
		show("send fd + creds 4321,8765", sendmsg(sv[0], &m, 0));
	}
	{
		/* Two SCM_CREDENTIALS: which one is stamped? */
		union {
			char b[2 * CMSG_SPACE(sizeof(struct ucred))];
			struct cmsghdr align;
		} u;
		struct ucred uc[2] = { { me, 1111, 2222 }, { me, 4321, 8765 } };
		struct iovec iov = { "TC", 2 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = u.b, .msg_controllen = sizeof(u.b) };
		struct cmsghdr *c;
		int i;

		memset(&u, 0, sizeof(u));
		for (i = 0, c = CMSG_FIRSTHDR(&m); i < 2; i++, c = CMSG_NXTHDR(&m, c)) {
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_CREDENTIALS;
			c->cmsg_len = CMSG_LEN(sizeof(uc[i]));
			memcpy(CMSG_DATA(c), &uc[i], sizeof(uc[i]));
		}
		show("send two creds 1111,2222 then 4321,8765", sendmsg(sv[0], &m, 0));
	}
	drain("recvmsg");
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
