// SPDX-License-Identifier: MIT
/*
 * Each event gets the path of its own moment, so a log read in order never
 * shows a rename's effect before the rename.
 *
 * One batch holds: a creation in a/b, the rename of a/b to a/b-renamed, a
 * creation in it, the deletion of the first file, the rename of a to c, a
 * creation in c/b-renamed.  The paths of every event are asserted in order
 * (not a count), with hostile names, in several groups: a filesystem mark
 * with FAN_RENAME (paths kept right by events), the same with
 * FAN_MOVED_FROM | FAN_MOVED_TO instead, inode marks on every directory
 * (paths checked against the filesystem), inode marks without privilege
 * (paths from the directory marks, in event order), and a group with
 * FAN_REPORT_TARGET_FID.
 *
 * Moves building on each other in one batch (x to y, then y/a to y/b).
 * A directory moved out of what the group sees (MOVED_FROM only): an
 * earlier creation in it is flagged, or exact with FAN_REPORT_TARGET_FID.
 *
 * Then directories created and removed before the read: an event inside
 * one has its full path when the batch holds the directory's creation with
 * its handle (FAN_REPORT_TARGET_FID), also nested and renamed in between;
 * without FAN_REPORT_TARGET_FID it is the name alone, PARTIAL, -ESTALE.
 *
 * Before Linux 5.17 the groups with FAN_RENAME are not run, and the others
 * ask for FAN_MOVED_FROM | FAN_MOVED_TO (each move then two events).
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

#define DIR_EVENTS (FAN_CREATE | FAN_DELETE | FAN_ONDIR)
/* names the kernel reports as they are: spaces, a newline, an arrow, bytes beyond ASCII */
#define B "b \n->\xff"
#define F1 "f1 .txt"

static char dir[256];

static char *at(const char *tag, const char *rel)
{
	return rh_fmt("%s/%s/%s", dir, tag, rel);
}

static void mk(const char *tag, const char *rel)
{
	char *p = at(tag, rel);

	if (mkdir(p, 0777) < 0)
		th_fail("mkdir %s: %s", p, strerror(errno));
	free(p);
}

static void touch(const char *tag, const char *rel)
{
	char *p = at(tag, rel);
	int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

	if (fd < 0)
		th_fail("create %s: %s", p, strerror(errno));
	close(fd);
	free(p);
}

static void mv(const char *tag, const char *from, const char *to)
{
	char *a = at(tag, from), *b = at(tag, to);

	if (rename(a, b) < 0)
		th_fail("rename %s %s: %s", a, b, strerror(errno));
	free(a), free(b);
}

static void rm(const char *tag, const char *rel, bool isdir)
{
	char *p = at(tag, rel);

	if ((isdir ? rmdir(p) : unlink(p)) < 0)
		th_fail("remove %s: %s", p, strerror(errno));
	free(p);
}

static void unlink_child(void *arg)
{
	exit(unlink(arg) < 0);
}

/*
 * Removed by another process: the kernel merges a deletion into a queued
 * creation of the same name by the same process (one CREATE|DELETE event).
 */
static void rm_apart(const char *tag, const char *rel)
{
	char *p = at(tag, rel);

	T_EQ(th_wait(th_spawn(unlink_child, p)), 0);
	free(p);
}

struct want {
	uint64_t mask;		/* these bits, exactly, FAN_ONDIR included */
	const char *path, *new_path;
};

/* The events, in order, exactly these (FAN_MOVED_FROM+TO pairs as two events). */
static void expect_seq(const struct rh_evs *e, const char *tag, const struct want *w, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < e->n && k < n; i++) {
		const struct rh_ev *v = &e->v[i];
		char *p = at(tag, w[k].path), *np = w[k].new_path ? at(tag, w[k].new_path) : NULL;

		if (v->mask != w[k].mask || !v->path.path || strcmp(v->path.path, p) ||
		    (v->path.flags & (LIBFANOTIFY_PATH_PARTIAL | LIBFANOTIFY_PATH_UNVERIFIED)) ||
		    (np && (!v->new_path.path || strcmp(v->new_path.path, np)))) {
			fprintf(stderr, "%s: event %zu is not 0x%llx %s%s%s\n", tag, i,
				(unsigned long long)w[k].mask, p, np ? " -> " : "", np ? np : "");
			rh_dump(e);
			th_fail("%s: wrong path", tag);
		}
		free(p), free(np);
		k++;
	}
	if (k != n || i != e->n) {
		rh_dump(e);
		th_fail("%s: %zu events, expected %zu", tag, e->n, n);
	}
}

