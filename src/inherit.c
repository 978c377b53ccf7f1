/* SPDX-License-Identifier: MIT */
/* inherit.c -- channels across exec: handed to a new image that runs udsx, reverted for one that may not.
 *
 * Before exec, every inheritable channel end either gets its memfd passed
 * (non-close-on-exec, named in UDSX_INHERIT=fd:memfd:side,...) when the new
 * image will load udsx, or returns to the kernel path. Ends that close at
 * exec are released as by close(). The new image maps the memfds in its
 * constructor, checks each socket inode against the header, and closes the
 * memfds and the variable, so its own children start clean. All fds of one
 * channel name the same memfd, so the new image maps each channel once and
 * counts its fds together (a close of one of them is not the last).
 *
 * A child started by posix_spawn, system() or popen() cannot be told about
 * channels at all (libc runs the exec itself), so every end it can inherit
 * returns to the kernel path first.
 *
 * Memory-ordering contract: nothing here writes the rings; the only read
 * is whether a reverted end still has records waiting in its ring (an
 * acquire load of tail and head, ring.c). The channel is used by the new
 * image only after its constructor has finished.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

#define VAR "UDSX_INHERIT="

struct plan {
	char buf[4096];
	size_t len;
	bool reattach;		/* the new image loads udsx */
	bool spawn;		/* a child starts; this process stays */
	bool any_fd;		/* (spawn) close-on-exec fds may reach it too */
	int n;			/* channels passed so far, with their memfd copies */
	struct udsx_chan *ch[UDSX_KEEP_MAX];
	int m[UDSX_KEEP_MAX];
};

/* The non-close-on-exec memfd copy passed for ch, made on first use; -1 if
 * there is none. */
static int memfd_for(struct plan *p, struct udsx_chan *ch)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (p->ch[i] == ch)
			return p->m[i];
	if (p->n == UDSX_KEEP_MAX || ch->memfd < 0)
		return -1;
	p->m[p->n] = udsx_real.fcntl(ch->memfd, F_DUPFD, ch->memfd);
	if (p->m[p->n] < 0)
		return -1;
	p->ch[p->n] = ch;
	return p->m[p->n++];
}

/* Can the new image take this end over? A reverted end too, while records
 * toward it wait in the ring (a re-send the kernel refused): the new image
 * drains them before reading the kernel, as this one would. */
static bool passable(struct udsx_end *e)
{
	return udsx_end_active(e) || !udsx_ring_empty(e->ch, 1 - e->side);
}

static void plan_cb(int fd, struct udsx_end *e, void *arg)
{
	struct plan *p = arg;
	int fl = udsx_real.fcntl(fd, F_GETFD), m;

	if (fl < 0)
		return;
	if ((fl & FD_CLOEXEC) && !(p->spawn && p->any_fd)) {
		/* exec: it closes with this image, the same as close() for
		 * this process; spawn: the child never sees it */
		if (!p->spawn && atomic_load(&e->ch->side_refs[e->side]) <= 1)
			udsx_end_released(fd, e);
		return;
	}
	if (!p->reattach || !passable(e) || p->len + 40 > sizeof(p->buf) ||
	    (m = memfd_for(p, e->ch)) < 0) {
		udsx_leave_kernel_only(fd, e);
		return;
	}
	p->len += (size_t)snprintf(p->buf + p->len, sizeof(p->buf) - p->len, "%s%d:%d:%d",
				   p->len ? "," : "", fd, m, e->side);
}

/*
 * Prepare every channel for exec. Returns the environment to pass: envp
 * itself, or a copy with UDSX_INHERIT set (static storage: exec either
 * replaces the image or fails and is retried with the same call).
 */
static struct plan exec_plan;

