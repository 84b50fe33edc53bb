// SPDX-License-Identifier: MIT
/*
 * fan_group_adopt(): a descriptor from a raw fanotify_init() becomes a
 * group whose init flags and event_f_flags are the ones used (read back
 * from fdinfo), which reads events and closes the descriptor when freed;
 * a descriptor that is not a fanotify group (a pipe) is -EINVAL and is
 * closed too, since adoption takes ownership even on failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include "live.h"

#define KERNEL_O_LARGEFILE 0100000	/* forced into event_f_flags by the kernel */

static char dir[256], file[300];

static void adopt_and_read(unsigned int init, unsigned int evf)
{
	struct fan_group *g = NULL;
	struct fan_event *ev;
	int fd, r;

	fd = fanotify_init(init, evf);
	if (fd < 0)
		th_fail("fanotify_init(0x%x, 0x%x): %s", init, evf, strerror(errno));
	r = fan_group_adopt(fd, NULL, &g);
	if (r < 0)
		th_fail("fan_group_adopt: %s", strerror(-r));
	T_EQ(fan_group_fd(g), fd);
	T_EQ(fan_group_init_flags(g), init);
	T_EQ(fan_group_event_f_flags(g) & ~KERNEL_O_LARGEFILE, evf);

	lv_mark(g, 0, FAN_OPEN | FAN_CLOSE_NOWRITE, file);
	close(open(file, O_RDONLY | O_CLOEXEC));
	T_EQ(lv_read(g, 2000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_mask(ev), FAN_OPEN | FAN_CLOSE_NOWRITE);
	T_EQ(fan_event_pid(ev), getpid());
	fan_group_free(g);
	T_EQ(fcntl(fd, F_GETFD), -1);	/* the group owned it */
}

static void adopt_pipe(void)
{
	struct fan_group *g = NULL;
	int p[2];

	T_EQ(pipe2(p, O_CLOEXEC), 0);
	T_EQ(fan_group_adopt(p[0], NULL, &g), -EINVAL);
	T_EQ(g, NULL);
	T_EQ(fcntl(p[0], F_GETFD), -1);	/* closed on failure too */
	T_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
	close(p[1]);
	T_EQ(fan_group_adopt(-1, NULL, &g), -EBADF);
}

int main(void)
{
	th_init(20);
	lv_tmpfs_file(dir, sizeof(dir), file, sizeof(file));
	adopt_and_read(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY);
	adopt_and_read(FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE,
		       O_RDONLY | O_CLOEXEC | O_NOATIME);
	th_require_init(FAN_CLASS_NOTIF | FAN_REPORT_PIDFD, O_RDONLY);
	adopt_and_read(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_REPORT_PIDFD, O_RDONLY);
	adopt_pipe();
	printf("PASS\n");
	return 0;
}
