/* SPDX-License-Identifier: MIT */
/* udsx.h -- public interface of libudsx, the shared-memory data plane for AF_UNIX sockets. */
#ifndef UDSX_H
#define UDSX_H

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version string, e.g. "0.1.0". */
const char *udsx_version(void);

/* 1 if fd is an end of a connection whose data currently moves through
 * udsx's shared memory, 0 if it is on the plain kernel path (or not a
 * socket udsx knows). Never fails. */
int udsx_fd_accelerated(int fd);

#ifdef __cplusplus
}
#endif
#endif
