// SPDX-License-Identifier: MIT
/*
 * Who caused the event: FAN_REPORT_PIDFD gives a pidfd of the event's
 * process (same pidfs inode as pidfd_open() of that pid, and its fdinfo
 * names the pid), FAN_NOPIDFD for a process reaped before the read;
 * FAN_REPORT_TID gives the thread id of a non-main thread; PIDFD and TID
 * together are refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fidcheck.h"

static char dir[256], file[300];

/* The Pid: line of a pidfd's fdinfo. */
static long fdinfo_pid(int pidfd)
{
	char path[64];
	long pid = -100;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	T_ASSERT(th_proc_field(path, "Pid:", &pid));
	return pid;
}

/* A child that opens the file, then waits until the parent closes the pipe. */
static pid_t spawn_opener(bool linger, int *release_fd)
{
	int p[2], fd;
	pid_t pid;
	char c;

	T_EQ(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		fd = open(file, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			_exit(errno);
		close(fd);
		if (linger)
			(void)!read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	*release_fd = p[1];
	return pid;
}

static void pidfd_live(void)
{
	struct fan_group *g = lv_group(FAN_CLASS_NOTIF | FAN_REPORT_PIDFD | FAN_NONBLOCK, O_RDONLY);
	struct stat a, b;
	struct fan_event *ev;
	int release, pidfd, raw, own;
	pid_t child;

	lv_mark(g, 0, FAN_OPEN, file);
	child = spawn_opener(true, &release);
	T_EQ(lv_read(g, 2000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_mask(ev), FAN_OPEN);
	T_EQ(fan_event_pid(ev), child);
	T_STREQ(lv_record_types(ev), "pidfd");
	pidfd = fan_event_pidfd(ev);
	T_ASSERT(pidfd >= 0);
	T_EQ(fan_info_pidfd(fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_PIDFD), &raw), 0);
	T_EQ(raw, pidfd);
	T_EQ(fdinfo_pid(pidfd), child);
	own = (int)syscall(SYS_pidfd_open, child, 0);
	T_ASSERT(own >= 0);
	T_EQ(fstat(pidfd, &a), 0);
	T_EQ(fstat(own, &b), 0);
	T_EQ(a.st_ino, b.st_ino);	/* pidfs: one inode per process */
	T_EQ(a.st_dev, b.st_dev);
	close(own);
	close(release);
	lv_expect_exit(child, 0, "opener");
	fan_group_free(g);
}

static void pidfd_exited(void)
{
	struct fan_group *g = lv_group(FAN_CLASS_NOTIF | FAN_REPORT_PIDFD | FAN_NONBLOCK, O_RDONLY);
	struct fan_event *ev;
	int release, raw;
	pid_t child;

	lv_mark(g, 0, FAN_OPEN, file);
	child = spawn_opener(false, &release);
	lv_expect_exit(child, 0, "opener");	/* reaped before the read */
	close(release);
	T_EQ(lv_read(g, 2000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_pid(ev), child);
	T_ASSERT(fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_PIDFD));
	T_EQ(fan_info_pidfd(fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_PIDFD), &raw), 0);
	T_EQ(raw, FAN_NOPIDFD);
	T_EQ(fan_event_pidfd(ev), FAN_NOPIDFD);
	T_EQ(fan_event_take_pidfd(ev), -EBADF);
	fan_group_free(g);
}

static void *thread_open(void *arg)
{
	pid_t *tid = arg;
	int fd;

	*tid = (pid_t)syscall(SYS_gettid);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void report_tid(void)
{
	struct fan_group *g = lv_group(FAN_CLASS_NOTIF | FAN_REPORT_TID | FAN_NONBLOCK, O_RDONLY);
	struct fan_event *ev;
	pthread_t t;
	pid_t tid = 0;

	lv_mark(g, 0, FAN_OPEN, file);
	T_EQ(pthread_create(&t, NULL, thread_open, &tid), 0);
	T_EQ(pthread_join(t, NULL), 0);
	T_ASSERT(tid > 0 && tid != getpid());
	T_EQ(lv_read(g, 2000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_pid(ev), tid);
	/* The main thread's tid is the pid. */
	thread_open(&tid);
	T_EQ(lv_read(g, 2000), 1);
	T_EQ(fan_event_pid(fan_group_first_event(g)), getpid());
	fan_group_free(g);
}

static void pidfd_and_tid(void)
{
	struct fan_group *g = NULL;

	T_EQ(fan_group_new(FAN_CLASS_NOTIF | FAN_REPORT_PIDFD | FAN_REPORT_TID, 0, &g), -EINVAL);
	T_EQ(g, NULL);
	T_EQ(fan_probe_init(FAN_CLASS_NOTIF | FAN_REPORT_PIDFD | FAN_REPORT_TID, 0), -EINVAL);
}

int main(void)
{
	th_init(20);
	lv_tmpfs_file(dir, sizeof(dir), file, sizeof(file));
	th_require_init(FAN_CLASS_NOTIF | FAN_REPORT_PIDFD, O_RDONLY);
	pidfd_live();
	pidfd_exited();
	th_require_init(FAN_CLASS_NOTIF | FAN_REPORT_TID, O_RDONLY);
	report_tid();
	pidfd_and_tid();
	printf("PASS\n");
	return 0;
}
