// SPDX-License-Identifier: MIT
/*
 * Paths for events.  fd mode: the event fd's link in /proc.  FID mode: the
 * directory handle's path (from the group's directory marks, the bounded
 * cache, or open_by_handle_at()) plus the name the kernel reported.
 *
 * The cache holds paths read from /proc at read time, which can be newer
 * than the event being processed; it is therefore never rewritten by a
 * rename event, only emptied under the old path, so it can be late but
 * never wrong for long.  Directory-mark paths were taken before any event
 * and follow rename events in order, which keeps them right even where
 * open_by_handle_at() is not allowed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "resolve.h"

#define DEFAULT_CACHE_BYTES (4u << 20)
#define MAX_HANDLE 128
#define KEY_MAX (8 + 4 + MAX_HANDLE)
#define DELETED_SUFFIX " (deleted)"

static bool opts_ok(const struct fan_resolver_opts *o)
{
	size_t i;

	if (!o)
		return true;
	if (o->sz < sizeof(size_t))
		return false;
	for (i = sizeof(*o); i < o->sz; i++)
		if (((const unsigned char *)o)[i])
			return false;
	return true;
}

FAN_EXPORT int fan_resolver_new(struct fan_group *g, const struct fan_resolver_opts *opts,
				struct fan_resolver **ret)
{
	struct fan_resolver_opts o = { .sz = sizeof(o) };
	struct fan_resolver *r;

	if (!g || !ret || !opts_ok(opts))
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
	sbuf_free(&r->dir);
	free(r);
}

FAN_EXPORT void fan_resolver_flush(struct fan_resolver *r)
{
	if (r)
		dcache_clear(r->cache);
}

/* ---- keys ---- */

static size_t make_key(unsigned char *key, const struct fan_fsid *fsid, int32_t type,
		       const void *handle, size_t hb)
{
	memcpy(key, fsid->val, 8);
	memcpy(key + 8, &type, 4);
	memcpy(key + 12, handle, hb);
	return 12 + hb;
}

static size_t fid_key(unsigned char *key, const struct fan_fid *fid)
{
	if (fid->handle_bytes > MAX_HANDLE)
		return 0;
	return make_key(key, &fid->fsid, fid->handle_type, fid->handle_data, fid->handle_bytes);
}

