/* SPDX-License-Identifier: MIT */
/* version.c -- the library's version, for udsx_version(3). */
#include "udsx.h"

__attribute__((visibility("default"))) const char *udsx_version(void)
{
	return UDSX_VERSION;
}
