// SPDX-License-Identifier: MIT
/*
 * Paths for events.  fd mode: the event fd's link in /proc.  FID mode: the
 * directory handle's path (lf_dir_path() in resolve_moment.c, the one place a
 * directory is looked up) plus the name the kernel reported.
 *
 * The rule: a path is right at the moment it is read (for an event of the
 * group's current batch: at the event's moment), or it is flagged PARTIAL
 * (the name alone) or UNVERIFIED (the last path known), with the reason.
 *
 * Two kinds of directory paths, never mixed in one rewrite:
 *
 * - Read-time paths: the cache holds paths read from /proc (an
 *   open_by_handle_at() + readlink), which can be newer than the event
 *   being processed.  They are never rewritten by a rename event, only
 *   emptied under the old path.  Read now (or checked now), the batch's
 *   later directory moves are undone on them (resolve_moment.c), which
 *   gives the path at the event's moment.  They are looked up first.
 *
 * - Event-order paths: directory marks ("pinned") were taken at mark time,
 *   before any event, and follow rename events in order (FAN_RENAME, or a
 *   MOVED_FROM directly followed by its MOVED_TO), which keeps them right
 *   where open_by_handle_at() is not allowed (no CAP_DAC_READ_SEARCH) or
 *   fails (a directory already removed).  A rename is applied to them only
 *   when both its paths were themselves built from confirmed pinned paths;
 *   any other change under a pinned path (a move seen only in part, a
 *   deletion, a MOVE_SELF) checks each pinned path against its handle with
 *   name_to_handle_at(), which needs no privilege, and drops those that no
 *   longer lead to their directory.
 *
 * Events keep both right only where the group sees every rename that could
 * change them: a FILESYSTEM mark reporting directory renames.  Elsewhere a
 * kept path is checked against the filesystem once per batch before it is
 * returned (stamps: resolve.h), and read anew or flagged.  A queue overflow
 * (the event, or the group's count moving) drops the cache and has every
 * pinned path checked before its next use.
 *
 * FS_ERROR: the object's handle is never opened (that would raise another
 * error on a corrupted inode); a superblock-wide error gives the mount
 * point of the filesystem.
 *
 * The other parts: resolve_moment.c (a directory's path at an event's
 * moment, the batch's later moves undone), resolve_dir.c (paths read now
 * through handles, path-string rules), resolve_batch.c (the batch
 * indexed: its moves, its entries by handle), resolve_fd.c (paths of open
 * descriptors, beyond PATH_MAX too), resolve_mount.c (mount points),
 * resolve_track.c (keeping directory paths right as directories move),
 * resolve_pinned.c (directory-mark paths brought in, keys, the check of a
 * path against a handle), pathmap.c (the bounded map), resolve_proc.c
 * (processes).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "missing.h"
#include "resolve.h"

#define DEFAULT_CACHE_BYTES (4u << 20)
#define DIRENT_EVENTS (FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_RENAME)

LF_EXPORT int fan_resolver_new(struct fan_group *g, const struct fan_resolver_opts *opts,
				struct fan_resolver **ret)
{
	struct fan_resolver_opts o = { .sz = sizeof(o) };
	struct fan_resolver *r;

	if (!g || !ret || !opts_valid(opts, sizeof(struct fan_resolver_opts)))
		return -EINVAL;
	LF_OPTS_IN(o, opts);
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->g = g;
	r->cache = lf_pathmap_new(o.cache_bytes ? o.cache_bytes : DEFAULT_CACHE_BYTES);
	r->pinned = lf_pathmap_new(0);
	r->mounts = lf_pathmap_new(256u << 10);
	r->procs = lf_pcache_new(g, o.proc_cache_entries ? o.proc_cache_entries : 1024, o.flags);
	r->pinned_gen = (uint64_t)-1;
	r->overflows = g->stats.overflows;
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

LF_EXPORT void fan_resolver_free(struct fan_resolver *r)
{
	size_t i;

	if (!r)
		return;
	lf_pathmap_free(r->cache);
	lf_pathmap_free(r->pinned);
	lf_pathmap_free(r->mounts);
	lf_pcache_free(r->procs);
	lf_fd_dir_close(r);
	for (i = 0; i < 2; i++)
		lf_sbuf_free(&r->out[i]);
	lf_sbuf_free(&r->scratch);
	lf_sbuf_free(&r->tail);
	lf_sbuf_free(&r->moved);
	lf_sbuf_free(&r->pending.old);
	lf_batch_free(r);
	lf_gone_free(r);
	free(r);
}

LF_EXPORT void fan_resolver_flush(struct fan_resolver *r)
{
	if (!r)
		return;
	lf_pathmap_clear(r->cache);
	r->handle_err = 0;	/* privileges may have changed: try handles again */
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
 * handle, or looking its path up, fails and raises one more FS_ERROR,
 * event after event.  Only what is known already (cache, marks) names it,
 * unchecked: UNVERIFIED (-EIO) unless the group sees every rename there.
 */
