// SPDX-License-Identifier: MIT
/* Helpers for the stress tests; see stress.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "stress.h"

uint64_t st_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void proc_path(char *buf, size_t size, pid_t pid, const char *what)
{
	if (pid)
		snprintf(buf, size, "/proc/%d/%s", (int)pid, what);
	else
		snprintf(buf, size, "/proc/self/%s", what);
}

long st_rss_kib(pid_t pid)
{
	char path[64];
	long kib = -1;

	proc_path(path, sizeof(path), pid, "status");
	th_proc_field(path, "VmRSS:", &kib);	/* -1 if it cannot be read */
	return kib;
}

int st_count_fds_of(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (!pid)
		return th_count_fds();
	proc_path(path, sizeof(path), pid, "fd");
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Is the thread whose /proc directory is task/tid sleeping in fanotify? */
static bool task_in_fanotify(const char *taskdir, const char *tid)
{
	char path[512], wchan[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/wchan", taskdir, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, wchan, sizeof(wchan) - 1);
	close(fd);
	if (n <= 0)
		return false;
	wchan[n] = '\0';
	return strstr(wchan, "fanotify") != NULL;
}

int st_blocked_in_fanotify(pid_t pid)
{
	char taskdir[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	proc_path(taskdir, sizeof(taskdir), pid, "task");
	d = opendir(taskdir);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && task_in_fanotify(taskdir, e->d_name))
			n++;
	closedir(d);
	return n;
}

void *st_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		th_fail("mmap shared %zu: %s", size, strerror(errno));
	return p;
}

long st_env_long(const char *name, long def)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	v = strtol(s, &end, 10);
	if (*end || v <= 0)
		th_fail("%s=%s: not a positive integer", name, s);
	return v;
}

double st_env_double(const char *name, double def)
{
	const char *s = getenv(name);
	char *end;
	double v;

	if (!s || !*s)
		return def;
	v = strtod(s, &end);
	if (*end || !(v > 0))
		th_fail("%s=%s: not a positive number", name, s);
	return v;
}

void st_sleep_ms(double ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
			       .tv_nsec = (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- openers ---- */

void st_make_files(const char *dir, int files)
{
	char name[32];
	int i;

	for (i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "allow-%d", i);
		th_write_file(dir, name, 16);
		snprintf(name, sizeof(name), "deny-%d", i);
		th_write_file(dir, name, 16);
	}
}

struct st_openers *st_openers_new(const char *dir)
{
	struct st_openers *o = st_shared(sizeof(*o));

	snprintf(o->dir, sizeof(o->dir), "%s", dir);
	o->threads = 16;
	o->files = 16;
	o->expect_errno = EPERM;
	o->expect = ST_EXPECT_VERDICT;
	return o;
}

struct opener_arg {
	struct st_openers *o;
	int idx;
};

static void note_unexpected(struct st_thread_stats *t, const char *path, int err)
{
	if (!t->unexpected++) {
		t->first_errno = err;
		snprintf(t->first_path, sizeof(t->first_path), "%s", strrchr(path, '/') + 1);
	}
}

/* One open (and a one-byte read if it succeeded), checked. */
static void open_one(struct st_openers *o, struct st_thread_stats *t, const char *path, bool deny)
{
	uint64_t t0 = st_now_ns(), dt;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = errno;
	char c;

	if (fd >= 0) {
		bool rd = read(fd, &c, 1) == 1;
		int rerr = errno;

		close(fd);
		if (rd)
			t->reads++;
		if (o->expect == ST_EXPECT_VERDICT && deny)
			note_unexpected(t, path, 0);
		else if (o->expect != ST_EXPECT_ANY && !rd && !deny)
			note_unexpected(t, path, rerr);
	} else if (err == o->expect_errno && (deny || o->expect == ST_EXPECT_ANY)) {
		t->denied++;
	} else if (o->expect != ST_EXPECT_ANY) {
		note_unexpected(t, path, err);
	}
	dt = st_now_ns() - t0;
	if (dt > t->max_ns)
		t->max_ns = dt;
	t->last_done_ns = st_now_ns();
	/* written last: a parent reading opens sees the rest of this open's counts */
	__atomic_store_n(&t->opens, t->opens + 1, __ATOMIC_RELEASE);
}

static void *opener_thread(void *arg)
{
	struct opener_arg *a = arg;
	struct st_openers *o = a->o;
	struct st_thread_stats *t = &o->t[a->idx];
	uint64_t end = o->seconds > 0 ? st_now_ns() + (uint64_t)(o->seconds * 1e9) : UINT64_MAX;
	char path[320];
	uint64_t i;
	bool deny;

	for (i = 0; !__atomic_load_n(&o->stop, __ATOMIC_ACQUIRE); i++) {
		if (o->max_opens && i >= o->max_opens)
			break;
		if ((i & 15) == 0 && st_now_ns() >= end)
			break;
		deny = (i + (uint64_t)a->idx) % ST_DENY_EVERY == 0;
		snprintf(path, sizeof(path), "%s/%s-%d", o->dir, deny ? "deny" : "allow",
			 (int)((i / ST_DENY_EVERY + (uint64_t)a->idx) % (uint64_t)o->files));
		open_one(o, t, path, deny);
	}
	return NULL;
}

int st_openers_run(struct st_openers *o)
{
	struct opener_arg args[ST_MAX_THREADS];
	pthread_t th[ST_MAX_THREADS];
	int i, started = 0, r = 0;

	while (!__atomic_load_n(&o->go, __ATOMIC_ACQUIRE))
		st_sleep_ms(1);
	__atomic_store_n(&o->running, 1, __ATOMIC_RELEASE);
	for (i = 0; i < o->threads && i < ST_MAX_THREADS; i++) {
		args[i] = (struct opener_arg){ .o = o, .idx = i };
		if (pthread_create(&th[i], NULL, opener_thread, &args[i]) != 0) {
			r = 1;
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	__atomic_store_n(&o->running, 0, __ATOMIC_RELEASE);
	return r;
}

static void openers_child(void *arg)
{
	_exit(st_openers_run(arg));
}

pid_t st_openers_spawn(struct st_openers *o)
{
	return th_spawn(openers_child, o);
}

struct st_thread_stats st_openers_total(const struct st_openers *o)
{
	struct st_thread_stats s = { 0 };
	int i;

	for (i = 0; i < o->threads && i < ST_MAX_THREADS; i++) {
		const struct st_thread_stats *t = &o->t[i];

		s.opens += t->opens;
		s.reads += t->reads;
		s.denied += t->denied;
		if (t->unexpected && !s.unexpected) {
			s.first_errno = t->first_errno;
			memcpy(s.first_path, t->first_path, sizeof(s.first_path));
		}
		s.unexpected += t->unexpected;
		if (t->max_ns > s.max_ns)
			s.max_ns = t->max_ns;
	}
	return s;
}

void st_openers_print(const char *prefix, const struct st_openers *o)
{
	struct st_thread_stats s = st_openers_total(o);

	printf("%s: %d threads: %" PRIu64 " opens, %" PRIu64 " reads, %" PRIu64 " denied, "
	       "%" PRIu64 " unexpected%s%s%s, slowest %.1f ms\n",
	       prefix, o->threads, s.opens, s.reads, s.denied, s.unexpected,
	       s.unexpected ? " (first: " : "", s.unexpected ? s.first_path : "",
	       s.unexpected ? ")" : "", (double)s.max_ns / 1e6);
	if (s.unexpected)
		printf("%s: first unexpected result on %s: %s\n", prefix, s.first_path,
		       s.first_errno ? strerror(s.first_errno) : "success");
}
