/* SPDX-License-Identifier: MIT */
/* p_vfork.c -- a vfork child exits, execs /bin/true, or execs a helper that uses an inherited end, while data is queued both ways; the parent's channels keep working (SEMANTICS 11, 19, 23; DESIGN 4 fork/vfork). */
#include "common_b.h"

static const char *instances[] = {
	"stream-exit", "dgram-exit", "seqpacket-exit",
	"stream-exec", "dgram-exec", "seqpacket-exec",
	"stream-execself", "dgram-execself", "seqpacket-execself", NULL
};

#define NP (is_stream() ? 20000L : 20L)
#define NC0 (is_stream() ? 15000L : 15L)
/* NC fits in the queue: the parent reads only after the child is gone */
#define NC (is_stream() ? 100000L : 60L)

static void run(int argc, char **argv)
{
	extern char **environ;
	int sv[2], other[2], dn;
	char inst[64], s1[24], s2[24], s3[24], s4[24];
	char *args[] = { argv[0], inst, s1, s2, s3, s4, NULL };
	char *targs[] = { "/bin/true", NULL };
	pid_t pid;
	struct got g;

	if (strstr(T_INSTANCE, "-vforked") && argc >= 6) {
		alarm(10);
		exit(spawn_role(atoi(argv[2]), atol(argv[3]), atol(argv[4]), atol(argv[5])));
	}
	alarm(10);	/* no watchdog thread: threads before fork upset ASan */
	pair(sv);
	pair(other);
	say("queued to b: %ld", send_units(sv[0], 0, 0, NP, 1));
	say("queued to a: %ld", send_units(sv[1], 1, 0, NC0, 1));
	show("other pair send", send(other[0], "other", 5, 0));
	/* Everything the child needs is prepared before vfork. */
	snprintf(inst, sizeof(inst), "%s-vforked", type_name());
	snprintf(s1, sizeof(s1), "%d", sv[1]);
	snprintf(s2, sizeof(s2), "%ld", NP);
	snprintf(s3, sizeof(s3), "%ld", NC0);
	snprintf(s4, sizeof(s4), "%ld", NC);
	dn = open("/dev/null", O_WRONLY);
	pid = vfork();
	if (pid == 0) {
		if (variant("exit"))
			_exit(7);
		dup2(dn, 1);
		if (variant("exec"))
			execve(targs[0], targs, environ);
		else
			execve(args[0], args, environ);
		_exit(12);
	}
	close(dn);
	reap("child", pid);
	if (!variant("execself")) {
		/* Do in the parent what the helper would have done. */
		say("parent as helper: %ld", (long)spawn_role(sv[1], NP, NC0, NC));
	}
	set_nonblock(sv[0], 1);
	recv_units(sv[0], 1, 0, &g);
	show_got("a got", &g);
	rcv("other read", other[1], 8, MSG_DONTWAIT);
	show("inq b", inq(sv[1]));
	show("a send", send(sv[0], "after", 5, 0));
	rcv("b read", sv[1], 8, MSG_DONTWAIT);
	show("b send", send(sv[1], "back", 4, 0));
	rcv("a read", sv[0], 8, MSG_DONTWAIT);
	close(sv[0]);
	close(sv[1]);
	close(other[0]);
	close(other[1]);
}

SCENARIO_MAIN
