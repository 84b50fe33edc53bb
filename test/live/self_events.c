// SPDX-License-Identifier: MIT
/*
 * The listener's own events.  LIBFANOTIFY_ANSWER_SELF: a second thread of
 * the listening process opening a file under the permission mark is
 * allowed at read time, so it does not wait for the reader (which never
 * answers explicitly); without the flag it waits until the batch is
 * finished.  Threads are recognised by pid, and by /proc/self/task with
 * FAN_REPORT_TID.  LIBFANOTIFY_SKIP_SELF: our events are not returned by
 * iteration (nor counted by fan_group_read), other processes' are; except
 * DELETE_SELF, which is ours when we close the last descriptor keeping a
 * directory someone else removed alive.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live.h"

static char dir[256], file[300], other[300];

struct opener {
	pthread_t t;
	int done;	/* 1 when open() returned */
	int error;
	pid_t tid;
};

static void *open_thread(void *arg)
{
	struct opener *o = arg;
	int fd;

	o->tid = (pid_t)syscall(SYS_gettid);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	o->error = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	__atomic_store_n(&o->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool wait_done(struct opener *o, int ms)
{
	double end = th_now() + ms / 1000.0;

	while (!__atomic_load_n(&o->done, __ATOMIC_ACQUIRE) && th_now() < end)
		usleep(1000);
	return __atomic_load_n(&o->done, __ATOMIC_ACQUIRE);
}

static struct fan_group *group(unsigned int init, unsigned int lib_flags, uint64_t mask,
			       const char *path)
{
	LIBFANOTIFY_OPTS(fan_group_opts, o, .init_flags = init | FAN_NONBLOCK | FAN_CLOEXEC,
			 .event_f_flags = O_RDONLY | O_CLOEXEC, .flags = lib_flags);
	struct fan_group *g = lv_group_opts(&o);

	lv_mark(g, 0, mask, path);
	return g;
}

/* One read, never an answer: with ANSWER_SELF our thread's open completes. */
static void answer_self(unsigned int init)
{
	struct fan_group *g = group(FAN_CLASS_CONTENT | init, LIBFANOTIFY_ANSWER_SELF,
				    FAN_OPEN_PERM, file);
	struct opener o = { 0 };
	struct fan_event *ev;

	T_EQ(pthread_create(&o.t, NULL, open_thread, &o), 0);
	T_EQ(lv_read(g, 5000), 1);	/* visible, already answered */
	if (!wait_done(&o, 5000))
		th_fail("own thread still blocked although ANSWER_SELF is set");
	T_EQ(o.error, 0);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_pid(ev), (init & FAN_REPORT_TID) ? o.tid : getpid());
	T_ASSERT(!fan_event_needs_answer(ev));
	T_EQ(fan_event_respond(g, ev, FAN_DENY, NULL), -EALREADY);
	T_EQ(lv_stats(g).self_answers, 1);
	T_EQ(pthread_join(o.t, NULL), 0);
	fan_group_release(g);
	T_EQ(lv_stats(g).default_answers, 0);
	fan_group_free(g);
}

/* Without the flag the thread waits for the batch to be finished. */
static void no_answer_self(void)
{
	struct fan_group *g = group(FAN_CLASS_CONTENT, 0, FAN_OPEN_PERM, file);
	struct opener o = { 0 };

	T_EQ(pthread_create(&o.t, NULL, open_thread, &o), 0);
	T_EQ(lv_read(g, 5000), 1);
	T_ASSERT(fan_event_needs_answer(fan_group_first_event(g)));
	T_ASSERT(!wait_done(&o, 200));
	fan_group_release(g);	/* default verdict */
	T_ASSERT(wait_done(&o, 5000));
	T_EQ(pthread_join(o.t, NULL), 0);
	T_EQ(lv_stats(g).self_answers, 0);
	T_EQ(lv_stats(g).default_answers, 1);
	fan_group_free(g);
}

static void touch_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	T_ASSERT(fd >= 0);
	close(fd);
}

