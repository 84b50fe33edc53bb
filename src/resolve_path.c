// SPDX-License-Identifier: MIT
/*
 * Paths for events.  fd mode: the event fd's link in /proc.  FID mode: the
 * directory handle's path (from the bounded cache, open_by_handle_at(), or
 * the group's directory marks) plus the name the kernel reported.
 *
 * Two kinds of directory paths, never mixed in one rewrite:
 *
 * - Read-time paths: the cache holds paths read from /proc at read time
 *   (open_by_handle_at() + readlink), which can be newer than the event
 *   being processed.  They are therefore never rewritten by a rename event,
 *   only emptied under the old path, so they can be late but are never
 *   wrong for long.  They are looked up first.
 *
 * - Event-order paths: directory marks ("pinned") were taken at mark time,
 *   before any event, and follow rename events in order (FAN_RENAME, or a
 *   MOVED_FROM directly followed by its MOVED_TO), which keeps them right
 *   where open_by_handle_at() is not allowed (no CAP_DAC_READ_SEARCH) or
 *   fails (a directory already removed).  A rename is applied to them only
 *   when both its paths were themselves built from pinned paths; any other
 *   change under a pinned path (a move seen only in part, a deletion, a
 *   MOVE_SELF) checks each pinned path against its handle with
 *   name_to_handle_at(), which needs no privilege, and drops those that no
 *   longer lead to their directory.
 *
 * Paths stay right only while the events that move or delete directories
 * (FAN_RENAME or FAN_MOVED_FROM|FAN_MOVED_TO, FAN_DELETE, with FAN_ONDIR;
 * FAN_MOVE_SELF, FAN_DELETE_SELF) reach fan_resolve_path() or
 * fan_resolver_observe(), in order.
 *
 * FS_ERROR: the object's handle is never opened (that would raise another
 * error on a corrupted inode); a superblock-wide error gives the mount
 * point of the filesystem.
 *
 * fd mode cannot name a non-directory deeper than PATH_MAX: the kernel
 * prints at most a page, and a file has no ".." to climb; such events get
 * -ENAMETOOLONG.  Directories (here and in FID mode) are climbed until an
 * ancestor's path fits.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "resolve.h"

#define DEFAULT_CACHE_BYTES (4u << 20)
#define MAX_HANDLE RESOLVE_MAX_HANDLE
#define KEY_MAX RESOLVE_KEY_MAX
#define DELETED_SUFFIX " (deleted)"
#define FILEID_INVALID_ 255	/* superblock-wide FS_ERROR: no object */
#ifndef AT_HANDLE_FID
#define AT_HANDLE_FID 0x200	/* Linux 6.5: a handle for identification only */
#endif
#define DIRENT_EVENTS (FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_RENAME)
#define DIR_GONE_EVENTS (FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_RENAME)

FAN_EXPORT int fan_resolver_new(struct fan_group *g, const struct fan_resolver_opts *opts,
				struct fan_resolver **ret)
{
	struct fan_resolver_opts o = { .sz = sizeof(o) };
	struct fan_resolver *r;

	if (!g || !ret || !opts_valid(opts, sizeof(struct fan_resolver_opts)))
		return -EINVAL;
	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->g = g;
	r->cache = dcache_new(o.cache_bytes ? o.cache_bytes : DEFAULT_CACHE_BYTES);
	r->pinned = dcache_new(0);
	r->mounts = dcache_new(256u << 10);
	r->procs = pcache_new(o.proc_cache_entries ? o.proc_cache_entries : 1024);
	r->pinned_gen = (uint64_t)-1;
	if (!r->cache || !r->pinned || !r->mounts || !r->procs) {
		fan_resolver_free(r);
		return -ENOMEM;
	}
	*ret = r;
	return 0;
}

FAN_EXPORT void fan_resolver_free(struct fan_resolver *r)
{
	size_t i;

	if (!r)
		return;
	dcache_free(r->cache);
	dcache_free(r->pinned);
	dcache_free(r->mounts);
	pcache_free(r->procs);
	for (i = 0; i < 2; i++)
		sbuf_free(&r->out[i]);
	sbuf_free(&r->scratch);
	sbuf_free(&r->tail);
	sbuf_free(&r->moved);
	sbuf_free(&r->pending.old);
	free(r);
}

