// SPDX-License-Identifier: MIT
/*
 * Deadlines of deferred permission events (fan_perm_set_deadline(), the
 * group's perm_deadline_ms):
 *   - a group deadline answers a held event with its verdict, counts it
 *     (deadline_answers), tells the holder (fan_perm_answered(), then
 *     -EALREADY from fan_perm_respond()); the holder can still read the
 *     file and its path through the event's fd, closed only when it lets go;
 *   - a per-event deadline, replaced by a later call; an answer before the
 *     deadline stops it (no second answer: answer_errors stays 0);
 *   - a verdict the kernel refuses (FAN_DENY_ERRNO outside pre-content
 *     groups): the default goes out instead;
 *   - bad verdicts are -EINVAL; fan_group_free() with deadlines pending
 *     answers them with the default, after which the handles say
 *     -ECANCELED; in a child of fork(), which has no deadline thread, it
 *     does not wait for one;
 *   - a listener process with deadlines pending that is killed (SIGKILL)
 *     or exits without freeing its group lets its openers through, as
 *     without deadlines: the kernel allows what a closed group held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live.h"

static char dir[256], file[300];

static struct fan_group *perm_group(unsigned int deadline_ms, uint32_t deadline_response)
{
	LIBFANOTIFY_OPTS(fan_group_opts, o,
			 .init_flags = FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC,
			 .event_f_flags = O_RDONLY | O_CLOEXEC,
			 .perm_deadline_ms = deadline_ms,
			 .perm_deadline_response = deadline_response);
	struct fan_group *g = lv_group_opts(&o);

	lv_mark(g, 0, FAN_OPEN_PERM, file);
	return g;
}

/* A child opens the file; its event, deferred. */
static struct fan_perm *deferred_open(struct fan_group *g, pid_t *child)
{
	struct fan_perm *p = NULL;
	struct fan_event *ev;