/* Bring in directory marks the group recorded since we last looked. */
static void sync_pinned(struct fan_resolver *r)
{
	const struct fan_group *g = r->g;
	unsigned char key[KEY_MAX];
	size_t i;

	if (g->dirmark_gen == r->pinned_gen)
		return;
	if (g->dirmark_epoch != r->pinned_epoch) {
		dcache_clear(r->pinned);
		r->pinned_seen = 0;
		r->pinned_epoch = g->dirmark_epoch;
	}
	for (i = r->pinned_seen; i < g->ndirmarks; i++) {
		const struct fan_dirmark *d = &g->dirmarks[i];

		dcache_put(r->pinned, key,
			   make_key(key, &d->fsid, d->handle_type, d->handle, d->handle_bytes),
			   d->path, strlen(d->path));
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
	while ((d = readdir(dir)) && r == -ENOENT) {
		if (d->d_ino != st->st_ino || !strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (fstatat(fd, d->d_name, &cst, AT_SYMLINK_NOFOLLOW) == 0 &&
		    cst.st_ino == st->st_ino && cst.st_dev == st->st_dev)
			r = sbuf_set(name, d->d_name, strlen(d->d_name));
	}
	closedir(dir);
	return r;
}

/*
 * The kernel cannot print paths longer than a page: climb from the
 * directory until an ancestor's path fits, collecting names on the way.
 */
static int long_dir_path(struct fan_resolver *r, int fd, struct sbuf *out)
{
	struct sbuf *tail = &r->scratch, name = { 0 };
	int cur = fcntl(fd, F_DUPFD_CLOEXEC, 3), res = -ENAMETOOLONG;
	unsigned int depth;

	tail->len = 0;
	for (depth = 0; cur >= 0 && depth < 65536; depth++) {
		struct stat st, pst;
		ssize_t n;
		int parent;

		if (sbuf_reserve(out, 4097) < 0)
			break;
		n = sys_readlink_fd(cur, out->s, 4096);
		if (n > 0 && n < 4096) {
			out->len = (size_t)n;
			out->s[n] = '\0';
			res = sbuf_append(out, tail->s ? tail->s : "", tail->len);
			break;
		}
		if (n != -ENAMETOOLONG || fstat(cur, &st) < 0)
			break;
		parent = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0 || fstat(parent, &pst) < 0 || pst.st_dev != st.st_dev ||
		    (pst.st_ino == st.st_ino) || name_in(parent, &st, &name) < 0) {
			sys_close(parent);
			break;
		}
		/* tail = "/" name tail */
		if (sbuf_reserve(tail, tail->len + name.len + 2) < 0) {
			sys_close(parent);
			break;
		}
		memmove(tail->s + name.len + 1, tail->s ? tail->s : "", tail->len);
		tail->s[0] = '/';
		memcpy(tail->s + 1, name.s, name.len);
		tail->len += name.len + 1;
		tail->s[tail->len] = '\0';
		sys_close(cur);
		cur = parent;
	}
	sys_close(cur);
	sbuf_free(&name);
	return res;
}

/* Path of an open descriptor, with a deleted object recognised as such. */
static int fd_path(struct fan_resolver *r, int fd, struct sbuf *out, unsigned int *flags)
{
	size_t sl = sizeof(DELETED_SUFFIX) - 1;
	struct stat st;
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
	/* " (deleted)" is also a legal file name ending: ask the inode */
	if (out->len > sl && !memcmp(out->s + out->len - sl, DELETED_SUFFIX, sl) &&
	    fstat(fd, &st) == 0 && st.st_nlink == 0) {
		out->len -= sl;
		out->s[out->len] = '\0';
		*flags |= LIBFANOTIFY_PATH_DELETED;
	}
	return 0;
}

/* ---- paths from handles ---- */

static int handle_path(struct fan_resolver *r, const struct fan_fid *fid, struct sbuf *out,
		       unsigned int *flags)
{
	int mfd = fan_group_mount_fd(r->g, &fid->fsid), fd, res;

	if (mfd < 0)
		return -ENOENT;		/* no mark on that filesystem went through us */
	fd = sys_open_by_handle_at(mfd, fid->handle, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return fd;
	res = fd_path(r, fd, out, flags);
	sys_close(fd);
	return res;
}

/* The directory a DFID/DFID_NAME record names. */
static int dir_path(struct fan_resolver *r, const struct fan_fid *fid, struct sbuf *out,
		    unsigned int *flags)
{
	unsigned char key[KEY_MAX];
	size_t klen = fid_key(key, fid), plen;
	const char *p;
	int res;

	if (!klen)
		return -EINVAL;
	sync_pinned(r);
	p = dcache_get(r->pinned, key, klen, &plen);
	if (!p)
		p = dcache_get(r->cache, key, klen, &plen);
	if (p)
		return sbuf_set(out, p, plen);
	res = handle_path(r, fid, out, flags);
	if (res == 0 && !(*flags & LIBFANOTIFY_PATH_DELETED))
		dcache_put(r->cache, key, klen, out->s, out->len);
	return res;
}

/* A record's full path: its directory plus its name ("." is the directory). */
static int record_path(struct fan_resolver *r, const struct fan_info *rec, struct fan_path *pp,
		       struct sbuf *out)
{
	unsigned int flags = 0;
	struct fan_fid fid;
	int res;

	fan_info_fid(rec, &fid);
	if (!fid.name) {
		res = handle_path(r, &fid, out, &flags);
	} else {
		res = dir_path(r, &fid, &r->dir, &flags);
		if (res == 0)
			res = sbuf_set(out, r->dir.s, r->dir.len);
		if (res == 0 && strcmp(fid.name, ".")) {
			if (!(out->len == 1 && out->s[0] == '/'))
				res = sbuf_append(out, "/", 1);
			if (res == 0)
				res = sbuf_append(out, fid.name, fid.name_len);
		} else if (res < 0 && strcmp(fid.name, ".")) {
			/* the directory is unknown: still give the name */
			pp->error = res;
			flags |= LIBFANOTIFY_PATH_PARTIAL;
			res = sbuf_set(out, fid.name, fid.name_len);
		}
	}
	pp->flags |= flags;
	if (res < 0)
		return res;
	if (!(flags & LIBFANOTIFY_PATH_PARTIAL))
		pp->error = 0;
	pp->path = out->s;
	pp->len = out->len;
	return 0;
}

/* ---- mount events ---- */

#ifndef SYS_statmount
#define SYS_statmount 457
#endif
#define STATMOUNT_MNT_POINT_ 0x10u
#define SM_MNT_POINT_OFF 108	/* u32 offset into str[] */
#define SM_STR_OFF 512

static int mount_point(struct fan_resolver *r, uint64_t mnt_id, struct sbuf *out)
{
	struct { uint32_t size, spare; uint64_t mnt_id, param; } req = {
		.size = 24, .mnt_id = mnt_id, .param = STATMOUNT_MNT_POINT_,
	};
	const char *known;
	uint32_t off, size;
	size_t plen;

	if (sbuf_reserve(&r->scratch, SM_STR_OFF + 8192) < 0)
		return -ENOMEM;
	if (syscall(SYS_statmount, &req, r->scratch.s, r->scratch.cap, 0) == 0) {
		memcpy(&size, r->scratch.s, 4);
		memcpy(&off, r->scratch.s + SM_MNT_POINT_OFF, 4);
		if (size > SM_STR_OFF && off < size - SM_STR_OFF &&
		    memchr(r->scratch.s + SM_STR_OFF + off, 0, size - SM_STR_OFF - off)) {
			const char *p = r->scratch.s + SM_STR_OFF + off;

			dcache_put(r->mounts, &mnt_id, sizeof(mnt_id), p, strlen(p));
			return sbuf_set(out, p, strlen(p));
		}
	}
	/* detached already: what we saw when it was attached */
	known = dcache_get(r->mounts, &mnt_id, sizeof(mnt_id), &plen);
	return known ? sbuf_set(out, known, plen) : -ENOENT;
}

/* ---- keeping the cache right ---- */

static bool is_dir_key_cached(struct fan_resolver *r, const struct fan_info *rec,
			      struct sbuf *out)
{
	unsigned char key[KEY_MAX];
	struct fan_fid fid;
	const char *p;
	size_t klen, plen;

	if (!rec || fan_info_fid(rec, &fid) < 0 || !(klen = fid_key(key, &fid)))
		return false;
	p = dcache_get(r->cache, key, klen, &plen);
	if (!p)
		p = dcache_get(r->pinned, key, klen, &plen);
	return p && sbuf_set(out, p, plen) == 0;
}

static void forget_under(struct fan_resolver *r, const char *p, size_t len)
{
	dcache_drop_under(r->cache, p, len);
	dcache_drop_under(r->pinned, p, len);
}

/*
 * A directory was renamed, moved or deleted: paths under its old name are
 * wrong now.  old and new are the event's resolved paths (may be NULL).
 */
static void maintain(struct fan_resolver *r, const struct fan_event *ev,
		     const struct fan_path *old, const struct fan_path *new)
{
	uint64_t mask = fan_event_mask(ev);
	bool whole = old && old->path && !(old->flags & LIBFANOTIFY_PATH_PARTIAL);

	if (mask & (FAN_DELETE_SELF | FAN_MOVE_SELF)) {
		struct sbuf *s = &r->scratch;

		if (is_dir_key_cached(r, fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_FID), s))
			forget_under(r, s->s, s->len);
	}
	if (!(mask & FAN_ONDIR))
		return;
	if ((mask & FAN_RENAME) && whole && new && new->path &&
	    !(new->flags & LIBFANOTIFY_PATH_PARTIAL)) {
		dcache_drop_under(r->cache, old->path, old->len);
		dcache_rename_under(r->pinned, old->path, old->len, new->path, new->len);
	} else if ((mask & (FAN_RENAME | FAN_MOVED_FROM | FAN_DELETE)) && whole) {
		forget_under(r, old->path, old->len);
	} else if (mask & (FAN_RENAME | FAN_MOVED_FROM | FAN_DELETE | FAN_MOVED_TO)) {
		struct sbuf *s = &r->scratch;

		/* where it was is unknown: its own handle, or start over */
		if (is_dir_key_cached(r, fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_FID), s))
			forget_under(r, s->s, s->len);
		else
			dcache_clear(r->cache);
	}
}