struct setup {
	const char *tag;
	unsigned int init;
	unsigned int type;	/* FAN_MARK_FILESYSTEM, or inode marks on each directory */
	uint64_t moves;		/* FAN_RENAME, or FAN_MOVED_FROM | FAN_MOVED_TO */
};

static void mark_dir(struct fan_group *g, const struct setup *s, const char *rel)
{
	char *p = at(s->tag, rel);

	T_EQ(fan_group_add_mark(g, FAN_MARK_ONLYDIR, DIR_EVENTS | s->moves | FAN_EVENT_ON_CHILD, p),
	     0);
	free(p);
}

/* The events of one directory move, as the group's mask reports it. */
static size_t moved(const struct setup *s, struct want *w, const char *from, const char *to)
{
	size_t n = 0;

	if (s->moves & FAN_RENAME)
		w[n++] = (struct want){ FAN_RENAME | FAN_ONDIR, from, to };
	if (s->moves & FAN_MOVED_FROM) {
		w[n++] = (struct want){ FAN_MOVED_FROM | FAN_ONDIR, from, NULL };
		w[n++] = (struct want){ FAN_MOVED_TO | FAN_ONDIR, to, NULL };
	}
	return n;
}

static void renames(const struct setup *s)
{
	struct fan_group *g = rh_group(s->init, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	struct rh_evs e = { 0 };
	struct want w[16];
	size_t n;
	char *top = rh_fmt("%s/%s", dir, s->tag);

	T_EQ(mkdir(top, 0777), 0);
	mk(s->tag, "a");
	mk(s->tag, "a/" B);
	if (s->type == FAN_MARK_FILESYSTEM) {
		T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, DIR_EVENTS | s->moves, dir), 0);
	} else {
		T_EQ(fan_group_add_mark(g, FAN_MARK_ONLYDIR, DIR_EVENTS | s->moves, top), 0);
		mark_dir(g, s, "a");
		mark_dir(g, s, "a/" B);
	}
	/* the directories' paths known (cached) before */
	touch(s->tag, "a/" B "/warm");
	rh_drain(g, r, &e, false);
	rh_evs_free(&e);

	touch(s->tag, "a/" B "/" F1);
	mv(s->tag, "a/" B, "a/" B "-renamed");
	touch(s->tag, "a/" B "-renamed/f2");
	rm_apart(s->tag, "a/" B "-renamed/" F1);
	mv(s->tag, "a", "c");
	touch(s->tag, "c/" B "-renamed/f3");
	rh_drain(g, r, &e, false);
	n = 0;
	w[n++] = (struct want){ FAN_CREATE, "a/" B "/" F1, NULL };
	n += moved(s, w + n, "a/" B, "a/" B "-renamed");
	w[n++] = (struct want){ FAN_CREATE, "a/" B "-renamed/f2", NULL };
	w[n++] = (struct want){ FAN_DELETE, "a/" B "-renamed/" F1, NULL };
	n += moved(s, w + n, "a", "c");
	w[n++] = (struct want){ FAN_CREATE, "c/" B "-renamed/f3", NULL };
	expect_seq(&e, s->tag, w, n);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(top);
}

/*
 * Moves that build on each other in one batch: x renamed y, then y/a
 * renamed y/b, after a creation in x/a, with x and x/a known (cached)
 * from an earlier batch.  Each move's own paths are of its moment too.
 */
