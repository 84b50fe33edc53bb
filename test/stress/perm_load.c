// SPDX-License-Identifier: MIT
/*
 * Permission events under load, answered by a pool of threads.
 *
 *   stress-perm-load tmpfs|ext4|ext4-pre
 *
 * 16 opener threads (another process) open and read files under a
 * FAN_OPEN_PERM | FAN_ACCESS_PERM mark for STRESS_SECONDS (default 8)
 * (ext4-pre: a FAN_CLASS_PRE_CONTENT group, FAN_OPEN_PERM | FAN_PRE_ACCESS,
 * denials with FAN_DENY_ERRNO(EIO), so the openers must see EIO)
 * while this process reads with one thread and answers from a pool of 4
 * workers through fan_event_defer() / fan_perm_respond(), denying the
 * opens of "deny-*" files.  The group's default verdict is FAN_DENY, so an
 * event the pool failed to answer shows up as an unexpected EPERM.
 *
 * Checked: every open and read returned (the slowest within 5 s), each
 * with the verdict for its own file (so no answer went to another event);
 * events read == opens + reads (permission events never merge), answers
 * == events, none refused by the kernel (a second answer to one event
 * would be ENOENT), none left to the default; descriptors back to their
 * starting count after fan_group_free().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fanotify/fanotify.h>

#include "permq.h"
#include "stress.h"

#define WORKERS_MAX 32
#define MAX_LATENCY_NS (5ull * 1000000000u)

static struct fan_group *g;

static uint32_t deny_verdict = FAN_DENY;
static uint64_t access_mask = FAN_ACCESS_PERM;
static bool reader_stop;
static uint64_t events_read, open_events, access_events;	/* reader thread */
static uint64_t answers, deny_answers, answer_errors, not_perm;	/* atomics */

/* deny_verdict for the open of a deny-* file, FAN_ALLOW for anything else. */
static uint32_t verdict(const struct fan_event *ev)
{
	char link[64], path[512];
	const char *base;
	ssize_t n;

	if (!(fan_event_mask(ev) & FAN_OPEN_PERM))
		return FAN_ALLOW;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fan_event_fd(ev));
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		th_fail("readlink %s: %s", link, strerror(errno));
	path[n] = '\0';
	base = strrchr(path, '/');
	return base && !strncmp(base + 1, "deny-", 5) ? deny_verdict : FAN_ALLOW;
}

