/* SPDX-License-Identifier: MIT */
/*
 * fanwatch: the running state shared by the event loop (main.c), the
 * per-event logic (handle.c), marks (watch.c), permission mode (perm.c) and
 * mount events (mounts.c).
 */
#ifndef FANWATCH_STATE_H
#define FANWATCH_STATE_H

#include <sys/stat.h>

#include "fanwatch.h"

/* A PATH given on the command line (or the working directory). */
struct fw_root {
	char *path;		/* absolute, as the resolver will spell it */
	size_t len;
	bool is_dir;
	dev_t dev;
	/* its file handle: self events of a deleted or moved file still name it */
	bool has_handle;
	struct fan_fsid fsid;
	int32_t handle_type;
	uint32_t handle_bytes;
	unsigned char handle[128];
};

struct fw_perm;
struct fw_procs;

struct fw_state {
	struct fw_opts *o;

	struct fan_group *notif;	/* FID group: file events, fs errors */
	struct fan_resolver *res;
	struct fw_procs *procs;		/* process identities of the current batch */
	uint64_t dir_mask;		/* mask of inode marks on directories */
	struct fan_group *mnt;		/* --mounts: FAN_REPORT_MNT group */
	struct fan_resolver *mres;
	struct fw_perm *perm;		/* --deny */

	struct fw_root *roots;
	size_t nroots;
	size_t ndirs;			/* directories marked */
	size_t nfs;			/* filesystems marked (--all) */
	bool privileged;		/* CAP_SYS_ADMIN at start */
	bool no_rename;			/* no FAN_RENAME (before 5.17): MOVED_FROM + MOVED_TO */
	struct fw_ids ids;		/* what a root fanwatch becomes after setup (i11) */
	bool notif_ready;		/* the PATHs' marks are in place */

	struct fw_out out;
	struct fw_count *count;
	struct fw_proctree *tree;	/* -- COMMAND */
	pid_t child;
	int child_status;		/* exit status, 128+signal */
	bool child_done;

	uint64_t seen, filtered, overflows, reported;
	bool stop;			/* leave the loop */
	bool limit_hit;			/* --max-events reached */
	bool in_batch;			/* walking a batch: no read may happen now */
	bool remark;			/* an overflow hid new directories: walk again */
	struct timespec last_remark;
};

/* command.c: -- COMMAND */
struct rlimit;
void fw_command_start(struct fw_state *st, const struct rlimit *nofile);
/* SIGCHLD: note the command's end and status. */
void fw_command_reap(struct fw_state *st);

/* watch.c: the reporting group and its marks */
void fw_watch_setup(struct fw_state *st);
/* A directory appeared in the tree: mark it and its subtree, report what is inside. */
void fw_watch_new_dir(struct fw_state *st, const char *path, size_t len, bool report,
		      bool from_filter_ok);
/* A directory left the tree: remove the marks of it and its subtree. */
void fw_watch_gone_dir(struct fw_state *st, const char *path);
/* After an overflow: mark directories whose creation went unseen (not in a batch). */
void fw_watch_remark(struct fw_state *st);
/* Read and handle what is queued (unless in a batch): a long walk's own opens fill the queue. */
void fw_watch_pump(struct fw_state *st);
/* Inside one of the roots (tree scope)?  Always true for other scopes. */
bool fw_watch_in_scope(const struct fw_state *st, const char *path, size_t len);
/* The root an event's own file handle (FID record) names, or NULL. */
const struct fw_root *fw_watch_root_of(const struct fw_state *st, const struct fan_event *ev);
void fw_watch_free(struct fw_state *st);
/* Events the marks will deliver (user's plus the internal ones). */
uint64_t fw_watch_internal_mask(const struct fw_state *st);

/* handle.c: one batch of the reporting group, one batch of mount events */
void fw_handle_batch(struct fw_state *st);
void fw_handle_mount_batch(struct fw_state *st);
/* A record that passed every filter: output or count it. */
void fw_emit(struct fw_state *st, const struct fw_record *rec);
/* The user's filters on a finished record (pid, comm, globs). */
bool fw_filter_record(struct fw_state *st, const struct fw_record *rec);
bool fw_filter_pid(struct fw_state *st, pid_t pid);
/* --include/--exclude alone. */
bool fw_filter_paths(const struct fw_state *st, const struct fw_record *rec);

/* procs.c: process identities, looked up once per process per batch */
struct fw_procs *fw_procs_new(void);
void fw_procs_free(struct fw_procs *c);
void fw_procs_next_batch(struct fw_procs *c);
const struct fan_process *fw_procs_get(struct fw_procs *c, struct fan_resolver *r,
				       const struct fan_event *ev);
/*
 * A number for the identity fw_procs_get() returned as p: equal for two
 * records with the same pid only if their identities are equal, across
 * batches too (so its formatted form can be reused).
 */
uint64_t fw_procs_id(const struct fan_process *p);

/* mounts.c: --mounts, --all */
void fw_mounts_setup(struct fw_state *st);
void fw_mark_all_filesystems(struct fw_state *st, uint64_t mask);

/* notify.c: the service manager's notification socket (sd_notify protocol) */
/* Read NOTIFY_SOCKET and WATCHDOG_USEC (and unset them: a COMMAND must not inherit them). */
void fw_notify_init(void);
/* The marks are in place: READY=1 and a STATUS= with what is watched. */
void fw_notify_ready(const struct fw_state *st);
/* Milliseconds until fw_notify_tick() has something to send, -1 if never. */
int fw_notify_timeout(void);
/* WATCHDOG=1 when due, and STATUS= with the counts when they changed. */
void fw_notify_tick(const struct fw_state *st);
void fw_notify_stopping(void);

/* perm.c: --deny */
int fw_perm_new(struct fw_state *st, struct fw_perm **ret);
/* Mark the object fd refers to (a directory gets FAN_EVENT_ON_CHILD). */
int fw_perm_mark_fd(struct fw_perm *p, int fd, bool dir);
void fw_perm_unmark_fd(struct fw_perm *p, int fd);
int fw_perm_mark_scope(struct fw_perm *p, unsigned int type, const char *path);
/* Start the answering thread; it keeps only the capabilities in keep, as ids. */
int fw_perm_start(struct fw_perm *p, uint64_t keep, const struct fw_ids *ids);
int fw_perm_notify_fd(const struct fw_perm *p);
/* Hand every queued deny report to fw_emit (through the filters). */
void fw_perm_drain(struct fw_perm *p, struct fw_state *st);
/* Stop the thread (its reports are all queued after this). */
void fw_perm_stop(struct fw_perm *p);
void fw_perm_free(struct fw_perm *p);
uint64_t fw_perm_denied(const struct fw_perm *p);
/* Permission events decided, and how many of them from the verdict cache. */
uint64_t fw_perm_checked(const struct fw_perm *p, uint64_t *cached);
/* After fw_perm_stop(): opens undecided (and their verdict), refused by the kernel. */
void fw_perm_counts(const struct fw_perm *p, uint64_t *undecided, bool *undecided_allowed,
		    uint64_t *refused);

#endif