/* ---- the public calls ---- */

static void path_reset(struct fan_path *p)
{
	if (p)
		*p = (struct fan_path){ .error = -ENOENT };
}

/* Fill path (and new_path) from the event; no cache maintenance. */
static int resolve(struct fan_resolver *r, const struct fan_event *ev, struct fan_path *path,
		   struct fan_path *new_path)
{
	uint64_t mask = fan_event_mask(ev);
	const struct fan_info *rec, *old = NULL, *nw = NULL, *dfn = NULL, *fid = NULL;
	unsigned int dirflag = (mask & FAN_ONDIR) ? LIBFANOTIFY_PATH_DIR : 0;
	int fd = fan_event_fd(ev), res = -ENOENT;
	uint64_t mnt_id;

	fan_for_each_info(rec, ev) {
		switch (fan_info_type(rec)) {
		case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME: old = rec; break;
		case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME: nw = rec; break;
		case FAN_EVENT_INFO_TYPE_DFID_NAME: dfn = dfn ? dfn : rec; break;
		case FAN_EVENT_INFO_TYPE_DFID:
		case FAN_EVENT_INFO_TYPE_FID: fid = fid ? fid : rec; break;
		case FAN_EVENT_INFO_TYPE_MNT:
			if (fan_info_mnt(rec, &mnt_id) == 0)
				res = mount_point(r, mnt_id, &r->out[0]);
			if (res == 0) {
				path->path = r->out[0].s;
				path->len = r->out[0].len;
				path->error = 0;
			}
			return res;
		}
	}
	path->flags = dirflag;
	if (fd >= 0) {
		res = fd_path(r, fd, &r->out[0], &path->flags);
		if (res == 0) {
			path->path = r->out[0].s;
			path->len = r->out[0].len;
			path->error = 0;
		}
	} else if (old || dfn || fid) {
		res = record_path(r, old ? old : dfn ? dfn : fid, path, &r->out[0]);
	} else if (fd < FAN_NOFD) {
		res = fd;	/* FAN_REPORT_FD_ERROR */
	}
	path->error = res < 0 ? res : path->error;
	if (new_path && nw) {
		new_path->flags = dirflag;
		new_path->error = record_path(r, nw, new_path, &r->out[1]);
	}
	return res < 0 ? res : 0;
}

FAN_EXPORT int fan_resolve_path(struct fan_resolver *r, const struct fan_event *ev,
				struct fan_path *path, struct fan_path *new_path)
{
	struct fan_path scratch;
	int res;

	if (!r || !ev)
		return -EINVAL;
	if (!path)
		path = &scratch;
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
	/* Only directory changes matter; leave everything else alone, cheaply. */
	if (!(fan_event_mask(ev) & (FAN_ONDIR | FAN_DELETE_SELF | FAN_MOVE_SELF)))
		return;
	fan_resolve_path(r, ev, &p, &np);
}
