// SPDX-License-Identifier: MIT
/*
 * Descriptor ownership: every event fd and pidfd of a batch is closed when
 * the batch is finished (next read, fan_group_release(), fan_group_free()),
 * exactly once; a descriptor the caller took is never closed by the
 * library; a deferred permission event's descriptors are closed once, when
 * it is answered.  Double closes are caught with sentinels: a closed number is
 * reused by a dup of a known descriptor, which must survive every later
 * library call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "live.h"

#define N 8

static char dir[256];

enum finish { BY_READ, BY_RELEASE, BY_FREE };

static struct fan_group *pidfd_group(void)
{
	struct fan_group *g = lv_group(FAN_CLASS_NOTIF | FAN_REPORT_PIDFD | FAN_NONBLOCK |
					       FAN_CLOEXEC, O_RDONLY | O_CLOEXEC);

	lv_mark(g, 0, FAN_OPEN | FAN_EVENT_ON_CHILD, dir);
	return g;
}

/* Open N distinct files (N unmergeable events), read them as one batch. */
static void produce_batch(struct fan_group *g, int fds[N], int pidfds[N])
{
	char path[300], name[16];
	struct fan_event *ev;
	int i, fd;

	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		fd = open(lv_join(path, sizeof(path), dir, name), O_RDONLY | O_CLOEXEC);
		T_ASSERT(fd >= 0);
		close(fd);
	}
	T_EQ(lv_read(g, 2000), N);
	i = 0;
	fan_for_each_event(ev, g) {
		T_ASSERT(i < N);
		fds[i] = fan_event_fd(ev);
		pidfds[i] = fan_event_pidfd(ev);
		T_ASSERT(fds[i] >= 0);
		T_ASSERT(pidfds[i] >= 0);
		/* O_CLOEXEC from event_f_flags; pidfds are always close-on-exec. */
		T_EQ(fcntl(fds[i], F_GETFD), FD_CLOEXEC);
		T_EQ(fcntl(pidfds[i], F_GETFD), FD_CLOEXEC);
		i++;
	}
	T_EQ(i, N);
}

static void untaken_closed(enum finish how)
{
	static const char *names[] = { "next read", "release", "free" };
	int fds[N], pidfds[N], start, i;
	struct fan_group *g = pidfd_group();

	start = th_count_fds();
	produce_batch(g, fds, pidfds);
	T_EQ(th_count_fds(), start + 2 * N);
	if (how == BY_READ)
		T_EQ(fan_group_read(g), -EAGAIN);
	else if (how == BY_RELEASE)
		fan_group_release(g);
	else
		fan_group_free(g);
	T_EQ(th_count_fds(), start - (how == BY_FREE));
	for (i = 0; i < N; i++) {
		T_EQ(fcntl(fds[i], F_GETFD), -1);
		T_EQ(fcntl(pidfds[i], F_GETFD), -1);
	}
	if (how != BY_FREE)
		fan_group_free(g);
	printf("%s: %d fds and %d pidfds closed\n", names[how], N, N);
}

/* Put a dup of sentinel at number fd, which must be free. */
static void plant(int sentinel, int fd)
{
	T_EQ(fcntl(fd, F_GETFD), -1);
	T_EQ(dup2(sentinel, fd), fd);
}

static void taken_kept(void)
{
	int fds[N], pidfds[N], start, i, fd, pidfd;
	int sentinel = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct fan_group *g = pidfd_group();
	struct fan_event *ev;
	char path[4096], want[300];

	T_ASSERT(sentinel >= 0);
	start = th_count_fds();
	produce_batch(g, fds, pidfds);
	ev = fan_group_first_event(g);
	fd = fan_event_take_fd(ev);
	T_EQ(fd, fds[0]);
	T_EQ(fan_event_take_fd(ev), -EBADF);	/* only once */
	ev = fan_group_next_event(g, ev);
	pidfd = fan_event_take_pidfd(ev);
	T_EQ(pidfd, pidfds[1]);
	T_EQ(fan_event_take_pidfd(ev), -EBADF);

	fan_group_release(g);
	T_EQ(th_count_fds(), start + 2);
	T_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	T_EQ(fcntl(pidfd, F_GETFD), FD_CLOEXEC);
	T_STREQ(lv_fd_path(fd, path, sizeof(path)), lv_join(want, sizeof(want), dir, "f0"));

	/* Every number the library closed now holds a sentinel ... */
	for (i = 0; i < N; i++) {
		if (fds[i] != fd)
			plant(sentinel, fds[i]);
		if (pidfds[i] != pidfd)
			plant(sentinel, pidfds[i]);
	}
	/* ... and so do the taken ones, after the caller's own close. */
	T_EQ(close(fd), 0);
	T_EQ(close(pidfd), 0);
	plant(sentinel, fd);
	plant(sentinel, pidfd);

	/* Nothing the library does from here may close any of them. */
	fan_group_release(g);
	T_EQ(fan_group_read(g), -EAGAIN);
	fan_group_free(g);
	for (i = 0; i < N; i++) {
		T_EQ(fcntl(fds[i], F_GETFD), 0);
		T_EQ(fcntl(pidfds[i], F_GETFD), 0);
		close(fds[i]);
		close(pidfds[i]);
	}
	close(sentinel);
	printf("taken fd and pidfd kept; no descriptor closed twice\n");
}

