/* SPDX-License-Identifier: MIT */
/* conns.c -- client threads connect, talk and hang up over a pathname (or abstract) socket to an echo server that serves most connections in threads and some in forked children, some clients handing the connection to a forked child, while connections are negotiated and switched: every echo comes back right, every close is seen. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLIENTS 3

static struct sockaddr_un addr;
static socklen_t alen;
static int type, per_client, lfd, forks = 1;
static atomic_int bad, served;

/* Echo every message until EOF (STREAM: whatever arrives, back as it is). */
static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	char buf[8192];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n) {
			bad++;
			break;
		}
	if (n < 0) {
		fprintf(stderr, "conns: server recv: %s\n", strerror(errno));
		bad++;
	}
	close(fd);
	served++;
	return NULL;
}

/* A forked child serves every seventh connection, as a fork-per-connection
 * server does (the parent lets go of it); a thread the others. */
static void *acceptor(void *arg)
{
	long n;

	for (n = 0;; n++) {
		int fd = accept(lfd, NULL, NULL);
		pthread_t t;

		if (fd < 0)
			return NULL;	/* the listener was shut down */
		if (forks && n % 7 == 3) {
			pid_t p = fork();

			if (p == 0) {
				/* only its connection (the others' copies would keep
				 * their peers from seeing EOF): closefrom, as such
				 * servers do */
				if (dup2(fd, 3) != 3)
					_exit(4);
				closefrom(4);
				serve((void *)3L);
				_exit(bad ? 3 : 0);
			}
			close(fd);
			if (p < 0)
				bad++;
			continue;
		}
		if (pthread_create(&t, NULL, serve, (void *)(long)fd) == 0)
			pthread_detach(t);
		else
			close(fd);
	}
}

/* The children that served, once they are done: their `served` counts
 * are their own. */
static int reap_servers(void)
{
	int st, n = 0;
	pid_t p;

	while ((p = waitpid(-1, &st, 0)) > 0) {
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "conns: a forked server failed\n");
			bad++;
		}
		n++;
	}
	return n;
}

/* Send `msgs` messages of varied sizes and check each echo. */
static int talk(int fd, unsigned seed, int msgs)
{
	char out[4096], in[4096];
	int i;

	for (i = 0; i < msgs; i++) {
		size_t len = 1 + (seed = seed * 1103515245u + 12345u) % (i % 5 == 4 ? 4000 : 200), got = 0;
		size_t k;

		for (k = 0; k < len; k++)
			out[k] = (char)(seed >> (k % 24));
		if (send(fd, out, len, 0) != (ssize_t)len)
			return -1;
		while (got < len) {
			ssize_t n = recv(fd, in + got, len - got, 0);

			if (n <= 0)
				return -1;
			got += (size_t)n;
			if (type != SOCK_STREAM)
				break;	/* one record back */
		}
		if (got != len || memcmp(in, out, len))
			return -1;
	}
	return 0;
}

static void *client(void *arg)
{
	unsigned id = (unsigned)(long)arg;
	int i;

	for (i = 0; i < per_client; i++) {
		int fd = socket(AF_UNIX, type, 0);
		unsigned seed = id * 100003u + (unsigned)i;

		if (fd < 0 || connect(fd, (struct sockaddr *)&addr, alen) < 0) {
			fprintf(stderr, "conns: connect: %s\n", strerror(errno));
			bad++;
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (forks && i % 10 == 5) {
			/* the connection goes on in a child; the connector lets go */
			pid_t p = fork();
			int st;

			if (p == 0)
				_exit(talk(fd, seed, 12) ? 3 : 0);
			close(fd);
			if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st)) {
				fprintf(stderr, "conns: child's connection failed\n");
				bad++;
			}
			continue;
		}
		if (talk(fd, seed, 4 + i % 9)) {
			fprintf(stderr, "conns: client %u connection %d: echo wrong (%s)\n", id, i,
				strerror(errno));
			bad++;
		}
		if (i % 3 == 0)
			shutdown(fd, SHUT_WR);
		close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t acc, c[CLIENTS];
	int i, abstract, forked;
	char path[64];

	if (argc < 4) {
		fprintf(stderr, "usage: %s stream|seqpacket path|abstract CONNS_PER_CLIENT [nofork]\n",
			argv[0]);
		return 2;
	}
	type = !strcmp(argv[1], "seqpacket") ? SOCK_SEQPACKET : SOCK_STREAM;
	abstract = !strcmp(argv[2], "abstract");
	per_client = atoi(argv[3]);
	forks = !(argc > 4 && !strcmp(argv[4], "nofork"));
	snprintf(path, sizeof(path), "/tmp/udsx-conns-%d", (int)getpid());
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (abstract) {
		memcpy(addr.sun_path + 1, path, strlen(path));
		alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path));
	} else {
		strcpy(addr.sun_path, path);
		alen = sizeof(addr);
		unlink(path);
	}
	lfd = socket(AF_UNIX, type, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, alen) < 0 || listen(lfd, 64) < 0) {
		perror("conns: listen");
		return 2;
	}
	pthread_create(&acc, NULL, acceptor, NULL);
	for (i = 0; i < CLIENTS; i++)
		pthread_create(&c[i], NULL, client, (void *)(long)i);
	for (i = 0; i < CLIENTS; i++)
		pthread_join(c[i], NULL);
	/* every connection's server side sees its EOF (the forked servers'
	 * counts are their own: they are counted by their exits) */
	shutdown(lfd, SHUT_RDWR);
	pthread_join(acc, NULL);
	forked = reap_servers();
	for (i = 0; i < 500 && served + forked < CLIENTS * per_client; i++)
		usleep(10000);
	close(lfd);
	if (!abstract)
		unlink(path);
	printf("conns %s %s: %d of %d connections served, %d bad\n", argv[1], argv[2],
	       (int)served + forked, CLIENTS * per_client, (int)bad);
	return bad || served + forked != CLIENTS * per_client;
}