FAN_EXPORT void fan_resolver_flush(struct fan_resolver *r)
{
	if (!r)
		return;
	dcache_clear(r->cache);
	r->handle_err = 0;	/* privileges may have changed: try handles again */
}

/* ---- keys ---- */

static size_t make_key(unsigned char *key, const struct fan_fsid *fsid, int32_t type,
		       const void *handle, size_t hb)
{
	if (hb > MAX_HANDLE)
		return 0;
	memcpy(key, fsid->val, 8);
	memcpy(key + 8, &type, 4);
	memcpy(key + 12, handle, hb);
	return 12 + hb;
}

static size_t fid_key(unsigned char *key, const struct fan_fid *fid)
{
	return make_key(key, &fid->fsid, fid->handle_type, fid->handle_data, fid->handle_bytes);
}

static size_t rec_key(unsigned char *key, const struct fan_info *rec)
{
	struct fan_fid fid;

	if (!rec || fan_info_fid(rec, &fid) < 0)
		return 0;
	return fid_key(key, &fid);
}

/* Bring in directory marks the group recorded since we last looked. */
static void sync_pinned(struct fan_resolver *r)
{
	const struct fan_group *g = r->g;
	unsigned char key[KEY_MAX];
	size_t i, klen;

	if (g->dirmark_gen == r->pinned_gen)
		return;
	if (g->dirmark_epoch != r->pinned_epoch) {
		dcache_clear(r->pinned);
		r->pinned_seen = 0;
		r->pinned_epoch = g->dirmark_epoch;
	}
	for (i = r->pinned_seen; i < g->ndirmarks; i++) {
		const struct fan_dirmark *d = &g->dirmarks[i];

		klen = make_key(key, &d->fsid, d->handle_type, d->handle, d->handle_bytes);
		if (klen)
			dcache_put(r->pinned, key, klen, d->path, strlen(d->path));
	}
	r->pinned_seen = g->ndirmarks;
	r->pinned_gen = g->dirmark_gen;
}

/* ---- paths from descriptors ---- */

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
		sys_close(fd);
		return -ENOMEM;
	}
	while (r == -ENOENT && (d = readdir(dir))) {
		if (d->d_ino != st->st_ino || !strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (fstatat(fd, d->d_name, &cst, AT_SYMLINK_NOFOLLOW) == 0 &&
		    cst.st_ino == st->st_ino && cst.st_dev == st->st_dev)
			r = sbuf_set(name, d->d_name, strlen(d->d_name));
	}
	closedir(dir);
	return r;
}

