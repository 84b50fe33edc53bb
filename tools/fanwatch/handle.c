// SPDX-License-Identifier: MIT
/*
 * One batch of the reporting group, event by event, cheapest test first:
 * events the user did not ask for only keep the resolver's directory cache
 * right; the pid filter runs before any path is resolved; the process is
 * looked up only for events that will be shown.  Directory creations and
 * moves into the tree are acted on whatever the filters say (they extend
 * the marks), moves out of it remove marks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "state.h"

struct ectx {
	struct fw_state *st;
	struct fan_event *ev;
	uint64_t mask, user;
	struct fan_path p, np;
	const struct fan_process *proc;	/* NULL: not looked up yet */
	int trigger;		/* -1 unknown, else whether pid and comm filters pass */
};

void fw_emit(struct fw_state *st, const struct fw_record *rec)
{
	if (st->limit_hit)
		return;
	if (st->count)
		fw_count_add(st->count, rec);
	else
		fw_out_record(&st->out, rec);
	st->reported++;
	if (st->o->max_events && st->reported >= st->o->max_events) {
		st->limit_hit = true;
		st->stop = true;
	}
}

bool fw_filter_pid(struct fw_state *st, pid_t pid)
{
	const struct fw_opts *o = st->o;
	size_t i;

	if (o->npids) {
		for (i = 0; i < o->npids && o->pids[i] != pid; i++)
			;
		if (i == o->npids)
			return false;
	}
	return !st->tree || fw_proctree_contains(st->tree, pid);
}

static bool comm_pass(const struct fw_opts *o, const struct fan_process *p)
{
	size_t i;

	if (!o->comms.n)
		return true;
	if (!p || !p->comm)
		return false;
	for (i = 0; i < o->comms.n; i++)
		if (!strcmp(o->comms.v[i], p->comm))
			return true;
	return false;
}

static bool glob_pass(const struct fw_opts *o, const char *s, size_t len)
{
	if (!s)
		return !o->includes.n;
	if (o->includes.n && !fw_globs_match(&o->includes, s, len))
		return false;
	return !fw_globs_match(&o->excludes, s, len);
}

static bool paths_pass(const struct fw_opts *o, const struct fw_record *rec)
{
	return glob_pass(o, rec->path.s, rec->path.len) ||
	       (rec->new_path.s && glob_pass(o, rec->new_path.s, rec->new_path.len));
}

bool fw_filter_paths(const struct fw_state *st, const struct fw_record *rec)
{
	return paths_pass(st->o, rec);
}

bool fw_filter_record(struct fw_state *st, const struct fw_record *rec)
{
	if ((st->o->npids || st->tree) && !fw_filter_pid(st, rec->pid))
		return false;
	return comm_pass(st->o, rec->proc) && paths_pass(st->o, rec);
}

static const struct fan_process *process(struct ectx *c)
{
	if (!c->proc)
		c->proc = fw_procs_get(c->st->procs, c->st->res, c->ev);
	return c->proc;
}

/* Would an event of this process pass the pid and comm filters? */
static bool trigger_ok(struct ectx *c)
{
	if (c->trigger < 0)
		c->trigger = fw_filter_pid(c->st, fan_event_pid(c->ev)) &&
			     comm_pass(c->st->o, c->st->o->comms.n ? process(c) : NULL);
	return c->trigger;
}

static void on_overflow(struct fw_state *st)
{
	struct fw_record rec = { .events = FAN_Q_OVERFLOW, .flags = FW_REC_OVERFLOW };

	st->overflows++;
	fw_warn("kernel event queue overflowed: events were lost (the limit is "
		"/proc/sys/fs/fanotify/max_queued_events); going on");
	fw_emit(st, &rec);
	/* renames may have gone unseen: cached directory paths cannot be trusted */
	fan_resolver_flush(st->res);
	st->remark = true;	/* after this batch: a walk must not run inside one */
}

static bool full(const struct fan_path *p)
{
	return p->path && !(p->flags & LIBFANOTIFY_PATH_PARTIAL);
}

static bool in_scope(const struct fw_state *st, const struct fan_path *p)
{
	return full(p) && fw_watch_in_scope(st, p->path, p->len);
}

/*
 * An event from a directory that is no longer in the tree (moved out
 * before its marks were removed): remove them now, once.
 */
static void unmark_outside(struct fw_state *st, const struct fan_path *p)
{
	static char last[PATH_MAX];
	const char *slash;
	size_t len;

	if (st->o->scope != FW_SCOPE_TREE || !full(p))
		return;
	slash = (p->flags & LIBFANOTIFY_PATH_DIR) ? p->path + p->len : memrchr(p->path, '/', p->len);
	len = slash ? (size_t)(slash - p->path) : 0;
	if (!len || len >= sizeof(last) || (!strncmp(last, p->path, len) && !last[len]))
		return;
	memcpy(last, p->path, len);
	last[len] = '\0';
	fw_watch_gone_dir(st, last);
}

