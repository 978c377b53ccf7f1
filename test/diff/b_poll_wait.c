/* SPDX-License-Identifier: MIT */
/* b_poll_wait.c -- blocking poll, ppoll, select, pselect, epoll_wait, epoll_pwait and epoll_pwait2 on a connected socket: woken by data or another descriptor, timeouts and the time select leaves, signals (EINTR, never restarted, a p-form's mask), one-shot and edge-triggered events, cancellation, bad arguments (SEMANTICS 151, 152, 156). */
#include "common_b.h"
#include <sys/mman.h>
#include <sys/select.h>

static const char *instances[] = {
	"stream-poll", "stream-ppoll", "stream-select", "stream-pselect",
	"stream-epoll", "stream-epoll_pwait", "stream-epoll_pwait2",
	"dgram-poll", "dgram-select", "dgram-epoll",
	"seqpacket-poll", "seqpacket-select", "seqpacket-epoll",
	"stream-poll_timeout", "stream-select_timeout", "stream-epoll_timeout",
	"stream-select_left",
	"stream-poll_eintr", "stream-ppoll_eintr", "stream-select_eintr",
	"stream-epoll_eintr", "stream-epoll_pwait_eintr",
	"stream-ppoll_masked", "stream-pselect_masked", "stream-epoll_pwait_masked",
	"stream-ppoll_pending", "stream-epoll_pwait_pending",
	"stream-epoll_oneshot", "stream-epoll_et",
	"stream-poll_other", "stream-epoll_other", "stream-select_other",
	"stream-epoll_cancel", "stream-poll_cancel",
	"stream-efault", "stream-einval",
	NULL
};

static int sv[2], pfd[2];
/* (volatile: the compiler must not see what they are) */
static void *volatile bad = (void *)16;
static pid_t waiter;

