/* SPDX-License-Identifier: MIT */
/* exec.c -- the exec family: channels follow the fds into a new image that loads udsx, and go back to the kernel otherwise. */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "preload.h"

extern char **environ;

static const char *env_get(char *const envp[], const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* Does this environment preload this very library, enabled? */
static bool env_loads_us(char *const envp[])
{
	const char *pre = env_get(envp, "LD_PRELOAD"), *dis = env_get(envp, "UDSX_DISABLE");
	char mine[PATH_MAX], tok[PATH_MAX], real[PATH_MAX];
	Dl_info info;
	size_t n;

	if (!pre || (dis && !strcmp(dis, "1")) || !dladdr((void *)udsx_ret, &info) ||
	    !info.dli_fname || !realpath(info.dli_fname, mine))
		return false;
	while (*pre) {
		n = strcspn(pre, ": ");
		if (n && n < sizeof(tok)) {
			memcpy(tok, pre, n);
			tok[n] = 0;
			if (realpath(tok, real) && !strcmp(real, mine))
				return true;
		}
		pre += n;
		pre += strspn(pre, ": ");
	}
	return false;
}

/*
 * Will the dynamic loader preload us into this binary? Only for a
 * dynamically linked ELF of our own class and machine that runs without
 * secure-execution (no set-id bit, no file capabilities); a "#!" script
 * is judged by its interpreter. Anything unclear counts as no.
 */
static bool binary_preloadable(const char *path, int depth)
{
	unsigned char buf[256];
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	struct stat st;
	bool interp = false;
	int fd, i;
	ssize_t n;

	if (!path || depth > 2 || stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & (S_ISUID | S_ISGID)) ||
	    getxattr(path, "security.capability", NULL, 0) >= 0)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n >= 2 && buf[0] == '#' && buf[1] == '!') {
		char *p = (char *)buf + 2, *e;

		udsx_real.close(fd);
		buf[n] = 0;
		p += strspn(p, " \t");
		e = p + strcspn(p, " \t\n");
		*e = 0;
		return binary_preloadable(p, depth + 1);
	}
	if (n < (ssize_t)sizeof(eh) || memcmp(buf, ELFMAG, SELFMAG)) {
		udsx_real.close(fd);
		return false;
	}
	memcpy(&eh, buf, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    eh.e_phentsize != sizeof(ph) || eh.e_phnum > 256) {
		udsx_real.close(fd);
		return false;
	}
	for (i = 0; i < eh.e_phnum && !interp; i++)
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (Elf64_Off)i * sizeof(ph))) ==
		    (ssize_t)sizeof(ph) && ph.p_type == PT_INTERP)
			interp = true;
	udsx_real.close(fd);
	return interp;
}

/* execvp's search, to judge the binary it will run. */
static bool resolve(const char *file, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p;
	size_t n;

	if (strchr(file, '/'))
		return snprintf(out, len, "%s", file) < (int)len;
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path; ; p += n + 1) {
		n = strcspn(p, ":");
		if (snprintf(out, len, "%.*s/%s", (int)n, n ? p : ".", file) < (int)len &&
		    access(out, X_OK) == 0)
			return true;
		if (!p[n])
			return false;
	}
}

/*
 * Can the kernel read the path, the argument and the environment strings?
 * Where it cannot, the exec fails before anything changes (EFAULT, or an
 * earlier error of its own), so the call goes to the kernel unprepared:
 * looking at them here would fault where the kernel says EFAULT. (Read
 * page by page through the proven copy, ucopy.c; a string longer than the
 * kernel's MAX_ARG_STRLEN is its E2BIG, not looked at further.)
 */
static bool str_ok(const char *s)
{
	size_t seen = 0;
	char c;

	while (seen < (256u << 10)) {
		size_t n = 4096 - ((uintptr_t)s & 4095);

		/* one byte proves its page readable; the rest of the page is
		 * then looked at only as far as the string goes */
		if (!udsx_fetch(&c, s, 1))
			return false;
		if (strnlen(s, n) < n)
			return true;
		s += n;
		seen += n;
	}
	return true;
}

static bool vec_ok(char *const *v)
{
	for (size_t i = 0; v; i++) {
		char *p;

		if (!udsx_fetch(&p, v + i, sizeof(p)))
			return false;
		if (!p)
			break;
		if (!str_ok(p))
			return false;
	}
	return true;
}

/* Must the exec go to the kernel as it is, unprepared (the above)? */
static bool unprepared(const char *path, char *const argv[], char *const envp[])
{
	if (!udsx_real.execve)
		udsx_init();
	return udsx_on && !((!path || str_ok(path)) && vec_ok(argv) && vec_ok(envp));
}

