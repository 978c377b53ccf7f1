/* SPDX-License-Identifier: MIT */
/* sum-protocol.h -- what sum-server and sum-client agree on: socket path, message size, address. */
#ifndef UDSX_SUM_PROTOCOL_H
#define UDSX_SUM_PROTOCOL_H

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#define SUM_DEFAULT_PATH	"/tmp/udsx-sum.socket"

/*
 * Largest message either side sends, terminating NUL included. Every message
 * is a NUL-terminated string (a number, "END" or "DOWN"), one per SEQPACKET
 * record, so the record boundary is the only framing needed.
 */
#define SUM_MSG_MAX		64

/* Fills @addr for the pathname @path; returns -1 if it does not fit in sun_path. */
static inline int sum_addr(const char *path, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (strlen(path) >= sizeof(addr->sun_path))
		return -1;
	addr->sun_family = AF_UNIX;
	strcpy(addr->sun_path, path);
	return 0;
}

#endif