/* tail = "/" name tail */
static int tail_prepend(struct sbuf *tail, const struct sbuf *name)
{
	if (sbuf_reserve(tail, tail->len + name->len + 2) < 0)
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
		sys_close(parent);
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

		if (sbuf_reserve(out, 4097) < 0)
			break;
		n = sys_readlink_fd(cur, out->s, 4096);
		if (n > 0 && n < 4096 && out->s[0] == '/') {
			out->len = (size_t)n;
			out->s[n] = '\0';
			res = tail->len ? sbuf_append(out, tail->s, tail->len) : 0;
			break;
		}
		if (n != -ENAMETOOLONG)
			break;
		parent = climb(cur, &name);
		if (parent < 0 || tail_prepend(tail, &name) < 0) {
			sys_close(parent);
			break;
		}
		sys_close(cur);
		cur = parent;
	}
	sys_close(cur);
	sbuf_free(&name);
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
static int fd_path(struct fan_resolver *r, int fd, struct sbuf *out, unsigned int *flags)
{
	size_t sl = sizeof(DELETED_SUFFIX) - 1;
	ssize_t n;

	if (sbuf_reserve(out, 4097) < 0)
		return -ENOMEM;
	n = sys_readlink_fd(fd, out->s, 4096);
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

/* ---- paths from handles ---- */

static bool privilege_error(int err)
{
	return err == -EPERM;	/* no CAP_DAC_READ_SEARCH: the same for every handle */
}

/* Open a reported handle; -ENOENT when no mark on its filesystem went through us. */
static int handle_open(struct fan_resolver *r, const struct fan_fid *fid)
{
	int mfd, fd;

	if (r->handle_err)
		return r->handle_err;	/* no privilege: one refusal is enough */
	mfd = fan_group_mount_fd(r->g, &fid->fsid);
	if (mfd < 0)
		return -ENOENT;
	fd = sys_open_by_handle_at(mfd, fid->handle, O_PATH | O_CLOEXEC);
	if (privilege_error(fd))
		r->handle_err = fd;
	return fd;
}

static int handle_path(struct fan_resolver *r, const struct fan_fid *fid, bool dir,
		       struct sbuf *out, unsigned int *flags)
{
	int fd = handle_open(r, fid), res;

	if (fd < 0)
		return fd;
	res = fd_path(r, fd, out, flags);
	sys_close(fd);
	/* a non-directory found without its dentry prints as "/" (disconnected) */
	if (res == 0 && !dir && out->len == 1)
		res = -ESTALE;
	return res;
}

/*
 * A directory: the cache (read time), its handle (read time, then cached),
 * or its directory mark (event order).  *src says which.
 */
static int dir_path(struct fan_resolver *r, const struct fan_fid *fid, struct sbuf *out,
		    unsigned int *flags, unsigned int *src)
{
	unsigned char key[KEY_MAX];
	size_t klen = fid_key(key, fid), plen;
	unsigned int hflags = 0;
	const char *p;
	int res;

	if (!klen)
		return -EINVAL;
	*src = SRC_READ;
	p = dcache_get(r->cache, key, klen, &plen);
	if (p)
		return sbuf_set(out, p, plen);
	res = handle_path(r, fid, true, out, &hflags);
	if (res == 0 && !(hflags & LIBFANOTIFY_PATH_DELETED)) {
		dcache_put(r->cache, key, klen, out->s, out->len);
		return 0;
	}
	sync_pinned(r);
	p = dcache_get(r->pinned, key, klen, &plen);
	if (p) {
		*src = SRC_PINNED;
		return sbuf_set(out, p, plen);
	}
	*flags |= hflags;
	return res;
}

/*
 * Is a nameless FID/DFID record a directory?  DFID records are; a FID
 * record is when the event says FAN_ONDIR, or for directory-entry events
 * in groups without FAN_REPORT_DIR_FID (it is then the parent).
 */
static bool nameless_is_dir(const struct fan_resolver *r, const struct fan_event *ev,
			    const struct fan_info *rec)
{
	uint64_t mask = fan_event_mask(ev);

	if (fan_info_type(rec) != FAN_EVENT_INFO_TYPE_FID)
		return true;
	return (mask & FAN_ONDIR) ||
	       ((mask & DIRENT_EVENTS) && !(r->g->init_flags & FAN_REPORT_DIR_FID));
}

/* mnt_id (unique) of the mount fd is on, or 0. */
static uint64_t fd_mnt_id(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, 0x4000 /* STATX_MNT_ID_UNIQUE */, &stx) < 0 ||
	    !(stx.stx_mask & 0x4000))
		return 0;
	return stx.stx_mnt_id;
}

static int mount_point(struct fan_resolver *r, uint64_t mnt_id, struct sbuf *out);

/*
 * A superblock-wide FS_ERROR names no object: give the filesystem, as the
 * mount point of the descriptor recorded for it (else that descriptor's path).
 */
static int fs_root_path(struct fan_resolver *r, const struct fan_fid *fid, struct sbuf *out,
			unsigned int *flags)
{
	int mfd = fan_group_mount_fd(r->g, &fid->fsid);
	uint64_t id;

	if (mfd < 0)
		return -ENOENT;
	*flags |= LIBFANOTIFY_PATH_DIR;
	id = fd_mnt_id(mfd);
	if (id && mount_point(r, id, out) == 0)
		return 0;
	return fd_path(r, mfd, out, flags);
}

/*
 * The object of an FS_ERROR is likely the corrupted inode: opening its
 * handle fails and raises one more FS_ERROR, event after event.  Only what
 * is known already (cache, directory marks) names it.
 */
static int error_object_path(struct fan_resolver *r, const struct fan_fid *fid,
			     struct sbuf *out, unsigned int *src)
{
	unsigned char key[KEY_MAX];
	size_t klen = fid_key(key, fid), plen;
	const char *p = klen ? dcache_get(r->cache, key, klen, &plen) : NULL;

