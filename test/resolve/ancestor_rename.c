// SPDX-License-Identifier: MIT
/*
 * A marked directory whose ancestor is renamed where the group sees
 * nothing (only the directory itself is marked): no event can tell the
 * resolver, so a path it keeps is checked before it is returned.  With
 * privilege the directory is read anew (the new path, also for an event a
 * second later); without, the old path comes flagged UNVERIFIED with the
 * reason (-EPERM: it cannot be read anew), never silently.  The same for a
 * marked file's own events (FAN_REPORT_FID).  A group that sees every
 * directory rename on the filesystem (a filesystem mark with FAN_RENAME)
 * keeps its paths right from its events, until FAN_RENAME is removed from
 * its mark (before Linux 5.17: FAN_MOVED_FROM | FAN_MOVED_TO).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "th.h"
#include "rh.h"

static char dir[256];

static void run(const char *tag, bool unpriv)
{
	struct fan_group *g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	struct fan_group *fg = rh_group(FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0), *fr = rh_resolver(fg, 0);
	char *t = rh_fmt("%s/%s", dir, tag), *a = rh_fmt("%s/a", t), *b = rh_fmt("%s/b", t);
	char *d = rh_fmt("%s/D", a), *f1 = rh_fmt("%s/f1", d), *file = rh_fmt("%s/file", d);
	char *now = rh_fmt("%s/D/f2", b), *stale = rh_fmt("%s/f2", d), *fnow = rh_fmt("%s/D/file", b);
	char *dnow = rh_fmt("%s/D", b);
	struct rh_evs e = { 0 };
	const struct rh_ev *v;

	T_EQ(mkdir(t, 0777), 0);
	T_EQ(mkdir(a, 0777), 0);
	T_EQ(mkdir(d, 0777), 0);
	th_write_file(d, "file", 0);
	T_EQ(fan_group_add_mark(g, 0, FAN_CREATE | FAN_ONDIR, d), 0);
	T_EQ(fan_group_add_mark(fg, 0, FAN_ATTRIB, file), 0);
	th_write_file(d, "f1", 0);
	T_EQ(chmod(file, 0600), 0);
	rh_drain(g, r, &e, false);
	T_EQ(rh_expect(&e, FAN_CREATE, f1)->path.flags, 0);
	rh_evs_free(&e);
	rh_drain(fg, fr, &e, false);
	T_EQ(rh_expect(&e, FAN_ATTRIB, file)->path.flags, 0);
	rh_evs_free(&e);

	T_EQ(rename(a, b), 0);		/* unseen */
	sleep(1);
	th_write_file(dnow, "f2", 0);
	T_EQ(chmod(fnow, 0644), 0);
	rh_drain(g, r, &e, false);
	if (!unpriv) {
		T_EQ(rh_expect(&e, FAN_CREATE, now)->path.flags, 0);
	} else {
		v = rh_find(&e, FAN_CREATE, now);
		if (!v) {
			v = rh_expect(&e, FAN_CREATE, stale);
			if (!(v->path.flags & LIBFANOTIFY_PATH_UNVERIFIED) || v->path.error != -EPERM) {
				rh_dump(&e);
				th_fail("%s: the stale path is not flagged", tag);
			}
		}
	}
	rh_evs_free(&e);
	rh_drain(fg, fr, &e, false);
	v = rh_find(&e, FAN_ATTRIB, fnow);
	if (!v) {
		v = rh_expect(&e, FAN_ATTRIB, file);
		if (!unpriv || !(v->path.flags & LIBFANOTIFY_PATH_UNVERIFIED) ||
		    v->path.error != -EPERM) {
			rh_dump(&e);
			th_fail("%s: the marked file's stale path is not flagged", tag);
		}
	}
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_resolver_free(fr);
	fan_group_free(g);
	fan_group_free(fg);
	free(t), free(a), free(b), free(d), free(f1), free(file), free(now), free(stale), free(fnow);
	free(dnow);
}

/*
 * A filesystem mark that stops reporting directory renames (FAN_RENAME
 * removed from it): its paths are checked from then on.
 */
static void fs_mask_removed(void)
{
	struct fan_group *g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	char *t = rh_fmt("%s/fsmask", dir), *a = rh_fmt("%s/a", t), *b = rh_fmt("%s/b", t);
	char *d = rh_fmt("%s/D", a), *f1 = rh_fmt("%s/f1", d), *bd = rh_fmt("%s/D", b);
	char *now = rh_fmt("%s/f2", bd);
	struct rh_evs e = { 0 };

	T_EQ(mkdir(t, 0777), 0);
	T_EQ(mkdir(a, 0777), 0);
	T_EQ(mkdir(d, 0777), 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, FAN_CREATE | rh_rename_mask() | FAN_ONDIR,
				dir), 0);
	th_write_file(d, "f1", 0);
	rh_drain(g, r, &e, false);
	T_EQ(rh_expect(&e, FAN_CREATE, f1)->path.flags, 0);
	rh_evs_free(&e);
	T_EQ(fan_group_remove_mark(g, FAN_MARK_FILESYSTEM, rh_rename_mask(), dir), 0);
	T_EQ(rename(a, b), 0);		/* unseen now */
	th_write_file(bd, "f2", 0);
	rh_drain(g, r, &e, false);
	T_EQ(rh_expect(&e, FAN_CREATE, now)->path.flags, 0);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(t), free(a), free(b), free(d), free(f1), free(bd), free(now);
}

/* The unprivileged case: runs under rh_unprivileged(). */
static void unpriv_child(void *arg)
{
	(void)arg;
	run("unpriv", true);
}

int main(void)
{
	int fds;

	th_init(60);
	rh_shared_tmpfs(dir, sizeof(dir));
	fds = th_count_fds();
	run("priv", false);
	fs_mask_removed();
	rh_unprivileged(unpriv_child, NULL);
	T_EQ(th_count_fds(), fds);
	printf("PASS\n");
	return 0;
}
