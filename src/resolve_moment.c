// SPDX-License-Identifier: MIT
/*
 * A directory's path at the moment of an event (lf_dir_path(), the one
 * place a directory is looked up), a file's by its handle, and the check
 * of a directory-mark path at that moment: the two kinds of paths and
 * the rule are in resolve_path.c's top comment.
 *
 * A path read now (resolve_dir.c) is brought back to the event's moment
 * by undoing the batch's later directory moves, last first.  Each move's
 * old and new path is itself a path at the move's own moment, computed
 * here from what can be read now (never from the directory marks, which
 * follow event order and stand at the event being resolved, not at the
 * move): one recursion, bounded by MAX_DEPTH, which is why the lookups and
 * the moves' paths share this file.  Done once per batch, and only for a
 * batch with a directory move; the moves themselves are indexed by
 * resolve_batch.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "resolve.h"

#define MAX_DEPTH 32

static const struct fan_event *ev_at(const struct lf_moves *b, uint32_t pos)
{
	return (const struct fan_event *)(b->base + pos);
}

/* ---- stamps ---- */

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
	lf_redo_later_moves(r, ev, &after);
	ok = (after.len != plen || memcmp(after.s, path, plen)) && lf_leads_to(r->g, key, klen, after.s);
	lf_sbuf_free(&after);
	return ok;
}

