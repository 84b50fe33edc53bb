// SPDX-License-Identifier: MIT
/*
 * Paths of open descriptors: the link in /proc/self/fd, with an unlinked
 * object recognised as such rather than by the " (deleted)" the kernel
 * appends (a legal end of a file name).  The kernel prints at most a page:
 * for a directory deeper than that, climb through ".." until an
 * ancestor's path fits, collecting names; a non-directory has no ".." to
 * climb and gets -ENAMETOOLONG.
 *
 * The links are read relative to a descriptor on /proc/thread-self/fd kept
 * by the resolver: readlinkat(dir, "N") skips the walk of the directory's
 * path, about 0.9 us of 2.9 per call here.  That directory is the table of
 * the thread that opened it (/proc/self/fd would be the main thread's,
 * another table in a thread that did unshare(CLONE_FILES)), so another
 * thread and a child of fork() (pthread_atfork generation) open their own,
 * and one whose thread has exited (its pthread_t reused) is opened again.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resolve.h"

#define DELETED_SUFFIX " (deleted)"

static unsigned int lf_fork_gen;
static pthread_once_t lf_fork_once = PTHREAD_ONCE_INIT;

static void fork_child(void)
{
	__atomic_add_fetch(&lf_fork_gen, 1, __ATOMIC_RELAXED);
}

static void fork_register(void)
{
	(void)pthread_atfork(NULL, NULL, fork_child);
}

void lf_fd_dir_init(struct fan_resolver *r)
{
	(void)pthread_once(&lf_fork_once, fork_register);
	r->fd_dir = -1;
}

void lf_fd_dir_close(struct fan_resolver *r)
{
	lf_sys_close(r->fd_dir);
	r->fd_dir = -1;
}

static void fd_dir_open(struct fan_resolver *r, unsigned int gen)
{
	lf_fd_dir_close(r);
	r->fd_dir = open("/proc/thread-self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	r->fd_dir_gen = gen;
	r->fd_dir_thread = pthread_self();
}

/* readlink of /proc/thread-self/fd/<fd>, through the kept directory when there is one. */
static ssize_t fd_readlink(struct fan_resolver *r, int fd, char *buf, size_t size)
{
	unsigned int gen = __atomic_load_n(&lf_fork_gen, __ATOMIC_RELAXED);
	ssize_t n;

	if (r->fd_dir < 0 || r->fd_dir_gen != gen || !pthread_equal(r->fd_dir_thread, pthread_self()))
		fd_dir_open(r, gen);
	n = lf_sys_readlink_fd_at(r->fd_dir, fd, buf, size);
	if (n == -ENOENT && r->fd_dir >= 0) {
		/* the directory of an exited thread whose pthread_t this one reuses */
		fd_dir_open(r, gen);
		n = lf_sys_readlink_fd_at(r->fd_dir, fd, buf, size);
	}
	return n;
}

/* Name of the entry of dir whose inode is st; for paths beyond PATH_MAX. */
static int name_in(int dirfd, const struct stat *st, struct sbuf *name)
{
	struct dirent *d;
	struct stat cst;
	int fd, r = -ENOENT;
	DIR *dir;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		lf_sys_close(fd);
		return -ENOMEM;
	}
	while (r == -ENOENT && (d = readdir(dir))) {
		if (d->d_ino != st->st_ino || !strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (fstatat(fd, d->d_name, &cst, AT_SYMLINK_NOFOLLOW) == 0 &&
		    cst.st_ino == st->st_ino && cst.st_dev == st->st_dev)
			r = lf_sbuf_set(name, d->d_name, strlen(d->d_name));
	}
	closedir(dir);
	return r;
}

/* tail = "/" name tail */
static int tail_prepend(struct sbuf *tail, const struct sbuf *name)
{
	if (lf_sbuf_reserve(tail, tail->len + name->len + 2) < 0)
		return -ENOMEM;
	memmove(tail->s + name->len + 1, tail->s, tail->len);
	tail->s[0] = '/';
	memcpy(tail->s + 1, name->s, name->len);
	tail->len += name->len + 1;
	tail->s[tail->len] = '\0';
	return 0;
}

/* The parent of directory cur, and cur's name in it; same filesystem only. */
static int climb(int cur, struct sbuf *name)
{
	struct stat st, pst;
	int parent;

	if (fstat(cur, &st) < 0)
		return -errno;
	parent = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return -errno;	/* ENOTDIR: a file has no ".." */
	if (fstat(parent, &pst) < 0 || pst.st_dev != st.st_dev || pst.st_ino == st.st_ino ||
	    name_in(parent, &st, name) < 0) {
		lf_sys_close(parent);
		return -ENAMETOOLONG;
	}
	return parent;
}

/*
 * The kernel cannot print paths longer than a page: climb from the
 * directory until an ancestor's path fits, collecting names on the way.
 */
static int long_dir_path(struct fan_resolver *r, int fd, struct sbuf *out)
{
	struct sbuf *tail = &r->tail, name = { 0 };
	int cur = fcntl(fd, F_DUPFD_CLOEXEC, 3), res = -ENAMETOOLONG;
	unsigned int depth;

	tail->len = 0;
	for (depth = 0; cur >= 0 && depth < 65536; depth++) {
		ssize_t n;
		int parent;

		if (lf_sbuf_reserve(out, 4097) < 0)
			break;
		n = fd_readlink(r, cur, out->s, 4096);
		if (n > 0 && n < 4096 && out->s[0] == '/') {
			out->len = (size_t)n;
			out->s[n] = '\0';
			res = tail->len ? lf_sbuf_append(out, tail->s, tail->len) : 0;
			break;
		}
		if (n != -ENAMETOOLONG)
			break;
		parent = climb(cur, &name);
		if (parent < 0 || tail_prepend(tail, &name) < 0) {
			lf_sys_close(parent);
			break;
		}
		lf_sys_close(cur);
		cur = parent;
	}
	lf_sys_close(cur);
	lf_sbuf_free(&name);
	return res;
}

/*
 * readlink() says " (deleted)" after a name that was unlinked, and a name
 * may really end so: ask the inode (no links left), then the name itself
 * (it must lead to this very inode; a hard link elsewhere keeps nlink up).
 */
static bool unlinked(int fd, const char *path)
{
	struct stat st, lst;

	if (fstat(fd, &st) < 0)
		return false;	/* cannot tell: keep the name as given */
	if (st.st_nlink == 0)
		return true;
	if (lstat(path, &lst) < 0)
		return errno == ENOENT || errno == ENOTDIR;
	return lst.st_dev != st.st_dev || lst.st_ino != st.st_ino;
}

/* Path of an open descriptor, with a deleted object recognised as such. */
int lf_fd_path(struct fan_resolver *r, int fd, struct sbuf *out, unsigned int *flags)
{
	size_t sl = sizeof(DELETED_SUFFIX) - 1;
	ssize_t n;

	if (lf_sbuf_reserve(out, 4097) < 0)
		return -ENOMEM;
	n = fd_readlink(r, fd, out->s, 4096);
	if (n == -ENAMETOOLONG)
		return long_dir_path(r, fd, out);
	if (n < 0)
		return (int)n;
	out->len = (size_t)n;
	out->s[n] = '\0';
	if (out->s[0] != '/')
		return -ENOENT;		/* not a path: pipe, socket, anon inode */
	if (out->len > sl && !memcmp(out->s + out->len - sl, DELETED_SUFFIX, sl) &&
	    unlinked(fd, out->s)) {
		out->len -= sl;
		out->s[out->len] = '\0';
		*flags |= LIBFANOTIFY_PATH_DELETED;
	}
	return 0;
}