	*src = SRC_READ;
	if (!p && klen) {
		sync_pinned(r);
		p = dcache_get(r->pinned, key, klen, &plen);
		*src = SRC_PINNED;
	}
	return p ? sbuf_set(out, p, plen) : -ENOENT;
}

/* A nameless record: a directory (cached) or any object by its handle. */
static int object_path(struct fan_resolver *r, const struct fan_event *ev,
		       const struct fan_info *rec, const struct fan_fid *fid, struct sbuf *out,
		       unsigned int *flags, unsigned int *src)
{
	if (fid->handle_type == FILEID_INVALID_ && fid->handle_bytes == 0)
		return fs_root_path(r, fid, out, flags);
	if (fan_event_mask(ev) & FAN_FS_ERROR)
		return error_object_path(r, fid, out, src);
	if (nameless_is_dir(r, ev, rec))
		return dir_path(r, fid, out, flags, src);
	*src = SRC_READ;
	return handle_path(r, fid, false, out, flags);
}

/* out (a directory) += "/" + name; "." is the directory itself. */
static int join_name(struct sbuf *out, const struct fan_fid *fid)
{
	bool root = out->len == 1 && out->s[0] == '/';

	if (fid->name_len == 1 && fid->name[0] == '.')
		return 0;
	if (sbuf_reserve(out, out->len + fid->name_len + 2) < 0)
		return -ENOMEM;
	if (!root)
		out->s[out->len++] = '/';
	memcpy(out->s + out->len, fid->name, fid->name_len);
	out->len += fid->name_len;
	out->s[out->len] = '\0';
	return 0;
}

static void path_set(struct fan_path *pp, const struct sbuf *out, int error)
{
	pp->path = out->s;
	pp->len = out->len;
	pp->error = error;
}

/* The directory is unknown: still give the name, and say why. */
static int partial_name(struct fan_path *pp, struct sbuf *out, const struct fan_fid *fid,
			int why)
{
	if (sbuf_set(out, fid->name, fid->name_len) < 0)
		return -ENOMEM;
	pp->flags |= LIBFANOTIFY_PATH_PARTIAL;
	path_set(pp, out, why);
	return 0;
}

/* A record's full path: its directory plus its name, or its object. */
static int record_path(struct fan_resolver *r, const struct fan_event *ev,
		       const struct fan_info *rec, struct fan_path *pp, struct sbuf *out,
		       unsigned int *src)
{
	unsigned int flags = 0;
	struct fan_fid fid;
	int res;

	*src = SRC_NONE;
	if (fan_info_fid(rec, &fid) < 0)
		return pp->error = -EINVAL;
	if (!fid.name) {
		res = object_path(r, ev, rec, &fid, out, &flags, src);
	} else {
		res = dir_path(r, &fid, out, &flags, src);
		if (res < 0 && strcmp(fid.name, "."))
			return partial_name(pp, out, &fid, res);
		if (res == 0)
			res = join_name(out, &fid);
	}
	pp->flags |= flags;
	if (res < 0)
		return pp->error = res;
	path_set(pp, out, 0);
	return 0;
}

/* ---- mount events ---- */

#ifndef SYS_statmount
#define SYS_statmount 457
#endif
#define STATMOUNT_MNT_POINT_ 0x10u
#define SM_MASK_OFF 8		/* u64: what was filled in */
#define SM_MNT_POINT_OFF 108	/* u32 offset into str[] */
#define SM_STR_OFF 512

/* statmount()'s mount point string, or NULL. */
static const char *statmount_point(struct sbuf *buf, uint64_t mnt_id)
{
	struct { uint32_t size, spare; uint64_t mnt_id, param; } req = {
		.size = 24, .mnt_id = mnt_id, .param = STATMOUNT_MNT_POINT_,
	};
	uint32_t off, size;
	uint64_t mask;

	if (sbuf_reserve(buf, SM_STR_OFF + 8192) < 0 ||
	    syscall(SYS_statmount, &req, buf->s, buf->cap, 0) != 0)
		return NULL;
	memcpy(&size, buf->s, 4);
	memcpy(&mask, buf->s + SM_MASK_OFF, 8);
	memcpy(&off, buf->s + SM_MNT_POINT_OFF, 4);
	if (!(mask & STATMOUNT_MNT_POINT_) || size > buf->cap || size <= SM_STR_OFF ||
	    off >= size - SM_STR_OFF || !memchr(buf->s + SM_STR_OFF + off, 0, size - SM_STR_OFF - off))
		return NULL;
	return buf->s + SM_STR_OFF + off;
}

