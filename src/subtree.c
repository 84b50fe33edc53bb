// SPDX-License-Identifier: MIT
/*
 * Subtree tracking by identity: the public calls and what each event does
 * to the tree.
 *
 * The tree is a mirror of the tracked directories only, keyed by the
 * kernel's handle of each, in event order: the caller hands every event to
 * fan_subtree_handle() before looking at it, so a directory's parent and
 * name are those of the moment of the event being looked at, and the
 * group's resolvers name tracked directories from it (lf_subtree_dir_path()).
 *
 * - A directory created or moved in (FAN_CREATE, FAN_RENAME into a tracked
 *   directory): opened by its own handle (FAN_REPORT_TARGET_FID) wherever it
 *   is now; if its parent is tracked right now it is marked in every group
 *   and read, its entries reported as found, its subdirectories the same;
 *   if not, it went elsewhere and the rename that took it there is still
 *   to come.  Without the privilege to open handles, it is opened by its
 *   path beneath the root and checked against its handle; one not there
 *   any more waits for the next rename in the tree.
 * - Moved within the tree: its node moves, nothing is read or marked.
 * - Moved out: its subtree is unmarked by handle, node by node, and
 *   forgotten (without privilege: forgotten and counted).
 * - Deleted: freed once both its own FAN_DELETE_SELF and its parent's
 *   FAN_DELETE (or a rename over it) were seen, in either order.  rm -rf
 *   shows why: the kernel merges a directory's DELETE_SELF into rm's
 *   earlier open of it, before the deletions of its entries.
 * - An overflow: events were lost; every root is read again (at most once
 *   a second), what is new is marked and reported, what is gone unmarked.
 *
 * Without FAN_REPORT_TARGET_FID (before 5.17) a child is found by its name
 * under its parent; without FAN_RENAME, a move is seen as a move out
 * (FAN_MOVED_FROM) and a move in (FAN_MOVED_TO).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "subtree.h"

#define RESCAN_GAP_MS 1000	/* default least time between two rescans */
#define TREE_EVENTS (FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_DELETE_SELF | FAN_ONDIR)
#define NOISY (FAN_OPEN | FAN_ACCESS | FAN_CLOSE_NOWRITE)
#define CLASS_BITS (FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT)

/* ---- groups ---- */

static void group_set(struct st_group *gi, struct fan_group *g, uint64_t mask, bool per_dir)
{
	bool notif = !(fan_group_init_flags(g) & CLASS_BITS);
	uint64_t noisy = mask & NOISY;

	*gi = (struct st_group){ .g = g, .mask = mask, .reduced = mask, .per_dir = per_dir };
	/* permission groups are never quieted: an unasked open would be an unanswered one */
	if (notif && (mask & FAN_ONDIR) && noisy) {
		gi->reduced = mask & ~noisy;
		gi->ignore = noisy | FAN_ONDIR;
	}
}

LF_EXPORT int fan_subtree_new(struct fan_group *g, const struct fan_subtree_opts *opts,
			       struct fan_subtree **ret)
{
	struct fan_subtree_opts o = { .sz = sizeof(o) };
	struct fan_subtree *t;
	uint64_t mask;

	if (!g || !ret || !opts_valid(opts, sizeof(struct fan_subtree_opts)))
		return -EINVAL;
	LF_OPTS_IN(o, opts);
	if ((g->init_flags & FAN_REPORT_DFID_NAME) != FAN_REPORT_DFID_NAME ||
	    (o.flags & ~LIBFANOTIFY_SUBTREE_FILESYSTEM))
		return -EINVAL;
	if (g->subtree)
		return -EBUSY;
	t = calloc(1, sizeof(*t));
	if (!t || lf_st_tables_init(t) < 0) {
		fan_subtree_free(t);
		return -ENOMEM;
	}
	t->g = g;
	t->flags = o.flags;
	t->found = o.found;
	t->skip = o.skip;
	t->arg = o.arg;
	t->rescan_gap_ms = o.rescan_gap_ms ? o.rescan_gap_ms : RESCAN_GAP_MS;
	t->by_handle = true;
	t->renames = true;
	t->target_fid = g->init_flags & FAN_REPORT_TARGET_FID;
	t->user_rename = o.mask & FAN_RENAME;
	mask = o.mask | TREE_EVENTS;
	if (!(o.flags & LIBFANOTIFY_SUBTREE_FILESYSTEM))
		mask |= FAN_EVENT_ON_CHILD;
	group_set(&t->groups[0], g, mask, !(o.flags & LIBFANOTIFY_SUBTREE_FILESYSTEM));
	t->ngroups = 1;
	g->subtree = t;
	*ret = t;
	return 0;
}