static void chain(unsigned int init, const char *tag)
{
	struct fan_group *g = rh_group(init, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	char *top = rh_fmt("%s/%s", dir, tag);
	struct rh_evs e = { 0 };
	const struct want w_rename[] = {
		{ FAN_CREATE, "x/a/f", NULL },
		{ FAN_RENAME | FAN_ONDIR, "x", "y" },
		{ FAN_RENAME | FAN_ONDIR, "y/a", "y/b" },
		{ FAN_CREATE, "y/b/g", NULL },
	}, w_moved[] = {
		{ FAN_CREATE, "x/a/f", NULL },
		{ FAN_MOVED_FROM | FAN_ONDIR, "x", NULL },
		{ FAN_MOVED_TO | FAN_ONDIR, "y", NULL },
		{ FAN_MOVED_FROM | FAN_ONDIR, "y/a", NULL },
		{ FAN_MOVED_TO | FAN_ONDIR, "y/b", NULL },
		{ FAN_CREATE, "y/b/g", NULL },
	};
	bool rename = rh_rename_mask() == FAN_RENAME;

	T_EQ(mkdir(top, 0777), 0);
	mk(tag, "x");
	mk(tag, "x/a");
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, DIR_EVENTS | rh_rename_mask(), dir), 0);
	touch(tag, "x/warm");
	touch(tag, "x/a/warm");
	rh_drain(g, r, &e, false);
	rh_evs_free(&e);
	touch(tag, "x/a/f");
	mv(tag, "x", "y");
	mv(tag, "y/a", "y/b");
	touch(tag, "y/b/g");
	rh_drain(g, r, &e, false);
	if (rename)
		expect_seq(&e, tag, w_rename, sizeof(w_rename) / sizeof(w_rename[0]));
	else
		expect_seq(&e, tag, w_moved, sizeof(w_moved) / sizeof(w_moved[0]));
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(top);
}

/*
 * A directory moved out of what the group sees, in a group that reports
 * only MOVED_FROM: where it went is not in the batch.  A creation in it
 * before the move is flagged UNVERIFIED (its path as read now), never
 * given as if of its moment; with FAN_REPORT_TARGET_FID the moved
 * directory's handle tells, and the path is exact.
 */
static void moved_out(unsigned int init, const char *tag)
{
	struct fan_group *g = rh_group(init, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	char *top = rh_fmt("%s/%s", dir, tag), *src = at(tag, "src"), *sub = at(tag, "src/sub");
	char *then = at(tag, "src/sub/f"), *now = at(tag, "dst/sub/f");
	struct rh_evs e = { 0 };
	const struct rh_ev *v;

	T_EQ(mkdir(top, 0777), 0);
	mk(tag, "src");
	mk(tag, "src/sub");
	mk(tag, "dst");
	T_EQ(fan_group_add_mark(g, 0, FAN_MOVED_FROM | FAN_ONDIR | FAN_EVENT_ON_CHILD, src), 0);
	T_EQ(fan_group_add_mark(g, 0, FAN_CREATE | FAN_EVENT_ON_CHILD, sub), 0);
	touch(tag, "src/sub/warm");
	rh_drain(g, r, &e, false);
	rh_evs_free(&e);
	touch(tag, "src/sub/f");
	mv(tag, "src/sub", "dst/sub");
	rh_drain(g, r, &e, false);
	if (init & FAN_REPORT_TARGET_FID) {
		T_EQ(rh_expect(&e, FAN_CREATE, then)->path.flags, 0);
	} else {
		v = rh_expect(&e, FAN_CREATE, now);
		T_ASSERT(v->path.flags & LIBFANOTIFY_PATH_UNVERIFIED);
		T_ASSERT(v->path.error < 0);
		rh_expect_none(&e, FAN_CREATE, then);
	}
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(top), free(src), free(sub), free(then), free(now);
}

/* The unprivileged case: runs under rh_unprivileged(). */
static void unpriv_child(void *arg)
{
	const struct setup *s = arg;

	renames(s);
}

/* Directories created and removed before the read. */
static void gone_dirs(unsigned int init, const char *tag)
{
	struct fan_group *g = rh_group(init, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	bool target = init & FAN_REPORT_TARGET_FID;
	struct rh_evs e = { 0 };
	char *top = rh_fmt("%s/%s", dir, tag), *p;
	const char *in[] = { "t/" F1, "n1/n2/y", "t3/x" };
	size_t i;

	T_EQ(mkdir(top, 0777), 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, DIR_EVENTS | rh_rename_mask(), dir), 0);
	mk(tag, "t");
	touch(tag, "t/" F1);
	rm(tag, "t/" F1, false);
	rm(tag, "t", true);
	mk(tag, "n1");
	mk(tag, "n1/n2");
	touch(tag, "n1/n2/y");
	rm(tag, "n1/n2/y", false);
	rm(tag, "n1/n2", true);
	rm(tag, "n1", true);
	mk(tag, "t2");
	mv(tag, "t2", "t3");
	touch(tag, "t3/x");
	rm(tag, "t3/x", false);
	rm(tag, "t3", true);
	rh_drain(g, r, &e, false);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		const char *name = strrchr(in[i], '/') + 1;
		const struct rh_ev *v;

		p = at(tag, in[i]);
		if (target) {
			/* the creation and the deletion may come merged, one event */
			v = rh_expect(&e, FAN_CREATE, p);
			T_EQ(v->path.flags & (LIBFANOTIFY_PATH_PARTIAL | LIBFANOTIFY_PATH_UNVERIFIED), 0);
			v = rh_expect(&e, FAN_DELETE, p);
			T_EQ(v->path.flags & (LIBFANOTIFY_PATH_PARTIAL | LIBFANOTIFY_PATH_UNVERIFIED), 0);
		} else {
			rh_expect_none(&e, FAN_CREATE, p);
			v = rh_expect(&e, FAN_CREATE, name);
			T_ASSERT(v->path.flags & LIBFANOTIFY_PATH_PARTIAL);
			T_EQ(v->path.error, -ESTALE);
		}
		free(p);
	}
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(top);
}

