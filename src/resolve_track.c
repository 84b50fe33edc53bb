// SPDX-License-Identifier: MIT
/*
 * Keeping directory paths right as directories are renamed, moved and
 * deleted, in event order (see the two kinds of paths in resolve_path.c):
 * read-time paths are dropped under an old name, never rewritten;
 * directory-mark paths are rewritten by a rename seen whole (FAN_RENAME,
 * or a MOVED_FROM directly followed by its MOVED_TO) and otherwise checked
 * against their handle with name_to_handle_at(), which needs no privilege
 * (where the path leads after the batch's later moves: the check is made
 * now, the path is of the event's moment).
 *
 * A deleted directory keeps its paths until the entry event that names it
 * in its parent (FAN_DELETE): its FAN_DELETE_SELF can come early, merged by
 * the kernel into an earlier event of it (its FAN_OPEN by rm -rf), before
 * its children's deletions.  Directory-mark paths of deleted objects wait
 * for that in a bounded ring (GONE_MAX); the group's record of the mark is
 * forgotten at once (the kernel dropped the mark with the object).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "resolve.h"

#define DIR_GONE_EVENTS (FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_RENAME)

/* A full path: enough to drop or check what lies under it. */
static bool full_path(const struct fan_path *p)
{
	return p && p->path && !(p->flags & LIBFANOTIFY_PATH_PARTIAL);
}

/* A full path that was confirmed: enough to rewrite directory-mark paths with. */
static bool confirmed_path(const struct fan_path *p)
{
	return full_path(p) && !(p->flags & LIBFANOTIFY_PATH_UNVERIFIED);
}

/* Key of the directory at path now (read time); 0 if there is none. */
static size_t key_at(const char *path, unsigned char *key)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct obj_handle h;
	int res;

	if (fd < 0)
		return 0;
	res = lf_object_handle(fd, &h);
	lf_sys_close(fd);
	return res < 0 ? 0 : lf_handle_key(key, &h.fsid, h.type, h.data, h.bytes);
}

struct stale_arg {
	struct fan_resolver *r;
	const struct fan_event *ev;
};

static bool pin_stale(const void *key, size_t klen, const char *path, void *arg)
{
	const struct stale_arg *a = arg;

	return !lf_pinned_verify(a->r, a->ev, key, klen, path, strlen(path));
}

/* Drop the pinned paths at or under prefix that no longer lead to their directory. */
static void pinned_check_under(struct fan_resolver *r, const struct fan_event *ev,
			       const char *prefix, size_t len)
{
	struct stale_arg a = { r, ev };

	lf_pathmap_drop_under_if(r->pinned, prefix, len, pin_stale, &a);
}

/* ---- deleted objects' directory-mark paths, until their entry goes ---- */

static void gone_note(struct fan_resolver *r, const unsigned char *key, size_t klen)
{
	struct gone_ring *g = &r->gone;
	size_t i, plen;

	if (!lf_pathmap_peek(r->pinned, key, klen, &plen))
		return;
	if (!g->keys) {
		g->keys = calloc(GONE_MAX, sizeof(*g->keys));
		g->klen = calloc(GONE_MAX, sizeof(*g->klen));
		if (!g->keys || !g->klen) {
			lf_gone_free(r);
			lf_pathmap_del(r->pinned, key, klen);
			return;
		}
	}
	if (g->n == GONE_MAX) {		/* the oldest waited long enough */
		lf_pathmap_del(r->pinned, g->keys[g->head], g->klen[g->head]);
		g->head = (g->head + 1) % GONE_MAX;
		g->n--;
	}
	i = (g->head + g->n++) % GONE_MAX;
	memcpy(g->keys[i], key, klen);
	g->klen[i] = (uint8_t)klen;
}

void lf_gone_free(struct fan_resolver *r)
{
	free(r->gone.keys);
	free(r->gone.klen);
	r->gone = (struct gone_ring){ 0 };
}

/* A move applied in event order: rewrite, and expect the mover's MOVE_SELF. */
static void pinned_rename(struct fan_resolver *r, const char *old, size_t olen,
			  const char *nw, size_t nlen)
{
	lf_pathmap_rename_under(r->pinned, old, olen, nw, nlen);
	lf_sbuf_set(&r->moved, nw, nlen);
}

