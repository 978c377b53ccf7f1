/* SPDX-License-Identifier: MIT */
/* b_err_dgram_addr.c -- DGRAM pair ends and sendto: EPERM from a third socket, ENOENT, EPROTOTYPE, ECONNREFUSED, EINVAL addresses (SEMANTICS 6, 178, 206, 207). */
#include "common_b.h"
#include <netinet/in.h>
#include <sys/stat.h>

static const char *instances[] = { "dgram", "dgram-dead", NULL };

static socklen_t abstract(struct sockaddr_un *a, const char *tag)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "udsx-b-%s-%d", tag, (int)getpid());
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a->sun_path + 1);
}

static socklen_t path(struct sockaddr_un *a, const char *dir, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, name);
	return sizeof(*a);
}

static void run(int argc, char **argv)
{
	int sv[2], c, st, gone;
	struct sockaddr_un ba, ca, x, from;
	socklen_t bl, cl, xl, fl;
	char dir[] = "/tmp/udsx-b-XXXXXX", buf[16];
	struct sockaddr_in in = { .sin_family = AF_INET };
	long r;

	if (!mkdtemp(dir))
		exit(1);
	pair(sv);
	bl = abstract(&ba, "b");
	cl = abstract(&ca, "c");
	show("bind pair end b", bind(sv[1], (struct sockaddr *)&ba, bl));
	c = socket(AF_UNIX, SOCK_DGRAM, 0);
	show("bind third c", bind(c, (struct sockaddr *)&ca, cl));
	if (variant("dead")) {
		show("close a", close(sv[0]));
		show("c sendto b (peer of dead a)", sendto(c, "c", 1, 0, (struct sockaddr *)&ba, bl));
		show("b sendto c", sendto(sv[1], "b", 1, 0, (struct sockaddr *)&ca, cl));
		rcv("c read", c, 8, MSG_DONTWAIT);
		show("b send to dead peer", send(sv[1], "b", 1, 0));
		show("c sendto b (b now unconnected)", sendto(c, "c", 1, 0, (struct sockaddr *)&ba, bl));
		rcv("b read", sv[1], 8, MSG_DONTWAIT);
		close(sv[1]);
		close(c);
		rmdir(dir);
		return;
	}
	show("c sendto b (b connected to a)", sendto(c, "c", 1, 0, (struct sockaddr *)&ba, bl));
	show("a sendto b by name", sendto(sv[0], "a", 1, 0, (struct sockaddr *)&ba, bl));
	show("b sendto c", sendto(sv[1], "b", 1, 0, (struct sockaddr *)&ca, cl));
	show("a sendto c", sendto(sv[0], "A", 1, 0, (struct sockaddr *)&ca, cl));
	fl = sizeof(from);
	r = show("c recvfrom", recvfrom(c, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl));
	if (r > 0)
		say("from b: %d", fl == bl && !memcmp(&from, &ba, bl));
	fl = sizeof(from);
	r = show("c recvfrom", recvfrom(c, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl));
	if (r > 0)
		say("from unbound a: namelen=%d", (int)fl);
	fl = sizeof(from);
	r = show("b recvfrom", recvfrom(sv[1], buf, sizeof(buf), MSG_DONTWAIT,
					(struct sockaddr *)&from, &fl));
	if (r > 0)
		say("b got from unbound a: namelen=%d", (int)fl);
	show("c sendto a (a connected, unbound)", sendto(c, "c", 1, 0, NULL, 0));
	/* Address errors. */
	xl = abstract(&x, "none");
	show("sendto no such abstract", sendto(sv[0], "x", 1, 0, (struct sockaddr *)&x, xl));
	xl = path(&x, dir, "none");
	show("sendto no such path", sendto(sv[0], "x", 1, 0, (struct sockaddr *)&x, xl));
	st = socket(AF_UNIX, SOCK_STREAM, 0);
	xl = path(&x, dir, "stream");
	show("bind stream at path", bind(st, (struct sockaddr *)&x, xl));
	show("sendto stream socket path", sendto(sv[0], "x", 1, 0, (struct sockaddr *)&x, xl));
	gone = socket(AF_UNIX, SOCK_DGRAM, 0);
	xl = path(&x, dir, "gone");
	show("bind dgram at path", bind(gone, (struct sockaddr *)&x, xl));
	close(gone);
	show("sendto closed socket path", sendto(sv[0], "x", 1, 0, (struct sockaddr *)&x, xl));
	show("sendto addrlen 2", sendto(sv[0], "x", 1, 0, (struct sockaddr *)&x, sizeof(sa_family_t)));
	show("sendto addrlen 1", sendto(sv[0], "x", 1, 0, (struct sockaddr *)&x, 1));
	show("sendto addrlen too big", sendto(sv[0], "x", 1, 0, (struct sockaddr *)&x, sizeof(x) + 1));
	show("sendto AF_INET", sendto(sv[0], "x", 1, 0, (struct sockaddr *)&in, sizeof(in)));
	show("inq b", inq(sv[1]));
	rcv("b read", sv[1], 8, MSG_DONTWAIT);
	show("a send still connected", send(sv[0], "ok", 2, 0));
	rcv("b read", sv[1], 8, MSG_DONTWAIT);
	close(st);
	unlink(x.sun_path);
	path(&x, dir, "stream");
	unlink(x.sun_path);
	rmdir(dir);
	close(c);
	close(sv[0]);
	close(sv[1]);
}

/* binds pair end b, which the named modes have bound already (EINVAL) */
SCENARIO_MAIN_IF(conn_pair_only)
