/* SPDX-License-Identifier: MIT */
/*
 * fanwatch: the running state shared by the event loop (main.c), the
 * per-event logic (handle.c), what is shown (filter.c, emit.c), marks and
 * the subtree tracker (watch.c), permission mode (perm.c) and mount events
 * (mounts.c).  Data flows one way: handle.c -> filter.c -> emit.c -> output.
 */
#ifndef FANWATCH_STATE_H
#define FANWATCH_STATE_H

#include <string.h>
#include <sys/stat.h>

#include "fanwatch.h"

/* A PATH given on the command line (or the working directory). */
struct fw_root {
	char *path;		/* absolute, as the resolver will spell it */
	size_t len;
	bool is_dir;
	bool moved;		/* moved away: paths under it are by its old name */
	dev_t dev;
	int index;		/* the subtree tracker's root index (tree scope, directories) */
	/* its file handle: self events of a deleted or moved file still name it */
	bool has_handle;
	struct fan_fsid fsid;
	int32_t handle_type;
	uint32_t handle_bytes;
	unsigned char handle[128];
};

/* Is the path s (len bytes) the root's PATH or below it? */
static inline bool fw_root_holds(const struct fw_root *r, const char *s, size_t len)
{
	return s && r->len <= len && !memcmp(s, r->path, r->len) &&
	       (len == r->len || s[r->len] == '/' || r->len == 1);
}

struct fw_perm;
struct fw_procs;

struct fw_state {
	struct fw_opts *o;

	struct fan_group *notif;	/* FID group: file events, fs errors */
	struct fan_subtree *subtree;	/* tree scope: the directories watched, by identity */
	struct fan_resolver *res;
	struct fw_procs *procs;		/* process identities of the current batch */
	uint64_t dir_mask;		/* mask of inode marks on directories */
	struct fan_group *mnt;		/* --mounts: FAN_REPORT_MNT group */
	struct fan_resolver *mres;
	struct fw_perm *perm;		/* --deny */

	struct fw_root *roots;
	size_t nroots;
	bool roots_moved;		/* some root moved: records under it are flagged unverified */
	size_t nfs;			/* filesystems marked (--all) */
	bool privileged;		/* CAP_SYS_ADMIN at start */
	bool no_rename;			/* no FAN_RENAME (before 5.17): MOVED_FROM + MOVED_TO */
	struct fw_ids ids;		/* what a root fanwatch becomes after setup (i11) */

	struct fw_out out;
	struct fw_count *count;
	struct fw_proctree *tree;	/* -- COMMAND */
	pid_t child;
	int child_status;		/* exit status, 128+signal */
	bool child_done;

	/*
	 * seen: events read; filtered: removed by the user's filters (pid,
	 * comm, globs), nothing else; outside: events of directories no longer
	 * in the tree (moved out, not unmarked yet).
	 */
	uint64_t seen, filtered, overflows, reported, outside;
	uint64_t unwatched;		/* directories that could not be watched */
	unsigned int unwatched_warned;
	int trigger_ok;			/* found entries of the event handled pass the filters: -1 unknown */
	bool stop;			/* leave the loop */
	bool limit_hit;			/* --max-events reached */
	/* i15: dev and ino; the --interval view */
	struct fw_inodes *inodes;	/* NULL unless dev and ino are shown */
	struct fw_interval *interval;	/* NULL without --interval */
};

/* command.c: -- COMMAND */
struct rlimit;
void fw_command_start(struct fw_state *st, const struct rlimit *nofile);
/* SIGCHLD: note the command's end and status. */
void fw_command_reap(struct fw_state *st);

/*
 * watch.c: the reporting group, its marks and the subtree tracker.  In
 * tree scope the tracker (libfanotify's fan_subtree) marks every directory
 * of each PATH, follows them by identity and reports through emit.c what
 * it finds in new directories and which it could not watch.
 */
void fw_watch_setup(struct fw_state *st);
/* Is the event inside one of the PATHs, as of the event?  Always true for other scopes. */
bool fw_watch_in_scope(const struct fw_state *st, const struct fan_event *ev);
/* The root an event's own file handle (FID record) names, or NULL. */
const struct fw_root *fw_watch_root_of(const struct fw_state *st, const struct fan_event *ev);

/* Directories watched now (tree scope). */
size_t fw_watch_dirs(const struct fw_state *st);
/* Milliseconds until the tracker's put-off rescan (after overflows) is due, -1 if none. */
int fw_watch_timeout(const struct fw_state *st);
/* Run a put-off rescan that is due. */
void fw_watch_tick(struct fw_state *st);
void fw_watch_free(struct fw_state *st);

