/* SPDX-License-Identifier: MIT */
/* common_a.h -- helpers for the a_* scenarios: fd passing, cmsg dumps and fd identity. */
#ifndef UDSX_TEST_COMMON_A_H
#define UDSX_TEST_COMMON_A_H

/* Helpers in common.h and here are static; a scenario uses only some. */
#pragma GCC diagnostic ignored "-Wunused-function"

#include "common.h"
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <netinet/in.h>

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 4
#endif
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83
#endif
#ifndef SO_INQ
#define SO_INQ 84
#endif
#ifndef SCM_INQ
#define SCM_INQ SO_INQ
#endif

#define A_CTL_NULL ((size_t)-1)	/* a_recv(): pass msg_control == NULL */

/*
 * fd identity: files are registered under a label and recognised again by
 * (st_dev, st_ino); the access mode tells the two ends of a pipe apart.
 * Received fds are never printed by number.
 */
struct a_id {
	const char *label;
	dev_t dev;
	ino_t ino;
};

static struct a_id a_ids[64];
static int a_nids;
static pid_t a_child;		/* pid printed as "child" in credentials */
static pid_t a_child2;		/* pid printed as "child2" */

static void a_register(const char *label, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || a_nids == 64) {
		perror("a_register");
		exit(1);
	}
	a_ids[a_nids].label = label;
	a_ids[a_nids].dev = st.st_dev;
	a_ids[a_nids].ino = st.st_ino;
	a_nids++;
}

/* Describe fd as "label:r", "label:w", "label:rw", "?" or "closed". */
static const char *a_ident(int fd)
{
	static char s[4][80];
	static int k;
	char *o = s[k++ & 3];
	struct stat st;
	int i, fl;

	if (fstat(fd, &st) < 0)
		return "closed";
	fl = fcntl(fd, F_GETFL);
	for (i = 0; i < a_nids; i++) {
		if (a_ids[i].dev != st.st_dev || a_ids[i].ino != st.st_ino)
			continue;
		snprintf(o, 80, "%s:%s", a_ids[i].label,
			 (fl & O_ACCMODE) == O_RDONLY ? "r" :
			 (fl & O_ACCMODE) == O_WRONLY ? "w" : "rw");
		return o;
	}
	return "?";
}

static int a_cloexec(int fd)
{
	int f = fcntl(fd, F_GETFD);

	return f >= 0 && (f & FD_CLOEXEC);
}

