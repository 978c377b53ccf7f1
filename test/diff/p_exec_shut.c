/* SPDX-License-Identifier: MIT */
/* p_exec_shut.c -- the writer queues data and shuts down (or closes) before the reader's child execs, spawns through system()/popen() or searches PATH first: the new image reads all of it, then the end (SEMANTICS 156-160, 167; DESIGN 4 exec). */
#include "common_b.h"

/*
 * The writer's SHUT_WR (or close) reaches the kernel while its data is
 * still queued; only then does the reader's process start the program that
 * reads it. With the kernel the data simply waits in the reader's queue.
 * Variants, by how the reading program is started:
 *   -fork        no exec: the forked child reads;
 *   -udsx        exec of this program keeping LD_PRELOAD;
 *   -plain       exec of this program without LD_PRELOAD;
 *   -search      a PATH-search-like run of failing execs (ENOENT, ENOTDIR)
 *                first, then the exec keeping LD_PRELOAD;
 *   -system      system("exec PROG ..."): libc spawns /bin/sh itself;
 *   -popen       popen() of the same command;
 *   -close, -close-plain, -close-search: the writer closes its end
 *                (after an END message on DGRAM) instead of SHUT_WR.
 * The reader reads without blocking (everything was queued before it
 * started, so no wait is needed and a loss cannot hang) and answers with
 * a REPORT when the writer is still there; its exit status says whether
 * every unit arrived, in order, and then the end.
 */
static const char *instances[] = {
	"stream-fork", "dgram-fork", "seqpacket-fork",
	"stream-udsx", "dgram-udsx", "seqpacket-udsx",
	"stream-plain", "dgram-plain", "seqpacket-plain",
	"stream-search", "dgram-search", "seqpacket-search",
	"stream-system", "dgram-system", "seqpacket-system",
	"stream-popen", "dgram-popen", "seqpacket-popen",
	"stream-close", "dgram-close", "seqpacket-close",
	"stream-close-plain", "dgram-close-plain", "seqpacket-close-plain",
	"stream-close-search", "dgram-close-search", "seqpacket-close-search", NULL
};

#define NUNITS (is_stream() ? 50000L : 20L)

/* The reading program: fd, units expected, whether to answer. */
static int reader_role(int fd, long n, int reply)
{
	int type = -1;
	socklen_t l = sizeof(type);
	struct got g;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0 || type != T_TYPE)
		return 10;
	set_nonblock(fd, 1);
	recv_units_from(fd, 0, 0, 0, &g);
	if (reply)
		send_report(fd, &g);
	return g.units == n && !g.bad && !g.trunc && g.ended ? 0 : 1;
}

/* Failing execs as a PATH search makes them; both must fail and change
 * nothing. */
static void failing_execs(char **args)
{
	extern char **environ;

	execve("/nonexistent-udsx-test/prog", args, environ);
	if (errno != ENOENT)
		_exit(13);
	execve("/dev/null/prog", args, environ);
	if (errno != ENOTDIR)
		_exit(13);
}

/* The shell command that runs the reader on fd. */
static void reader_cmd(char *cmd, size_t len, const char *argv0, int fd, int reply)
{
	snprintf(cmd, len, "exec '%s' %s-execd %d %ld %d 0", argv0, type_name(), fd, NUNITS, reply);
}

/* In the child, once the writer is done: start the reader as the variant says. */
static void child_reads(const char *argv0, int fd, int reply)
{
	char cmd[1024], buf[64];
	char *args[] = { (char *)argv0, "never-run", NULL };
	int st, dn;
	FILE *p;

	if (variant("fork"))
		_exit(reader_role(fd, NUNITS, reply));
	if (variant("system") || variant("popen")) {
		/* only the parent prints */
		dn = open("/dev/null", O_WRONLY);
		dup2(dn, 1);
		close(dn);
		reader_cmd(cmd, sizeof(cmd), argv0, fd, reply);
		if (variant("system")) {
			st = system(cmd);
		} else {
			p = popen(cmd, "r");
			if (!p)
				_exit(14);
			while (fread(buf, 1, sizeof(buf), p) > 0)
				;
			st = pclose(p);
		}
		_exit(st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : 99);
	}
	if (strstr(T_INSTANCE, "search"))
		failing_execs(args);
	exec_self(argv0, "execd", fd, NUNITS, reply, 0, strstr(T_INSTANCE, "plain") != NULL);
}

static void run(int argc, char **argv)
{
	int sv[2], go[2], closing = strstr(T_INSTANCE, "-close") != NULL;
	pid_t pid;
	struct got g;
	char c = 'g';

	if (strstr(T_INSTANCE, "-execd") && argc >= 5)
		exit(reader_role(atoi(argv[2]), atol(argv[3]), atoi(argv[4])));
	alarm(10);	/* no watchdog thread: threads before fork upset ASan */
	pair(sv);
	if (pipe(go) < 0) {
		perror("pipe");
		exit(1);
	}
	pid = fork();
	if (pid == 0) {
		alarm(10);	/* survives the exec */
		close(sv[0]);
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(15);
		close(go[0]);
		child_reads(argv[0], sv[1], !closing);
	}
	close(go[0]);
	close(sv[1]);
	say("parent queued: %ld", send_units(sv[0], 0, 0, NUNITS, 1));
	finish_units(sv[0]);	/* SHUT_WR; an END message on DGRAM */
	if (closing)
		close(sv[0]);
	else if (is_dgram())
		show("parent shutdown wr", shutdown(sv[0], SHUT_WR));
	/* only now may the reader's program start */
	if (write(go[1], &c, 1) != 1)
		perror("write");
	close(go[1]);
	if (!closing) {
		recv_units(sv[0], 1, 1, &g);
		show_got("parent got", &g);
	}
	reap("child", pid);
	if (!closing) {
		say("parent after end: %s", after_end(sv[0]));
		close(sv[0]);
	}
}

SCENARIO_MAIN