LF_EXPORT void fan_subtree_free(struct fan_subtree *t)
{
	size_t i;

	if (!t)
		return;
	if (t->g && t->g->subtree == t)
		t->g->subtree = NULL;
	if (t->keys)
		lf_st_tables_free(t);
	for (i = 0; i < t->nroots; i++) {
		lf_sys_close(t->roots[i].fd);
		free(t->roots[i].path);
	}
	lf_st_pending_free(t);
	free(t->pending);
	free(t->roots);
	free(t->queue);
	free(t->doomed);
	lf_sbuf_free(&t->path);
	lf_sbuf_free(&t->rel);
	free(t);
}

LF_EXPORT int fan_subtree_add_group(struct fan_subtree *t, struct fan_group *g, uint64_t mask)
{
	size_t i;

	if (!t || !g || !mask || t->ngroups == ST_MAX_GROUPS || t->nroots)
		return -EINVAL;
	for (i = 0; i < t->ngroups; i++)
		if (t->groups[i].g == g)
			return -EEXIST;
	group_set(&t->groups[t->ngroups++], g, mask | FAN_EVENT_ON_CHILD, true);
	return 0;
}

/* ---- roots ---- */

/* Before Linux 5.17: no FAN_RENAME; moves come as FAN_MOVED_FROM and FAN_MOVED_TO. */
static void without_renames(struct fan_subtree *t)
{
	struct st_group *gi = &t->groups[0];
	uint64_t moves = FAN_MOVED_FROM | FAN_MOVED_TO;

	t->renames = false;
	gi->mask = (gi->mask & ~(uint64_t)FAN_RENAME) | moves;
	gi->reduced = (gi->reduced & ~(uint64_t)FAN_RENAME) | moves;
}

/*
 * The main group's mark on a root: one per filesystem in filesystem mode,
 * else the root's own (reduced: it is read next).
 */
static int mark_root_main(struct fan_subtree *t, struct st_root *r, int fd)
{
	struct st_group *gi = &t->groups[0];
	unsigned int how = gi->per_dir ? FAN_MARK_ONLYDIR : FAN_MARK_FILESYSTEM;
	size_t i;
	int res;

	for (i = 0; !gi->per_dir && i < t->nroots; i++)
		if (t->roots[i].fs_marked && lf_fsid_equal(&t->roots[i].fsid, &r->fsid))
			return 0;
	res = lf_sys_fanotify_mark(fan_group_fd(t->g), FAN_MARK_ADD | how,
				   gi->per_dir ? gi->reduced : gi->mask, fd, ".");
	if (res == -EINVAL && t->renames && !t->user_rename) {
		without_renames(t);
		return mark_root_main(t, r, fd);
	}
	r->fs_marked = res == 0 && !gi->per_dir;
	return res;
}

/* The root's own path (symbolic links resolved) from its descriptor. */
static char *fd_abspath(int fd)
{
	char buf[4096];
	ssize_t n = lf_sys_readlink_fd(fd, buf, sizeof(buf));

	if (n <= 0 || (size_t)n >= sizeof(buf) || buf[0] != '/')
		return NULL;
	return strndup(buf, (size_t)n);
}

