/* SPDX-License-Identifier: MIT */
/* b_sleep_partial.c -- a blocked reader woken by more data than its buffer takes: the rest stays readable and poll says so (SEMANTICS 19, 21, 189). */
#include <pthread.h>
#include "common.h"

static const char *instances[] = { "stream", "stream-twowrites", "dgram", "seqpacket", NULL };
static int sv[2];

static void *writer(void *arg)
{
	static char big[100];

	nap_ms(50);	/* let the reader fall asleep (output does not depend on it) */
	memset(big, 'x', sizeof(big));
	send(sv[0], big, sizeof(big), 0);
	if (variant("twowrites"))
		send(sv[0], "yz", 2, 0);
	return NULL;
}

static void run(int argc, char **argv)
{
	char buf[200];
	pthread_t t;
	long r;

	alarm(10);
	pair(sv);
	pthread_create(&t, NULL, writer, NULL);
	r = show("blocking recv 10", recv(sv[1], buf, 10, variant("twowrites") ? MSG_WAITALL : 0));
	pthread_join(t, NULL);
	if (r > 0)
		show_buf("data", buf, r);
	show_poll("reader after partial read", sv[1]);
	show("inq", inq(sv[1]));
	r = show("recv rest", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	show_poll("reader drained", sv[1]);
	show("recv again", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
