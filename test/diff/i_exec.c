/* SPDX-License-Identifier: MIT */
/* i_exec.c -- an accepted connection with data queued both ways whose server execs from a udsx image into a plain one, and from a plain one into a udsx one. */
#include "common_i_flow.h"

static const char *instances[] = {
	"stream-toplain", "stream-toudsx", "seqpacket-toplain", "seqpacket-toudsx",
	"dgram-toplain", "dgram-toudsx", NULL
};

static int i_role(const char *role, char **args)
{
	return i_std_role(role, args);
}

static void run(int argc, char **argv)
{
	int toplain = strstr(T_INSTANCE, "toplain") != NULL, go[2], l;
	struct i_argv a = { .n = 0 };
	struct i_kid k;

	i_start(argc, argv);
	i_mkbase(0700);
	l = i_listen(i_base, 0, 4);
	i_pipe(go);
	i_arg(&a, "%s", i_base);
	i_arg(&a, "0");
	i_arg(&a, "#%d", l);
	i_arg(&a, "-");
	i_arg(&a, "#%d", go[0]);
	i_arg(&a, "%s", toplain ? "plain" : "udsx");
	/* toplain: a forked udsx server execs a plain image; toudsx: a plain
	 * server execs an image with udsx */
	i_spawn(&k, "server", toplain ? I_FORK : I_PLAIN, "server", a.v);
	close(go[0]);
	if (!is_dgram())
		close(l);
	i_client("client", i_base, 0, go[1]);
	close(go[1]);
	i_reap(&k);
}

SCENARIO_MAIN_IF(i_named_modes)
