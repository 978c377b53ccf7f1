/* SPDX-License-Identifier: MIT */
/* p_exec_udsx.c -- data in flight both ways, then the child (after closing every other fd, in -closefds) execs itself keeping LD_PRELOAD; every unit arrives once, in order (SEMANTICS 11, 19, 23, 158, 167; DESIGN 4 exec). */
#include "common_b.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket", "stream-full", "dgram-full", "seqpacket-full",
	"stream-partial", "dgram-partial", "seqpacket-partial",
	"stream-idle", "dgram-idle", "seqpacket-idle",
	"stream-closefds", "dgram-closefds", "seqpacket-closefds", NULL
};

static void run(int argc, char **argv)
{
	exec_scenario(argc, argv, 0);
}

SCENARIO_MAIN
