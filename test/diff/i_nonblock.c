/* SPDX-License-Identifier: MIT */
/* i_nonblock.c -- non-blocking connect (and EAGAIN on a full backlog), clients that autobind (bind to the family alone, or SO_PASSCRED before connect) and a listener that autobinds, blocking and non-blocking. */
#include "common_i_flow.h"

static const char *instances[] = {
	"stream-nbconnect", "seqpacket-nbconnect", "dgram-nbconnect",
	"stream-autobind", "seqpacket-autobind", "dgram-autobind",
	"stream-autobind-nb", "seqpacket-autobind-nb", "dgram-autobind-nb",
	"stream-passcred", "seqpacket-passcred", "dgram-passcred",
	"stream-autolisten", "seqpacket-autolisten",
	"stream-autolisten-nb", "seqpacket-autolisten-nb", NULL
};

static int i_role(const char *role, char **args)
{
	return i_std_role(role, args);
}

/* An autobound listener has an abstract name whatever the mode: abstract
 * mode only, so it runs once. */
static int applies(const char *inst)
{
	return strstr(inst, "autolisten") ? T_CONN == CONN_ABSTRACT : T_CONN != CONN_PAIR;
}

/* listen() before bind fails; bind to the family alone autobinds. */
static int autolisten(int nb, struct sockaddr_un *srv, socklen_t *sl)
{
	sa_family_t fam = AF_UNIX;
	int l = socket(AF_UNIX, T_TYPE | SOCK_CLOEXEC | (nb ? SOCK_NONBLOCK : 0), 0);

	show("listen unbound", listen(l, 4));
	show("bind family only", bind(l, (struct sockaddr *)&fam, sizeof(fam)));
	show("listen", listen(l, 4));
	*sl = sizeof(*srv);
	if (show("getsockname", getsockname(l, (struct sockaddr *)srv, sl)) == 0)
		say("listener: %s len=%u", i_name_text(srv, *sl), *sl);
	if (nb)
		show("accept before any client", accept4(l, NULL, NULL, 0));
	return l;
}

static void run(int argc, char **argv)
{
	int nb = strstr(T_INSTANCE, "-nb") != NULL, opts = nb ? I_NB : 0, go[2], l, s2;
	struct i_argv a = { .n = 0 };
	struct sockaddr_un srv;
	socklen_t sl;
	struct i_client c;
	struct i_kid k;

	i_start(argc, argv);
	i_mkbase(0700);
	if (strstr(T_INSTANCE, "autobind"))
		opts |= I_AUTOBIND;
	if (strstr(T_INSTANCE, "passcred"))
		opts |= I_PCBIND;
	if (strstr(T_INSTANCE, "autolisten")) {
		l = autolisten(nb, &srv, &sl);
	} else {
		/* backlog 0: one connection waits to be accepted, a second finds
		 * the queue full */
		l = i_listen(i_base, 0, variant("nbconnect") ? 0 : 4);
		sl = i_addr(&srv, i_base, "srv");
	}
	i_pipe(go);
	i_arg(&a, "%s", i_base);
	i_arg(&a, "0");
	i_arg(&a, "#%d", l);
	i_arg(&a, "-");
	i_arg(&a, "#%d", go[0]);
	i_arg(&a, "-");
	i_spawn(&k, "server", I_FORK, "server", a.v);
	close(go[0]);
	if (!is_dgram())
		close(l);
	if (i_client_open(&c, "client", &srv, sl, i_base, opts) >= 0) {
		if (variant("nbconnect") && !is_dgram()) {
			s2 = socket(AF_UNIX, T_TYPE | SOCK_NONBLOCK, 0);
			show("second client: connect", connect(s2, (struct sockaddr *)&srv, sl));
			close(s2);
		}
		i_signal(go[1]);
		i_client_finish(&c);
	}
	close(go[1]);
	i_reap(&k);
}

SCENARIO_MAIN_IF(applies)
