/* SPDX-License-Identifier: MIT */
/* b_sleep_revert.c -- a reader asleep in a blocking read while the writer's direction goes back to the kernel (fds passed, shutdown, close): it wakes with exactly the kernel's data, then EOF (SEMANTICS 19, 54, 158, 167). */
#include <pthread.h>
#include "common_a.h"

static const char *instances[] = {
	"stream-plain", "stream-rights", "stream-rights-small", "stream-shutwr", "stream-close",
	"seqpacket-rights", "seqpacket-close", "dgram-rights", NULL
};
static int sv[2], pp[2];

static void *writer(void *arg)
{
	nap_ms(50);	/* let the reader fall asleep (output does not depend on it) */
	if (variant("rights") || variant("rights-small")) {
		a_sendfds(sv[0], "abc", 3, &pp[1], 1, 0);
		send(sv[0], "de", 2, 0);
	} else if (variant("shutwr")) {
		shutdown(sv[0], SHUT_WR);
	} else if (variant("close")) {
		close(sv[0]);
		sv[0] = -1;
	} else {
		send(sv[0], "abc", 3, 0);
	}
	return NULL;
}

static void run(int argc, char **argv)
{
	char buf[100];
	pthread_t t;
	long r;
	int i;

	alarm(10);
	pair(sv);
	a_pipe("p", pp);
	/* a few round trips first, so that a connection mode that negotiates
	 * has its channel before the reader sleeps */
	for (i = 0; i < 4; i++) {
		send(sv[0], "w", 1, 0);
		recv(sv[1], buf, 1, 0);
		send(sv[1], "w", 1, 0);
		recv(sv[0], buf, 1, 0);
	}
	pthread_create(&t, NULL, writer, NULL);
	r = show("blocking read", read(sv[1], buf, variant("small") ? 2 : sizeof(buf)));
	if (r > 0)
		show_buf("data", buf, r);
	pthread_join(t, NULL);
	show_poll("reader after", sv[1]);
	for (i = 0; i < 4; i++) {
		r = show("recv", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
		if (r > 0)
			show_buf("data", buf, r);
		if (r <= 0 && !is_dgram())
			break;
	}
	if (sv[0] >= 0) {
		show("writer sends after", send(sv[0], "f", 1, MSG_NOSIGNAL));
		r = show("reader reads it", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
		if (r > 0)
			show_buf("data", buf, r);
		close(sv[0]);
	}
	a_pipe_state("p", pp[0]);
	close(sv[1]);
}

SCENARIO_MAIN
