// SPDX-License-Identifier: MIT
/*
 * FAN_FS_ERROR on a corrupted ext4 image: an inode is cleared with debugfs
 * while the image is unmounted, the image is mounted with errors=continue,
 * and looking the file up makes ext4 report corruption ("deleted inode
 * referenced", reported against the directory being searched).  The event
 * carries a FID record naming the filesystem (statfs fsid) and that
 * directory (its name_to_handle_at() handle, taken before the damage), or
 * the superblock (handle type 255, no handle bytes), then an ERROR record
 * (errno, count of errors merged into the one queued event).
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

#include "fidcheck.h"

#define FILEID_INVALID 0xff	/* handle type of a superblock-wide error */

static char dir[256], img[300], sub[300], file[400];
static struct lv_handle hsub;

static void run(const char *cmd)
{
	if (system(cmd) != 0)
		th_fail("command failed: %s", cmd);
}

/* Make d/f, then clear its inode on the unmounted image and mount it again. */
static void corrupt(void)
{
	char cmd[1024];
	struct stat st;

	lv_join(sub, sizeof(sub), dir, "d");
	T_EQ(mkdir(sub, 0755), 0);
	th_write_file(sub, "f", 100);
	lv_join(file, sizeof(file), sub, "f");
	T_EQ(stat(file, &st), 0);
	lv_handle_of(sub, &hsub);
	if (umount2(dir, 0) < 0)
		th_fail("umount %s: %s", dir, strerror(errno));
	if (system("command -v debugfs >/dev/null 2>&1") != 0)
		th_skip("debugfs not installed (apt-get install e2fsprogs)");
	snprintf(cmd, sizeof(cmd), "debugfs -w -R 'clri <%lu>' %s >/dev/null 2>&1",
		 (unsigned long)st.st_ino, img);
	run(cmd);
	snprintf(cmd, sizeof(cmd), "mount -o loop,errors=continue %s %s", img, dir);
	run(cmd);
}

/* Look the broken file up: ext4 must refuse it as corrupted. */
static void trigger(void)
{
	struct stat st;

	if (stat(file, &st) == 0)
		th_fail("stat of a cleared inode succeeded (mode 0%o)", st.st_mode);
	if (errno != EUCLEAN)	/* EFSCORRUPTED */
		th_fail("stat of a cleared inode: %s, expected EUCLEAN", strerror(errno));
}

static void check_fid(const struct fan_info *rec)
{
	struct fan_fid f;

	T_ASSERT(rec);
	T_EQ(fan_info_fid(rec, &f), 0);
	if (f.handle_type != FILEID_INVALID) {
		printf("FID record: the directory's handle (type %d, %u bytes)\n",
		       (int)f.handle_type, f.handle_bytes);
		lv_expect_fid(rec, FAN_EVENT_INFO_TYPE_FID, &hsub, NULL);
		return;
	}
	printf("FID record: superblock error (handle type 255, 0 bytes)\n");
	T_EQ(f.handle_bytes, 0);
	T_EQ(f.fsid.val[0], hsub.fsid.val[0]);
	T_EQ(f.fsid.val[1], hsub.fsid.val[1]);
}

int main(void)
{
	struct fan_fs_error err = { 0 };
	struct fan_group *g;
	struct fan_event *ev;

	th_init(50);
	th_private_ext4(dir, sizeof(dir), 16, NULL, img, sizeof(img));
	lv_require_mark(FAN_CLASS_NOTIF | FAN_REPORT_FID, FAN_MARK_FILESYSTEM, FAN_FS_ERROR,
			AT_FDCWD, dir);
	corrupt();
	g = lv_group(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_NONBLOCK, 0);
	lv_mark(g, FAN_MARK_FILESYSTEM, FAN_FS_ERROR, dir);
	lv_expect_quiet(g, 0, "before touching the broken inode");
	trigger();
	trigger();	/* a second error merges into the queued event */
	T_EQ(lv_read(g, 2000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_mask(ev), FAN_FS_ERROR);
	T_EQ(fan_event_fd(ev), FAN_NOFD);
	printf("records: %s\n", lv_record_types(ev));
	T_STREQ(lv_record_types(ev), "fid,error");	/* order observed on 6.18 */
	T_EQ(fan_info_error(fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_ERROR), &err), 0);
	printf("error %d (%s), error_count %u\n", err.error, strerror(err.error),
	       err.error_count);
	T_EQ(err.error, EUCLEAN);	/* EFSCORRUPTED */
	T_EQ(err.error_count, 2);
	check_fid(fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_FID));
	fan_group_free(g);
	printf("PASS\n");
	return 0;
}
