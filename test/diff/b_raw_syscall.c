/* SPDX-License-Identifier: MIT */
/* b_raw_syscall.c -- calls made through glibc's syscall() (libuv closes every fd so): a closed end's number given to a file, data by SYS_read/SYS_write/SYS_sendmsg, dup3 and close_range by number. */
#include <sys/syscall.h>
#include "common_b.h"

static const char *instances[] = {
	"stream-close", "dgram-close", "seqpacket-close",
	"stream-io", "dgram-io", "seqpacket-io",
	"stream-fds", "dgram-fds", "seqpacket-fds", NULL
};

/* After syscall(SYS_close) on an end, the next file takes its number: the
 * file must behave as a file, the peer as a socket whose peer is gone. */
static void closed_then_file(int sv[2])
{
	char tmpl[] = "/tmp/udsx-diff-raw-XXXXXX", buf[32];
	int f;

	show("b close by number", syscall(SYS_close, sv[1]));
	f = mkstemp(tmpl);
	say("file took b's number: %s", f == sv[1] ? "yes" : "no");
	unlink(tmpl);
	show("write file", write(f, "to the file", 11));
	show("lseek", lseek(f, 0, SEEK_SET));
	show("read file", read(f, buf, sizeof(buf)));
	show_buf("file has", buf, 11);
	show("a recv", recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT));
	show("a send", send(sv[0], "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL));
	close(f);
	close(sv[0]);
}

static void raw_io(int sv[2])
{
	struct iovec iv = { .iov_base = (void *)"msg", .iov_len = 3 };
	struct msghdr m = { .msg_iov = &iv, .msg_iovlen = 1 };
	char buf[32];
	int q = -1;
	long r;

	show("a SYS_write", syscall(SYS_write, sv[0], "abc", 3));
	show("a SYS_sendmsg", syscall(SYS_sendmsg, sv[0], &m, 0));
	show("a SYS_sendto", syscall(SYS_sendto, sv[0], "xy", 2, 0, NULL, 0));
	show("b SIOCINQ by number", syscall(SYS_ioctl, sv[1], SIOCINQ, &q));
	show("b SIOCINQ said", q);
	show("b SYS_read", r = syscall(SYS_read, sv[1], buf, sizeof(buf)));
	show_buf("b got", buf, r);
	show("b SYS_recvfrom", r = syscall(SYS_recvfrom, sv[1], buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL));
	if (r > 0)
		show_buf("b got", buf, r);
	show("b send", send(sv[1], "back", 4, 0));
	iv.iov_base = buf;
	iv.iov_len = sizeof(buf);
	show("a SYS_recvmsg", r = syscall(SYS_recvmsg, sv[0], &m, 0));
	show_buf("a got", buf, r);
	show("a SYS_recvmsg again", syscall(SYS_recvmsg, sv[0], &m, MSG_DONTWAIT));
	show("b SYS_shutdown", syscall(SYS_shutdown, sv[1], SHUT_WR));
	show("a recv after shutdown", recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT));
	close(sv[0]);
	close(sv[1]);
}

static void raw_fds(int sv[2])
{
	char buf[32];
	int d;
	long r;

	show("a send", send(sv[0], "one", 3, 0));
	d = (int)syscall(SYS_dup3, sv[1], 40, O_CLOEXEC);
	show("b SYS_dup3 to 40", d);
	show("b close", close(sv[1]));
	show("40 recv", r = recv(d, buf, sizeof(buf), 0));
	show_buf("40 got", buf, r);
	show("40 send", send(d, "two", 3, 0));
	show("a recv", r = recv(sv[0], buf, sizeof(buf), 0));
	show_buf("a got", buf, r);
	show("SYS_close_range 40..45", syscall(SYS_close_range, 40, 45, 0));
	show("a recv after", recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT));
	show("a send after", send(sv[0], "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL));
	close(sv[0]);
}

static void run(int argc, char **argv)
{
	int sv[2];
	char buf[8];

	watchdog(10);
	pair(sv);
	/* data both ways first: the pair is in the ring under udsx */
	show("a send", send(sv[0], "hi", 2, 0));
	show("b recv", recv(sv[1], buf, sizeof(buf), 0));
	show("b send", send(sv[1], "ho", 2, 0));
	show("a recv", recv(sv[0], buf, sizeof(buf), 0));
	if (variant("close"))
		closed_then_file(sv);
	else if (variant("io"))
		raw_io(sv);
	else
		raw_fds(sv);
}

SCENARIO_MAIN
