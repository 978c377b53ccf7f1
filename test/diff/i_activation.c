/* SPDX-License-Identifier: MIT */
/* i_activation.c -- socket activation: a listener (or bound DGRAM socket) with a client already queued is inherited as fd 3 by an exec'd server, with and without udsx. */
#include "common_i_flow.h"

static const char *instances[] = {
	"stream-udsx", "stream-plain", "seqpacket-udsx", "seqpacket-plain",
	"dgram-udsx", "dgram-plain", NULL
};

static int i_role(const char *role, char **args)
{
	return i_std_role(role, args);
}

/* The server image gets the listener as fd 3 and nothing else but stdio,
 * as from a service manager. */
static void start_server(struct i_kid *k, int l, int plain)
{
	if (i_fork(k, "server"))
		return;
	if (l == 3)
		fcntl(3, F_SETFD, 0);
	else if (dup2(l, 3) < 0)
		i_die("dup2");
	close_range(4, ~0U, 0);
	i_exec("activated", NULL, plain);
}

static void run(int argc, char **argv)
{
	struct sockaddr_un srv;
	socklen_t sl;
	struct i_client c;
	struct i_kid k;
	int l;

	i_start(argc, argv);
	i_mkbase(0700);
	l = i_listen(i_base, 0, 4);
	sl = i_addr(&srv, i_base, "srv");
	/* the client connects and queues before the server even exists */
	if (i_client_open(&c, "client", &srv, sl, i_base, 0) < 0)
		return;
	start_server(&k, l, strstr(T_INSTANCE, "plain") != NULL);
	i_client_finish(&c);
	i_reap(&k);
	close(l);
}

SCENARIO_MAIN_IF(i_named_modes)
