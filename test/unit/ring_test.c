/* SPDX-License-Identifier: MIT */
/* ring_test.c -- unit tests of the record ring, the accounting model and corruption checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "internal.h"

struct udsx_real udsx_real;	/* the preload layer is not linked here */
static int failures;

#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

static struct udsx_chan *mkchan(uint32_t ring)
{
	struct udsx_chan *ch = calloc(1, sizeof(*ch));
	size_t size = sizeof(struct udsx_hdr) + 2 * (size_t)ring;

	ch->h = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ch->map_size = size;
	ch->ring_size = ring;
	ch->type = SOCK_STREAM;
	return ch;
}

static int put(struct udsx_chan *ch, const char *s, uint32_t len)
{
	struct iovec v = { (void *)s, len };

	return udsx_ring_put(ch, 0, &v, 1, 0, len, udsx_truesize_stream(len));
}

/* Take the head record whole; returns its length or -errno. */
static int take(struct udsx_chan *ch, char *out)
{
	struct udsx_cursor c;
	int r = udsx_ring_peek(ch, 0, &c);

	if (r < 0)
		return r;
	memcpy(out, c.data, c.len);
	udsx_ring_consume(ch, 0, c.head + sizeof(struct udsx_rec) + UDSX_REC_ALIGN(c.len), 0,
			  c.len, 1, c.truesize);
	return (int)c.len;
}

static void test_fifo_and_wrap(void)
{
	struct udsx_chan *ch = mkchan(4096);
	char buf[4096], msg[600];
	int i, n, expect = 0, sent = 0;

	CHECK(udsx_ring_empty(ch, 0));
	/* many wraps: records of varied sizes, always read back in order */
	for (i = 0; i < 2000; i++) {
		int len = (i * 37) % 500 + 1;

		memset(msg, 'a' + i % 26, (size_t)len);
		while (put(ch, msg, (uint32_t)len) == -ENOSPC) {
			int want = (expect * 37) % 500 + 1;

			n = take(ch, buf);
			CHECK(n == want);
			CHECK(buf[0] == 'a' + expect % 26 && buf[n - 1] == 'a' + expect % 26);
			expect++;
		}
		sent++;
	}
	while ((n = take(ch, buf)) > 0)
		expect++;
	CHECK(expect == sent);
	CHECK(udsx_ring_empty(ch, 0));
	CHECK(udsx_dir_charged(&ch->h->dir[0]) == 0);
	CHECK(atomic_load(&ch->h->dir[0].pub_bytes) == atomic_load(&ch->h->dir[0].con_bytes));
}

static void test_full(void)
{
	struct udsx_chan *ch = mkchan(4096);
	char msg[1000] = { 0 };
	int n = 0;

	while (put(ch, msg, sizeof(msg)) == 0)
		n++;
	CHECK(n == 4);		/* 4 x (8 + 1000) fits in 4096, a fifth does not */
}

static void test_corrupt_lengths(void)
{
	struct udsx_chan *ch = mkchan(4096);
	struct udsx_cursor c;
	struct udsx_rec *rec;

	CHECK(put(ch, "hello", 5) == 0);
	rec = (struct udsx_rec *)((char *)ch->h + sizeof(struct udsx_hdr));
	rec->len = 100000;	/* a hostile peer's length */
	CHECK(udsx_ring_peek(ch, 0, &c) == -EPROTO);
	CHECK(atomic_load(&ch->h->dir[0].flags) & DIR_CORRUPT);

	ch = mkchan(4096);
	CHECK(put(ch, "hello", 5) == 0);
	atomic_store(&ch->h->dir[0].tail, 1u << 20);	/* tail far beyond the ring */
	CHECK(udsx_ring_peek(ch, 0, &c) == -EPROTO);

	ch = mkchan(4096);
	CHECK(put(ch, "hello", 5) == 0);
	atomic_store(&ch->h->dir[0].head_off, 6);	/* offset past the record */
	CHECK(udsx_ring_peek(ch, 0, &c) == -EPROTO);

	ch = mkchan(4096);
	atomic_store(&ch->h->dir[0].head, 3);		/* misaligned head */
	atomic_store(&ch->h->dir[0].tail, 64);
	CHECK(udsx_ring_peek(ch, 0, &c) == -EPROTO);
}

