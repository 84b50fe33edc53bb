// SPDX-License-Identifier: MIT
/*
 * Mount namespace events (Linux 6.15): with FAN_REPORT_MNT and a mark on
 * our private mount namespace, mounting gives FAN_MNT_ATTACH, unmounting
 * FAN_MNT_DETACH, a move one FAN_MNT_ATTACH|FAN_MNT_DETACH event; each
 * carries a MNT record whose mnt_id is statx(STATX_MNT_ID_UNIQUE) of the
 * mount.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fidcheck.h"

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000U	/* 6.8 */
#endif

static char dir[256], a[300], b[300];

/* statx(STATX_MNT_ID_UNIQUE) of the mount at path. */
static uint64_t unique_mnt_id(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID_UNIQUE, &stx) < 0)
		th_fail("statx %s: %s", path, strerror(errno));
	if (!(stx.stx_mask & STATX_MNT_ID_UNIQUE))
		th_skip("statx does not report STATX_MNT_ID_UNIQUE (6.8)");
	return stx.stx_mnt_id;	/* <linux/stat.h>'s struct statx, via glibc */
}

static void expect_mnt_event(struct fan_group *g, uint64_t mask, uint64_t id, const char *what)
{
	struct fan_event *ev;
	uint64_t got = 0;

	if (lv_read(g, 2000) != 1)
		th_fail("%s: expected exactly one event", what);
	ev = fan_group_first_event(g);
	if (fan_event_mask(ev) != mask)
		th_fail("%s: mask %s, expected %s", what, lv_mask(fan_event_mask(ev)),
			lv_mask(mask));
	T_EQ(fan_event_fd(ev), FAN_NOFD);
	T_STREQ(lv_record_types(ev), "mnt");
	T_EQ(fan_info_mnt(fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_MNT), &got), 0);
	if (got != id)
		th_fail("%s: mnt_id %llu, statx says %llu", what, (unsigned long long)got,
			(unsigned long long)id);
}

static void run(struct fan_group *g)
{
	uint64_t id;

	if (mount("tmpfs", a, "tmpfs", 0, NULL) < 0)
		th_fail("mount tmpfs on %s: %s", a, strerror(errno));
	id = unique_mnt_id(a);
	T_ASSERT(id != unique_mnt_id(dir));
	expect_mnt_event(g, FAN_MNT_ATTACH, id, "mount");
	if (mount(a, b, NULL, MS_MOVE, NULL) < 0)
		th_fail("move %s to %s: %s", a, b, strerror(errno));
	T_EQ(unique_mnt_id(b), id);
	expect_mnt_event(g, FAN_MNT_ATTACH | FAN_MNT_DETACH, id, "move");
	if (umount2(b, 0) < 0)
		th_fail("umount %s: %s", b, strerror(errno));
	expect_mnt_event(g, FAN_MNT_DETACH, id, "umount");
	lv_expect_quiet(g, 50, "after umount");
}

int main(void)
{
	struct fan_group *g;
	int nsfd;

	th_init(20);
	th_private_tmpfs(dir, sizeof(dir));	/* our own mount namespace */
	lv_require_mark(FAN_CLASS_NOTIF | FAN_REPORT_MNT, FAN_MARK_MNTNS,
			FAN_MNT_ATTACH | FAN_MNT_DETACH, -1, NULL);
	lv_join(a, sizeof(a), dir, "a");
	lv_join(b, sizeof(b), dir, "b");
	T_EQ(mkdir(a, 0755), 0);
	T_EQ(mkdir(b, 0755), 0);

	/* nsfd -1: the caller's own namespace. */
	g = lv_group(FAN_CLASS_NOTIF | FAN_REPORT_MNT | FAN_NONBLOCK, 0);
	T_EQ(fan_group_add_mntns_mark(g, FAN_MNT_ATTACH | FAN_MNT_DETACH, -1), 0);
	run(g);
	fan_group_free(g);

	/* An explicit namespace descriptor, which stays the caller's. */
	nsfd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	T_ASSERT(nsfd >= 0);
	g = lv_group(FAN_CLASS_NOTIF | FAN_REPORT_MNT | FAN_NONBLOCK, 0);
	T_EQ(fan_group_add_mntns_mark(g, FAN_MNT_ATTACH | FAN_MNT_DETACH, nsfd), 0);
	T_EQ(fcntl(nsfd, F_GETFD), FD_CLOEXEC);
	run(g);
	/* Flushing the namespace mark stops the events. */
	T_EQ(fan_group_flush_marks(g, FAN_MARK_MNTNS), 0);
	T_EQ(mount("tmpfs", a, "tmpfs", 0, NULL), 0);
	lv_expect_quiet(g, 50, "after flushing the mntns mark");
	T_EQ(umount2(a, 0), 0);
	fan_group_free(g);
	close(nsfd);
	printf("PASS\n");
	return 0;
}
