// SPDX-License-Identifier: MIT
/*
 * Read buffers: fan_group_read_buf() reads into the caller's buffer (the
 * events are views into it); a buffer below LIBFANOTIFY_MIN_BUF_SIZE is
 * -EINVAL, as is such a buf_size option; an empty non-blocking group reads
 * -EAGAIN; the default buffer drains 1000 queued events in at most 3
 * reads, and a minimum-size buffer drains them over more reads, losing
 * none.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live.h"

#define NFILES 1000

static char dir[256];

static struct fan_group *group(size_t buf_size)
{
	LIBFANOTIFY_OPTS(fan_group_opts, o,
			 .init_flags = FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC,
			 .event_f_flags = O_RDONLY | O_CLOEXEC, .buf_size = buf_size);
	struct fan_group *g = lv_group_opts(&o);

	lv_mark(g, 0, FAN_OPEN | FAN_EVENT_ON_CHILD, dir);
	return g;
}

static void open_files(int n)
{
	char path[300];
	int i, fd;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		T_ASSERT(fd >= 0);
		close(fd);
	}
}

static void caller_buffer(void)
{
	struct fan_group *g = group(0);
	size_t len = LIBFANOTIFY_MIN_BUF_SIZE;
	unsigned char *buf = aligned_alloc(8, len);
	struct fan_event *ev;
	int n, fd;

	T_ASSERT(buf);
	T_EQ(fan_group_read_buf(g, buf, len), -EAGAIN);	/* empty, non-blocking */
	T_EQ(fan_group_read(g), -EAGAIN);
	T_EQ(fan_group_read_buf(g, buf, len - 1), -EINVAL);
	T_EQ(fan_group_read_buf(g, NULL, len), -EINVAL);
	T_EQ(fan_group_read_buf(NULL, buf, len), -EINVAL);

	open_files(3);
	T_ASSERT(lv_readable(g, 2000));
	n = fan_group_read_buf(g, buf, len);
	T_EQ(n, 3);
	fan_for_each_event(ev, g) {
		T_ASSERT((unsigned char *)ev >= buf);
		T_ASSERT((unsigned char *)ev + fan_event_len(ev) <= buf + len);
		T_EQ(fan_event_mask(ev), FAN_OPEN);
	}
	fd = fan_event_fd(fan_group_first_event(g));
	T_ASSERT(fd >= 0);
	/* The next read, into the group's own buffer, finishes the caller's batch. */
	T_EQ(fan_group_read(g), -EAGAIN);
	T_EQ(fcntl(fd, F_GETFD), -1);
	T_EQ(fan_group_first_event(g), NULL);
	fan_group_free(g);
	free(buf);
}

static void bad_sizes(void)
{
	struct fan_group *g = NULL;
	LIBFANOTIFY_OPTS(fan_group_opts, o, .init_flags = FAN_CLASS_NOTIF,
			 .buf_size = LIBFANOTIFY_MIN_BUF_SIZE - 1);

	T_EQ(fan_group_new_opts(&o, &g), -EINVAL);
	T_EQ(g, NULL);
	o.buf_size = LIBFANOTIFY_MIN_BUF_SIZE;
	T_EQ(fan_group_new_opts(&o, &g), 0);
	fan_group_free(g);
}

/* Read until -EAGAIN; returns the number of reads that returned events. */
static int drain(struct fan_group *g, int *events)
{
	int reads = 0, n;

	*events = 0;
	while ((n = fan_group_read(g)) != -EAGAIN) {
		if (n < 0)
			th_fail("fan_group_read: %s", strerror(-n));
		T_EQ(lv_count(g), n);
		*events += n;
		reads++;
	}
	return reads;
}

static void drain_1000(size_t buf_size, int max_reads, int min_reads)
{
	struct fan_group *g = group(buf_size);
	int events, reads;

	open_files(NFILES);
	reads = drain(g, &events);
	printf("buffer %zu bytes: %d events in %d reads\n",
	       buf_size ? buf_size : (size_t)LIBFANOTIFY_DEFAULT_BUF_SIZE, events, reads);
	T_EQ(events, NFILES);
	T_ASSERT(reads <= max_reads);
	T_ASSERT(reads >= min_reads);
	T_EQ(lv_stats(g).events, NFILES);
	T_EQ(lv_stats(g).batches, reads);
	fan_group_free(g);
}

int main(void)
{
	char name[16];
	int i;

	th_init(50);
	lv_raise_nofile(NFILES + 100);	/* one open descriptor per event in a batch */
	th_private_tmpfs(dir, sizeof(dir));
	for (i = 0; i < NFILES; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		th_write_file(dir, name, 0);
	}
	caller_buffer();
	bad_sizes();
	drain_1000(0, 3, 1);
	/* 4096 bytes hold 170 plain events: at least 6 reads. */
	drain_1000(LIBFANOTIFY_MIN_BUF_SIZE, 1000, NFILES / (LIBFANOTIFY_MIN_BUF_SIZE / 24) + 1);
	printf("PASS\n");
	return 0;
}
