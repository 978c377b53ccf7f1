/* SPDX-License-Identifier: MIT */
/* a_types.c -- socket types and protocols accepted by socketpair, SOCK_RAW as DGRAM (SEMANTICS 1, 2, 11). */
#include "common_a.h"

static const char *instances[] = { "stream", "dgram", "seqpacket", "dgram-raw", NULL };

static void try_pair(const char *label, int type, int proto)
{
	int sv[2];

	if (show(label, socketpair(AF_UNIX, type, proto, sv)) == 0) {
		close(sv[0]);
		close(sv[1]);
	}
}

static void run(int argc, char **argv)
{
	int type = variant("raw") ? SOCK_RAW : T_TYPE;
	char buf[16];
	int sv[2], fd;

	show("socketpair", socketpair(AF_UNIX, type, 0, sv));
	a_getint("SO_TYPE a", sv[0], SOL_SOCKET, SO_TYPE);
	a_getint("SO_TYPE b", sv[1], SOL_SOCKET, SO_TYPE);
	a_getint("SO_DOMAIN b", sv[1], SOL_SOCKET, SO_DOMAIN);
	a_getint("SO_PROTOCOL b", sv[1], SOL_SOCKET, SO_PROTOCOL);
	show("send ab", send(sv[0], "ab", 2, 0));
	show("send cd", send(sv[0], "cd", 2, 0));
	a_rd("recv 16", sv[1], sizeof(buf), MSG_DONTWAIT);
	a_rd("recv 16", sv[1], sizeof(buf), MSG_DONTWAIT);
	close(sv[0]);
	close(sv[1]);

	try_pair("proto PF_UNIX", type, PF_UNIX);
	try_pair("proto 2", type, 2);
	try_pair("proto -1", type, -1);
	try_pair("type|CLOEXEC|NONBLOCK", type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	try_pair("type RDM", SOCK_RDM, 0);
	try_pair("type PACKET", SOCK_PACKET, 0);
	try_pair("type 11", 11, 0);
	show("socketpair INET", socketpair(AF_INET, SOCK_STREAM, 0, sv));
	fd = socket(AF_UNIX, type, 0);
	show("socket same type", fd < 0 ? -1 : 0);
	if (fd >= 0) {
		a_getint("  SO_TYPE", fd, SOL_SOCKET, SO_TYPE);
		close(fd);
	}
	show("socket RDM", socket(AF_UNIX, SOCK_RDM, 0));
	show("socket proto 2", socket(AF_UNIX, type, 2));
}

/* socketpair() itself is the subject: nothing for the named modes to do */
SCENARIO_MAIN_IF(conn_pair_only)
