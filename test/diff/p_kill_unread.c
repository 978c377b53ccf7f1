/* SPDX-License-Identifier: MIT */
/* p_kill_unread.c -- a peer SIGKILLed with data it never read: the survivor's sends fail at once (EPIPE, ECONNRESET, ECONNREFUSED), and its reads give ECONNRESET in the kernel's order (SEMANTICS 168-173, 176, 205). */
#include <grp.h>
#include <stdbool.h>
#include "common_b.h"

/*
 * The child holds one end and never reads what the parent sends last; the
 * parent kills it, reaps it, and only then looks. Nothing of udsx runs in a
 * process killed by SIGKILL, so the survivor must learn of the death from
 * the kernel. Variants:
 *   -write    the parent then sends twice (MSG_NOSIGNAL);
 *   -sigpipe  the same without MSG_NOSIGNAL, SIGPIPE counted;
 *   -many     the parent then sends 300 64-byte messages: how many pass;
 *   -read     the child had sent 3 messages the parent had not read yet;
 *   -sendfirst  the same, and the parent sends before it reads them (DGRAM:
 *             the refused send drops them);
 *   -full     the parent had filled its way to the child to EAGAIN;
 *   -blocked  the same, then the parent blocks in a send and the child
 *             kills itself once the parent sleeps;
 *   -hot      the ends first traded 40 messages each way (the ring in use),
 *             and the child had sent 3 more;
 *   -thread   the child read through a thread that has since exited;
 *   -execd    the child exec'd this program (under udsx if the parent is)
 *             before it was killed;
 *   -otheruid as -full, but the parent runs as nobody (when started as
 *             root), so it cannot look at the root child's liveness, and
 *             its sends after the death are non-blocking.
 */
static const char *instances[] = {
	"stream-write", "dgram-write", "seqpacket-write",
	"stream-sigpipe", "dgram-sigpipe", "seqpacket-sigpipe",
	"stream-many", "dgram-many", "seqpacket-many",
	"stream-read", "dgram-read", "seqpacket-read",
	"stream-sendfirst", "dgram-sendfirst", "seqpacket-sendfirst",
	"stream-full", "dgram-full", "seqpacket-full",
	"stream-blocked", "dgram-blocked", "seqpacket-blocked",
	"stream-hot", "dgram-hot", "seqpacket-hot",
	"stream-thread", "dgram-thread", "seqpacket-thread",
	"stream-execd", "dgram-execd", "seqpacket-execd",
	"stream-otheruid", "seqpacket-otheruid", NULL
};

static int sock_fd;

static void *reader_fn(void *arg)
{
	char b[16];

	(void)arg;
	return (void *)(long)recv(sock_fd, b, 4, 0);
}

/* The child's side: optional warm-up or thread read, 3 messages to the
 * parent in -read/-hot, then "ready" on the pipe and wait to be killed. */
static void child(int fd, int ready, int go)
{
	char b[64];
	int i;

	sock_fd = fd;
	if (variant("hot")) {
		for (i = 0; i < 40; i++) {
			if (recv(fd, b, 4, 0) != 4 || send(fd, "pong", 4, 0) != 4)
				_exit(3);
		}
	}
	if (variant("thread")) {
		pthread_t t;
		void *r;

		if (pthread_create(&t, NULL, reader_fn, NULL) || pthread_join(t, &r) ||
		    (long)r != 4)
			_exit(4);
	}
	if (variant("read") || variant("hot") || variant("sendfirst")) {
		for (i = 0; i < 3; i++) {
			snprintf(b, sizeof(b), "m%d", i);
			if (send(fd, b, 2, 0) != 2)
				_exit(5);
		}
	}
	if (write(ready, "r", 1) != 1)
		_exit(6);
	if (variant("blocked")) {
		char c;

		if (read(go, &c, 1) != 1)
			_exit(7);
		wait_sleeping_pid(getppid());
		kill(getpid(), SIGKILL);
	}
	if (variant("otheruid")) {
		char c;

		/* (the parent, now another user, may not kill us) */
		if (read(go, &c, 1) != 1)
			_exit(7);
		kill(getpid(), SIGKILL);
	}
	for (;;)
		pause();
}

static void show_recvs(const char *label, int fd)
{
	char b[64], l[80];
	int i;

	for (i = 0; i < 6; i++) {
		long r = recv(fd, b, 2, MSG_DONTWAIT);

		snprintf(l, sizeof(l), "%s %d", label, i);
		if (r > 0)
			show_buf(l, b, r);
		else
			show(l, r);
		if (r == 0 || (r < 0 && errno == EAGAIN))
			break;
	}
}