/* Copy of key's entry in c, or false. */
static bool lookup_copy(struct pathmap *c, const unsigned char *key, size_t klen,
			struct sbuf *out)
{
	size_t plen;
	const char *p = klen ? lf_pathmap_get(c, key, klen, &plen) : NULL;

	return p && lf_sbuf_set(out, p, plen) == 0;
}

/* The moved/deleted directory's own key, when the group reports it (TARGET_FID). */
static size_t child_key(const struct fan_resolver *r, const struct fan_event *ev,
			unsigned char *key)
{
	if (!(r->g->init_flags & FAN_REPORT_TARGET_FID))
		return 0;
	return lf_rec_key(key, fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_FID));
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
	return lf_rec_key(key, rec);
}

/* The directory key was moved or deleted: its cached subtree is stale. */
static void cache_forget_key(struct fan_resolver *r, const unsigned char *key, size_t klen)
{
	if (lookup_copy(r->cache, key, klen, &r->scratch))
		lf_pathmap_drop_under(r->cache, r->scratch.s, r->scratch.len);
}

/*
 * FAN_DELETE_SELF of anything: its mark is gone.  Its paths stay until the
 * entry event that names it in its parent (which drops them), or until the
 * ring of deleted ones pushes them out.
 */
static void on_deleted(struct fan_resolver *r, const struct fan_event *ev)
{
	unsigned char key[LF_KEY_MAX];
	size_t klen = self_key(ev, key);

	if (!klen)
		return;
	lf_markrec_forget(r->g, key, klen);
	gone_note(r, key, klen);
}

/* FAN_MOVE_SELF of a directory. */
static void on_moved_self(struct fan_resolver *r, const struct fan_event *ev)
{
	unsigned char key[LF_KEY_MAX];
	size_t klen = self_key(ev, key);

	if (!klen)
		return;
	cache_forget_key(r, key, klen);
	if (!lookup_copy(r->pinned, key, klen, &r->scratch))
		return;
	if (r->moved.len == r->scratch.len && !memcmp(r->moved.s, r->scratch.s, r->moved.len))
		r->moved.len = 0;	/* the rename we applied already */
	else
		pinned_check_under(r, ev, r->scratch.s, r->scratch.len);
}

/* A rename, move or deletion whose directory is not named: be careful. */
static void unknown_child(struct fan_resolver *r, const struct fan_event *ev,
			  const struct fan_path *parent)
{
	unsigned char key[LF_KEY_MAX];
	size_t klen = child_key(r, ev, key);

	if (klen && lookup_copy(r->cache, key, klen, &r->scratch))
		lf_pathmap_drop_under(r->cache, r->scratch.s, r->scratch.len);
	else if (full_path(parent) && !(fan_event_mask(ev) & FAN_MOVED_TO))
		lf_pathmap_drop_under(r->cache, parent->path, parent->len);
	else
		lf_pathmap_clear(r->cache);
	if (klen && lookup_copy(r->pinned, key, klen, &r->scratch))
		pinned_check_under(r, ev, r->scratch.s, r->scratch.len);
	else if (full_path(parent) && !(fan_event_mask(ev) & FAN_MOVED_TO))
		pinned_check_under(r, ev, parent->path, parent->len);
	else
		pinned_check_under(r, ev, "/", 1);
}

static void on_rename(struct fan_resolver *r, const struct fan_event *ev,
		      const struct fan_path *old, const struct fan_path *nw)
{
	lf_pathmap_drop_under(r->cache, old->path, old->len);
	if (confirmed_path(old) && confirmed_path(nw) && r->src[0] == SRC_PINNED && r->src[1] == SRC_PINNED)
		pinned_rename(r, old->path, old->len, nw->path, nw->len);
	else
		pinned_check_under(r, ev, old->path, old->len);
}

static void pending_clear(struct fan_resolver *r)
{
	r->pending.old.len = 0;
	r->pending.klen = 0;
}

void lf_track_reset(struct fan_resolver *r)
{
	pending_clear(r);
	r->moved.len = 0;
}

