// SPDX-License-Identifier: MIT
/*
 * LD_PRELOAD shim for the "kernel too old" test: makes fanotify_init() and
 * fanotify_mark() refuse, with EINVAL as an old kernel does, whatever
 * FW_REFUSE_INIT (init flags) and FW_REFUSE_MARK (mask bits) name, in hex.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int fanotify_init(unsigned int flags, unsigned int event_f_flags);
int fanotify_mark(int fd, unsigned int flags, uint64_t mask, int dirfd, const char *path);

static uint64_t refused(const char *var)
{
	const char *v = getenv(var);

	return v ? strtoull(v, NULL, 16) : 0;
}

int fanotify_init(unsigned int flags, unsigned int event_f_flags)
{
	int (*real)(unsigned int, unsigned int) = (int (*)(unsigned int, unsigned int))
		dlsym(RTLD_NEXT, "fanotify_init");

	if (flags & refused("FW_REFUSE_INIT")) {
		errno = EINVAL;
		return -1;
	}
	return real(flags, event_f_flags);
}

int fanotify_mark(int fd, unsigned int flags, uint64_t mask, int dirfd, const char *path)
{
	int (*real)(int, unsigned int, uint64_t, int, const char *) =
		(int (*)(int, unsigned int, uint64_t, int, const char *))dlsym(RTLD_NEXT, "fanotify_mark");

	if (mask & refused("FW_REFUSE_MARK")) {
		errno = EINVAL;
		return -1;
	}
	return real(fd, flags, mask, dirfd, path);
}
