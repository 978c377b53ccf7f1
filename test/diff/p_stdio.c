/* SPDX-License-Identifier: MIT */
/* p_stdio.c -- stdio on a socket (fdopen, or fds 0-1 of a child, with and without exec): glibc's FILE calls bypass every wrapper, so the bytes must already be in the kernel. */
#include "common.h"

static const char *instances[] = {
	"stream-fdopen", "seqpacket-fdopen",
	"stream-dup2", "seqpacket-dup2",
	"stream-exec", "seqpacket-exec", NULL
};

static void show_all(const char *label, int fd)
{
	char b[256];
	long r;

	do {
		r = recv(fd, b, sizeof(b), 0);
		if (r > 0)
			show_buf(label, b, r);
		else
			show(label, r);
	} while (r > 0);
}

static void run(int argc, char **argv)
{
	int sv[2];
	pid_t pid;

	alarm(20);
	pair(sv);
	if (variant("fdopen")) {
		FILE *w = fdopen(sv[0], "w"), *r;
		char line[64];

		send(sv[1], "first line\n", 11, 0);
		fprintf(w, "hello ");
		fflush(w);
		show("write world", write(sv[0], "world", 5));
		r = fdopen(dup(sv[0]), "r");
		if (r && fgets(line, sizeof(line), r))
			show_buf("fgets", line, (long)strlen(line));
		shutdown(sv[0], SHUT_WR);
		show_all("peer reads", sv[1]);
		return;
	}
	/* peer data already queued when the child starts */
	show("send", send(sv[0], "abc\n", 4, 0));
	show("send", send(sv[0], "def\n", 4, 0));
	shutdown(sv[0], SHUT_WR);
	pid = fork();
	if (pid == 0) {
		char line[64];
		int n = 0;

		close(sv[0]);
		dup2(sv[1], 0);
		dup2(sv[1], 1);
		close(sv[1]);
		if (variant("exec")) {
			execl("/bin/sh", "sh", "-c", "while read l; do echo \"got $l\"; done", (char *)NULL);
			_exit(127);
		}
		while (fgets(line, sizeof(line), stdin))
			printf("line %d: %s", ++n, line);
		fflush(stdout);
		_exit(0);
	}
	close(sv[1]);
	reap("child", pid);
	show_all("parent reads", sv[0]);
}

SCENARIO_MAIN
