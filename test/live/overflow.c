// SPDX-License-Identifier: MIT
/*
 * Filling the queue: exactly /proc/sys/fs/fanotify/max_queued_events
 * events, then one FAN_Q_OVERFLOW event without a descriptor, counted once
 * in the group's stats.  Each event is on its own file, so none merge.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "live.h"

static char dir[256];

static void make_files(long n)
{
	char name[32];
	long i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%ld", i);
		th_write_file(dir, name, 0);
	}
}

static void open_files(long n)
{
	char path[512];
	long i;
	int fd;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%ld", dir, i);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			th_fail("open %s: %s", path, strerror(errno));
		close(fd);
	}
}

struct tally {
	long events, overflows, after_overflow;
};

static void count_batch(struct fan_group *g, struct tally *t)
{
	struct fan_event *ev;

	fan_for_each_event(ev, g) {
		if (t->overflows)
			t->after_overflow++;
		if (!fan_event_is_overflow(ev)) {
			T_EQ(fan_event_mask(ev), FAN_OPEN);
			T_ASSERT(fan_event_fd(ev) >= 0);
			t->events++;
			continue;
		}
		T_EQ(fan_event_mask(ev), FAN_Q_OVERFLOW);
		T_EQ(fan_event_fd(ev), FAN_NOFD);
		T_EQ(fan_event_fd_error(ev), 0);
		T_EQ(fan_event_take_fd(ev), -EBADF);
		t->overflows++;
	}
}

int main(void)
{
	long max = lv_read_long("/proc/sys/fs/fanotify/max_queued_events");
	struct tally t = { 0 };
	struct fan_group_stats st;
	struct fan_group *g;
	int n;
	LIBFANOTIFY_OPTS(fan_group_opts, o, .buf_size = 64 * 1024, .event_f_flags = O_RDONLY,
			 .init_flags = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK);

	th_init(110);
	if (max <= 0 || max > 1000000)
		th_skip("max_queued_events is %ld: too large to fill in a test", max);
	/*
	 * Every event in a batch is an open descriptor until the batch is
	 * finished: a 64 KiB buffer holds at most 2730 of them.
	 */
	lv_raise_nofile(4096);
	th_private_tmpfs(dir, sizeof(dir));
	make_files(max + 10);
	g = lv_group_opts(&o);
	lv_mark(g, 0, FAN_OPEN | FAN_EVENT_ON_CHILD, dir);
	open_files(max + 10);

	while ((n = fan_group_read(g)) != -EAGAIN) {
		if (n < 0)
			th_fail("fan_group_read: %s", strerror(-n));
		count_batch(g, &t);
	}
	printf("max_queued_events %ld: read %ld events and %ld overflow events\n", max,
	       t.events, t.overflows);
	T_EQ(t.events, max);
	T_EQ(t.overflows, 1);
	T_EQ(t.after_overflow, 0);	/* the overflow event is the last one */
	st = lv_stats(g);
	T_EQ(st.overflows, 1);
	T_EQ(st.events, max + 1);
	fan_group_free(g);
	printf("PASS\n");
	return 0;
}
