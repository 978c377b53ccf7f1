/* SPDX-License-Identifier: MIT */
/* common_i.h -- helpers for the i_* interoperation scenarios: names, helper processes with and without udsx, their transcripts, credentials. */
#ifndef UDSX_TEST_COMMON_I_H
#define UDSX_TEST_COMMON_I_H

/*
 * An i_* scenario connects processes by name: a pathname in a fresh
 * directory (UDSX_TEST_CONN=path) or an abstract name (=abstract), so its
 * instances are listed in those modes only (i_named_modes). Its peers are
 * helper processes: forked (the same image: udsx when the scenario runs
 * under udsx), or the scenario exec'd again as "TYPE-@ROLE ARGS..." with
 * LD_PRELOAD kept (udsx) or removed (plain). In the plain-kernel run every
 * image is plain; under udsx the plain ones are the partners without udsx.
 *
 * A helper prints into a memfd of its own; the main process prints that
 * after reaping it, each line prefixed "LABEL| ", so the transcript does not
 * depend on scheduling. Names are printed with their unique parts replaced:
 * "$DIR" for the temporary directory, "$UNIQ" for the per-run part of an
 * abstract name, "<autobind>" for a name the kernel chose. Pids are printed
 * as whose they are ("self", "main", "parent", a helper's label, "other").
 */

#include "common_b.h"
#include <dirent.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define I_NOBODY 65534		/* uid and gid of "nobody" */

enum i_img { I_FORK, I_UDSX, I_PLAIN };

struct i_kid {
	pid_t pid;
	int out;		/* memfd holding the helper's transcript */
	const char *label;
};

static const char *i_argv0;
static char i_base[64];		/* "/tmp/udsx-i-XXXXXX" or "@udsx-i-PID-RANDOM" */
static pid_t i_owner;		/* the process that removes the directory */
static struct { pid_t pid; const char *label; } i_known[16];
static int i_nknown;

/* Defined by each scenario: run helper role `role` with its arguments;
 * returns the helper's exit status. */
static int i_role(const char *role, char **args);

/* SCENARIO_MAIN_IF filter: the i_* scenarios name their own connections. */
static int i_named_modes(const char *inst)
{
	return T_CONN != CONN_PAIR;
}

static __attribute__((noreturn)) void i_die(const char *what)
{
	perror(what);
	fflush(stdout);
	_exit(1);
}

/* The uid cases need root; anywhere else they skip. */
static void i_need_root(void)
{
	if (geteuid() != 0)
		exit(77);
}

static void i_become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(I_NOBODY) || setuid(I_NOBODY))
		i_die("drop to nobody");
}

/* A helper argument naming a descriptor: "#N" (kept across exec). */
static int i_fdarg(const char *s)
{
	return s && s[0] == '#' ? atoi(s + 1) : -1;
}

/* Remove the directory and whatever the scenario left in it (main only). */
static void i_cleanup(void)
{
	char p[sizeof(i_base) + 300];
	struct dirent *e;
	DIR *d;

	if (getpid() != i_owner || i_base[0] != '/' || !(d = opendir(i_base)))
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(p, sizeof(p), "%s/%s", i_base, e->d_name);
			unlink(p);
		}
	closedir(d);
	rmdir(i_base);
}

/* Choose the names of this run; a pathname directory gets dirmode. */
static void i_mkbase(mode_t dirmode)
{
	unsigned int r = 0;

	if (T_CONN == CONN_PATH) {
		strcpy(i_base, "/tmp/udsx-i-XXXXXX");
		if (!mkdtemp(i_base))
			i_die("mkdtemp");
		i_owner = getpid();
		atexit(i_cleanup);
		if (chmod(i_base, dirmode) < 0)
			i_die("chmod");
		return;
	}
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (unsigned int)time(NULL);
	snprintf(i_base, sizeof(i_base), "@udsx-i-%08x-%08x", (unsigned int)getpid(), r);
}

/* The address base/tag: a file in the directory, or an abstract name. */
static socklen_t i_addr(struct sockaddr_un *a, const char *base, const char *tag)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (base[0] == '@') {
		snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "%s-%s", base + 1, tag);
		return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a->sun_path + 1);
	}
	snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", base, tag);
	return offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1;
}

