// SPDX-License-Identifier: MIT
/*
 * One batch of the reporting group, event by event, cheapest test first:
 * events the user did not ask for only keep the resolver's directory
 * cache right; the scope is the subtree tracker's (by identity, as of the
 * event, never a path); the pid filter runs before any path is resolved;
 * the process is looked up only for events that will be shown.  A path
 * that can only be partly known is shown flagged, never dropped.  Then
 * the event goes to the tracker (tree scope), which marks the directories
 * it created or moved in and reports what they hold, after the event,
 * and unmarks those it moved out, before the next event is looked at.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "state.h"

struct ectx {
	struct fw_state *st;
	struct fan_event *ev;
	uint64_t mask, user;
	struct fan_path p, np;
	const struct fan_process *proc;	/* NULL: not looked up yet */
	bool root_self;			/* a watched root's own event: named by its path */
};

static const struct fan_process *process(struct ectx *c)
{
	if (!c->proc)
		c->proc = fw_procs_get(c->st->procs, c->st->res, c->ev);
	return c->proc;
}

static void on_overflow(struct fw_state *st, struct fan_event *ev)
{
	struct fw_record rec = { .events = FAN_Q_OVERFLOW, .flags = FW_REC_OVERFLOW };

	st->overflows++;
	fw_warn("kernel event queue overflowed: events were lost (the limit is "
		"/proc/sys/fs/fanotify/max_queued_events); going on");
	fw_emit(st, &rec);
	/* renames may have gone unseen: cached directory paths cannot be trusted */
	fan_resolver_flush(st->res);
	/* the tracker reads the trees again (at most once a second), reporting what is new */
	if (st->subtree)
		(void)fan_subtree_handle(st->subtree, ev);
}

/* A watched file or directory itself was deleted or moved away: say so. */
static void on_root_self(struct fw_state *st, const struct fw_root *r, uint64_t mask)
{
	if (mask & FAN_MOVE_SELF) {
		st->roots[r - st->roots].moved = true;
		st->roots_moved = true;
	}
	if (mask & FAN_DELETE_SELF)
		fw_warn("watched %s %s was deleted", r->is_dir ? "directory" : "file",
			fw_qpath(r->path));
	else
		fw_warn("watched %s %s was moved: paths under it are reported by its old "
			"name, flagged unverified", r->is_dir ? "directory" : "file",
			fw_qpath(r->path));
}

/* Is the path under a watched root that was moved away (so spelt by its old name)? */
static bool under_moved_root(const struct fw_state *st, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < st->nroots; i++)
		if (st->roots[i].moved && fw_root_holds(&st->roots[i], s, len))
			return true;
	return false;
}

/* The last path known, which no longer leads there: the library's word, or a moved root. */
static bool unverified(const struct ectx *c, const struct fw_record *rec)
{
	if ((c->p.flags | c->np.flags) & LIBFANOTIFY_PATH_UNVERIFIED)
		return true;
	if (!c->st->roots_moved || c->root_self)
		return false;
	return under_moved_root(c->st, rec->path.s, rec->path.len) ||
	       under_moved_root(c->st, rec->new_path.s, rec->new_path.len);
}

static bool has_info(const struct fan_event *ev, unsigned int type)
{
	return fan_event_find_info(ev, type) != NULL;
}