/* Does this kernel have what the setup asks for (FAN_RENAME: 5.17)? */
static bool setup_here(const struct setup *s)
{
	if ((s->moves & FAN_RENAME) && rh_rename_mask() != FAN_RENAME) {
		printf("%s: not run, FAN_RENAME needs Linux %s\n", s->tag, fan_event_since(FAN_RENAME));
		return false;
	}
	return !(s->init & FAN_REPORT_TARGET_FID) || fan_probe_init(s->init, O_RDONLY) == 0;
}

int main(void)
{
	const unsigned int fid = FAN_REPORT_DFID_NAME | FAN_REPORT_FID;
	const struct setup setups[] = {
		{ "fs-rename", fid, FAN_MARK_FILESYSTEM, FAN_RENAME },
		{ "fs-moved", fid, FAN_MARK_FILESYSTEM, FAN_MOVED_FROM | FAN_MOVED_TO },
		{ "fs-both", fid, FAN_MARK_FILESYSTEM, FAN_RENAME | FAN_MOVED_FROM | FAN_MOVED_TO },
		{ "inode-rename", fid, FAN_MARK_INODE, FAN_RENAME },
		{ "inode-moved", fid, FAN_MARK_INODE, FAN_MOVED_FROM | FAN_MOVED_TO },
		{ "target", FAN_REPORT_DFID_NAME_TARGET, FAN_MARK_FILESYSTEM, FAN_RENAME },
	};
	const struct setup unpriv[] = {
		{ "unpriv-rename", fid, FAN_MARK_INODE, FAN_RENAME },
		{ "unpriv-moved", fid, FAN_MARK_INODE, FAN_MOVED_FROM | FAN_MOVED_TO },
	};
	size_t i;
	int fds;

	th_init(60);
	rh_shared_tmpfs(dir, sizeof(dir));
	fds = th_count_fds();
	for (i = 0; i < sizeof(setups) / sizeof(setups[0]); i++)
		if (setup_here(&setups[i]))
			renames(&setups[i]);
	for (i = 0; i < sizeof(unpriv) / sizeof(unpriv[0]); i++)
		if (setup_here(&unpriv[i]))
			rh_unprivileged(unpriv_child, (void *)&unpriv[i]);
	chain(fid, "chain");
	moved_out(fid, "out-fid");
	if (fan_probe_init(FAN_REPORT_DFID_NAME_TARGET, O_RDONLY) == 0)
		moved_out(FAN_REPORT_DFID_NAME_TARGET, "out-target");
	gone_dirs(fid, "gone-fid");
	if (fan_probe_init(FAN_REPORT_DFID_NAME_TARGET, O_RDONLY) == 0)
		gone_dirs(FAN_REPORT_DFID_NAME_TARGET, "gone-target");
	else
		printf("skip: FAN_REPORT_TARGET_FID needs Linux %s\n",
		       fan_init_flag_since(FAN_REPORT_TARGET_FID));
	T_EQ(th_count_fds(), fds);
	printf("PASS\n");
	return 0;
}