/* A root inside a tree already tracked (or the same root twice). */
static int root_known(struct fan_subtree *t, struct st_node *n, struct st_root *r)
{
	if (n->root >= 0) {
		free(r->path);
		return n->root;
	}
	r->node = n;
	n->root = (int)t->nroots;
	t->roots[t->nroots++] = *r;
	return n->root;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

/* Mark a new root in every group (the main one first); its node, or -errno. */
static int root_track(struct fan_subtree *t, struct st_root *r, int fd,
		      const unsigned char *key, size_t klen)
{
	struct st_node *n;
	size_t i;
	int res;

	(void)fan_group_add_mount(t->g, fd, NULL);	/* open_by_handle_at() needs it */
	res = mark_root_main(t, r, fd);
	if (res < 0)
		return res;
	for (i = 1; i < t->ngroups; i++) {
		res = lf_sys_fanotify_mark(fan_group_fd(t->groups[i].g),
					   FAN_MARK_ADD | FAN_MARK_ONLYDIR, t->groups[i].mask, fd, ".");
		if (res < 0)
			return res;
	}
	n = lf_st_add(t, NULL, key, klen, base_name(r->path), strlen(base_name(r->path)));
	if (!n)
		return -ENOMEM;
	n->root = (int)t->nroots;
	/* read before its full mask: reading it raises nothing */
	n->flags |= t->groups[0].per_dir ? N_REDUCED : 0;
	r->node = n;
	t->roots[t->nroots++] = *r;
	t->stats.marked++;
	return n->root;
}

/* The root at dirfd/path: its descriptor (O_PATH), key and absolute path into r. */
static int root_open(struct st_root *r, int dirfd, const char *path, unsigned char *key,
		     size_t *klen)
{
	struct statfs sfs;
	int fd = openat(dirfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sfs) < 0) {
		lf_sys_close(fd);
		return -errno;
	}
	memcpy(r->fsid.val, &sfs.f_fsid, sizeof(r->fsid.val));
	*klen = lf_st_fd_key(fd, &r->fsid, key);
	r->path = *klen ? fd_abspath(fd) : NULL;
	if (!r->path) {
		lf_sys_close(fd);
		return *klen ? -ENOMEM : -EOPNOTSUPP;
	}
	r->len = strlen(r->path);
	return fd;
}

static int add_root(struct fan_subtree *t, int dirfd, const char *path)
{
	unsigned char key[LF_KEY_MAX];
	struct st_root r = { .fd = -1 }, *v;
	struct st_node *n;
	size_t klen = 0;
	int fd, res;

	fd = root_open(&r, dirfd, path, key, &klen);
	if (fd < 0)
		return fd;
	v = realloc(t->roots, (t->nroots + 1) * sizeof(*v));
	if (v)
		t->roots = v;
	n = lf_st_find(t, key, klen);
	if (!v)
		res = -ENOMEM;
	else if (n)
		res = root_known(t, n, &r);
	else
		res = root_track(t, &r, fd, key, klen);
	if (res >= 0 && !n)
		lf_st_read(t, t->roots[res].node, fd);
	else if (res < 0)
		free(r.path);
	lf_sys_close(fd);
	return res;
}

LF_EXPORT int fan_subtree_add_root(struct fan_subtree *t, int dirfd, const char *path)
{
	int res;

	if (!t || !path || t->nroots >= INT32_MAX)
		return -EINVAL;
	lf_st_reap(t);
	t->reporting = false;
	t->trigger = NULL;
	res = add_root(t, dirfd, path);
	lf_st_call_end(t);
	return res;
}

/* Nested roots under top become roots of their own again. */
static void detach_nested(struct fan_subtree *t, struct st_node *top)
{
	struct st_node *n = lf_st_walk_next(top, top), *next;

	while (n) {
		next = lf_st_walk_next(top, n);
		if (n->root >= 0) {
			/* skip its subtree: it stays */
			for (next = n; next != top && !next->next; next = next->parent)
				;
			next = next == top ? NULL : next->next;
			(void)lf_st_move(t, &n, NULL, n->name, n->namelen);
		}
		n = next;
	}
}

