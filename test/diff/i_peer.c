/* SPDX-License-Identifier: MIT */
/* i_peer.c -- a udsx client with a server without udsx, and a client without udsx with a udsx server: names, credentials and data both ways across the accept. */
#include "common_i_flow.h"

static const char *instances[] = {
	"stream-udsxclient", "stream-udsxserver", "seqpacket-udsxclient", "seqpacket-udsxserver",
	"dgram-udsxclient", "dgram-udsxserver", NULL
};

static int i_role(const char *role, char **args)
{
	return i_std_role(role, args);
}

/* This process is the client; the plain server binds and listens itself. */
static void udsx_client(void)
{
	struct i_argv a = { .n = 0 };
	struct sockaddr_un srv;
	socklen_t sl = i_addr(&srv, i_base, "srv");
	struct i_client c;
	struct i_kid k;
	int go[2], ready[2];

	i_pipe(go);
	i_pipe(ready);
	i_arg(&a, "%s", i_base);
	i_arg(&a, "%d", I_CRED);
	i_arg(&a, "-");
	i_arg(&a, "#%d", ready[1]);
	i_arg(&a, "#%d", go[0]);
	i_arg(&a, "-");
	i_spawn(&k, "plain server", I_PLAIN, "server", a.v);
	close(ready[1]);
	close(go[0]);
	if (i_wait(ready[0]) && i_client_open(&c, "client", &srv, sl, i_base, I_CRED) >= 0) {
		i_signal(go[1]);
		i_client_finish(&c);
	}
	close(go[1]);
	i_reap(&k);
}

/* This process is the server; the plain client connects. */
static void udsx_server(void)
{
	struct i_argv a = { .n = 0 };
	struct i_kid k;
	int go[2], l = i_listen(i_base, I_CRED, 4);

	i_pipe(go);
	i_arg(&a, "%s", i_base);
	i_arg(&a, "%d", I_CRED);
	i_arg(&a, "#%d", go[1]);
	i_spawn(&k, "plain client", I_PLAIN, "client", a.v);
	close(go[1]);
	i_server("server", l, I_CRED, go[0], NULL);
	i_reap(&k);
}

static void run(int argc, char **argv)
{
	i_start(argc, argv);
	i_mkbase(0700);
	if (strstr(T_INSTANCE, "udsxclient"))
		udsx_client();
	else
		udsx_server();
}

SCENARIO_MAIN_IF(i_named_modes)
