// SPDX-License-Identifier: MIT
/*
 * File-handle records as the kernel writes them, on tmpfs and on ext4:
 * a FID record's fsid and handle are statfs()'s f_fsid and
 * name_to_handle_at()'s handle of the object; DFID_NAME carries the
 * directory's handle and the entry's name, or "." for an event on the
 * directory itself; TARGET_FID adds the child's FID after DFID_NAME.
 * The library records each marked filesystem so handles can be opened.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fidcheck.h"

static const char *fs;	/* "tmpfs" or "ext4", for messages */

static void write_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	T_ASSERT(fd >= 0);
	T_EQ(write(fd, "x", 1), 1);
	T_EQ(close(fd), 0);
}

/* The one event of the next batch, with exactly mask. */
static struct fan_event *one_event(struct fan_group *g, uint64_t mask)
{
	struct fan_event *ev;

	T_EQ(lv_read(g, 2000), 1);
	ev = fan_group_first_event(g);
	if (fan_event_mask(ev) != mask)
		th_fail("%s: mask %s, expected %s", fs, lv_mask(fan_event_mask(ev)),
			lv_mask(mask));
	T_EQ(fan_event_fd(ev), FAN_NOFD);
	T_EQ(fan_event_pid(ev), getpid());
	T_EQ(fan_event_take_fd(ev), -EBADF);
	return ev;
}

/* The library kept a descriptor for the fsid that opens this handle to the object. */
static void expect_openable(struct fan_group *g, const struct fan_info *rec, const char *path)
{
	struct stat a, b;
	struct fan_fid f;
	int mfd, fd;

	T_EQ(fan_info_fid(rec, &f), 0);
	mfd = fan_group_mount_fd(g, &f.fsid);
	if (mfd < 0)
		th_fail("%s: no mount fd recorded for the marked filesystem: %s", fs,
			strerror(-mfd));
	fd = open_by_handle_at(mfd, (struct file_handle *)f.handle, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		th_fail("%s: open_by_handle_at: %s", fs, strerror(errno));
	T_EQ(fstat(fd, &a), 0);
	T_EQ(stat(path, &b), 0);
	T_EQ(a.st_ino, b.st_ino);
	close(fd);
}

static void fid_only(const char *dir)
{
	char file[300];
	struct lv_handle h;
	struct fan_group *g = lv_group(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_NONBLOCK, 0);
	struct fan_event *ev;
	const struct fan_info *rec;

	lv_join(file, sizeof(file), dir, "file");
	write_file(file);
	lv_handle_of(file, &h);
	lv_mark(g, 0, FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE, file);
	write_file(file);
	ev = one_event(g, FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE);
	T_STREQ(lv_record_types(ev), "fid");
	rec = fan_event_first_info(ev);
	lv_expect_fid(rec, FAN_EVENT_INFO_TYPE_FID, &h, NULL);
	T_EQ(fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_FID), rec);
	expect_openable(g, rec, file);
	fan_group_free(g);
}

static void dfid_name(const char *dir)
{
	char sub[300], child[400];
	struct lv_handle hdir;
	struct fan_group *g = lv_group(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_NONBLOCK, 0);
	struct fan_event *ev;

	lv_join(sub, sizeof(sub), dir, "dn");
	T_EQ(mkdir(sub, 0755), 0);
	lv_join(child, sizeof(child), sub, "child");
	lv_handle_of(sub, &hdir);
	lv_mark(g, 0, FAN_CREATE | FAN_ATTRIB | FAN_ONDIR | FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD,
		sub);

	/* A directory entry event: the directory and the entry's name. */
	T_EQ(mknod(child, S_IFREG | 0644, 0), 0);
	ev = one_event(g, FAN_CREATE);
	T_STREQ(lv_record_types(ev), "dfid_name");
	lv_expect_fid(fan_event_first_info(ev), FAN_EVENT_INFO_TYPE_DFID_NAME, &hdir, "child");

	/* An event on a child reported to its parent: the same shape. */
	write_file(child);
	ev = one_event(g, FAN_CLOSE_WRITE);
	lv_expect_fid(fan_event_first_info(ev), FAN_EVENT_INFO_TYPE_DFID_NAME, &hdir, "child");

	/* An event on the directory itself: its own handle and the name ".". */
	T_EQ(chmod(sub, 0700), 0);
	ev = one_event(g, FAN_ATTRIB | FAN_ONDIR);
	T_STREQ(lv_record_types(ev), "dfid_name");
	lv_expect_fid(fan_event_first_info(ev), FAN_EVENT_INFO_TYPE_DFID_NAME, &hdir, ".");
	expect_openable(g, fan_event_first_info(ev), sub);
	fan_group_free(g);
}

static void target_fid(const char *dir)
{
	char sub[300], child[400];
	struct lv_handle hdir, hchild;
	struct fan_group *g =
		lv_group(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME_TARGET | FAN_NONBLOCK, 0);
	struct fan_event *ev;
	const struct fan_info *rec;

	lv_join(sub, sizeof(sub), dir, "tf");
	T_EQ(mkdir(sub, 0755), 0);
	lv_join(child, sizeof(child), sub, "target");
	lv_handle_of(sub, &hdir);
	lv_mark(g, 0, FAN_CREATE, sub);
	T_EQ(mknod(child, S_IFREG | 0644, 0), 0);
	lv_handle_of(child, &hchild);
	ev = one_event(g, FAN_CREATE);
	/* Order: the directory and name first, then the child's own FID. */
	T_STREQ(lv_record_types(ev), "dfid_name,fid");
	rec = fan_event_first_info(ev);
	lv_expect_fid(rec, FAN_EVENT_INFO_TYPE_DFID_NAME, &hdir, "target");
	rec = fan_event_next_info(ev, rec);
	lv_expect_fid(rec, FAN_EVENT_INFO_TYPE_FID, &hchild, NULL);
	expect_openable(g, rec, child);
	T_EQ(fan_event_next_info(ev, rec), NULL);
	fan_group_free(g);
}

static void run(const char *dir)
{
	/* the filesystem must give file handles and a nonzero fsid */
	lv_require_mark(FAN_CLASS_NOTIF | FAN_REPORT_FID, FAN_MARK_FILESYSTEM, FAN_CREATE,
			AT_FDCWD, dir);
	fid_only(dir);
	th_require_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME, 0);
	dfid_name(dir);
	th_require_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME_TARGET, 0);
	target_fid(dir);
	printf("%s: ok\n", fs);
}

int main(void)
{
	char dir[256];

	th_init(20);
	fs = "tmpfs";
	th_private_tmpfs(dir, sizeof(dir));
	run(dir);
	fs = "ext4";
	th_private_ext4(dir, sizeof(dir), 16, NULL, NULL, 0);
	run(dir);
	printf("PASS\n");
	return 0;
}
