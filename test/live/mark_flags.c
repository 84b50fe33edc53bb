// SPDX-License-Identifier: MIT
/*
 * Mark modifiers and commands: an evictable inode mark vanishes when the
 * inode is evicted (drop_caches on ext4), and a pinned mark cannot become
 * evictable (EEXIST); ONLYDIR on a file is ENOTDIR; DONT_FOLLOW marks the
 * symlink, not its target; REMOVE and FLUSH stop events.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fidcheck.h"

static char tmp[256], ext4[256];

static void touch_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		th_fail("open %s: %s", path, strerror(errno));
	close(fd);
}

static struct fan_group *fd_group(void)
{
	return lv_group(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
}

static void expect_event(struct fan_group *g, const char *path, uint64_t mask)
{
	touch_open(path);
	T_EQ(lv_read(g, 2000), 1);
	T_EQ(fan_event_mask(fan_group_first_event(g)), mask);
	fan_group_release(g);	/* the event fd pins the inode */
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		th_skip("cannot open /proc/sys/vm/drop_caches: %s", strerror(errno));
	/*
	 * "3", not "2": an inode with pages in the page cache stays on the
	 * inode LRU when only slab caches are dropped (seen on 6.18).
	 */
	T_EQ(write(fd, "3", 1), 1);
	close(fd);
}

static void evictable(void)
{
	char file[300], pinned[300];
	struct fan_group *g = fd_group();
	int i;

	lv_join(file, sizeof(file), ext4, "evictable");
	lv_join(pinned, sizeof(pinned), ext4, "pinned");
	th_write_file(ext4, "evictable", 1);
	th_write_file(ext4, "pinned", 1);

	/* A pinned mark cannot be downgraded to evictable. */
	lv_mark(g, 0, FAN_OPEN, pinned);
	T_EQ(fan_group_add_mark(g, FAN_MARK_EVICTABLE, FAN_OPEN, pinned), -EEXIST);
	T_EQ(fan_group_flush_marks(g, FAN_MARK_INODE), 0);

	lv_mark(g, FAN_MARK_EVICTABLE, FAN_OPEN, file);
	T_EQ(lv_inode_marks(g), 1);
	expect_event(g, file, FAN_OPEN);
	/*
	 * Nothing holds the inode now but its dirty data: write it back, then
	 * reclaim (dentries cycle through the LRU once before they go).
	 */
	sync();
	for (i = 0; i < 50 && lv_inode_marks(g) > 0; i++) {
		drop_caches();
		usleep(20000);
	}
	if (lv_inode_marks(g) > 0)
		th_fail("evictable mark still present after %d drop_caches", i);
	printf("evictable mark gone after %d drop_caches\n", i);
	touch_open(file);
	lv_expect_quiet(g, 50, "after the evictable mark was evicted");
	fan_group_free(g);
}

static void onlydir(void)
{
	char file[300];
	struct fan_group *g = fd_group();

	lv_join(file, sizeof(file), tmp, "file");
	T_EQ(fan_group_add_mark(g, FAN_MARK_ONLYDIR, FAN_OPEN, file), -ENOTDIR);
	T_EQ(lv_inode_marks(g), 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_ONLYDIR, FAN_OPEN | FAN_EVENT_ON_CHILD, tmp), 0);
	expect_event(g, file, FAN_OPEN);
	fan_group_free(g);
}

