// SPDX-License-Identifier: MIT
/*
 * Marks, and what a mark tells the layers above: for groups that report
 * file handles, which filesystems may appear in events (a descriptor on
 * the root of a mount of each, for open_by_handle_at(), and of a mount of
 * the whole filesystem where the first is a bind mount of a directory),
 * which files and directories were marked (their handle and path, so
 * their events resolve without privilege, and after they are gone), and
 * whether the group sees every directory rename of a filesystem (then the
 * resolver's paths are kept right by events alone).
 *
 * Events name a filesystem by its fsid only: a second filesystem with the
 * fsid of one already recorded (an image and its copy, both mounted) is
 * refused with -EXDEV before the kernel is asked, and a mark the kernel
 * made on one anyway (the path led elsewhere by then) is taken back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"
#include "missing.h"
#include "pathmap.h"

bool lf_fsid_equal(const struct fan_fsid *a, const struct fan_fsid *b)
{
	return a->val[0] == b->val[0] && a->val[1] == b->val[1];
}

static int fsid_of(int fd, struct fan_fsid *fsid)
{
	struct statfs st;

	if (fstatfs(fd, &st) < 0)
		return -errno;
	memcpy(fsid->val, &st.f_fsid, sizeof(fsid->val));
	return 0;
}

static int open_target(int dirfd, const char *path, bool nofollow)
{
	int fd;

	if (!path)
		fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	else
		fd = openat(dirfd, path, O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	return fd < 0 ? -errno : fd;
}

/* The mount a descriptor is on (statx), and its inode, to see where ".." leads. */
static int where(int fd, uint64_t *mnt, uint64_t *ino)
{
	struct statx st;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID_UNIQUE | STATX_INO, &st) < 0)
		return -errno;
	*mnt = (st.stx_mask & (STATX_MNT_ID | STATX_MNT_ID_UNIQUE)) ? st.stx_mnt_id : 0;
	*ino = st.stx_ino;
	return 0;
}

/* The mount id /proc/self/mountinfo shows (reused after unmount), or -1. */
static long old_mnt_id(int fd)
{
	struct statx st;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &st) < 0 || !(st.stx_mask & STATX_MNT_ID))
		return -1;
	return (long)st.stx_mnt_id;
}

