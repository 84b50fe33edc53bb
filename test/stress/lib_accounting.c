// SPDX-License-Identifier: MIT
/*
 * A million events through the library: descriptors and memory.
 *
 *   stress-lib-accounting fd|fd-pidfd|fid|fid-pidfd
 *
 * A writer process (a new one every 2000 files, so process identities
 * churn) creates, writes, closes and unlinks files in 256 directories of a
 * private tmpfs, under a filesystem mark, until this process has read
 * STRESS_EVENTS events (default 1000000).  Every event is resolved to a
 * path (fd mode: the event fd; FID mode: handle + name through a 16 KiB
 * directory cache, so entries are evicted all the time) and, with pidfds,
 * to a process; one event fd in 1000 is taken and closed by the caller.
 *
 * Checked: after each batch is released, the open descriptors are exactly
 * those of the group and its resolver (its /proc/self/fd once it has read
 * a path, and with pidfds at most the 32 /proc descriptors it keeps),
 * sampled every 64 batches and at
 * 100k, 500k and 1M events; exactly the starting ones after
 * fan_resolver_free() + fan_group_free(); the RSS at 500k and at 1M events
 * exceeds the RSS at 100k by at most RSS_SLACK_KIB (the read buffer, the
 * caches and malloc's arenas are all in place by 100k: what could still
 * grow is a leak per event, which at 900k events would be far above it:
 * 16 bytes leaked every other event fails it by 14 MiB).  The counts of
 * events, overflows and resolved paths agree with the group's stats.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fanotify/fanotify.h>

#include "stress.h"

#define DIRS 256
#define FILES_PER_PROCESS 2000
#define RSS_SLACK_KIB 1024
/*
 * AddressSanitizer keeps freed memory in quarantine (up to 256 MiB) before
 * reusing it, so the RSS of a sanitized build grows with every allocation
 * made and freed: there the RSS is printed, not bounded, and LeakSanitizer
 * checks at exit that nothing was lost instead.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif
#define TAKE_EVERY 1000
/*
 * With pidfds the resolver keeps the /proc directory and comm file of the
 * last 16 processes open across batches (src/resolve_proc.c, HELD_MAX),
 * closed by fan_resolver_free(): between batches the count may exceed the
 * group's by that much, never more.
 */
#define RESOLVER_HELD_FDS 32
/* The resolver's /proc/self/fd (src/resolve_fd.c), from its first path on. */
#define RESOLVER_FD_DIR 1

struct mode {
	const char *name;
	unsigned int init;
	uint64_t mask;
	bool fid, pidfd;
};

static const struct mode modes[] = {
	{ "fd", FAN_CLASS_NOTIF, FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE, false, false },
	{ "fd-pidfd", FAN_CLASS_NOTIF | FAN_REPORT_PIDFD,
	  FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE, false, true },
	{ "fid", FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_FID,
	  FAN_CREATE | FAN_DELETE | FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE, true, false },
	{ "fid-pidfd", FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_FID | FAN_REPORT_PIDFD,
	  FAN_CREATE | FAN_DELETE | FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE, true, true },
};

struct shared {
	volatile int go, stop;
	volatile uint64_t files;
};

static char dir[256];
static struct shared *sh;

/* ---- the writer ---- */

static void write_files(unsigned long first, unsigned long n)
{
	char path[400];
	unsigned long i;
	int fd;

	for (i = first; i < first + n && !__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE); i++) {
		snprintf(path, sizeof(path), "%s/d%lu/file-%lu", dir, i % DIRS, i);
		fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			_exit(1);
		if (write(fd, "0123456789abcdef", 16) != 16)
			_exit(1);
		close(fd);
		unlink(path);
		__atomic_add_fetch(&sh->files, 1, __ATOMIC_RELAXED);
	}
}

static void one_process(void *arg)
{
	unsigned long first = (unsigned long)(uintptr_t)arg;

	write_files(first, FILES_PER_PROCESS);
	_exit(0);
}