static void test_truesize(void)
{
	/* measured on Linux 6.18 with SIOCOUTQ after one send (SEMANTICS 139) */
	static const unsigned s[][3] = {
		/* size, STREAM, DGRAM/SEQPACKET */
		{ 1, 768, 768 }, { 192, 768, 768 }, { 193, 1280, 1280 }, { 640, 1280, 1280 },
		{ 1000, 2304, 2304 }, { 3776, 4352, 4352 }, { 3777, 4864, 8448 },
		{ 8192, 8960, 16640 }, { 12000, 13056, 16640 }, { 16000, 16640, 16640 },
		{ 16384, 17152, 20736 }, { 32768, 33536, 37120 }, { 36544, 37120, 37120 },
		{ 50000, 51712, 53504 }, { 65536, 67072, 69888 }, { 200000, 204288, 200960 },
	};
	unsigned i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		/* one STREAM send is cut into segments (SEMANTICS 7) */
		size_t left = s[i][0], seg, max = udsx_stream_seg_max(8388608);
		unsigned sum = 0;

		for (; left; left -= seg) {
			seg = left < max ? left : max;
			sum += udsx_truesize_stream(seg);
		}
		CHECK(sum == s[i][1]);
		CHECK(udsx_truesize_dgram(s[i][0]) == s[i][2]);
	}
	CHECK(udsx_truesize_dgram(0) == 768);
	CHECK(udsx_stream_seg_max(212992) == 36544);
	CHECK(udsx_stream_seg_max(40000) == 19936);
}

static void test_parse(void)
{
	long v;

	CHECK(udsx_parse_uint("42", 0, 100, &v) == 0 && v == 42);
	CHECK(udsx_parse_uint("", 0, 100, &v) < 0);
	CHECK(udsx_parse_uint("4x", 0, 100, &v) < 0);
	CHECK(udsx_parse_uint("-1", 0, 100, &v) < 0);
	CHECK(udsx_parse_uint("101", 0, 100, &v) < 0);
	CHECK(udsx_parse_uint("99999999999999999999", 0, 100, &v) < 0);
}

/* Rewind and trim (ring.c): positions go back to the ring's start once
 * it is empty, records stay in order, and idle pages above go back. */
static void test_rewind(void)
{
	uint32_t size = 1u << 20;
	struct udsx_chan *ch = mkchan(size);
	struct udsx_dir *dir = &ch->h->dir[0];
	char msg[4000], buf[4000];
	uint64_t maxoff = 0;
	int i, n, rewinds = 0, bad = 0;

	/* request/response: one record at a time, rewound as the reader empties */
	for (i = 0; i < 20000; i++) {
		uint64_t before;

		memset(msg, 'a' + i % 26, 64);
		CHECK(put(ch, msg, 64) == 0);
		n = take(ch, buf);
		if (n != 64 || buf[0] != 'a' + i % 26)
			bad++;
		before = atomic_load(&dir->head);
		udsx_ring_rewind(ch, 0, false);
		if (atomic_load(&dir->head) != before) {
			rewinds++;
			CHECK((atomic_load(&dir->head) & (size - 1)) == 0);
			CHECK(atomic_load(&dir->tail) == atomic_load(&dir->head));
		}
		if ((atomic_load(&dir->tail) & (size - 1)) > maxoff)
			maxoff = atomic_load(&dir->tail) & (size - 1);
	}
	CHECK(bad == 0);
	CHECK(rewinds > 10);
	CHECK(maxoff <= (64u << 10) + 72);
	CHECK(atomic_load(&dir->pub_msgs) == 20000 && atomic_load(&dir->con_msgs) == 20000);
	CHECK(udsx_dir_charged(dir) == 0);

	/* not while anything is queued: the records come out in order */
	for (i = 0; i < 3000; i++)
		CHECK(put(ch, "xyz", 3) == 0);	/* (past 64 KiB into the ring) */
	udsx_ring_rewind(ch, 0, true);
	for (i = 0; i < 3000; i++)
		if (take(ch, buf) != 3 || memcmp(buf, "xyz", 3))
			bad++;
	CHECK(bad == 0);
	CHECK(take(ch, buf) == -EAGAIN);

	/* a burst through most of the ring, then idle: every page but the
	 * one at the position is given back (reads as zeroes), and the ring
	 * still works */
	memset(msg, 'q', sizeof(msg));
	for (i = 0; i < 200; i++)
		CHECK(put(ch, msg, sizeof(msg)) == 0);
	for (i = 0; i < 200; i++)
		CHECK(take(ch, buf) == (int)sizeof(msg));
	udsx_ring_rewind(ch, 0, true);
	CHECK((atomic_load(&dir->head) & (size - 1)) == 0);
	CHECK(((unsigned char *)ch->h)[sizeof(struct udsx_hdr) + (500u << 10)] == 0);
	CHECK(((unsigned char *)ch->h)[sizeof(struct udsx_hdr) + (12u << 10)] == 0);
	CHECK(put(ch, "after", 5) == 0 && take(ch, buf) == 5 && !memcmp(buf, "after", 5));

	/* a closed direction belongs to the revert: left alone */
	for (i = 0; i < 2000; i++) {
		CHECK(put(ch, msg, 64) == 0);
		CHECK(take(ch, buf) == 64);
	}
	udsx_ring_close(ch, 0);
	{
		uint64_t h = atomic_load(&dir->head);

		udsx_ring_rewind(ch, 0, true);
		CHECK(atomic_load(&dir->head) == h);
	}
}

int main(void)
{
	test_fifo_and_wrap();
	test_full();
	test_corrupt_lengths();
	test_rewind();
	test_truesize();
	test_parse();
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures != 0;
}
