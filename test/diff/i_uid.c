/* SPDX-License-Identifier: MIT */
/* i_uid.c -- server and client under different uids (root and nobody, both ways): names, SO_PEERCRED, SCM_CREDENTIALS and data both ways (needs root). */
#include "common_i_flow.h"

static const char *instances[] = {
	"stream-rootserver", "stream-nobodyserver", "seqpacket-rootserver",
	"seqpacket-nobodyserver", "dgram-rootserver", "dgram-nobodyserver", NULL
};

static int i_role(const char *role, char **args)
{
	return i_std_role(role, args);
}

/* root listens; a child dropped to nobody connects */
static void root_server(void)
{
	struct i_argv a = { .n = 0 };
	struct i_kid k;
	int go[2], l = i_listen(i_base, I_CRED, 4);

	i_pipe(go);
	i_arg(&a, "%s", i_base);
	i_arg(&a, "%d", I_CRED | I_AS_NOBODY);
	i_arg(&a, "#%d", go[1]);
	i_spawn(&k, "nobody client", I_FORK, "client", a.v);
	close(go[1]);
	i_server("server", l, I_CRED, go[0], NULL);
	i_reap(&k);
}

/* a child dropped to nobody binds and listens; root connects */
static void nobody_server(void)
{
	struct i_argv a = { .n = 0 };
	struct i_kid k;
	int go[2], ready[2];

	i_pipe(go);
	i_pipe(ready);
	i_arg(&a, "%s", i_base);
	i_arg(&a, "%d", I_CRED | I_AS_NOBODY);
	i_arg(&a, "-");
	i_arg(&a, "#%d", ready[1]);
	i_arg(&a, "#%d", go[0]);
	i_arg(&a, "-");
	i_spawn(&k, "nobody server", I_FORK, "server", a.v);
	close(ready[1]);
	close(go[0]);
	if (i_wait(ready[0]))
		i_client("client", i_base, I_CRED, go[1]);
	close(go[1]);
	i_reap(&k);
}

static void run(int argc, char **argv)
{
	i_need_root();
	i_start(argc, argv);
	/* both uids create socket files in the directory, and each must be
	 * able to connect to the other's */
	umask(0);
	i_mkbase(01777);
	if (strstr(T_INSTANCE, "rootserver"))
		root_server();
	else
		nobody_server();
}

SCENARIO_MAIN_IF(i_named_modes)