static int mount_point(struct fan_resolver *r, uint64_t mnt_id, struct sbuf *out)
{
	const char *p = statmount_point(&r->scratch, mnt_id);
	size_t plen;

	if (p) {
		dcache_put(r->mounts, &mnt_id, sizeof(mnt_id), p, strlen(p));
		return sbuf_set(out, p, strlen(p));
	}
	/* detached already: what we saw while it was attached */
	p = dcache_get(r->mounts, &mnt_id, sizeof(mnt_id), &plen);
	return p ? sbuf_set(out, p, plen) : -ENOENT;
}

static int mnt_record_path(struct fan_resolver *r, const struct fan_info *rec,
			   struct fan_path *pp)
{
	uint64_t mnt_id;
	int res;

	res = fan_info_mnt(rec, &mnt_id);
	if (res == 0)
		res = mount_point(r, mnt_id, &r->out[0]);
	if (res < 0)
		return pp->error = res;
	pp->flags |= LIBFANOTIFY_PATH_DIR;
	path_set(pp, &r->out[0], 0);
	return 0;
}

/* ---- keeping the directory paths right ---- */

/* Does path (still) lead to the directory whose key this is?  Read time. */
static bool leads_to(const void *key, size_t klen, const char *path)
{
	union {
		struct file_handle fh;
		unsigned char space[sizeof(struct file_handle) + MAX_HANDLE];
	} h;
	unsigned char now[KEY_MAX];
	struct fan_fsid fsid;
	struct statfs sfs;
	int fd, mnt, res;

	fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	h.fh.handle_bytes = MAX_HANDLE;
	res = sys_name_to_handle_at(fd, "", &h.fh, &mnt, AT_EMPTY_PATH);
	if (res == -EOPNOTSUPP) {
		h.fh.handle_bytes = MAX_HANDLE;
		res = sys_name_to_handle_at(fd, "", &h.fh, &mnt, AT_EMPTY_PATH | AT_HANDLE_FID);
	}
	if (res == 0 && fstatfs(fd, &sfs) < 0)
		res = -errno;
	sys_close(fd);
	if (res < 0)
		return false;
	memcpy(fsid.val, &sfs.f_fsid, sizeof(fsid.val));
	return make_key(now, &fsid, h.fh.handle_type, h.fh.f_handle, h.fh.handle_bytes) == klen &&
	       !memcmp(now, key, klen);
}

static bool pin_stale(const void *key, size_t klen, const char *path, void *arg)
{
	(void)arg;
	return !leads_to(key, klen, path);
}

/* Drop the pinned paths at or under prefix that no longer lead to their directory. */
static void pinned_check_under(struct fan_resolver *r, const char *prefix, size_t len)
{
	dcache_drop_under_if(r->pinned, prefix, len, pin_stale, NULL);
}

/* A move applied in event order: rewrite, and expect the mover's MOVE_SELF. */
static void pinned_rename(struct fan_resolver *r, const char *old, size_t olen,
			  const char *nw, size_t nlen)
{
	dcache_rename_under(r->pinned, old, olen, nw, nlen);
	sbuf_set(&r->moved, nw, nlen);
}

/* Copy of key's entry in c, or false. */
static bool lookup_copy(struct dcache *c, const unsigned char *key, size_t klen,
			struct sbuf *out)
{
	size_t plen;
	const char *p = klen ? dcache_get(c, key, klen, &plen) : NULL;

	return p && sbuf_set(out, p, plen) == 0;
}

static bool whole(const struct fan_path *p)
{
	return p && p->path && !(p->flags & LIBFANOTIFY_PATH_PARTIAL);
}

/* The moved/deleted directory's own key, when the group reports it (TARGET_FID). */
static size_t child_key(const struct fan_resolver *r, const struct fan_event *ev,
			unsigned char *key)
{
	if (!(r->g->init_flags & FAN_REPORT_TARGET_FID))
		return 0;
	return rec_key(key, fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_FID));
}

