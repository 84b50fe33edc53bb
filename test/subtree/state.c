// SPDX-License-Identifier: MIT
/*
 * What the tracker keeps and what it costs the kernel's queue:
 * - 20,000 directories made and removed: nodes, tables and the group's
 *   mark records back where they started (O(live directories));
 * - no descriptor held between calls: a watched tmpfs unmounts;
 * - reading the directories it finds raises no event of its own (a group
 *   that does not hide its own events sees none);
 * - a queue overflow: directories made while events were lost are found
 *   by the rescan, marked, reported; a second overflow within a second
 *   puts the rescan off (fan_subtree_timeout());
 * - a permission group kept in step: marked, moved out, unmarked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "th.h"
#include "sh.h"
#include "subtree.h"	/* the tracker's tables, to check their size */

#define MASK (FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_CLOSE_WRITE)

static struct fan_subtree_stats stats(const struct sh *s)
{
	struct fan_subtree_stats st = { .sz = sizeof(st) };

	T_EQ(fan_subtree_get_stats(s->t, &st), 0);
	return st;
}

static void memory(void)
{
	struct sh s;
	size_t buckets;
	int round;

	sh_init_default(&s, "tmpfs", MASK, 0);
	sh_root(&s, "w");
	buckets = s.t->nbuckets;
	for (round = 0; round < 10; round++) {
		/* 2,000 at once, then all removed: the tables grow, then shrink back */
		sh_run("cd '%s' && mkdir $(seq -f d%%g 2000) && rmdir d*", sh_p(&s, "w"));
		sh_drain(&s);
		sh_clear(&s);
	}
	sh_run("mkdir '%s'", sh_p(&s, "w/last"));
	sh_drain(&s);
	T_EQ(stats(&s).dirs, 2);
	T_EQ(s.t->count, 2);
	T_EQ(s.t->nbuckets, buckets);
	/* no mark record per directory in the group: only what fan_group_mark() records */
	T_ASSERT(s.g->nmarkrecs <= 1);
	T_EQ(s.t->npending, 0);
	T_EQ(s.t->qlen, 0);
	sh_free(&s);
	printf("ok: 20,000 directories made and removed: state back to its start\n");
}

static void descriptors(void)
{
	char m[300];
	struct sh s;
	int fds;

	sh_init_default(&s, "tmpfs", MASK, 0);
	snprintf(m, sizeof(m), "%s", sh_p(&s, "m"));
	sh_run("mkdir -p '%s' && mount -t tmpfs m '%s' && mkdir -p '%s/a/b'", m, m, m);
	fds = th_count_fds();
	T_ASSERT(fan_subtree_add_root(s.t, AT_FDCWD, m) >= 0);
	T_EQ(th_count_fds(), fds);
	sh_run("mkdir -p '%s/c/d' && mv '%s/c' '%s/a/b/c' && mkdir '%s/x'", m, m, m, sh_p(&s, ""));
	sh_drain(&s);
	T_EQ(fan_subtree_rescan(s.t), 0);
	T_EQ(th_count_fds(), fds);
	if (umount(m) < 0)
		th_fail("umount of a tracked tmpfs: %s (a descriptor held?)", strerror(errno));
	sh_free(&s);
	printf("ok: no descriptor held between calls; a tracked tmpfs unmounts\n");
}

/* Another process moves a tree of 300 directories in: the group sees none of ours. */
static void own_events(void)
{
	uint64_t mask = MASK | FAN_OPEN | FAN_CLOSE_NOWRITE | FAN_ACCESS;
	unsigned int init = sh_default_init(&mask);
	bool own_first = false;
	struct sh s;
	size_t i;

	sh_init(&s, "tmpfs", init, 0, mask, 0);
	sh_run("cd '%s' && mkdir -p w out && for i in $(seq 30); do mkdir -p out/t/a$i/b1 out/t/a$i/b2 "
	       "out/t/a$i/b3 out/t/a$i/b4 out/t/a$i/b5 out/t/a$i/b6 out/t/a$i/b7 out/t/a$i/b8 "
	       "out/t/a$i/b9; done", s.base);
	sh_root(&s, "w");
	sh_drain(&s);
	sh_run("mv '%s' '%s'", sh_p(&s, "out/t"), sh_p(&s, "w/t"));
	sh_drain(&s);
	T_EQ(stats(&s).dirs, 2 + 30 * 10);
	for (i = 0; i < s.n; i++) {
		if (s.v[i].pid != getpid())
			continue;
		/*
		 * Before FAN_MARK_IGNORE (Linux 6.0), as documented: reading the
		 * first directory of the scan (w/t, under w's full mask) raises
		 * its open, read and close, once; nothing below it.
		 */
		if (!th_kernel_has("6.0") && !own_first && s.v[i].path &&
		    !strcmp(s.v[i].path, sh_p(&s, "w/t")) &&
		    !(s.v[i].mask & ~(uint64_t)(FAN_OPEN | FAN_ACCESS | FAN_CLOSE_NOWRITE | FAN_ONDIR))) {
			own_first = true;
			continue;
		}
		sh_dump(&s);
		th_fail("an event of the tracker's own reading reached the group");
	}
	sh_free(&s);
	printf("ok: reading 300 new directories raised no event of the tracker's own%s\n",
	       own_first ? " but the first directory's open and close (before Linux 6.0)" : "");
}

