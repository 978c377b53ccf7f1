/* SPDX-License-Identifier: MIT */
/* process.c -- fork, vfork, exec and spawn: channels follow the fds, or go back to the kernel. */
#include <spawn.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include "preload.h"

static void register_cb(int fd, struct udsx_end *e, void *arg)
{
	struct udsx_endstate *es = &e->ch->h->end[e->side];
	uint32_t me = (uint32_t)(uintptr_t)arg, z;
	int i;

	for (i = 0; i < 7; i++) {
		z = 0;
		if (atomic_load(&es->pid[i]) == me ||
		    atomic_compare_exchange_strong(&es->pid[i], &z, me))
			return;
	}
	atomic_store(&es->pid[6], me);	/* newest holder wins the last slot */
}

/* In the child of fork: a new tid for the lock owner field. */
void udsx_atfork_child(void)
{
	udsx_lock_atfork_child();
}

/* The child holds every end we hold. Registered by the parent, before fork
 * returns to it, so that a close in the parent right after fork cannot
 * mistake itself for the last holder. */
EXPORT pid_t fork(void)
{
	pid_t pid;

	if (!udsx_real.fork)
		udsx_init();
	pid = udsx_real.fork();
	if (pid > 0 && udsx_on)
		udsx_table_foreach(register_cb, (void *)(uintptr_t)pid);
	return pid;
}

/* vfork children share our memory and must not touch udsx state; a real
 * fork gives the program the same observable behaviour and lets exec in
 * the child revert inherited channels safely. */
EXPORT pid_t vfork(void)
{
	return fork();
}

/* The new image may not run udsx (LD_PRELOAD dropped, setuid, static):
 * every inheritable channel returns to the kernel path first. */
static void before_exec(void)
{
	if (!udsx_real.execve)
		udsx_init();
	if (udsx_on)
		udsx_revert_inheritable();
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	before_exec();
	return udsx_real.execve(path, argv, envp);
}

EXPORT int execveat(int dfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	before_exec();
	return udsx_real.execveat(dfd, path, argv, envp, flags);
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	before_exec();
	return udsx_real.fexecve(fd, argv, envp);
}

#define NEXT(T, name) ((T)udsx_dlnext(name))

EXPORT int execv(const char *path, char *const argv[])
{
	before_exec();
	return NEXT(int (*)(const char *, char *const[]), "execv")(path, argv);
}

EXPORT int execvp(const char *file, char *const argv[])
{
	before_exec();
	return NEXT(int (*)(const char *, char *const[]), "execvp")(file, argv);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	before_exec();
	return NEXT(int (*)(const char *, char *const[], char *const[]), "execvpe")(file, argv, envp);
}

/* execl*: collect the variadic arguments, then take the vector path. */
#define COLLECT(first, ap, argv, want_envp, envp_out)					\
	do {								\
		size_t n_ = 1;						\
		va_list c_;						\
		va_copy(c_, ap);					\
		while (va_arg(c_, char *))				\
			n_++;						\
		va_end(c_);						\
		argv = alloca((n_ + 1) * sizeof(char *));		\
		argv[0] = (char *)first;				\
		for (size_t i_ = 1; i_ <= n_; i_++)			\
			argv[i_] = va_arg(ap, char *);			\
		if (want_envp)						\
			*(envp_out) = va_arg(ap, char **);		\
	} while (0)

EXPORT int execl(const char *path, const char *arg, ...)
{
	char **argv;
	va_list ap;

	va_start(ap, arg);
	COLLECT(arg, ap, argv, 0, (char ***)NULL);
	va_end(ap);
	return execv(path, argv);
}

EXPORT int execlp(const char *file, const char *arg, ...)
{
	char **argv;
	va_list ap;

	va_start(ap, arg);
	COLLECT(arg, ap, argv, 0, (char ***)NULL);
	va_end(ap);
	return execvp(file, argv);
}

EXPORT int execle(const char *path, const char *arg, ...)
{
	char **argv, **envp = NULL;
	va_list ap;

	va_start(ap, arg);
	COLLECT(arg, ap, argv, 1, &envp);
	va_end(ap);
	return execve(path, argv, envp);
}

EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	before_exec();
	return udsx_real.posix_spawn(pid, path, fa, attr, argv, envp);
}

EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	before_exec();
	return udsx_real.posix_spawnp(pid, file, fa, attr, argv, envp);
}

/* Process exit: ends nobody else holds go back to the kernel before the
 * kernel closes them. */
__attribute__((destructor)) static void udsx_dtor(void)
{
	if (udsx_on)
		udsx_release_all();
}

EXPORT void _exit(int status)
{
	void (*real)(int) = (void (*)(int))udsx_dlnext("_exit");

	if (udsx_on)
		udsx_release_all();
	real(status);
	__builtin_unreachable();
}

EXPORT void _Exit(int status)
{
	_exit(status);
}