/* A child that opens dir/f0: its open waits for our answer. */
static pid_t spawn_open(void)
{
	char path[300];

	return lv_spawn_open(lv_join(path, sizeof(path), dir, "f0"), O_RDONLY);
}

/*
 * Deferred permission events own their fd and pidfd: closed once when
 * answered (fan_perm_respond) or when the group answers them at free,
 * never again by fan_perm_free() afterwards; a fd taken before deferring
 * stays the caller's.
 */
static void deferred(void)
{
	struct fan_group *g = lv_group(FAN_CLASS_CONTENT | FAN_REPORT_PIDFD | FAN_NONBLOCK |
					       FAN_CLOEXEC, O_RDONLY | O_CLOEXEC);
	int sentinel = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int fd[3], pidfd[3], taken = -1, i, start;
	struct fan_perm *p[3];
	struct fan_event *ev;
	pid_t child[3];
	char path[300];

	T_ASSERT(sentinel >= 0);
	lv_mark(g, 0, FAN_OPEN_PERM, lv_join(path, sizeof(path), dir, "f0"));
	start = th_count_fds();
	for (i = 0; i < 3; i++) {
		child[i] = spawn_open();
		T_EQ(lv_read(g, 5000), 1);
		ev = fan_group_first_event(g);
		fd[i] = fan_event_fd(ev);
		pidfd[i] = fan_event_pidfd(ev);
		T_ASSERT(fd[i] >= 0 && pidfd[i] >= 0);
		if (i == 2)
			T_EQ(taken = fan_event_take_fd(ev), fd[2]);
		T_EQ(fan_event_defer(g, ev, &p[i]), 0);
		T_EQ(fan_event_take_pidfd(ev), -EBADF);	/* belongs to the fan_perm */
	}
	fan_group_release(g);
	T_EQ(th_count_fds(), start + 6);	/* nothing closed: all deferred */

	T_EQ(fan_perm_respond(p[0], FAN_ALLOW, NULL), 0);
	lv_expect_exit(child[0], 0, "answered");
	T_EQ(fcntl(fd[0], F_GETFD), -1);
	T_EQ(fcntl(pidfd[0], F_GETFD), -1);
	T_EQ(fan_perm_respond(p[2], FAN_ALLOW, NULL), 0);
	lv_expect_exit(child[2], 0, "answered, fd taken");
	T_EQ(fcntl(taken, F_GETFD), FD_CLOEXEC);	/* the caller's */
	T_EQ(fcntl(pidfd[2], F_GETFD), -1);
	T_EQ(close(taken), 0);

	fan_group_free(g);	/* answers p[1], closes its descriptors */
	lv_expect_exit(child[1], 0, "answered by fan_group_free");
	T_EQ(th_count_fds(), start - 1);
	plant(sentinel, fd[1]);
	plant(sentinel, pidfd[1]);
	plant(sentinel, fd[0]);
	fan_perm_free(p[1]);	/* after the group: frees, closes nothing */
	T_EQ(fcntl(fd[1], F_GETFD), 0);
	T_EQ(fcntl(pidfd[1], F_GETFD), 0);
	T_EQ(fcntl(fd[0], F_GETFD), 0);
	close(fd[1]);
	close(pidfd[1]);
	close(fd[0]);
	close(sentinel);
	printf("deferred events: fds and pidfds closed exactly once\n");
}

/* A FID group's recorded filesystem descriptors go with the group. */
static void fid_group_fds(void)
{
	int start = th_count_fds();
	struct fan_group *g;

	lv_require_mark(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME, 0, FAN_CREATE, AT_FDCWD, dir);
	g = lv_group(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_NONBLOCK, 0);
	lv_mark(g, 0, FAN_CREATE, dir);
	lv_mark(g, 0, FAN_DELETE, dir);
	T_ASSERT(th_count_fds() > start);
	fan_group_free(g);
	T_EQ(th_count_fds(), start);
}

int main(void)
{
	char name[16];
	int i;

	th_init(20);
	th_private_tmpfs(dir, sizeof(dir));
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		th_write_file(dir, name, 1);
	}
	th_require_init(FAN_CLASS_NOTIF | FAN_REPORT_PIDFD, O_RDONLY);
	untaken_closed(BY_READ);
	untaken_closed(BY_RELEASE);
	untaken_closed(BY_FREE);
	taken_kept();
	th_require_init(FAN_CLASS_CONTENT | FAN_REPORT_PIDFD, O_RDONLY);
	deferred();
	fid_group_fds();
	printf("PASS\n");
	return 0;
}
