// SPDX-License-Identifier: MIT
/*
 * A filesystem watched by a FID group can still be unmounted: the library
 * keeps its mount root by path and mount id, and opens a descriptor on it
 * only while a batch is being resolved.
 *
 * Checked: events on a tmpfs resolve to full paths; while a batch is open
 * fan_group_mount_fd() gives a descriptor on the mount's root, and it is
 * closed when the batch is finished; a plain umount (not lazy) of the
 * watched tmpfs then succeeds with the group and resolver still alive;
 * with a filesystem mounted again at the same place, the old record never
 * hands out a descriptor on the new mount; marked again, the record is
 * replaced and events resolve; no descriptor is left behind.  Run on a
 * tmpfs (the new one has a new fsid) and on an ext4 image mounted again
 * (the same fsid: the stale record must be noticed and replaced).
 *
 * Before Linux 6.8 (no STATX_MNT_ID_UNIQUE) mount ids are reused, and the
 * new mount usually gets the old one's: a new filesystem there must still
 * never be handed out (its fsid differs), the same filesystem mounted
 * again may be (a descriptor on that same filesystem).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "th.h"
#include "rh.h"

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static char image[300];

/* Are mount ids never reused (STATX_MNT_ID_UNIQUE, Linux 6.8)? */
static bool unique_mount_ids(void)
{
	struct statx sx;

	return statx(AT_FDCWD, "/", 0, 0x4000 /* STATX_MNT_ID_UNIQUE */, &sx) == 0 &&
	       (sx.stx_mask & 0x4000);
}

/* The old record after the filesystem was mounted again at the same place. */
static void check_stale(struct fan_group *g, const struct fan_fsid *fsid, bool same_fs)
{
	int fd = fan_group_mount_fd(g, fsid);
	struct fan_fsid now;
	char link[64];

	if (fd == -ENOENT)
		return;
	if (unique_mount_ids() || !same_fs)
		th_fail("fan_group_mount_fd() of the unmounted filesystem gave %d, expected -ENOENT "
			"(%s fsid, %s mount ids)", fd, same_fs ? "the same" : "a new",
			unique_mount_ids() ? "unique" : "reused");
	T_ASSERT(fd >= 0);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	now = rh_fsid_of(link);
	T_ASSERT(!memcmp(&now, fsid, sizeof(now)));
	printf("mount id reused (before Linux 6.8): the same filesystem passes for the old mount\n");
}

static char loops[2][64];	/* loop devices of the image, detached at exit */

static void detach_loops(void)
{
	char cmd[128];
	size_t i;

	for (i = 0; i < 2; i++)
		if (loops[i][0]) {
			snprintf(cmd, sizeof(cmd), "losetup -d %s 2>/dev/null", loops[i]);
			(void)!system(cmd);
		}
}

/*
 * The image on a new loop device, the earlier one kept attached: mounted
 * again, the filesystem is on another device (as with other loop users, or
 * after a reboot), which a recorded mount must not be taken for even where
 * the mount id is reused.
 */
static void mount_image(const char *where)
{
	static int n;
	char cmd[512];
	FILE *f;

	if (n >= 2)
		th_fail("mounted the image too often");
	snprintf(cmd, sizeof(cmd), "losetup -f --show %s", image);
	f = popen(cmd, "r");
	if (!f || !fgets(loops[n], sizeof(loops[n]), f))
		th_skip("losetup cannot attach the image");
	pclose(f);
	loops[n][strcspn(loops[n], "\n")] = '\0';
	if (n == 0)
		atexit(detach_loops);
	if (mount(loops[n], where, "ext4", 0, NULL) < 0)
		th_fail("mount %s on %s: %s", loops[n], where, strerror(errno));
	n++;
}

/* A fresh tmpfs, or the ext4 image again. */
static void mount_fs(const char *where)
{
	if (!image[0]) {
		if (mount("unmount-test", where, "tmpfs", 0, "size=4m") < 0)
			th_fail("mount tmpfs on %s: %s", where, strerror(errno));
		return;
	}
	mount_image(where);
}

/* After 20 ms, what g has queued must hold a FAN_CREATE of dir/rel, resolved by r. */
static void expect_created(struct fan_group *g, struct fan_resolver *r, const char *dir,
			   const char *rel)
{
	struct rh_evs e = { 0 };
	char *p;

	usleep(20 * 1000);
	rh_drain(g, r, &e, false);
	p = rh_fmt("%s/%s", dir, rel);
	rh_expect(&e, FAN_CREATE, p);
	free(p);
	rh_evs_free(&e);
}

int main(int argc, char **argv)
{
	bool ext4 = argc > 1 && !strcmp(argv[1], "ext4");
	char dir[256], m[300], *p;
	struct fan_fsid fsid, fsid2;
	struct fan_resolver *r;
	struct fan_group *g;
	int fds0, mfd, n;

	th_init(30);
	th_private_tmpfs(dir, sizeof(dir));
	snprintf(m, sizeof(m), "%s/m", dir);
	T_EQ(mkdir(m, 0755), 0);
	if (ext4) {
		char edir[256];

		th_private_ext4(edir, sizeof(edir), 16, NULL, image, sizeof(image));
		T_EQ(umount2(edir, 0), 0);
	}
	mount_fs(m);
	fds0 = th_count_fds();

	g = rh_group(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	r = rh_resolver(g, 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, FAN_CREATE | FAN_ONDIR, m), 0);
	fsid = rh_fsid_of(m);
	/* between batches, nothing is held */
	T_ASSERT(!rh_holds(m));

	th_write_file(m, "one", 1);
	n = fan_group_read(g);
	T_EQ(n, 1);
	mfd = fan_group_mount_fd(g, &fsid);
	T_ASSERT(mfd >= 0);
	T_EQ(fan_group_mount_fd(g, &fsid), mfd);	/* the same one, within a batch */
	fan_group_release(g);
	T_ASSERT(!fd_open(mfd));

	/* resolving through rh (which reads and releases batches) */
	th_write_file(m, "two", 1);
	expect_created(g, r, m, "two");
	T_ASSERT(!rh_holds(m));

	/* a plain umount, group and resolver alive */
	if (umount2(m, 0) < 0)
		th_fail("umount %s with a FID group watching it: %s", m, strerror(errno));
	printf("plain umount of a watched tmpfs: done\n");

	/* mounted again: the old record must not lead to the new mount */
	mount_fs(m);
	fsid2 = rh_fsid_of(m);
	printf("mounted again: %s fsid\n", memcmp(&fsid, &fsid2, sizeof(fsid)) ? "a new" : "the same");
	if (ext4)
		T_ASSERT(!memcmp(&fsid, &fsid2, sizeof(fsid)));
	check_stale(g, &fsid, !memcmp(&fsid, &fsid2, sizeof(fsid)));
	fan_group_release(g);

	/* marked again: the stale record (same fsid or not) is replaced, events resolve */
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, FAN_CREATE | FAN_ONDIR, m), 0);
	p = rh_fmt("%s/sub", m);	/* a directory no mark recorded: open_by_handle_at */
	T_EQ(mkdir(p, 0755), 0);
	th_write_file(p, "three", 1);
	free(p);
	expect_created(g, r, m, "sub/three");

	fan_resolver_free(r);
	fan_group_free(g);
	T_EQ(umount2(m, 0), 0);
	T_EQ(th_count_fds(), fds0);
	return 0;
}