/* The directory holding a non-directory, from its path in /proc. */
static int parent_dir(int opath_fd)
{
	char buf[4096], *slash;
	ssize_t n = lf_sys_readlink_fd(opath_fd, buf, sizeof(buf) - 1);
	int fd;

	if (n <= 0 || buf[0] != '/')
		return -ENOENT;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	slash[slash == buf] = '\0';
	fd = open(buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * The root directory of the mount the object is on (O_PATH): climb ".."
 * while it stays on the same mount.  *mnt is that mount's id.
 */
static int mount_root(int opath_fd, mode_t mode, uint64_t *mnt)
{
	int cur = S_ISDIR(mode) ? fcntl(opath_fd, F_DUPFD_CLOEXEC, 3) : parent_dir(opath_fd);
	uint64_t ino, pmnt, pino;
	int parent, depth;

	if (cur < 0 || where(cur, mnt, &ino) < 0) {
		lf_sys_close(cur);
		return cur < 0 ? cur : -EIO;
	}
	for (depth = 0; depth < 4096; depth++) {
		parent = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0 || where(parent, &pmnt, &pino) < 0 || pmnt != *mnt || pino == ino) {
			lf_sys_close(parent);
			break;
		}
		lf_sys_close(cur);
		cur = parent;
		ino = pino;
	}
	return cur;
}

/*
 * Open a mount's root for open_by_handle_at() (which refuses O_PATH).
 * Before Linux 6.8 (no STATX_MNT_ID_UNIQUE) a mount id is reused, usually
 * by the next mount: the filesystem is checked too, so another one mounted
 * there is never taken for it.
 */
static int open_root(const struct fan_root *m)
{
	struct fan_fsid fsid;
	uint64_t mnt, ino;
	int fd = open(m->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	/* unmounted, or something else mounted there now: not ours */
	if (where(fd, &mnt, &ino) < 0 || mnt != m->mnt_id || fsid_of(fd, &fsid) < 0 ||
	    !lf_fsid_equal(&fsid, &m->fsid)) {
		lf_sys_close(fd);
		return -ENOENT;
	}
	return fd;
}

/* Does path lead to the root of mount mnt (not another mounted there since)? */
static bool path_leads_to(const char *path, uint64_t mnt)
{
	struct statx st;

	if (statx(AT_FDCWD, path, AT_NO_AUTOMOUNT, STATX_MNT_ID_UNIQUE, &st) < 0)
		return false;
	return (st.stx_mask & (STATX_MNT_ID | STATX_MNT_ID_UNIQUE)) && st.stx_mnt_id == mnt;
}

/*
 * Is the recorded mount still at its path?  Before 6.8 mount ids are
 * reused: its filesystem (device and fsid) is compared too.
 */
static bool mount_alive(const struct fan_mount *m)
{
	struct fan_fsid fsid;
	struct statfs sfs;
	struct stat st;

	if (!m->at.path)
		return true;	/* a held descriptor always is */
	if (!path_leads_to(m->at.path, m->at.mnt_id) || stat(m->at.path, &st) < 0 ||
	    st.st_dev != m->dev || statfs(m->at.path, &sfs) < 0)
		return false;
	memcpy(fsid.val, &sfs.f_fsid, sizeof(fsid.val));
	return lf_fsid_equal(&fsid, &m->fsid);
}

struct fan_mount *lf_mount_find(const struct fan_group *g, const struct fan_fsid *fsid)
{
	size_t i;

	for (i = 0; i < g->nmounts; i++)
		if (lf_fsid_equal(&g->mounts[i].fsid, fsid))
			return &g->mounts[i];
	return NULL;
}

int lf_root_fd(struct fan_root *root)
{
	if (root->fd < 0 && root->path)
		root->fd = open_root(root);
	return root->fd < 0 ? (root->path ? root->fd : -ENOENT) : root->fd;
}

LF_EXPORT int fan_group_mount_fd(struct fan_group *g, const struct fan_fsid *fsid)
{
	struct fan_mount *m;

	if (!g || !fsid)
		return -EINVAL;
	m = lf_mount_find(g, fsid);
	if (!m)
		return -ENOENT;
	return lf_root_fd(&m->at);
}

static void root_release(struct fan_root *root)
{
	if (root->path && root->fd >= 0) {
		lf_sys_close(root->fd);
		root->fd = -1;
	}
}

void lf_mounts_release(struct fan_group *g)
{
	size_t i;

	for (i = 0; i < g->nmounts; i++) {
		root_release(&g->mounts[i].at);
		root_release(&g->mounts[i].whole);
	}
}

static void root_free(struct fan_root *root)
{
	lf_sys_close(root->fd);
	free(root->path);
	*root = (struct fan_root){ .fd = -1, .old_id = -1 };
}

/* ---- is a mount's root the filesystem's root? ---- */

/* 1: the mount shows the whole filesystem, 0: a directory of it, -errno: unknown. */
static int statmount_whole(uint64_t mnt_id)
{
	unsigned char buf[SM_STR_OFF + 4096];
	const char *root;
	int r = lf_sys_statmount_str(mnt_id, STATMOUNT_MNT_ROOT, SM_MNT_ROOT_OFF, buf,
				     sizeof(buf), &root);

	return r < 0 ? r : !strcmp(root, "/");
}

/* A line of /proc/self/mountinfo. */
struct mi_line {
	long id;
	unsigned int major, minor;
	char *root, *point;	/* decoded in place */
};

/* One field, its \ooo escapes decoded in place; the rest of the line after. */
static char *mi_field(char **line)
{
	char *s = *line, *d, *f = s;

	if (!s)
		return NULL;
	for (d = s; *s && *s != ' ' && *s != '\n'; s++, d++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*d = *s;
		}
	}
	*line = *s ? s + 1 : NULL;
	*d = '\0';
	return f;
}

static bool mi_parse(char *line, struct mi_line *l)
{
	char *id = mi_field(&line), *parent = mi_field(&line), *dev = mi_field(&line);

	l->root = mi_field(&line);
	l->point = mi_field(&line);
	return id && parent && l->point && sscanf(id, "%ld", &l->id) == 1 &&
	       sscanf(dev, "%u:%u", &l->major, &l->minor) == 2;
}

/*
 * Walk /proc/self/mountinfo: fn(line, arg) for each line until it returns
 * true.  Whether one did.
 */
static bool mi_walk(bool (*fn)(const struct mi_line *l, void *arg), void *arg)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	struct mi_line l;
	char *line = NULL;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0)
		found = mi_parse(line, &l) && fn(&l, arg);
	free(line);
	fclose(f);
	return found;
}

struct mi_find_root {
	long id;
	int whole;
};

