/* SPDX-License-Identifier: MIT */
/*
 * Private to the subtree tracker (subtree.c: the API and the events;
 * subtree_tree.c: the directories it knows; subtree_scan.c: opening,
 * marking and reading directories by identity).
 */
#ifndef LIBFANOTIFY_SUBTREE_H
#define LIBFANOTIFY_SUBTREE_H

#include <time.h>

#include "internal.h"
#include "pathmap.h"

/*
 * A tracked directory: its handle (the key), its parent and its name in
 * the parent as the events say at the event being handled (event order),
 * its children.  A root has no parent; its name is its absolute path.
 */
struct st_node {
	struct st_node *hnext;		/* chain of the handle table */
	struct st_node *nnext;		/* chain of the name table (parent, name) */
	struct st_node *parent;
	struct st_node *child, *next, *prev;	/* children; siblings */
	char *name;			/* NUL-terminated; a top root's is unused */
	uint32_t namelen;
	uint32_t flags;			/* N_* */
	uint32_t gen;			/* rescan generation it was last seen in */
	int root;			/* root index for a root node, else -1 */
	uint8_t klen;
	unsigned char key[];		/* fsid, handle type, handle */
};

enum {
	N_SELF_DELETED = 0x01,	/* its FAN_DELETE_SELF was seen */
	N_UNLINKED = 0x02,	/* its parent's FAN_DELETE (or a rename over it) was seen */
	N_UNSCANNED = 0x04,	/* marked, but its entries not read yet (queued) */
	N_REDUCED = 0x08,	/* marked without what reading it raises (being read) */
	N_FRESH = 0x10,		/* new in this call: its entries are reported as found */
	N_DOOMED = 0x20,	/* freed at the next call (the event naming it is still handled) */
};

/* A PATH given to fan_subtree_add_root(). */
struct st_root {
	struct st_node *node;	/* NULL once removed */
	char *path;		/* absolute, as given (symbolic links resolved) */
	size_t len;
	struct fan_fsid fsid;
	int fd;			/* open during one call of the tracker, -1 otherwise */
	bool fs_marked;		/* LIBFANOTIFY_SUBTREE_FILESYSTEM: its filesystem is marked */
};

#define ST_MAX_GROUPS 8

/* A group whose marks the tracker keeps in step with the tree. */
struct st_group {
	struct fan_group *g;
	uint64_t mask;		/* of every directory mark */
	uint64_t reduced;	/* mask while a directory is being read (no own events) */
	uint64_t ignore;	/* ignore mask on a scanned directory itself; 0: none */
	bool per_dir;		/* marks each directory (not: the filesystem mark mode) */
};

/* Creations not found by path yet (no privilege to open by handle). */
struct st_pending {
	unsigned char key[LF_KEY_MAX];		/* the new directory */
	unsigned char pkey[LF_KEY_MAX];		/* its parent */
	uint8_t klen, pklen;
	char *name;
};

struct fan_subtree {
	struct fan_group *g;
	struct st_group groups[ST_MAX_GROUPS];
	size_t ngroups;
	unsigned int flags;		/* LIBFANOTIFY_SUBTREE_* of the options */
	fan_subtree_found_fn *found;
	fan_subtree_skip_fn *skip;	/* directories the caller leaves out; NULL: none */
	void *arg;

	struct st_node **keys;		/* handle table */
	struct st_node **names;		/* (parent, name) table, same size */
	size_t nbuckets, count;

	struct st_root *roots;
	size_t nroots;

	bool by_handle;		/* open_by_handle_at() allowed (until it says EPERM) */
	bool target_fid;	/* the group reports the child's handle (5.17) */
	bool renames;		/* FAN_RENAME marks accepted (5.17), else MOVED_FROM/TO */
	bool user_rename;	/* the caller asked for FAN_RENAME itself */
	bool mount_opened;	/* a mount descriptor was asked for in this call */
	bool reporting;		/* this call reports what it finds (not fan_subtree_add_root()) */
	bool rescanning;	/* reading the trees again after lost events */
	uint32_t gen;		/* rescan generation */
	unsigned int depth;	/* scan recursion depth (descriptors held per level) */

	struct st_node **queue;	/* directories marked whose entries are still to read */
	size_t qlen, qcap;
	struct st_pending *pending;
	size_t npending;
	struct st_node **doomed;	/* subtrees to free at the next call */
	size_t ndoomed, doomcap;
	size_t ndoomed_nodes;		/* nodes in those subtrees */

