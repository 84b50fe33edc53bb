/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the stress tests (test/stress/): process accounting (RSS,
 * open descriptors, threads blocked in fanotify), memory shared with child
 * processes, and a pool of opener threads that checks every answer it
 * gets.  Every test runs on th_private_tmpfs / th_private_ext4.
 */
#ifndef STRESS_H
#define STRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "th.h"

/* VmRSS of pid (0: this process) in KiB; -1 if it cannot be read. */
long st_rss_kib(pid_t pid);
/* Open descriptors of pid (0: this process); -1 if it cannot be read. */
int st_count_fds_of(pid_t pid);
/* Number of pid's threads sleeping in a fanotify wait (wchan "fanotify_*"). */
int st_blocked_in_fanotify(pid_t pid);

/* Zeroed memory shared with the children forked after it (MAP_SHARED). */
void *st_shared(size_t size);

/* An integer from the environment, or def (STRESS_EVENTS, STRESS_SECONDS ...). */
long st_env_long(const char *name, long def);
double st_env_double(const char *name, double def);

/* Sleep ms milliseconds (restarted on EINTR). */
void st_sleep_ms(double ms);

/*
 * Openers: threads that open (and read one byte of) files named
 * "allow-N" and "deny-N" in a directory, round robin with one deny file in
 * DENY_EVERY opens, and check each result against what a listener denying
 * "deny-*" must give.  Counters live in shared memory so a parent sees
 * them while the openers run in a child process.
 */
#define ST_MAX_THREADS 64
#define ST_DENY_EVERY 8

enum st_expect {
	ST_EXPECT_VERDICT,	/* allow-* open and read, deny-* fail with expect_errno */
	ST_EXPECT_ALLOWED,	/* allow-* open and read, deny-* either way (listeners come and go) */
	ST_EXPECT_ANY,		/* any result, as long as it returns */
};

struct st_thread_stats {
	uint64_t opens;		/* open() calls that returned */
	uint64_t reads;		/* successful 1-byte reads (each an access event) */
	uint64_t denied;	/* opens that failed with expect_errno */
	uint64_t unexpected;	/* results contrary to the expectation */
	uint64_t max_ns;	/* slowest open()+read() */
	uint64_t last_done_ns;	/* CLOCK_MONOTONIC when the last open returned */
	int first_errno;	/* the first unexpected errno (0: an unexpected success) */
	char first_path[64];
};

struct st_openers {
	/* set by the caller */
	char dir[256];
	int threads;
	int files;		/* allow-0..files-1 and deny-0..files-1 */
	int expect_errno;	/* what a denied open gives (EPERM) */
	enum st_expect expect;
	double seconds;		/* stop after this long (0: only on stop) */
	uint64_t max_opens;	/* per thread (0: no limit) */
	/* shared state */
	volatile int go, stop, running;
	struct st_thread_stats t[ST_MAX_THREADS];
};

/* Create dir/allow-N and dir/deny-N (N < files), 16 bytes each. */
void st_make_files(const char *dir, int files);

/* A shared st_openers with defaults: 16 threads, 16 files, EPERM, VERDICT. */
struct st_openers *st_openers_new(const char *dir);

/*
 * Fork a process that starts o->threads opener threads once o->go is set
 * and exits when they end (o->seconds, o->max_opens or o->stop).  Exit 0,
 * or 1 if a thread could not be started.
 */
pid_t st_openers_spawn(struct st_openers *o);

/* Run the openers in this process (the body of st_openers_spawn). */
int st_openers_run(struct st_openers *o);

/* Totals over every thread. */
struct st_thread_stats st_openers_total(const struct st_openers *o);

/* Print one line of totals (prefix first). */
void st_openers_print(const char *prefix, const struct st_openers *o);

/* Monotonic clock in nanoseconds. */
uint64_t st_now_ns(void);

#endif