LF_EXPORT int fan_subtree_remove_root(struct fan_subtree *t, int root)
{
	struct st_node *n;

	if (!t || root < 0 || (size_t)root >= t->nroots || !t->roots[root].node)
		return -EINVAL;
	lf_st_reap(t);
	n = t->roots[root].node;
	if (n->parent) {
		n->root = -1;	/* inside another root's tree: it stays tracked */
	} else {
		detach_nested(t, n);
		lf_st_unmark_tree(t, n);
		lf_st_drop(t, n);
	}
	t->roots[root].node = NULL;
	lf_st_call_end(t);
	return 0;
}

/* ---- events ---- */

/* A directory record: its key, and its name (NULL if none). */
struct dref {
	unsigned char key[LF_KEY_MAX];
	size_t klen;
	const char *name;
	size_t len;
};

static bool dref(const struct fan_info *rec, struct dref *d)
{
	struct fan_fid fid;

	if (!rec || fan_info_fid(rec, &fid) < 0)
		return false;
	d->klen = lf_handle_key(d->key, &fid.fsid, fid.handle_type, fid.handle_data,
				fid.handle_bytes);
	d->name = fid.name;
	d->len = fid.name_len;
	return d->klen != 0;
}

/* A child's name from an event: one path component, never "." or "..". */
static bool plain_name(const struct dref *d)
{
	return d->name && d->len && !memchr(d->name, '/', d->len) && strcmp(d->name, ".") &&
	       strcmp(d->name, "..");
}

/* The child directory an event names: by its own handle, else by name under parent. */
static struct st_node *child_of(struct fan_subtree *t, const struct dref *child,
				const struct st_node *parent, const struct dref *d)
{
	if (child->klen)
		return lf_st_find(t, child->key, child->klen);
	return parent ? lf_st_find_name(t, parent, d->name, d->len, NULL) : NULL;
}

/* Free a directory once it is unlinked and its own deletion was seen. */
static void maybe_gone(struct fan_subtree *t, struct st_node *n)
{
	if ((n->flags & (N_SELF_DELETED | N_UNLINKED)) == (N_SELF_DELETED | N_UNLINKED) &&
	    n->parent)
		lf_st_doom(t, n);
}

/* A directory appeared under parent (created or moved in): find it, adopt it. */
static void arrived(struct fan_subtree *t, struct st_node *parent, const struct dref *d,
		    const struct dref *child)
{
	int fd = lf_st_open_child(t, parent, d->name, child->key, child->klen);

	if (fd < 0) {
		t->stats.unreachable += fd != -ESTALE;
		/* without privilege: maybe a later rename shows where it went */
		if (!t->by_handle && fd != -ESTALE)
			lf_st_pending_add(t, child->key, child->klen, parent, d->name);
		return;
	}
	(void)lf_st_adopt(t, parent, d->name, d->len, fd, child->key, child->klen, t->by_handle);
	lf_sys_close(fd);
}

static void on_create(struct fan_subtree *t, const struct dref *d, const struct dref *child)
{
	struct st_node *p = lf_st_find(t, d->key, d->klen), *c;

	if (!p || !plain_name(d))
		return;
	c = child->klen ? lf_st_find(t, child->key, child->klen) : NULL;
	if (c) {
		/* found by a read already: its place is the event's */
		(void)lf_st_move(t, &c, p, d->name, d->len);
		c->flags &= ~N_UNLINKED;
		return;
	}
	arrived(t, p, d, child);
}

/*
 * The event moved c out of every tracked directory it names.  The kernel
 * names only marked directories: one the tracker adopted after the event
 * was queued is not named either.  So where c is now decides: still in a
 * tracked directory, it moves there; else its marks go.
 */
static void moved_out(struct fan_subtree *t, struct st_node *c)
{
	if (lf_st_still_in(t, c)) {
		t->stats.moved_within++;
		(void)lf_st_left_out(t, c);
		return;
	}
	t->stats.moved_out++;
	lf_st_unmark_drop(t, c);
}

