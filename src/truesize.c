/* SPDX-License-Identifier: MIT */
/* truesize.c -- the kernel's buffer accounting for AF_UNIX skbs, so capacity and SIOCOUTQ match exactly.
 *
 * Measured on Linux 6.18, 4 KiB pages (SEMANTICS.md 139-145): an skb costs
 * its kmalloc'd head (payload aligned to 64 plus 320 bytes of shared info,
 * rounded up to a power of two, at least 512) plus 256 bytes of sk_buff,
 * plus whole pages for any paged part.
 */
#include "internal.h"

#define PAGE		4096u
#define SHINFO		320u
#define SKBUFF		256u
#define MAX_HEAD0	(PAGE - SHINFO)		/* SKB_MAX_HEAD(0) = 3776 */
#define FRAGS_SZ	32768u			/* UNIX_SKB_FRAGS_SZ */
#define MAX_ALLOC	(4 * PAGE - SHINFO)	/* SKB_MAX_ALLOC = 16064 */
#define FRAGS_MAX	(17 * PAGE)		/* MAX_SKB_FRAGS pages */

static uint32_t page_align(size_t n)
{
	return (uint32_t)((n + PAGE - 1) & ~(size_t)(PAGE - 1));
}

static uint32_t head_cost(size_t linear)
{
	size_t need = ((linear + 63) & ~(size_t)63) + SHINFO;

	/* the next power of two (need > 320, so need - 1 > 0) */
	if (need <= 512)
		return 512 + SKBUFF;
	return (uint32_t)(((size_t)1 << (64 - __builtin_clzll((unsigned long long)need - 1))) + SKBUFF);
}

/* One STREAM segment of `seg` bytes (unix_stream_sendmsg). */
uint32_t udsx_truesize_stream(size_t seg)
{
	size_t data_len = 0;

	if (seg > MAX_HEAD0) {
		data_len = page_align(seg - MAX_HEAD0);
		if (data_len > seg)
			data_len = seg;
	}
	return head_cost(seg - data_len) + page_align(data_len);
}

/* One DGRAM/SEQPACKET message of `len` bytes (unix_dgram_sendmsg). */
uint32_t udsx_truesize_dgram(size_t len)
{
	size_t data_len = 0;

	if (len > MAX_ALLOC) {
		data_len = len - MAX_ALLOC;
		if (data_len > FRAGS_MAX)
			data_len = FRAGS_MAX;
		data_len = page_align(data_len);
	}
	return head_cost(len - data_len) + (uint32_t)data_len;
}

/* Largest STREAM segment for a given (doubled) sndbuf. */
size_t udsx_stream_seg_max(uint32_t sndbuf)
{
	size_t m = (sndbuf >> 1) - 64;

	if (m > MAX_HEAD0 + FRAGS_SZ)
		m = MAX_HEAD0 + FRAGS_SZ;
	return m;
}
