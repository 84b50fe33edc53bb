// SPDX-License-Identifier: MIT
/*
 * fan_group_wait_read(), the read loop in one call:
 *   - nothing queued: -ETIMEDOUT after the timeout (0: at once);
 *   - events: their number, in non-blocking and blocking groups;
 *   - it finishes the current batch before it waits: a process whose open
 *     waits for an answer in the last batch gets the default and can go
 *     on to cause the event the wait then returns;
 *   - a signal during the wait: 0 (the caller looks at its flags), never
 *     -EINTR;
 *   - two readers of one group (one kernel group, two descriptors): the
 *     one that finds the queue empty after poll() said readable waits on
 *     instead of returning -EAGAIN;
 *   - bad arguments: -EINVAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "live.h"

static char dir[256], file[300], file2[300];

static void timeouts(void)
{
	struct fan_group *g = lv_group(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
	double t0;

	lv_mark(g, 0, FAN_OPEN, file);
	T_EQ(fan_group_wait_read(g, 0), -ETIMEDOUT);
	t0 = th_now();
	T_EQ(fan_group_wait_read(g, 200), -ETIMEDOUT);
	T_ASSERT(th_now() - t0 >= 0.19);	/* it waited, not returned early */
	lv_expect_exit(lv_spawn_open(file, O_RDONLY), 0, "opener");
	T_EQ(fan_group_wait_read(g, 5000), 1);
	T_EQ(fan_event_mask(fan_group_first_event(g)), FAN_OPEN);
	T_EQ(fan_group_wait_read(g, 0), -ETIMEDOUT);
	T_ASSERT(fan_group_first_event(g) == NULL);	/* the batch was finished */
	T_EQ(fan_group_wait_read(NULL, 0), -EINVAL);
	T_EQ(fan_group_wait_read(g, -2), -EINVAL);
	fan_group_free(g);

	/* a blocking group: poll first, so the read never blocks */
	g = lv_group(FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY);
	lv_mark(g, 0, FAN_OPEN, file);
	T_EQ(fan_group_wait_read(g, 50), -ETIMEDOUT);
	lv_expect_exit(lv_spawn_open(file, O_RDONLY), 0, "opener");
	T_EQ(fan_group_wait_read(g, -1), 1);
	fan_group_free(g);
	printf("timeouts and events: ok\n");
}

/* Opens file (waits for its answer), then file2. */
static void two_opens(void *arg)
{
	int fd;

	(void)arg;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		_exit(errno);
	close(fd);
	fd = open(file2, O_RDONLY | O_CLOEXEC);
	_exit(fd < 0 ? errno : 0);
}

static void releases_first(void)
{
	struct fan_group *g = lv_group(FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
	struct fan_event *ev;
	pid_t child;

	lv_mark(g, 0, FAN_OPEN_PERM, file);
	lv_mark(g, 0, FAN_OPEN_PERM, file2);
	child = th_spawn(two_opens, NULL);
	T_EQ(fan_group_wait_read(g, 5000), 1);
	T_ASSERT(fan_event_needs_answer(fan_group_first_event(g)));
	/* left unanswered: the next wait must answer it before sleeping */
	T_EQ(fan_group_wait_read(g, 5000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_pid(ev), child);
	T_EQ(fan_event_respond(g, ev, FAN_ALLOW, NULL), 0);
	lv_expect_exit(child, 0, "opener of two files");
	T_EQ(lv_stats(g).default_answers, 1);
	fan_group_free(g);
	printf("the batch is finished before the wait: ok\n");
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void *poke(void *arg)
{
	usleep(100 * 1000);
	pthread_kill(*(pthread_t *)arg, SIGUSR1);
	return NULL;
}

static void interrupted(void)
{
	struct fan_group *g = lv_group(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	pthread_t self = pthread_self(), t;

	sigemptyset(&sa.sa_mask);
	T_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	lv_mark(g, 0, FAN_OPEN, file);
	T_EQ(pthread_create(&t, NULL, poke, &self), 0);
	T_EQ(fan_group_wait_read(g, 10000), 0);
	T_EQ(pthread_join(t, NULL), 0);
	fan_group_free(g);
	printf("a signal during the wait: 0\n");
}

struct reader {
	struct fan_group *g;
	int events, timeouts, other;
};

static int readers_done;	/* atomic: the main thread saw every event read */

static void *two_readers_thread(void *arg)
{
	struct reader *rd = arg;
	int r;

	while (!__atomic_load_n(&readers_done, __ATOMIC_ACQUIRE)) {
		r = fan_group_wait_read(rd->g, 100);
		if (r > 0)
			__atomic_add_fetch(&rd->events, r, __ATOMIC_RELEASE);
		else if (r == -ETIMEDOUT)
			rd->timeouts++;
		else
			rd->other++;
	}
	return NULL;
}

static void two_readers(void)
{
	struct fan_group *g = lv_group(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
	struct reader rd[2] = { { .g = g } };
	pthread_t t[2];
	int i, fd;

	lv_mark(g, 0, FAN_OPEN, file);
	fd = fcntl(fan_group_fd(g), F_DUPFD_CLOEXEC, 3);
	T_ASSERT(fd >= 0);
	T_EQ(fan_group_adopt(fd, NULL, &rd[1].g), 0);
	for (i = 0; i < 2; i++)
		T_EQ(pthread_create(&t[i], NULL, two_readers_thread, &rd[i]), 0);
	for (i = 0; i < 20; i++) {
		lv_expect_exit(lv_spawn_open(file, O_RDONLY), 0, "opener");
		usleep(30 * 1000);
	}
	/* every event read (the alarm bounds this), then a timeout each */
	while (__atomic_load_n(&rd[0].events, __ATOMIC_ACQUIRE) +
		       __atomic_load_n(&rd[1].events, __ATOMIC_ACQUIRE) < 20)
		usleep(10 * 1000);
	usleep(250 * 1000);
	__atomic_store_n(&readers_done, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++)
		T_EQ(pthread_join(t[i], NULL), 0);
	printf("two readers: %d + %d events, %d + %d timeouts, %d + %d other\n", rd[0].events,
	       rd[1].events, rd[0].timeouts, rd[1].timeouts, rd[0].other, rd[1].other);
	T_EQ(rd[0].other + rd[1].other, 0);
	T_EQ(rd[0].events + rd[1].events, 20);	/* opens of one child, one by one: no merging */
	T_ASSERT(rd[0].timeouts > 0 && rd[1].timeouts > 0);
	fan_group_free(rd[1].g);
	fan_group_free(g);
}

int main(void)
{
	th_init(50);
	th_private_tmpfs(dir, sizeof(dir));
	th_write_file(dir, "file", 1);
	th_write_file(dir, "file2", 1);
	lv_join(file, sizeof(file), dir, "file");
	lv_join(file2, sizeof(file2), dir, "file2");
	th_require_init(FAN_CLASS_CONTENT, O_RDONLY);

	timeouts();
	releases_first();
	interrupted();
	two_readers();
	printf("PASS\n");
	return 0;
}
