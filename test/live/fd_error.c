// SPDX-License-Identifier: MIT
/*
 * FAN_REPORT_FD_ERROR (Linux 6.13): a group whose event_f_flags ask for
 * O_RDWR cannot open an event's file on a read-only bind mount.  With
 * FD_ERROR the event arrives with -EROFS in place of the fd
 * (fan_event_fd_error() returns it, nothing to take or close); without it
 * the read itself fails with EROFS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"

static char dir[256], ro[300], rw_file[400], ro_file[400];

static void ro_bind(void)
{
	lv_join(ro, sizeof(ro), dir, "ro");
	T_EQ(mkdir(ro, 0755), 0);
	if (mount(dir, ro, NULL, MS_BIND, NULL) < 0)
		th_fail("bind mount: %s", strerror(errno));
	if (mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		th_fail("remount ro: %s", strerror(errno));
	lv_join(rw_file, sizeof(rw_file), dir, "file");
	lv_join(ro_file, sizeof(ro_file), ro, "file");
}

static void touch_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		th_fail("open %s: %s", path, strerror(errno));
	close(fd);
}

static struct fan_group *rdwr_group(unsigned int extra)
{
	struct fan_group *g =
		lv_group(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC | extra, O_RDWR);

	lv_mark(g, 0, FAN_OPEN, rw_file);	/* an inode mark: seen through both mounts */
	return g;
}

static void with_fd_error(void)
{
	struct fan_group *g = rdwr_group(FAN_REPORT_FD_ERROR);
	struct fan_event *ev;
	int before;

	touch_open(ro_file);
	before = th_count_fds();
	T_EQ(lv_read(g, 2000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_mask(ev), FAN_OPEN);
	T_EQ(fan_event_fd(ev), -EROFS);
	T_EQ(fan_event_fd_error(ev), -EROFS);
	T_EQ(fan_event_take_fd(ev), -EBADF);
	T_EQ(th_count_fds(), before);	/* no descriptor came with it */

	/* Through the writable mount the same group gets a real O_RDWR fd. */
	touch_open(rw_file);
	T_EQ(lv_read(g, 2000), 1);
	ev = fan_group_first_event(g);
	T_ASSERT(fan_event_fd(ev) >= 0);
	T_EQ(fan_event_fd_error(ev), 0);
	T_EQ(fcntl(fan_event_fd(ev), F_GETFL) & O_ACCMODE, O_RDWR);
	fan_group_release(g);
	T_EQ(th_count_fds(), before);
	fan_group_free(g);
}

static void without_fd_error(void)
{
	struct fan_group *g = rdwr_group(0);

	touch_open(ro_file);
	T_ASSERT(lv_readable(g, 2000));
	T_EQ(fan_group_read(g), -EROFS);
	/* The kernel dropped that event: the queue is empty afterwards. */
	T_EQ(fan_group_read(g), -EAGAIN);
	fan_group_free(g);
}

int main(void)
{
	th_init(20);
	th_private_tmpfs(dir, sizeof(dir));
	th_write_file(dir, "file", 1);
	ro_bind();
	th_require_init(FAN_CLASS_NOTIF | FAN_REPORT_FD_ERROR, O_RDWR);
	with_fd_error();
	without_fd_error();
	T_EQ(umount2(ro, 0), 0);
	printf("PASS\n");
	return 0;
}
