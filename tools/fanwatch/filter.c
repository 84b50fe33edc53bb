// SPDX-License-Identifier: MIT
/*
 * The user's filters: --pid, -- COMMAND, --comm, --include, --exclude,
 * and (i15) --exclude-pid, --exclude-comm, --uid and the regexes and
 * pattern files of patterns.c (they alone make the summary's "filtered"
 * count), and the globs of --include, --exclude and --deny.  A glob
 * without '/' matches the last component of the path; a glob with '/' matches the whole path,
 * and there '*' and '?' match '/' too (fnmatch without FNM_PATHNAME), so
 * "/srv/data/" followed by '*' covers the subtree.  A leading '.' needs no
 * special match.
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <string.h>

#include "state.h"

/* path must be NUL-terminated at len. */
static bool glob_match(const char *glob, const char *path, size_t len)
{
	const char *base;

	if (strchr(glob, '/'))
		return fnmatch(glob, path, 0) == 0;
	base = memrchr(path, '/', len);
	return fnmatch(glob, base ? base + 1 : path, 0) == 0;
}

bool fw_globs_match(const struct fw_strv *globs, const char *path, size_t len)
{
	size_t i;

	for (i = 0; i < globs->n; i++)
		if (glob_match(globs->v[i], path, len))
			return true;
	return false;
}

/* ---- the user's filters on events and records ---- */

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
	/* --exclude-pid (i15) */
	for (i = 0; i < o->nxpids; i++)
		if (o->xpids[i] == pid)
			return false;
	return !st->tree || fw_proctree_contains(st->tree, pid);
}

static bool comm_in(const struct fw_strv *v, const char *comm)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], comm))
			return true;
	return false;
}

/* --comm, and (i15) --exclude-comm and --uid: an unknown process matches none of them. */
bool fw_filter_comm(const struct fw_state *st, const struct fan_process *p)
{
	const struct fw_opts *o = st->o;
	size_t i;

	if (!o->proc_filter)
		return true;
	if (o->comms.n && (!p || !p->comm || !comm_in(&o->comms, p->comm)))
		return false;
	if (o->xcomms.n && p && p->comm && comm_in(&o->xcomms, p->comm))
		return false;
	if (!o->nuids)
		return true;
	for (i = 0; p && p->uid != (uid_t)-1 && i < o->nuids; i++)
		if (o->uids[i] == p->uid)
			return true;
	return false;
}

/* The length of the watched PATH s lies under, 0 if none (i15: excluded directories). */
static size_t root_len(const struct fw_state *st, const char *s, size_t len)
{
	size_t i, best = 0;

	for (i = 0; i < st->nroots; i++) {
		const struct fw_root *r = &st->roots[i];

		if (r->is_dir && r->len > best && fw_root_holds(r, s, len))
			best = r->len;
	}
	return best;
}

/* Globs, regexes and pattern files (patterns.c, i15). */
static bool glob_pass(const struct fw_state *st, const char *s, size_t len)
{
	struct fw_patterns *p = st->o->patterns;

	if (!s)
		return !fw_patterns_has_include(p);
	return fw_patterns_pass(p, s, len, fw_patterns_has_exclude(p) ? root_len(st, s, len) : 0);
}

int fw_filter_prune(void *arg, const char *path, size_t len)
{
	const struct fw_state *st = arg;
	size_t rl = root_len(st, path, len);

	/* a watched PATH is never left out, whatever its name */
	return rl && rl < len && fw_patterns_excluded(st->o->patterns, path, len, rl);
}

bool fw_filter_paths(const struct fw_state *st, const struct fw_record *rec)
{
	if (!st->o->path_filter)
		return true;
	return glob_pass(st, rec->path.s, rec->path.len) ||
	       (rec->new_path.s && glob_pass(st, rec->new_path.s, rec->new_path.len));
}

bool fw_filter_record(struct fw_state *st, const struct fw_record *rec)
{
	if ((st->o->npids || st->o->nxpids || st->tree) && !fw_filter_pid(st, rec->pid))
		return false;
	return fw_filter_comm(st, rec->proc) && fw_filter_paths(st, rec);
}