static void fill_record(struct ectx *c, struct fw_record *rec)
{
	const struct fan_info *info;
	struct fan_fs_error fe;

	*rec = (struct fw_record){ .events = c->user, .pid = fan_event_pid(c->ev) };
	/*
	 * The kernel names only the watched side of a rename: without an old
	 * directory record the old path is unknown (the object's own handle
	 * would give where it is now, its new path).
	 */
	if (c->p.path && (!(c->mask & FAN_RENAME) ||
			  has_info(c->ev, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME)))
		rec->path = (struct fw_bytes){ c->p.path, c->p.len };
	if ((c->user & FAN_RENAME) && c->np.path)
		rec->new_path = (struct fw_bytes){ c->np.path, c->np.len };
	if (c->user & FAN_RENAME)
		rec->flags |= FW_REC_NEW_PATH;
	if (c->mask & FAN_ONDIR)
		rec->flags |= FW_REC_DIR;
	if (c->p.flags & LIBFANOTIFY_PATH_DELETED)
		rec->flags |= FW_REC_DELETED;
	if (c->p.flags & LIBFANOTIFY_PATH_PARTIAL)
		rec->flags |= FW_REC_PARTIAL;
	if (unverified(c, rec))
		rec->flags |= FW_REC_UNVERIFIED;
	info = (c->user & FAN_FS_ERROR) ? fan_event_find_info(c->ev, FAN_EVENT_INFO_TYPE_ERROR) : NULL;
	if (info && fan_info_error(info, &fe) == 0) {
		rec->flags |= FW_REC_ERROR;
		rec->error = fe.error;
		rec->error_count = fe.error_count;
	}
	if (c->st->inodes)	/* dev and ino (i15) */
		fw_inodes_fill(c->st->inodes, c->st->notif, c->ev, c->st->out.now.tv_sec, rec);
}

/* The user's event, in scope: globs and comm; then out it goes. */
static void report(struct ectx *c)
{
	struct fw_state *st = c->st;
	struct fw_record rec;

	fill_record(c, &rec);
	if (!fw_filter_paths(st, &rec) ||
	    !fw_filter_comm(st, st->o->proc_filter ? process(c) : NULL)) {
		st->filtered++;
		return;
	}
	rec.proc = process(c);
	rec.proc_id = fw_procs_id(rec.proc);
	rec.ident = fw_procs_ident(rec.proc);
	fw_emit(st, &rec);
}

/*
 * A watched file or directory itself was deleted or moved: its handle
 * may no longer lead to a path (or leads outside), its root's name does.
 */
static void name_root(struct ectx *c, const struct fw_root *r)
{
	c->p = (struct fan_path){ .path = r->path, .len = r->len,
				  .flags = r->is_dir ? LIBFANOTIFY_PATH_DIR : 0 };
}

static const struct fw_root *root_self(const struct fw_state *st, const struct fan_event *ev,
				       uint64_t mask)
{
	if (st->o->scope != FW_SCOPE_TREE || !(mask & (FAN_DELETE_SELF | FAN_MOVE_SELF)))
		return NULL;
	return fw_watch_root_of(st, ev);
}

/* The user's side of an event: scope, filters, path, out it goes. */
static void look(struct ectx *c, const struct fw_root *self)
{
	struct fw_state *st = c->st;

	if (!c->user) {
		fan_resolver_observe(st->res, c->ev);	/* internal: keeps the cache right */
		return;
	}
	/* fs errors come from a filesystem mark and may name no object of the tree */
	if (!(c->user & FAN_FS_ERROR) && !fw_watch_in_scope(st, c->ev)) {
		st->outside++;	/* a directory moved out, its marks not removed yet */
		fan_resolver_observe(st->res, c->ev);
		return;
	}
	if (!fw_filter_pid(st, fan_event_pid(c->ev))) {
		st->filtered++;
		fan_resolver_observe(st->res, c->ev);
		return;
	}
	fan_resolve_path(st->res, c->ev, &c->p, &c->np);
	if (self) {
		name_root(c, self);
		c->root_self = true;
	}
	report(c);
}

static void handle_event(struct fw_state *st, struct fan_event *ev)
{
	struct ectx c = { .st = st, .ev = ev, .mask = fan_event_mask(ev) };
	const struct fw_root *self;

	st->seen++;
	if (fan_event_is_overflow(ev)) {
		on_overflow(st, ev);
		return;
	}
	self = root_self(st, ev, c.mask);
	if (self)
		on_root_self(st, self, c.mask);
	c.user = c.mask & st->o->events;
	look(&c, self);
	if (st->subtree) {
		st->trigger_ok = -1;	/* found entries: judged by this event's process */
		(void)fan_subtree_handle(st->subtree, ev);
	}
}

void fw_handle_batch(struct fw_state *st)
{
	struct fan_event *ev;

	fw_out_stamp(&st->out);
	fw_procs_next_batch(st->procs);
	/* every fork before these events is in the connector's queue now */
	if (st->tree)
		fw_proctree_drain(st->tree);
	fan_for_each_event(ev, st->notif)
		handle_event(st, ev);
}