/* Prepare the channels; returns the environment to exec with. */
static char **before_exec(const char *path, char *const envp[])
{
	if (!udsx_real.execve)
		udsx_init();
	if (!udsx_on)
		return (char **)envp;
	/* the new image's stdio owns fds 0-2 (fd.c: udsx_stdio_fd) */
	udsx_stdio_fd(0);
	udsx_stdio_fd(1);
	udsx_stdio_fd(2);
	return udsx_inherit_envp(envp, env_loads_us(envp) && binary_preloadable(path, 0));
}

/*
 * An exec of a path that does not exist fails, and must leave the channels
 * as they are: a PATH search (execvp in Python, dash, ...) tries one
 * missing path after another before the real one, and preparing for each
 * try would revert every inherited channel before an exec that keeps udsx.
 * Returns the error to fail with (the one the kernel's lookup gives), or 0.
 * stat() stands for the exec's own lookup, and the exec is then not tried
 * at all, so a file created meanwhile cannot be run with channels it was
 * not prepared for.
 */
static int missing(const char *path)
{
	struct stat st;

	if (!path || stat(path, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
		return 0;
	return -errno;
}

/* The exec returned, so it failed: undo what only the new image needed. */
static int after_exec(int r)
{
	int e = errno;

	if (udsx_on)
		udsx_inherit_abort();
	errno = e;
	return r;
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	char **env;
	int gone;

	if (unprepared(path, argv, envp))
		return udsx_real.execve(path, argv, envp);
	gone = udsx_on ? missing(path) : 0;
	if (gone)
		return (int)udsx_ret(gone);
	env = before_exec(path, envp);
	return after_exec(udsx_real.execve(path, argv, env));
}

EXPORT int execveat(int dfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	char p[PATH_MAX];
	char **env;

	const char *q = path;	/* glibc declares it nonnull; callers are not */

	if (unprepared(path, argv, envp))
		return udsx_real.execveat(dfd, path, argv, envp, flags);
	if ((flags & AT_EMPTY_PATH) && (!q || !*q))
		snprintf(p, sizeof(p), "/proc/self/fd/%d", dfd);
	else if (q && q[0] != '/' && dfd != AT_FDCWD)
		snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", dfd, q);
	else
		snprintf(p, sizeof(p), "%s", q ? q : "");
	env = before_exec(p, envp);
	return after_exec(udsx_real.execveat(dfd, path, argv, env, flags));
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	char p[64];
	char **env;

	if (unprepared(NULL, argv, envp))
		return udsx_real.fexecve(fd, argv, envp);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	env = before_exec(p, envp);
	return after_exec(udsx_real.fexecve(fd, argv, env));
}

EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	int (*real)(const char *, char *const[], char *const[]) =
		(int (*)(const char *, char *const[], char *const[]))udsx_dlnext("execvpe");
	char p[PATH_MAX];
	char **env;

	if (unprepared(file, argv, envp))
		return real(file, argv, envp);
	env = before_exec(resolve(file, p, sizeof(p)) ? p : NULL, envp);
	return after_exec(real(file, argv, env));
}

EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/* execl*: collect the variadic arguments, then take the vector path. */
static char **collect(const char *first, va_list ap, char ***envp_out)
{
	size_t n = 1, i;
	va_list c;
	char **argv;

	va_copy(c, ap);
	while (va_arg(c, char *))
		n++;
	va_end(c);
	argv = malloc((n + 1) * sizeof(char *));
	if (!argv)
		return NULL;
	argv[0] = (char *)first;
	for (i = 1; i <= n; i++)
		argv[i] = va_arg(ap, char *);
	if (envp_out)
		*envp_out = va_arg(ap, char **);
	return argv;
}

enum lmode { L_PATH, L_SEARCH, L_ENV };

/* The execl* family: argv from the variadic list, then the vector call. */
static int execl_common(enum lmode mode, const char *path, const char *arg, va_list ap)
{
	char **argv, **envp = NULL;
	int r;

	argv = collect(arg, ap, mode == L_ENV ? &envp : NULL);
	if (!argv)
		return (int)udsx_ret(-ENOMEM);
	if (mode == L_SEARCH)
		r = execvp(path, argv);
	else
		r = execve(path, argv, mode == L_ENV ? envp : environ);
	free(argv);
	return r;
}

EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg);
	r = execl_common(L_PATH, path, arg, ap);
	va_end(ap);
	return r;
}

EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg);
	r = execl_common(L_SEARCH, file, arg, ap);
	va_end(ap);
	return r;
}

EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg);
	r = execl_common(L_ENV, path, arg, ap);
	va_end(ap);
	return r;
}
