// SPDX-License-Identifier: MIT
/*
 * Paths of deferred permission events from worker threads
 * (fan_perm_path()), the resolver left to the reader: four workers name
 * the files of 320 opens at once, each path exact, including hostile
 * names (newline, quotes, control bytes, invalid UTF-8, a name that
 * really ends in " (deleted)", bidi controls), a file unlinked while its
 * opener waits (the name, flagged LIBFANOTIFY_PATH_DELETED) and a
 * directory (LIBFANOTIFY_PATH_DIR).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"
#include "permq.h"

#define WORKERS 4
#define ROUNDS 20

static char dir[256];
static const char *names[] = {
	"plain", "new\nline", "dq\"uote", "back\\slash", "tab\there",
	"ctl\x01\x1b[31mred\x7f", "bad\xffutf8", "surrogate\xed\xa0\x80",
	"spa ce", "ends (deleted)", "bidi\xe2\x80\xae" "evil", "\xc3\xa9t\xc3\xa9",
	"ls\xe2\x80\xa8sep", "\"leading quote", "x -> y", "%s%n",
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static unsigned long checked, wrong;	/* atomic */

/* The opener's pid says which name it opened: pid -> index, set before it runs. */
static pid_t opener_of[NNAMES * ROUNDS];

static void *worker(void *arg)
{
	char want[300];
	struct fan_path path;
	struct fan_perm *p;
	size_t i;
	pid_t pid;

	(void)arg;
	while ((p = th_permq_pop())) {
		pid = fan_event_pid(fan_perm_event(p));
		for (i = 0; i < NNAMES * ROUNDS && opener_of[i] != pid; i++)
			;
		lv_join(want, sizeof(want), dir, names[i % NNAMES]);
		if (i == NNAMES * ROUNDS || fan_perm_path(p, &path) != 0 ||
		    path.len != strlen(want) || strcmp(path.path, want) || path.flags) {
			fprintf(stderr, "wrong path for pid %d\n", (int)pid);
			__atomic_add_fetch(&wrong, 1, __ATOMIC_RELAXED);
		}
		__atomic_add_fetch(&checked, 1, __ATOMIC_RELAXED);
		T_EQ(fan_perm_respond(p, FAN_ALLOW, NULL), 0);
	}
	return NULL;
}

/* 320 opens of hostile names, read and deferred by this thread, named by the workers. */
static void many(struct fan_group *g)
{
	pthread_t w[WORKERS];
	struct fan_event *ev;
	struct fan_perm *p;
	char path[300];
	size_t i, seen = 0;

	for (i = 0; i < WORKERS; i++)
		T_EQ(pthread_create(&w[i], NULL, worker, NULL), 0);
	/* the opener pids are written before the events can be read */
	for (i = 0; i < NNAMES * ROUNDS; i++)
		opener_of[i] = lv_spawn_open(lv_join(path, sizeof(path), dir, names[i % NNAMES]),
					     O_RDONLY);
	while (seen < NNAMES * ROUNDS) {
		T_ASSERT(fan_group_wait_read(g, 5000) >= 0);
		fan_for_each_event(ev, g) {
			T_EQ(fan_event_defer(g, ev, &p), 0);
			th_permq_push(p);
			seen++;
		}
	}
	fan_group_release(g);
	th_permq_join(w, WORKERS);
	for (i = 0; i < NNAMES * ROUNDS; i++)
		lv_expect_exit(opener_of[i], 0, "opener");
	printf("%lu paths named by %d workers, %lu wrong\n", checked, WORKERS, wrong);
	T_EQ(checked, NNAMES * ROUNDS);
	T_EQ(wrong, 0);
}

/* The event of child, deferred. */
static struct fan_perm *deferred(struct fan_group *g, pid_t child)
{
	struct fan_event *ev;
	struct fan_perm *p;

	T_EQ(lv_read(g, 5000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_pid(ev), child);
	T_EQ(fan_event_defer(g, ev, &p), 0);
	return p;
}

static void deleted_and_dir(struct fan_group *g)
{
	char path[300];
	struct fan_path fp;
	struct fan_perm *p;
	pid_t child;

	/* unlinked while its opener waits: the name, flagged */
	lv_join(path, sizeof(path), dir, "doomed (deleted)");
	child = lv_spawn_open(path, O_RDONLY);
	p = deferred(g, child);
	T_EQ(unlink(path), 0);
	T_EQ(fan_perm_path(p, &fp), 0);
	T_STREQ(fp.path, path);
	T_EQ(fp.len, strlen(path));
	T_EQ(fp.flags, LIBFANOTIFY_PATH_DELETED);
	T_EQ(fp.error, 0);
	T_EQ(fan_perm_respond(p, FAN_ALLOW, NULL), 0);
	lv_expect_exit(child, 0, "opener of an unlinked file");

	/* a directory */
	lv_join(path, sizeof(path), dir, "sub\ndir");
	child = lv_spawn_open(path, O_RDONLY | O_DIRECTORY);
	p = deferred(g, child);
	T_EQ(fan_perm_path(p, &fp), 0);
	T_STREQ(fp.path, path);
	T_EQ(fp.flags, LIBFANOTIFY_PATH_DIR);
	T_EQ(fan_perm_path(NULL, &fp), -EINVAL);
	T_EQ(fan_perm_path(p, NULL), -EINVAL);
	fan_perm_free(p);
	lv_expect_exit(child, EISDIR, "opener of a directory");	/* read() on it */
	printf("unlinked file and directory: flagged\n");
}

int main(void)
{
	struct fan_group *g;
	char sub[300];
	size_t i;

	th_init(80);
	th_private_tmpfs(dir, sizeof(dir));
	th_require_init(FAN_CLASS_CONTENT, O_RDONLY);
	/* made before the mark: our own opens under it would wait for ourselves */
	for (i = 0; i < NNAMES; i++)
		th_write_file(dir, names[i], 1);
	th_write_file(dir, "doomed (deleted)", 1);
	T_EQ(mkdirat(AT_FDCWD, lv_join(sub, sizeof(sub), dir, "sub\ndir"), 0755), 0);
	g = lv_group(FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY | O_CLOEXEC);
	lv_mark(g, 0, FAN_OPEN_PERM | FAN_ONDIR | FAN_EVENT_ON_CHILD, dir);
	many(g);
	deleted_and_dir(g);
	fan_group_free(g);
	printf("PASS\n");
	return 0;
}