/* The key of the directory a *_SELF event is about. */
static size_t self_key(const struct fan_event *ev, unsigned char *key)
{
	const struct fan_info *rec = fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_FID);
	struct fan_fid fid;

	if (!rec)
		rec = fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_DFID);
	if (!rec) {
		rec = fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_DFID_NAME);
		if (!rec || fan_info_fid(rec, &fid) < 0 || strcmp(fid.name, "."))
			return 0;
	}
	return rec_key(key, rec);
}

/* Key of the directory at path now (read time), for a MOVED_TO without its MOVED_FROM. */
static size_t key_at(const char *path, unsigned char *key)
{
	union {
		struct file_handle fh;
		unsigned char space[sizeof(struct file_handle) + MAX_HANDLE];
	} h = { .fh.handle_bytes = MAX_HANDLE };
	struct fan_fsid fsid;
	struct statfs sfs;
	int mnt;

	if (sys_name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, 0) < 0 || statfs(path, &sfs) < 0)
		return 0;
	memcpy(fsid.val, &sfs.f_fsid, sizeof(fsid.val));
	return make_key(key, &fsid, h.fh.handle_type, h.fh.f_handle, h.fh.handle_bytes);
}

/* The directory key was moved or deleted: its cached subtree is stale. */
static void cache_forget_key(struct fan_resolver *r, const unsigned char *key, size_t klen)
{
	if (lookup_copy(r->cache, key, klen, &r->scratch))
		dcache_drop_under(r->cache, r->scratch.s, r->scratch.len);
}

/* FAN_DELETE_SELF / FAN_MOVE_SELF of a directory. */
static void on_self(struct fan_resolver *r, const struct fan_event *ev, uint64_t mask)
{
	unsigned char key[KEY_MAX];
	size_t klen = self_key(ev, key);

	if (!klen)
		return;
	cache_forget_key(r, key, klen);
	if (mask & FAN_DELETE_SELF) {
		dcache_del(r->pinned, key, klen);
		return;
	}
	if (!lookup_copy(r->pinned, key, klen, &r->scratch))
		return;
	if (r->moved.len == r->scratch.len && !memcmp(r->moved.s, r->scratch.s, r->moved.len))
		r->moved.len = 0;	/* the rename we applied already */
	else
		pinned_check_under(r, r->scratch.s, r->scratch.len);
}

/* A rename, move or deletion whose directory is not named: be careful. */
static void unknown_child(struct fan_resolver *r, const struct fan_event *ev,
			  const struct fan_path *parent)
{
	unsigned char key[KEY_MAX];
	size_t klen = child_key(r, ev, key);

	if (klen && lookup_copy(r->cache, key, klen, &r->scratch))
		dcache_drop_under(r->cache, r->scratch.s, r->scratch.len);
	else if (whole(parent) && !(fan_event_mask(ev) & FAN_MOVED_TO))
		dcache_drop_under(r->cache, parent->path, parent->len);
	else
		dcache_clear(r->cache);
	if (klen && lookup_copy(r->pinned, key, klen, &r->scratch))
		pinned_check_under(r, r->scratch.s, r->scratch.len);
	else if (whole(parent) && !(fan_event_mask(ev) & FAN_MOVED_TO))
		pinned_check_under(r, parent->path, parent->len);
	else
		pinned_check_under(r, "/", 1);
}

static void on_rename(struct fan_resolver *r, const struct fan_path *old,
		      const struct fan_path *nw)
{
	dcache_drop_under(r->cache, old->path, old->len);
	if (whole(nw) && r->src[0] == SRC_PINNED && r->src[1] == SRC_PINNED)
		pinned_rename(r, old->path, old->len, nw->path, nw->len);
	else
		pinned_check_under(r, old->path, old->len);
}

static void pending_clear(struct fan_resolver *r)
{
	r->pending.old.len = 0;
	r->pending.klen = 0;
}

