/* SPDX-License-Identifier: MIT */
/* process.c -- fork, vfork, spawn, system/popen and exit: channels follow the fds, or go back to the kernel.
 *
 * Memory-ordering contract: holder pid slots are claimed by CAS on one
 * atomic word each; everything else goes through src/ (see shm.h).
 */
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "preload.h"
#include "pin.h"

static void register_cb(int fd, struct udsx_end *e, void *arg)
{
	uint32_t pid = (uint32_t)(uintptr_t)arg;

	/* (the parent does not know the child's page: the child says) */
	udsx_holder_add(e->ch->h, e->side, pid, pid == (uint32_t)udsx_pid() ? udsx_life_fd() : 0, fd);
}

/* (and tells that the child holds ends at all) */
static void unbusy_cb(int fd, struct udsx_end *e, void *arg)
{
	atomic_store(&e->ch->busy, 0);
	*(bool *)arg = true;
}

/* In the child of fork: a new tid for the lock owner field, and no other
 * thread is inside a call any more. */
void udsx_atfork_child(void)
{
	udsx_pid_reset();
	udsx_priv_atfork_child();
	udsx_lock_atfork_child();
	udsx_pin_atfork_child();
	udsx_pool_atfork_child();
	{
		bool any = false;

		udsx_table_foreach_child(unbusy_cb, &any);
		udsx_watch_atfork_child();
		udsx_life_atfork_child(any);
	}
	udsx_table_foreach(register_cb, (void *)(uintptr_t)udsx_pid());
	udsx_cand_atfork(true);
}

/* Any fork, ours or one inside libc: candidates are shared from now on. */
void udsx_atfork_parent(void)
{
	udsx_pool_atfork_parent();
	udsx_cand_atfork(false);
}

/* The child holds every end we hold. Registered by the parent, before fork
 * returns to it, so that a close in the parent right after fork cannot
 * mistake itself for the last holder (and by the child itself: revert.c,
 * "Holder registry"). */
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

/* A child that libc starts and execs itself runs a program that cannot be
 * told about channels: every end it can inherit returns to the kernel path
 * first. posix_spawn's file actions can hand it any fd, close-on-exec or
 * not (any_fd); system() and popen() pass only what exec keeps. */
static void before_spawn(bool any_fd)
{
	if (!udsx_real.execve)
		udsx_init();
	if (udsx_on)
		udsx_inherit_spawn(any_fd);
}

EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	before_spawn(true);
	return udsx_real.posix_spawn(pid, path, fa, attr, argv, envp);
}

EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	before_spawn(true);
	return udsx_real.posix_spawnp(pid, file, fa, attr, argv, envp);
}

/* glibc runs system() and popen() through its own posix_spawn and execve,
 * which no wrapper sees: /bin/sh and the command would otherwise inherit
 * channel ends unprepared, read doorbells as data and never see the ring. */
EXPORT int system(const char *cmd)
{
	int (*real)(const char *) = (int (*)(const char *))udsx_dlnext("system");

	if (cmd)	/* (NULL only asks whether there is a shell: it runs "exit 0") */
		before_spawn(false);
	return real(cmd);
}

EXPORT FILE *popen(const char *cmd, const char *mode)
{
	FILE *(*real)(const char *, const char *) =
		(FILE *(*)(const char *, const char *))udsx_dlnext("popen");

	before_spawn(false);
	return real(cmd, mode);
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
	if (!udsx_real._exit)
		udsx_init();
	if (udsx_on)
		udsx_release_all();
	udsx_real._exit(status);
	__builtin_unreachable();
}

EXPORT void _Exit(int status)
{
	_exit(status);
}
