/* SPDX-License-Identifier: MIT */
/* idle.c -- blocked channel calls cost no CPU: a reader waiting for data and a writer waiting for room, 2 s each.
 *
 * Run under udsx. Exit 0 if the process used under 50 ms of CPU in total
 * while both threads were blocked for two seconds, 1 otherwise.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static int a[2], b[2];
static char big[1 << 20];

static void *reader(void *arg)
{
	char c;

	(void)recv(a[1], &c, 1, 0);	/* nothing comes until the end */
	return NULL;
}

static void *writer(void *arg)
{
	(void)send(b[0], big, sizeof(big), 0);	/* blocks once the buffer is full */
	return NULL;
}

static double cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(void)
{
	pthread_t t1, t2;
	double c0, used;
	char buf[4096];

	alarm(20);
	socketpair(AF_UNIX, SOCK_STREAM, 0, a);
	socketpair(AF_UNIX, SOCK_STREAM, 0, b);
	pthread_create(&t1, NULL, reader, NULL);
	pthread_create(&t2, NULL, writer, NULL);
	usleep(200000);		/* past any spinning */
	c0 = cpu();
	sleep(2);
	used = cpu() - c0;
	send(a[0], "x", 1, 0);
	while (recv(b[1], buf, sizeof(buf), MSG_DONTWAIT) > 0 || pthread_tryjoin_np(t2, NULL))
		;
	pthread_join(t1, NULL);
	printf("CPU used in 2 s with a reader and a writer blocked: %.1f ms\n", used * 1e3);
	return used < 0.05 ? 0 : 1;
}