/* The old name of a directory moved in event order: wait for its MOVED_TO. */
static void on_moved_from(struct fan_resolver *r, const struct fan_event *ev,
			  const struct fan_path *old)
{
	dcache_drop_under(r->cache, old->path, old->len);
	if (r->src[0] != SRC_PINNED || sbuf_set(&r->pending.old, old->path, old->len) < 0) {
		pinned_check_under(r, old->path, old->len);
		return;
	}
	r->pending.pid = fan_event_pid(ev);
	r->pending.klen = child_key(r, ev, r->pending.key);
}

/* A directory arrived from a place we did not see: find it by its handle. */
static void on_moved_to(struct fan_resolver *r, const struct fan_event *ev,
			const struct fan_path *nw)
{
	unsigned char key[KEY_MAX];
	size_t klen = child_key(r, ev, key);

	if (!klen)
		klen = key_at(nw->path, key);
	if (!klen)
		return;
	if (lookup_copy(r->cache, key, klen, &r->scratch) &&
	    (r->scratch.len != nw->len || memcmp(r->scratch.s, nw->path, nw->len)))
		dcache_drop_under(r->cache, r->scratch.s, r->scratch.len);
	if (r->src[0] == SRC_PINNED && lookup_copy(r->pinned, key, klen, &r->scratch) &&
	    (r->scratch.len != nw->len || memcmp(r->scratch.s, nw->path, nw->len)))
		pinned_rename(r, r->scratch.s, r->scratch.len, nw->path, nw->len);
}

/* Is ev the MOVED_TO of the pending MOVED_FROM (same mover, same directory)? */
static bool completes_move(struct fan_resolver *r, const struct fan_event *ev,
			   const struct fan_path *nw)
{
	unsigned char key[KEY_MAX];
	size_t klen;
	uint64_t mask = fan_event_mask(ev);

	if ((mask & (FAN_MOVED_TO | FAN_ONDIR)) != (FAN_MOVED_TO | FAN_ONDIR) || !whole(nw) ||
	    r->src[0] != SRC_PINNED || fan_event_pid(ev) != r->pending.pid)
		return false;
	klen = child_key(r, ev, key);
	return !klen || !r->pending.klen ||
	       (klen == r->pending.klen && !memcmp(key, r->pending.key, klen));
}

/* Settle a pending MOVED_FROM; true if ev was its MOVED_TO. */
static bool settle_pending(struct fan_resolver *r, const struct fan_event *ev,
			   const struct fan_path *path)
{
	bool done = completes_move(r, ev, path);

	if (done)
		pinned_rename(r, r->pending.old.s, r->pending.old.len, path->path, path->len);
	else
		pinned_check_under(r, r->pending.old.s, r->pending.old.len);
	pending_clear(r);
	return done;
}

/* A directory named by the event was renamed, moved or deleted. */
static void on_dir_gone(struct fan_resolver *r, const struct fan_event *ev,
			const struct fan_path *old, const struct fan_path *nw)
{
	uint64_t mask = fan_event_mask(ev);
	unsigned char key[KEY_MAX];
	size_t klen;

	if (mask & FAN_RENAME) {
		on_rename(r, old, nw);
	} else if (mask & FAN_MOVED_FROM) {
		on_moved_from(r, ev, old);
	} else if (mask & FAN_MOVED_TO) {
		on_moved_to(r, ev, old);
	} else {
		dcache_drop_under(r->cache, old->path, old->len);
		klen = child_key(r, ev, key);
		if (!klen || dcache_del(r->pinned, key, klen) < 0)
			pinned_check_under(r, old->path, old->len);
	}
}

/* Does the event name the directory itself (parent + name), not only its parent? */
static bool names_child(const struct fan_event *ev)
{
	const struct fan_info *rec;

	fan_for_each_info(rec, ev)
		if (info_has_name(fan_info_type(rec)))
			return true;
	return false;
}

/* Events that can change directory paths. */
static bool may_move_dirs(uint64_t mask)
{
	return (mask & FAN_ONDIR) && (mask & (DIR_GONE_EVENTS | FAN_DELETE_SELF | FAN_MOVE_SELF));
}

/*
 * Keep directory paths right after the event: path and new_path are its
 * resolved paths (may be NULL or partial).
 */