/* handle.c: one batch of the reporting group, one batch of mount events */
void fw_handle_batch(struct fw_state *st);
void fw_handle_mount_batch(struct fw_state *st);

/* filter.c: the user's filters (pid, -- COMMAND, comm, globs) */
bool fw_filter_pid(struct fw_state *st, pid_t pid);
bool fw_filter_comm(const struct fw_state *st, const struct fan_process *p);
/* --include/--exclude alone. */
bool fw_filter_paths(const struct fw_state *st, const struct fw_record *rec);
/*
 * fan_subtree_skip_fn (arg: the state): is the directory at path excluded
 * (--exclude and friends), its subtree with it?  Then the tracker leaves
 * it unmarked.
 */
int fw_filter_prune(void *arg, const char *path, size_t len);
/* All of them on a finished record. */
bool fw_filter_record(struct fw_state *st, const struct fw_record *rec);

/* emit.c: what is reported */
/* A record that passed every filter: output or count it. */
void fw_emit(struct fw_state *st, const struct fw_record *rec);
/* The tracker's reports (fan_subtree_found_fn): found entries, unwatched directories. */
void fw_emit_found(void *arg, const struct fan_subtree_entry *e);
/* Lines before the summary: directories not watched, records the output dropped. */
void fw_emit_summary_notes(const struct fw_state *st);

/* procs.c: process identities, looked up once per process per batch */
struct fw_procs *fw_procs_new(const struct fw_state *st);
/* The resolver's options for the reporting group: its process table if privileged. */
const struct fan_resolver_opts *fw_procs_resolver_opts(const struct fw_state *st);
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
/* The identity fields of p (returned by fw_procs_get()), NULL for NULL. */
const struct fw_ident *fw_procs_ident(const struct fan_process *p);

/* inode.c (i15): dev and ino of an event's object, from its file handle */
struct fw_inodes;
struct fw_inodes *fw_inodes_new(void);
void fw_inodes_free(struct fw_inodes *c);
/* Set rec->dev/ino (FW_REC_DEV/FW_REC_INO) where known; now: the batch's clock second. */
void fw_inodes_fill(struct fw_inodes *c, struct fan_group *g, const struct fan_event *ev,
		    time_t now, struct fw_record *rec);
/* Handles opened to learn an inode number (not decoded from the handle). */
uint64_t fw_inodes_opened(const struct fw_inodes *c);

/* interval.c (i15): --interval, a table of the counts every interval */
struct fw_interval;
struct fw_interval *fw_interval_new(struct fw_state *st);
void fw_interval_free(struct fw_interval *iv);
/* Milliseconds until the next table, -1 without --interval. */
int fw_interval_timeout(const struct fw_interval *iv);
/* Write the table if it is due, and start the next interval. */
void fw_interval_tick(struct fw_state *st);
/* When stopping: the table of the interval under way. */
void fw_interval_final(struct fw_state *st);

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
struct fw_perm *fw_perm_new(struct fw_state *st);
/* Mark the object fd refers to (a directory gets FAN_EVENT_ON_CHILD). */
int fw_perm_mark_fd(struct fw_perm *p, int fd, bool dir);
int fw_perm_mark_scope(struct fw_perm *p, unsigned int type, const char *path);
/* The permission group and its directory mask, for the subtree tracker to keep in step. */
struct fan_group *fw_perm_group(const struct fw_perm *p);
uint64_t fw_perm_dir_mask(const struct fw_perm *p);
/* Start the answering thread; it keeps only the capabilities in keep, as ids. */
void fw_perm_start(struct fw_perm *p, uint64_t keep, const struct fw_ids *ids);
int fw_perm_notify_fd(const struct fw_perm *p);
/* Hand every queued deny report to fw_emit (through the filters). */
void fw_perm_drain(struct fw_perm *p, struct fw_state *st);
/* Stop the thread (its reports are all queued after this). */
void fw_perm_stop(struct fw_perm *p);
void fw_perm_free(struct fw_perm *p);
uint64_t fw_perm_denied(const struct fw_perm *p);
/* Permission events decided, and how many of them from the verdict cache. */
uint64_t fw_perm_checked(const struct fw_perm *p, uint64_t *cached);
/* After fw_perm_stop(): opens undecided (and their verdict), refused by the kernel, not answered. */
void fw_perm_counts(const struct fw_perm *p, uint64_t *undecided, bool *undecided_allowed,
		    uint64_t *refused, uint64_t *failed);

#endif
