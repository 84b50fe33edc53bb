// SPDX-License-Identifier: MIT
/*
 * The user's filters: --pid, -- COMMAND, --comm, --include, --exclude
 * (they alone make the summary's "filtered" count), and the globs of
 * --include, --exclude and --deny.  A glob without '/' matches
 * the last component of the path; a glob with '/' matches the whole path,
 * and there '*' and '?' match '/' too (fnmatch without FNM_PATHNAME), so
 * "/srv/data/" followed by '*' covers the subtree.  A leading '.' needs no
 * special match.
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <string.h>

#include "state.h"

/* path must be NUL-terminated at len. */
bool fw_glob_match(const char *glob, const char *path, size_t len)
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
		if (fw_glob_match(globs->v[i], path, len))
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
	return !st->tree || fw_proctree_contains(st->tree, pid);
}

bool fw_filter_comm(const struct fw_state *st, const struct fan_process *p)
{
	const struct fw_opts *o = st->o;
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

bool fw_filter_paths(const struct fw_state *st, const struct fw_record *rec)
{
	return glob_pass(st->o, rec->path.s, rec->path.len) ||
	       (rec->new_path.s && glob_pass(st->o, rec->new_path.s, rec->new_path.len));
}

bool fw_filter_record(struct fw_state *st, const struct fw_record *rec)
{
	if ((st->o->npids || st->tree) && !fw_filter_pid(st, rec->pid))
		return false;
	return fw_filter_comm(st, rec->proc) && fw_filter_paths(st, rec);
}