static void maintain(struct fan_resolver *r, const struct fan_event *ev,
		     const struct fan_path *path, const struct fan_path *new_path)
{
	uint64_t mask = fan_event_mask(ev);

	if (!r->pending.old.len && !may_move_dirs(mask))
		return;		/* the common case: a file event */
	sync_pinned(r);
	if (r->pending.old.len && settle_pending(r, ev, path))
		return;
	if ((mask & (FAN_DELETE_SELF | FAN_MOVE_SELF)) && (mask & FAN_ONDIR))
		on_self(r, ev, mask);
	if (!(mask & FAN_ONDIR) || !(mask & DIR_GONE_EVENTS))
		return;
	if (names_child(ev) && whole(path))
		on_dir_gone(r, ev, path, new_path);
	else
		unknown_child(r, ev, names_child(ev) ? NULL : path);
}

/* ---- the public calls ---- */

static void path_reset(struct fan_path *p)
{
	if (p)
		*p = (struct fan_path){ .error = -ENOENT };
}

/* The records that name the event's object(s). */
struct recs {
	const struct fan_info *old, *nw, *dfn, *fid, *mnt;
};

static void find_recs(const struct fan_event *ev, struct recs *rs)
{
	const struct fan_info *rec;

	*rs = (struct recs){ 0 };
	fan_for_each_info(rec, ev) {
		switch (fan_info_type(rec)) {
		case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME: rs->old = rec; break;
		case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME: rs->nw = rec; break;
		case FAN_EVENT_INFO_TYPE_DFID_NAME: rs->dfn = rs->dfn ? rs->dfn : rec; break;
		case FAN_EVENT_INFO_TYPE_DFID:
		case FAN_EVENT_INFO_TYPE_FID: rs->fid = rs->fid ? rs->fid : rec; break;
		case FAN_EVENT_INFO_TYPE_MNT: rs->mnt = rec; break;
		}
	}
}

static int fd_event_path(struct fan_resolver *r, int fd, struct fan_path *path)
{
	int res = fd_path(r, fd, &r->out[0], &path->flags);

	if (res < 0)
		return path->error = res;
	path_set(path, &r->out[0], 0);
	return 0;
}

/* Fill path (and new_path) from the event; no cache maintenance. */
static int resolve(struct fan_resolver *r, const struct fan_event *ev, struct fan_path *path,
		   struct fan_path *new_path)
{
	unsigned int dirflag = (fan_event_mask(ev) & FAN_ONDIR) ? LIBFANOTIFY_PATH_DIR : 0;
	int fd = fan_event_fd(ev), res = -ENOENT;
	const struct fan_info *first;
	struct recs rs;

	r->src[0] = r->src[1] = SRC_NONE;
	find_recs(ev, &rs);
	if (rs.mnt)
		return mnt_record_path(r, rs.mnt, path);
	path->flags = dirflag;
	first = rs.old ? rs.old : rs.dfn ? rs.dfn : rs.fid;
	if (fd >= 0)
		res = fd_event_path(r, fd, path);
	else if (first)
		res = record_path(r, ev, first, path, &r->out[0], &r->src[0]);
	else if (fd < FAN_NOFD)
		res = path->error = fd;	/* FAN_REPORT_FD_ERROR */
	if (new_path && rs.nw) {
		new_path->flags = dirflag;
		record_path(r, ev, rs.nw, new_path, &r->out[1], &r->src[1]);
	}
	return res < 0 ? res : 0;
}

FAN_EXPORT int fan_resolve_path(struct fan_resolver *r, const struct fan_event *ev,
				struct fan_path *path, struct fan_path *new_path)
{
	struct fan_path scratch, nscratch;
	int res;

	if (!r || !ev)
		return -EINVAL;
	if (!path)
		path = &scratch;
	if (!new_path)
		new_path = &nscratch;	/* maintenance needs the new path of a rename */
	path_reset(path);
	path_reset(new_path);
	res = resolve(r, ev, path, new_path);
	maintain(r, ev, path, new_path);
	return res;
}

FAN_EXPORT void fan_resolver_observe(struct fan_resolver *r, const struct fan_event *ev)
{
	struct fan_path p, np;

	if (!r || !ev)
		return;
	/* Only directory changes matter (and a move waiting for its other half). */
	if (!r->pending.old.len && !may_move_dirs(fan_event_mask(ev)))
		return;
	fan_resolve_path(r, ev, &p, &np);
}