static void dont_follow(void)
{
	char file[300], link[300];
	struct stat sl, sf;
	struct lv_handle hl;
	struct fan_group *g;

	lv_join(file, sizeof(file), tmp, "file");
	lv_join(link, sizeof(link), tmp, "link");
	T_EQ(symlink("file", link), 0);
	T_EQ(lstat(link, &sl), 0);
	T_EQ(stat(file, &sf), 0);

	/* DONT_FOLLOW: the mark is on the link; opening through it is not seen. */
	g = fd_group();
	lv_mark(g, FAN_MARK_DONT_FOLLOW, FAN_OPEN, link);
	T_EQ(lv_first_mark_ino(g), sl.st_ino);
	touch_open(link);
	lv_expect_quiet(g, 50, "open through a DONT_FOLLOW-marked symlink");
	fan_group_free(g);

	/* Without it, the target is marked. */
	g = fd_group();
	lv_mark(g, 0, FAN_OPEN, link);
	T_EQ(lv_first_mark_ino(g), sf.st_ino);
	expect_event(g, link, FAN_OPEN);
	fan_group_free(g);

	/* In a FID group the link's own events carry the link's handle. */
	lv_require_mark(FAN_CLASS_NOTIF | FAN_REPORT_FID, FAN_MARK_DONT_FOLLOW, FAN_ATTRIB,
			AT_FDCWD, link);
	g = lv_group(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_NONBLOCK, 0);
	lv_mark(g, FAN_MARK_DONT_FOLLOW, FAN_ATTRIB, link);
	T_EQ(lv_first_mark_ino(g), sl.st_ino);
	T_EQ(utimensat(AT_FDCWD, link, NULL, AT_SYMLINK_NOFOLLOW), 0);
	T_EQ(lv_read(g, 2000), 1);
	T_EQ(fan_event_mask(fan_group_first_event(g)), FAN_ATTRIB);
	lv_handle_of(link, &hl);
	lv_expect_fid(fan_event_first_info(fan_group_first_event(g)), FAN_EVENT_INFO_TYPE_FID, &hl,
		      NULL);
	T_EQ(utimensat(AT_FDCWD, file, NULL, 0), 0);
	lv_expect_quiet(g, 50, "attrib of the target of a DONT_FOLLOW mark");
	fan_group_free(g);
}

static void remove_mark(void)
{
	char file[300];
	struct fan_group *g = fd_group();

	lv_join(file, sizeof(file), tmp, "file");
	lv_mark(g, 0, FAN_OPEN | FAN_CLOSE_NOWRITE, file);
	expect_event(g, file, FAN_OPEN | FAN_CLOSE_NOWRITE);
	T_EQ(fan_group_remove_mark(g, 0, FAN_OPEN, file), 0);
	expect_event(g, file, FAN_CLOSE_NOWRITE);
	T_EQ(fan_group_remove_mark(g, 0, FAN_CLOSE_NOWRITE, file), 0);
	touch_open(file);
	lv_expect_quiet(g, 50, "after removing every bit");
	T_EQ(lv_inode_marks(g), 0);
	/* Removing a mark that is not there is the kernel's ENOENT. */
	T_EQ(fan_group_remove_mark(g, 0, FAN_OPEN, file), -ENOENT);
	fan_group_free(g);
}

static void read_byte(const char *path)
{
	char c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	T_ASSERT(fd >= 0);
	T_EQ(read(fd, &c, 1), 1);
	close(fd);
}

static void flush(void)
{
	char file[300], other[300];
	struct fan_group *g = fd_group();

	lv_join(file, sizeof(file), tmp, "file");
	lv_join(other, sizeof(other), tmp, "other");
	th_write_file(tmp, "other", 1);
	lv_mark(g, 0, FAN_OPEN, file);
	lv_mark(g, 0, FAN_CLOSE_NOWRITE, other);
	lv_mark(g, FAN_MARK_MOUNT, FAN_ACCESS, tmp);
	T_EQ(lv_inode_marks(g), 2);
	T_EQ(fan_group_flush_marks(g, FAN_MARK_INODE), 0);
	T_EQ(lv_inode_marks(g), 0);
	touch_open(file);
	touch_open(other);
	lv_expect_quiet(g, 50, "after flushing inode marks");
	/* The mount mark survived the inode flush ... */
	read_byte(file);
	T_EQ(lv_read(g, 2000), 1);
	T_EQ(fan_event_mask(fan_group_first_event(g)), FAN_ACCESS);
	/* ... until it is flushed too. */
	T_EQ(fan_group_flush_marks(g, FAN_MARK_MOUNT), 0);
	read_byte(file);
	lv_expect_quiet(g, 50, "after flushing mount marks");
	T_EQ(fan_group_flush_marks(g, 0x1234), -EINVAL);
	fan_group_free(g);
}

int main(void)
{
	th_init(50);
	th_private_tmpfs(tmp, sizeof(tmp));
	th_write_file(tmp, "file", 1);
	onlydir();
	dont_follow();
	remove_mark();
	flush();
	lv_require_mark(FAN_CLASS_NOTIF, FAN_MARK_EVICTABLE, FAN_OPEN, -1, NULL);
	th_private_ext4(ext4, sizeof(ext4), 16, NULL, NULL, 0);
	evictable();
	printf("PASS\n");
	return 0;
}
