// SPDX-License-Identifier: MIT
/*
 * The batch an event lies in, as the resolver sees it: each event is
 * resolved to the path of its own moment, and the batch holds what that
 * takes.
 *
 * - Directory moves (FAN_RENAME, or FAN_MOVED_FROM and its FAN_MOVED_TO,
 *   with FAN_ONDIR).  A path read now (a directory handle opened, or a
 *   cached path checked now) is the path after the whole batch; undoing
 *   the batch's moves that come after an event, last first, gives the
 *   path at that event.  Each move's old and new path is itself computed
 *   at its own moment, from the last move back, from what can be read now
 *   (never from the directory marks, which follow event order and stand at
 *   the event being resolved, not at the move).  Done once per batch, and
 *   only for a batch with a directory move.  Those lookups go through
 *   resolve_dir.c, which calls back here: one recursion, bounded by
 *   MAX_DEPTH.
 *
 * - Entry events that name their object by handle (FAN_REPORT_TARGET_FID):
 *   the creation (or move in, or rename to) of a directory gives its parent
 *   and name until it goes, and the deletion (or move out) of an object
 *   gives where it was before.  An object gone before the read (its handle
 *   stale) is then still found.  Indexed by handle on first need.
 *
 * Events outside the group's current batch (a caller's own buffer) have no
 * batch: their paths are those read now.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "resolve.h"

#define NOPOS UINT32_MAX
#define MAX_DEPTH 32
#define KEEP_MOVES 256		/* moves whose buffers are kept from batch to batch */

enum { MV_TODO, MV_BUSY, MV_DONE };

struct bmove {
	uint32_t pos;		/* where it takes effect: FAN_RENAME, or the MOVED_FROM */
	uint32_t from, to;	/* the events holding the old and the new entry (NOPOS: none) */
	uint32_t child;		/* offset of the moved directory's FID record (0: none) */
	int state;
	int err_old, err_new;	/* 0, or why that side is unknown */
	struct sbuf old, nw;
};

struct bname {
	uint32_t pos;		/* the event */
	uint32_t rec;		/* its DFID_NAME, OLD_ or NEW_DFID_NAME record */
	uint32_t next;		/* next in the bucket, NOPOS at the end */
	bool placed;		/* the object is there after the event (else: was, before it) */
	uint64_t hash;
};

struct bctx {
	const unsigned char *base;
	size_t len;
	uint64_t seq;
	struct bmove *mv;
	size_t nmv, cap;
	size_t done_from;	/* mv[done_from..nmv) computed */
	size_t unknown_to;	/* past the last computed move with a side unknown (0: none) */
	bool named;		/* nm built */
	struct bname *nm;
	size_t nnm, nmcap;
	uint32_t *heads;
	size_t nheads;
	struct sbuf now;	/* lf_batch_undo()'s copy of the path as read */
};

/* ---- which batch ---- */

static struct bctx *ctx(struct fan_resolver *r)
{
	if (!r->bc)
		r->bc = calloc(1, sizeof(*r->bc));
	return r->bc;
}

static const struct fan_event *ev_at(const struct bctx *b, uint32_t pos)
{
	return (const struct fan_event *)(b->base + pos);
}

static uint64_t key_hash(const unsigned char *key, size_t klen)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < klen; i++)
		h = (h ^ key[i]) * 0x100000001b3ull;
	return h;
}

/* Same record body (fsid, handle, name), whatever the record's type? */
static bool same_entry(const struct fan_info *a, const struct fan_info *b)
{
	size_t n;

	if (!a || !b || (n = fan_info_len(a)) != fan_info_len(b))
		return false;
	return !memcmp((const unsigned char *)a + INFO_HDR, (const unsigned char *)b + INFO_HDR,
		       n - INFO_HDR);
}

static const struct fan_info *find(const struct fan_event *ev, unsigned int type)
{
	return fan_event_find_info(ev, type);
}

/* The moved or named object's own FID record (FAN_REPORT_TARGET_FID), offset 0 if none. */
static uint32_t child_rec(const struct bctx *b, const struct fan_event *ev)
{
	const struct fan_info *rec = find(ev, FAN_EVENT_INFO_TYPE_FID);

	return rec ? (uint32_t)((const unsigned char *)rec - b->base) : 0;
}

static struct bmove *mv_push(struct bctx *b, uint32_t pos)
{
	struct bmove *m;

	if (b->nmv == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 8;

		m = realloc(b->mv, cap * sizeof(*m));
		if (!m)
			return NULL;
		memset(m + b->cap, 0, (cap - b->cap) * sizeof(*m));
		b->mv = m;
		b->cap = cap;
	}
	m = &b->mv[b->nmv++];
	m->pos = pos;
	m->from = m->to = NOPOS;
	m->child = 0;
	m->state = MV_TODO;
	m->err_old = m->err_new = 0;
	return m;
}

