/* SPDX-License-Identifier: MIT */
/* sum-client.c -- the unix(7) example client: sends its arguments to sum-server one message each and prints the sum. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "sum-protocol.h"

static void usage(void)
{
	fprintf(stderr, "usage: sum-client [-p SOCKET_PATH] [INTEGER | DOWN]...\n"
		"Sends each argument, then END, and prints \"Result = SUM\".\n"
		"DOWN asks the server to exit after this client (default path %s).\n",
		SUM_DEFAULT_PATH);
	exit(2);
}

/* Sends @s with its NUL as one record; exits on failure. */
static void send_str(int fd, const char *s)
{
	/* MSG_NOSIGNAL: a server that vanished is an error message, not SIGPIPE. */
	if (send(fd, s, strlen(s) + 1, MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "sum-client: write \"%s\": %s\n", s, strerror(errno));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *path = SUM_DEFAULT_PATH;
	struct sockaddr_un addr;
	char msg[SUM_MSG_MAX + 1];
	int fd, i = 1;
	ssize_t n;

	/* Not getopt: "-5" is a summand, not an option. */
	if (argc > 1 && !strcmp(argv[1], "-p")) {
		if (argc < 3)
			usage();
		path = argv[2];
		i = 3;
	} else if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage();
	}
	for (int j = i; j < argc; j++)
		if (strlen(argv[j]) >= SUM_MSG_MAX) {
			fprintf(stderr, "sum-client: argument longer than %d bytes: %s\n",
				SUM_MSG_MAX - 1, argv[j]);
			return 2;
		}
	if (sum_addr(path, &addr)) {
		fprintf(stderr, "sum-client: socket path too long: %s\n", path);
		return 2;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("sum-client: socket");
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		fprintf(stderr, "The server is down.\n");
		fprintf(stderr, "sum-client: connect %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (; i < argc; i++)
		send_str(fd, argv[i]);
	send_str(fd, "END");

	do
		n = recv(fd, msg, SUM_MSG_MAX, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		perror("sum-client: read");
		return 1;
	}
	if (n == 0) {
		fprintf(stderr, "sum-client: the server closed the connection without a result\n");
		return 1;
	}
	msg[n] = '\0';
	printf("Result = %s\n", msg);
	close(fd);
	return 0;
}
