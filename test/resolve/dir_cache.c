// SPDX-License-Identifier: MIT
/*
 * The directory cache after directory renames and deletions (root, so
 * paths come from open_by_handle_at() and are cached): a directory whose
 * path is cached is renamed, then an event inside it must give the new
 * path.  Once with FAN_RENAME (Linux 5.17), once with
 * FAN_MOVED_FROM|FAN_MOVED_TO (what older kernels have), and for a
 * subdirectory of the renamed one.  Then a directory deleted and
 * recreated under the same name.  Without the cache being emptied under the
 * old path, the old path would come back.  Last, a rename into a directory
 * removed before the read: the new path is the name, PARTIAL, with the
 * reason (the old one stays whole); before 5.17 the same of the MOVED_TO.
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

static char *at(const char *rel)
{
	return rh_fmt("%s/%s", dir, rel);
}

static void mk(const char *rel)
{
	char *p = at(rel);

	if (mkdir(p, 0755) < 0)
		th_fail("mkdir %s: %s", p, strerror(errno));
	free(p);
}

static void touch(const char *rel)
{
	char *p = at(rel);
	int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

	if (fd < 0)
		th_fail("create %s: %s", p, strerror(errno));
	close(fd);
	free(p);
}

static void mv(const char *from, const char *to)
{
	char *a = at(from), *b = at(to);

	if (rename(a, b) < 0)
		th_fail("rename %s %s: %s", a, b, strerror(errno));
	free(a), free(b);
}

static void rm(const char *rel, bool isdir)
{
	char *p = at(rel);

	if ((isdir ? rmdir(p) : unlink(p)) < 0)
		th_fail("remove %s: %s", p, strerror(errno));
	free(p);
}

/* Resolve what is queued and expect a CREATE at rel (a full path). */
static void expect_create(struct fan_group *g, struct fan_resolver *r, const char *rel)
{
	struct rh_evs e = { 0 };
	char *p = at(rel);
	const struct rh_ev *v;

	rh_drain(g, r, &e, false);
	v = rh_expect(&e, FAN_CREATE, p);
	T_EQ(v->path.flags & LIBFANOTIFY_PATH_PARTIAL, 0);
	rh_evs_free(&e);
	free(p);
}

static void rename_case(uint64_t moves, const char *tag)
{
	uint64_t mask = FAN_CREATE | FAN_DELETE | FAN_ONDIR | moves;
	struct fan_group *g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	char *d = rh_fmt("%s-d", tag), *e = rh_fmt("%s-e", tag), *f = rh_fmt("%s-f", tag);
	char *p;

	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, mask, dir), 0);
	mk(d);
	p = rh_fmt("%s/sub", d), mk(p), free(p);
	p = rh_fmt("%s/f1", d), touch(p), expect_create(g, r, p), free(p);	/* caches d */
	p = rh_fmt("%s/sub/f1", d), touch(p), expect_create(g, r, p), free(p);	/* and d/sub */
	mv(d, e);
	p = rh_fmt("%s/f2", e), touch(p), expect_create(g, r, p), free(p);
	p = rh_fmt("%s/sub/f2", e), touch(p), expect_create(g, r, p), free(p);
	/* rename and event in one batch: the rename is resolved first */
	mv(e, f);
	p = rh_fmt("%s/sub/f3", f), touch(p), expect_create(g, r, p), free(p);
	fan_resolver_free(r);
	fan_group_free(g);
	free(d), free(e), free(f);
}

/*
 * x is cached, then deleted; a new x is made and renamed to y.  Events in
 * the old x still read "x/..." (from the cache); the new x is a different
 * handle and must follow its own rename.
 */