/* A name as text with its unique parts replaced (see the top of the file). */
static const char *i_name_text(const struct sockaddr_un *a, socklen_t len)
{
	static char s[4][200];
	static int k;
	char *o = s[k++ & 3];
	const char *p = a->sun_path;
	size_t n = len > offsetof(struct sockaddr_un, sun_path) ?
		   len - offsetof(struct sockaddr_un, sun_path) : 0, i, hex = 1;

	if (n > sizeof(a->sun_path))
		n = sizeof(a->sun_path);
	if (n == 0)
		return "unnamed";
	if (p[0]) {
		if (!strncmp(p, "/tmp/udsx-i-", 12) && strnlen(p, n) > 18 && p[18] == '/')
			snprintf(o, 200, "$DIR%.*s", (int)strnlen(p + 18, n - 18), p + 18);
		else
			snprintf(o, 200, "%.*s", (int)strnlen(p, n), p);
		return o;
	}
	for (i = 1; i < n; i++)
		hex &= (p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f');
	if (n == 6 && hex)
		return "@<autobind>";
	if (n > 25 && !strncmp(p + 1, "udsx-i-", 7))
		snprintf(o, 200, "@udsx-i-$UNIQ%.*s", (int)(n - 25), p + 25);
	else
		snprintf(o, 200, "@?%zu", n - 1);
	return o;
}

/* Whose pid this is, never the number. */
static const char *i_pid_label(pid_t pid)
{
	const char *m = getenv("UDSX_TEST_MAIN_PID");
	int i;

	if (pid == 0)
		return "0";
	if (pid == getpid())
		return "self";
	if (m && pid == atoi(m))
		return "main";
	for (i = 0; i < i_nknown; i++)
		if (i_known[i].pid == pid)
			return i_known[i].label;
	return pid == getppid() ? "parent" : "other";
}

static void i_show_names(const char *label, int fd)
{
	struct sockaddr_un a;
	socklen_t l = sizeof(a);

	memset(&a, 0, sizeof(a));
	if (getsockname(fd, (struct sockaddr *)&a, &l) < 0)
		say("%s: getsockname: -1 %s", label, errname(errno));
	else
		say("%s: sockname family=%d len=%u %s", label, a.sun_family, l, i_name_text(&a, l));
	l = sizeof(a);
	memset(&a, 0, sizeof(a));
	if (getpeername(fd, (struct sockaddr *)&a, &l) < 0)
		say("%s: getpeername: -1 %s", label, errname(errno));
	else
		say("%s: peername family=%d len=%u %s", label, a.sun_family, l, i_name_text(&a, l));
}

static void i_show_peercred(const char *label, int fd)
{
	struct ucred uc;
	socklen_t l = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &l) < 0)
		say("%s: SO_PEERCRED: -1 %s", label, errname(errno));
	else
		say("%s: peercred uid=%u gid=%u pid=%s", label, uc.uid, uc.gid, i_pid_label(uc.pid));
}

static void i_passcred(int fd, int on)
{
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0)
		i_die("SO_PASSCRED");
}

/* Pipes carry one-byte signals between the processes of a scenario. */
static void i_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		i_die("pipe2");
}

static void i_signal(int fd)
{
	if (write(fd, "!", 1) != 1)
		i_die("signal");
}