/* The old name of a directory moved in event order: wait for its MOVED_TO. */
static void on_moved_from(struct fan_resolver *r, const struct fan_event *ev,
			  const struct fan_path *old)
{
	lf_pathmap_drop_under(r->cache, old->path, old->len);
	if (r->src[0] != SRC_PINNED || !confirmed_path(old) ||
	    lf_sbuf_set(&r->pending.old, old->path, old->len) < 0) {
		pinned_check_under(r, ev, old->path, old->len);
		return;
	}
	r->pending.pid = fan_event_pid(ev);
	r->pending.klen = child_key(r, ev, r->pending.key);
}

/* A directory arrived from a place we did not see: find it by its handle. */
static void on_moved_to(struct fan_resolver *r, const struct fan_event *ev,
			const struct fan_path *nw)
{
	unsigned char key[LF_KEY_MAX];
	size_t klen = child_key(r, ev, key);

	if (!klen)
		klen = key_at(nw->path, key);
	if (!klen)
		return;
	if (lookup_copy(r->cache, key, klen, &r->scratch) &&
	    (r->scratch.len != nw->len || memcmp(r->scratch.s, nw->path, nw->len)))
		lf_pathmap_drop_under(r->cache, r->scratch.s, r->scratch.len);
	if (r->src[0] == SRC_PINNED && confirmed_path(nw) && lookup_copy(r->pinned, key, klen, &r->scratch) &&
	    (r->scratch.len != nw->len || memcmp(r->scratch.s, nw->path, nw->len)))
		pinned_rename(r, r->scratch.s, r->scratch.len, nw->path, nw->len);
}

/* Is ev the MOVED_TO of the pending MOVED_FROM (same mover, same directory)? */
static bool completes_move(struct fan_resolver *r, const struct fan_event *ev,
			   const struct fan_path *nw)
{
	unsigned char key[LF_KEY_MAX];
	size_t klen;
	uint64_t mask = fan_event_mask(ev);

	if ((mask & (FAN_MOVED_TO | FAN_ONDIR)) != (FAN_MOVED_TO | FAN_ONDIR) || !confirmed_path(nw) ||
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
		pinned_check_under(r, ev, r->pending.old.s, r->pending.old.len);
	pending_clear(r);
	return done;
}

/* A directory named by the event was renamed, moved or deleted. */
static void on_dir_gone(struct fan_resolver *r, const struct fan_event *ev,
			const struct fan_path *old, const struct fan_path *nw)
{
	uint64_t mask = fan_event_mask(ev);
	unsigned char key[LF_KEY_MAX];
	size_t klen;

	if (mask & FAN_RENAME) {
		on_rename(r, ev, old, nw);
	} else if (mask & FAN_MOVED_FROM) {
		on_moved_from(r, ev, old);
	} else if (mask & FAN_MOVED_TO) {
		on_moved_to(r, ev, old);
	} else {
		lf_pathmap_drop_under(r->cache, old->path, old->len);
		klen = child_key(r, ev, key);
		if (!klen || lf_pathmap_del(r->pinned, key, klen) < 0)
			pinned_check_under(r, ev, old->path, old->len);
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

/* Events that can change directory paths, or end a mark. */
bool lf_may_move_dirs(uint64_t mask)
{
	return ((mask & FAN_ONDIR) && (mask & (DIR_GONE_EVENTS | FAN_MOVE_SELF))) ||
	       (mask & FAN_DELETE_SELF);
}

/*
 * Keep directory paths right after the event: path and new_path are its
 * resolved paths (may be NULL or partial).
 */
void lf_track_event(struct fan_resolver *r, const struct fan_event *ev,
		    const struct fan_path *path, const struct fan_path *new_path)
{
	uint64_t mask = fan_event_mask(ev);

	if (!r->pending.old.len && !lf_may_move_dirs(mask))
		return;		/* the common case: a file event */
	lf_sync_pinned(r);
	if (r->pending.old.len && settle_pending(r, ev, path))
		return;
	if (mask & FAN_DELETE_SELF)
		on_deleted(r, ev);
	if ((mask & FAN_MOVE_SELF) && (mask & FAN_ONDIR))
		on_moved_self(r, ev);
	if (!(mask & FAN_ONDIR) || !(mask & DIR_GONE_EVENTS))
		return;
	if (names_child(ev) && full_path(path))
		on_dir_gone(r, ev, path, new_path);
	else
		unknown_child(r, ev, names_child(ev) ? NULL : path);
}