char **udsx_inherit_envp(char *const envp[], bool reattach)
{
	struct plan *p = &exec_plan;
	static char **nenv;
	static char var[sizeof(VAR) + sizeof(p->buf)];
	size_t n = 0, i, j = 0;

	p->len = 0;
	p->n = 0;
	p->reattach = reattach;
	p->spawn = p->any_fd = false;
	udsx_table_foreach(plan_cb, p);
	if (!p->len)
		return (char **)envp;
	while (envp && envp[n])
		n++;
	free(nenv);
	nenv = calloc(n + 2, sizeof(char *));
	if (!nenv) {
		udsx_inherit_abort();
		return (char **)envp;
	}
	memcpy(var, VAR, sizeof(VAR) - 1);
	memcpy(var + sizeof(VAR) - 1, p->buf, p->len + 1);
	for (i = 0; i < n; i++)
		if (strncmp(envp[i], VAR, sizeof(VAR) - 1))
			nenv[j++] = envp[i];
	nenv[j++] = var;
	nenv[j] = NULL;
	return nenv;
}

/* The exec prepared by udsx_inherit_envp failed: the memfd copies made for
 * it would otherwise leak into every later child. (The channels stay as
 * they are; ends that had to revert stay reverted.) */
void udsx_inherit_abort(void)
{
	int i;

	for (i = 0; i < exec_plan.n; i++)
		udsx_real.close(exec_plan.m[i]);
	exec_plan.n = 0;
}

/* A child is about to be started by libc (posix_spawn, system, popen). */
void udsx_inherit_spawn(bool any_fd)
{
	struct plan p;

	p.len = 0;
	p.n = 0;
	p.reattach = false;
	p.spawn = true;
	p.any_fd = any_fd;
	udsx_table_foreach(plan_cb, &p);
}

/* fd is end `side` of ch, if its socket is the one the header names. */
static void attach_end(int fd, struct udsx_chan *ch, int side)
{
	struct stat st;

	if (side < 0 || side > 1 || fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    (uint64_t)st.st_ino != atomic_load(&ch->h->end[side].ino)) {
		udsx_dbg("inherited fd %d does not match its channel; left alone", fd);
		return;
	}
	{
		/* A thread of the old image asleep in a consuming recv is gone;
		 * if it was the main thread, its tid is now ours and looks alive.
		 * A sleeper mark without a tid is stale (bell.c clears it). */
		uint32_t me = (uint32_t)getpid();

		atomic_compare_exchange_strong(&ch->h->dir[1 - side].rsleep, &me, 0);
	}
	udsx_table_set(fd, ch, side);
	/* our old image's page went with it (the kernel marked its slots) */
	udsx_holder_add(ch->h, side, (uint32_t)udsx_pid(), udsx_life_fd(), fd);
	udsx_dbg("fd %d re-attached after exec", fd);
}

/* In the new image's constructor. Each memfd is mapped once, however many
 * fds name it; a channel none of them matches is dropped again. */
void udsx_inherit_load(void)
{
	const char *v = getenv("UDSX_INHERIT");
	struct udsx_chan *ch[UDSX_KEEP_MAX];
	int memfds[UDSX_KEEP_MAX];
	int fd, memfd, side, used, n = 0, i;

	if (!v)
		return;
	while (sscanf(v, "%d:%d:%d%n", &fd, &memfd, &side, &used) == 3) {
		for (i = 0; i < n && memfds[i] != memfd; i++)
			;
		if (i == n && n < UDSX_KEEP_MAX && fd >= 0 && memfd >= 0 && fd != memfd) {
			/* (attaching keeps its own copy and closes memfd) */
			memfds[n] = memfd;
			ch[n] = udsx_chan_attach(memfd);
			if (!ch[n])
				udsx_real.close(memfd);
			n++;
		}
		if (i < n && ch[i] && fd != memfd)
			attach_end(fd, ch[i], side);
		v += used;
		if (*v != ',')
			break;
		v++;
	}
	for (i = 0; i < n; i++)
		if (ch[i] && !atomic_load(&ch[i]->side_refs[0]) && !atomic_load(&ch[i]->side_refs[1]))
			udsx_chan_discard(ch[i]);
	unsetenv("UDSX_INHERIT");
}