static void skip_self_notify(void)
{
	struct fan_group *g = group(FAN_CLASS_NOTIF, LIBFANOTIFY_SKIP_SELF,
				    FAN_OPEN | FAN_EVENT_ON_CHILD, dir);
	struct fan_event *ev;
	pid_t child;

	touch_open(file);	/* ours: hidden */
	child = lv_spawn_open(other, O_RDONLY);
	lv_expect_exit(child, 0, "other process");
	T_EQ(lv_read(g, 2000), 1);	/* two events read, one visible */
	T_EQ(lv_stats(g).events, 2);
	T_EQ(lv_count(g), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_pid(ev), child);
	T_EQ(fan_group_next_event(g, ev), NULL);

	/* A batch of only our own events reads as 0, iterates as nothing. */
	touch_open(file);
	T_EQ(lv_read(g, 2000), 0);
	T_EQ(fan_group_first_event(g), NULL);
	fan_group_free(g);
}

/* SKIP_SELF implies ANSWER_SELF: our permission events are allowed and hidden. */
static void skip_self_perm(void)
{
	struct fan_group *g = group(FAN_CLASS_CONTENT, LIBFANOTIFY_SKIP_SELF, FAN_OPEN_PERM, file);
	struct opener o = { 0 };

	T_EQ(pthread_create(&o.t, NULL, open_thread, &o), 0);
	T_EQ(lv_read(g, 5000), 0);
	T_EQ(fan_group_first_event(g), NULL);
	T_ASSERT(wait_done(&o, 5000));
	T_EQ(o.error, 0);
	T_EQ(pthread_join(o.t, NULL), 0);
	T_EQ(lv_stats(g).self_answers, 1);
	fan_group_free(g);
}

/*
 * Another process removes a directory while we hold a file that was in it
 * open: the directory is freed, and its DELETE_SELF sent, when we close
 * that file, in our context.  SKIP_SELF must not hide it (our chmod of the
 * directory before, an ATTRIB, stays hidden).
 */
static void skip_self_keeps_delete_self(void)
{
	char gone[300], f[320];
	struct fan_group *g;
	struct fan_event *ev;
	pid_t child;
	int fd;

	th_require_init(FAN_CLASS_NOTIF | FAN_REPORT_FID, 0);
	lv_join(gone, sizeof(gone), dir, "gone");
	lv_join(f, sizeof(f), gone, "f");
	T_EQ(mkdir(gone, 0755), 0);
	th_write_file(gone, "f", 1);
	g = group(FAN_CLASS_NOTIF | FAN_REPORT_FID, LIBFANOTIFY_SKIP_SELF,
		  FAN_DELETE_SELF | FAN_ATTRIB | FAN_ONDIR, gone);
	T_EQ(chmod(gone, 0700), 0);	/* ours: hidden */
	T_EQ(lv_read(g, 2000), 0);
	fd = open(f, O_RDONLY | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	child = fork();
	T_ASSERT(child >= 0);
	if (child == 0)
		_exit(unlink(f) == 0 && rmdir(gone) == 0 ? 0 : 1);
	lv_expect_exit(child, 0, "removing the directory");
	close(fd);		/* the directory's last reference */
	T_EQ(lv_read(g, 2000), 1);
	ev = fan_group_first_event(g);
	T_ASSERT(fan_event_mask(ev) & FAN_DELETE_SELF);
	T_EQ(fan_event_pid(ev), getpid());
	T_EQ(fan_group_next_event(g, ev), NULL);
	fan_group_free(g);
}

int main(void)
{
	th_init(50);
	th_private_tmpfs(dir, sizeof(dir));	/* before any thread */
	th_write_file(dir, "file", 1);
	th_write_file(dir, "other", 1);
	lv_join(file, sizeof(file), dir, "file");
	lv_join(other, sizeof(other), dir, "other");
	th_require_init(FAN_CLASS_CONTENT, O_RDONLY);
	answer_self(0);
	printf("ANSWER_SELF: ok\n");
	no_answer_self();
	printf("without ANSWER_SELF the thread waits for the batch: ok\n");
	th_require_init(FAN_CLASS_CONTENT | FAN_REPORT_TID, O_RDONLY);
	answer_self(FAN_REPORT_TID);
	printf("ANSWER_SELF with FAN_REPORT_TID: ok\n");
	skip_self_notify();
	skip_self_perm();
	skip_self_keeps_delete_self();
	printf("SKIP_SELF: ok (DELETE_SELF shown)\nPASS\n");
	return 0;
}
