// SPDX-License-Identifier: MIT
/*
 * One group, two filesystems marked through the library (a tmpfs and a
 * loop-mounted ext4): each gets its own mount descriptor, keyed by fsid, and
 * events on both resolve to their full paths.  A third filesystem marked
 * behind the library's back (fanotify_mark() on the group fd) has no
 * descriptor: its events give the name, PARTIAL, until fan_group_add_mount()
 * records one by hand.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "th.h"
#include "rh.h"

#define MASK (FAN_CREATE | FAN_CLOSE_WRITE | FAN_DELETE | FAN_ONDIR)

int main(void)
{
	char t[256], x[256], u[256], *pt, *px, *pu;
	struct rh_evs e = { 0 };
	struct fan_resolver *r;
	struct fan_group *g;
	struct fan_fsid ft, fx, fu;
	const struct rh_ev *v;
	int fds;

	th_init(90);
	th_private_ext4(x, sizeof(x), 32, NULL, NULL, 0);
	th_private_tmpfs(t, sizeof(t));
	th_private_tmpfs(u, sizeof(u));
	ft = rh_fsid_of(t), fx = rh_fsid_of(x), fu = rh_fsid_of(u);
	T_ASSERT(memcmp(&ft, &fx, sizeof(ft)) && memcmp(&ft, &fu, sizeof(ft)));
	fds = th_count_fds();
	g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	r = rh_resolver(g, 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, MASK, t), 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, MASK, x), 0);
	T_ASSERT(fan_group_mount_fd(g, &ft) >= 0);
	T_ASSERT(fan_group_mount_fd(g, &fx) >= 0);
	T_ASSERT(fan_group_mount_fd(g, &ft) != fan_group_mount_fd(g, &fx));
	/* behind the library's back: no descriptor for u */
	T_EQ(fanotify_mark(fan_group_fd(g), FAN_MARK_ADD | FAN_MARK_FILESYSTEM, MASK, AT_FDCWD, u), 0);
	T_EQ(fan_group_mount_fd(g, &fu), -ENOENT);

	th_write_file(t, "on-tmpfs", 10);
	th_write_file(x, "on-ext4", 10);
	th_write_file(u, "unknown-fs", 10);
	rh_drain(g, r, &e, false);
	pt = rh_fmt("%s/on-tmpfs", t), px = rh_fmt("%s/on-ext4", x), pu = rh_fmt("%s/got-it", u);
	T_EQ(rh_expect(&e, FAN_CREATE, pt)->path.error, 0);
	T_EQ(rh_expect(&e, FAN_CLOSE_WRITE, px)->path.error, 0);
	v = rh_expect(&e, FAN_CREATE, "unknown-fs");
	T_ASSERT(v->path.flags & LIBFANOTIFY_PATH_PARTIAL);
	T_EQ(v->path.error, -ENOENT);
	rh_evs_free(&e);

	T_EQ(fan_group_add_mount(g, AT_FDCWD, u), 0);
	T_ASSERT(fan_group_mount_fd(g, &fu) >= 0);
	T_EQ(fan_group_add_mount(g, AT_FDCWD, u), 0);	/* known already */
	th_write_file(u, "got-it", 10);
	rh_drain(g, r, &e, false);
	T_EQ(rh_expect(&e, FAN_CREATE, pu)->path.error, 0);
	rh_evs_free(&e);

	fan_resolver_free(r);
	fan_group_free(g);
	T_EQ(th_count_fds(), fds);
	free(pt), free(px), free(pu);
	printf("PASS\n");
	return 0;
}
