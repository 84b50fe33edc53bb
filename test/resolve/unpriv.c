// SPDX-License-Identifier: MIT
/*
 * Unprivileged resolution: uid 65534, no capabilities, so no
 * open_by_handle_at().  A FID group with directory marks through the
 * library still resolves events in marked directories fully (their paths
 * were taken at mark time); an event in an unmarked directory (a file
 * marked on its own) gives its name, LIBFANOTIFY_PATH_PARTIAL, and the
 * error (-EPERM).  Marked-directory paths must follow renames in event
 * order, with FAN_RENAME (Linux 5.17) and with FAN_MOVED_FROM|FAN_MOVED_TO
 * (all older kernels have) (and
 * FAN_MOVE_SELF, which must not undo the rename), and survive the deletion
 * of another marked directory that had the same name.  In a group
 * without names (FAN_REPORT_FID only) the directory records resolve
 * through the marks too, and moving a subdirectory out of a marked
 * directory must not forget the marked one.
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

#define BASE (FAN_CREATE | FAN_CLOSE_WRITE | FAN_DELETE | FAN_DELETE_SELF | FAN_MOVE_SELF |  \
	      FAN_ONDIR | FAN_EVENT_ON_CHILD)

static char dir[256];

static char *at(const char *rel)
{
	return rh_fmt("%s/%s", dir, rel);
}

static void mk(const char *rel)
{
	char *p = at(rel);

	if (mkdir(p, 0777) < 0)
		th_fail("mkdir %s: %s", p, strerror(errno));
	free(p);
}

static void mark(struct fan_group *g, const char *rel, uint64_t mask)
{
	char *p = at(rel);
	int res = fan_group_add_mark(g, 0, mask, p);

	if (res < 0)
		th_fail("mark %s: %s", p, strerror(-res));
	free(p);
}

static void mv(const char *from, const char *to)
{
	char *a = at(from), *b = at(to);

	T_EQ(rename(a, b), 0);
	free(a), free(b);
}

static const struct rh_ev *expect_full(const struct rh_evs *e, uint64_t bit, const char *rel)
{
	char *p = at(rel);
	const struct rh_ev *v = rh_expect(e, bit, p);

	if (v->path.flags & LIBFANOTIFY_PATH_PARTIAL) {
		rh_dump(e);
		th_fail("%s: partial", p);
	}
	free(p);
	return v;
}

/* Marked vs unmarked directories. */
static void basic(void)
{
	struct fan_group *g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	struct rh_evs e = { 0 };
	const struct rh_ev *v;
	char *sub = at("m/sub");

	mark(g, "m", BASE);
	th_write_file(sub, "f", 1);
	mark(g, "m/sub/f", FAN_CLOSE_WRITE);	/* its directory is not marked */
	th_write_file(sub, "f", 2);
	free(sub);
	sub = at("m");
	th_write_file(sub, "a", 1);
	free(sub);
	rh_drain(g, r, &e, true);
	expect_full(&e, FAN_CREATE, "m/a");
	expect_full(&e, FAN_CLOSE_WRITE, "m/a");
	v = rh_expect(&e, FAN_CLOSE_WRITE, "f");
	T_EQ(v->ret, 0);
	T_EQ(v->path.flags & LIBFANOTIFY_PATH_PARTIAL, LIBFANOTIFY_PATH_PARTIAL);
	T_EQ(v->path.error, -EPERM);
	T_EQ(v->proc.pid, getpid());	/* our own events carry our pid */
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
}

