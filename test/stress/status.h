/* SPDX-License-Identifier: MIT */
/* status.h -- one "Name:  N kB" field of /proc/self/status, for the stress programs' memory checks. */
#ifndef STRESS_STATUS_H
#define STRESS_STATUS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The field's value in KB (VmRSS, VmSize, ...), or -1. */
static inline long status_kb(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			kb = atol(line + n + 1);
	if (f)
		fclose(f);
	return kb;
}

#endif