/* The number the next open() would return. */
static int a_lowest_free(void)
{
	int fd = fcntl(0, F_DUPFD, 0);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* A pipe registered under label; p[0] read end, p[1] write end. */
static void a_pipe(const char *label, int p[2])
{
	if (pipe(p) < 0) {
		perror("pipe");
		exit(1);
	}
	a_register(label, p[0]);
}

/* What is waiting in a pipe's read end: text, "eof" or "empty". */
static void a_pipe_state(const char *label, int rfd)
{
	char b[64];
	int fl = fcntl(rfd, F_GETFL);
	long r;

	fcntl(rfd, F_SETFL, fl | O_NONBLOCK);
	r = read(rfd, b, sizeof(b));
	fcntl(rfd, F_SETFL, fl);
	if (r > 0)
		show_buf(label, b, r);
	else if (r == 0)
		say("%s: eof", label);
	else
		say("%s: %s", label, errno == EAGAIN ? "empty" : errname(errno));
}

/* sendmsg with an optional SCM_RIGHTS list (n == 0: no control data). */
static long a_sendfds(int fd, const void *buf, size_t len, const int *fds, int n, int flags)
{
	static union {
		char b[CMSG_SPACE(sizeof(int) * 300)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (n > 0) {
		memset(&u, 0, sizeof(u));
		m.msg_control = u.b;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	return sendmsg(fd, &m, flags);
}

/* sendmsg with explicit SCM_CREDENTIALS. */
static long a_sendcred(int fd, const void *buf, size_t len, pid_t pid, uid_t uid, gid_t gid,
		       int flags)
{
	union {
		char b[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct ucred uc = { pid, uid, gid };
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(uc));
	memcpy(CMSG_DATA(c), &uc, sizeof(uc));
	return sendmsg(fd, &m, flags);
}

static const char *a_pidname(pid_t p)
{
	static char s[32];

	if (p == 0)
		return "0";
	if (p == getpid())
		return "self";
	if (a_child && p == a_child)
		return "child";
	if (a_child2 && p == a_child2)
		return "child2";
	if (p == -1)
		return "-1";
	snprintf(s, sizeof(s), "other");
	return s;
}

/* The "Pid:" of a pidfd, from fdinfo, named as by a_pidname. */
static const char *a_pidfd_pid(int fd)
{
	char path[64], line[128];
	const char *r = "nopid";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return "nofdinfo";
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Pid:", 4)) {
			r = a_pidname(atoi(line + 4));
			break;
		}
	fclose(f);
	return r;
}

/* Received fds of the last a_recv(), left open for the scenario to use. */
static int a_fds[300];
static int a_nfds;
static int a_keep;	/* 1: a_recv() leaves received fds open in a_fds */

static void a_close_fds(void)
{
	int i;

	for (i = 0; i < a_nfds; i++)
		close(a_fds[i]);
	a_nfds = 0;
}

/* Print every cmsg of m; SCM_RIGHTS fds are described and (unless a_keep) closed. */
static void a_show_cmsgs(const char *label, struct msghdr *m)
{
	struct cmsghdr *c;
	char s[400];
	int i, n, o;

	a_nfds = 0;
	for (c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		size_t dl = c->cmsg_len >= CMSG_LEN(0) ? c->cmsg_len - CMSG_LEN(0) : 0;

		if (c->cmsg_level != SOL_SOCKET) {
			say("%s: cmsg level=%d type=%d len=%zu", label, c->cmsg_level,
			    c->cmsg_type, (size_t)c->cmsg_len);
			continue;
		}
		switch (c->cmsg_type) {
		case SCM_RIGHTS:
			n = dl / sizeof(int);
			o = snprintf(s, sizeof(s), "%s: SCM_RIGHTS len=%zu n=%d", label,
				     (size_t)c->cmsg_len, n);
			for (i = 0; i < n; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (i < 8 && o < (int)sizeof(s) - 40)
					o += snprintf(s + o, sizeof(s) - o, " %s%s", a_ident(fd),
						      a_cloexec(fd) ? "+cloexec" : "");
				if (a_nfds < 300)
					a_fds[a_nfds++] = fd;
			}
			if (n > 8)
				snprintf(s + o, sizeof(s) - o, " ...");
			say("%s", s);
			break;
		case SCM_CREDENTIALS:
			if (dl < sizeof(struct ucred)) {
				say("%s: SCM_CREDENTIALS len=%zu (short)", label, (size_t)c->cmsg_len);
			} else {
				struct ucred uc;

				memcpy(&uc, CMSG_DATA(c), sizeof(uc));
				say("%s: SCM_CREDENTIALS len=%zu pid=%s uid=%u gid=%u", label,
				    (size_t)c->cmsg_len, a_pidname(uc.pid), uc.uid, uc.gid);
			}
			break;
		case SCM_PIDFD:
			if (dl < sizeof(int)) {
				say("%s: SCM_PIDFD len=%zu (short)", label, (size_t)c->cmsg_len);
			} else {
				int fd;

				memcpy(&fd, CMSG_DATA(c), sizeof(int));
				say("%s: SCM_PIDFD len=%zu pid=%s%s", label, (size_t)c->cmsg_len,
				    a_pidfd_pid(fd), a_cloexec(fd) ? " cloexec" : "");
				close(fd);
			}
			break;
		case SCM_INQ:
			if (dl < sizeof(int)) {
				say("%s: SCM_INQ len=%zu (short)", label, (size_t)c->cmsg_len);
			} else {
				int v;

				memcpy(&v, CMSG_DATA(c), sizeof(int));
				say("%s: SCM_INQ %d", label, v);
			}
			break;
		default:
			say("%s: cmsg SOL_SOCKET type=%d len=%zu", label, c->cmsg_type,
			    (size_t)c->cmsg_len);
		}
	}
	if (!a_keep)
		a_close_fds();
}

/*
 * recvmsg into a len-byte buffer with ctl bytes of control buffer
 * (A_CTL_NULL: msg_control NULL) and print result, data, msg_flags and
 * cmsgs. Returns the result.
 */
static long a_recv(const char *label, int fd, size_t len, size_t ctl, int flags)
{
	static union {
		char b[CMSG_SPACE(sizeof(int) * 300) + 512];
		struct cmsghdr align;
	} u;
	static char buf[1 << 20];
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	long r;

	if (ctl != A_CTL_NULL) {
		m.msg_control = u.b;
		m.msg_controllen = ctl;
	}
	memset(u.b, 0, sizeof(u.b));
	r = show(label, recvmsg(fd, &m, flags));
	a_nfds = 0;
	if (r < 0)
		return r;
	if (len)
		show_buf("  data", buf, r < (long)len ? r : (long)len);
	show_flags("  msg", m.msg_flags);
	if (m.msg_control && m.msg_controllen)
		a_show_cmsgs("  cmsg", &m);
	else if (m.msg_control)
		say("  cmsg: none");
	return r;
}

/* send/recv shorthands that print. */
static long a_send(const char *label, int fd, const char *s, int flags)
{
	return show(label, send(fd, s, strlen(s), flags));
}

static long a_rd(const char *label, int fd, size_t len, int flags)
{
	static char buf[1 << 16];
	long r = show(label, recv(fd, buf, len, flags));

	if (r > 0 && len)
		show_buf("  data", buf, r < (long)len ? r : (long)len);
	return r;
}

static void a_setint(const char *label, int fd, int level, int opt, int v)
{
	show(label, setsockopt(fd, level, opt, &v, sizeof(v)));
}

static void a_getint(const char *label, int fd, int level, int opt)
{
	int v = -12345;
	socklen_t l = sizeof(v);

	if (show(label, getsockopt(fd, level, opt, &v, &l)) == 0)
		say("  value=%d len=%u", v, l);
}

static void a_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void a_rcvtimeo(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Run fn(arg) on a thread; a_join() waits for it. */
static pthread_t a_thr;

static void a_spawn(void *(*fn)(void *), void *arg)
{
	if (pthread_create(&a_thr, NULL, fn, arg)) {
		perror("pthread_create");
		exit(1);
	}
}

static void a_join(void)
{
	pthread_join(a_thr, NULL);
}

#endif