/*
 * A MOVED_FROM waiting for its MOVED_TO (same process, same directory when
 * the group reports it), and the last FAN_RENAME, whose MOVED_FROM and
 * MOVED_TO (a mask with both kinds) repeat it.
 */
struct scan_state {
	struct bmove *open;
	pid_t open_pid;
	const struct fan_event *rename;
	int rename_dups;	/* MOVED_FROM, MOVED_TO of the rename still to skip */
};

static bool dup_of_rename(struct scan_state *s, const struct fan_event *ev, unsigned int type)
{
	const struct fan_info *rec = find(ev, FAN_EVENT_INFO_TYPE_DFID_NAME);

	if (!s->rename || !s->rename_dups || fan_event_pid(ev) != fan_event_pid(s->rename))
		return false;
	if (!same_entry(rec, find(s->rename, type))) {
		s->rename_dups = 0;	/* the mover went on: no more repeats of it */
		return false;
	}
	s->rename_dups--;
	return true;
}

static void scan_move(struct bctx *b, struct scan_state *s, const struct fan_event *ev,
		      uint32_t pos, uint64_t mask)
{
	struct bmove *m;

	if (mask & FAN_RENAME) {
		s->rename = ev;
		s->rename_dups = 2;
		m = mv_push(b, pos);
		if (m) {
			m->from = m->to = pos;
			m->child = child_rec(b, ev);
		}
		return;
	}
	if ((mask & FAN_MOVED_FROM) && (mask & FAN_MOVED_TO)) {
		/* two moves merged into one event: which came first is lost */
		m = mv_push(b, pos);
		if (m)
			m->err_old = m->err_new = -EINVAL;
		return;
	}
	if (mask & FAN_MOVED_FROM) {
		if (dup_of_rename(s, ev, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME))
			return;
		m = mv_push(b, pos);
		if (m) {
			m->from = pos;
			m->child = child_rec(b, ev);
		}
		s->open = m;
		s->open_pid = fan_event_pid(ev);
		return;
	}
	if (dup_of_rename(s, ev, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME))
		return;
	m = s->open;
	if (m && s->open_pid == fan_event_pid(ev) &&
	    (!m->child || !child_rec(b, ev) ||
	     same_entry((const struct fan_info *)(b->base + m->child),
			(const struct fan_info *)(b->base + child_rec(b, ev))))) {
		m->to = pos;
		s->open = NULL;
		return;
	}
	m = mv_push(b, pos);	/* moved in from somewhere the group does not see */
	if (m) {
		m->to = pos;
		m->child = child_rec(b, ev);
	}
}

#define MOVES (FAN_RENAME | FAN_MOVED_FROM | FAN_MOVED_TO)

static void moves_free(struct bctx *b)
{
	size_t i;

	for (i = 0; i < b->cap; i++) {
		lf_sbuf_free(&b->mv[i].old);
		lf_sbuf_free(&b->mv[i].nw);
	}
	free(b->mv);
	b->mv = NULL;
	b->nmv = b->cap = 0;
}

static void shrink(struct bctx *b)
{
	moves_free(b);
	lf_sbuf_free(&b->now);
	free(b->nm);
	free(b->heads);
	b->nm = NULL;
	b->heads = NULL;
	b->nnm = b->nmcap = b->nheads = 0;
}

/* Index the group's current batch, if ev lies in it; its offset in *pos. */
static struct bctx *locate(struct fan_resolver *r, const struct fan_event *ev, uint32_t *pos)
{
	const struct fan_group *g = r->g;
	const unsigned char *p = (const unsigned char *)ev;
	struct scan_state s = { 0 };
	struct bctx *b;
	size_t off;

	if (!g->batch || p < g->batch || p >= g->batch + g->batch_len || !(b = ctx(r)))
		return NULL;
	*pos = (uint32_t)(p - g->batch);
	if (b->base == g->batch && b->len == g->batch_len && b->seq == g->batch_seq)
		return b;
	b->base = g->batch;
	b->len = g->batch_len;
	b->seq = g->batch_seq;
	b->nmv = 0;
	b->named = false;
	b->done_from = b->unknown_to = 0;
	if (b->cap > KEEP_MOVES)
		shrink(b);	/* a batch of many moves: do not keep its memory */
	/* a validated batch: every event whole, event_len >= its metadata */
	for (off = 0; off + MD_SIZE <= g->batch_len; off += rd32(g->batch + off, MD_EVENT_LEN)) {
		uint64_t mask = rd64(g->batch + off, MD_MASK);

		if ((mask & FAN_ONDIR) && (mask & MOVES))
			scan_move(b, &s, (const struct fan_event *)(g->batch + off), (uint32_t)off, mask);
	}
	b->done_from = b->nmv;
	r->quiet = b->nmv ? NULL : g->batch;
	r->quiet_seq = g->batch_seq;
	return b;
}

