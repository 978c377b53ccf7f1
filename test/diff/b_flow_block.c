/* SPDX-License-Identifier: MIT */
/* b_flow_block.c -- blocking sends sleep on a full queue and resume as the reader frees space; nothing lost (SEMANTICS 10, 134, 142, 146). */
#include "common_b.h"

static const char *instances[] = {
	"stream-big", "dgram-full", "seqpacket-full", "stream-full",
	"stream-duplex", "dgram-duplex", "seqpacket-duplex", NULL
};

#define BIG (1 << 20)
static int sv[2];
static pid_t main_tid;

struct rd {
	int fd, stream_id;
	long want, got, bad, msgs;
};

/* Read until want bytes arrived, checking the pattern. */
static void *reader(void *arg)
{
	struct rd *r = arg;
	static __thread char b[70000];
	long n, i;

	if (r->stream_id == 0)
		wait_sleeping(main_tid);
	while (r->got < r->want) {
		n = recv(r->fd, b, is_stream() ? 777 : sizeof(b), 0);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			if ((unsigned char)b[i] != pat(r->stream_id, r->got + i))
				r->bad++;
		r->got += n;
		r->msgs++;
	}
	return NULL;
}

struct wr {
	int fd, stream_id;
	long total, chunk, done;
};

static void *writer(void *arg)
{
	struct wr *w = arg;
	static __thread char b[70000];
	long n, i;

	while (w->done < w->total) {
		long c = w->chunk < w->total - w->done ? w->chunk : w->total - w->done;

		for (i = 0; i < c; i++)
			b[i] = pat(w->stream_id, w->done + i);
		n = send(w->fd, b, c, 0);
		if (n <= 0)
			break;
		w->done += n;
	}
	return NULL;
}

static void run(int argc, char **argv)
{
	pthread_t t, t2, t3;
	char *b;
	long i, n, bytes;
	int err = 0;

	watchdog(10);
	main_tid = gettid_();
	pair(sv);
	if (variant("big")) {
		struct rd r = { sv[1], 0, BIG, 0, 0, 0 };

		b = malloc(BIG);
		for (i = 0; i < BIG; i++)
			b[i] = pat(0, i);
		t = spawn_quiet(reader, &r);
		show("write 1MiB blocking", write(sv[0], b, BIG));
		pthread_join(t, NULL);
		say("reader: got=%ld bad=%ld", r.got, r.bad);
		free(b);
	} else if (variant("full")) {
		struct rd r = { sv[1], 0, 0, 0, 0, 0 };
		char c[1000];

		n = fill(sv[0], 1000, &bytes, &err);
		say("filled: sends=%ld err=%s", n, errname(err));
		/* The reader takes everything back, pattern 0 does not apply:
		 * send zeros and only count. */
		r.want = 1000 * (n + 1);
		r.stream_id = 0;
		memset(c, 0, sizeof(c));
		t = spawn_quiet(reader, &r);
		show("send 1000 blocking", send(sv[0], c, 1000, 0));
		pthread_join(t, NULL);
		say("reader: got=%ld", r.got);
		show("outq a", outq(sv[0]));
	} else {
		/* Both ends write 1 MiB while both read: no deadlock, no loss. */
		struct wr wa = { sv[0], 1, BIG, is_stream() ? 65536 : 5000, 0 };
		struct wr wb = { sv[1], 2, BIG, is_stream() ? 3000 : 7000, 0 };
		struct rd ra = { sv[0], 2, BIG, 0, 0, 0 };
		struct rd rb = { sv[1], 1, BIG, 0, 0, 0 };

		if (!is_stream()) {
			wa.total = wb.total = ra.want = rb.want = 5000 * 200;
			wb.chunk = 5000;
		}
		t = spawn_quiet(writer, &wa);
		t2 = spawn_quiet(writer, &wb);
		t3 = spawn_quiet(reader, &ra);
		reader(&rb);
		pthread_join(t, NULL);
		pthread_join(t2, NULL);
		pthread_join(t3, NULL);
		say("a->b: sent=%ld got=%ld bad=%ld", wa.done, rb.got, rb.bad);
		say("b->a: sent=%ld got=%ld bad=%ld", wb.done, ra.got, ra.bad);
		if (!is_stream())
			say("messages: %ld %ld", rb.msgs, ra.msgs);
	}
	show("outq a", outq(sv[0]));
	show("outq b", outq(sv[1]));
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
