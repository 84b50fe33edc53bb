// SPDX-License-Identifier: MIT
/*
 * A directory's path at the moment of an event (lf_dir_path(), the one
 * place a directory is looked up), a file's by its handle, and the check
 * of a directory-mark path at that moment: the two kinds of paths and
 * the rule are in resolve_path.c's top comment.
 *
 * A path read now is brought back to the event's moment by undoing the
 * batch's later directory moves (resolve_batch.c), whose own paths are
 * looked up here at their moments: this file and resolve_batch.c call
 * each other, one recursion bounded by the resolver's depth.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resolve.h"

/* ---- names and stamps ---- */

bool lf_name_ok(const char *name, size_t len)
{
	/* what the kernel reports: one entry's name, or "." for the directory itself */
	return len && !memchr(name, '/', len) && !(len == 2 && name[0] == '.' && name[1] == '.');
}

static bool stamp_is(uint64_t st, uint64_t seq, unsigned int state)
{
	return st != STAMP_SUSPECT && st >> 16 == seq && (st & 0xff) == state;
}

static int stamp_err(uint64_t st)
{
	return -(int)((st >> 8) & 0xff);
}

/* ---- directory-mark paths at an event's moment ---- */

bool lf_pinned_verify(struct fan_resolver *r, const struct fan_event *ev, const void *key,
		      size_t klen, const char *path, size_t plen)
{
	struct sbuf after = { 0 };
	bool ok;

	if (lf_leads_to(r->g, key, klen, path))
		return true;
	if (!lf_batch_moves_after(r, ev) || lf_sbuf_set(&after, path, plen) < 0)
		return false;
	/* moved later in the batch: where it leads after those moves */
	lf_batch_redo(r, ev, &after);
	ok = (after.len != plen || memcmp(after.s, path, plen)) && lf_leads_to(r->g, key, klen, after.s);
	lf_sbuf_free(&after);
	return ok;
}

