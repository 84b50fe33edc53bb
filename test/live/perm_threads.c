// SPDX-License-Identifier: MIT
/*
 * Permission events under load: one reader thread defers every event to a
 * pool of 4 worker threads that answer with fan_perm_respond(), while 8
 * processes each open a file 500 times under the permission mark.  Every
 * open must return (the alarm bounds it), every event be answered exactly
 * once: answers == events, no response refused (a second answer to the
 * same event would be the kernel's ENOENT), none left to the default.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "live.h"
#include "permq.h"

#define OPENERS 8
#define OPENS 500
#define WORKERS 4

static char dir[256];
static struct fan_group *g;

/* The work queue: a ring of deferred events. */
static unsigned long events_read, answers, answer_errors, not_permission;
static bool reader_stop;	/* atomic */

static void *worker(void *arg)
{
	struct fan_perm *p;

	(void)arg;
	while ((p = th_permq_pop())) {
		if (!fan_event_is_permission(fan_perm_event(p)))
			__atomic_add_fetch(&not_permission, 1, __ATOMIC_RELAXED);
		if (fan_perm_respond(p, FAN_ALLOW, NULL) == 0)
			__atomic_add_fetch(&answers, 1, __ATOMIC_RELAXED);
		else
			__atomic_add_fetch(&answer_errors, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct fan_event *ev;
	struct fan_perm *p;
	int n;

	(void)arg;
	while (!__atomic_load_n(&reader_stop, __ATOMIC_ACQUIRE)) {
		if (!lv_readable(g, 50))
			continue;
		n = fan_group_read(g);
		if (n == -EAGAIN)
			continue;
		if (n < 0)
			th_fail("fan_group_read: %s", strerror(-n));
		fan_for_each_event(ev, g) {
			events_read++;
			if (fan_event_defer(g, ev, &p) < 0)
				th_fail("fan_event_defer failed");
			th_permq_push(p);
		}
	}
	return NULL;
}

static void opener(void *arg)
{
	const char *path = arg;
	int i, fd, failures = 0;

	for (i = 0; i < OPENS; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			failures++;
		else
			close(fd);
	}
	_exit(failures ? 1 : 0);
}

int main(void)
{
	static char paths[OPENERS][300];
	pthread_t workers[WORKERS], rd;
	struct fan_group_stats st;
	pid_t pids[OPENERS];
	char name[16];
	double t0;
	int i;

	th_init(110);
	th_private_tmpfs(dir, sizeof(dir));	/* before any thread */
	th_require_init(FAN_CLASS_CONTENT, O_RDONLY);
	g = lv_group(FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY | O_CLOEXEC);
	for (i = 0; i < OPENERS; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		th_write_file(dir, name, 1);
		lv_join(paths[i], sizeof(paths[i]), dir, name);
	}
	lv_mark(g, 0, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD, dir);

	t0 = th_now();
	for (i = 0; i < OPENERS; i++)
		pids[i] = th_spawn(opener, paths[i]);
	for (i = 0; i < WORKERS; i++)
		T_EQ(pthread_create(&workers[i], NULL, worker, NULL), 0);
	T_EQ(pthread_create(&rd, NULL, reader, NULL), 0);
	for (i = 0; i < OPENERS; i++)
		if (th_wait(pids[i]) != 0)
			th_fail("opener %d: some opens failed", i);
	printf("%d opens in %.2f s\n", OPENERS * OPENS, th_now() - t0);

	th_permq_stop(&reader_stop, rd, workers, WORKERS);

	st = lv_stats(g);
	printf("events %lu, answers %lu, answer errors %lu (stats: events %llu, "
	       "answer_errors %llu, default_answers %llu)\n",
	       events_read, answers, answer_errors, (unsigned long long)st.events,
	       (unsigned long long)st.answer_errors, (unsigned long long)st.default_answers);
	T_EQ(events_read, OPENERS * OPENS);	/* permission events never merge */
	T_EQ(answers, events_read);
	T_EQ(answer_errors, 0);
	T_EQ(not_permission, 0);
	T_EQ(st.events, events_read);
	T_EQ(st.answer_errors, 0);
	T_EQ(st.default_answers, 0);
	fan_group_free(g);
	printf("PASS\n");
	return 0;
}
