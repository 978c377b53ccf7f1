/* SPDX-License-Identifier: MIT */
/* b_oob_discard.c -- a normal read silently drops an unread urgent byte; a lone one gives EAGAIN after POLLIN (SEMANTICS 119, 125, 190, 210). */
#include "common_b.h"

/*
 * SIOCINQ is deliberately not printed after a discard: on 6.18.44 the cached
 * counter stays one too high there (SEMANTICS 215), a kernel bug udsx is told
 * not to copy.
 */
static const char *instances[] = {
	"stream-follow", "stream-lone", "stream-lone-block", "stream-twice", NULL
};

static int sv[2];

static void *late_writer(void *arg)
{
	wait_sleeping((pid_t)(long)arg);
	write(sv[0], "yz", 2);
	return NULL;
}

static void run(int argc, char **argv)
{
	pthread_t t;

	watchdog(10);
	pair(sv);
	if (variant("follow")) {
		show("send oob ab", send(sv[0], "ab", 2, MSG_OOB));
		show("send cd", send(sv[0], "cd", 2, 0));
		show_poll("b", sv[1]);
		rcv("read 100", sv[1], 100, 0);
		show_poll("b at mark", sv[1]);
		show_atmark("b at mark", sv[1]);
		rcv("read 100 past mark", sv[1], 100, 0);
		show_poll("b after", sv[1]);
		show_atmark("b after", sv[1]);
		rcvmsg("recv oob", sv[1], 1, MSG_OOB | MSG_DONTWAIT);
	} else if (variant("lone")) {
		show("send oob x", send(sv[0], "x", 1, MSG_OOB));
		show_poll("b", sv[1]);
		show_atmark("b", sv[1]);
		rcv("read nonblock", sv[1], 100, MSG_DONTWAIT);
		show_poll("b after discard", sv[1]);
		rcv("read nonblock again", sv[1], 100, MSG_DONTWAIT);
		rcvmsg("recv oob", sv[1], 1, MSG_OOB | MSG_DONTWAIT);
		show("send yz", send(sv[0], "yz", 2, 0));
		rcv("read", sv[1], 100, 0);
	} else if (variant("lone-block")) {
		/* Blocking read discards the byte and then waits for more. */
		show("send oob x", send(sv[0], "x", 1, MSG_OOB));
		t = spawn_quiet(late_writer, (void *)(long)gettid_());
		rcv("read blocking", sv[1], 100, 0);
		pthread_join(t, NULL);
		show_poll("b after", sv[1]);
	} else {
		/* Two urgent bytes read out of band one after the other. */
		show("send oob 1", send(sv[0], "1", 1, MSG_OOB));
		rcvmsg("recv oob 1", sv[1], 1, MSG_OOB);
		show("send oob 2", send(sv[0], "2", 1, MSG_OOB));
		show_poll("b", sv[1]);
		rcvmsg("recv oob 2", sv[1], 1, MSG_OOB);
		show_poll("b after", sv[1]);
		rcv("read nonblock", sv[1], 100, MSG_DONTWAIT);
		show("send plain", send(sv[0], "pq", 2, 0));
		rcv("read", sv[1], 100, MSG_DONTWAIT);
	}
	show_poll("a end", sv[0]);
	show("outq a end", outq(sv[0]));
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
