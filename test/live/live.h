/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the live tests (test/live/): groups that skip with a
 * reason when the kernel lacks a flag, bounded waits for events, child
 * processes that open files and report what they saw.
 */
#ifndef LIVE_H
#define LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <fanotify/fanotify.h>

#include "th.h"

/* Skip unless a mark of this kind is accepted (on dirfd/path if given). */
void lv_require_mark(unsigned int init_flags, unsigned int mark_flags, uint64_t mask,
		     int dirfd, const char *path);

/* fan_group_new / _opts, skipping on a refused flag, failing on anything else. */
struct fan_group *lv_group(unsigned int init_flags, unsigned int event_f_flags);
struct fan_group *lv_group_opts(const struct fan_group_opts *o);

/* Add a mark or fail the test (with the flags and errno in the message). */
void lv_mark(struct fan_group *g, unsigned int flags, uint64_t mask, const char *path);

/* Wait up to ms for the group to have something to read. */
bool lv_readable(struct fan_group *g, int ms);
/* Wait up to ms, then fan_group_read(); fails the test on timeout or error. */
int lv_read(struct fan_group *g, int ms);
/* Fail if an event becomes readable within ms. */
void lv_expect_quiet(struct fan_group *g, int ms, const char *why);

/* The first visible event of the batch having every bit of mask (and pid if > 0). */
struct fan_event *lv_find(struct fan_group *g, uint64_t mask, pid_t pid);
/* Number of visible events in the batch. */
int lv_count(struct fan_group *g);

/* "open|close_write" for a mask (static buffer, one call per expression). */
const char *lv_mask(uint64_t mask);

/* readlink(/proc/self/fd/fd) into buf; fails the test on error. */
const char *lv_fd_path(int fd, char *buf, size_t size);
/* dir + "/" + name. */
const char *lv_join(char *buf, size_t size, const char *dir, const char *name);

/* A private tmpfs (th_private_tmpfs) holding a one-byte "file", whose path goes to file. */
void lv_tmpfs_file(char *dir, size_t dir_size, char *file, size_t file_size);

/*
 * A child that open()s path with flags (reads one byte if readable) and
 * exits with 0 or the errno it got: th_wait() returns that errno.
 */
pid_t lv_spawn_open(const char *path, int flags);
/*
 * A child opens path read-only (lv_spawn_open); the one event read from g
 * (within 5 s) must be its FAN_OPEN_PERM, which is returned, unanswered.
 */
struct fan_event *lv_blocked_open(struct fan_group *g, const char *path, pid_t *child);
/* True if pid has not exited within ms (does not reap it). */
bool lv_blocked(pid_t pid, int ms);
/* Reap pid; fail unless it exited with expected (0 or an errno). */
void lv_expect_exit(pid_t pid, int expected, const char *what);

/* Raise the RLIMIT_NOFILE soft limit to at least n; skip if the hard limit is lower. */
void lv_raise_nofile(unsigned long n);

/* Read an integer from a /proc file; fails the test on error. */
long lv_read_long(const char *path);

/* Count "fanotify ino:" mark lines in the group's fdinfo. */
int lv_inode_marks(struct fan_group *g);
/* The inode number (ino:) of the first inode mark in fdinfo, 0 if none. */
unsigned long lv_first_mark_ino(struct fan_group *g);

/* stats of g, or fail. */
struct fan_group_stats lv_stats(struct fan_group *g);

#endif
