/* SPDX-License-Identifier: MIT */
/* a_rights_toomany.c -- an unprivileged sender with more than RLIMIT_NOFILE fds in flight gets ETOOMANYREFS (SEMANTICS 44). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	struct rlimit rl = { 16, 16 };
	int sv[2], p[2], n, total;
	pid_t pid;
	long r;

	alarm(10);
	pair(sv);
	a_pipe("p", p);
	pid = fork();
	if (pid == 0) {
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0) {
			say("child: cannot drop privileges: %s", errname(errno));
			_exit(2);
		}
		for (n = 0; n < 40; n++) {
			r = a_sendfds(sv[0], "F", 1, &p[1], 1, MSG_DONTWAIT);
			if (r != 1)
				break;
		}
		say("child: sends accepted: %d", n);
		show("child: next send", r);
		show("child: send without fd", send(sv[0], "x", 1, MSG_DONTWAIT));
		a_recv("child: recvmsg one", sv[1], 1, 64, MSG_DONTWAIT);
		show("child: send fd again", a_sendfds(sv[0], "G", 1, &p[1], 1, MSG_DONTWAIT));
		show("child: and again", a_sendfds(sv[0], "H", 1, &p[1], 1, MSG_DONTWAIT));
		_exit(0);
	}
	reap("child", pid);
	show("inq b", inq(sv[1]));
	for (total = 0, n = 0; n < 100; n++) {
		{
			char b[4];
			union {
				char c[CMSG_SPACE(sizeof(int))];
				struct cmsghdr al;
			} u;
			struct iovec iov = { b, 1 };
			struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
					    .msg_control = u.c, .msg_controllen = sizeof(u.c) };
			struct cmsghdr *c;

			r = recvmsg(sv[1], &m, MSG_DONTWAIT);
			if (r < 0)
				break;
			for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
				if (c->cmsg_type == SCM_RIGHTS) {
					int fd;

					memcpy(&fd, CMSG_DATA(c), sizeof(fd));
					total += !strcmp(a_ident(fd), "p:w");
					close(fd);
				}
		}
	}
	show("parent drain ended", r);
	say("parent: messages: %d, p:w fds received: %d", n, total);
	close(p[1]);
	a_pipe_state("p", p[0]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
