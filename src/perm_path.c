// SPDX-License-Identifier: MIT
/*
 * The path of a deferred permission event, for the worker that holds it.
 * The resolver belongs to the reader thread; this needs nothing shared:
 * the link of the event's descriptor in /proc/thread-self/fd (the calling
 * thread's table: it must share the reader's, fan_perm_path(3)), into the handle's
 * own buffer, with the " (deleted)" the kernel appends to an unlinked
 * file's name recognised as such only when the inode says so (a name may
 * really end that way), as the resolver does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "perm.h"

#define DELETED_SUFFIX " (deleted)"
#define LINK_MAX_BYTES 4096	/* the kernel prints at most a page */

/* The " (deleted)" at the end of link is the kernel's, not the name's. */
static bool unlinked(const struct stat *st, const char *link)
{
	struct stat lst;

	if (st->st_nlink == 0)
		return true;
	if (lstat(link, &lst) < 0)
		return errno == ENOENT || errno == ENOTDIR;
	return lst.st_dev != st->st_dev || lst.st_ino != st->st_ino;
}

static int link_path(int fd, char *buf, struct fan_path *out)
{
	size_t sl = sizeof(DELETED_SUFFIX) - 1;
	struct stat st;
	ssize_t n;

	n = lf_sys_readlink_fd(fd, buf, LINK_MAX_BYTES);
	if (n < 0)
		return (int)n;
	if (n >= LINK_MAX_BYTES)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	if (buf[0] != '/')
		return -ENOENT;		/* not a path: pipe, socket, anonymous inode */
	if (fstat(fd, &st) < 0)
		return -errno;
	out->path = buf;
	out->len = (size_t)n;
	if (S_ISDIR(st.st_mode))
		out->flags |= LIBFANOTIFY_PATH_DIR;
	if (out->len > sl && !memcmp(buf + out->len - sl, DELETED_SUFFIX, sl) &&
	    unlinked(&st, buf)) {
		out->len -= sl;
		buf[out->len] = '\0';
		out->flags |= LIBFANOTIFY_PATH_DELETED;
	}
	return 0;
}

LF_EXPORT int fan_perm_path(struct fan_perm *p, struct fan_path *path)
{
	struct fan_path out = { .path = NULL };
	int r;

	if (!p || !path)
		return -EINVAL;
	/* fan_group_free() closes the descriptor: not while we read its link */
	pthread_rwlock_rdlock(&p->g->life);
	if (p->g->closed)
		r = -ECANCELED;
	else if (!p->path && !(p->path = malloc(LINK_MAX_BYTES + 1)))
		r = -ENOMEM;
	else
		r = link_path(fan_event_fd((const struct fan_event *)p->ev), p->path, &out);
	pthread_rwlock_unlock(&p->g->life);
	if (r < 0)
		out = (struct fan_path){ .error = r };
	*path = out;
	return r;
}
