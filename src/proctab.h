/* SPDX-License-Identifier: MIT */
/* The resolver's process table (proctab.c): exit records and forks, from the kernel. */
#ifndef LIBFANOTIFY_PROCTAB_H
#define LIBFANOTIFY_PROCTAB_H

#include "internal.h"

/* What a task's exit record says (taskstats). */
struct lf_precord {
	pid_t pid, tgid, ppid;
	uid_t uid;		/* real */
	gid_t gid;		/* real */
	int exit_code;
	uint64_t etime_us;	/* its age when it exited */
	uint64_t exe_dev, exe_ino;
	char comm[16];
};

struct lf_proctab_stats {
	uint64_t records, records_lost;			/* exit records; times some were lost */
	uint64_t connector_messages, connector_lost;
	uint64_t quarantines;
	uint64_t connector_since;			/* subscribed (CLOCK_MONOTONIC ns) */
	uint64_t trusted_from;				/* windows after this are answered */
};

struct proctab;

/*
 * Subscribe (needs CAP_NET_ADMIN, the initial pid and user namespaces):
 * 0, -EPERM, -EOPNOTSUPP (another namespace, no taskstats), or -errno.
 */
int lf_proctab_new(struct proctab **ret);
void lf_proctab_free(struct proctab *t);
/* Read what the kernel sent since the last call. */
void lf_proctab_update(struct proctab *t);
/* A descriptor that polls readable when there is something to read. */
int lf_proctab_fd(const struct proctab *t);
/*
 * The exit record of the process that caused an event of pid, if the
 * event happened after `after` and that process had been reaped before
 * the last lf_proctab_update() (see proctab.c for why the answer is
 * right): 0 and *out (*bound: the fork of pid it is known to be from or
 * after, 0 if none), -ESRCH (no record), -ENOTUNIQ (more than one
 * process may have), -ESTALE (the table cannot answer for that window).
 */
int lf_proctab_find(struct proctab *t, pid_t pid, uint64_t after, struct lf_precord *out,
		    uint64_t *bound);
/* The fork of the process of pid whose exit came last, after `after` (the ancestry). */
int lf_proctab_exited_fork(struct proctab *t, pid_t pid, uint64_t after, uint64_t *fork_ts);
/* The latest fork of pid at or before `at`; whether pid was forked again since. */
int lf_proctab_fork_before(struct proctab *t, pid_t pid, uint64_t at, uint64_t *fork_ts,
			   bool *later_fork);
/* Since when the connector has been followed without a loss; UINT64_MAX: not at all. */
uint64_t lf_proctab_cn_since(const struct proctab *t);
/* When the connector was subscribed to; UINT64_MAX: not at all. */
uint64_t lf_proctab_cn_start(const struct proctab *t);
/* Windows that begin after this are answered (UINT64_MAX: none yet). */
uint64_t lf_proctab_trust(const struct proctab *t);
void lf_proctab_stats(const struct proctab *t, struct lf_proctab_stats *st);

#endif
