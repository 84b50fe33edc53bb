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
 * The other parts: resolve_fd.c (paths of open descriptors, beyond
 * PATH_MAX too), resolve_mount.c (mount points), resolve_track.c (keeping
 * directory paths right as directories move), resolve_cache.c (the
 * bounded map), resolve_proc.c (processes).
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
#define FILEID_INVALID_ 255	/* superblock-wide FS_ERROR: no object */
#define DIRENT_EVENTS (FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_RENAME)

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
	r->cache = lf_dcache_new(o.cache_bytes ? o.cache_bytes : DEFAULT_CACHE_BYTES);
	r->pinned = lf_dcache_new(0);
	r->mounts = lf_dcache_new(256u << 10);
	r->procs = lf_pcache_new(o.proc_cache_entries ? o.proc_cache_entries : 1024);
	r->pinned_gen = (uint64_t)-1;
	lf_fd_dir_init(r);
	if (!r->cache || !r->pinned || !r->mounts || !r->procs) {
		fan_resolver_free(r);
		return -ENOMEM;
	}
	if (g->init_flags & FAN_REPORT_MNT)
		lf_mounts_seed(r);
	*ret = r;
	return 0;
}

FAN_EXPORT void fan_resolver_free(struct fan_resolver *r)
{
	size_t i;

	if (!r)
		return;
	lf_dcache_free(r->cache);
	lf_dcache_free(r->pinned);
	lf_dcache_free(r->mounts);
	lf_pcache_free(r->procs);
	lf_fd_dir_close(r);
	for (i = 0; i < 2; i++)
		lf_sbuf_free(&r->out[i]);
	lf_sbuf_free(&r->scratch);
	lf_sbuf_free(&r->tail);
	lf_sbuf_free(&r->moved);
	lf_sbuf_free(&r->pending.old);
	free(r);
}

FAN_EXPORT void fan_resolver_flush(struct fan_resolver *r)
{
	if (!r)
		return;
	lf_dcache_clear(r->cache);
	r->handle_err = 0;	/* privileges may have changed: try handles again */
}

/* ---- keys ---- */

static size_t fid_key(unsigned char *key, const struct fan_fid *fid)
{
	return lf_handle_key(key, &fid->fsid, fid->handle_type, fid->handle_data, fid->handle_bytes);
}

size_t lf_rec_key(unsigned char *key, const struct fan_info *rec)
{
	struct fan_fid fid;

	if (!rec || fan_info_fid(rec, &fid) < 0)
		return 0;
	return fid_key(key, &fid);
}

/* Bring in directory marks the group recorded since we last looked. */
void lf_sync_pinned(struct fan_resolver *r)
{
	const struct fan_group *g = r->g;
	unsigned char key[LF_KEY_MAX];
	size_t i, klen;

	if (g->markrec_gen == r->pinned_gen)
		return;
	if (g->markrec_epoch != r->pinned_epoch) {
		lf_dcache_clear(r->pinned);
		r->pinned_seen = 0;
		r->pinned_epoch = g->markrec_epoch;
	}
	for (i = r->pinned_seen; i < g->nmarkrecs; i++) {
		const struct fan_markrec *d = &g->markrecs[i];

		klen = lf_handle_key(key, &d->h.fsid, d->h.type, d->h.data, d->h.bytes);
		if (klen)
			lf_dcache_put(r->pinned, key, klen, d->path, strlen(d->path));
	}
	r->pinned_seen = g->nmarkrecs;
	r->pinned_gen = g->markrec_gen;
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
	fd = lf_sys_open_by_handle_at(mfd, fid->handle, O_PATH | O_CLOEXEC);
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
	res = lf_fd_path(r, fd, out, flags);
	lf_sys_close(fd);
	/* a non-directory found without its dentry prints as "/" (disconnected) */
	if (res == 0 && !dir && out->len == 1)
		res = -ESTALE;
	return res;
}

/* The path recorded when the object was marked (kept in event order), if any. */
static bool pinned_path(struct fan_resolver *r, const unsigned char *key, size_t klen,
			struct sbuf *out)
{
	size_t plen;
	const char *p;

	lf_sync_pinned(r);
	p = lf_dcache_get(r->pinned, key, klen, &plen);
	return p && lf_sbuf_set(out, p, plen) == 0;
}

