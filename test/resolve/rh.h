/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the resolution tests: read everything a non-blocking group
 * has queued, resolve each event (path, new path, process) and keep copies,
 * so a test can look for "an event with this bit and this path".
 */
#ifndef RH_H
#define RH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <fanotify/fanotify.h>

struct rh_path {
	char *path;		/* copy, NULL if unknown */
	size_t len;
	unsigned int flags;
	int error;
};

struct rh_ev {
	uint64_t mask;
	pid_t pid;
	int ret;		/* fan_resolve_path()'s return */
	struct rh_path path, new_path;
	int proc_ret;
	struct fan_process proc;
	char comm[32], exe[4096];
};

struct rh_evs {
	struct rh_ev *v;
	size_t n, cap;
};

/* A non-blocking group (skips if the kernel refuses the flags). */
struct fan_group *rh_group(unsigned int init_flags, unsigned int event_f_flags);
/* Same with fan_group_opts.flags (LIBFANOTIFY_SKIP_SELF...). */
struct fan_group *rh_group_opts(unsigned int init_flags, unsigned int event_f_flags,
				unsigned int flags);
struct fan_resolver *rh_resolver(struct fan_group *g, size_t cache_bytes);

/* Read until the queue is empty; resolve every event (processes too if procs). */
void rh_drain(struct fan_group *g, struct fan_resolver *r, struct rh_evs *out, bool procs);
void rh_evs_free(struct rh_evs *e);

/* First event with all bits of mask whose path is path (NULL: any); NULL if none. */
const struct rh_ev *rh_find(const struct rh_evs *e, uint64_t mask, const char *path);
/* Same, but fails the test (after printing every event) when there is none. */
const struct rh_ev *rh_expect(const struct rh_evs *e, uint64_t mask, const char *path);
void rh_dump(const struct rh_evs *e);

/* Fail unless no event with these bits has path. */
void rh_expect_none(const struct rh_evs *e, uint64_t mask, const char *path);

/* The fsid fanotify reports for the filesystem holding path (statfs f_fsid). */
struct fan_fsid rh_fsid_of(const char *path);

/* Does a descriptor of ours lead to path, under it, or to "path (deleted)"? */
bool rh_holds(const char *path);

/*
 * How this kernel reports renames: FAN_RENAME (one event, both paths) from
 * Linux 5.17, else FAN_MOVED_FROM | FAN_MOVED_TO (two events).  Probed.
 */
uint64_t rh_rename_mask(void);
/*
 * Expect the rename of old to nw among e, as this kernel reports it: one
 * FAN_RENAME event with both paths, or a FAN_MOVED_FROM with old and a
 * FAN_MOVED_TO with nw.  The event giving the new path is returned (the
 * whole FAN_RENAME, or the MOVED_TO).
 */
const struct rh_ev *rh_expect_rename(const struct rh_evs *e, const char *old, const char *nw);

/* printf into a fresh malloc'd string. */
char *rh_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Drop to uid/gid 65534 with no capabilities at all (setresuid, then clear sets). */
void rh_drop_privileges(void);
/* th_private_tmpfs() with its top directory mode 0777, for cases run unprivileged too. */
void rh_shared_tmpfs(char *dir, size_t size);
/*
 * Run fn(arg) in a child dropped so (rh_drop_privileges()), which exit()s
 * when fn returns; fail the test unless the child exits 0.
 */
void rh_unprivileged(void (*fn)(void *arg), void *arg);

/* Fail unless /proc/PID/comm says want. */
void rh_expect_comm(pid_t pid, const char *want);

#endif