static void writer(void *arg)
{
	unsigned long first = 0;

	(void)arg;
	while (!__atomic_load_n(&sh->go, __ATOMIC_ACQUIRE))
		st_sleep_ms(1);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		if (th_wait(th_spawn(one_process, (void *)(uintptr_t)first)) != 0)
			_exit(1);
		first += FILES_PER_PROCESS;
	}
	_exit(0);
}

/* ---- the listener ---- */

struct run {
	const struct mode *m;
	struct fan_group *g;
	struct fan_resolver *r;
	int fds_group;		/* descriptors with the group and resolver set up */
	int max_fds;		/* the most seen between batches */
	uint64_t events, batches, paths, procs, taken, overflows;
	long rss[3];
	int next_checkpoint;
};

/* 100k, 500k and 1M events (a tenth, half and all of STRESS_EVENTS) */
static uint64_t checkpoints[3];

static void setup(struct run *run)
{
	LIBFANOTIFY_OPTS(fan_group_opts, o,
			 .init_flags = run->m->init | FAN_NONBLOCK | FAN_CLOEXEC,
			 .event_f_flags = O_RDONLY | O_CLOEXEC);
	LIBFANOTIFY_OPTS(fan_resolver_opts, ro, .cache_bytes = 16 << 10);
	int r = fan_group_new_opts(&o, &run->g);

	if (r == -EINVAL || r == -EPERM)
		th_skip("fanotify_init(0x%x): %s", o.init_flags, strerror(-r));
	if (r < 0)
		th_fail("fan_group_new_opts: %s", strerror(-r));
	r = fan_group_add_mark(run->g, FAN_MARK_FILESYSTEM, run->m->mask, dir);
	if (r < 0)
		th_fail("filesystem mark on %s: %s", dir, strerror(-r));
	r = fan_resolver_new(run->g, &ro, &run->r);
	if (r < 0)
		th_fail("fan_resolver_new: %s", strerror(-r));
}

static void handle(struct run *run, struct fan_event *ev)
{
	struct fan_path p, np;
	struct fan_process proc;
	int fd;

	run->events++;
	if (fan_event_is_overflow(ev)) {
		run->overflows++;
		return;
	}
	if (fan_resolve_path(run->r, ev, &p, &np) == 0 && p.path)
		run->paths++;
	if (run->m->pidfd && fan_resolve_process(run->r, ev, &proc) == 0)
		run->procs++;
	if (!run->m->fid && run->events % TAKE_EVERY == 0) {
		fd = fan_event_take_fd(ev);
		if (fd < 0)
			th_fail("fan_event_take_fd: %s", strerror(-fd));
		close(fd);
		run->taken++;
	}
}

/* Between batches only the group's and the resolver's descriptors are open. */
static void check_fds(struct run *run, const char *when)
{
	int n = th_count_fds(),
	    max = run->fds_group + RESOLVER_FD_DIR + (run->m->pidfd ? RESOLVER_HELD_FDS : 0);

	if (n < run->fds_group || n > max)
		th_fail("%s: %d descriptors open, expected %d to %d (after %" PRIu64 " events)",
			when, n, run->fds_group, max, run->events);
	if (n > run->max_fds)
		run->max_fds = n;
}

static void checkpoint(struct run *run)
{
	int i = run->next_checkpoint;

	if (i >= 3 || run->events < checkpoints[i])
		return;
	check_fds(run, "checkpoint");
	run->rss[i] = st_rss_kib(0);
	printf("%s: %" PRIu64 " events: %d descriptors, RSS %ld KiB\n", run->m->name,
	       run->events, th_count_fds(), run->rss[i]);
	run->next_checkpoint++;
}

static void read_some(struct run *run, int ms)
{
	struct pollfd pfd = { .fd = fan_group_fd(run->g), .events = POLLIN };
	struct fan_event *ev;
	int n;

	if (poll(&pfd, 1, ms) <= 0)
		return;
	n = fan_group_read(run->g);
	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n < 0)
		th_fail("fan_group_read: %s", strerror(-n));
	run->batches++;
	fan_for_each_event(ev, run->g)
		handle(run, ev);
	fan_group_release(run->g);
	if (run->batches % 64 == 0)
		check_fds(run, "between batches");
	checkpoint(run);
}