static void overflow(void)
{
	uint64_t mask = MASK;
	unsigned int max = 16384;
	struct sh s;
	FILE *f;

	f = fopen("/proc/sys/fs/fanotify/max_queued_events", "re");
	if (f) {
		if (fscanf(f, "%u", &max) != 1)
			max = 16384;
		fclose(f);
	}
	if (max > 200000)
		th_skip("max_queued_events is %u: too large to overflow here", max);
	sh_init_default(&s, "tmpfs", MASK, 0);
	sh_default_init(&mask);
	fan_subtree_free(s.t);
	/* a long gap between rescans: the second overflow comes well within it */
	T_EQ(fan_subtree_new(s.g, &(struct fan_subtree_opts){ .sz = sizeof(struct fan_subtree_opts),
		.mask = mask, .found = sh_found, .arg = &s, .rescan_gap_ms = 60000 }, &s.t), 0);
	sh_root(&s, "w");
	sh_run("mkdir '%s'", sh_p(&s, "w/d"));
	sh_drain(&s);
	sh_clear(&s);
	/* more events than the queue holds, then a tree made while they are lost */
	sh_run("cd '%s' && for i in $(seq %u); do : > d/f$i; done && "
	       "mkdir -p new/a/b && echo > new/a/b/f", sh_p(&s, "w"), max + 100);
	sh_drain(&s);
	T_EQ(s.v[s.n - 5].mask, FAN_Q_OVERFLOW);	/* then the four found entries */
	T_EQ(stats(&s).rescans, 1);
	sh_expect_set(&s, 0, LIBFANOTIFY_SUBTREE_FOUND, LIBFANOTIFY_SUBTREE_FOUND,
		      (const char *const[]){ "w/new", "w/new/a", "w/new/a/b", "w/new/a/b/f", NULL });
	sh_clear(&s);
	sh_run("echo > '%s'", sh_p(&s, "w/new/a/b/g"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_CREATE, 0, 0, (const char *const[]){ "w/new/a/b/g", NULL });
	sh_clear(&s);
	/* a second overflow at once: the rescan waits for its second */
	sh_run("cd '%s' && for i in $(seq %u); do : > d/g$i; done && mkdir -p new2/x",
	       sh_p(&s, "w"), max + 100);
	sh_drain(&s);
	T_EQ(stats(&s).rescans, 1);
	T_ASSERT(fan_subtree_timeout(s.t) > 0 && fan_subtree_timeout(s.t) <= 60000);
	T_ASSERT(!sh_marked(s.g, sh_p(&s, "w/new2/x")));
	T_EQ(fan_subtree_rescan(s.t), 0);	/* what the caller does when the timeout is over */
	T_EQ(fan_subtree_timeout(s.t), -1);
	T_ASSERT(sh_marked(s.g, sh_p(&s, "w/new2/x")));
	sh_free(&s);
	printf("ok: overflow: what was made meanwhile found and marked; a storm waits\n");
}

static void perm_group(void)
{
	LIBFANOTIFY_OPTS(fan_group_opts, po, .init_flags = FAN_CLASS_CONTENT | FAN_CLOEXEC |
			 FAN_NONBLOCK, .event_f_flags = O_RDONLY | O_CLOEXEC);
	struct fan_group *p;
	struct sh s;
	int r;

	th_require_init(FAN_CLASS_CONTENT, O_RDONLY);
	sh_init_default(&s, "tmpfs", MASK, 0);
	T_EQ(fan_group_new_opts(&po, &p), 0);
	/* exec permission: nothing here runs programs from the tree, nothing waits */
	T_EQ(fan_subtree_add_group(s.t, p, FAN_OPEN_EXEC_PERM), 0);
	T_EQ(fan_subtree_add_group(s.t, p, FAN_OPEN_EXEC_PERM), -EEXIST);
	sh_run("mkdir -p '%s/a/b' '%s/out/m/n'", sh_p(&s, "w"), s.base);
	sh_root(&s, "w");
	r = fan_subtree_add_group(s.t, p, FAN_OPEN_PERM);
	T_EQ(r, -EINVAL);	/* groups come before roots */
	sh_run("mkdir -p '%s' && mv '%s' '%s'", sh_p(&s, "w/c/d"), sh_p(&s, "out/m"), sh_p(&s, "w/m"));
	sh_drain(&s);
	T_ASSERT(sh_marked(p, sh_p(&s, "w")));
	T_ASSERT(sh_marked(p, sh_p(&s, "w/a/b")));
	T_ASSERT(sh_marked(p, sh_p(&s, "w/c/d")));
	T_ASSERT(sh_marked(p, sh_p(&s, "w/m/n")));
	T_EQ(sh_marks(p), sh_marks(s.g));
	sh_run("mv '%s' '%s'", sh_p(&s, "w/m"), sh_p(&s, "out/m"));
	sh_drain(&s);
	T_ASSERT(!sh_marked(p, sh_p(&s, "out/m/n")));
	T_EQ(sh_marks(p), sh_marks(s.g));
	sh_free(&s);
	fan_group_free(p);
	printf("ok: a permission group kept in step (created, moved in, moved out)\n");
}

int main(int argc, char **argv)
{
	th_init(180);
	(void)argc;
	(void)argv;
	memory();
	descriptors();
	own_events();
	overflow();
	perm_group();
	return 0;
}
