/* SPDX-License-Identifier: MIT */
/* i_workers.c -- one listener shared by forked workers, two of which exec a plain image: each in turn serves a connection with data queued both ways, then all serve concurrent clients. */
#include "common_i_flow.h"

static const char *instances[] = { "stream", "seqpacket", NULL };

#define NW 4	/* workers */
#define NC 8	/* concurrent clients in the second phase */

static const struct { const char *label; enum i_img img; } workers[NW] = {
	{ "w0 fork", I_FORK }, { "w1 plain", I_PLAIN }, { "w2 udsx", I_UDSX }, { "w3 plain", I_PLAIN },
};

/*
 * worker #LISTENER #TOKENS: a token 'A' means "accept the next connection
 * and serve it" (one worker at a time, so who serves what is fixed and the
 * transcript can show it); 'F' means "serve whoever comes until a
 * connection says stop!", concurrently with the other workers. What each
 * worker serves then depends on scheduling, so it prints nothing and exits
 * with the number it served (100: something went wrong).
 */
static int worker(int l, int tokens)
{
	int fd, bad = 0, served = 0, dn;
	char t = 0, h[5];

	while (read(tokens, &t, 1) == 1 && t == 'A') {
		if ((fd = i_accept("worker", l)) < 0)
			return 100;
		bad |= i_serve_rest("worker", fd, i_serve_start("worker", fd, 0));
	}
	fflush(stdout);
	if ((dn = open("/dev/null", O_WRONLY)) >= 0)
		dup2(dn, 1);
	for (;;) {
		if ((fd = i_accept("worker", l)) < 0)
			return 100;
		if (recv(fd, h, sizeof(h), MSG_PEEK) == 5 && !memcmp(h, "stop!", 5)) {
			close(fd);
			break;
		}
		bad |= i_serve_rest("worker", fd, i_serve_start("worker", fd, 0));
		served++;
	}
	return bad ? 100 : served;
}

/* quietclient BASE: a whole client whose exit status alone tells. */
static int quiet_client(const char *base)
{
	int dn = open("/dev/null", O_WRONLY);

	if (dn >= 0)
		dup2(dn, 1);
	return i_client("client", base, 0, -1);
}

static int i_role(const char *role, char **a)
{
	if (!strcmp(role, "quietclient"))
		return quiet_client(a[0]);
	if (!strcmp(role, "worker"))
		return worker(i_fdarg(a[0]), i_fdarg(a[1]));
	return i_std_role(role, a);
}

/* One stop! connection: ends one worker's second phase. */
static void stop_one(void)
{
	struct sockaddr_un srv;
	socklen_t sl = i_addr(&srv, i_base, "srv");
	int fd = socket(AF_UNIX, T_TYPE, 0);

	if (connect(fd, (struct sockaddr *)&srv, sl) < 0 || send(fd, "stop!", 5, MSG_NOSIGNAL) != 5)
		say("stop: %s", errname(errno));
	close(fd);
}

static void run(int argc, char **argv)
{
	struct i_kid wk[NW], ck[NC];
	struct sockaddr_un srv;
	socklen_t sl;
	struct i_client c;
	char label[NC][16];
	int l, tok[NW][2], i, st, total = 0;

	i_start(argc, argv);
	i_mkbase(0700);
	l = i_listen(i_base, 0, 16);
	sl = i_addr(&srv, i_base, "srv");
	for (i = 0; i < NW; i++) {
		struct i_argv a = { .n = 0 };

		i_pipe(tok[i]);
		i_arg(&a, "#%d", l);
		i_arg(&a, "#%d", tok[i][0]);
		i_spawn(&wk[i], workers[i].label, workers[i].img, "worker", a.v);
		close(tok[i][0]);
	}
	for (i = 0; i < NW; i++) {
		say("-- connection %d, served by %s", i, workers[i].label);
		if (i_client_open(&c, "client", &srv, sl, i_base, 0) < 0)
			break;
		if (write(tok[i][1], "A", 1) != 1)
			i_die("token");
		i_client_finish(&c);
	}
	say("-- %d concurrent clients, all workers accepting", NC);
	for (i = 0; i < NW; i++)
		if (write(tok[i][1], "F", 1) != 1)
			i_die("token");
	for (i = 0; i < NC; i++) {
		struct i_argv a = { .n = 0 };

		i_arg(&a, "%s", i_base);
		snprintf(label[i], sizeof(label[i]), "c%d", i);
		i_spawn(&ck[i], label[i], I_FORK, "quietclient", a.v);
	}
	for (i = 0; i < NC; i++)
		i_reap(&ck[i]);
	for (i = 0; i < NW; i++)
		stop_one();
	say("-- workers");
	for (i = 0; i < NW; i++) {
		close(tok[i][1]);
		st = wait_status(wk[i].pid);
		i_dump(&wk[i]);
		if (st >= 0 && st < 100)
			total += st;
		else
			say("%s: exit %d", wk[i].label, st);
	}
	say("second phase: served %d of %d", total, NC);
	close(l);
}

SCENARIO_MAIN_IF(i_named_modes)
