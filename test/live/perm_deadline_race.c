// SPDX-License-Identifier: MIT
/*
 * A deadline racing a worker's answer, 100,000 times: every open's event
 * is deferred with a deadline of 0 ms (deny) while a worker answers it
 * (allow) after a random few microseconds.  Exactly one answer per event
 * must reach the kernel:
 *   - each worker answer is 0 (it won) or -EALREADY (the deadline won);
 *   - the group counts as many accepted caller answers as workers won and
 *     as many deadline answers as they lost, and no refused answer (a
 *     second answer for an event is refused by the kernel: ENOENT);
 *   - the openers saw exactly as many successes as workers won and as many
 *     EPERM as deadlines won;
 *   - both sides won some of the races.
 * Four opener processes, one reader thread, two workers (the machine's
 * CPU count); about 4 s here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "permq.h"

#define RACES 100000
#define OPENERS 4
#define WORKERS 2

static char dir[256];
static struct fan_group *g;
static unsigned long events_read, won, lost, errors;	/* atomic */
static bool reader_stop;	/* atomic */

struct tally {
	unsigned long opened, denied, other;
};
static struct tally *tallies;	/* shared with the opener processes */

static void spin_us(unsigned int us)
{
	double end = th_now() + us / 1e6;

	while (th_now() < end)
		;
}

static void *worker(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	struct fan_perm *p;
	int r;

	while ((p = th_permq_pop())) {
		spin_us((unsigned int)(rand_r(&seed) % 40));
		r = fan_perm_respond(p, FAN_ALLOW, NULL);
		if (r == 0)
			__atomic_add_fetch(&won, 1, __ATOMIC_RELAXED);
		else if (r == -EALREADY)
			__atomic_add_fetch(&lost, 1, __ATOMIC_RELAXED);
		else
			__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
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
		n = fan_group_wait_read(g, 50);
		if (n == -ETIMEDOUT || n == 0)
			continue;
		if (n < 0)
			th_fail("fan_group_wait_read: %s", strerror(-n));
		fan_for_each_event(ev, g) {
			/*
			 * A deadline of 0 lets the opener go on at once, the handle
			 * (and its fd) stays queued until a worker lets go: keep the
			 * backlog (and our descriptors) bounded.
			 */
			while (__atomic_load_n(&events_read, __ATOMIC_RELAXED) -
				       __atomic_load_n(&won, __ATOMIC_RELAXED) -
				       __atomic_load_n(&lost, __ATOMIC_RELAXED) -
				       __atomic_load_n(&errors, __ATOMIC_RELAXED) > 256)
				usleep(100);
			__atomic_add_fetch(&events_read, 1, __ATOMIC_RELAXED);
			if (fan_event_defer(g, ev, &p) < 0)
				th_fail("fan_event_defer failed");
			if (fan_perm_set_deadline(p, 0, FAN_DENY) < 0)
				th_fail("fan_perm_set_deadline failed");
			th_permq_push(p);
		}
	}
	fan_group_release(g);
	return NULL;
}

static void opener(void *arg)
{
	struct tally *t = &tallies[(int)(intptr_t)arg];
	char path[300], name[16];
	int i, fd;

	snprintf(name, sizeof(name), "f%d", (int)(intptr_t)arg);
	lv_join(path, sizeof(path), dir, name);
	for (i = 0; i < RACES / OPENERS; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			t->opened++;
			close(fd);
		} else if (errno == EPERM) {
			t->denied++;
		} else {
			t->other++;
		}
	}
}

int main(void)
{
	pthread_t workers[WORKERS], rd;
	unsigned long opened = 0, denied = 0, other = 0;
	struct fan_group_stats st;
	pid_t pids[OPENERS];
	char name[16];
	double t0;
	int i;

	th_init(170);
	th_private_tmpfs(dir, sizeof(dir));
	th_require_init(FAN_CLASS_CONTENT, O_RDONLY);
	tallies = mmap(NULL, OPENERS * sizeof(*tallies), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	T_ASSERT(tallies != MAP_FAILED);
	for (i = 0; i < OPENERS; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		th_write_file(dir, name, 1);
	}
	g = lv_group(FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY | O_CLOEXEC);
	lv_mark(g, 0, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD, dir);

	t0 = th_now();
	for (i = 0; i < OPENERS; i++)
		pids[i] = th_spawn(opener, (void *)(intptr_t)i);
	for (i = 0; i < WORKERS; i++)
		T_EQ(pthread_create(&workers[i], NULL, worker, (void *)(uintptr_t)(i + 1)), 0);
	T_EQ(pthread_create(&rd, NULL, reader, NULL), 0);
	for (i = 0; i < OPENERS; i++)
		T_EQ(th_wait(pids[i]), 0);
	th_permq_stop(&reader_stop, rd, workers, WORKERS);

	for (i = 0; i < OPENERS; i++) {
		opened += tallies[i].opened;
		denied += tallies[i].denied;
		other += tallies[i].other;
	}
	st = lv_stats(g);
	printf("%d races in %.1f s: worker won %lu, deadline won %lu, worker errors %lu\n",
	       RACES, th_now() - t0, won, lost, errors);
	printf("openers: %lu opened, %lu EPERM, %lu other; group: caller_answers %llu, "
	       "deadline_answers %llu, default_answers %llu, answer_errors %llu\n",
	       opened, denied, other, (unsigned long long)st.caller_answers,
	       (unsigned long long)st.deadline_answers,
	       (unsigned long long)st.default_answers, (unsigned long long)st.answer_errors);
	T_EQ(events_read, RACES);
	T_EQ(won + lost, RACES);
	T_EQ(errors, 0);
	T_EQ(st.caller_answers, won);
	T_EQ(st.deadline_answers, lost);
	T_EQ(st.answer_errors, 0);
	T_EQ(st.default_answers, 0);
	T_EQ(opened, won);
	T_EQ(denied, lost);
	T_EQ(other, 0);
	T_ASSERT(won > 0 && lost > 0);
	fan_group_free(g);
	printf("PASS\n");
	return 0;
}