static void on_rename(struct fan_subtree *t, const struct dref *o, const struct dref *d,
		      const struct dref *child)
{
	struct st_node *op = lf_st_find(t, o->key, o->klen), *np = lf_st_find(t, d->key, d->klen);
	struct st_node *c = op || child->klen ? child_of(t, child, op, o) : NULL, *v;

	if (np && plain_name(d) && (v = lf_st_find_name(t, np, d->name, d->len, c))) {
		v->flags |= N_UNLINKED;		/* renamed over (or an exchange: undone below) */
		maybe_gone(t, v);
	}
	if (c && np && plain_name(d)) {
		t->stats.moved_within++;
		(void)lf_st_move(t, &c, np, d->name, d->len);
		c->flags &= ~N_UNLINKED;
		if (lf_st_left_out(t, c))
			return;		/* moved to a place the caller leaves out */
		if (t->npending)
			lf_st_retry_pending(t);
	} else if (c) {
		moved_out(t, c);
	} else if (np && plain_name(d)) {
		t->stats.moved_in++;
		arrived(t, np, d, child);
	}
}

/* Before 5.17: a move is a move out, then a move in. */
static void on_moved_from(struct fan_subtree *t, const struct dref *d, const struct dref *child)
{
	struct st_node *p = lf_st_find(t, d->key, d->klen), *c = child_of(t, child, p, d), *other;

	if (!c)
		return;
	/*
	 * By name, the mirror can hold two directories of one name for a
	 * moment: a rename-exchange comes as two moves whose MOVED_FROM and
	 * MOVED_TO the kernel merges by name, and the first one handled put
	 * one node on the other's name.  Each is looked for where it is.
	 */
	other = !child->klen && t->by_handle ? lf_st_find_name(t, p, d->name, d->len, c) : NULL;
	moved_out(t, c);
	if (other)
		moved_out(t, other);
}

static void on_moved_to(struct fan_subtree *t, const struct dref *d, const struct dref *child)
{
	struct st_node *p = lf_st_find(t, d->key, d->klen);

	if (p && plain_name(d) && !child_of(t, child, p, d)) {
		t->stats.moved_in++;
		arrived(t, p, d, child);
	}
}

static void on_delete(struct fan_subtree *t, const struct dref *d, const struct dref *child)
{
	struct st_node *c = child_of(t, child, lf_st_find(t, d->key, d->klen), d);

	if (c) {
		c->flags |= N_UNLINKED;
		maybe_gone(t, c);
	}
}

/* A directory's own deletion: its events may still be queued (see the top). */
static void on_delete_self(struct fan_subtree *t, const struct dref *self)
{
	struct st_node *n = lf_st_find(t, self->key, self->klen);

	if (n) {
		n->flags |= N_SELF_DELETED;
		maybe_gone(t, n);
	}
}

static int on_overflow(struct fan_subtree *t)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - t->last_rescan.tv_sec) * 1000 +
	     (now.tv_nsec - t->last_rescan.tv_nsec) / 1000000;
	if (t->stats.rescans && ms < (long)t->rescan_gap_ms) {
		t->rescan_due = true;	/* a storm: not more than once a second */
		return 0;
	}
	return fan_subtree_rescan(t);
}

static void dispatch(struct fan_subtree *t, const struct fan_event *ev, uint64_t mask)
{
	struct dref d = { 0 }, o = { 0 }, child = { 0 };
	struct lf_recs rs;

	lf_event_recs(ev, &rs);
	if (t->target_fid)
		(void)dref(rs.fid, &child);
	if (rs.dfn)
		(void)dref(rs.dfn, &d);
	if ((mask & FAN_CREATE) && d.klen)
		on_create(t, &d, &child);
	/* the kernel names only the watched side(s) of a rename */
	if ((mask & FAN_RENAME) && (rs.old || rs.nw)) {
		if (!dref(rs.old, &o))
			o = (struct dref){ 0 };
		if (!dref(rs.nw, &d))
			d = (struct dref){ 0 };
		on_rename(t, &o, &d, &child);
	}
	if ((mask & FAN_MOVED_TO) && !t->renames && d.klen)
		on_moved_to(t, &d, &child);
	if ((mask & FAN_MOVED_FROM) && !t->renames && d.klen)
		on_moved_from(t, &d, &child);
	if ((mask & FAN_DELETE) && d.klen)
		on_delete(t, &d, &child);
	if (mask & FAN_DELETE_SELF) {
		if (rs.dfn && d.name && !strcmp(d.name, "."))
			on_delete_self(t, &d);
		else if (dref(rs.dfid ? rs.dfid : rs.fid, &o))
			on_delete_self(t, &o);
	}
}