static void check_rss(const struct run *run)
{
	long grow500 = run->rss[1] - run->rss[0], grow1m = run->rss[2] - run->rss[0];

	printf("%s: RSS growth from %" PRIu64 " events: %ld KiB at %" PRIu64 ", %ld KiB at %" PRIu64
	       " (bound %d KiB%s)\n", run->m->name, checkpoints[0], grow500, checkpoints[1], grow1m,
	       checkpoints[2], RSS_SLACK_KIB, SANITIZED ? ", not checked under AddressSanitizer" : "");
	if (SANITIZED)
		return;
	if (run->rss[0] <= 0 || grow500 > RSS_SLACK_KIB || grow1m > RSS_SLACK_KIB)
		th_fail("RSS grew: %ld -> %ld -> %ld KiB", run->rss[0], run->rss[1], run->rss[2]);
}

static const struct mode *find_mode(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(modes[i].name, name))
			return &modes[i];
	th_fail("unknown mode %s (fd, fd-pidfd, fid, fid-pidfd)", name);
}

int main(int argc, char **argv)
{
	uint64_t target = (uint64_t)st_env_long("STRESS_EVENTS", 1000000);
	struct fan_group_stats st = { .sz = sizeof(st) };
	struct run run = { 0 };
	char sub[300];
	double t0;
	pid_t wpid;
	int fds0, i;

	/* about 30 s per million events here; ten times that before giving up */
	th_init(60 + (unsigned int)(target / 1000000 * 300));
	if (argc != 2)
		th_fail("usage: %s fd|fd-pidfd|fid|fid-pidfd", argv[0]);
	run.m = find_mode(argv[1]);
	checkpoints[0] = target / 10;
	checkpoints[1] = target / 2;
	checkpoints[2] = target;
	th_private_tmpfs(dir, sizeof(dir));
	for (i = 0; i < DIRS; i++) {
		snprintf(sub, sizeof(sub), "%s/d%d", dir, i);
		if (mkdir(sub, 0755) < 0)
			th_fail("mkdir %s: %s", sub, strerror(errno));
	}
	sh = st_shared(sizeof(*sh));
	wpid = th_spawn(writer, NULL);

	fds0 = th_count_fds();
	setup(&run);
	run.fds_group = th_count_fds();
	t0 = th_now();
	__atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
	while (run.events < target)
		read_some(&run, 1000);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	if (th_wait(wpid) != 0)
		th_fail("the writer failed");
	/* what the writer did before it saw the stop */
	for (i = 0; i < 3; i++)
		read_some(&run, 100);
	check_fds(&run, "after the writer");
	T_EQ(fan_group_get_stats(run.g, &st), 0);
	printf("%s: %" PRIu64 " events in %.1f s (%" PRIu64 " files written, %" PRIu64
	       " batches, %" PRIu64 " overflows): %" PRIu64 " paths, %" PRIu64 " processes resolved, "
	       "%" PRIu64 " fds taken; descriptors %d at start, %d with the group, at most %d "
	       "between batches\n", run.m->name, run.events, th_now() - t0, sh->files,
	       run.batches, run.overflows, run.paths, run.procs, run.taken, fds0, run.fds_group,
	       run.max_fds);
	T_EQ(st.events, run.events);
	T_EQ(st.overflows, run.overflows);
	/* every event but overflows resolves to a path; every process while it ran */
	T_ASSERT(run.paths + run.overflows >= run.events - run.events / 100);
	if (run.m->pidfd)
		T_ASSERT(run.procs > 0);
	check_rss(&run);
	fan_resolver_free(run.r);
	fan_group_free(run.g);
	T_EQ(th_count_fds(), fds0);
	printf("PASS\n");
	return 0;
}
