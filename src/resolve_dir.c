// SPDX-License-Identifier: MIT
/*
 * Paths as they are now: an object's path read through its handle (opened
 * by the mount recorded for its filesystem, checked to be reachable there)
 * and the path-string rules every resolver file shares (entry names,
 * joining a name, "at or under").  Nothing here knows of events or
 * batches: resolve_moment.c turns these paths into paths at an event's
 * moment.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resolve.h"

/* ---- path strings ---- */

bool lf_name_ok(const char *name, size_t len)
{
	/* what the kernel reports: one entry's name, or "." for the directory itself */
	return len && !memchr(name, '/', len) && !(len == 2 && name[0] == '.' && name[1] == '.');
}

bool lf_path_under(const char *path, size_t len, const char *prefix, size_t plen)
{
	if (len < plen || memcmp(path, prefix, plen))
		return false;
	return len == plen || path[plen] == '/' || (plen == 1 && prefix[0] == '/');
}

/* out (a directory) += "/" + name; "." is the directory itself. */
int lf_join_name(struct sbuf *out, const struct fan_fid *fid)
{
	bool root = out->len == 1 && out->s[0] == '/';

	if (fid->name_len == 1 && fid->name[0] == '.')
		return 0;
	if (lf_sbuf_reserve(out, out->len + fid->name_len + 2) < 0)
		return -ENOMEM;
	if (!root)
		out->s[out->len++] = '/';
	memcpy(out->s + out->len, fid->name, fid->name_len);
	out->len += fid->name_len;
	out->s[out->len] = '\0';
	return 0;
}

/* ---- paths from handles, now ---- */

static bool privilege_error(int err)
{
	return err == -EPERM;	/* no CAP_DAC_READ_SEARCH: the same for every handle */
}

/* Open a reported handle through a recorded mount root. */
static int handle_open(struct fan_resolver *r, const struct fan_fid *fid, struct fan_root *via)
{
	int mfd, fd;

	if (r->handle_err)
		return r->handle_err;	/* no privilege: one refusal is enough */
	mfd = lf_root_fd(via);
	if (mfd < 0)
		return -ENOENT;
	fd = lf_sys_open_by_handle_at(mfd, fid->handle, O_PATH | O_CLOEXEC);
	if (privilege_error(fd))
		r->handle_err = fd;
	return fd;
}

/*
 * Through a bind mount of a directory, a handle of an object outside that
 * directory opens, but the object has no path there (/proc shows a path
 * that leads elsewhere): is out really where fd is?
 */
static bool reachable(int fd, const struct sbuf *out, unsigned int flags, const char *root)
{
	struct stat a, b;

	if (flags & LIBFANOTIFY_PATH_DELETED)	/* no name left to look at */
		return root && lf_path_under(out->s, out->len, root, strlen(root));
	return fstat(fd, &a) == 0 && lstat(out->s, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static int path_via(struct fan_resolver *r, const struct fan_fid *fid, struct fan_root *via,
		    bool check, struct sbuf *out, unsigned int *flags)
{
	unsigned int f = 0;
	int fd = handle_open(r, fid, via), res;

	if (fd < 0)
		return fd;
	res = lf_fd_path(r, fd, out, &f);
	if (res == 0 && check && !reachable(fd, out, f, via->path))
		res = -EXDEV;
	lf_sys_close(fd);
	if (res == 0)
		*flags |= f;
	return res;
}

/*
 * Read now, through the mount recorded for the filesystem, or a mount of
 * all of it when the object lies outside the directory a bind mount shows
 * (-EXDEV when there is none).
 */
int lf_handle_path(struct fan_resolver *r, const struct fan_fid *fid, bool dir,
		   struct sbuf *out, unsigned int *flags)
{
	struct fan_mount *m = lf_mount_find(r->g, &fid->fsid);
	int res;

	if (!m)
		return -ENOENT;		/* no mark on its filesystem went through us */
	res = path_via(r, fid, &m->at, m->subtree, out, flags);
	if (res == -EXDEV && (m->whole.path || m->whole.fd >= 0))
		res = path_via(r, fid, &m->whole, false, out, flags);
	/* a non-directory found without its dentry prints as "/" (disconnected) */
	if (res == 0 && !dir && out->len == 1)
		res = -ESTALE;
	return res;
}