/* top and top/X marked; rename X, then events inside it. */
static void renames(uint64_t moves, const char *tag)
{
	struct fan_group *g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	char *top = rh_fmt("%s-top", tag), *x = rh_fmt("%s-top/x", tag);
	char *y = rh_fmt("%s-top/y", tag), *z = rh_fmt("%s-top/z", tag);
	char *p, *q;
	struct rh_evs e = { 0 };

	mk(top), mk(x);
	p = rh_fmt("%s/inner", x), mk(p), free(p);
	mark(g, top, BASE | moves);
	mark(g, x, BASE | moves);
	p = rh_fmt("%s/inner", x), mark(g, p, BASE), free(p);
	mv(x, y);
	p = at(y), th_write_file(p, "in-y", 1), free(p);
	p = rh_fmt("%s/inner", y), q = at(p), th_write_file(q, "deeper", 1), free(p), free(q);
	mv(y, z);	/* twice before the read: applied in order */
	p = at(z), th_write_file(p, "in-z", 1), free(p);
	rh_drain(g, r, &e, false);
	p = rh_fmt("%s/in-y", y), expect_full(&e, FAN_CREATE, p), free(p);
	p = rh_fmt("%s/inner/deeper", y), expect_full(&e, FAN_CREATE, p), free(p);
	p = rh_fmt("%s/in-z", z), expect_full(&e, FAN_CREATE, p), free(p);
	if (moves & FAN_RENAME) {
		char *ax = at(x), *ay = at(y);
		const struct rh_ev *v = rh_expect(&e, FAN_RENAME, ax);

		T_STREQ(v->new_path.path, ay);
		free(ax), free(ay);
	}
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(top), free(x), free(y), free(z);
}

/* Every event resolved so far names dir fo itself. */
static void all_fo(struct fan_group *g, struct fan_resolver *r, const char *fo)
{
	struct rh_evs e = { 0 };
	size_t i;

	rh_drain(g, r, &e, false);
	T_ASSERT(e.n >= 1);
	for (i = 0; i < e.n; i++)
		if (!e.v[i].path.path || strcmp(e.v[i].path.path, fo)) {
			rh_dump(&e);
			th_fail("event %zu: not the marked directory", i);
		}
	rh_evs_free(&e);
}

/*
 * FAN_REPORT_FID alone: directory-entry events carry the directory's
 * handle (events merge: read after each step).
 */
static void fid_only(void)
{
	struct fan_group *g = rh_group(FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	char *fo = at("fo");

	mk("fo"), mk("fo/sub");
	mark(g, "fo", FAN_CREATE | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_ONDIR);
	th_write_file(fo, "one", 1);
	all_fo(g, r, fo);
	mv("fo/sub", "fo/sub2");
	all_fo(g, r, fo);
	th_write_file(fo, "two", 1);
	all_fo(g, r, fo);
	fan_resolver_free(r);
	fan_group_free(g);
	free(fo);
}

/* A marked directory deleted, then another marked under the same name. */
static void recreate(void)
{
	struct fan_group *g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	char *q = at("rc/q");
	struct rh_evs e = { 0 };

	mk("rc"), mk("rc/q");
	mark(g, "rc", BASE);
	mark(g, "rc/q", BASE);
	T_EQ(rmdir(q), 0);
	mk("rc/q");
	mark(g, "rc/q", BASE);	/* before the old one's deletion is read */
	th_write_file(q, "new", 1);
	rh_drain(g, r, &e, false);
	expect_full(&e, FAN_DELETE | FAN_ONDIR, "rc/q");
	expect_full(&e, FAN_CREATE, "rc/q/new");
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(q);
}

static void unprivileged(void *arg)
{
	rh_drop_privileges();
	basic();
	if (rh_rename_mask() == FAN_RENAME)
		renames(FAN_RENAME, "rn");
	else
		printf("FAN_RENAME (Linux 5.17) not here: its case not run\n");
	renames(FAN_MOVED_FROM | FAN_MOVED_TO, "mv");
	recreate();
	fid_only();
	printf("PASS\n");
}

int main(void)
{
	char *p;

	th_init(60);
	rh_shared_tmpfs(dir, sizeof(dir));
	mk("m"), mk("m/sub");
	p = at("m");
	T_EQ(chown(p, 65534, 65534), 0);
	free(p);
	p = at("m/sub");
	T_EQ(chown(p, 65534, 65534), 0);
	free(p);
	return th_wait(th_spawn(unprivileged, NULL));
}