/* ---- a directory's path at an event's moment ---- */

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
		lf_undo_later_moves(r, lk, out);
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

	if (r->depth >= MAX_DEPTH)
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
		res = lf_handle_path(r, fid, true, out, &hflags);
		if (res == 0 && !(hflags & LIBFANOTIFY_PATH_DELETED)) {
			lf_pathmap_put_stamp(r->cache, key, klen, out->s, out->len,
					    stamp_make(r->g->batch_seq, STAMP_OK, 0));
			if (!lf_batch_quiet(r))
				lf_undo_later_moves(r, lk, out);
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

	res = lf_handle_path(r, fid, false, out, &lk->flags);
	if (res == 0) {
		if (!lf_batch_quiet(r))
			lf_undo_later_moves(r, lk, out);
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

/* Index of the first move taking effect after pos. */
static size_t first_after(const struct lf_moves *b, uint32_t pos)
{
	size_t lo = 0, hi = b->nmv;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->mv[mid].pos <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- the moves' own paths, from what is read now ---- */

/* The record holding a move's old (new) entry: FAN_RENAME's OLD_ (NEW_) DFID_NAME, else the event's DFID_NAME. */
static unsigned int old_type(const struct lf_move *m)
{
	return m->from == m->to ? FAN_EVENT_INFO_TYPE_OLD_DFID_NAME : FAN_EVENT_INFO_TYPE_DFID_NAME;
}

static unsigned int new_type(const struct lf_move *m)
{
	return m->from == m->to ? FAN_EVENT_INFO_TYPE_NEW_DFID_NAME : FAN_EVENT_INFO_TYPE_DFID_NAME;
}

/* One side of a move: its entry's path at its event's moment, from read-time sources. */
static int side(struct fan_resolver *r, const struct fan_event *ev, const struct fan_info *rec,
		struct sbuf *out)
{
	struct look lk = { .ev = ev, .readtime = true };

	if (!rec)
		return -ENOENT;
	return lf_entry_path(r, &lk, rec, out);
}

/* The moved directory itself, now, back at its move (FAN_REPORT_TARGET_FID). */
static int moved_self(struct fan_resolver *r, const struct lf_moves *b, const struct lf_move *m,
		      uint32_t at, struct sbuf *out)
{
	struct look lk = { .ev = ev_at(b, at), .readtime = true };
	struct fan_fid fid;
	int res;

	if (!m->child || fan_info_fid((const struct fan_info *)(b->base + m->child), &fid) < 0)
		return -ENOENT;
	res = lf_dir_path(r, &lk, &fid, out);
	return res < 0 ? res : (lk.flags & LIBFANOTIFY_PATH_UNVERIFIED) ? lk.why : 0;
}

static void compute(struct fan_resolver *r, struct lf_moves *b, struct lf_move *m)
{
	unsigned int ot = old_type(m), nt = new_type(m);

	m->state = MV_BUSY;
	r->depth++;
	if (m->err_old == 0)
		m->err_old = m->from == LF_NOPOS ? -ENOENT
					      : side(r, ev_at(b, m->from), fan_event_find_info(ev_at(b, m->from), ot),
						     &m->old);
	if (m->err_new == 0 && m->to != LF_NOPOS)
		m->err_new = side(r, ev_at(b, m->to), fan_event_find_info(ev_at(b, m->to), nt), &m->nw);
	else if (m->err_new == 0)
		m->err_new = -ENOENT;
	if (m->err_new && m->err_new != -EINVAL && m->from != LF_NOPOS && m->child)
		m->err_new = moved_self(r, b, m, m->from, &m->nw);
	r->depth--;
	m->state = MV_DONE;
}

/* Compute the moves after pos, the last first (each needs only the later ones). */
static void compute_after(struct fan_resolver *r, struct lf_moves *b, uint32_t pos)
{
	size_t i = b->done_from, first = first_after(b, pos);

	while (i-- > first) {
		struct lf_move *m = &b->mv[i];

		if (m->state == MV_TODO && r->depth < MAX_DEPTH)
			compute(r, b, m);
		else if (m->state != MV_DONE) {
			/* nested too deep, or needed by itself: unknown */
			if (m->err_old == 0)
				m->err_old = -ELOOP;
			if (m->err_new == 0)
				m->err_new = -ELOOP;
		}
		if ((m->err_old || m->err_new) && i + 1 > b->unknown_to)
			b->unknown_to = i + 1;
	}
	if (first < b->done_from && b->mv[first].state == MV_DONE)
		b->done_from = first;
}

/* path = to + path[len(from):] */
static int swap_prefix(struct sbuf *path, const struct sbuf *from, const struct sbuf *to)
{
	size_t rest = path->len - from->len;

	if (lf_sbuf_reserve(path, to->len + rest + 1) < 0)
		return -ENOMEM;
	memmove(path->s + to->len, path->s + from->len, rest);
	memcpy(path->s, to->s, to->len);
	path->len = to->len + rest;
	path->s[path->len] = '\0';
	return 0;
}

void lf_undo_later_moves(struct fan_resolver *r, struct look *lk, struct sbuf *path)
{
	struct sbuf *now;
	uint32_t pos;
	struct lf_moves *b;
	size_t i, first;
	int why = 0;

	if (lf_batch_quiet(r))
		return;
	b = lf_batch_moves(r, lk->ev, &pos);
	if (!b || !b->nmv || b->mv[b->nmv - 1].pos <= pos)
		return;		/* the common case: no directory moved after the event */
	compute_after(r, b, pos);
	first = first_after(b, pos);
	now = &b->now;
	/* keep the path as read only where a move may turn out unknown */
	if (b->unknown_to > first && lf_sbuf_set(now, path->s, path->len) < 0) {
		lk->flags |= LIBFANOTIFY_PATH_UNVERIFIED;
		lk->why = -ENOMEM;
		return;
	}
	for (i = b->nmv; i-- > first && !why;) {
		const struct lf_move *m = &b->mv[i];

		if (m->err_new)
			why = m->err_new;	/* moved to somewhere unknown: could be anything */
		else if (!lf_path_under(path->s, path->len, m->nw.s, m->nw.len))
			continue;
		else if (m->err_old)
			why = m->err_old;
		else if (swap_prefix(path, &m->nw, &m->old) < 0)
			why = -ENOMEM;
	}
	if (!why)
		return;
	if (b->unknown_to > first)
		lf_sbuf_set(path, now->s, now->len);	/* the path as read: right now, at least */
	lk->flags |= LIBFANOTIFY_PATH_UNVERIFIED;
	lk->why = why;
}

/* ---- forward: where an event-order path leads after the batch ---- */

/* A directory-mark path of an entry's parent plus its name, moved through fwd[first..i). */
static int pinned_side(struct fan_resolver *r, const struct fan_event *ev, unsigned int type,
		       struct sbuf *out)
{
	const struct fan_info *rec = fan_event_find_info(ev, type);
	unsigned char key[LF_KEY_MAX];
	struct fan_fid fid;
	const char *p;
	size_t klen, plen;

	if (!rec || fan_info_fid(rec, &fid) < 0 || !fid.name || !lf_name_ok(fid.name, fid.name_len) ||
	    !(klen = lf_rec_key(key, rec)))
		return -ENOENT;
	p = lf_pathmap_peek(r->pinned, key, klen, &plen);	/* may run inside a walk of it */
	if (!p || lf_sbuf_set(out, p, plen) < 0)
		return -ENOENT;
	if (fid.name_len == 1 && fid.name[0] == '.')
		return 0;
	if ((plen != 1 || p[0] != '/') && lf_sbuf_append(out, "/", 1) < 0)
		return -ENOMEM;
	return lf_sbuf_append(out, fid.name, fid.name_len);
}

struct fwd {
	struct sbuf old, nw;
	int err;
};

static void forward(struct sbuf *path, const struct fwd *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!f[i].err && lf_path_under(path->s, path->len, f[i].old.s, f[i].old.len))
			swap_prefix(path, &f[i].old, &f[i].nw);
}

/*
 * Each later move's paths: as computed from what is read now when known
 * (true at its moment whatever the source), else from the directory marks
 * at ev, carried forward through the moves before it.
 */
static int fwd_build(struct fan_resolver *r, struct lf_moves *b, size_t first, struct fwd *f)
{
	size_t i, n = b->nmv - first;

	for (i = 0; i < n; i++) {
		const struct lf_move *m = &b->mv[first + i];
		unsigned int ot = old_type(m), nt = new_type(m);

		f[i] = (struct fwd){ 0 };
		if (m->state == MV_DONE && !m->err_old && !m->err_new) {
			f[i].err = lf_sbuf_set(&f[i].old, m->old.s, m->old.len) |
				   lf_sbuf_set(&f[i].nw, m->nw.s, m->nw.len);
			continue;
		}
		if (m->from == LF_NOPOS || m->to == LF_NOPOS ||
		    pinned_side(r, ev_at(b, m->from), ot, &f[i].old) < 0 ||
		    pinned_side(r, ev_at(b, m->to), nt, &f[i].nw) < 0) {
			f[i].err = -ENOENT;
			continue;
		}
		forward(&f[i].old, f, i);
		forward(&f[i].nw, f, i);
	}
	for (i = 0; i < n; i++)
		if (f[i].err)
			return f[i].err;
	return 0;
}

int lf_redo_later_moves(struct fan_resolver *r, const struct fan_event *ev, struct sbuf *path)
{
	uint32_t pos;
	struct lf_moves *b = lf_batch_moves(r, ev, &pos);
	size_t first, n, i;
	struct fwd *f;
	int res;

	if (!b)
		return 0;
	first = first_after(b, pos);
	n = b->nmv - first;
	if (!n)
		return 0;
	compute_after(r, b, pos);
	f = calloc(n, sizeof(*f));
	if (!f)
		return -ENOMEM;
	res = fwd_build(r, b, first, f);
	forward(path, f, n);
	for (i = 0; i < n; i++) {
		lf_sbuf_free(&f[i].old);
		lf_sbuf_free(&f[i].nw);
	}
	free(f);
	return res;
}