static void *worker(void *arg)
{
	unsigned long seq = (unsigned long)(uintptr_t)arg;
	struct fan_perm *p;
	uint32_t v;

	while ((p = th_permq_pop())) {
		if (!fan_event_is_permission(fan_perm_event(p)))
			__atomic_add_fetch(&not_perm, 1, __ATOMIC_RELAXED);
		v = verdict(fan_perm_event(p));
		/* now and then hold one back, so answers go out of read order */
		if (++seq % 97 == 0)
			st_sleep_ms(0.2);
		if (fan_perm_respond(p, v, NULL) == 0) {
			__atomic_add_fetch(&answers, 1, __ATOMIC_RELAXED);
			if (v != FAN_ALLOW)
				__atomic_add_fetch(&deny_answers, 1, __ATOMIC_RELAXED);
		} else {
			__atomic_add_fetch(&answer_errors, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static bool readable(int ms)
{
	struct pollfd p = { .fd = fan_group_fd(g), .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

static void read_batch(void)
{
	struct fan_event *ev;
	struct fan_perm *p;
	int n = fan_group_read(g), r;

	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n < 0)
		th_fail("fan_group_read: %s", strerror(-n));
	fan_for_each_event(ev, g) {
		events_read++;
		if (fan_event_mask(ev) & FAN_OPEN_PERM)
			open_events++;
		if (fan_event_mask(ev) & access_mask)
			access_events++;
		r = fan_event_defer(g, ev, &p);
		if (r < 0)
			th_fail("fan_event_defer: %s", strerror(-r));
		th_permq_push(p);
	}
}

static void *reader(void *arg)
{
	(void)arg;
	for (;;) {
		bool stop = __atomic_load_n(&reader_stop, __ATOMIC_ACQUIRE);

		if (readable(stop ? 0 : 50))
			read_batch();
		else if (stop)
			break;
	}
	fan_group_release(g);
	return NULL;
}

static void setup_group(const char *dir, unsigned int cls)
{
	LIBFANOTIFY_OPTS(fan_group_opts, o,
			 .init_flags = cls | FAN_NONBLOCK | FAN_CLOEXEC,
			 .event_f_flags = O_RDONLY | O_CLOEXEC,
			 .default_response = FAN_DENY);
	int r = fan_group_new_opts(&o, &g);

	if (r == -EPERM || r == -EINVAL)
		th_skip("no permission group: %s", strerror(-r));
	if (r < 0)
		th_fail("fan_group_new_opts: %s", strerror(-r));
	r = fan_group_add_mark(g, 0, FAN_OPEN_PERM | access_mask | FAN_EVENT_ON_CHILD, dir);
	if (r == -EINVAL || r == -EOPNOTSUPP)
		th_skip("the kernel refuses %s on %s: %s", fan_event_name(access_mask), dir,
			strerror(-r));
	if (r < 0)
		th_fail("mark %s: %s", dir, strerror(-r));
}

static void check(const struct st_openers *o, const struct fan_group_stats *st)
{
	struct st_thread_stats s = st_openers_total(o);
	int i;

	T_EQ(s.unexpected, 0);
	T_ASSERT(s.opens > 0);
	for (i = 0; i < o->threads; i++)
		if (o->t[i].opens == 0)
			th_fail("opener thread %d made no progress", i);
	if (s.max_ns > MAX_LATENCY_NS)
		th_fail("an open took %.1f ms (bound %llu ms)", (double)s.max_ns / 1e6,
			MAX_LATENCY_NS / 1000000);
	T_EQ(open_events, s.opens);
	T_EQ(access_events, s.reads);
	T_EQ(events_read, s.opens + s.reads);
	T_EQ(answers, events_read);
	T_EQ(deny_answers, s.denied);
	T_EQ(answer_errors, 0);
	T_EQ(not_perm, 0);
	T_EQ(st->events, events_read);
	T_EQ(st->answer_errors, 0);
	T_EQ(st->default_answers, 0);
	T_EQ(st->overflows, 0);
}

int main(int argc, char **argv)
{
	double secs = st_env_double("STRESS_SECONDS", 8);
	int nworkers = (int)st_env_long("STRESS_WORKERS", 4), fds0, i;
	struct fan_group_stats st = { .sz = sizeof(st) };
	pthread_t rd, w[WORKERS_MAX];
	struct st_openers *o;
	char dir[256];
	double t0;
	pid_t pid;
	bool pre;

	th_init((unsigned int)(secs * 3) + 60);
	if (argc != 2 || (strcmp(argv[1], "tmpfs") && strcmp(argv[1], "ext4") &&
			  strcmp(argv[1], "ext4-pre")))
		th_fail("usage: %s tmpfs|ext4|ext4-pre", argv[0]);
	pre = !strcmp(argv[1], "ext4-pre");
	if (nworkers > WORKERS_MAX)
		nworkers = WORKERS_MAX;
	if (pre) {
		deny_verdict = FAN_DENY_ERRNO(EIO);
		access_mask = FAN_PRE_ACCESS;
	}
	if (strcmp(argv[1], "tmpfs"))
		th_private_ext4(dir, sizeof(dir), 64, NULL, NULL, 0);
	else
		th_private_tmpfs(dir, sizeof(dir));	/* before any thread */
	st_make_files(dir, 16);
	o = st_openers_new(dir);
	o->threads = (int)st_env_long("STRESS_THREADS", 16);
	o->seconds = secs;
	o->expect_errno = pre ? EIO : EPERM;
	pid = st_openers_spawn(o);

	fds0 = th_count_fds();
	setup_group(dir, pre ? FAN_CLASS_PRE_CONTENT : FAN_CLASS_CONTENT);
	for (i = 0; i < nworkers; i++)
		T_EQ(pthread_create(&w[i], NULL, worker, (void *)(uintptr_t)(i * 31)), 0);
	T_EQ(pthread_create(&rd, NULL, reader, NULL), 0);
	t0 = th_now();
	__atomic_store_n(&o->go, 1, __ATOMIC_RELEASE);
	if (th_wait(pid) != 0)
		th_fail("the openers could not start their threads");
	st_openers_print(argv[1], o);
	th_permq_stop(&reader_stop, rd, w, nworkers);
	T_EQ(fan_group_get_stats(g, &st), 0);
	printf("%s: %.1f s, %d workers: %" PRIu64 " events (%" PRIu64 " open, %" PRIu64
	       " access), %" PRIu64 " answers (%" PRIu64 " deny), %" PRIu64 " answer errors; "
	       "stats: events %" PRIu64 ", answer_errors %" PRIu64 ", default_answers %" PRIu64 "\n",
	       argv[1], th_now() - t0, nworkers, events_read, open_events, access_events, answers,
	       deny_answers, answer_errors, st.events, st.answer_errors, st.default_answers);
	check(o, &st);
	fan_group_free(g);
	T_EQ(th_count_fds(), fds0);
	printf("PASS\n");
	return 0;
}