/* Index of the first move taking effect after pos. */
static size_t first_after(const struct bctx *b, uint32_t pos)
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

bool lf_batch_has_moves(struct fan_resolver *r, const struct fan_event *ev)
{
	uint32_t pos;
	struct bctx *b;

	if (lf_batch_quiet(r))
		return false;
	b = locate(r, ev, &pos);

	return b && b->nmv;
}

bool lf_batch_moves_after(struct fan_resolver *r, const struct fan_event *ev)
{
	uint32_t pos;
	struct bctx *b;

	if (lf_batch_quiet(r))
		return false;
	b = locate(r, ev, &pos);

	return b && b->nmv && b->mv[b->nmv - 1].pos > pos;
}

/* ---- the moves' own paths, from what is read now ---- */

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
static int moved_self(struct fan_resolver *r, const struct bctx *b, const struct bmove *m,
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

static void compute(struct fan_resolver *r, struct bctx *b, struct bmove *m)
{
	unsigned int ot = m->from == m->to ? FAN_EVENT_INFO_TYPE_OLD_DFID_NAME
					   : FAN_EVENT_INFO_TYPE_DFID_NAME;
	unsigned int nt = m->from == m->to ? FAN_EVENT_INFO_TYPE_NEW_DFID_NAME
					   : FAN_EVENT_INFO_TYPE_DFID_NAME;

	m->state = MV_BUSY;
	r->depth++;
	if (m->err_old == 0)
		m->err_old = m->from == NOPOS ? -ENOENT
					      : side(r, ev_at(b, m->from), find(ev_at(b, m->from), ot),
						     &m->old);
	if (m->err_new == 0 && m->to != NOPOS)
		m->err_new = side(r, ev_at(b, m->to), find(ev_at(b, m->to), nt), &m->nw);
	else if (m->err_new == 0)
		m->err_new = -ENOENT;
	if (m->err_new && m->err_new != -EINVAL && m->from != NOPOS && m->child)
		m->err_new = moved_self(r, b, m, m->from, &m->nw);
	r->depth--;
	m->state = MV_DONE;
}

/* Compute the moves after pos, the last first (each needs only the later ones). */
static void compute_after(struct fan_resolver *r, struct bctx *b, uint32_t pos)
{
	size_t i = b->done_from, first = first_after(b, pos);

	while (i-- > first) {
		struct bmove *m = &b->mv[i];

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

bool lf_path_under(const char *path, size_t len, const char *prefix, size_t plen)
{
	if (len < plen || memcmp(path, prefix, plen))
		return false;
	return len == plen || path[plen] == '/' || (plen == 1 && prefix[0] == '/');
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

void lf_batch_undo(struct fan_resolver *r, struct look *lk, struct sbuf *path)
{
	struct sbuf *now;
	uint32_t pos;
	struct bctx *b;
	size_t i, first;
	int why = 0;

	if (lf_batch_quiet(r))
		return;
	b = locate(r, lk->ev, &pos);
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
		const struct bmove *m = &b->mv[i];

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
	const struct fan_info *rec = find(ev, type);
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
static int fwd_build(struct fan_resolver *r, struct bctx *b, size_t first, struct fwd *f)
{
	size_t i, n = b->nmv - first;

	for (i = 0; i < n; i++) {
		const struct bmove *m = &b->mv[first + i];
		unsigned int ot = m->from == m->to ? FAN_EVENT_INFO_TYPE_OLD_DFID_NAME
						   : FAN_EVENT_INFO_TYPE_DFID_NAME;
		unsigned int nt = m->from == m->to ? FAN_EVENT_INFO_TYPE_NEW_DFID_NAME
						   : FAN_EVENT_INFO_TYPE_DFID_NAME;

		f[i] = (struct fwd){ 0 };
		if (m->state == MV_DONE && !m->err_old && !m->err_new) {
			f[i].err = lf_sbuf_set(&f[i].old, m->old.s, m->old.len) |
				   lf_sbuf_set(&f[i].nw, m->nw.s, m->nw.len);
			continue;
		}
		if (m->from == NOPOS || m->to == NOPOS ||
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

int lf_batch_redo(struct fan_resolver *r, const struct fan_event *ev, struct sbuf *path)
{
	uint32_t pos;
	struct bctx *b = locate(r, ev, &pos);
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

/* ---- entries that name their object by handle ---- */

static bool nm_push(struct bctx *b, uint32_t pos, const struct fan_info *rec, bool placed,
		    const unsigned char *key, size_t klen)
{
	struct bname *n;

	if (b->nnm == b->nmcap) {
		size_t cap = b->nmcap ? 2 * b->nmcap : 64;

		n = realloc(b->nm, cap * sizeof(*n));
		if (!n)
			return false;
		b->nm = n;
		b->nmcap = cap;
	}
	n = &b->nm[b->nnm++];
	n->pos = pos;
	n->rec = (uint32_t)((const unsigned char *)rec - b->base);
	n->placed = placed;
	n->hash = key_hash(key, klen);
	n->next = NOPOS;
	return true;
}

#define ENTRY_EVENTS (FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_RENAME)

static void nm_event(struct bctx *b, const struct fan_event *ev, uint32_t pos)
{
	uint64_t mask = fan_event_mask(ev);
	unsigned char key[LF_KEY_MAX];
	const struct fan_info *c = find(ev, FAN_EVENT_INFO_TYPE_FID), *rec;
	size_t klen;

	if (!(mask & ENTRY_EVENTS) || !c || !(klen = lf_rec_key(key, c)))
		return;
	if (mask & FAN_RENAME) {
		if ((rec = find(ev, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME)))
			nm_push(b, pos, rec, false, key, klen);
		if ((rec = find(ev, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME)))
			nm_push(b, pos, rec, true, key, klen);
		return;
	}
	rec = find(ev, FAN_EVENT_INFO_TYPE_DFID_NAME);
	if (!rec)
		return;
	/* a creation and a deletion merged: there between the two */
	if (mask & (FAN_CREATE | FAN_MOVED_TO))
		nm_push(b, pos, rec, true, key, klen);
	if (mask & (FAN_DELETE | FAN_MOVED_FROM))
		nm_push(b, pos, rec, false, key, klen);
}

static bool nm_build(struct fan_resolver *r, struct bctx *b)
{
	const struct fan_event *e;
	size_t i, n;

	if (b->named)
		return b->nnm > 0;
	b->named = true;
	b->nnm = 0;
	if (!(r->g->init_flags & FAN_REPORT_TARGET_FID))
		return false;
	for (e = fan_buffer_first((void *)(uintptr_t)b->base, b->len); e;
	     e = fan_buffer_next((void *)(uintptr_t)b->base, b->len, (struct fan_event *)(uintptr_t)e))
		nm_event(b, e, (uint32_t)((const unsigned char *)e - b->base));
	for (n = 64; n < b->nnm; n <<= 1)
		;
	if (n > b->nheads) {
		uint32_t *h = realloc(b->heads, n * sizeof(*h));

		if (!h) {
			b->nnm = 0;
			return false;
		}
		b->heads = h;
	}
	b->nheads = n;
	for (i = 0; i < n; i++)
		b->heads[i] = NOPOS;
	/* newest first in each chain */
	for (i = 0; i < b->nnm; i++) {
		uint32_t *head = &b->heads[b->nm[i].hash & (n - 1)];

		b->nm[i].next = *head;
		*head = (uint32_t)i;
	}
	return b->nnm > 0;
}

/* Does the event of entry n name the object of key? */
static bool nm_is(const struct bctx *b, const struct bname *n, const unsigned char *key,
		  size_t klen)
{
	unsigned char k[LF_KEY_MAX];
	const struct fan_info *c = find(ev_at(b, n->pos), FAN_EVENT_INFO_TYPE_FID);

	return c && lf_rec_key(k, c) == klen && !memcmp(k, key, klen);
}

const struct fan_info *lf_batch_where(struct fan_resolver *r, const struct fan_event *ev,
				      const unsigned char *key, size_t klen, bool *gone)
{
	const struct bname *before = NULL, *after = NULL;
	uint64_t h = key_hash(key, klen);
	uint32_t pos, i;
	struct bctx *b = locate(r, ev, &pos);

	if (!b || !nm_build(r, b))
		return NULL;
	for (i = b->heads[h & (b->nheads - 1)]; i != NOPOS; i = b->nm[i].next) {
		const struct bname *n = &b->nm[i];

		if (n->hash != h || !nm_is(b, n, key, klen))
			continue;
		if (n->placed && n->pos < pos && (!before || n->pos >= before->pos))
			before = n;
		if (!n->placed && n->pos > pos && (!after || n->pos <= after->pos))
			after = n;
	}
	if (!before && !after)
		return NULL;
	*gone = !before;
	return (const struct fan_info *)(b->base + (before ? before : after)->rec);
}

void lf_batch_free(struct fan_resolver *r)
{
	if (!r->bc)
		return;
	shrink(r->bc);
	free(r->bc);
	r->bc = NULL;
}
