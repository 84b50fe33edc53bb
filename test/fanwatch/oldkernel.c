// SPDX-License-Identifier: MIT
/*
 * LD_PRELOAD shim injecting faults that are no kernel's (older kernels are
 * simulated by test/kernel: kpersona, oldkernel.sh), for the
 * permission-mode tests:
 *   FW_REFUSE_UNSHARE=1  unshare(2) fails with EPERM (no descriptor table of
 *                        the permission thread's own);
 *   FW_GUARD_PERM=1      a permission mark on anything but a tmpfs fails with
 *                        EPERM and "fw-guard: refused" on stderr: a test that
 *                        checks that fanwatch refuses a system scope by itself
 *                        can run the old fanwatch without marking the machine;
 *   FW_FAIL_DENY=N       the first write of a FAN_DENY answer for each of the
 *                        first N permission events fails with EIO (the next
 *                        answer for the same event goes through): what a
 *                        listener does with an answer the kernel did not take.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../lib/fdkind.h"

int fanotify_mark(int fd, unsigned int flags, uint64_t mask, int dirfd, const char *path);

int unshare(int flags);
ssize_t write(int fd, const void *buf, size_t n);

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	static int failed = 0, last_fd = -1;
	const char *env = getenv("FW_FAIL_DENY");
	uint32_t resp[2];

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (env && n >= 8 && failed < atoi(env) && fd_is_fanotify(fd)) {
		memcpy(resp, buf, 8);
		/* struct fanotify_response: fd, response; FAN_DENY is 0x02 */
		if ((resp[1] & 0x02) && (int)resp[0] != last_fd) {
			failed++;
			last_fd = (int)resp[0];
			errno = EIO;
			return -1;
		}
	}
	return real(fd, buf, n);
}

int unshare(int flags)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "unshare");

	if (getenv("FW_REFUSE_UNSHARE")) {
		errno = EPERM;
		return -1;
	}
	return real(flags);
}

/* Is the object a permission mark would go on in a tmpfs?  (FW_GUARD_PERM) */
static int guard_ok(unsigned int flags, uint64_t mask, int dirfd, const char *path)
{
	struct statfs sfs;
	int r;

	if (!getenv("FW_GUARD_PERM") || !(mask & 0x70000ull) || (flags & 0x2))	/* *_PERM, REMOVE */
		return 1;
	/* a path relative to a descriptor (the subtree tracker marks "." of one) is on its filesystem */
	if (path && (path[0] == '/' || dirfd == AT_FDCWD))
		r = statfs(path, &sfs);
	else
		r = fstatfs(dirfd, &sfs);
	if (r == 0 && (unsigned long)sfs.f_type == TMPFS_MAGIC)
		return 1;
	fprintf(stderr, "fw-guard: refused a permission mark on %s\n", path ? path : "a descriptor");
	return 0;
}

int fanotify_mark(int fd, unsigned int flags, uint64_t mask, int dirfd, const char *path)
{
	int (*real)(int, unsigned int, uint64_t, int, const char *) =
		(int (*)(int, unsigned int, uint64_t, int, const char *))dlsym(RTLD_NEXT, "fanotify_mark");

	if (!guard_ok(flags, mask, dirfd, path)) {
		errno = EPERM;
		return -1;
	}
	return real(fd, flags, mask, dirfd, path);
}