static void run(int argc, char **argv)
{
	int sv[2], rp[2], gp[2], i, first = 0, ok = 0;
	char c, m[64];
	pid_t pid;

	if (argc >= 4 && variant("execd") && argv[2][0] == 'c') {
		/* the exec'd child: argv[3] = socket fd, argv[4] = pipe fd */
		if (argc < 5)
			exit(2);
		child(atoi(argv[3]), atoi(argv[4]), -1);
	}
	alarm(10);	/* no watchdog thread: threads before fork upset ASan */
	count_sigpipe();
	pair(sv);
	if (pipe(rp) < 0 || pipe(gp) < 0)
		exit(1);
	pid = fork();
	if (pid == 0) {
		alarm(10);
		close(sv[0]);
		close(rp[0]);
		close(gp[1]);
		if (variant("execd")) {
			char s1[16], s2[16];
			char *args[] = { argv[0], (char *)T_INSTANCE, "c", s1, s2, NULL };

			snprintf(s1, sizeof(s1), "%d", sv[1]);
			snprintf(s2, sizeof(s2), "%d", rp[1]);
			execv(argv[0], args);
			_exit(12);
		}
		child(sv[1], rp[1], gp[0]);
	}
	close(sv[1]);
	close(rp[1]);
	close(gp[0]);
	if (variant("otheruid")) {
		bool dropped = geteuid() == 0 && setgroups(0, NULL) == 0 &&
			       setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0;

		say("parent runs as another user than the child: %s", dropped ? "yes" : "no");
	}
	if (variant("hot")) {
		for (i = 0; i < 40; i++) {
			if (send(sv[0], "ping", 4, 0) != 4 || recv(sv[0], m, 4, 0) != 4)
				say("warm-up failed at %d", i);
		}
	}
	if (variant("thread"))
		show("parent send for the thread", send(sv[0], "abcd", 4, 0));
	show("ready byte", read(rp[0], &c, 1));
	show("parent send (never read)", send(sv[0], "xyz", 3, 0));
	if (variant("full") || variant("blocked") || variant("otheruid")) {
		long bytes;
		int err = 0;

		say("parent fill: %ld sends, %s", fill(sv[0], 1000, &bytes, &err), errname(err));
	}
	say("parent outq before death: %d", outq(sv[0]));
	if (variant("blocked")) {
		char big[1000] = { 0 };

		show("go byte", write(gp[1], "g", 1));
		show("parent blocked send", send(sv[0], big, sizeof(big), MSG_NOSIGNAL));
	}
	if (variant("otheruid"))
		show("go byte", write(gp[1], "g", 1));
	else
		kill(pid, SIGKILL);
	reap("child", pid);
	show_poll("parent after death", sv[0]);
	say("parent outq/inq after death: %d %d", outq(sv[0]), inq(sv[0]));
	if (variant("read") || variant("hot")) {
		show_recvs("parent recv", sv[0]);
		show_poll("parent after reads", sv[0]);
	}
	if (variant("many")) {
		memset(m, 'm', sizeof(m));
		for (i = 0; i < 300; i++) {
			if (send(sv[0], m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT) == sizeof(m))
				ok++;
			else if (!first)
				first = errno;
		}
		say("parent sends: %d passed, first error %s", ok, first ? errname(first) : "0");
	} else if (variant("sendfirst")) {
		show("parent send 1", send(sv[0], "abc", 3, MSG_NOSIGNAL));
		show_poll("parent after send", sv[0]);
		show_recvs("parent recv", sv[0]);
		show("parent send 2", send(sv[0], "abc", 3, MSG_NOSIGNAL));
	} else {
		int fl = (variant("sigpipe") ? 0 : MSG_NOSIGNAL) | (variant("otheruid") ? MSG_DONTWAIT : 0);

		show("parent send 1", send(sv[0], "abc", 3, fl));
		show("parent send 2", send(sv[0], "abc", 3, fl));
		show_sigpipe("parent");
	}
	show_poll("parent end", sv[0]);
	first = so_error(sv[0]);
	say("parent so_error: %s", first ? errname(first) : "0");
	show_recvs("parent recv at end", sv[0]);
	close(rp[0]);
	close(gp[1]);
	close(sv[0]);
}

SCENARIO_MAIN
