// SPDX-License-Identifier: MIT
/*
 * Marks, and what a mark tells the layers above: for groups that report
 * file handles, which filesystems may appear in events (a descriptor on
 * the root of a mount of each, for open_by_handle_at()) and which files
 * and directories were marked (their handle and path, so their events
 * resolve without privilege, and after they are gone).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
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

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000		/* Linux 5.8 */
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000	/* Linux 6.8: never reused */
#endif

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
static int open_root(const struct fan_mount *m)
{
	struct fan_fsid fsid;
	uint64_t mnt, ino;
	int fd = open(m->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

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

/* Is the recorded mount still at its path (its filesystem too: ids are reused before 6.8)? */
static bool mount_alive(const struct fan_mount *m)
{
	struct fan_fsid fsid;
	struct statfs st;

	if (!m->root)
		return true;	/* a held descriptor always is */
	if (!path_leads_to(m->root, m->mnt_id) || statfs(m->root, &st) < 0)
		return false;
	memcpy(fsid.val, &st.f_fsid, sizeof(fsid.val));
	return lf_fsid_equal(&fsid, &m->fsid);
}

static struct fan_mount *mount_find(const struct fan_group *g, const struct fan_fsid *fsid)
{
	size_t i;

	for (i = 0; i < g->nmounts; i++)
		if (lf_fsid_equal(&g->mounts[i].fsid, fsid))
			return &g->mounts[i];
	return NULL;
}

FAN_EXPORT int fan_group_mount_fd(const struct fan_group *g, const struct fan_fsid *fsid)
{
	struct fan_mount *m;

	if (!g || !fsid)
		return -EINVAL;
	m = mount_find(g, fsid);
	if (!m)
		return -ENOENT;
	if (m->fd < 0)
		m->fd = open_root(m);
	return m->fd;
}

void lf_mounts_release(struct fan_group *g)
{
	size_t i;

	for (i = 0; i < g->nmounts; i++)
		if (g->mounts[i].root && g->mounts[i].fd >= 0) {
			lf_sys_close(g->mounts[i].fd);
			g->mounts[i].fd = -1;
		}
}

/*
 * Remember the root of the object's mount for fsid unless one is known.
 * Its path, not a descriptor: holding one would keep the filesystem from
 * being unmounted.  Where that path does not lead back to the same mount
 * (outside our root directory, detached, of another mount namespace, or
 * covered by a later mount), keep a descriptor after all.  0 if one is
 * known after.
 */
static int mount_keep(struct fan_group *g, const struct fan_fsid *fsid, int opath_fd,
		      mode_t mode)
{
	struct fan_mount m = { .fsid = *fsid, .fd = -1 }, *arr, *old;
	char buf[4096];
	ssize_t n;
	int root, err;

	old = mount_find(g, fsid);
	if (old && mount_alive(old))
		return 0;
	root = mount_root(opath_fd, mode, &m.mnt_id);
	if (root < 0)
		return root;
	n = lf_sys_readlink_fd(root, buf, sizeof(buf) - 1);
	if (n > 0)
		buf[n] = '\0';
	/* not so for a detached mount, one of another namespace, one covered by another */
	if (n > 0 && buf[0] == '/' && path_leads_to(buf, m.mnt_id)) {
		m.root = strdup(buf);
		err = m.root ? 0 : -ENOMEM;
	} else {
		m.fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		err = m.fd < 0 ? -errno : 0;
	}
	lf_sys_close(root);
	if (err)
		return err;
	if (old) {		/* the filesystem is back (same fsid), on a new mount */
		free(old->root);
		lf_sys_close(old->fd);
		*old = m;
		return 0;
	}
	arr = realloc(g->mounts, (g->nmounts + 1) * sizeof(*arr));
	if (!arr) {
		free(m.root);
		lf_sys_close(m.fd);
		return -ENOMEM;
	}
	g->mounts = arr;
	arr[g->nmounts++] = m;
	return 0;
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

#ifndef AT_HANDLE_FID
#define AT_HANDLE_FID 0x200	/* Linux 6.5 */
#endif

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
	if (!g->markrec_index && !(g->markrec_index = lf_dcache_new(0)))
		return;
	if (lf_dcache_get(g->markrec_index, key, klen, &plen))
		return;
	n = lf_sys_readlink_fd(fd, buf, sizeof(buf));
	if (n <= 0 || (size_t)n >= sizeof(buf) || buf[0] != '/')
		return;
	d.path = strndup(buf, (size_t)n);
	arr = d.path ? realloc(g->markrecs, (g->nmarkrecs + 1) * sizeof(*arr)) : NULL;
	if (!arr || lf_dcache_put(g->markrec_index, key, klen, "", 0) < 0) {
		free(d.path);
		if (arr)
			g->markrecs = arr;
		return;
	}
	g->markrecs = arr;
	arr[g->nmarkrecs++] = d;
	g->markrec_gen++;
}

/* Best effort: a mark works without this; resolution just knows less. */
static void record_target(struct fan_group *g, int dirfd, const char *path, bool nofollow,
			  bool record)
{
	struct fan_fsid fsid;
	struct stat st;
	int fd = open_target(dirfd, path, nofollow);

	if (fd < 0)
		return;
	if (fsid_of(fd, &fsid) == 0 && fstat(fd, &st) == 0) {
		if (record && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
			markrec_add(g, fd);
		mount_keep(g, &fsid, fd, st.st_mode);
	}
	lf_sys_close(fd);
}

void lf_marks_record(struct fan_group *g, unsigned int flags, int dirfd, const char *path)
{
	if (!(g->init_flags & FAN_FID_FLAGS) || (flags & FAN_MARK_MNTNS) == FAN_MARK_MNTNS)
		return;
	record_target(g, dirfd, path, flags & FAN_MARK_DONT_FOLLOW,
		      !(flags & (FAN_MARK_IGNORE | FAN_MARK_IGNORED_MASK)));
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
		lf_dcache_clear(g->markrec_index);
	g->markrec_gen++;
	g->markrec_epoch++;
}

void lf_marks_free(struct fan_group *g)
{
	size_t i;

	for (i = 0; i < g->nmounts; i++) {
		lf_sys_close(g->mounts[i].fd);
		free(g->mounts[i].root);
	}
	free(g->mounts);
	g->mounts = NULL;
	g->nmounts = 0;
	markrecs_clear(g);
	lf_dcache_free(g->markrec_index);
	g->markrec_index = NULL;
}

FAN_EXPORT int fan_group_mark(struct fan_group *g, unsigned int flags, uint64_t mask,
			      int dirfd, const char *path)
{
	int r;

	if (!g)
		return -EINVAL;
	r = lf_sys_fanotify_mark(g->fd, flags, mask, dirfd, path);
	if (r < 0)
		return r;
	if (flags & FAN_MARK_ADD)
		lf_marks_record(g, flags, dirfd, path);
	else if ((flags & FAN_MARK_FLUSH) && !(flags & (FAN_MARK_MOUNT | FAN_MARK_FILESYSTEM)))
		markrecs_clear(g);	/* unmarked directories: their renames go unseen */
	return 0;
}

FAN_EXPORT int fan_group_add_mark(struct fan_group *g, unsigned int flags, uint64_t mask,
				  const char *path)
{
	if (!path || (flags & (FAN_MARK_REMOVE | FAN_MARK_FLUSH)))
		return -EINVAL;
	return fan_group_mark(g, flags | FAN_MARK_ADD, mask, AT_FDCWD, path);
}

FAN_EXPORT int fan_group_add_mark_fd(struct fan_group *g, unsigned int flags, uint64_t mask,
				     int fd)
{
	if (fd < 0)
		return -EBADF;
	if (flags & (FAN_MARK_REMOVE | FAN_MARK_FLUSH))
		return -EINVAL;
	return fan_group_mark(g, flags | FAN_MARK_ADD, mask, fd, NULL);
}

FAN_EXPORT int fan_group_remove_mark(struct fan_group *g, unsigned int flags, uint64_t mask,
				     const char *path)
{
	if (!path || (flags & (FAN_MARK_ADD | FAN_MARK_FLUSH)))
		return -EINVAL;
	return fan_group_mark(g, flags | FAN_MARK_REMOVE, mask, AT_FDCWD, path);
}

FAN_EXPORT int fan_group_flush_marks(struct fan_group *g, unsigned int type)
{
	if (type != FAN_MARK_INODE && type != FAN_MARK_MOUNT && type != FAN_MARK_FILESYSTEM &&
	    type != FAN_MARK_MNTNS)
		return -EINVAL;
	return fan_group_mark(g, FAN_MARK_FLUSH | type, 0, AT_FDCWD, NULL);
}

FAN_EXPORT int fan_group_add_mntns_mark(struct fan_group *g, uint64_t mask, int nsfd)
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

FAN_EXPORT int fan_group_add_mount(struct fan_group *g, int dirfd, const char *path)
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
		r = fstat(fd, &st) < 0 ? -errno : mount_keep(g, &fsid, fd, st.st_mode);
	lf_sys_close(fd);
	return r;
}