	const struct fan_event *trigger;	/* event being handled (found entries name it) */
	const struct fan_event *cur_ev;		/* the last event handed over, in batch cur_seq */
	uint64_t cur_seq;
	struct sbuf path, rel;			/* scratch paths */
	struct timespec last_rescan;
	unsigned int rescan_gap_ms;
	bool rescan_due;
	struct fan_subtree_stats stats;
};

/* ---- subtree_tree.c: the directories, by handle and by (parent, name) ---- */
int lf_st_tables_init(struct fan_subtree *t);
void lf_st_tables_free(struct fan_subtree *t);
struct st_node *lf_st_find(const struct fan_subtree *t, const void *key, size_t klen);
/* A child of parent named name (len bytes) other than not; NULL if none. */
struct st_node *lf_st_find_name(const struct fan_subtree *t, const struct st_node *parent,
				const char *name, size_t len, const struct st_node *not);
/* A new node under parent (NULL: a root), in both tables.  NULL if out of memory. */
struct st_node *lf_st_add(struct fan_subtree *t, struct st_node *parent, const void *key,
			  size_t klen, const char *name, size_t len);
/* Move n under parent with a new name; -ENOMEM leaves it where it was. */
int lf_st_move(struct fan_subtree *t, struct st_node **n, struct st_node *parent,
	       const char *name, size_t len);
/* Free n and everything below it. */
void lf_st_drop(struct fan_subtree *t, struct st_node *n);
/*
 * Free n's subtree at the start of the next call: the event being handled
 * may name it (a directory's own DELETE_SELF) and the caller resolves that
 * event after handing it to the tracker.
 */
void lf_st_doom(struct fan_subtree *t, struct st_node *n);
void lf_st_reap(struct fan_subtree *t);
/* The root node above n (n itself for a root). */
struct st_node *lf_st_top(struct st_node *n);
/* n's absolute path into out (its root's path and the names below it). */
int lf_st_path(const struct fan_subtree *t, const struct st_node *n, struct sbuf *out);
/* n's path relative to its root ("." for the root itself). */
int lf_st_relpath(const struct st_node *n, struct sbuf *out);
/* Next node of a pre-order walk of the subtree of top (NULL at the end). */
struct st_node *lf_st_walk_next(const struct st_node *top, const struct st_node *n);

/* ---- subtree_scan.c: directories opened, marked and read by identity ---- */
/* The key of the directory fd refers to (fsid of its root, handle). */
size_t lf_st_fd_key(int fd, const struct fan_fsid *fsid, unsigned char *key);
/* Close what one public call opened. */
void lf_st_call_end(struct fan_subtree *t);
/* Open the directory with this key, named name under parent (event order); -errno. */
int lf_st_open_child(struct fan_subtree *t, struct st_node *parent, const char *name,
		     const void *key, size_t klen);
/*
 * A directory (fd, O_PATH; its key if known, klen 0 if not) appeared under
 * parent with name: with check_parent, check it is in the tree now (its
 * parent tracked); mark it in every group, read it (reporting its entries
 * when t->reporting), recurse.  Returns its node (also one tracked
 * already) or NULL.
 */
/* n moved to a place the caller leaves out: unmarked and forgotten, with what is below. */
bool lf_st_left_out(struct fan_subtree *t, struct st_node *n);
struct st_node *lf_st_adopt(struct fan_subtree *t, struct st_node *parent, const char *name,
			    size_t len, int fd, const void *key, size_t klen, bool check_parent);
/* Read n (fd, O_PATH; marked) and what is below it, then give it its full masks. */
void lf_st_read(struct fan_subtree *t, struct st_node *n, int fd);
/* Read the directories still queued. */
void lf_st_drain_queue(struct fan_subtree *t);
/*
 * A directory an event moved to a place it does not name (a directory not
 * marked yet, or outside): if it is in a tracked directory right now, it
 * moves there (read time) and that directory is returned; else NULL.
 */
struct st_node *lf_st_still_in(struct fan_subtree *t, struct st_node *c);
/* Remove the marks of n's subtree in every group (by handle), then doom it. */
void lf_st_unmark_drop(struct fan_subtree *t, struct st_node *n);
/* Remove the marks of n's subtree (still in the tree: by handle or by path). */
void lf_st_unmark_tree(struct fan_subtree *t, struct st_node *n);
/* Read every tree again from its root (after lost events). */
int lf_st_rescan(struct fan_subtree *t);
/* Retry the creations that could not be opened by path yet. */
void lf_st_retry_pending(struct fan_subtree *t);
void lf_st_pending_add(struct fan_subtree *t, const void *key, size_t klen,
		       const struct st_node *parent, const char *name);
void lf_st_pending_free(struct fan_subtree *t);

#endif
