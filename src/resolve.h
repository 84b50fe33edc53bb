/* SPDX-License-Identifier: MIT */
/* Private to the resolution layer. */
#ifndef LIBFANOTIFY_RESOLVE_H
#define LIBFANOTIFY_RESOLVE_H

#include "internal.h"
#include "pathmap.h"

/* Process identities, per batch, and the process table if flags ask (resolve_proc.c). */
struct pcache;
struct pcache *lf_pcache_new(struct fan_group *g, size_t entries, unsigned int flags);
void lf_pcache_free(struct pcache *c);

/* Where a directory's path came from (see resolve_path.c's top comment). */
enum {
	SRC_NONE = 0,
	SRC_PINNED,	/* a directory mark, kept in event order */
	SRC_READ,	/* the cache or a handle: the path at read time */
};

/* A MOVED_FROM of a directory waiting for its MOVED_TO (event order). */
struct pending_move {
	struct sbuf old;	/* len 0: none */
	pid_t pid;
	unsigned char key[LF_KEY_MAX];	/* the moved directory, if reported */
	size_t klen;
};

struct fan_resolver {
	struct fan_group *g;
	struct dcache *cache;		/* handle -> path at read time, bounded, dropped on renames */
	struct dcache *pinned;		/* the group's directory marks, renamed in event order */
	uint64_t pinned_gen;
	uint64_t pinned_epoch;
	size_t pinned_seen;
	int handle_err;			/* open_by_handle_at() refused for privilege: not retried */
	unsigned int src[2];		/* SRC_* of the last path / new_path directory */
	struct pending_move pending;
	struct sbuf moved;		/* new path of the last pinned rename, for its MOVE_SELF */
	struct sbuf out[2];		/* path, new_path */
	struct sbuf scratch;
	struct sbuf tail;		/* long_dir_path()'s collected names */
	struct pcache *procs;
	struct dcache *mounts;		/* mount id -> mount point, for detach events */
	int fd_dir;			/* /proc/self/fd (O_PATH), -1 until first needed */
	unsigned int fd_dir_gen;	/* fork generation (resolve_fd.c) it was opened in */
};

int lf_proc_resolve(struct fan_resolver *r, const struct fan_event *ev, struct fan_process *out);

/* resolve_path.c: the cache key of a record (0: none) */
size_t lf_rec_key(unsigned char *key, const struct fan_info *rec);
/* Bring in directory marks the group recorded since the last call. */
void lf_sync_pinned(struct fan_resolver *r);

/* resolve_fd.c: path of an open descriptor; LIBFANOTIFY_PATH_DELETED in *flags */
void lf_fd_dir_init(struct fan_resolver *r);
void lf_fd_dir_close(struct fan_resolver *r);
int lf_fd_path(struct fan_resolver *r, int fd, struct sbuf *out, unsigned int *flags);

/* resolve_mount.c */
uint64_t lf_fd_mnt_id(int fd);	/* unique mount id of fd's mount, 0 if unknown */
int lf_mount_point(struct fan_resolver *r, uint64_t mnt_id, struct sbuf *out);
/* Remember the mount point of every mount of the namespace (best effort). */
void lf_mounts_seed(struct fan_resolver *r);

/* resolve_track.c: could this event move or delete a directory? */
bool lf_may_move_dirs(uint64_t mask);
/* Keep directory paths right after ev, whose resolved paths are path and new_path. */
void lf_maintain(struct fan_resolver *r, const struct fan_event *ev,
	      const struct fan_path *path, const struct fan_path *new_path);

#endif
