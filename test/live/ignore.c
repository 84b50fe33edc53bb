// SPDX-License-Identifier: MIT
/*
 * Ignore marks: FAN_MARK_IGNORE on a file inside a watched directory
 * silences that file only; an ignore mask is cleared by a modification
 * unless it was added with FAN_MARK_IGNORED_SURV_MODIFY (old
 * FAN_MARK_IGNORED_MASK and new FAN_MARK_IGNORE styles alike); the
 * kernel's rules on combining them come back unchanged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "live.h"

static char dir[256];

static void touch_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		th_fail("open %s: %s", path, strerror(errno));
	close(fd);
}

static void modify(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	T_ASSERT(fd >= 0);
	T_EQ(write(fd, "y", 1), 1);
	close(fd);
}

/* Opening path gives exactly one FAN_OPEN event on path. */
static void expect_open_event(struct fan_group *g, const char *path)
{
	char buf[4096];
	struct fan_event *ev;

	touch_open(path);
	T_EQ(lv_read(g, 2000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_mask(ev), FAN_OPEN);
	T_STREQ(lv_fd_path(fan_event_fd(ev), buf, sizeof(buf)), path);
}

static void expect_no_open_event(struct fan_group *g, const char *path)
{
	touch_open(path);
	lv_expect_quiet(g, 50, path);
}

static struct fan_group *watch_dir(void)
{
	struct fan_group *g = lv_group(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);

	lv_mark(g, 0, FAN_OPEN | FAN_EVENT_ON_CHILD, dir);
	return g;
}

static void ignore_silences(void)
{
	char quiet[300], loud[300];
	struct fan_group *g = watch_dir();

	lv_join(quiet, sizeof(quiet), dir, "quiet");
	lv_join(loud, sizeof(loud), dir, "loud");
	expect_open_event(g, quiet);
	lv_mark(g, FAN_MARK_IGNORE, FAN_OPEN, quiet);
	expect_no_open_event(g, quiet);
	expect_open_event(g, loud);
	/* Removing the ignore mark brings the events back. */
	T_EQ(fan_group_remove_mark(g, FAN_MARK_IGNORE, FAN_OPEN, quiet), 0);
	expect_open_event(g, quiet);
	fan_group_free(g);
}

/* flags: the ignore style; survives: whether SURV_MODIFY is in it. */
static void ignore_vs_modify(unsigned int flags, bool survives, const char *name)
{
	char path[300];
	struct fan_group *g = watch_dir();

	lv_join(path, sizeof(path), dir, name);
	lv_mark(g, flags, FAN_OPEN, path);
	expect_no_open_event(g, path);
	modify(path);	/* its own open is still ignored */
	lv_expect_quiet(g, 50, "the modifying open");
	if (survives)
		expect_no_open_event(g, path);
	else
		expect_open_event(g, path);
	printf("%s: ignore mask %s a modification\n", name, survives ? "survives" : "is cleared by");
	fan_group_free(g);
}

static void kernel_rules(void)
{
	struct fan_group *g = watch_dir();
	char file[300];

	lv_join(file, sizeof(file), dir, "quiet");
	/* New and old style together: EINVAL. */
	T_EQ(fan_group_add_mark(g, FAN_MARK_IGNORE | FAN_MARK_IGNORED_MASK, FAN_OPEN, file),
	     -EINVAL);
	/* FAN_MARK_IGNORE on a directory needs SURV_MODIFY: EISDIR. */
	T_EQ(fan_group_add_mark(g, FAN_MARK_IGNORE, FAN_OPEN, dir), -EISDIR);
	T_EQ(fan_group_add_mark(g, FAN_MARK_IGNORE_SURV, FAN_OPEN, dir), 0);
	fan_group_free(g);
}

int main(void)
{
	th_init(20);
	th_private_tmpfs(dir, sizeof(dir));
	th_write_file(dir, "quiet", 1);
	th_write_file(dir, "loud", 1);
	th_write_file(dir, "old", 1);
	th_write_file(dir, "old_surv", 1);
	th_write_file(dir, "new", 1);
	th_write_file(dir, "new_surv", 1);
	ignore_vs_modify(FAN_MARK_IGNORED_MASK, false, "old");
	ignore_vs_modify(FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY, true, "old_surv");
	/* the old style is all that kernels before 6.0 have */
	lv_require_mark(FAN_CLASS_NOTIF, FAN_MARK_IGNORE, FAN_OPEN, -1, NULL);
	ignore_silences();
	ignore_vs_modify(FAN_MARK_IGNORE, false, "new");
	ignore_vs_modify(FAN_MARK_IGNORE_SURV, true, "new_surv");
	kernel_rules();
	printf("PASS\n");
	return 0;
}