static void recreate_case(void)
{
	uint64_t mask = FAN_CREATE | FAN_DELETE | rh_rename_mask() | FAN_ONDIR;
	struct fan_group *g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	struct rh_evs e = { 0 };
	char *xf = at("x/f"), *xg = at("x/g"), *yh = at("y/h"), *x = at("x");

	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, mask, dir), 0);
	mk("x");
	touch("x/f");
	expect_create(g, r, "x/f");
	rm("x/f", false);
	rm("x", true);
	mk("x");
	touch("x/g");
	rh_drain(g, r, &e, false);
	T_EQ(rh_expect(&e, FAN_DELETE, xf)->path.flags & LIBFANOTIFY_PATH_PARTIAL, 0);
	rh_expect(&e, FAN_DELETE | FAN_ONDIR, x);
	rh_expect(&e, FAN_CREATE | FAN_ONDIR, x);
	rh_expect(&e, FAN_CREATE, xg);
	rh_evs_free(&e);
	mv("x", "y");
	touch("y/h");
	expect_create(g, r, "y/h");
	fan_resolver_free(r);
	fan_group_free(g);
	free(xf), free(xg), free(yh), free(x);
}

/* Same, all in one batch with nothing cached: never a wrong path. */
static void recreate_cold_case(void)
{
	uint64_t mask = FAN_CREATE | FAN_DELETE | rh_rename_mask() | FAN_ONDIR;
	struct fan_group *g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	struct rh_evs e = { 0 };
	char *wf = at("w/f"), *wg = at("w/g");
	const struct rh_ev *v;

	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, mask, dir), 0);
	mk("w");
	touch("w/f");
	rm("w/f", false);
	rm("w", true);
	mk("w");
	touch("w/g");
	rh_drain(g, r, &e, false);
	/* the old w is gone for good: its name alone, or its path marked deleted */
	v = rh_find(&e, FAN_CREATE, wf);
	if (!v) {
		v = rh_expect(&e, FAN_CREATE, "f");
		T_ASSERT(v->path.flags & LIBFANOTIFY_PATH_PARTIAL);
		T_ASSERT(v->path.error < 0);
	}
	rh_expect(&e, FAN_CREATE, wg);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(wf), free(wg);
}

static void new_dir_gone_case(void)
{
	struct fan_group *g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	struct rh_evs e = { 0 };
	char *old = at("gone-src/f");
	const struct rh_ev *v;

	mk("gone-src");
	mk("gone-dst");
	touch("gone-src/f");
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, rh_rename_mask(), dir), 0);
	mv("gone-src/f", "gone-dst/f");
	rm("gone-dst/f", false);
	rm("gone-dst", true);
	rh_drain(g, r, &e, false);
	if (rh_rename_mask() == FAN_RENAME) {
		v = rh_expect(&e, FAN_RENAME, old);
		T_EQ(v->path.flags & LIBFANOTIFY_PATH_PARTIAL, 0);
		T_STREQ(v->new_path.path, "f");
		T_EQ(v->new_path.flags & LIBFANOTIFY_PATH_PARTIAL, LIBFANOTIFY_PATH_PARTIAL);
		T_ASSERT(v->new_path.error < 0);
	} else {
		v = rh_expect(&e, FAN_MOVED_FROM, old);
		T_EQ(v->path.flags & LIBFANOTIFY_PATH_PARTIAL, 0);
		v = rh_expect(&e, FAN_MOVED_TO, "f");
		T_EQ(v->path.flags & LIBFANOTIFY_PATH_PARTIAL, LIBFANOTIFY_PATH_PARTIAL);
		T_ASSERT(v->path.error < 0);
	}
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(old);
}

int main(void)
{
	int fds;

	th_init(60);
	th_private_tmpfs(dir, sizeof(dir));
	fds = th_count_fds();
	if (rh_rename_mask() == FAN_RENAME)
		rename_case(FAN_RENAME, "rn");
	else
		printf("FAN_RENAME (Linux 5.17) not here: its case not run\n");
	rename_case(FAN_MOVED_FROM | FAN_MOVED_TO, "mv");
	recreate_case();
	recreate_cold_case();
	new_dir_gone_case();
	T_EQ(th_count_fds(), fds);
	printf("PASS\n");
	return 0;
}
