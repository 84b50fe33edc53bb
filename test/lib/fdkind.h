/* SPDX-License-Identifier: MIT */
/* Test shims: is a descriptor of this process a fanotify group? */
#ifndef TEST_FDKIND_H
#define TEST_FDKIND_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline bool fd_is_fanotify(int fd)
{
	char link[32], target[32];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "anon_inode:[fanotify]");
}

#endif
