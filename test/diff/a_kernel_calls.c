/* SPDX-License-Identifier: MIT */
/* a_kernel_calls.c -- splice, sendfile and preadv2/pwritev2 on a connected end with data queued both ways: order and boundaries as the kernel keeps them (SEMANTICS §1-3). */
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include "common.h"

static const char *instances[] = {
	"stream-splice", "dgram-splice", "seqpacket-splice",
	"stream-sendfile", "seqpacket-sendfile",
	"stream-rwv2", "dgram-rwv2", "seqpacket-rwv2", NULL
};

static void recv_all(const char *label, int fd)
{
	char buf[64];
	int i;

	for (i = 0; i < 8; i++) {
		long r = show(label, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));

		if (r <= 0)
			break;
		show_buf("data", buf, r);
	}
}

static void run(int argc, char **argv)
{
	int sv[2], p[2];
	char buf[64];

	pair(sv);
	show("a send abc", send(sv[0], "abc", 3, 0));
	show("a send de", send(sv[0], "de", 2, 0));
	show("b send xy", send(sv[1], "xy", 2, 0));
	if (variant("splice")) {
		long r;

		if (pipe(p))
			say("pipe failed");
		r = show("splice b->pipe", splice(sv[1], NULL, p[1], NULL, 64, SPLICE_F_NONBLOCK));
		if (r > 0) {
			r = show("pipe read", read(p[0], buf, sizeof(buf)));
			if (r > 0)
				show_buf("data", buf, r);
		}
		show("a send f", send(sv[0], "f", 1, 0));
		show("pipe write", write(p[1], "pq", 2));
		show("splice pipe->a", splice(p[0], NULL, sv[0], NULL, 2, SPLICE_F_NONBLOCK));
		recv_all("b recv", sv[1]);
		recv_all("a recv", sv[0]);
		close(p[0]);
		close(p[1]);
	} else if (variant("sendfile")) {
		int m = memfd_create("f", 0);
		off_t off = 0;

		show("file write", write(m, "0123456789", 10));
		show("sendfile file->a", sendfile(sv[0], m, &off, 10));
		say("offset %ld", (long)off);
		show("a send g", send(sv[0], "g", 1, 0));
		recv_all("b recv", sv[1]);
		recv_all("a recv", sv[0]);
		close(m);
	} else {
		struct iovec iv = { buf, 4 };
		struct iovec ov = { "zz", 2 };

		long r;

		show("preadv2 b at 0", preadv2(sv[1], &iv, 1, 0, 0));
		r = show("b peek", recv(sv[1], buf, 4, MSG_PEEK | MSG_DONTWAIT));
		if (r > 0)
			show_buf("data", buf, r);
		r = show("preadv2 b", preadv2(sv[1], &iv, 1, -1, 0));
		if (r > 0)
			show_buf("data", buf, r);
		show("pwritev2 a", pwritev2(sv[0], &ov, 1, -1, 0));
		show("a send h", send(sv[0], "h", 1, 0));
		recv_all("b recv", sv[1]);
		recv_all("a recv", sv[0]);
	}
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