/*
 * A directory: the cache (read time), its handle (read time, then cached),
 * or its mark record (event order).  *src says which.
 */
static int dir_path(struct fan_resolver *r, const struct fan_fid *fid, struct sbuf *out,
		    unsigned int *flags, unsigned int *src)
{
	unsigned char key[LF_KEY_MAX];
	size_t klen = fid_key(key, fid), plen;
	unsigned int hflags = 0;
	const char *p;
	int res;

	if (!klen)
		return -EINVAL;
	*src = SRC_READ;
	/* a directory the group's subtree tracker follows: its path as of the event (subtree.c) */
	if (r->g->subtree && lf_subtree_dir_path(r->g->subtree, key, klen, out) == 0)
		return 0;
	p = lf_dcache_get(r->cache, key, klen, &plen);
	if (p)
		return lf_sbuf_set(out, p, plen);
	res = handle_path(r, fid, true, out, &hflags);
	if (res == 0 && !(hflags & LIBFANOTIFY_PATH_DELETED)) {
		lf_dcache_put(r->cache, key, klen, out->s, out->len);
		return 0;
	}
	if (pinned_path(r, key, klen, out)) {
		*src = SRC_PINNED;
		return 0;
	}
	*flags |= hflags;
	return res;
}

/*
 * A file by its own handle (read time), or, when that fails (no privilege,
 * the file is gone: its DELETE_SELF), the path recorded when it was marked.
 */
static int file_path(struct fan_resolver *r, const struct fan_fid *fid, struct sbuf *out,
		     unsigned int *flags, unsigned int *src)
{
	unsigned char key[LF_KEY_MAX];
	size_t klen;
	int res;

	*src = SRC_READ;
	res = handle_path(r, fid, false, out, flags);
	if (res == 0 || !(klen = fid_key(key, fid)) || !pinned_path(r, key, klen, out))
		return res;
	*src = SRC_PINNED;
	return 0;
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
	id = lf_fd_mnt_id(mfd);
	if (id && lf_mount_point(r, id, out) == 0)
		return 0;
	return lf_fd_path(r, mfd, out, flags);
}

/*
 * The object of an FS_ERROR is likely the corrupted inode: opening its
 * handle fails and raises one more FS_ERROR, event after event.  Only what
 * is known already (cache, directory marks) names it.
 */
static int error_object_path(struct fan_resolver *r, const struct fan_fid *fid,
			     struct sbuf *out, unsigned int *src)
{
	unsigned char key[LF_KEY_MAX];
	size_t klen = fid_key(key, fid), plen;
	const char *p = klen ? lf_dcache_get(r->cache, key, klen, &plen) : NULL;

	*src = SRC_READ;
	if (p)
		return lf_sbuf_set(out, p, plen);
	*src = SRC_PINNED;
	return klen && pinned_path(r, key, klen, out) ? 0 : -ENOENT;
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
	if (fan_event_mask(ev) & FAN_DELETE_SELF)
		*flags |= LIBFANOTIFY_PATH_DELETED;
	return file_path(r, fid, out, flags, src);
}

/* out (a directory) += "/" + name; "." is the directory itself. */
static int join_name(struct sbuf *out, const struct fan_fid *fid)
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
	if (lf_sbuf_set(out, fid->name, fid->name_len) < 0)
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


static int mnt_record_path(struct fan_resolver *r, const struct fan_info *rec,
			   struct fan_path *pp)
{
	uint64_t mnt_id;
	int res;

	res = fan_info_mnt(rec, &mnt_id);
	if (res == 0)
		res = lf_mount_point(r, mnt_id, &r->out[0]);
	if (res < 0)
		return pp->error = res;
	pp->flags |= LIBFANOTIFY_PATH_DIR;
	path_set(pp, &r->out[0], 0);
	return 0;
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
	int res = lf_fd_path(r, fd, &r->out[0], &path->flags);

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
	lf_maintain(r, ev, path, new_path);
	return res;
}

FAN_EXPORT void fan_resolver_observe(struct fan_resolver *r, const struct fan_event *ev)
{
	struct fan_path p, np;

	if (!r || !ev)
		return;
	/* Only directory changes matter (and a move waiting for its other half). */
	if (!r->pending.old.len && !lf_may_move_dirs(fan_event_mask(ev)))
		return;
	fan_resolve_path(r, ev, &p, &np);
}
