/* SPDX-License-Identifier: MIT */
/* inherit.c -- channels across exec: handed to a new image that runs udsx, reverted for one that may not.
 *
 * Before exec, every inheritable channel end either gets its memfd passed
 * (non-close-on-exec, named in UDSX_INHERIT=fd:memfd:side,...) when the new
 * image will load udsx, or returns to the kernel path. Ends that close at
 * exec are released as by close(). The new image maps the memfds in its
 * constructor, checks each socket inode against the header, and closes the
 * memfds and the variable, so its own children start clean.
 *
 * Memory-ordering contract: nothing here touches the rings; the channel is
 * used by the new image only after its constructor has finished.
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
	bool reattach;
};

static void plan_cb(int fd, struct udsx_end *e, void *arg)
{
	struct plan *p = arg;
	int fl = udsx_real.fcntl(fd, F_GETFD), m;

	if (fl < 0)
		return;
	if (fl & FD_CLOEXEC) {
		/* closes at exec: the same as close() for this process */
		if (atomic_load(&e->ch->side_refs[e->side]) <= 1)
			udsx_end_released(fd, e);
		return;
	}
	if (!p->reattach || e->ch->memfd < 0 || !udsx_end_active(e) ||
	    p->len + 40 > sizeof(p->buf)) {
		udsx_leave_kernel_only(fd, e);
		return;
	}
	/* a non-close-on-exec copy of the memfd for the new image */
	m = udsx_real.fcntl(e->ch->memfd, F_DUPFD, e->ch->memfd);
	if (m < 0) {
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
char **udsx_inherit_envp(char *const envp[], bool reattach)
{
	static struct plan p;
	static char **nenv;
	static char var[sizeof(VAR) + sizeof(p.buf)];
	size_t n = 0, i, j = 0;

	p.len = 0;
	p.reattach = reattach;
	udsx_table_foreach(plan_cb, &p);
	if (!p.len)
		return (char **)envp;
	while (envp && envp[n])
		n++;
	free(nenv);
	nenv = calloc(n + 2, sizeof(char *));
	if (!nenv)
		return (char **)envp;
	snprintf(var, sizeof(var), "%s%s", VAR, p.buf);
	for (i = 0; i < n; i++)
		if (strncmp(envp[i], VAR, sizeof(VAR) - 1))
			nenv[j++] = envp[i];
	nenv[j++] = var;
	nenv[j] = NULL;
	return nenv;
}

static void attach_one(int fd, int memfd, int side)
{
	struct udsx_chan *ch = udsx_chan_attach(memfd);
	struct stat st;

	udsx_real.close(memfd);
	if (!ch)
		return;
	if (side < 0 || side > 1 || fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    (uint64_t)st.st_ino != atomic_load(&ch->h->end[side].ino)) {
		udsx_dbg("inherited fd %d does not match its channel; left alone", fd);
		return;
	}
	udsx_table_set(fd, ch, side);
	udsx_dbg("fd %d re-attached after exec", fd);
}

/* In the new image's constructor. */
void udsx_inherit_load(void)
{
	const char *v = getenv("UDSX_INHERIT");
	int fd, memfd, side, used;

	if (!v)
		return;
	while (sscanf(v, "%d:%d:%d%n", &fd, &memfd, &side, &used) == 3) {
		if (fd >= 0 && memfd >= 0 && fd != memfd)
			attach_one(fd, memfd, side);
		v += used;
		if (*v != ',')
			break;
		v++;
	}
	unsetenv("UDSX_INHERIT");
}
