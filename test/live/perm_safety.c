// SPDX-License-Identifier: MIT
/*
 * Permission safety: an event the caller neither answers nor defers gets
 * the group's default verdict when the batch is finished (next read,
 * release, free) for FAN_ALLOW and FAN_DENY defaults; answering twice is
 * -EALREADY; answering a notification event is -EINVAL; a response the
 * kernel refuses comes back as its error (and the default still goes out);
 * deferred events are answered from another thread, by fan_perm_free()
 * with the default, or by fan_group_free(), after which their handles
 * answer -ECANCELED.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "live.h"

static char dir[256], file[300];

enum finish { BY_READ, BY_RELEASE, BY_FREE };

static struct fan_group *perm_group(uint32_t default_response, uint64_t mask)
{
	LIBFANOTIFY_OPTS(fan_group_opts, o,
			 .init_flags = FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC,
			 .event_f_flags = O_RDONLY | O_CLOEXEC,
			 .default_response = default_response);
	struct fan_group *g = lv_group_opts(&o);

	lv_mark(g, 0, mask, file);
	return g;
}

/* A child opens the file; the batch read holds its permission event. */
static struct fan_event *blocked_open(struct fan_group *g, pid_t *child)
{
	struct fan_event *ev = lv_blocked_open(g, file, child);

	T_ASSERT(fan_event_needs_answer(ev));
	return ev;
}

static void default_verdict(uint32_t def, enum finish how)
{
	static const char *names[] = { "next read", "release", "free" };
	struct fan_group *g = perm_group(def, FAN_OPEN_PERM);
	pid_t child;

	blocked_open(g, &child);
	T_ASSERT(lv_blocked(child, 100));	/* nobody answered yet */
	if (how == BY_READ)
		T_EQ(fan_group_read(g), -EAGAIN);
	else if (how == BY_RELEASE)
		fan_group_release(g);
	if (how != BY_FREE) {
		T_EQ(lv_stats(g).default_answers, 1);
		T_EQ(lv_stats(g).answer_errors, 0);
	}
	fan_group_free(g);
	lv_expect_exit(child, def == FAN_DENY ? EPERM : 0, names[how]);
	printf("default %s at %s: ok\n", def == FAN_DENY ? "deny" : "allow", names[how]);
}

