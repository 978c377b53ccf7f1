/* SPDX-License-Identifier: MIT */
/* udsx.c -- the udsx command: run a program with the udsx data plane, and report the version. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"usage: udsx run [--spin-us N] -- PROGRAM [ARGS...]\n"
	"       udsx version\n"
	"       udsx help\n";

static int fail_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "udsx: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return 2;
}

/* libudsx.so next to this binary, or from UDSX_LIB. */
static int find_lib(char *out, size_t n)
{
	const char *env = getenv("UDSX_LIB");
	char self[PATH_MAX - 64];
	ssize_t l;
	char *slash;

	if (env && *env) {
		snprintf(out, n, "%s", env);
		return access(out, R_OK);
	}
	l = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (l < 0)
		return -1;
	self[l] = 0;
	slash = strrchr(self, '/');
	if (slash)
		*slash = 0;
	snprintf(out, n, "%s/libudsx.so", self);
	if (access(out, R_OK) == 0)
		return 0;
	snprintf(out, n, "%s/../lib/libudsx.so", self);
	return access(out, R_OK);
}

/* Check a UDSX_* variable the library would read; warn on a bad one. */
static void check_env(const char *name, long lo, long hi)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s)
		return;
	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		fprintf(stderr, "udsx: warning: %s=\"%s\" is not a number in [%ld, %ld]; "
			"the library will use its default\n", name, s, lo, hi);
}

/* The file execvp would run for `prog` (the first executable regular file
 * along PATH), in `out`; false if none. */
static bool find_prog(const char *prog, char *out, size_t len, struct stat *st)
{
	const char *path = getenv("PATH"), *p, *end;

	if (strchr(prog, '/'))
		return snprintf(out, len, "%s", prog) < (int)len && stat(out, st) == 0;
	for (p = path && *path ? path : "/usr/local/bin:/usr/bin:/bin"; ; p = end + 1) {
		end = strchrnul(p, ':');
		if (snprintf(out, len, "%.*s%s%s", (int)(end - p), p, end > p ? "/" : "",
			     prog) < (int)len &&
		    stat(out, st) == 0 && S_ISREG(st->st_mode) && access(out, X_OK) == 0)
			return true;
		if (!*end)
			return false;
	}
}

/* A set-user-ID or set-group-ID program that changes our credentials runs
 * in the loader's secure mode, which ignores LD_PRELOAD: say so, since
 * the program would otherwise silently run without udsx. */
static void check_setid(const char *prog)
{
	char path[PATH_MAX];
	struct stat st;

	if (!find_prog(prog, path, sizeof(path), &st))
		return;		/* (execvp reports it) */
	if (((st.st_mode & S_ISUID) && st.st_uid != geteuid()) ||
	    ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP) && st.st_gid != getegid()))
		fprintf(stderr, "udsx: warning: %s is set-user-ID or set-group-ID; the dynamic loader "
			"ignores LD_PRELOAD for it, so it runs without udsx (run a copy without the "
			"bit to use udsx)\n", path);
}

static int cmd_run(int argc, char **argv)
{
	char lib[PATH_MAX], *pre, *nv;
	int i = 2;

	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--spin-us")) {
			char *end;
			long v;

			if (i + 1 >= argc)
				return fail_usage("--spin-us needs a value", "");
			errno = 0;
			v = strtol(argv[i + 1], &end, 10);
			if (!*argv[i + 1] || *end || errno || v < 0 || v > 1000000)
				return fail_usage("--spin-us: '%s' is not a number of microseconds in [0, 1000000]",
						  argv[i + 1]);
			setenv("UDSX_SPIN_US", argv[++i], 1);
		} else {
			return fail_usage("unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc || i + 1 >= argc)
		return fail_usage("run: missing '-- PROGRAM'%s", "");
	if (find_lib(lib, sizeof(lib)) < 0) {
		fprintf(stderr, "udsx: cannot find libudsx.so next to the udsx command (set UDSX_LIB)\n");
		return 127;
	}
	check_env("UDSX_SPIN_US", 0, 1000000);
	check_env("UDSX_RING_KB", 64, 65536);
	check_env("UDSX_MEM_MAX_MB", 0, 1 << 20);
	pre = getenv("LD_PRELOAD");
	if (pre && *pre) {
		nv = malloc(strlen(lib) + strlen(pre) + 2);
		if (!nv)
			return 127;
		sprintf(nv, "%s:%s", lib, pre);
	} else {
		nv = lib;
	}
	setenv("LD_PRELOAD", nv, 1);
	check_setid(argv[i + 1]);
	execvp(argv[i + 1], argv + i + 1);
	fprintf(stderr, "udsx: cannot run '%s': %s\n", argv[i + 1], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return fail_usage("missing command%s", "");
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc, argv);
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("udsx %s\n", UDSX_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	return fail_usage("unknown command '%s'", argv[1]);
}
