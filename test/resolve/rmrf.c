// SPDX-License-Identifier: MIT
/*
 * rm -rf of a tree: each directory's FAN_DELETE_SELF is merged by the
 * kernel into its earlier FAN_OPEN (rm opened it to list it), so it comes
 * before its children's deletions.  The directory's path must stay known
 * until the deletion that names it in its parent: every deletion is
 * asserted with its full path (the exact set, hostile names included).
 *
 * Groups: a filesystem mark with FAN_RENAME (before Linux 5.17
 * FAN_MOVED_FROM | FAN_MOVED_TO) (paths kept right by events:
 * no flag), inode marks on every directory with and without privilege
 * (the paths of deleted directories cannot be checked any more: full,
 * possibly UNVERIFIED, never partial), and FAN_REPORT_TARGET_FID (the
 * files' own FAN_DELETE_SELF named by the deletion that follows).  Then
 * the group's records of marked directories: forgotten once deleted.
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
#include "internal.h"

#define EVENTS (FAN_OPEN | FAN_CREATE | FAN_DELETE | FAN_DELETE_SELF | FAN_ONDIR)

static char dir[256];

/* The tree, below TOP: directories end in '/'. */
static const char *const tree[] = {
	"d/", "d/a", "d/b \n\xff", "d/e/", "d/e/c", "d/e/g/", "d/e/g/deep", "d/-> x/", "d/-> x/y",
};
#define NTREE (sizeof(tree) / sizeof(tree[0]))

static char *at(const char *tag, const char *rel)
{
	size_t n = strlen(rel);
	char *p = rh_fmt("%s/%s/%s", dir, tag, rel);

	if (n && rel[n - 1] == '/')
		p[strlen(p) - 1] = '\0';
	return p;
}

/* The directories (files come after the marks). */
static void build(const char *tag)
{
	size_t i;

	for (i = 0; i < NTREE; i++) {
		char *p = at(tag, tree[i]);
		size_t n = strlen(tree[i]);

		if (tree[i][n - 1] == '/')
			T_EQ(mkdir(p, 0777), 0);
		free(p);
	}
}

static void make_files(const char *tag)
{
	size_t i;

	for (i = 0; i < NTREE; i++) {
		size_t n = strlen(tree[i]);
		char *p = at(tag, tree[i]);
		int fd;

		if (tree[i][n - 1] != '/') {
			fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
			T_ASSERT(fd >= 0);
			close(fd);
		}
		free(p);
	}
}

static void rm_rf(const char *tag)
{
	char *p = at(tag, "d/"), *cmd = rh_fmt("rm -rf '%s'", p);

	T_EQ(system(cmd), 0);
	free(p), free(cmd);
}

/* Every entry of the tree deleted with its full path. */
static void expect_deleted(const struct rh_evs *e, const char *tag, bool may_be_unverified)
{
	size_t i;

	for (i = 0; i < NTREE; i++) {
		bool isdir = tree[i][strlen(tree[i]) - 1] == '/';
		char *p = at(tag, tree[i]);
		const struct rh_ev *v = rh_expect(e, FAN_DELETE | (isdir ? FAN_ONDIR : 0), p);

		if ((v->path.flags & LIBFANOTIFY_PATH_PARTIAL) ||
		    (!may_be_unverified && (v->path.flags & LIBFANOTIFY_PATH_UNVERIFIED))) {
			rh_dump(e);
			th_fail("%s: %s flagged 0x%x", tag, p, v->path.flags);
		}
		free(p);
	}
	for (i = 0; i < e->n; i++)
		if ((e->v[i].mask & FAN_DELETE) && (e->v[i].path.flags & LIBFANOTIFY_PATH_PARTIAL)) {
			rh_dump(e);
			th_fail("%s: a partial deletion", tag);
		}
}

static void mark_dirs(struct fan_group *g, const char *tag)
{
	char *top = rh_fmt("%s/%s", dir, tag);
	size_t i;

	T_EQ(fan_group_add_mark(g, FAN_MARK_ONLYDIR, EVENTS | FAN_EVENT_ON_CHILD, top), 0);
	for (i = 0; i < NTREE; i++) {
		char *p = at(tag, tree[i]);

		if (tree[i][strlen(tree[i]) - 1] == '/')
			T_EQ(fan_group_add_mark(g, FAN_MARK_ONLYDIR, EVENTS | FAN_EVENT_ON_CHILD, p), 0);
		free(p);
	}
	free(top);
}

/* Did the kernel merge a directory's DELETE_SELF into its OPEN (the case this is about)? */
static bool merged_self(const struct rh_evs *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if ((e->v[i].mask & (FAN_OPEN | FAN_DELETE_SELF)) == (FAN_OPEN | FAN_DELETE_SELF))
			return true;
	return false;
}

static void run(const char *tag, unsigned int init, bool fs, bool may_be_unverified)
{
	struct fan_group *g = rh_group(init, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	char *top = rh_fmt("%s/%s", dir, tag);
	struct rh_evs e = { 0 };
	size_t records;

	T_EQ(mkdir(top, 0777), 0);
	build(tag);
	if (fs)
		T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, EVENTS | rh_rename_mask(), dir), 0);
	else
		mark_dirs(g, tag);
	records = g->nmarkrecs;
	make_files(tag);
	rh_drain(g, r, &e, false);	/* the directories' paths known */
	rh_evs_free(&e);
	rm_rf(tag);
	rh_drain(g, r, &e, false);
	if (!merged_self(&e))
		printf("%s: note: no DELETE_SELF came merged into an OPEN this time\n", tag);
	expect_deleted(&e, tag, may_be_unverified);
	if (init & FAN_REPORT_TARGET_FID) {
		/* a file's own DELETE_SELF (before its DELETE): its path from that DELETE */
		size_t i;

		for (i = 0; i < e.n; i++)
			if (e.v[i].mask == FAN_DELETE_SELF &&
			    (!e.v[i].path.path || e.v[i].path.path[0] != '/')) {
				rh_dump(&e);
				th_fail("%s: a file's DELETE_SELF without its path", tag);
			}
	}
	/* the records of the deleted marked directories are forgotten */
	if (!fs)
		T_EQ(g->nmarkrecs, records - 4);	/* d, d/e, d/e/g, d/-> x */
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(top);
}

/* The unprivileged case: runs under rh_unprivileged(). */
static void unpriv_child(void *arg)
{
	(void)arg;
	run("unpriv", FAN_REPORT_DFID_NAME | FAN_REPORT_FID, false, true);
}

int main(void)
{
	int fds;

	th_init(60);
	rh_shared_tmpfs(dir, sizeof(dir));
	fds = th_count_fds();
	run("fs", FAN_REPORT_DFID_NAME | FAN_REPORT_FID, true, false);
	run("inode", FAN_REPORT_DFID_NAME | FAN_REPORT_FID, false, true);
	if (fan_probe_init(FAN_REPORT_DFID_NAME_TARGET, O_RDONLY) == 0)
		run("target", FAN_REPORT_DFID_NAME_TARGET, true, false);
	rh_unprivileged(unpriv_child, NULL);
	T_EQ(th_count_fds(), fds);
	printf("PASS\n");
	return 0;
}