/* Send once the waiter sleeps (the transcript never depends on it). */
static void *sender(void *arg)
{
	wait_sleeping(waiter);
	if (arg)
		write(pfd[1], "p", 1);
	else
		send(sv[0], "abc", 3, 0);
	return NULL;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void show_sigs(const char *label)
{
	say("%s: sigalrm=%d", label, (int)sig_count[SIGALRM]);
	sig_count[SIGALRM] = 0;
}

/* One blocking wait of the kind `how` on sv[1] for input, up to ms
 * (-1: none); the pipe's read end too if `other`. mask: the p-forms'. */
static int wait_in(const char *how, int ms, int other, const sigset_t *mask)
{
	struct pollfd p[2] = { { sv[1], POLLIN, 0 }, { pfd[0], POLLIN, 0 } };
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct epoll_event ev[4];
	fd_set rs;
	int r, ep, n = other ? 2 : 1;

	if (!strncmp(how, "epoll", 5)) {
		ep = epoll_create1(0);
		ep_add(ep, sv[1], EPOLLIN, 1);
		if (other)
			ep_add(ep, pfd[0], EPOLLIN, 2);
		if (!strcmp(how, "epoll"))
			r = epoll_wait(ep, ev, 4, ms);
		else if (!strcmp(how, "epoll_pwait"))
			r = epoll_pwait(ep, ev, 4, ms, mask);
		else
			r = epoll_pwait2(ep, ev, 4, ms < 0 ? NULL : &ts, mask);
		say("%s: %d%s", how, r, r < 0 ? errname(errno) : "");
		for (int i = 0; i < r; i++)
			say("  event tag=%u in=%d", ev[i].data.u32, !!(ev[i].events & EPOLLIN));
		close(ep);
		return r;
	}
	if (!strcmp(how, "poll") || !strcmp(how, "ppoll")) {
		r = how[0] == 'p' && how[1] == 'o' ? poll(p, n, ms) :
		    ppoll(p, n, ms < 0 ? NULL : &ts, mask);
		say("%s: %d%s revents=%d,%d", how, r, r < 0 ? errname(errno) : "", p[0].revents,
		    other ? p[1].revents : 0);
		return r;
	}
	FD_ZERO(&rs);
	FD_SET(sv[1], &rs);
	if (other)
		FD_SET(pfd[0], &rs);
	r = !strcmp(how, "select") ?
		select((sv[1] > pfd[0] ? sv[1] : pfd[0]) + 1, &rs, NULL, NULL, ms < 0 ? NULL : &tv) :
		pselect((sv[1] > pfd[0] ? sv[1] : pfd[0]) + 1, &rs, NULL, NULL, ms < 0 ? NULL : &ts, mask);
	say("%s: %d%s sock=%d pipe=%d", how, r, r < 0 ? errname(errno) : "",
	    r > 0 && FD_ISSET(sv[1], &rs), r > 0 && FD_ISSET(pfd[0], &rs));
	return r;
}

/* the call's name: the instance after the type, up to '_' */
static void how_of(char *how, size_t len)
{
	const char *d = strchr(T_INSTANCE, '-') + 1;
	const char *u = strchr(d, '_');

	snprintf(how, len, "%.*s", (int)(u ? u - d : (long)strlen(d)), d);
	if (!strcmp(how, "epoll") && u && !strncmp(u, "_pwait2", 7))
		strcpy(how, "epoll_pwait2");
	else if (!strcmp(how, "epoll") && u && !strncmp(u, "_pwait", 6))
		strcpy(how, "epoll_pwait");
}

static void *cancel_target(void *arg)
{
	int old;

	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	wait_in((const char *)arg, -1, 0, NULL);
	return (void *)1;	/* not reached: cancelled */
}

static void efault(void)
{
	struct epoll_event ev;
	struct timeval tv = { 0, 100000 };
	int ep = epoll_create1(0);

	send(sv[0], "x", 1, 0);
	ep_add(ep, sv[1], EPOLLIN, 1);
	show("poll bad fds", poll(bad, 1, 100));
	show("epoll_wait bad events, ready", epoll_wait(ep, bad, 1, 100));
	show("select bad set", select(sv[1] + 1, bad, NULL, NULL, &tv));
	show("epoll_pwait2 bad timeout", epoll_pwait2(ep, &ev, 1, bad, NULL));
	/* sets and arrays that can be read but not written back */
	{
		char *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		fd_set *rs = (fd_set *)ro;
		struct pollfd *p = (struct pollfd *)(ro + 2048);
		struct timeval t = { 0, 50000 };

		FD_ZERO(rs);
		FD_SET(sv[1], rs);
		p->fd = sv[1];
		p->events = POLLIN;
		mprotect(ro, 4096, PROT_READ);
		show("select read-only set", select(sv[1] + 1, rs, NULL, NULL, &t));
		show("poll read-only array", poll(p, 1, 50));
		munmap(ro, 4096);
	}
	/* a bad signal mask is EFAULT before any readiness */
	{
		struct pollfd p = { sv[1], POLLIN, 0 };
		struct timespec ts = { 0, 100000000 };
		fd_set rs;

		FD_ZERO(&rs);
		FD_SET(sv[1], &rs);
		show("ppoll bad mask, ready", ppoll(&p, 1, &ts, bad));
		show("epoll_pwait bad mask, ready", epoll_pwait(ep, &ev, 1, 100, bad));
		show("epoll_pwait2 bad mask, ready", epoll_pwait2(ep, &ev, 1, &ts, bad));
		show("pselect bad mask, ready", pselect(sv[1] + 1, &rs, NULL, NULL, &ts, bad));
	}
	close(ep);
	rcv("read", sv[1], 10, MSG_DONTWAIT);
}

static void einval(void)
{
	struct epoll_event ev;
	struct timeval tv = { 0, -1 };
	struct timespec ts = { 0, 2000000000L };
	struct pollfd p = { sv[1], POLLIN, 0 };
	fd_set rs;
	int ep = epoll_create1(0);

	ep_add(ep, sv[1], EPOLLIN, 1);
	FD_ZERO(&rs);
	FD_SET(sv[1], &rs);
	show("epoll_wait maxevents 0", epoll_wait(ep, &ev, 0, 100));
	show("epoll_wait on a socket", epoll_wait(sv[1], &ev, 1, 100));
	show("epoll_wait on -1", epoll_wait(-1, &ev, 1, 100));
	show("select nfds -1", select(-1, &rs, NULL, NULL, NULL));
	show("select bad usec", select(sv[1] + 1, &rs, NULL, NULL, &tv));
	show("ppoll bad nsec", ppoll(&p, 1, &ts, NULL));
	show("epoll_pwait2 bad nsec", epoll_pwait2(ep, &ev, 1, &ts, NULL));
	close(ep);
}

static void run(int argc, char **argv)
{
	char how[32];
	struct timespec t0;
	pthread_t t;
	sigset_t none, alrm, old;
	int r;

	watchdog(20);
	pair(sv);
	if (pipe(pfd)) {
		perror("pipe");
		exit(1);
	}
	waiter = gettid_();
	how_of(how, sizeof(how));
	sigemptyset(&none);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	count_signal(SIGALRM, SA_RESTART);
	if (strstr(T_NAME, "efault")) {
		efault();
	} else if (strstr(T_NAME, "einval")) {
		einval();
	} else if (strstr(T_NAME, "_timeout")) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		wait_in(how, 60, 0, NULL);
		say("waited at least the timeout: %d", ms_since(&t0) >= 59);
	} else if (strstr(T_NAME, "select_left")) {
		struct timeval tv = { 5, 0 };
		fd_set rs;

		t = spawn_quiet(sender, NULL);
		FD_ZERO(&rs);
		FD_SET(sv[1], &rs);
		r = select(sv[1] + 1, &rs, NULL, NULL, &tv);
		pthread_join(t, NULL);
		say("select: %d, time left below 5 s and above 3 s: %d", r,
		    tv.tv_sec * 1000000L + tv.tv_usec < 5000000L &&
		    tv.tv_sec * 1000000L + tv.tv_usec > 3000000L);
		FD_ZERO(&rs);
		tv.tv_sec = 0;
		tv.tv_usec = 30000;
		r = select(sv[1] + 1, NULL, NULL, NULL, &tv);
		say("select on nothing: %d, left %ld.%06ld", r, (long)tv.tv_sec, (long)tv.tv_usec);
		rcv("read", sv[1], 10, MSG_DONTWAIT);
	} else if (strstr(T_NAME, "_eintr")) {
		/* never restarted, SA_RESTART or not */
		arm_timer_ms(40);
		wait_in(how, 5000, 0, NULL);
		show_sigs("after");
	} else if (strstr(T_NAME, "_masked")) {
		/* the p-form's mask holds SIGALRM off: the wait times out, and
		 * the signal runs once the call has put the mask back */
		arm_timer_ms(30);
		wait_in(how, 150, 0, &alrm);
		show_sigs("after");
	} else if (strstr(T_NAME, "_pending")) {
		/* blocked in the thread, pending, let in by the call's mask */
		pthread_sigmask(SIG_BLOCK, &alrm, &old);
		raise(SIGALRM);
		show_sigs("before");
		wait_in(how, 5000, 0, &none);
		show_sigs("after");
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	} else if (strstr(T_NAME, "_oneshot") || strstr(T_NAME, "_et")) {
		int ep = epoll_create1(0);

		ep_add(ep, sv[1], EPOLLIN | (strstr(T_NAME, "_et") ? EPOLLET : EPOLLONESHOT), 1);
		t = spawn_quiet(sender, NULL);
		show_epoll("first wait", ep, 5000);
		pthread_join(t, NULL);
		show_epoll("again, data unread", ep, 60);
		close(ep);
		rcv("read", sv[1], 10, MSG_DONTWAIT);
	} else if (strstr(T_NAME, "_other")) {
		char c;

		t = spawn_quiet(sender, (void *)1);
		wait_in(how, 5000, 1, NULL);
		pthread_join(t, NULL);
		show("pipe read", read(pfd[0], &c, 1));
		show_poll("socket", sv[1]);
	} else if (strstr(T_NAME, "_cancel")) {
		void *res;

		t = spawn_quiet(cancel_target, how);
		/* (the target's id is not ours: wait by its state instead) */
		nap_ms(100);
		pthread_cancel(t);
		pthread_join(t, &res);
		say("cancelled: %d", res == PTHREAD_CANCELED);
	} else {
		t = spawn_quiet(sender, NULL);
		wait_in(how, 5000, 0, NULL);
		pthread_join(t, NULL);
		rcv("read", sv[1], 10, MSG_DONTWAIT);
	}
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
