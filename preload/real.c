/* SPDX-License-Identifier: MIT */
/* real.c -- resolves every libc entry point udsx wraps, once, and starts the library. */
#include <dlfcn.h>
#include <pthread.h>
#include "internal.h"
#include "pin.h"
#include "preload.h"

struct udsx_real udsx_real;
bool udsx_on;

#define R(name) (udsx_real.name = (__typeof__(udsx_real.name))dlsym(RTLD_NEXT, #name))

static void resolve(void)
{
	R(socketpair); R(read); R(write); R(readv); R(writev); R(send); R(recv);
	R(sendto); R(recvfrom); R(sendmsg); R(recvmsg); R(sendmmsg); R(recvmmsg);
	R(close); R(close_range); R(dup); R(dup2); R(dup3); R(fcntl); R(ioctl);
	R(setsockopt); R(getsockopt); R(shutdown); R(fork); R(execve); R(execveat);
	R(fexecve); R(posix_spawn); R(posix_spawnp); R(poll); R(ppoll); R(_exit);
	R(bind); R(connect); R(accept); R(accept4);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
	resolve();
	udsx_config_load();
	udsx_on = !udsx_cfg.disable;
	if (udsx_on) {
		pthread_atfork(udsx_pool_atfork_prepare, udsx_atfork_parent, udsx_atfork_child);
		udsx_pin_init();
		udsx_life_reserve();
		udsx_watch_reserve();
		udsx_inherit_load();
	}
	udsx_dbg("loaded, spin %d us, ring %zu KiB", udsx_cfg.spin_us, udsx_cfg.ring_size >> 10);
}

/* Lazily from any wrapper (a constructor of another library may call us
 * before ours ran), and from our constructor. */
void udsx_init(void)
{
	pthread_once(&once, init);
}

__attribute__((constructor)) static void udsx_ctor(void)
{
	udsx_init();
}

/* The one place internal -errno results become errno and -1. */
long udsx_ret(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

void *udsx_dlnext(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}
