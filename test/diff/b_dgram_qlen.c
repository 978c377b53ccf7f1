/* SPDX-License-Identifier: MIT */
/* b_dgram_qlen.c -- a DGRAM pair end sending to a third socket meets its max_dgram_qlen limit; a re-connected pair end loses POLLOUT while the target is over backlog (SEMANTICS 148, 149, 150, 152, 177, 178). */
#include "common_b.h"

static const char *instances[] = { "dgram-sendto", "dgram-timeo", "dgram-reconnect", NULL };

static socklen_t abstract(struct sockaddr_un *a, const char *tag)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "udsx-bq-%s-%d", tag, (int)getpid());
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a->sun_path + 1);
}

static void run(int argc, char **argv)
{
	int sv[2], c, n = 0;
	struct sockaddr_un ca;
	socklen_t cl;
	long r;

	watchdog(10);
	pair(sv);
	c = socket(AF_UNIX, SOCK_DGRAM, 0);
	cl = abstract(&ca, "c");
	show("bind c", bind(c, (struct sockaddr *)&ca, cl));
	if (variant("reconnect")) {
		show("a send to b first", send(sv[0], "ab", 2, 0));
		show("b send to a (left unread)", send(sv[1], "ba", 2, 0));
		show("a connect to c", connect(sv[0], (struct sockaddr *)&ca, cl));
		show_poll("b after a left", sv[1]);
		rcv("b read", sv[1], 8, MSG_DONTWAIT);
		rcv("b read", sv[1], 8, MSG_DONTWAIT);
		show("b send to a now", send(sv[1], "x", 1, 0));
		while ((r = send(sv[0], "m", 1, MSG_DONTWAIT)) == 1)
			n++;
		say("a sends to c before refusal: %d then %s", n, errname(errno));
		show_poll("a over backlog", sv[0]);
		rcv("c read one", c, 8, MSG_DONTWAIT);
		show_poll("a after c read", sv[0]);
		show("a send", send(sv[0], "m", 1, MSG_DONTWAIT));
		show_poll("a full again", sv[0]);
		close(c);
		show_poll("a after c closed", sv[0]);
		show("a send to dead c", send(sv[0], "m", 1, MSG_DONTWAIT));
		show("a send again", send(sv[0], "m", 1, MSG_DONTWAIT));
	} else {
		if (variant("timeo"))
			set_timeo(sv[0], SO_SNDTIMEO, 100);
		while ((r = sendto(sv[0], "m", 1, MSG_DONTWAIT, (struct sockaddr *)&ca, cl)) == 1)
			n++;
		say("a sendto c before refusal: %d then %s", n, errname(errno));
		show("inq c", inq(c));
		show_poll("a (pair end) while c is over backlog", sv[0]);
		if (variant("timeo"))
			show("a blocking sendto c", sendto(sv[0], "m", 1, 0, (struct sockaddr *)&ca, cl));
		/* The pair itself has no queue-length limit. */
		n = 0;
		while (send(sv[0], "p", 1, MSG_DONTWAIT) == 1 && n < 100)
			n++;
		say("a send to b meanwhile: %d", n);
		rcv("c read one", c, 8, MSG_DONTWAIT);
		show("a sendto c again", sendto(sv[0], "m", 1, MSG_DONTWAIT, (struct sockaddr *)&ca, cl));
		show("a sendto c again", sendto(sv[0], "m", 1, MSG_DONTWAIT, (struct sockaddr *)&ca, cl));
		say("drained b: %ld", drain(sv[1], NULL));
		close(c);
	}
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
