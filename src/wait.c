// SPDX-License-Identifier: MIT
/*
 * The read loop every program writes: finish the batch (answers, closes)
 * before sleeping, poll with a timeout, read, and go on through what is
 * not an error for the caller: readiness that another reader took first
 * (-EAGAIN), a signal (-EINTR), a malformed tail (-EBADMSG: the
 * well-formed events are the batch, the stats count it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "internal.h"

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until end (-1: no end). */
static int left_ms(int64_t end)
{
	int64_t now;

	if (end < 0)
		return -1;
	now = mono_ms();
	return now >= end ? 0 : (int)(end - now);
}

static int visible_events(struct fan_group *g)
{
	struct fan_event *ev;
	int n = 0;

	fan_for_each_event(ev, g)
		n++;
	return n;
}

LF_EXPORT int fan_group_wait_read(struct fan_group *g, int timeout_ms)
{
	int64_t end = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	struct pollfd pfd;
	int r;

	if (!g || g->fd < 0 || timeout_ms < -1)
		return -EINVAL;
	lf_batch_release(g);
	for (;;) {
		pfd = (struct pollfd){ .fd = g->fd, .events = POLLIN };
		r = poll(&pfd, 1, left_ms(end));
		if (r < 0)
			return errno == EINTR ? 0 : -errno;
		if (r == 0)
			return -ETIMEDOUT;
		if (pfd.revents & POLLNVAL)
			return -EBADF;
		r = fan_group_read(g);
		if (r == -EINTR)
			return 0;
		if (r == -EBADMSG)
			return visible_events(g);
		if (r != -EAGAIN)
			return r;
		if (left_ms(end) == 0)
			return -ETIMEDOUT;
	}
}
