/* SPDX-License-Identifier: MIT */
/* p_posix_spawn.c -- posix_spawn of /bin/true, or of a helper (with and without LD_PRELOAD) that uses an inherited end with data queued both ways; the parent's channels keep working (SEMANTICS 11, 19, 23; DESIGN 4 vfork/CLONE_VM). */
#include "common_b.h"
#include <spawn.h>

static const char *instances[] = {
	"stream-true", "dgram-true", "seqpacket-true",
	"stream-self", "dgram-self", "seqpacket-self",
	"stream-selfplain", "dgram-selfplain", "seqpacket-selfplain", NULL
};

#define NP (is_stream() ? 20000L : 20L)
#define NC0 (is_stream() ? 15000L : 15L)
#define NC (is_stream() ? 100000L : 60L)

static void run(int argc, char **argv)
{
	extern char **environ;
	int sv[2], other[2], rc;
	char inst[64], s1[24], s2[24], s3[24], s4[24];
	char *args[] = { argv[0], inst, s1, s2, s3, s4, NULL };
	char *targs[] = { "/bin/true", NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	struct got g;

	if (strstr(T_INSTANCE, "-spawned") && argc >= 6) {
		alarm(10);
		rc = spawn_role(atoi(argv[2]), atol(argv[3]), atol(argv[4]), atol(argv[5]));
		if (strstr(T_INSTANCE, "plain") && getenv("LD_PRELOAD"))
			rc |= 4;
		exit(rc);
	}
	alarm(10);	/* no watchdog thread: threads before fork upset ASan */
	pair(sv);
	pair(other);
	say("queued to b: %ld", send_units(sv[0], 0, 0, NP, 1));
	say("queued to a: %ld", send_units(sv[1], 1, 0, NC0, 1));
	show("other pair send", send(other[0], "other", 5, 0));
	snprintf(inst, sizeof(inst), "%s-spawned%s", type_name(), variant("selfplain") ? "plain" : "");
	snprintf(s1, sizeof(s1), "%d", sv[1]);
	snprintf(s2, sizeof(s2), "%ld", NP);
	snprintf(s3, sizeof(s3), "%ld", NC0);
	snprintf(s4, sizeof(s4), "%ld", NC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (variant("true"))
		rc = posix_spawn(&pid, targs[0], &fa, NULL, targs, environ);
	else
		rc = posix_spawn(&pid, args[0], &fa, NULL, args,
				 variant("selfplain") ? env_without_preload() : environ);
	posix_spawn_file_actions_destroy(&fa);
	say("posix_spawn: %d", rc);
	if (rc)
		return;
	/* The parent keeps using another channel while the child runs. */
	rcv("other read", other[1], 8, 0);
	show("other send back", send(other[1], "echo", 4, 0));
	rcv("other read back", other[0], 8, 0);
	reap("child", pid);
	if (variant("true"))
		say("parent as helper: %d", spawn_role(sv[1], NP, NC0, NC));
	set_nonblock(sv[0], 1);
	recv_units(sv[0], 1, 0, &g);
	show_got("a got", &g);
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