	*child = lv_spawn_open(file, O_RDONLY);
	T_EQ(lv_read(g, 5000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_pid(ev), *child);
	T_EQ(fan_event_defer(g, ev, &p), 0);
	fan_group_release(g);
	return p;
}

/* Wait (bounded by the test's alarm) until p's deadline has answered it. */
static void wait_answered(struct fan_perm *p)
{
	while (!fan_perm_answered(p))
		usleep(1000);
}

static void group_deadline(void)
{
	struct fan_group *g = perm_group(100, FAN_DENY);
	struct fan_group_stats st;
	struct fan_path path;
	struct fan_perm *p;
	char c = 0;
	pid_t child;
	int fd;

	p = deferred_open(g, &child);
	T_EQ(fan_perm_answered(p), 0);
	T_ASSERT(lv_blocked(child, 20));
	lv_expect_exit(child, EPERM, "opener held past the group's deadline (deny)");
	wait_answered(p);
	st = lv_stats(g);
	T_EQ(st.deadline_answers, 1);
	T_EQ(st.answer_errors, 0);
	T_EQ(st.default_answers, 0);
	/* the holder still has the file: its fd, its content, its path */
	fd = fan_event_fd(fan_perm_event(p));
	T_ASSERT(fcntl(fd, F_GETFD) >= 0);
	T_EQ(pread(fd, &c, 1, 0), 1);
	T_EQ(c, 'x');
	T_EQ(fan_perm_path(p, &path), 0);
	T_STREQ(path.path, file);
	T_EQ(fan_perm_respond(p, FAN_ALLOW, NULL), -EALREADY);
	T_EQ(fcntl(fd, F_GETFD), -1);	/* closed once the holder let go */
	st = lv_stats(g);
	T_EQ(st.caller_answers, 0);
	T_EQ(st.answer_errors, 0);
	fan_group_free(g);
	printf("group deadline: denied, counted, fd readable until let go\n");
}

static void event_deadline(void)
{
	struct fan_group *g = perm_group(0, 0);
	struct fan_perm *p;
	pid_t child;

	/* allow by deadline; a later answer is -EALREADY */
	p = deferred_open(g, &child);
	T_EQ(fan_perm_set_deadline(p, 30, FAN_ALLOW), 0);
	lv_expect_exit(child, 0, "opener allowed by its event's deadline");
	wait_answered(p);
	T_EQ(fan_perm_set_deadline(p, 10, FAN_DENY), -EALREADY);
	fan_perm_free(p);	/* only closes: answered */
	T_EQ(lv_stats(g).deadline_answers, 1);
	T_EQ(lv_stats(g).default_answers, 0);

	/* a later deadline replaces an earlier one */
	p = deferred_open(g, &child);
	T_EQ(fan_perm_set_deadline(p, 3600 * 1000, FAN_ALLOW), 0);
	T_ASSERT(lv_blocked(child, 50));
	T_EQ(fan_perm_set_deadline(p, 0, FAN_DENY), 0);
	lv_expect_exit(child, EPERM, "opener denied by the replacing deadline");
	wait_answered(p);
	T_EQ(fan_perm_respond(p, FAN_ALLOW, NULL), -EALREADY);

	/* answered before its deadline: the deadline never fires */
	p = deferred_open(g, &child);
	T_EQ(fan_perm_set_deadline(p, 50, FAN_DENY), 0);
	T_EQ(fan_perm_respond(p, FAN_ALLOW, NULL), 0);
	lv_expect_exit(child, 0, "opener answered before the deadline");
	usleep(150 * 1000);
	T_EQ(lv_stats(g).deadline_answers, 2);
	T_EQ(lv_stats(g).caller_answers, 1);
	T_EQ(lv_stats(g).answer_errors, 0);

	/* verdicts a deadline cannot give */
	p = deferred_open(g, &child);
	T_EQ(fan_perm_set_deadline(p, 10, 0), -EINVAL);
	T_EQ(fan_perm_set_deadline(p, 10, FAN_ALLOW | FAN_DENY), -EINVAL);
	T_EQ(fan_perm_set_deadline(p, 10, FAN_ALLOW | (EIO << 24)), -EINVAL);
	T_EQ(fan_perm_set_deadline(NULL, 10, FAN_ALLOW), -EINVAL);
	T_EQ(fan_perm_answered(NULL), -EINVAL);
	/* one the kernel refuses here: the default (allow) instead */
	T_EQ(fan_perm_set_deadline(p, 0, FAN_DENY_ERRNO(EIO)), 0);
	lv_expect_exit(child, 0, "opener: refused deadline verdict, default allow");
	wait_answered(p);
	fan_perm_free(p);
	T_EQ(lv_stats(g).deadline_answers, 2);
	T_EQ(lv_stats(g).answer_errors, 1);
	T_EQ(lv_stats(g).default_answers, 1);
	/* a child of fork() has the group but not its deadline thread: freeing it there is fine */
	child = fork();
	T_ASSERT(child >= 0);
	if (child == 0) {
		fan_group_free(g);
		_exit(0);
	}
	T_EQ(th_wait(child), 0);
	fan_group_free(g);
	printf("event deadlines: allow, replace, answered first, refused verdict\n");
}

static void bad_options(void)
{
	LIBFANOTIFY_OPTS(fan_group_opts, o, .init_flags = FAN_CLASS_CONTENT,
			 .perm_deadline_ms = 10, .perm_deadline_response = FAN_ALLOW | FAN_DENY);
	struct fan_group *g = NULL;

	T_EQ(fan_group_new_opts(&o, &g), -EINVAL);
	o.perm_deadline_response = 0x80;
	T_EQ(fan_group_new_opts(&o, &g), -EINVAL);
	T_EQ(g, NULL);
}

static void free_pending(void)
{
	struct fan_group *g = perm_group(3600 * 1000, FAN_DENY);
	struct fan_path path;
	struct fan_perm *p;
	pid_t child;

	p = deferred_open(g, &child);
	T_ASSERT(lv_blocked(child, 30));
	fan_group_free(g);	/* the default (allow), not the deadline's deny */
	lv_expect_exit(child, 0, "opener pending at fan_group_free()");
	T_EQ(fan_perm_answered(p), 1);
	T_EQ(fan_perm_set_deadline(p, 0, FAN_DENY), -ECANCELED);
	T_EQ(fan_perm_path(p, &path), -ECANCELED);
	T_EQ(path.error, -ECANCELED);
	T_EQ(fan_perm_respond(p, FAN_DENY, NULL), -ECANCELED);
	printf("fan_group_free() with deadlines pending: default, then -ECANCELED\n");
}

/*
 * A listener process: defers every open with a deadline an hour away and
 * holds them, then dies (how 0: SIGKILL from us; 1: exit() without
 * freeing its group, its deadline thread running).
 */
struct listener_arg {
	int how;
	int ready;	/* write end of a pipe: marked */
};

static void listener(void *arg)
{
	struct listener_arg *a = arg;
	struct fan_group *g = perm_group(3600 * 1000, FAN_DENY);
	struct fan_event *ev;
	struct fan_perm *p;
	int held = 0;

	T_EQ(write(a->ready, "r", 1), 1);
	while (held < 3) {
		if (fan_group_wait_read(g, 5000) <= 0)
			_exit(2);
		fan_for_each_event(ev, g)
			if (fan_event_defer(g, ev, &p) == 0)
				held++;
	}
	fan_group_release(g);
	if (a->how == 0)
		pause();	/* until SIGKILL */
	exit(0);
}

static void listener_dies(int how)
{
	struct listener_arg a = { .how = how };
	pid_t lis, openers[3];
	int i, pfd[2];
	char c;

	T_EQ(pipe(pfd), 0);
	a.ready = pfd[1];
	lis = th_spawn(listener, &a);
	close(pfd[1]);
	T_EQ(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	for (i = 0; i < 3; i++)
		openers[i] = lv_spawn_open(file, O_RDONLY);
	if (how == 0) {
		for (i = 0; i < 3; i++)
			T_ASSERT(lv_blocked(openers[i], i ? 0 : 300));
		T_EQ(kill(lis, SIGKILL), 0);
		T_EQ(th_wait(lis), 128 + SIGKILL);
	} else {
		T_EQ(th_wait(lis), 0);
	}
	for (i = 0; i < 3; i++)
		lv_expect_exit(openers[i], 0, how ? "opener after exit()" : "opener after SIGKILL");
	printf("listener with deadlines pending %s: openers allowed\n",
	       how ? "exits" : "killed");
}

int main(void)
{
	th_init(50);
	lv_tmpfs_file(dir, sizeof(dir), file, sizeof(file));
	th_require_init(FAN_CLASS_CONTENT, O_RDONLY);

	group_deadline();
	event_deadline();
	bad_options();
	free_pending();
	listener_dies(0);
	listener_dies(1);
	printf("PASS\n");
	return 0;
}
