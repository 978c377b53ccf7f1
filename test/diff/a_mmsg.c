/* SPDX-License-Identifier: MIT */
/* a_mmsg.c -- sendmmsg/recvmmsg: per-entry lengths, flags and fds, partial batches, MSG_WAITFORONE (SEMANTICS 4, 11, 19, 23, 24, 36, 58). */
#include "common_a.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket", "stream-waitforone", "dgram-waitforone",
	"seqpacket-waitforone", NULL
};

#define N 4

static int sv[2];
static char bufs[N][8];
static struct iovec iovs[N];
static union {
	char b[N][CMSG_SPACE(2 * sizeof(int))];
	struct cmsghdr align;
} ctl;
static struct mmsghdr mm[N];

static void setup(void)
{
	int i;

	memset(bufs, '.', sizeof(bufs));
	memset(&ctl, 0, sizeof(ctl));
	for (i = 0; i < N; i++) {
		iovs[i].iov_base = bufs[i];
		iovs[i].iov_len = sizeof(bufs[i]);
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iovs[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = ctl.b[i];
		mm[i].msg_hdr.msg_controllen = sizeof(ctl.b[i]);
		mm[i].msg_len = 12345;
	}
}

static void rmm(const char *label, unsigned int vlen, int flags)
{
	char l[32];
	int i, r;

	setup();
	r = show(label, recvmmsg(sv[1], mm, vlen, flags, NULL));
	for (i = 0; i < r; i++) {
		snprintf(l, sizeof(l), "  [%d]", i);
		say("%s msg_len=%u", l, mm[i].msg_len);
		show_buf(l, bufs[i], mm[i].msg_len < 8 ? mm[i].msg_len : 8);
		show_flags(l, mm[i].msg_hdr.msg_flags);
		if (mm[i].msg_hdr.msg_controllen)
			a_show_cmsgs(l, &mm[i].msg_hdr);
	}
}

static void *writer(void *arg)
{
	nap_ms(50);
	if (send(sv[0], "late", 4, 0) != 4)
		_exit(3);
	return NULL;
}

static void run(int argc, char **argv)
{
	static const char *words[N] = { "one", "two", "three", "fourfourfour" };
	struct iovec siov[N];
	struct mmsghdr smm[N];
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} sc;
	struct cmsghdr *c;
	int i, p[2];

	alarm(10);
	pair(sv);
	a_pipe("p", p);
	if (variant("waitforone")) {
		show("send early", send(sv[0], "early", 5, 0));
		rmm("recvmmsg 4 WAITFORONE", N, MSG_WAITFORONE);
		a_spawn(writer, NULL);
		rmm("recvmmsg 4 WAITFORONE (blocks)", N, MSG_WAITFORONE);
		a_join();
		show("send x", send(sv[0], "x", 1, 0));
		show("send y", send(sv[0], "y", 1, 0));
		rmm("recvmmsg 4 WAITFORONE", N, MSG_WAITFORONE);
		rmm("recvmmsg 4 DONTWAIT", N, MSG_DONTWAIT);
		goto out;
	}
	memset(smm, 0, sizeof(smm));
	for (i = 0; i < N; i++) {
		siov[i].iov_base = (void *)words[i];
		siov[i].iov_len = strlen(words[i]);
		smm[i].msg_hdr.msg_iov = &siov[i];
		smm[i].msg_hdr.msg_iovlen = 1;
	}
	memset(&sc, 0, sizeof(sc));
	smm[1].msg_hdr.msg_control = sc.b;
	smm[1].msg_hdr.msg_controllen = sizeof(sc.b);
	c = CMSG_FIRSTHDR(&smm[1].msg_hdr);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	show("sendmmsg 4 (fd on [1])", sendmmsg(sv[0], smm, N, 0));
	for (i = 0; i < N; i++)
		say("  [%d] msg_len=%u", i, smm[i].msg_len);
	rmm("recvmmsg 4 DONTWAIT", N, MSG_DONTWAIT);
	rmm("recvmmsg 4 DONTWAIT", N, MSG_DONTWAIT);
	rmm("recvmmsg 4 DONTWAIT", N, MSG_DONTWAIT);
	rmm("recvmmsg 0 DONTWAIT", 0, MSG_DONTWAIT);
	say("-- bad control on entry 2");
	c->cmsg_type = 99;
	smm[2].msg_hdr.msg_control = sc.b;
	smm[2].msg_hdr.msg_controllen = sizeof(sc.b);
	smm[1].msg_hdr.msg_control = NULL;
	smm[1].msg_hdr.msg_controllen = 0;
	show("sendmmsg 4", sendmmsg(sv[0], smm, N, 0));
	show("sendmmsg from entry 2", sendmmsg(sv[0], smm + 2, 2, 0));
	show("inq b", inq(sv[1]));
	rmm("recvmmsg 4 DONTWAIT", N, MSG_DONTWAIT);
	say("-- PEEK and TRUNC");
	show("send 0123456789", send(sv[0], "0123456789", 10, 0));
	show("send ab", send(sv[0], "ab", 2, 0));
	rmm("recvmmsg 4 PEEK|DONTWAIT", N, MSG_PEEK | MSG_DONTWAIT);
	rmm("recvmmsg 4 TRUNC|DONTWAIT", N, MSG_TRUNC | MSG_DONTWAIT);
	rmm("recvmmsg 4 DONTWAIT", N, MSG_DONTWAIT);
out:
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
