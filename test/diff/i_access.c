/* SPDX-License-Identifier: MIT */
/* i_access.c -- connecting to a socket file needs write permission on it: a client dropped to nobody gets EACCES from a 0755 socket and connects to a 0777 one (needs root). */
#include "common_i_flow.h"

static const char *instances[] = {
	"stream-0755", "stream-0777", "seqpacket-0755", "seqpacket-0777",
	"dgram-0755", "dgram-0777", NULL
};

static int i_role(const char *role, char **args)
{
	return i_std_role(role, args);
}

/* File permissions exist for pathnames only. */
static int path_mode(const char *inst)
{
	return T_CONN == CONN_PATH;
}

static void run(int argc, char **argv)
{
	struct i_argv a = { .n = 0 };
	struct sockaddr_un srv;
	struct i_kid k;
	int go[2], l;

	i_need_root();
	i_start(argc, argv);
	i_mkbase(0755);	/* nobody may look up names in it, not create any */
	l = i_listen(i_base, I_CRED, 4);
	i_addr(&srv, i_base, "srv");
	show("chmod socket", chmod(srv.sun_path, strstr(T_INSTANCE, "0777") ? 0777 : 0755));
	i_pipe(go);
	i_arg(&a, "%s", i_base);
	/* a DGRAM client cannot bind in the directory: it autobinds */
	i_arg(&a, "%d", I_CRED | I_AS_NOBODY | (is_dgram() ? I_AUTOBIND : 0));
	i_arg(&a, "#%d", go[1]);
	i_spawn(&k, "nobody client", I_FORK, "client", a.v);
	close(go[1]);
	if (i_wait(go[0])) {
		i_server("server", l, I_CRED, -1, NULL);
	} else {
		say("server: no client came");
		show_poll("server socket", l);
	}
	i_reap(&k);
}

SCENARIO_MAIN_IF(path_mode)
