/* SPDX-License-Identifier: MIT */
/* i_scm.c -- a dispatcher accepts a connection, both sides queue data, and it passes the accepted socket by SCM_RIGHTS to a worker image with udsx or without. */
#include "common_i_flow.h"

static const char *instances[] = {
	"stream-udsx", "stream-plain", "seqpacket-udsx", "seqpacket-plain", NULL
};

/* worker #CTL: take the connection and how far the dispatcher got, serve on. */
static int worker(int ctl)
{
	char tag = 0;
	int fd = recv_fd(ctl, &tag);
	long c1 = -1;

	if (fd < 0 || tag != 'F' || read(ctl, &c1, sizeof(c1)) != sizeof(c1)) {
		say("worker: no connection");
		return 1;
	}
	close(ctl);
	i_show_names("worker", fd);
	i_show_peercred("worker", fd);
	return i_serve_rest("worker", fd, c1);
}

/* dispatch #LISTENER #GO IMAGE: start the worker, accept, first half, pass. */
static int dispatch(int l, int go, const char *img)
{
	struct i_argv a = { .n = 0 };
	struct i_kid k;
	int ctl[2], fd;
	long c1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) < 0)
		i_die("socketpair");
	i_arg(&a, "#%d", ctl[1]);
	i_spawn(&k, "worker", strcmp(img, "plain") ? I_UDSX : I_PLAIN, "worker", a.v);
	close(ctl[1]);
	if (!i_wait(go) || (fd = i_accept("dispatcher", l)) < 0)
		return 1;
	c1 = i_serve_start("dispatcher", fd, 0);
	show("dispatcher: pass", send_fd(ctl[0], fd, 'F'));
	if (write(ctl[0], &c1, sizeof(c1)) != sizeof(c1))
		i_die("write ctl");
	close(fd);
	close(ctl[0]);
	i_reap(&k);
	return 0;
}

static int i_role(const char *role, char **a)
{
	if (!strcmp(role, "worker"))
		return worker(i_fdarg(a[0]));
	if (!strcmp(role, "dispatch"))
		return dispatch(i_fdarg(a[0]), i_fdarg(a[1]), a[2]);
	return i_std_role(role, a);
}

static void run(int argc, char **argv)
{
	struct i_argv a = { .n = 0 };
	struct i_kid k;
	int go[2], l;

	i_start(argc, argv);
	i_mkbase(0700);
	l = i_listen(i_base, 0, 4);
	i_pipe(go);
	i_arg(&a, "#%d", l);
	i_arg(&a, "#%d", go[0]);
	i_arg(&a, "%s", strstr(T_INSTANCE, "plain") ? "plain" : "udsx");
	i_spawn(&k, "dispatcher", I_FORK, "dispatch", a.v);
	close(go[0]);
	close(l);
	i_client("client", i_base, 0, go[1]);
	close(go[1]);
	i_reap(&k);
}

SCENARIO_MAIN_IF(i_named_modes)
