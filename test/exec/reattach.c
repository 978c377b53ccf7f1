/* SPDX-License-Identifier: MIT */
/* reattach.c -- an exec'd image that loads udsx finds its channel again, also after a PATH search's failed execs; one that does not sees the kernel path.
 *
 * Run under udsx. Checks what the differential suite cannot see: whether
 * the channel is still in use after exec (udsx_fd_accelerated), besides
 * every byte arriving. Exit 0 pass, 1 fail, 77 skip (not under udsx).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static int (*accel)(int);

static int child(int fd, int want_accel)
{
	char b[16] = { 0 };

	if (want_accel != (accel ? accel(fd) : 0)) {
		printf("child: accelerated=%d, expected %d\n", accel ? accel(fd) : 0, want_accel);
		return 1;
	}
	if (recv(fd, b, sizeof(b), 0) != 6 || memcmp(b, "before", 6)) {
		printf("child: got [%s]\n", b);
		return 1;
	}
	if (send(fd, "after", 5, 0) != 5)
		return 1;
	/* stay until the parent has looked at its end */
	return recv(fd, b, sizeof(b), 0) == 3 ? 0 : 1;
}

/* search: execs of missing paths first, as a PATH search makes them; they
 * must fail and leave the channel as it was. */
static int run(char *self, int plain, int search)
{
	const char *what = plain ? "a plain image" : search ? "a udsx image after failed execs" :
		"a udsx image";
	char arg[16], b[16] = { 0 }, *argv[5], *env[256];
	int sv[2], st, n = 0, i;
	pid_t pid;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if (!accel(sv[0]))
		return 77;
	send(sv[0], "before", 6, 0);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		snprintf(arg, sizeof(arg), "%d", sv[1]);
		argv[0] = self; argv[1] = (char *)"child"; argv[2] = arg;
		argv[3] = (char *)(plain ? "0" : "1"); argv[4] = NULL;
		for (i = 0; environ[i] && n < 254; i++)
			if (!plain || strncmp(environ[i], "LD_PRELOAD=", 11))
				env[n++] = environ[i];
		env[n] = NULL;
		if (search) {
			execve("/nonexistent-udsx-test/prog", argv, env);
			execve("/dev/null/prog", argv, env);
		}
		execve(self, argv, env);
		_exit(3);
	}
	close(sv[1]);
	if (recv(sv[0], b, sizeof(b), 0) != 5 || memcmp(b, "after", 5)) {
		printf("parent (%s): got [%s]\n", what, b);
		return 1;
	}
	if (accel(sv[0]) != !plain) {
		printf("parent (%s): accelerated=%d after the exec\n", what, accel(sv[0]));
		return 1;
	}
	send(sv[0], "bye", 3, 0);
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("parent (%s): child failed\n", what);
		return 1;
	}
	close(sv[0]);
	printf("exec into %s: ok\n", what);
	return 0;
}

int main(int argc, char **argv)
{
	int r;

	alarm(20);
	accel = (int (*)(int))dlsym(RTLD_DEFAULT, "udsx_fd_accelerated");
	if (argc == 4 && !strcmp(argv[1], "child"))
		return child(atoi(argv[2]), atoi(argv[3]));
	if (!accel)
		return 77;
	r = run(argv[0], 0, 0);
	if (!r)
		r = run(argv[0], 0, 1);
	return r ? r : run(argv[0], 1, 0);
}