static int error_object_path(struct fan_resolver *r, struct look *lk, const struct fan_fid *fid,
			     struct sbuf *out)
{
	unsigned char key[LF_KEY_MAX];
	size_t klen = lf_fid_key(key, fid), plen;
	const char *p = klen ? lf_pathmap_get(r->cache, key, klen, &plen) : NULL;

	lk->src = SRC_READ;
	if (!p && klen) {
		lf_sync_pinned(r);
		p = lf_pathmap_get(r->pinned, key, klen, &plen);
		lk->src = SRC_PINNED;
	}
	if (!p)
		return -ENOENT;
	if (!lf_fs_renames_seen(r->g, &fid->fsid)) {
		lk->flags |= LIBFANOTIFY_PATH_UNVERIFIED;
		lk->why = -EIO;
	}
	return lf_sbuf_set(out, p, plen);
}

/* A nameless record: a directory (cached) or any object by its handle. */
static int object_path(struct fan_resolver *r, struct look *lk, const struct fan_info *rec,
		       const struct fan_fid *fid, struct sbuf *out)
{
	if (fid->handle_type == FILEID_INVALID && fid->handle_bytes == 0)
		return fs_root_path(r, fid, out, &lk->flags);
	if (fan_event_mask(lk->ev) & FAN_FS_ERROR)
		return error_object_path(r, lk, fid, out);
	if (nameless_is_dir(r, lk->ev, rec))
		return lf_dir_path(r, lk, fid, out);
	if (fan_event_mask(lk->ev) & FAN_DELETE_SELF)
		lk->flags |= LIBFANOTIFY_PATH_DELETED;
	return lf_file_path(r, lk, fid, out);
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

/* A record's full path at its event's moment: its directory plus its name, or its object. */
static int record_path(struct fan_resolver *r, const struct fan_event *ev,
		       const struct fan_info *rec, struct fan_path *pp, struct sbuf *out,
		       unsigned int *src)
{
	struct look lk = { .ev = ev };
	struct fan_fid fid;
	int res;

	*src = SRC_NONE;
	if (fan_info_fid(rec, &fid) < 0)
		return pp->error = -EINVAL;
	if (!fid.name) {
		res = object_path(r, &lk, rec, &fid, out);
	} else if (!lf_name_ok(fid.name, fid.name_len)) {
		return pp->error = -EBADMSG;	/* never joined: it could name anything */
	} else {
		res = lf_dir_path(r, &lk, &fid, out);
		if (res < 0 && strcmp(fid.name, "."))
			return partial_name(pp, out, &fid, res);
		if (res == 0)
			res = lf_join_name(out, &fid);
	}
	*src = lk.src;
	pp->flags |= lk.flags;
	if (res < 0)
		return pp->error = res;
	path_set(pp, out, (lk.flags & LIBFANOTIFY_PATH_UNVERIFIED) ? lk.why : 0);
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
	struct lf_recs rs;

	r->src[0] = r->src[1] = SRC_NONE;
	lf_event_recs(ev, &rs);
	if (rs.mnt)
		return mnt_record_path(r, rs.mnt, path);
	path->flags = dirflag;
	first = rs.old ? rs.old : rs.dfn ? rs.dfn : rs.fid_or_dfid;
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

/*
 * After a queue overflow, renames may have gone unseen: cached paths are
 * dropped and directory-mark paths are checked before they are used again.
 * Noticed from the overflow event itself, or from the group's overflow
 * count having moved (a batch read after one, whose overflow event the
 * caller did not pass on).
 */
static void distrust(struct fan_resolver *r)
{
	lf_pathmap_clear(r->cache);
	lf_sync_pinned(r);
	lf_pathmap_stamp_all(r->pinned, STAMP_SUSPECT);
	lf_track_reset(r);
}

static inline void notice_overflow(struct fan_resolver *r, const struct fan_event *ev)
{
	const struct fan_group *g = r->g;
	const unsigned char *p = (const unsigned char *)ev;

	if (g->stats.overflows != r->overflows) {
		r->overflows = g->stats.overflows;
		r->distrusted = g->batch_seq;
		distrust(r);
	} else if (fan_event_is_overflow(ev) &&
		   !(g->batch && p >= g->batch && p < g->batch + g->batch_len &&
		     r->distrusted == g->batch_seq)) {
		distrust(r);	/* from a buffer the group did not count */
	}
}

LF_EXPORT int fan_resolve_path(struct fan_resolver *r, const struct fan_event *ev,
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
	notice_overflow(r, ev);
	res = resolve(r, ev, path, new_path);
	lf_track_event(r, ev, path, new_path);
	return res;
}

LF_EXPORT void fan_resolver_observe(struct fan_resolver *r, const struct fan_event *ev)
{
	struct fan_path p, np;

	if (!r || !ev)
		return;
	notice_overflow(r, ev);
	/* Only directory changes matter (and a move waiting for its other half). */
	if (!r->pending.old.len && !lf_may_move_dirs(fan_event_mask(ev)))
		return;
	fan_resolve_path(r, ev, &p, &np);
}
