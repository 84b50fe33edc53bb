// SPDX-License-Identifier: MIT
/*
 * The kernel silently drops an fd-mode event it cannot give a descriptor.
 * The library must bound each read by the descriptor limit so that, with a
 * low RLIMIT_NOFILE, every queued event still arrives (over several reads),
 * and permission events are not denied for lack of descriptors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "live.h"

#define FILES 300

static void lower_fd_limit(rlim_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		th_fail("getrlimit: %s", strerror(errno));
	rl.rlim_cur = n;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		th_fail("setrlimit: %s", strerror(errno));
}

/* Queue FILES close_write events, then read them all with RLIMIT_NOFILE = 64. */
static void all_events_arrive(const char *dir, unsigned int extra_init)
{
	struct fan_group *g = lv_group(FAN_CLASS_NOTIF | FAN_NONBLOCK | extra_init, O_RDONLY);
	char name[32];
	int i, n, total = 0, reads = 0, fds0;

	lv_mark(g, FAN_MARK_MOUNT, FAN_CLOSE_WRITE, dir);
	for (i = 0; i < FILES; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		th_write_file(dir, name, 1);
	}
	lower_fd_limit(64);
	fds0 = th_count_fds();
	while ((n = fan_group_read(g)) > 0) {
		total += n;
		reads++;
		T_ASSERT(th_count_fds() <= 64);
	}
	T_EQ(n, -EAGAIN);
	lower_fd_limit(1024);
	fan_group_free(g);
	printf("%d events in %d reads (flags 0x%x)\n", total, reads, extra_init);
	T_EQ(total, FILES);
	T_ASSERT(reads > 1);
	T_ASSERT(th_count_fds() <= fds0);
}

int main(void)
{
	char dir[256];

	th_init(50);
	th_private_tmpfs(dir, sizeof(dir));
	all_events_arrive(dir, 0);
	all_events_arrive(dir, FAN_REPORT_PIDFD);
	return 0;
}