static void answer_rules(void)
{
	struct fan_group *g = perm_group(0, FAN_OPEN_PERM | FAN_CLOSE_NOWRITE);
	struct fan_perm *p = NULL;
	struct fan_event *ev;
	pid_t child;

	ev = blocked_open(g, &child);
	T_EQ(fan_event_respond(g, ev, FAN_DENY, NULL), 0);
	T_EQ(fan_event_respond(g, ev, FAN_ALLOW, NULL), -EALREADY);
	T_EQ(fan_event_defer(g, ev, &p), -EALREADY);
	T_EQ(p, NULL);
	lv_expect_exit(child, EPERM, "denied, then a second answer refused");

	/* A notification event cannot be answered or deferred. */
	child = lv_spawn_open(file, O_RDONLY);
	T_EQ(lv_read(g, 5000), 1);
	T_EQ(fan_event_respond(g, fan_group_first_event(g), FAN_ALLOW, NULL), 0);
	lv_expect_exit(child, 0, "allowed");
	T_EQ(lv_read(g, 2000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_mask(ev), FAN_CLOSE_NOWRITE);
	T_ASSERT(!fan_event_needs_answer(ev));
	T_EQ(fan_event_respond(g, ev, FAN_ALLOW, NULL), -EINVAL);
	T_EQ(fan_event_defer(g, ev, &p), -EINVAL);

	/* Responses the kernel refuses: its errno, never ignored. */
	T_EQ(fan_group_respond_fd(g, 9999, FAN_ALLOW, NULL), -ENOENT);
	T_EQ(fan_group_respond_fd(g, 0, FAN_ALLOW, NULL), -ENOENT);
	T_EQ(fan_group_respond_fd(g, -1, FAN_ALLOW, NULL), -EINVAL);
	T_EQ(fan_group_respond_fd(NULL, 3, FAN_ALLOW, NULL), -EINVAL);
	fan_group_free(g);
}

/* FAN_DENY_ERRNO() needs a pre-content group: the kernel says EINVAL, the event waits. */
static void refused_response(void)
{
	struct fan_group *g = perm_group(FAN_DENY, FAN_OPEN_PERM);
	struct fan_event *ev;
	pid_t child;

	ev = blocked_open(g, &child);
	T_EQ(fan_event_respond(g, ev, FAN_DENY_ERRNO(EIO), NULL), -EINVAL);
	T_ASSERT(fan_event_needs_answer(ev));
	T_EQ(lv_stats(g).answer_errors, 1);
	T_ASSERT(lv_blocked(child, 100));
	fan_group_release(g);	/* the default verdict, deny */
	lv_expect_exit(child, EPERM, "default after a refused response");
	T_EQ(lv_stats(g).default_answers, 1);
	fan_group_free(g);
}

struct answer {
	struct fan_perm *p;
	uint32_t response;
	int result;
};

static void *answer_thread(void *arg)
{
	struct answer *a = arg;

	a->result = fan_perm_respond(a->p, a->response, NULL);
	return NULL;
}

static void deferred_other_thread(void)
{
	struct fan_group *g = perm_group(0, FAN_OPEN_PERM);
	struct answer a = { .response = FAN_DENY };
	struct fan_event *ev;
	pthread_t t;
	pid_t child;
	int fd;

	ev = blocked_open(g, &child);
	T_EQ(fan_event_defer(g, ev, &a.p), 0);
	T_ASSERT(!fan_event_needs_answer(ev));
	T_EQ(fan_event_respond(g, ev, FAN_ALLOW, NULL), -EALREADY);
	T_EQ(fan_event_take_fd(ev), -EBADF);	/* the fd belongs to the fan_perm */
	fd = fan_event_fd(fan_perm_event(a.p));
	T_EQ(fan_event_mask(fan_perm_event(a.p)), FAN_OPEN_PERM);
	T_EQ(fan_event_pid(fan_perm_event(a.p)), child);
	/* Finishing the batch neither answers nor closes a deferred event. */
	fan_group_release(g);
	T_EQ(fan_group_read(g), -EAGAIN);
	T_ASSERT(lv_blocked(child, 100));
	T_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	T_EQ(pthread_create(&t, NULL, answer_thread, &a), 0);
	T_EQ(pthread_join(t, NULL), 0);
	T_EQ(a.result, 0);
	lv_expect_exit(child, EPERM, "denied from another thread");
	T_EQ(fcntl(fd, F_GETFD), -1);	/* closed once answered */
	T_EQ(lv_stats(g).default_answers, 0);
	fan_group_free(g);
}

static void perm_free_default(uint32_t def)
{
	struct fan_group *g = perm_group(def, FAN_OPEN_PERM);
	struct fan_perm *p;
	pid_t child;
	int fd;

	T_EQ(fan_event_defer(g, blocked_open(g, &child), &p), 0);
	fd = fan_event_fd(fan_perm_event(p));
	fan_group_release(g);
	T_ASSERT(lv_blocked(child, 100));
	fan_perm_free(p);
	lv_expect_exit(child, def == FAN_DENY ? EPERM : 0, "fan_perm_free");
	T_EQ(fcntl(fd, F_GETFD), -1);
	T_EQ(lv_stats(g).default_answers, 1);
	fan_perm_free(NULL);
	fan_group_free(g);
}

/* A deferred answer the kernel refuses: its errno, and the default goes out instead. */
static void deferred_refused(void)
{
	struct fan_group *g = perm_group(FAN_DENY, FAN_OPEN_PERM);
	struct fan_perm *p;
	pid_t child;

	T_EQ(fan_event_defer(g, blocked_open(g, &child), &p), 0);
	fan_group_release(g);
	T_EQ(fan_perm_respond(p, FAN_ALLOW | FAN_AUDIT, NULL), -EINVAL);	/* no ENABLE_AUDIT */
	lv_expect_exit(child, EPERM, "default after a refused deferred answer");
	T_EQ(lv_stats(g).answer_errors, 1);
	T_EQ(lv_stats(g).default_answers, 1);
	fan_group_free(g);
}

static void free_with_pending(void)
{
	struct fan_group *g = perm_group(0, FAN_OPEN_PERM);
	struct fan_perm *p[2] = { NULL, NULL };
	struct fan_event *ev;
	pid_t child[2];
	int n = 0, fd[2], start = th_count_fds();

	child[0] = lv_spawn_open(file, O_RDONLY);
	child[1] = lv_spawn_open(file, O_RDONLY);
	while (n < 2) {
		lv_read(g, 5000);
		fan_for_each_event(ev, g) {
			T_ASSERT(n < 2);
			T_EQ(fan_event_defer(g, ev, &p[n]), 0);
			fd[n] = fan_event_fd(fan_perm_event(p[n]));
			n++;
		}
	}
	T_ASSERT(lv_blocked(child[0], 100));
	T_ASSERT(lv_blocked(child[1], 0));
	fan_group_free(g);	/* answers both with the default (allow) */
	lv_expect_exit(child[0], 0, "pending at fan_group_free");
	lv_expect_exit(child[1], 0, "pending at fan_group_free");
	T_EQ(fcntl(fd[0], F_GETFD), -1);
	T_EQ(fcntl(fd[1], F_GETFD), -1);
	T_EQ(th_count_fds(), start - 1);	/* the group's own fd too */
	/* The handles outlive the group: answering is refused, freeing is fine. */
	T_EQ(fan_perm_respond(p[0], FAN_DENY, NULL), -ECANCELED);
	fan_perm_free(p[1]);
}

int main(void)
{
	th_init(50);
	lv_tmpfs_file(dir, sizeof(dir), file, sizeof(file));
	th_require_init(FAN_CLASS_CONTENT, O_RDONLY);
	default_verdict(FAN_ALLOW, BY_READ);
	default_verdict(FAN_ALLOW, BY_RELEASE);
	default_verdict(FAN_ALLOW, BY_FREE);
	default_verdict(FAN_DENY, BY_READ);
	default_verdict(FAN_DENY, BY_RELEASE);
	default_verdict(FAN_DENY, BY_FREE);
	answer_rules();
	refused_response();
	deferred_other_thread();
	perm_free_default(FAN_ALLOW);
	perm_free_default(FAN_DENY);
	deferred_refused();
	free_with_pending();
	printf("PASS\n");
	return 0;
}
