// SPDX-License-Identifier: MIT
/*
 * What is reported: records that passed the user's filters go to the
 * output (or to --count, until --max-events); what the subtree tracker
 * found in directories that appeared becomes "create" records flagged as
 * found ("synthetic"); directories it could not watch are said on stderr
 * (the first ones each, then only counted) and in the summary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "state.h"

#define UNWATCHED_SHOWN 10

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

/*
 * Do the pid and comm filters pass the process whose event revealed the
 * directory?  Asked once per event (st->trigger_ok, reset by handle.c); a
 * rescan after lost events names no process: only unfiltered runs show
 * what it finds.
 */
static bool trigger_ok(struct fw_state *st, const struct fan_event *ev)
{
	const struct fan_process *p = NULL;

	if (!ev)
		return !st->o->npids && !st->o->nxpids && !st->tree && !st->o->proc_filter;
	if (st->trigger_ok < 0) {
		if (st->o->proc_filter)	/* --comm, --exclude-comm, --uid */
			p = fw_procs_get(st->procs, st->res, ev);
		st->trigger_ok = fw_filter_pid(st, fan_event_pid(ev)) && fw_filter_comm(st, p);
	}
	return st->trigger_ok;
}

static const char *unwatched_hint(int err)
{
	if (err == -ENOSPC)
		return " (too many marks: see /proc/sys/fs/fanotify/max_user_marks)";
	if (err == -EMFILE || err == -ENFILE)
		return " (too many open files)";
	return "";
}

static void unwatched(struct fw_state *st, const struct fan_subtree_entry *e)
{
	st->unwatched++;
	if (++st->unwatched_warned <= UNWATCHED_SHOWN)
		fw_warn("cannot watch %s: %s%s", fw_qpath(e->path), strerror(-e->error),
			unwatched_hint(e->error));
	else if (st->unwatched_warned == UNWATCHED_SHOWN + 1)
		fw_warn("more directories could not be watched: the summary counts them");
}

void fw_emit_found(void *arg, const struct fan_subtree_entry *e)
{
	struct fw_state *st = arg;
	struct fw_record rec = {
		.events = FAN_CREATE,
		.flags = FW_REC_SYNTHETIC | (e->flags & LIBFANOTIFY_SUBTREE_DIR ? FW_REC_DIR : 0),
		.path = { e->path, e->len },
	};

	if (e->flags & LIBFANOTIFY_SUBTREE_UNWATCHED)
		unwatched(st, e);
	if (!(e->flags & LIBFANOTIFY_SUBTREE_FOUND) || !(st->o->events & FAN_CREATE))
		return;
	if (!trigger_ok(st, e->trigger) || !fw_filter_paths(st, &rec)) {
		st->filtered++;
		return;
	}
	fw_emit(st, &rec);
}

void fw_emit_summary_notes(const struct fw_state *st)
{
	struct fan_subtree_stats ts = { .sz = sizeof(ts) };

	if (st->subtree && fan_subtree_get_stats(st->subtree, &ts) == 0 && ts.mark_errors)
		fw_warn("%llu directories could not be watched: %llu too many marks "
			"(max_user_marks), %llu no permission, %llu too many open files, %llu other",
			(unsigned long long)ts.mark_errors, (unsigned long long)ts.enospc,
			(unsigned long long)ts.eacces, (unsigned long long)ts.emfile,
			(unsigned long long)(ts.mark_errors - ts.enospc - ts.eacces - ts.emfile));
	if (ts.unreachable)
		fw_warn("%llu new directories could not be opened when they appeared (without "
			"CAP_DAC_READ_SEARCH by path only, and the path had changed): events in them "
			"may be missing", (unsigned long long)ts.unreachable);
	if (ts.dropped)
		fw_warn("%llu directories moved out of the tree stay marked (not openable by "
			"handle without CAP_DAC_READ_SEARCH): their events were not reported",
			(unsigned long long)ts.dropped);
	/* with one filesystem mark, the rest of the filesystem is outside by design */
	if (st->outside && !st->o->tree_fs)
		fw_warn("%llu events came from directories already moved out of the tree: not "
			"reported", (unsigned long long)st->outside);
	if (st->out.dropped)
		fw_warn("%llu records were dropped: the output's reader did not keep up",
			(unsigned long long)st->out.dropped);
}