/* A directory was created in, moved into, or moved out of the tree. */
static void on_dirchange(struct ectx *c)
{
	struct fw_state *st = c->st;

	if (c->mask & FAN_RENAME) {
		bool old_in = in_scope(st, &c->p), new_in = in_scope(st, &c->np);

		if (new_in && !old_in)
			fw_watch_new_dir(st, c->np.path, c->np.len, true, trigger_ok(c));
		else if (old_in && !new_in && full(&c->np))
			fw_watch_gone_dir(st, c->np.path);
		return;
	}
	/* moves inside the tree keep their marks: only creations are new */
	if ((c->mask & FAN_CREATE) && !(c->mask & FAN_DELETE) && in_scope(st, &c->p))
		fw_watch_new_dir(st, c->p.path, c->p.len, true, trigger_ok(c));
	/* before 5.17: moved in, or within (marks added again); contents not reported */
	else if ((c->mask & FAN_MOVED_TO) && in_scope(st, &c->p))
		fw_watch_new_dir(st, c->p.path, c->p.len, false, false);
}

/* A watched directory itself was deleted or moved away. */
static void on_root_self(struct ectx *c)
{
	size_t i;

	for (i = 0; i < c->st->nroots; i++) {
		const struct fw_root *r = &c->st->roots[i];

		if (!c->p.path || c->p.len != r->len || memcmp(c->p.path, r->path, r->len))
			continue;
		if (c->mask & FAN_DELETE_SELF)
			fw_warn("watched %s %s was deleted", r->is_dir ? "directory" : "file",
				fw_qpath(r->path));
		else
			fw_warn("watched %s %s was moved: paths under it are reported by its old "
				"name", r->is_dir ? "directory" : "file", fw_qpath(r->path));
	}
}

static void fill_record(struct ectx *c, struct fw_record *rec)
{
	const struct fan_info *info;
	struct fan_fs_error fe;

	*rec = (struct fw_record){ .events = c->user, .pid = fan_event_pid(c->ev) };
	if (c->p.path)
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
	info = (c->user & FAN_FS_ERROR) ? fan_event_find_info(c->ev, FAN_EVENT_INFO_TYPE_ERROR) : NULL;
	if (info && fan_info_error(info, &fe) == 0) {
		rec->flags |= FW_REC_ERROR;
		rec->error = fe.error;
		rec->error_count = fe.error_count;
	}
}

/* The user's event: scope, globs, comm; then out it goes. */
static bool report(struct ectx *c)
{
	struct fw_state *st = c->st;
	struct fw_record rec;
	bool fs_error = c->user & FAN_FS_ERROR;

	/* fs errors come from a filesystem mark and may have no path at all */
	if (!fs_error && !in_scope(st, &c->p) && !((c->mask & FAN_RENAME) && in_scope(st, &c->np))) {
		unmark_outside(st, &c->p);
		return false;
	}
	fill_record(c, &rec);
	if (!paths_pass(st->o, &rec) || !comm_pass(st->o, st->o->comms.n ? process(c) : NULL))
		return false;
	rec.proc = process(c);
	rec.proc_id = fw_procs_id(rec.proc);
	fw_emit(st, &rec);
	return true;
}

/*
 * A watched file or directory itself was deleted or moved: its handle
 * may no longer lead to a path (or leads outside), its root's name does.
 */
static void name_root(struct ectx *c)
{
	const struct fw_root *r = fw_watch_root_of(c->st, c->ev);

	if (!r)
		return;
	c->p = (struct fan_path){ .path = r->path, .len = r->len,
				  .flags = r->is_dir ? LIBFANOTIFY_PATH_DIR : 0 };
}

static bool is_dirchange(const struct fw_state *st, uint64_t mask)
{
	return st->o->scope == FW_SCOPE_TREE && (mask & FAN_ONDIR) &&
	       (mask & (FAN_CREATE | (st->no_rename ? FAN_MOVED_TO : FAN_RENAME)));
}

static bool is_root_self(const struct fw_state *st, uint64_t mask)
{
	return st->o->scope == FW_SCOPE_TREE && (mask & (FAN_DELETE_SELF | FAN_MOVE_SELF));
}

static void handle_event(struct fw_state *st, struct fan_event *ev)
{
	struct ectx c = { .st = st, .ev = ev, .mask = fan_event_mask(ev), .trigger = -1 };
	bool dirchange, root_self;

	st->seen++;
	if (fan_event_is_overflow(ev)) {
		on_overflow(st);
		return;
	}
	c.user = c.mask & st->o->events;
	dirchange = is_dirchange(st, c.mask);
	root_self = is_root_self(st, c.mask);
	if (c.user && !fw_filter_pid(st, fan_event_pid(ev)))
		c.user = 0;
	if (!c.user && !dirchange && !root_self) {
		fan_resolver_observe(st->res, ev);
		st->filtered++;
		return;
	}
	fan_resolve_path(st->res, ev, &c.p, &c.np);
	if (root_self)
		name_root(&c);
	if (!c.user || !report(&c))
		st->filtered++;
	if (root_self)
		on_root_self(&c);
	if (dirchange)
		on_dirchange(&c);
}

void fw_handle_batch(struct fw_state *st)
{
	struct fan_event *ev;

	fw_out_stamp(&st->out);
	fw_procs_next_batch(st->procs);
	/* every fork before these events is in the connector's queue now */
	if (st->tree)
		fw_proctree_drain(st->tree);
	st->in_batch = true;
	fan_for_each_event(ev, st->notif)
		handle_event(st, ev);
	st->in_batch = false;
}
