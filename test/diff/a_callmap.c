/* SPDX-License-Identifier: MIT */
/* a_callmap.c -- read/write/readv/writev equal recv/send/recvmsg/sendmsg with flags 0; sender address on receive (SEMANTICS 4, 5, 6). */
#include "common_a.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket",
	"stream-bound", "dgram-bound", "seqpacket-bound", NULL
};

static struct sockaddr_un a_addr;	/* sv[0]'s own address when bound */
static socklen_t a_addrlen;

static void show_name(const char *label, struct sockaddr_un *sa, socklen_t len)
{
	if (len == 0) {
		say("%s: namelen=0", label);
		return;
	}
	say("%s: namelen=%u family=%d same-as-sender=%s", label, len, sa->sun_family,
	    len == a_addrlen && !memcmp(sa, &a_addr, len) ? "yes" : "no");
}

static void rd_read(int fd)
{
	char b[32];
	long r = show("  read", read(fd, b, sizeof(b)));

	if (r > 0)
		show_buf("  data", b, r);
}

static void rd_readv(int fd)
{
	char b1[3], b2[29];
	struct iovec iov[2] = { { b1, sizeof(b1) }, { b2, sizeof(b2) } };
	long r = show("  readv", readv(fd, iov, 2));

	if (r > 0) {
		show_buf("  iov0", b1, r < 3 ? r : 3);
		if (r > 3)
			show_buf("  iov1", b2, r - 3);
	}
}

static void rd_recvfrom(int fd)
{
	struct sockaddr_un sa;
	socklen_t l = sizeof(sa);
	char b[32];
	long r;

	memset(&sa, 0x55, sizeof(sa));
	r = show("  recvfrom", recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&sa, &l));
	if (r >= 0) {
		show_buf("  data", b, r);
		show_name("  from", &sa, l);
	}
}

static void rd_recvmsg(int fd)
{
	struct sockaddr_un sa;
	char b[32];
	struct iovec iov = { b, sizeof(b) };
	struct msghdr m = { .msg_name = &sa, .msg_namelen = sizeof(sa),
			    .msg_iov = &iov, .msg_iovlen = 1 };
	long r;

	memset(&sa, 0x55, sizeof(sa));
	r = show("  recvmsg", recvmsg(fd, &m, 0));
	if (r >= 0) {
		show_buf("  data", b, r);
		show_flags("  msg", m.msg_flags);
		show_name("  from", &sa, m.msg_namelen);
	}
}

static void rd_recv(int fd)
{
	a_rd("  recv", fd, 32, 0);
}

static void run(int argc, char **argv)
{
	struct iovec wv[2] = { { "wri", 3 }, { "tev", 3 } };
	struct iovec sv1 = { "sendmsg", 7 };
	struct msghdr sm = { .msg_iov = &sv1, .msg_iovlen = 1 };
	int sv[2];

	pair(sv);
	if (strchr(T_NAME, '-')) {
		memset(&a_addr, 0, sizeof(a_addr));
		a_addr.sun_family = AF_UNIX;
		snprintf(a_addr.sun_path + 1, sizeof(a_addr.sun_path) - 1, "udsx-a-callmap-%010d", getpid());
		a_addrlen = offsetof(struct sockaddr_un, sun_path) + 1 + 25;
		show("bind a", bind(sv[0], (struct sockaddr *)&a_addr, a_addrlen));
	}
	say("-- write / recvmsg");
	show("write", write(sv[0], "write", 5));
	rd_recvmsg(sv[1]);
	say("-- writev / readv");
	show("writev", writev(sv[0], wv, 2));
	rd_readv(sv[1]);
	say("-- send / recvfrom");
	show("send", send(sv[0], "send", 4, 0));
	rd_recvfrom(sv[1]);
	say("-- sendto NULL / read");
	show("sendto", sendto(sv[0], "sendto", 6, 0, NULL, 0));
	rd_read(sv[1]);
	say("-- sendmsg / recv");
	show("sendmsg", sendmsg(sv[0], &sm, 0));
	rd_recv(sv[1]);
	say("-- write / recvfrom NULL addr");
	show("write", write(sv[0], "w2", 2));
	show("  recvfrom", recvfrom(sv[1], (char[8]){0}, 8, 0, NULL, NULL));
	say("-- back: b to a");
	show("write b", write(sv[1], "back", 4));
	rd_recvmsg(sv[0]);
	show("inq a", inq(sv[0]));
	show("inq b", inq(sv[1]));
	close(sv[0]);
	close(sv[1]);
}

/* dgram-bound binds sv[0], which the named modes have bound already
 * (EINVAL); a STREAM/SEQPACKET client there is unbound and binds. */
static int applies(const char *inst)
{
	return T_CONN == CONN_PAIR || strcmp(inst, "dgram-bound");
}

SCENARIO_MAIN_IF(applies)
