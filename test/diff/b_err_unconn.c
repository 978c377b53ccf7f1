/* SPDX-License-Identifier: MIT */
/* b_err_unconn.c -- data calls on fresh, listening and connected sockets: EINVAL vs ENOTCONN, EOPNOTSUPP, EISCONN (SEMANTICS 16, 17, 181, 182, 199, 200, 201, 202, 211, 212, 214). */
#include "common_b.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	int s, sv[2];
	char buf[8];
	struct sockaddr_un to = { .sun_family = AF_UNIX };
	socklen_t tolen;

	/* An address nobody listens on; never printed. */
	snprintf(to.sun_path + 1, sizeof(to.sun_path) - 1, "udsx-b-none-%d", (int)getpid());
	tolen = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(to.sun_path + 1);

	s = socket(AF_UNIX, T_TYPE, 0);
	show_poll("fresh", s);
	show("fresh recv nonblock", recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	show("fresh recv oob", recv(s, buf, sizeof(buf), MSG_OOB | MSG_DONTWAIT));
	show("fresh send", send(s, "x", 1, MSG_NOSIGNAL));
	show("fresh sendto", sendto(s, "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&to, tolen));
	show("fresh inq", inq(s));
	show("fresh outq", outq(s));
	show("fresh so_error", so_error(s));
	if (!is_dgram()) {
		struct sockaddr_un me = { .sun_family = AF_UNIX };

		/* autobind, then listen */
		show("bind auto", bind(s, (struct sockaddr *)&me, sizeof(sa_family_t)));
		show("listen", listen(s, 4));
		show_poll("listening", s);
		show("listen recv nonblock", recv(s, buf, sizeof(buf), MSG_DONTWAIT));
		show("listen send", send(s, "x", 1, MSG_NOSIGNAL));
		show("listen inq", inq(s));
		show("listen shutdown rd", shutdown(s, SHUT_RD));
		show_poll("listening after shut_rd", s);
	}
	close(s);

	pair(sv);
	/* Connected ends with an explicit destination. */
	show("pair sendto addr", sendto(sv[0], "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&to, tolen));
	show("pair sendto null addr", sendto(sv[0], "y", 1, MSG_NOSIGNAL, NULL, 0));
	show("pair sendto len 2", sendto(sv[0], "z", 1, MSG_NOSIGNAL, (struct sockaddr *)&to,
					 sizeof(sa_family_t)));
	show("inq b", inq(sv[1]));
	rcv("b read", sv[1], 8, MSG_DONTWAIT);
	rcv("b read", sv[1], 8, MSG_DONTWAIT);
	rcv("b read", sv[1], 8, MSG_DONTWAIT);
	show("pair listen", listen(sv[0], 1));
	show("pair connect", connect(sv[0], (struct sockaddr *)&to, tolen));
	show_poll("a after", sv[0]);
	show("a send after", send(sv[0], "ok", 2, 0));
	rcv("b read", sv[1], 8, MSG_DONTWAIT);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