static bool mi_root_of(const struct mi_line *l, void *arg)
{
	struct mi_find_root *a = arg;

	if (l->id != a->id)
		return false;
	a->whole = !strcmp(l->root, "/");
	return true;
}

/* Does the mount of root_fd show the whole filesystem?  Unknown: yes (as before). */
static bool mount_is_whole(int root_fd, uint64_t mnt_id)
{
	struct mi_find_root a = { .id = old_mnt_id(root_fd), .whole = 1 };
	int r = statmount_whole(mnt_id);

	if (r >= 0)
		return r;
	if (a.id >= 0)
		mi_walk(mi_root_of, &a);	/* before Linux 6.8 */
	return a.whole;
}

struct mi_find_whole {
	dev_t dev;
	struct fan_root *out;
};

/* A mount of the same filesystem showing all of it, reachable by its path. */
static bool mi_whole(const struct mi_line *l, void *arg)
{
	struct mi_find_whole *a = arg;
	struct stat st;
	uint64_t mnt, ino;
	int fd;

	if (strcmp(l->root, "/") || makedev(l->major, l->minor) != a->dev || l->point[0] != '/')
		return false;
	fd = open(l->point, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	/* the path leads to that very mount, not to one covering it */
	if (old_mnt_id(fd) != l->id || fstat(fd, &st) < 0 || st.st_dev != a->dev ||
	    where(fd, &mnt, &ino) < 0 || !(a->out->path = strdup(l->point))) {
		lf_sys_close(fd);
		return false;
	}
	lf_sys_close(fd);
	a->out->mnt_id = mnt;
	a->out->old_id = l->id;
	return true;
}

/* ---- recording filesystems ---- */

/* The root of the mount the object is on, by path if that path leads back to it. */
static int root_of(int opath_fd, mode_t mode, struct fan_root *out, bool *whole)
{
	char buf[4096];
	ssize_t n;
	int root, err;

	*out = (struct fan_root){ .fd = -1 };
	root = mount_root(opath_fd, mode, &out->mnt_id);
	if (root < 0)
		return root;
	out->old_id = old_mnt_id(root);
	*whole = mount_is_whole(root, out->mnt_id);
	n = lf_sys_readlink_fd(root, buf, sizeof(buf) - 1);
	if (n > 0)
		buf[n] = '\0';
	/* not so for a detached mount, one of another namespace, one covered by another */
	if (n > 0 && buf[0] == '/' && path_leads_to(buf, out->mnt_id)) {
		out->path = strdup(buf);
		err = out->path ? 0 : -ENOMEM;
	} else {
		out->fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		err = out->fd < 0 ? -errno : 0;
	}
	lf_sys_close(root);
	return err;
}

/*
 * Is another filesystem with this fsid recorded, still mounted?  Events
 * could not be told apart: -EXDEV.
 */
static int fsid_clash(const struct fan_group *g, const struct fan_fsid *fsid, dev_t dev)
{
	const struct fan_mount *old = lf_mount_find(g, fsid);

	return old && old->dev != dev && mount_alive(old) ? -EXDEV : 0;
}

/*
 * Remember the root of the object's mount for fsid unless one is known.
 * Its path, not a descriptor: holding one would keep the filesystem from
 * being unmounted.  Where that path does not lead back to the same mount
 * (outside our root directory, detached, of another mount namespace, or
 * covered by a later mount), keep a descriptor after all.  When the mount
 * shows a directory of the filesystem only (a bind mount), also look for a
 * mount of all of it.  0 if one is known after; -EXDEV if another
 * filesystem with this fsid is recorded.
 */
static int mount_keep(struct fan_group *g, const struct fan_fsid *fsid, int opath_fd,
		      const struct stat *st)
{
	struct fan_mount m = { .fsid = *fsid, .dev = st->st_dev, .whole = { .fd = -1, .old_id = -1 } };
	struct fan_mount *arr, *old;
	bool whole = true;
	int err;

	if (fsid_clash(g, fsid, st->st_dev))
		return -EXDEV;
	old = lf_mount_find(g, fsid);
	if (old && mount_alive(old))
		return 0;
	err = root_of(opath_fd, st->st_mode, &m.at, &whole);
	if (err)
		return err;
	m.subtree = !whole;
	if (m.subtree)
		mi_walk(mi_whole, &(struct mi_find_whole){ .dev = m.dev, .out = &m.whole });
	m.at.fsid = m.whole.fsid = *fsid;
	if (old) {		/* the filesystem is back (same fsid), on a new mount */
		root_free(&old->at);
		root_free(&old->whole);
		*old = m;
		return 0;
	}
	arr = realloc(g->mounts, (g->nmounts + 1) * sizeof(*arr));
	if (!arr) {
		root_free(&m.at);
		root_free(&m.whole);
		return -ENOMEM;
	}
	g->mounts = arr;
	arr[g->nmounts++] = m;
	return 0;
}

bool lf_fs_renames_seen(const struct fan_group *g, const struct fan_fsid *fsid)
{
	const struct fan_mount *m = lf_mount_find(g, fsid);

	return m && !g->renames_ignored && (m->fs_mask & FAN_ONDIR) &&
	       (m->fs_mask & (FAN_RENAME | FAN_MOVED_FROM | FAN_MOVED_TO));
}

size_t lf_handle_key(unsigned char *key, const struct fan_fsid *fsid, int32_t type,
		     const void *data, size_t bytes)
{
	if (bytes > LF_KEY_MAX - 12)
		return 0;
	memcpy(key, fsid->val, 8);
	memcpy(key + 8, &type, 4);
	memcpy(key + 12, data, bytes);
	return 12 + bytes;
}

static size_t markrec_key(unsigned char *key, const struct obj_handle *h)
{
	return lf_handle_key(key, &h->fsid, h->type, h->data, h->bytes);
}

/*
 * Filesystems that cannot export handles still report ones for
 * identification (AT_HANDLE_FID, Linux 6.5+).
 */
int lf_object_handle(int fd, struct obj_handle *h)
{
	union {
		struct file_handle fh;
		unsigned char space[sizeof(struct file_handle) + sizeof(h->data)];
	} u = { .fh.handle_bytes = sizeof(h->data) };
	int mnt, r = lf_sys_name_to_handle_at(fd, "", &u.fh, &mnt, AT_EMPTY_PATH);

	if (r == -EOPNOTSUPP) {
		u.fh.handle_bytes = sizeof(h->data);
		r = lf_sys_name_to_handle_at(fd, "", &u.fh, &mnt, AT_EMPTY_PATH | AT_HANDLE_FID);
	}
	if (r == 0)
		r = fsid_of(fd, &h->fsid);
	if (r < 0)
		return r;
	h->type = u.fh.handle_type;
	h->bytes = u.fh.handle_bytes;
	memcpy(h->data, u.fh.f_handle, u.fh.handle_bytes);
	return 0;
}

/* Remember a marked object's handle and absolute path (once per object). */
static void markrec_add(struct fan_group *g, int fd)
{
	unsigned char key[LF_KEY_MAX];
	struct fan_markrec d, *arr;
	char buf[4096];
	size_t klen, plen;
	ssize_t n;

	if (lf_object_handle(fd, &d.h) < 0 || !(klen = markrec_key(key, &d.h)))
		return;
	if (!g->markrec_index && !(g->markrec_index = lf_pathmap_new(0)))
		return;
	if (lf_pathmap_get(g->markrec_index, key, klen, &plen))
		return;
	n = lf_sys_readlink_fd(fd, buf, sizeof(buf));
	if (n <= 0 || (size_t)n >= sizeof(buf) || buf[0] != '/')
		return;
	d.path = strndup(buf, (size_t)n);
	d.seq = g->markrec_seq;
	arr = d.path ? realloc(g->markrecs, (g->nmarkrecs + 1) * sizeof(*arr)) : NULL;
	if (!arr || lf_pathmap_put(g->markrec_index, key, klen, (const char *)&d.seq,
				  sizeof(d.seq)) < 0) {
		free(d.path);
		if (arr)
			g->markrecs = arr;
		return;
	}
	g->markrecs = arr;
	arr[g->nmarkrecs++] = d;
	g->markrec_seq++;
	g->markrec_gen++;
}

size_t lf_markrec_from(const struct fan_group *g, uint64_t seq)
{
	size_t lo = 0, hi = g->nmarkrecs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->markrecs[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Forget a record whose object is gone (its mark went with it).  Records
 * stay in seq order, so resolvers that read them up to some seq go on from
 * there; one that never read this one does not need it.
 */
void lf_markrec_forget(struct fan_group *g, const void *key, size_t klen)
{
	const char *v;
	uint64_t seq;
	size_t i, plen;

	if (!g->markrec_index || !(v = lf_pathmap_get(g->markrec_index, key, klen, &plen)) ||
	    plen != sizeof(seq))
		return;
	memcpy(&seq, v, sizeof(seq));
	lf_pathmap_del(g->markrec_index, key, klen);
	i = lf_markrec_from(g, seq);
	if (i == g->nmarkrecs || g->markrecs[i].seq != seq)
		return;
	free(g->markrecs[i].path);
	memmove(&g->markrecs[i], &g->markrecs[i + 1], (g->nmarkrecs - i - 1) * sizeof(*g->markrecs));
	g->nmarkrecs--;
}

#define RENAME_EVENTS (FAN_RENAME | FAN_MOVED_FROM | FAN_MOVED_TO)
#define IGNORING (FAN_MARK_IGNORE | FAN_MARK_IGNORED_MASK)

/*
 * What a mark call is about, opened before the kernel sees it: for groups
 * that report file handles, its filesystem must not clash with another of
 * the same fsid (-EXDEV).
 */
struct target {
	int fd;			/* O_PATH, -1 if it could not be opened */
	struct fan_fsid fsid;
	struct stat st;
};

static bool fid_group(const struct fan_group *g, unsigned int flags)
{
	return (g->init_flags & LF_FID_FLAGS) && (flags & FAN_MARK_MNTNS) != FAN_MARK_MNTNS;
}

static int target_open(struct fan_group *g, unsigned int flags, int dirfd, const char *path,
		       struct target *t)
{
	t->fd = -1;
	/* what is removed matters only for filesystem marks (their masks) */
	if (!fid_group(g, flags) || !((flags & FAN_MARK_ADD) ||
				      ((flags & FAN_MARK_REMOVE) &&
				       (flags & FAN_MARK_MNTNS) == FAN_MARK_FILESYSTEM)))
		return 0;
	t->fd = open_target(dirfd, path, flags & FAN_MARK_DONT_FOLLOW);
	if (t->fd >= 0 && (fsid_of(t->fd, &t->fsid) < 0 || fstat(t->fd, &t->st) < 0)) {
		lf_sys_close(t->fd);
		t->fd = -1;
	}
	/* a mark is best effort for what the library records, not for -EXDEV */
	if (t->fd >= 0 && (flags & FAN_MARK_ADD))
		return fsid_clash(g, &t->fsid, t->st.st_dev);
	return 0;
}

/*
 * After a successful mark: record the filesystem (0 or -EXDEV, checked
 * again: the path may name another object now), the marked file or
 * directory, and which events the filesystem marks report.
 */
static int target_record(struct fan_group *g, unsigned int flags, uint64_t mask,
			 const struct target *t)
{
	bool add = flags & FAN_MARK_ADD, fs = (flags & FAN_MARK_MNTNS) == FAN_MARK_FILESYSTEM;
	struct fan_mount *m;
	int r = 0;

	if (add && (flags & IGNORING) && (mask & RENAME_EVENTS))
		g->renames_ignored = true;
	if (t->fd < 0)
		return 0;
	if (add) {
		if (!(flags & IGNORING) && (S_ISDIR(t->st.st_mode) || S_ISREG(t->st.st_mode)))
			markrec_add(g, t->fd);
		r = mount_keep(g, &t->fsid, t->fd, &t->st);
	}
	m = r == 0 && fs && !(flags & IGNORING) ? lf_mount_find(g, &t->fsid) : NULL;
	if (m && m->dev == t->st.st_dev)
		m->fs_mask = add ? m->fs_mask | mask : m->fs_mask & ~mask;
	return r == -EXDEV ? r : 0;	/* other failures: resolution just knows less */
}

static void markrecs_clear(struct fan_group *g)
{
	size_t i;

	for (i = 0; i < g->nmarkrecs; i++)
		free(g->markrecs[i].path);
	free(g->markrecs);
	g->markrecs = NULL;
	g->nmarkrecs = 0;
	if (g->markrec_index)
		lf_pathmap_clear(g->markrec_index);
	g->markrec_gen++;
	g->markrec_epoch++;
}

void lf_marks_free(struct fan_group *g)
{
	size_t i;

	for (i = 0; i < g->nmounts; i++) {
		root_free(&g->mounts[i].at);
		root_free(&g->mounts[i].whole);
	}
	free(g->mounts);
	g->mounts = NULL;
	g->nmounts = 0;
	markrecs_clear(g);
	lf_pathmap_free(g->markrec_index);
	g->markrec_index = NULL;
}

static void after_flush(struct fan_group *g, unsigned int flags)
{
	size_t i;

	if ((flags & FAN_MARK_MNTNS) == FAN_MARK_FILESYSTEM)
		for (i = 0; i < g->nmounts; i++)
			g->mounts[i].fs_mask = 0;
	else if (!(flags & (FAN_MARK_MOUNT | FAN_MARK_FILESYSTEM)))
		markrecs_clear(g);	/* unmarked directories: their renames go unseen */
}

/* Take back a mark the library refuses to keep (best effort). */
static void mark_undo(struct fan_group *g, unsigned int flags, uint64_t mask, int dirfd,
		      const char *path)
{
	flags &= ~(FAN_MARK_ADD | FAN_MARK_EVICTABLE);
	(void)lf_sys_fanotify_mark(g->fd, flags | FAN_MARK_REMOVE, mask, dirfd, path);
}

LF_EXPORT int fan_group_mark(struct fan_group *g, unsigned int flags, uint64_t mask,
			      int dirfd, const char *path)
{
	struct target t;
	int r;

	if (!g)
		return -EINVAL;
	r = target_open(g, flags, dirfd, path, &t);
	if (r == 0)
		r = lf_sys_fanotify_mark(g->fd, flags, mask, dirfd, path);
	if (r == 0 && (flags & (FAN_MARK_ADD | FAN_MARK_REMOVE))) {
		r = target_record(g, flags, mask, &t);
		if (r == -EXDEV)	/* the path led elsewhere by then */
			mark_undo(g, flags, mask, dirfd, path);
	}
	lf_sys_close(t.fd);
	if (r == 0 && (flags & FAN_MARK_FLUSH))
		after_flush(g, flags);
	return r;
}

LF_EXPORT int fan_group_add_mark(struct fan_group *g, unsigned int flags, uint64_t mask,
				  const char *path)
{
	if (!path || (flags & (FAN_MARK_REMOVE | FAN_MARK_FLUSH)))
		return -EINVAL;
	return fan_group_mark(g, flags | FAN_MARK_ADD, mask, AT_FDCWD, path);
}

LF_EXPORT int fan_group_add_mark_fd(struct fan_group *g, unsigned int flags, uint64_t mask,
				     int fd)
{
	if (fd < 0)
		return -EBADF;
	if (flags & (FAN_MARK_REMOVE | FAN_MARK_FLUSH))
		return -EINVAL;
	return fan_group_mark(g, flags | FAN_MARK_ADD, mask, fd, NULL);
}

LF_EXPORT int fan_group_remove_mark(struct fan_group *g, unsigned int flags, uint64_t mask,
				     const char *path)
{
	if (!path || (flags & (FAN_MARK_ADD | FAN_MARK_FLUSH)))
		return -EINVAL;
	return fan_group_mark(g, flags | FAN_MARK_REMOVE, mask, AT_FDCWD, path);
}

LF_EXPORT int fan_group_remove_mark_fd(struct fan_group *g, unsigned int flags, uint64_t mask,
					int fd)
{
	if (fd < 0)
		return -EBADF;
	if (flags & (FAN_MARK_ADD | FAN_MARK_FLUSH))
		return -EINVAL;
	return fan_group_mark(g, flags | FAN_MARK_REMOVE, mask, fd, NULL);
}

LF_EXPORT int fan_group_flush_marks(struct fan_group *g, unsigned int type)
{
	if (type != FAN_MARK_INODE && type != FAN_MARK_MOUNT && type != FAN_MARK_FILESYSTEM &&
	    type != FAN_MARK_MNTNS)
		return -EINVAL;
	return fan_group_mark(g, FAN_MARK_FLUSH | type, 0, AT_FDCWD, NULL);
}

LF_EXPORT int fan_group_add_mntns_mark(struct fan_group *g, uint64_t mask, int nsfd)
{
	int fd = nsfd, r;

	if (nsfd < 0) {
		fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	r = fan_group_mark(g, FAN_MARK_ADD | FAN_MARK_MNTNS, mask, fd, NULL);
	if (nsfd < 0)
		lf_sys_close(fd);
	return r;
}

LF_EXPORT int fan_group_add_mount(struct fan_group *g, int dirfd, const char *path)
{
	struct fan_fsid fsid;
	struct stat st;
	int fd, r;

	if (!g)
		return -EINVAL;
	fd = open_target(dirfd, path, false);
	if (fd < 0)
		return fd;
	r = fsid_of(fd, &fsid);
	if (r == 0)
		r = fstat(fd, &st) < 0 ? -errno : mount_keep(g, &fsid, fd, &st);
	lf_sys_close(fd);
	return r;
}
