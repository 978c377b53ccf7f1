/* SPDX-License-Identifier: MIT */
/* udsx.h -- public interface of libudsx, the shared-memory data plane for AF_UNIX sockets. */
#ifndef UDSX_H
#define UDSX_H

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version string, e.g. "0.1.0". */
const char *udsx_version(void);

#ifdef __cplusplus
}
#endif
#endif