/* 1 when the signal came, 0 when every writer is gone without sending it. */
static int i_wait(int fd)
{
	char c;
	long r;

	while ((r = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	return r == 1;
}

/* The environment of an exec'd helper. A plain one keeps the preload list
 * aside in UDSX_TEST_SAVED_PRELOAD, so that it can in turn exec an image
 * with udsx again. */
static char **i_env(int plain)
{
	extern char **environ;
	const char *pre = getenv("LD_PRELOAD"), *saved = getenv("UDSX_TEST_SAVED_PRELOAD");
	const char *keep = pre ? pre : saved;
	char **e;
	int n = 0, i = 0;

	while (environ[n])
		n++;
	e = calloc(n + 2, sizeof(*e));
	for (n = 0; environ[n]; n++)
		if (strncmp(environ[n], "LD_PRELOAD=", 11) &&
		    strncmp(environ[n], "UDSX_TEST_SAVED_PRELOAD=", 24))
			e[i++] = environ[n];
	if (keep && asprintf(&e[i++], "%s=%s", plain ? "UDSX_TEST_SAVED_PRELOAD" : "LD_PRELOAD",
			     keep) < 0)
		i_die("asprintf");
	return e;
}

/* Become helper `role` of this scenario in a new image (never returns). */
static __attribute__((noreturn)) void i_exec(const char *role, char **args, int plain)
{
	char inst[64], *av[12];
	int n = 0, fd;

	snprintf(inst, sizeof(inst), "%s-@%s", type_name(), role);
	av[n++] = (char *)i_argv0;
	av[n++] = inst;
	for (; args && *args && n < 11; args++) {
		if ((fd = i_fdarg(*args)) >= 0)
			fcntl(fd, F_SETFD, 0);
		av[n++] = *args;
	}
	av[n] = NULL;
	fflush(stdout);
	execve(i_argv0, av, i_env(plain));
	_exit(12);
}

/* fork with the child's stdout in a fresh memfd. Returns 0 in the child. */
static pid_t i_fork(struct i_kid *k, const char *label)
{
	k->label = label;
	k->out = memfd_create("udsx-i-out", MFD_CLOEXEC);
	if (k->out < 0)
		i_die("memfd_create");
	fflush(stdout);
	k->pid = fork();
	if (k->pid < 0)
		i_die("fork");
	if (k->pid == 0) {
		alarm(20);
		dup2(k->out, 1);
		close(k->out);
		return 0;
	}
	if (i_nknown < 16) {
		i_known[i_nknown].pid = k->pid;
		i_known[i_nknown++].label = label;
	}
	return k->pid;
}

/* Start helper `role` as a forked process or an exec'd image. */
static void i_spawn(struct i_kid *k, const char *label, enum i_img img, const char *role,
		    char **args)
{
	int rc;

	if (i_fork(k, label))
		return;
	if (img != I_FORK)
		i_exec(role, args, img == I_PLAIN);
	rc = i_role(role, args);
	fflush(stdout);
	_exit(rc);
}

/* Print a helper's transcript, each line prefixed with its label; the "== "
 * header an exec'd image prints first is left out. */
static void i_dump(struct i_kid *k)
{
	struct stat sb;
	char *buf, *line, *nl;

	if (fstat(k->out, &sb) == 0 && sb.st_size > 0 && (buf = calloc(1, sb.st_size + 1))) {
		if (pread(k->out, buf, sb.st_size, 0) == sb.st_size)
			for (line = buf; *line; line = nl) {
				if ((nl = strchr(line, '\n')))
					*nl++ = 0;
				else
					nl = line + strlen(line);
				if (strncmp(line, "== ", 3))
					say("%s| %s", k->label, line);
			}
		free(buf);
	}
	close(k->out);
}

/* Wait for a helper, print its transcript, then how it ended. */
static void i_reap(struct i_kid *k)
{
	int st = wait_status(k->pid);

	i_dump(k);
	say("%s: exit %d", k->label, st);
}

/* Argument lists for helpers: i_arg(&a, "#%d", fd) appends one. */
struct i_argv {
	char s[10][80];
	char *v[11];
	int n;
};

static __attribute__((format(printf, 2, 3))) void i_arg(struct i_argv *a, const char *fmt, ...)
{
	va_list ap;

	if (a->n == 10)
		i_die("too many helper arguments");
	va_start(ap, fmt);
	vsnprintf(a->s[a->n], sizeof(a->s[0]), fmt, ap);
	va_end(ap);
	a->v[a->n] = a->s[a->n];
	a->v[++a->n] = NULL;
}

/*
 * Start of run(): a helper image runs its role and exits; the main process
 * notes its pid (for "main") and ignores SIGPIPE (sends say MSG_NOSIGNAL,
 * but a one-byte signal to a helper that died must not kill the scenario).
 */
static void i_start(int argc, char **argv)
{
	const char *at = strstr(argv[1], "-@");
	char b[24];

	i_argv0 = argv[0];
	signal(SIGPIPE, SIG_IGN);
	alarm(20);	/* no watchdog thread: threads before fork upset ASan */
	if (at) {
		int rc = i_role(at + 2, argv + 2);

		fflush(stdout);
		exit(rc);
	}
	snprintf(b, sizeof(b), "%d", (int)getpid());
	setenv("UDSX_TEST_MAIN_PID", b, 1);
}

#endif
