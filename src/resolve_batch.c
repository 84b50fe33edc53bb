// SPDX-License-Identifier: MIT
/*
 * The batch an event lies in, indexed for the resolver on first need:
 *
 * - Directory moves (FAN_RENAME, or FAN_MOVED_FROM and its FAN_MOVED_TO,
 *   with FAN_ONDIR), in batch order: resolve_moment.c computes their paths
 *   and undoes the later ones on a path read now.
 *
 * - Entry events that name their object by handle (FAN_REPORT_TARGET_FID):
 *   the creation (or move in, or rename to) of a directory gives its parent
 *   and name until it goes, and the deletion (or move out) of an object
 *   gives where it was before.  An object gone before the read (its handle
 *   stale) is then still found.
 *
 * Events outside the group's current batch (a caller's own buffer) have no
 * batch: their paths are those read now.  Nothing here looks a path up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "resolve.h"

#define KEEP_MOVES 256		/* moves whose buffers are kept from batch to batch */

struct bname {
	uint32_t pos;		/* the event */
	uint32_t rec;		/* its DFID_NAME, OLD_ or NEW_DFID_NAME record */
	uint32_t next;		/* next in the bucket, LF_NOPOS at the end */
	bool placed;		/* the object is there after the event (else: was, before it) */
	uint64_t hash;
};

struct bctx {
	struct lf_moves m;	/* the moves, and the batch (m.base) */
	size_t len;
	uint64_t seq;
	size_t cap;		/* of m.mv */
	bool named;		/* nm built */
	struct bname *nm;
	size_t nnm, nmcap;
	uint32_t *heads;
	size_t nheads;
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
	return (const struct fan_event *)(b->m.base + pos);
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

	return rec ? (uint32_t)((const unsigned char *)rec - b->m.base) : 0;
}

static struct lf_move *mv_push(struct bctx *b, uint32_t pos)
{
	struct lf_move *m;

	if (b->m.nmv == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 8;

		m = realloc(b->m.mv, cap * sizeof(*m));
		if (!m)
			return NULL;
		memset(m + b->cap, 0, (cap - b->cap) * sizeof(*m));
		b->m.mv = m;
		b->cap = cap;
	}
	m = &b->m.mv[b->m.nmv++];
	m->pos = pos;
	m->from = m->to = LF_NOPOS;
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
	struct lf_move *open;
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
	struct lf_move *m;

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
	     same_entry((const struct fan_info *)(b->m.base + m->child),
			(const struct fan_info *)(b->m.base + child_rec(b, ev))))) {
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
		lf_sbuf_free(&b->m.mv[i].old);
		lf_sbuf_free(&b->m.mv[i].nw);
	}
	free(b->m.mv);
	b->m.mv = NULL;
	b->m.nmv = b->cap = 0;
}

static void shrink(struct bctx *b)
{
	moves_free(b);
	lf_sbuf_free(&b->m.now);
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
	if (b->m.base == g->batch && b->len == g->batch_len && b->seq == g->batch_seq)
		return b;
	b->m.base = g->batch;
	b->len = g->batch_len;
	b->seq = g->batch_seq;
	b->m.nmv = 0;
	b->named = false;
	b->m.done_from = b->m.unknown_to = 0;
	if (b->cap > KEEP_MOVES)
		shrink(b);	/* a batch of many moves: do not keep its memory */
	/* a validated batch: every event whole, event_len >= its metadata */
	for (off = 0; off + MD_SIZE <= g->batch_len; off += rd32(g->batch + off, MD_EVENT_LEN)) {
		uint64_t mask = rd64(g->batch + off, MD_MASK);

		if ((mask & FAN_ONDIR) && (mask & MOVES))
			scan_move(b, &s, (const struct fan_event *)(g->batch + off), (uint32_t)off, mask);
	}
	b->m.done_from = b->m.nmv;
	r->quiet = b->m.nmv ? NULL : g->batch;
	r->quiet_seq = g->batch_seq;
	return b;
}

bool lf_batch_has_moves(struct fan_resolver *r, const struct fan_event *ev)
{
	uint32_t pos;
	struct bctx *b;

	if (lf_batch_quiet(r))
		return false;
	b = locate(r, ev, &pos);

	return b && b->m.nmv;
}

bool lf_batch_moves_after(struct fan_resolver *r, const struct fan_event *ev)
{
	uint32_t pos;
	struct bctx *b;

	if (lf_batch_quiet(r))
		return false;
	b = locate(r, ev, &pos);

	return b && b->m.nmv && b->m.mv[b->m.nmv - 1].pos > pos;
}

struct lf_moves *lf_batch_moves(struct fan_resolver *r, const struct fan_event *ev,
				uint32_t *pos)
{
	struct bctx *b = locate(r, ev, pos);

	return b ? &b->m : NULL;
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
	n->rec = (uint32_t)((const unsigned char *)rec - b->m.base);
	n->placed = placed;
	n->hash = key_hash(key, klen);
	n->next = LF_NOPOS;
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
	for (e = fan_buffer_first((void *)(uintptr_t)b->m.base, b->len); e;
	     e = fan_buffer_next((void *)(uintptr_t)b->m.base, b->len, (struct fan_event *)(uintptr_t)e))
		nm_event(b, e, (uint32_t)((const unsigned char *)e - b->m.base));
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
		b->heads[i] = LF_NOPOS;
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
	for (i = b->heads[h & (b->nheads - 1)]; i != LF_NOPOS; i = b->nm[i].next) {
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
	return (const struct fan_info *)(b->m.base + (before ? before : after)->rec);
}

void lf_batch_free(struct fan_resolver *r)
{
	if (!r->bc)
		return;
	shrink(r->bc);
	free(r->bc);
	r->bc = NULL;
}