/* ---- paths from handles ---- */

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
static int handle_path(struct fan_resolver *r, const struct fan_fid *fid, bool dir,
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

/*
 * The read-time cache.  A path there was right when it was read; it stays
 * right while the group sees every rename of a directory on its filesystem
 * (lf_fs_renames_seen()).  Otherwise, and when the batch moves a directory
 * after the event (the path may predate or follow the move), it is checked
 * against the filesystem once per batch.  0: found, at ev's moment; 1: not
 * there; 2: there but it does not lead to the directory (*bad: already
 * known for this batch, the handle failed with *hres).
 */
static int from_cache(struct fan_resolver *r, struct look *lk, const struct fan_fid *fid,
		      const unsigned char *key, size_t klen, struct sbuf *out, bool *bad, int *hres)
{
	uint64_t *st, seq = r->g->batch_seq;
	size_t plen;
	const char *p = lf_pathmap_get_stamp(r->cache, key, klen, &plen, &st);

	if (!p)
		return 1;
	if (lf_sbuf_set(out, p, plen) < 0)
		return -ENOMEM;
	lk->src = SRC_READ;
	if (stamp_is(*st, seq, STAMP_OK))
		goto ok;
	if (stamp_is(*st, seq, STAMP_BAD)) {
		*bad = true;
		*hres = stamp_err(*st);
		return 2;
	}
	/*
	 * Kept right by events, up to the event being resolved: one read
	 * before a later move of the batch needs a check, and so does any
	 * looked up at a later move's moment (the events between are not
	 * applied yet).
	 */
	if (!lk->readtime && lf_fs_renames_seen(r->g, &fid->fsid)) {
		if (!lf_batch_has_moves(r, lk->ev)) {
			*st = stamp_make(seq, STAMP_OK, 0);	/* nothing to check in this batch */
			return 0;
		}
		if (!lf_batch_moves_after(r, lk->ev))
			return 0;
	}
	if (!lf_leads_to(r->g, key, klen, out->s))
		return 2;
	*st = stamp_make(seq, STAMP_OK, 0);
ok:
	if (!lf_batch_quiet(r))
		lf_batch_undo(r, lk, out);
	return 0;
}

/* Remember that a cached path failed its check in this batch. */
static void cache_mark_bad(struct fan_resolver *r, const unsigned char *key, size_t klen,
			   int why)
{
	uint64_t *st;
	size_t plen;

	if (lf_pathmap_get_stamp(r->cache, key, klen, &plen, &st))
		*st = stamp_make(r->g->batch_seq, STAMP_BAD, why);
}

/*
 * The path recorded when the object was marked, kept in event order.
 * Checked once per batch unless the group sees every rename on its
 * filesystem; a path that fails is still given, flagged UNVERIFIED with
 * why (what reading it anew failed with).  After a queue overflow
 * (STAMP_SUSPECT) a path that fails is dropped instead.
 */
static int from_pinned(struct fan_resolver *r, struct look *lk, const struct fan_fsid *fsid,
		       const unsigned char *key, size_t klen, struct sbuf *out, int why)
{
	uint64_t *st, stamp, seq = r->g->batch_seq;
	const char *p;
	size_t plen;
	bool ok;

	lf_sync_pinned(r);
	p = lf_pathmap_get_stamp(r->pinned, key, klen, &plen, &st);
	if (!p || lf_sbuf_set(out, p, plen) < 0)
		return -ENOENT;
	lk->src = SRC_PINNED;
	stamp = *st;
	if (stamp_is(stamp, seq, STAMP_OK) ||
	    (stamp != STAMP_SUSPECT && lf_fs_renames_seen(r->g, fsid)))
		return 0;
	if (stamp_is(stamp, seq, STAMP_BAD)) {
		lk->flags |= LIBFANOTIFY_PATH_UNVERIFIED;
		lk->why = stamp_err(stamp);
		return 0;
	}
	ok = lf_pinned_verify(r, lk->ev, key, klen, out->s, out->len);
	if (!ok && stamp == STAMP_SUSPECT) {
		lf_pathmap_del(r->pinned, key, klen);
		return -ENOENT;
	}
	if (lf_pathmap_get_stamp(r->pinned, key, klen, &plen, &st))
		*st = stamp_make(seq, ok ? STAMP_OK : STAMP_BAD, why);
	if (!ok) {
		lk->flags |= LIBFANOTIFY_PATH_UNVERIFIED;
		lk->why = why;
	}
	return 0;
}

/* Where the batch's own entry events put the object (FAN_REPORT_TARGET_FID). */
static int from_batch(struct fan_resolver *r, struct look *lk, const unsigned char *key,
		      size_t klen, struct sbuf *out)
{
	const struct fan_info *rec;
	bool gone;
	int res;

	if (r->depth >= 32)
		return -ELOOP;
	rec = lf_batch_where(r, lk->ev, key, klen, &gone);
	if (!rec)
		return -ENOENT;
	r->depth++;
	res = lf_entry_path(r, lk, rec, out);
	r->depth--;
	if (res == 0)
		lk->src = SRC_BATCH;
	return res;
}

/*
 * A directory's path at the moment of lk->ev: from the read-time cache or
 * its handle (read now, the batch's later moves undone), else from the
 * batch's own events that placed it, else from the group's directory
 * marks (event order).  A cached path that no longer leads to the
 * directory and cannot be read anew is given last, flagged UNVERIFIED.
 */
int lf_dir_path(struct fan_resolver *r, struct look *lk, const struct fan_fid *fid,
		struct sbuf *out)
{
	unsigned char key[LF_KEY_MAX];
	size_t klen = lf_fid_key(key, fid);
	struct sbuf cand = { 0 };
	unsigned int hflags = 0;
	bool bad = false, deleted = false;
	int res, hres = -ENOENT;

	if (!klen)
		return -EINVAL;
	/* a directory the group's subtree tracker follows: its path at the event's moment */
	if (r->g->subtree && lf_subtree_dir_path(r->g->subtree, key, klen, out) == 0) {
		lk->src = SRC_READ;
		return 0;
	}
	res = from_cache(r, lk, fid, key, klen, out, &bad, &hres);
	if (res <= 0)
		return res;
	if (res == 2 && lf_sbuf_set(&cand, out->s, out->len) < 0)
		return -ENOMEM;
	if (!bad) {
		res = handle_path(r, fid, true, out, &hflags);
		if (res == 0 && !(hflags & LIBFANOTIFY_PATH_DELETED)) {
			lf_pathmap_put_stamp(r->cache, key, klen, out->s, out->len,
					    stamp_make(r->g->batch_seq, STAMP_OK, 0));
			if (!lf_batch_quiet(r))
				lf_batch_undo(r, lk, out);
			lk->src = SRC_READ;
			goto done;
		}
		hres = res < 0 ? res : -ESTALE;
		if (cand.s)
			cache_mark_bad(r, key, klen, hres);
		if (res == 0)	/* gone but still open somewhere: its last path */
			deleted = lf_sbuf_set(&cand, out->s, out->len) == 0;
	}
	res = from_batch(r, lk, key, klen, out);
	if (res == 0)
		goto done;
	if (!lk->readtime && from_pinned(r, lk, &fid->fsid, key, klen, out, hres) == 0) {
		res = 0;
		goto done;
	}
	res = hres;
	if (cand.s) {
		res = lf_sbuf_set(out, cand.s, cand.len);
		lk->src = SRC_READ;
		lk->flags |= deleted ? LIBFANOTIFY_PATH_DELETED : LIBFANOTIFY_PATH_UNVERIFIED;
		if (!deleted)
			lk->why = hres;
	}
done:
	if (cand.s)
		lf_sbuf_free(&cand);
	return res;
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

int lf_entry_path(struct fan_resolver *r, struct look *lk, const struct fan_info *rec,
		  struct sbuf *out)
{
	struct fan_fid fid;
	int res;

	if (fan_info_fid(rec, &fid) < 0 || !fid.name)
		return -EINVAL;
	if (!lf_name_ok(fid.name, fid.name_len))
		return -EBADMSG;
	res = lf_dir_path(r, lk, &fid, out);
	return res < 0 ? res : lf_join_name(out, &fid);
}

/*
 * A file by its own handle (read now), or, gone (its DELETE_SELF), where
 * the batch's entry events put it, or the path recorded when it was marked.
 */
int lf_file_path(struct fan_resolver *r, struct look *lk, const struct fan_fid *fid,
		     struct sbuf *out)
{
	unsigned char key[LF_KEY_MAX];
	size_t klen;
	int res;

	res = handle_path(r, fid, false, out, &lk->flags);
	if (res == 0) {
		if (!lf_batch_quiet(r))
			lf_batch_undo(r, lk, out);
		lk->src = SRC_READ;
		return 0;
	}
	if (!(klen = lf_fid_key(key, fid)))
		return res;
	if (from_batch(r, lk, key, klen, out) == 0 ||
	    (!lk->readtime && from_pinned(r, lk, &fid->fsid, key, klen, out, res) == 0))
		return 0;
	return res;
}
