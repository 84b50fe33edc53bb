// SPDX-License-Identifier: MIT
/*
 * fan_group_remove_mark_fd(): the descriptor form of removing a mark, as
 * fan_group_add_mark_fd() adds one (the kernel wants a real descriptor:
 * O_PATH is -EBADF for both, as fanotify_mark(2) with a NULL path).  Part
 * of a mask, then the rest; the kernel's -ENOENT for a mark that is not
 * there; -EBADF for a negative descriptor, -EINVAL for a command flag.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "live.h"

static char dir[256], file[300];

int main(void)
{
	struct fan_group *g;
	int fd;

	th_init(30);
	lv_tmpfs_file(dir, sizeof(dir), file, sizeof(file));
	th_require_init(FAN_CLASS_NOTIF, O_RDONLY);
	g = lv_group(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY | O_CLOEXEC);
	fd = open(file, O_PATH | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_EQ(fan_group_add_mark_fd(g, 0, FAN_OPEN, fd), -EBADF);
	T_EQ(fan_group_remove_mark_fd(g, 0, FAN_OPEN, fd), -EBADF);
	close(fd);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_EQ(fan_group_add_mark_fd(g, 0, FAN_OPEN | FAN_CLOSE_NOWRITE, fd), 0);
	T_EQ(lv_inode_marks(g), 1);

	/* part of the mask: opens still reported, closes not */
	T_EQ(fan_group_remove_mark_fd(g, 0, FAN_CLOSE_NOWRITE, fd), 0);
	lv_expect_exit(lv_spawn_open(file, O_RDONLY), 0, "opener");
	T_EQ(lv_read(g, 5000), 1);
	T_EQ(fan_event_mask(fan_group_first_event(g)), FAN_OPEN);
	lv_expect_quiet(g, 100, "close after its bit was removed");

	/* the rest: the mark is gone */
	T_EQ(fan_group_remove_mark_fd(g, 0, FAN_OPEN, fd), 0);
	T_EQ(lv_inode_marks(g), 0);
	lv_expect_exit(lv_spawn_open(file, O_RDONLY), 0, "opener");
	lv_expect_quiet(g, 100, "open after the mark was removed");
	T_EQ(fan_group_remove_mark_fd(g, 0, FAN_OPEN, fd), -ENOENT);

	T_EQ(fan_group_remove_mark_fd(g, 0, FAN_OPEN, -1), -EBADF);
	T_EQ(fan_group_remove_mark_fd(g, FAN_MARK_ADD, FAN_OPEN, fd), -EINVAL);
	T_EQ(fan_group_remove_mark_fd(g, FAN_MARK_FLUSH, FAN_OPEN, fd), -EINVAL);
	T_EQ(fan_group_remove_mark_fd(NULL, 0, FAN_OPEN, fd), -EINVAL);
	close(fd);
	fan_group_free(g);
	printf("PASS\n");
	return 0;
}
