/* SPDX-License-Identifier: MIT */
/* p_fork_rw.c -- socketpair then fork: parent and child exchange data both ways, in turn, full duplex, and as ping-pong (SEMANTICS 11, 19, 23, 142, 146, 158, 167). */
#include "common_b.h"

static const char *instances[] = {
	"stream-turns", "dgram-turns", "seqpacket-turns",
	"stream-duplex", "dgram-duplex", "seqpacket-duplex",
	"stream-pingpong", "dgram-pingpong", "seqpacket-pingpong", NULL
};

struct sender {
	int fd, d;
	long n, sent;
};

static void *sender_fn(void *arg)
{
	struct sender *s = arg;

	s->sent = send_units(s->fd, s->d, 0, s->n, 0);
	finish_units(s->fd);
	return NULL;
}

#define ROUNDS 2000

/* One side of the ping-pong: id 0 starts. Returns mismatches. */
static long pingpong(int fd, int id)
{
	char b[64], e[64];
	long i, bad = 0, r, len;

	for (i = 0; i < ROUNDS; i++) {
		len = 1 + i % 37;
		if ((i & 1) == id) {
			memset(b, 'a' + i % 26, len);
			if (send(fd, b, len, 0) != len)
				bad++;
		} else {
			memset(e, 'a' + i % 26, len);
			r = recv(fd, b, is_stream() ? len : (long)sizeof(b), MSG_WAITALL);
			if (r != len || memcmp(b, e, len))
				bad++;
		}
	}
	return bad;
}

static void run(int argc, char **argv)
{
	int sv[2];
	pid_t pid;
	struct got g;
	long n0 = is_stream() ? 400000 : 300, n1 = is_stream() ? 300000 : 250;
	struct sender s;
	pthread_t t;

	alarm(10);	/* no watchdog thread: threads before fork upset ASan */
	pair(sv);
	pid = fork();
	if (pid == 0) {
		alarm(10);
		close(sv[0]);
		if (variant("turns"))
			_exit(peer_role(sv[1], 0, 0, n1) == 11 ? 11 : 0);
		if (variant("pingpong"))
			_exit(pingpong(sv[1], 1) ? 1 : 0);
		s.fd = sv[1];
		s.d = 1;
		s.n = n1;
		/* send the report only after all units: join first */
		t = spawn_quiet(sender_fn, &s);
		recv_units(sv[1], 0, 0, &g);
		pthread_join(t, NULL);
		/* finish_units already ended the direction on STREAM/SEQPACKET,
		 * so report through the exit code instead. */
		_exit(g.units == n0 && !g.bad && g.ended && s.sent == n1 ? 0 : 1);
	}
	close(sv[1]);
	if (variant("turns")) {
		say("parent sent: %ld", send_units(sv[0], 0, 0, n0, 0));
		finish_units(sv[0]);
		recv_units(sv[0], 1, 1, &g);
		show_got("parent got", &g);
	} else if (variant("pingpong")) {
		say("pingpong mismatches: %ld", pingpong(sv[0], 0));
	} else {
		s.fd = sv[0];
		s.d = 0;
		s.n = n0;
		t = spawn_quiet(sender_fn, &s);
		recv_units(sv[0], 1, 0, &g);
		pthread_join(t, NULL);
		say("parent sent: %ld", s.sent);
		show_got("parent got", &g);
	}
	reap("child", pid);
	say("parent after end: %s", after_end(sv[0]));
	close(sv[0]);
}

SCENARIO_MAIN
