// SPDX-License-Identifier: MIT
/*
 * Plain notification events in fd mode, as the Rust nix crate tests them:
 * a write then close is one merged OPEN|MODIFY|CLOSE_WRITE event whose fd
 * is the file; a read is one OPEN|CLOSE_NOWRITE event.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"

#define MASK (FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE)

static char dir[256], file[300];

/* The batch holds exactly one event, of exactly this mask, from us, on file. */
static void expect_one(struct fan_group *g, uint64_t mask)
{
	struct fan_event *ev;
	char path[4096];
	struct stat a, b;
	int n = lv_read(g, 2000);

	T_EQ(n, 1);
	ev = fan_group_first_event(g);
	if (fan_event_mask(ev) != mask)
		th_fail("mask %s, expected %s", lv_mask(fan_event_mask(ev)), lv_mask(mask));
	T_EQ(fan_event_pid(ev), getpid());
	T_EQ(fan_event_version(ev), FANOTIFY_METADATA_VERSION);
	T_EQ(fan_event_len(ev), FAN_EVENT_METADATA_LEN);
	T_ASSERT(fan_event_fd(ev) >= 0);
	T_EQ(fan_event_fd_error(ev), 0);
	T_STREQ(lv_fd_path(fan_event_fd(ev), path, sizeof(path)), file);
	/* Same object, not merely the same name. */
	T_EQ(fstat(fan_event_fd(ev), &a), 0);
	T_EQ(stat(file, &b), 0);
	T_EQ(a.st_ino, b.st_ino);
	T_EQ(a.st_dev, b.st_dev);
	/* event_f_flags O_RDONLY: the fd is open for reading only. */
	T_EQ(fcntl(fan_event_fd(ev), F_GETFL) & O_ACCMODE, O_RDONLY);
	T_ASSERT(!fan_event_is_permission(ev));
	T_ASSERT(!fan_event_is_overflow(ev));
	T_ASSERT(!fan_event_needs_answer(ev));
	T_EQ(fan_event_first_info(ev), NULL);
}

static void write_close(void)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC);

	T_ASSERT(fd >= 0);
	T_EQ(write(fd, "hello", 5), 5);
	T_EQ(close(fd), 0);
}

static void read_close(void)
{
	char buf[16];
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	T_ASSERT(fd >= 0);
	T_EQ(read(fd, buf, sizeof(buf)), 5);
	T_EQ(close(fd), 0);
}

int main(void)
{
	struct fan_group *g;

	th_init(20);
	th_private_tmpfs(dir, sizeof(dir));
	th_write_file(dir, "file", 0);
	lv_join(file, sizeof(file), dir, "file");
	g = lv_group(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY);
	lv_mark(g, 0, MASK, file);

	write_close();
	expect_one(g, FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE);
	read_close();
	expect_one(g, FAN_OPEN | FAN_CLOSE_NOWRITE);
	/* Event fds never generate events of their own (FMODE_NONOTIFY). */
	lv_expect_quiet(g, 100, "after reading events");
	T_EQ(fan_group_read(g), -EAGAIN);
	T_EQ(lv_stats(g).batches, 2);
	T_EQ(lv_stats(g).events, 2);
	fan_group_free(g);
	printf("PASS\n");
	return 0;
}
