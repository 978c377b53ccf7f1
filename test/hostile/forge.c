/* SPDX-License-Identifier: MIT */
/* forge.c -- a hostile local process sends malformed and forged negotiation offers to a udsx client; its connection must stay exact.
 *
 * Run under udsx. A server process echoes on a connect()/accept()
 * connection; a forger process connects to the client's side socket
 * (abstract "udsx1.<pid>") and sends garbage, truncated and oversized
 * messages, offers with extra fds, and well-formed offers of a channel it
 * controls (claiming the real server's socket, which it does not hold),
 * then scribbles over that channel. The client checks every echoed byte.
 * Exit 0 when all data came back intact and in order, 1 otherwise.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

struct offer_msg {	/* the layout the library expects (src/nego.c) */
	uint32_t magic, version, type;
	int32_t fd;
	uint64_t ino;
};

static socklen_t abstract(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strncpy(a->sun_path + 1, name, sizeof(a->sun_path) - 2);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static uint32_t peer_ino(int fd)
{
	struct {
		struct nlmsghdr nh;
		struct unix_diag_req rq;
	} req = { { sizeof(req), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, 0, 0 },
		  { AF_UNIX, 0, 0, 0, 0, UDIAG_SHOW_PEER, { ~0u, ~0u } } };
	char buf[1024];
	struct stat st;
	uint32_t peer = 0;
	int s = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
	ssize_t n;

	if (s < 0 || fstat(fd, &st) < 0)
		return 0;
	req.rq.udiag_ino = (uint32_t)st.st_ino;
	send(s, &req, sizeof(req), 0);
	n = recv(s, buf, sizeof(buf), 0);
	if (n > (ssize_t)NLMSG_LENGTH(sizeof(struct unix_diag_msg))) {
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		struct unix_diag_msg *m = NLMSG_DATA(nh);
		int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*m));
		struct rtattr *a = (struct rtattr *)(m + 1);

		for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
			if (a->rta_type == UNIX_DIAG_PEER)
				memcpy(&peer, RTA_DATA(a), sizeof(peer));
	}
	close(s);
	return peer;
}

/* A channel-looking memfd the forger controls. */
static int fake_channel(unsigned char **map, size_t *len)
{
	size_t size = 4096 * 4 + 2 * (1 << 16);
	int fd = memfd_create("udsx", MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		return -1;
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	*map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*map == MAP_FAILED)
		return -1;
	*len = size;
	((uint64_t *)*map)[0] = 0x7564737800000002ull;
	((uint32_t *)*map)[2] = SOCK_STREAM;
	return fd;
}

static void send_one(const char *side, const void *p, size_t n, int *fds, int nfd)
{
	struct sockaddr_un a;
	socklen_t l = abstract(&a, side);
	struct iovec v = { (void *)p, n };
	union {
		char b[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} cb;
	struct msghdr mh = { .msg_iov = &v, .msg_iovlen = 1 };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);

	if (nfd) {
		struct cmsghdr *c;

		mh.msg_control = cb.b;
		mh.msg_controllen = CMSG_SPACE(nfd * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfd * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfd * sizeof(int));
	}
	if (s >= 0 && connect(s, (struct sockaddr *)&a, l) == 0)
		sendmsg(s, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (s >= 0)
		close(s);
}

static void forger(pid_t client, uint32_t server_ino)
{
	char side[64], junk[300];
	struct offer_msg o = { 0x4f584455u, 1, SOCK_STREAM, 4, server_ino };
	unsigned char *map = NULL;
	size_t len, i;
	uint64_t x = 88172645463325252ull;
	int mfd, fds[3], round;

	snprintf(side, sizeof(side), "udsx1.%d", (int)client);
	mfd = fake_channel(&map, &len);
	memset(junk, 0xa5, sizeof(junk));
	fds[0] = fds[1] = fds[2] = mfd;
	for (round = 0; round < 40; round++) {
		send_one(side, junk, sizeof(junk), NULL, 0);		/* garbage */
		send_one(side, &o, sizeof(o) - 3, &mfd, 1);		/* truncated */
		send_one(side, junk, sizeof(o), &mfd, 1);		/* bad magic */
		send_one(side, &o, sizeof(o), fds, 3);			/* three fds */
		send_one(side, &o, sizeof(o), NULL, 0);			/* no fd */
		for (o.fd = 0; o.fd < 8; o.fd++)			/* forged, right shape */
			send_one(side, &o, sizeof(o), &mfd, 1);
		o.type = 77;
		send_one(side, &o, sizeof(o), &mfd, 1);
		o.type = SOCK_STREAM;
		for (i = 0; mfd >= 0 && i < 2000; i++) {		/* scribble */
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			memcpy(map + ((x >> 8) % (len - 8) & ~(size_t)7), &x, 8);
		}
		usleep(2000);
	}
	_exit(0);
}

int main(void)
{
	char name[64], buf[4096], back[4096];
	struct sockaddr_un a;
	socklen_t l;
	int lfd, c, s, i, st, bad = 0;
	pid_t srv, fg;

	signal(SIGPIPE, SIG_IGN);
	alarm(60);
	snprintf(name, sizeof(name), "udsx-forge-test.%d", (int)getpid());
	l = abstract(&a, name);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, l) < 0 || listen(lfd, 4) < 0) {
		perror("listen");
		return 1;
	}
	srv = fork();
	if (srv == 0) {
		ssize_t n;

		s = accept(lfd, NULL, NULL);
		close(lfd);
		while ((n = read(s, buf, sizeof(buf))) > 0)
			if (write(s, buf, (size_t)n) != n)
				_exit(1);
		_exit(n < 0);
	}
	close(lfd);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, l) < 0) {
		perror("connect");
		return 1;
	}
	fg = fork();
	if (fg == 0) {
		uint32_t ino = peer_ino(c);

		close(c);
		forger(getppid(), ino);
	}
	for (i = 0; i < 3000 && !bad; i++) {
		size_t n = 1 + (size_t)(i * 7919) % sizeof(buf), got = 0;
		size_t k;

		for (k = 0; k < n; k++)
			buf[k] = (char)(i + k);
		if (write(c, buf, n) != (ssize_t)n) {
			perror("write");
			bad = 1;
			break;
		}
		while (got < n) {
			ssize_t r = read(c, back + got, n - got);

			if (r <= 0) {
				perror("read");
				bad = 1;
				break;
			}
			got += (size_t)r;
		}
		if (!bad && memcmp(buf, back, n)) {
			fprintf(stderr, "round %d: echoed data differs\n", i);
			bad = 1;
		}
	}
	close(c);
	waitpid(fg, &st, 0);
	waitpid(srv, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		bad = 1;
	printf("%s: 3000 echoed round trips with forged offers arriving\n", bad ? "FAILED" : "ok");
	return bad;
}