#define DIR_EVENTS (FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_MOVED_FROM | FAN_MOVED_TO | \
		    FAN_DELETE_SELF)

/*
 * Free what earlier events doomed: not what this same event doomed (the
 * caller may hand an event over first and resolve it after).
 */
static void reap_before(struct fan_subtree *t, const struct fan_event *ev)
{
	if (t->ndoomed && !(ev == t->cur_ev && t->g->batch_seq == t->cur_seq))
		lf_st_reap(t);
}

LF_EXPORT int fan_subtree_handle(struct fan_subtree *t, const struct fan_event *ev)
{
	uint64_t mask;
	int res = 0;

	if (!t || !ev)
		return -EINVAL;
	mask = fan_event_mask(ev);
	reap_before(t, ev);
	t->cur_ev = ev;
	t->cur_seq = t->g->batch_seq;
	/* a file's event: nothing for the tree */
	if (!fan_event_is_overflow(ev) && (!(mask & FAN_ONDIR) || !(mask & DIR_EVENTS)))
		return 0;
	t->trigger = fan_event_is_overflow(ev) ? NULL : ev;	/* a rescan names no process */
	t->reporting = true;
	if (fan_event_is_overflow(ev))
		res = on_overflow(t);
	else
		dispatch(t, ev, mask);
	lf_st_drain_queue(t);
	t->trigger = NULL;
	lf_st_call_end(t);
	return res;
}

LF_EXPORT int fan_subtree_rescan(struct fan_subtree *t)
{
	int res;

	if (!t)
		return -EINVAL;
	lf_st_reap(t);
	clock_gettime(CLOCK_MONOTONIC, &t->last_rescan);
	t->rescan_due = false;
	t->reporting = true;
	res = lf_st_rescan(t);
	lf_st_call_end(t);
	return res;
}

LF_EXPORT int fan_subtree_timeout(const struct fan_subtree *t)
{
	struct timespec now;
	long ms;

	if (!t || !t->rescan_due)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)t->rescan_gap_ms - ((now.tv_sec - t->last_rescan.tv_sec) * 1000 +
			      (now.tv_nsec - t->last_rescan.tv_nsec) / 1000000);
	return ms < 0 ? 0 : (int)ms;
}

/* ---- scope and paths ---- */

static int root_of(struct fan_subtree *t, const struct fan_info *rec)
{
	struct dref d;
	struct st_node *n;

	if (!dref(rec, &d) || !(n = lf_st_find(t, d.key, d.klen)))
		return -1;
	return lf_st_top(n)->root;
}

LF_EXPORT int fan_subtree_in_scope(struct fan_subtree *t, const struct fan_event *ev)
{
	struct lf_recs rs;
	int r;

	if (!t || !ev || fan_event_is_overflow(ev))
		return -1;
	reap_before(t, ev);
	lf_event_recs(ev, &rs);
	if (rs.old || rs.nw) {
		r = root_of(t, rs.old);
		return r >= 0 ? r : root_of(t, rs.nw);
	}
	if (rs.dfn)
		return root_of(t, rs.dfn);
	if (rs.dfid)
		return root_of(t, rs.dfid);
	/* a directory's own event in a group without directory records */
	return (fan_event_mask(ev) & FAN_ONDIR) ? root_of(t, rs.fid) : -1;
}

int lf_subtree_dir_path(struct fan_subtree *t, const void *key, size_t klen, struct sbuf *out)
{
	struct st_node *n = lf_st_find(t, key, klen);

	return n ? lf_st_path(t, n, out) : -ENOENT;
}

LF_EXPORT int fan_subtree_get_stats(const struct fan_subtree *t, struct fan_subtree_stats *st)
{
	if (!t || !st || st->sz < sizeof(size_t))
		return -EINVAL;
	LF_OPTS_OUT(st, t->stats);
	return 0;
}
