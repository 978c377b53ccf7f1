/* SPDX-License-Identifier: MIT */
/* p_exec_plain.c -- data in flight both ways, then the child execs itself WITHOUT LD_PRELOAD: the plain image and the parent see every unit, in order, nothing stray (SEMANTICS 11, 19, 23, 158, 167; DESIGN 4 exec). */
#include "common_b.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket", "stream-full", "dgram-full", "seqpacket-full",
	"stream-partial", "dgram-partial", "seqpacket-partial",
	"stream-idle", "dgram-idle", "seqpacket-idle", NULL
};

static void run(int argc, char **argv)
{
	exec_scenario(argc, argv, 1);
}

SCENARIO_MAIN
