/* SPDX-License-Identifier: MIT */
/* a_fortify.c -- the _FORTIFY_SOURCE entry points (__read_chk, __recv_chk, __recvfrom_chk, __poll_chk, __ppoll_chk) behave like the plain calls (SEMANTICS 4, 19, 23, 24, 33). */
#undef _FORTIFY_SOURCE
#define _FORTIFY_SOURCE 2
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static volatile size_t n16 = 16, n4 = 4;
static volatile nfds_t n1 = 1;	/* not constant: forces the _chk variants */

static void run(int argc, char **argv)
{
	char b[16];
	struct sockaddr_un sa;
	socklen_t sl = sizeof(sa);
	struct pollfd pf[1];
	int sv[2];
	long r;

	pair(sv);
	show("write hello", write(sv[0], "hello", 5));
	show("write world!", write(sv[0], "world!", 6));
	pf[0].fd = sv[1];
	pf[0].events = POLLIN | POLLOUT;
	pf[0].revents = 0;
	show("poll", poll(pf, n1, 0));
	say("  revents IN=%d OUT=%d", !!(pf[0].revents & POLLIN), !!(pf[0].revents & POLLOUT));
	r = show("read 4", read(sv[1], b, n4));
	if (r > 0)
		show_buf("  data", b, r);
	r = show("recv 16 PEEK", recv(sv[1], b, n16, MSG_PEEK));
	if (r > 0)
		show_buf("  data", b, r);
	r = show("recvfrom 16", recvfrom(sv[1], b, n16, 0, (struct sockaddr *)&sa, &sl));
	if (r > 0)
		show_buf("  data", b, r);
	say("  addrlen=%u", sl);
	r = show("recv 16 DONTWAIT", recv(sv[1], b, n16, MSG_DONTWAIT));
	if (r > 0)
		show_buf("  data", b, r);
	show("inq b", inq(sv[1]));
	pf[0].revents = 0;
	show("ppoll", ppoll(pf, n1, &(struct timespec){ 0, 0 }, NULL));
	say("  revents IN=%d OUT=%d", !!(pf[0].revents & POLLIN), !!(pf[0].revents & POLLOUT));
	show("recv 16 DONTWAIT (empty)", recv(sv[1], b, n16, MSG_DONTWAIT));
	pf[0].revents = 0;
	show("poll", poll(pf, n1, 0));
	say("  revents IN=%d OUT=%d", !!(pf[0].revents & POLLIN), !!(pf[0].revents & POLLOUT));
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
