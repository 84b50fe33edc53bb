// SPDX-License-Identifier: MIT
/*
 * A thread with a descriptor table of its own (unshare(CLONE_FILES), as a
 * permission thread does so that nothing else can exhaust its
 * descriptors) reads events and names them: the resolver in fd mode and
 * fan_perm_path() must read that thread's table.  /proc/self/fd is the
 * main thread's table, where the same numbers are other files here (the
 * main thread opens decoys on them once the tables are apart), so the
 * event of "after" would be named "decoy".  The resolver was first used
 * by the main thread, so its kept directory is the main thread's too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "th.h"
#include "rh.h"

#define DECOYS 16

static char dir[256];
static struct fan_group *g, *pg;
static struct fan_resolver *r;
static sem_t apart, decoys_open;

static void *reader(void *arg)
{
	char *after = rh_fmt("%s/after", dir), *guarded = rh_fmt("%s/guarded", dir);
	char *decoy = rh_fmt("%s/decoy", dir);
	struct rh_evs e = { 0 };
	struct fan_event *ev;
	struct fan_perm *p;
	struct fan_path fp;
	int status, n, seen = 0;
	pid_t child;

	(void)arg;
	T_EQ(unshare(CLONE_FILES), 0);
	sem_post(&apart);
	sem_wait(&decoys_open);

	/* a notification, named by the resolver */
	th_write_file(dir, "after", 1);
	usleep(20 * 1000);
	rh_drain(g, r, &e, false);
	rh_expect(&e, FAN_CLOSE_WRITE, after);
	rh_expect_none(&e, FAN_CLOSE_WRITE, decoy);
	rh_evs_free(&e);

	/* a permission event, named by fan_perm_path() */
	child = fork();
	T_ASSERT(child >= 0);
	if (child == 0) {
		int fd = open(guarded, O_RDONLY);

		_exit(fd < 0 ? 1 : 0);
	}
	while (!seen) {
		n = fan_group_wait_read(pg, 5000);
		T_ASSERT(n >= 0);
		fan_for_each_event(ev, pg) {
			T_EQ(fan_event_defer(pg, ev, &p), 0);
			T_EQ(fan_perm_path(p, &fp), 0);
			if (strcmp(fp.path, guarded))
				th_fail("fan_perm_path: '%s', expected '%s'", fp.path, guarded);
			T_EQ(fan_perm_respond(p, FAN_ALLOW, NULL), 0);
			seen++;
		}
	}
	T_EQ(waitpid(child, &status, 0), child);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(after);
	free(guarded);
	free(decoy);
	return NULL;
}

int main(void)
{
	struct rh_evs e = { 0 };
	char *before, *decoy, *guarded;
	int i, fds[DECOYS];
	pthread_t t;

	th_init(30);
	th_private_tmpfs(dir, sizeof(dir));
	g = rh_group(FAN_CLASS_NOTIF, O_RDONLY);
	r = rh_resolver(g, 0);
	pg = rh_group(FAN_CLASS_CONTENT, O_RDONLY);
	T_EQ(fan_group_add_mark(g, FAN_MARK_MOUNT, FAN_CLOSE_WRITE, dir), 0);
	th_write_file(dir, "decoy", 1);
	th_write_file(dir, "guarded", 1);
	decoy = rh_fmt("%s/decoy", dir);
	before = rh_fmt("%s/before", dir);
	guarded = rh_fmt("%s/guarded", dir);
	T_EQ(fan_group_add_mark(pg, 0, FAN_OPEN_PERM, guarded), 0);

	/* the main thread resolves one event: the resolver keeps its table's directory */
	th_write_file(dir, "before", 1);
	usleep(20 * 1000);
	rh_drain(g, r, &e, false);
	rh_expect(&e, FAN_CLOSE_WRITE, before);
	rh_evs_free(&e);

	sem_init(&apart, 0, 0);
	sem_init(&decoys_open, 0, 0);
	T_EQ(pthread_create(&t, NULL, reader, NULL), 0);
	sem_wait(&apart);
	/* the numbers the reader's descriptors will get are "decoy" in this table */
	for (i = 0; i < DECOYS; i++)
		fds[i] = open(decoy, O_RDONLY | O_CLOEXEC);
	sem_post(&decoys_open);
	T_EQ(pthread_join(t, NULL), 0);
	for (i = 0; i < DECOYS; i++)
		close(fds[i]);
	fan_resolver_free(r);
	fan_group_free(g);
	fan_group_free(pg);
	free(before);
	free(decoy);
	free(guarded);
	printf("PASS\n");
	return 0;
}
