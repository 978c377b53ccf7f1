/* SPDX-License-Identifier: MIT */
/* a_badptr.c -- bad pointers around the data, not in it: a message header, an iovec array, an address or its length, a control buffer, an mmsghdr vector or a timeout that cannot be read or written is EFAULT, as from the kernel, with data queued both ways (SEMANTICS 11, 12). */
#include "common_a.h"
#include <sys/mman.h>
#include <sys/uio.h>

static const char *instances[] = ALL_TYPES;

/* (volatile: the compiler must not see what they are) */
static void *volatile bad = (void *)16;

static void run(int argc, char **argv)
{
	char b[64], *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iovec v = { b, sizeof(b) }, vbad = { bad, 8 };
	struct msghdr m;
	struct mmsghdr mm;
	struct sockaddr_un a;
	socklen_t al;
	int sv[2];

	pair(sv);
	show("send", send(sv[0], "hello", 5, 0));
	show("send back", send(sv[1], "world", 5, 0));

	show("sendmsg bad msghdr", sendmsg(sv[0], bad, 0));
	show("recvmsg bad msghdr", recvmsg(sv[1], bad, MSG_DONTWAIT));
	show("recvmsg read-only msghdr", recvmsg(sv[1], (struct msghdr *)ro, MSG_DONTWAIT));
	/* (a datagram was taken by that one, as there: another) */
	show("send again", send(sv[0], "again", 5, 0));

	memset(&m, 0, sizeof(m));
	m.msg_iov = bad;
	m.msg_iovlen = 1;
	show("sendmsg bad iov array", sendmsg(sv[0], &m, 0));
	show("recvmsg bad iov array", recvmsg(sv[1], &m, MSG_DONTWAIT));
	show("writev bad iov array", writev(sv[0], bad, 1));
	show("readv bad iov array", readv(sv[1], bad, 1));

	m.msg_iov = &v;
	m.msg_iovlen = 1;
	m.msg_control = bad;
	m.msg_controllen = 64;
	show("recvmsg bad control", recvmsg(sv[1], &m, MSG_DONTWAIT | MSG_PEEK));
	m.msg_control = NULL;
	m.msg_controllen = 0;
	m.msg_name = bad;
	m.msg_namelen = sizeof(a);
	show("recvmsg bad name", recvmsg(sv[1], &m, MSG_DONTWAIT | MSG_PEEK));
	m.msg_name = NULL;
	m.msg_namelen = 0;

	al = sizeof(a);
	show("recvfrom bad address", recvfrom(sv[1], b, sizeof(b), MSG_DONTWAIT | MSG_PEEK, bad, &al));
	show("recvfrom bad address length", recvfrom(sv[1], b, sizeof(b), MSG_DONTWAIT | MSG_PEEK,
						     (struct sockaddr *)&a, bad));
	show("recvfrom address without length", recvfrom(sv[1], b, sizeof(b), MSG_DONTWAIT | MSG_PEEK,
							 (struct sockaddr *)&a, NULL));
	al = (socklen_t)-1;
	show("recvfrom negative length", recvfrom(sv[1], b, sizeof(b), MSG_DONTWAIT | MSG_PEEK,
						  (struct sockaddr *)&a, &al));
	say("  length now %d", (int)al);
	al = 2;
	show("recvfrom short length", recvfrom(sv[1], b, sizeof(b), MSG_DONTWAIT | MSG_PEEK,
					       (struct sockaddr *)&a, &al));
	say("  length now %d", (int)al);
	show("recvfrom read-only length", recvfrom(sv[1], b, sizeof(b), MSG_DONTWAIT | MSG_PEEK,
						   (struct sockaddr *)&a, (socklen_t *)ro));

	show("sendmmsg bad vector", sendmmsg(sv[0], bad, 1, 0));
	show("recvmmsg bad vector", recvmmsg(sv[1], bad, 1, MSG_DONTWAIT, NULL));
	memset(&mm, 0, sizeof(mm));
	mm.msg_hdr.msg_iov = &vbad;
	mm.msg_hdr.msg_iovlen = 1;
	show("sendmmsg bad buffer", sendmmsg(sv[0], &mm, 1, 0));
	mm.msg_hdr.msg_iov = &v;
	show("recvmmsg bad timeout", recvmmsg(sv[1], &mm, 1, MSG_DONTWAIT, bad));
	show("recvmmsg read-only vector", recvmmsg(sv[1], (struct mmsghdr *)ro, 1, MSG_DONTWAIT, NULL));

	/* an exec the kernel refuses for a bad pointer changes nothing */
	{
		char *av[] = { "/bin/true", NULL }, *env[] = { "A=1", (char *)bad, NULL };

		show("execve bad environment", execve("/bin/true", av, bad));
		show("execve bad arguments", execve("/bin/true", bad, av + 1));
		show("execve bad path", execve(bad, av, av + 1));
		show("execve bad environment string", execve("/bin/true", av, env));
	}
	/* what is still queued is intact */
	a_rd("b reads", sv[1], sizeof(b), MSG_DONTWAIT);
	a_rd("a reads", sv[0], sizeof(b), MSG_DONTWAIT);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
