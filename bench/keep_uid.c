// SPDX-License-Identifier: MIT
/*
 * keep_uid.so: benchmarks only.  A root fanwatch leaves uid 0 for "nobody"
 * once set up (raw setresuid/setresgid/setgroups through syscall()), and
 * callgrind, which created its profile file as root at start, can then not
 * write it at exit.  Preloaded into fanwatch under callgrind, this turns
 * those three calls into no-ops: the user-space instructions counted are
 * the same but for those three calls at start.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <sys/syscall.h>

long syscall(long nr, ...);

long syscall(long nr, ...)
{
	static long (*real)(long, ...);
	va_list ap;
	long a[6];
	int i;

	if (nr == SYS_setresuid || nr == SYS_setresgid || nr == SYS_setgroups)
		return 0;
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
