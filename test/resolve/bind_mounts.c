// SPDX-License-Identifier: MIT
/*
 * Filesystems first marked through a bind mount of one of their
 * directories (a container volume): `mount --bind fs/sub b`, then a
 * FILESYSTEM mark on b.  Objects inside b resolve under b (where the mark
 * was made), objects outside it under a mount of the whole filesystem
 * (fs/other/deep/x, never "/x").  When no mount of the whole filesystem is
 * left, an object outside b is the name alone, PARTIAL, -EXDEV: never a
 * path that leads elsewhere.  On tmpfs and on ext4.
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
#include "rh.h"

#define MASK (FAN_CREATE | FAN_DELETE | FAN_ONDIR)

static char *mkdirs(const char *base, const char *rel)
{
	char *p = rh_fmt("%s/%s", base, rel), *s;

	for (s = p + strlen(base) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			th_fail("mkdir %s: %s", p, strerror(errno));
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		th_fail("mkdir %s: %s", p, strerror(errno));
	return p;
}

static void run(const char *fs, const char *tag)
{
	char *sub = mkdirs(fs, "sub"), *deep = mkdirs(fs, "other/deep");
	char *b = rh_fmt("%s-bind", fs), *x = rh_fmt("%s/x", deep), *y = rh_fmt("%s/y", b);
	char *z = rh_fmt("%s/sub/z", fs), *zb = rh_fmt("%s/z", b), *y2 = rh_fmt("%s/y2", b);
	struct fan_group *g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	struct rh_evs e = { 0 };
	const struct rh_ev *v;
	int deepfd, fd;

	T_EQ(mkdir(b, 0755), 0);
	T_EQ(mount(sub, b, NULL, MS_BIND, NULL), 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, MASK, b), 0);
	th_write_file(deep, "x", 0);
	th_write_file(b, "y", 0);
	th_write_file(sub, "z", 0);	/* inside b, made through fs */
	rh_drain(g, r, &e, false);
	T_EQ(rh_expect(&e, FAN_CREATE, x)->path.flags & LIBFANOTIFY_PATH_PARTIAL, 0);
	T_EQ(rh_expect(&e, FAN_CREATE, y)->path.flags & LIBFANOTIFY_PATH_PARTIAL, 0);
	T_EQ(rh_expect(&e, FAN_CREATE, zb)->path.flags & LIBFANOTIFY_PATH_PARTIAL, 0);
	rh_expect_none(&e, FAN_CREATE, "/x");
	rh_evs_free(&e);

	/*
	 * The whole filesystem no longer mounted anywhere: only b shows (part
	 * of) it.  A descriptor kept on fs/other/deep still makes events there.
	 */
	deepfd = open(deep, O_PATH | O_DIRECTORY | O_CLOEXEC);
	T_ASSERT(deepfd >= 0);
	T_EQ(umount2(fs, MNT_DETACH), 0);
	fan_resolver_free(r);
	fan_group_free(g);
	g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	r = rh_resolver(g, 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, MASK, b), 0);
	th_write_file(b, "y2", 0);
	fd = openat(deepfd, "x2", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	T_ASSERT(fd >= 0);
	close(fd);
	rh_drain(g, r, &e, false);
	T_EQ(rh_expect(&e, FAN_CREATE, y2)->path.flags & LIBFANOTIFY_PATH_PARTIAL, 0);
	v = rh_expect(&e, FAN_CREATE, "x2");
	T_ASSERT(v->path.flags & LIBFANOTIFY_PATH_PARTIAL);
	T_EQ(v->path.error, -EXDEV);
	rh_expect_none(&e, FAN_CREATE, "/x2");
	rh_evs_free(&e);
	close(deepfd);
	printf("%s: ok\n", tag);
	fan_resolver_free(r);
	fan_group_free(g);
	T_EQ(umount2(b, MNT_DETACH), 0);
	T_EQ(rmdir(b), 0);
	free(sub), free(deep), free(b), free(x), free(y), free(z), free(zb), free(y2);
}

int main(void)
{
	char outer[256], x[256], *t;
	int fds;

	th_init(60);
	/* the filesystem (a tmpfs of its own) and the bind mount side by side in another */
	th_private_tmpfs(outer, sizeof(outer));
	t = rh_fmt("%s/fs", outer);
	T_EQ(mkdir(t, 0755), 0);
	T_EQ(mount("tmpfs", t, "tmpfs", 0, "mode=0755"), 0);
	fds = th_count_fds();
	run(t, "tmpfs");
	th_private_ext4(x, sizeof(x), 32, NULL, NULL, 0);
	run(x, "ext4");
	T_EQ(th_count_fds(), fds);
	free(t);
	printf("PASS\n");
	return 0;
}
