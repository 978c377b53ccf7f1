/* SPDX-License-Identifier: MIT */
/* a_passcred_autobind.c -- SO_PASSCRED does not bind; the first DGRAM/SEQPACKET send then autobinds the sender, never STREAM; receiver's flag does not count (SEMANTICS 5, 6, 80, 82, 83, 84). */
#include "common_a.h"
#include <ctype.h>

static const char *instances[] = ALL_TYPES;

static struct sockaddr_un aname;
static socklen_t alen;

static void name_of(const char *label, int fd, int remember)
{
	struct sockaddr_un sa;
	socklen_t l = sizeof(sa);
	int i, hex = 1;

	memset(&sa, 0, sizeof(sa));
	if (show(label, getsockname(fd, (struct sockaddr *)&sa, &l)) < 0)
		return;
	if (l == 8) {
		for (i = 1; i < 6; i++)
			hex &= isxdigit((unsigned char)sa.sun_path[i]) && !isupper((unsigned char)sa.sun_path[i]);
		say("  len=8 abstract=%s 5-lowercase-hex=%s", sa.sun_path[0] ? "no" : "yes",
		    hex ? "yes" : "no");
	} else {
		say("  len=%u", l);
	}
	if (remember) {
		aname = sa;
		alen = l;
	}
}

static void recv_from(const char *label, int fd)
{
	struct sockaddr_un sa;
	socklen_t l = sizeof(sa);
	char b[16];
	long r;

	memset(&sa, 0, sizeof(sa));
	r = show(label, recvfrom(fd, b, sizeof(b), MSG_DONTWAIT, (struct sockaddr *)&sa, &l));
	if (r < 0)
		return;
	show_buf("  data", b, r);
	say("  from len=%u same-as-sender-name=%s", l,
	    l && l == alen && !memcmp(&sa, &aname, l) ? "yes" : "no");
}

static void run(int argc, char **argv)
{
	int sv[2];

	pair(sv);
	name_of("getsockname a", sv[0], 0);
	a_setint("SO_PASSCRED b", sv[1], SOL_SOCKET, SO_PASSCRED, 1);
	show("a send 1", send(sv[0], "one", 3, 0));
	name_of("getsockname a", sv[0], 0);
	name_of("getsockname b", sv[1], 0);
	a_setint("SO_PASSCRED a", sv[0], SOL_SOCKET, SO_PASSCRED, 1);
	name_of("getsockname a", sv[0], 0);
	show("a send 2", send(sv[0], "two", 3, 0));
	name_of("getsockname a", sv[0], 1);
	show("a send 3", send(sv[0], "three", 5, 0));
	name_of("getsockname a", sv[0], 0);
	recv_from("b recvfrom", sv[1]);
	recv_from("b recvfrom", sv[1]);
	recv_from("b recvfrom", sv[1]);
	name_of("getsockname b", sv[1], 0);
	show("b send", send(sv[1], "back", 4, 0));
	name_of("getsockname b (SO_PASSCRED, sent)", sv[1], 0);
	a_recv("a recvmsg", sv[0], 16, 64, MSG_DONTWAIT);
	{
		struct sockaddr_un sa;
		socklen_t l = sizeof(sa);

		if (show("getpeername b", getpeername(sv[1], (struct sockaddr *)&sa, &l)) == 0)
			say("  len=%u same-as-a=%s", l, l == alen && !memcmp(&sa, &aname, l) ? "yes" : "no");
	}
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
