// SPDX-License-Identifier: MIT
/*
 * A queue overflow makes the resolver stop trusting what it kept: a rename
 * lost in the overflow must not leave a stale directory path behind.
 *
 * The reproduction of issue 13, verbatim: a tmpfs marked with FAN_CREATE |
 * FAN_RENAME | FAN_ONDIR (DFID_NAME + FID), mkdir a, create a/f1 and read
 * it, create more files than the queue holds, rename a a2 (lost), read all
 * (every event, the overflow included, to fan_resolve_path()), create
 * a2/f2: it must resolve to a2/f2, not a/f2.  Then the same when the
 * caller never passes the overflow event on (only the group's overflow
 * count tells), when it only observes, and unprivileged (uid 65534: paths
 * from the directory marks, which must be checked after the overflow, and
 * give the name alone rather than the stale path).  Before Linux 5.17 the
 * marks ask for FAN_MOVED_FROM | FAN_MOVED_TO instead of FAN_RENAME.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "th.h"
#include "rh.h"

enum feed { FEED_ALL, FEED_SKIP_OVERFLOW, FEED_OBSERVE };

static char dir[256];
static long queue_max;

static long read_queue_max(void)
{
	FILE *f = fopen("/proc/sys/fs/fanotify/max_queued_events", "r");
	long n = 0;

	if (!f || fscanf(f, "%ld", &n) != 1 || n <= 0)
		th_skip("cannot read /proc/sys/fs/fanotify/max_queued_events");
	fclose(f);
	if (n > 200000)
		th_skip("max_queued_events is %ld: too many files to overflow it here", n);
	return n;
}

static void flood(const char *in, long n)
{
	char name[32];
	long i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "flood-%ld", i);
		th_write_file(in, name, 0);
	}
}

/* Read everything; each event resolved, observed, or (the overflow) skipped. */
static long drain(struct fan_group *g, struct fan_resolver *r, enum feed how)
{
	struct fan_event *ev;
	long overflows = 0;
	int n;

	while ((n = fan_group_read(g)) >= 0)
		fan_for_each_event(ev, g) {
			if (fan_event_is_overflow(ev)) {
				overflows++;
				if (how == FEED_SKIP_OVERFLOW)
					continue;
			}
			if (how == FEED_OBSERVE)
				fan_resolver_observe(r, ev);
			else
				fan_resolve_path(r, ev, NULL, NULL);
		}
	T_EQ(n, -EAGAIN);
	return overflows;
}

static void run(const char *tag, enum feed how, bool unpriv)
{
	struct fan_group *g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	char *top = rh_fmt("%s/%s", dir, tag), *a = rh_fmt("%s/a", top), *a2 = rh_fmt("%s/a2", top);
	char *f1 = rh_fmt("%s/f1", a), *stale = rh_fmt("%s/f2", a), *want = rh_fmt("%s/f2", a2);
	struct rh_evs e = { 0 };
	const struct rh_ev *v;

	T_EQ(mkdir(top, 0777), 0);
	T_EQ(mkdir(a, 0777), 0);
	if (unpriv) {
		T_EQ(fan_group_add_mark(g, 0, FAN_CREATE | rh_rename_mask() | FAN_ONDIR, top), 0);
		T_EQ(fan_group_add_mark(g, 0, FAN_CREATE | FAN_ONDIR, a), 0);
	} else {
		T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM,
					FAN_CREATE | rh_rename_mask() | FAN_ONDIR, dir), 0);
	}
	th_write_file(a, "f1", 0);
	rh_drain(g, r, &e, false);
	T_EQ(rh_expect(&e, FAN_CREATE, f1)->path.flags & LIBFANOTIFY_PATH_PARTIAL, 0);
	rh_evs_free(&e);

	flood(a, queue_max + 116);
	T_EQ(rename(a, a2), 0);		/* lost: the queue is full */
	T_EQ(drain(g, r, how), 1);

	th_write_file(a2, "f2", 0);
	rh_drain(g, r, &e, false);
	rh_expect_none(&e, FAN_CREATE, stale);
	v = rh_find(&e, FAN_CREATE, want);
	if (!v) {
		/* unprivileged: the directory cannot be read anew, so the name alone */
		v = rh_expect(&e, FAN_CREATE, "f2");
		if (!unpriv || !(v->path.flags & LIBFANOTIFY_PATH_PARTIAL) || v->path.error >= 0) {
			rh_dump(&e);
			th_fail("%s: a2/f2 resolved neither right nor flagged", tag);
		}
	}
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(top), free(a), free(a2), free(f1), free(stale), free(want);
}

/* The unprivileged case: runs under rh_unprivileged(). */
static void unpriv_child(void *arg)
{
	(void)arg;
	run("unpriv", FEED_ALL, true);
}

int main(void)
{
	int fds;

	th_init(240);
	rh_shared_tmpfs(dir, sizeof(dir));
	queue_max = read_queue_max();
	fds = th_count_fds();
	run("all", FEED_ALL, false);
	run("skip", FEED_SKIP_OVERFLOW, false);
	run("observe", FEED_OBSERVE, false);
	rh_unprivileged(unpriv_child, NULL);
	T_EQ(th_count_fds(), fds);
	printf("PASS\n");
	return 0;
}
