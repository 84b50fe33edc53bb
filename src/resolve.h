/* SPDX-License-Identifier: MIT */
/* Private to the resolution layer. */
#ifndef LIBFANOTIFY_RESOLVE_H
#define LIBFANOTIFY_RESOLVE_H

#include <pthread.h>

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
	SRC_READ,	/* the cache or a handle: read at read time, then the batch's later moves undone */
	SRC_BATCH,	/* an earlier event of the batch that placed the directory (TARGET_FID) */
};

/*
 * One lookup of a path at the moment of an event: what it found on the
 * way.  readtime: only sources read from the kernel now (the batch's move
 * list is being computed, ahead of the event order the marks follow).
 */
struct look {
	const struct fan_event *ev;
	unsigned int flags;	/* LIBFANOTIFY_PATH_DELETED, _UNVERIFIED found on the way */
	int why;		/* with _UNVERIFIED: the reason */
	unsigned int src;	/* SRC_* of the directory's path */
	bool readtime;
};

/*
 * Stamps of cached and directory-mark paths: when the path was last
 * checked against the filesystem (resolve_path.c).
 */
#define STAMP_SUSPECT UINT64_MAX	/* after a queue overflow: check before any use */
#define STAMP_OK 1u
#define STAMP_BAD 2u
static inline uint64_t stamp_make(uint64_t seq, unsigned int state, int err)
{
	return seq << 16 | (uint64_t)((unsigned int)-err & 0xff) << 8 | state;
}

/* Keys of directory-mark paths whose object was deleted, kept until the entry's DELETE. */
#define GONE_MAX 256
struct gone_ring {
	unsigned char (*keys)[LF_KEY_MAX];
	uint8_t *klen;
	size_t head, n;
};

struct bctx;	/* resolve_batch.c */

/*
 * A directory move of the batch: resolve_batch.c finds them, in batch
 * order; resolve_moment.c computes each one's old and new path at its own
 * moment, on first need.
 */
#define LF_NOPOS UINT32_MAX
enum { MV_TODO, MV_BUSY, MV_DONE };
struct lf_move {
	uint32_t pos;		/* where it takes effect: FAN_RENAME, or the MOVED_FROM */
	uint32_t from, to;	/* the events holding the old and the new entry (LF_NOPOS: none) */
	uint32_t child;		/* offset of the moved directory's FID record (0: none) */
	int state;
	int err_old, err_new;	/* 0, or why that side is unknown */
	struct sbuf old, nw;
};
struct lf_moves {
	const unsigned char *base;	/* the batch */
	struct lf_move *mv;
	size_t nmv;
	size_t done_from;	/* mv[done_from..nmv) computed */
	size_t unknown_to;	/* past the last computed move with a side unknown (0: none) */
	struct sbuf now;	/* lf_undo_later_moves()' copy of the path as read */
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
	struct pathmap *cache;		/* handle -> path at read time, bounded, dropped on renames */
	struct pathmap *pinned;		/* the group's directory marks, renamed in event order */
	uint64_t pinned_gen;
	uint64_t pinned_epoch;
	uint64_t pinned_next;		/* seq of the next mark record to bring in */
	struct gone_ring gone;
	uint64_t overflows;		/* the group's overflow count when last looked */
	uint64_t distrusted;		/* batch_seq of the last distrust for that count */
	struct bctx *bc;		/* the current batch's moves and names (resolve_batch.c) */
	const unsigned char *quiet;	/* a batch found to move no directory, and its seq */
	uint64_t quiet_seq;
	unsigned int depth;		/* nesting of lookups (a chain of new directories) */
	int handle_err;			/* open_by_handle_at() refused for privilege: not retried */
	unsigned int src[2];		/* SRC_* of the last path / new_path directory */
	struct pending_move pending;
	struct sbuf moved;		/* new path of the last pinned rename, for its MOVE_SELF */
	struct sbuf out[2];		/* path, new_path */
	struct sbuf scratch;
	struct sbuf tail;		/* long_dir_path()'s collected names */
	struct pcache *procs;
	struct pathmap *mounts;		/* mount id -> mount point, for detach events */
	int fd_dir;			/* /proc/thread-self/fd (O_PATH), -1 until first needed */
	unsigned int fd_dir_gen;	/* fork generation (resolve_fd.c) it was opened in */
	pthread_t fd_dir_thread;	/* the thread whose table fd_dir is */
};

int lf_proc_resolve(struct fan_resolver *r, const struct fan_event *ev, struct fan_process *out);

/* resolve_moment.c: the path of the directory fid names, at lk->ev's moment (the one place it is looked up). */
int lf_dir_path(struct fan_resolver *r, struct look *lk, const struct fan_fid *fid,
		struct sbuf *out);
/* A directory entry's full path (directory + name) at lk->ev's moment; 0 only if whole. */
int lf_entry_path(struct fan_resolver *r, struct look *lk, const struct fan_info *rec,
		  struct sbuf *out);
/* A file by its own handle (read now), else where the batch or its mark put it. */
int lf_file_path(struct fan_resolver *r, struct look *lk, const struct fan_fid *fid,
		 struct sbuf *out);
/* Check a directory-mark path (ev's moment) against the filesystem: true if it leads there. */
bool lf_pinned_verify(struct fan_resolver *r, const struct fan_event *ev, const void *key,
		      size_t klen, const char *path, size_t plen);
/*
 * A path read now, turned into the path at lk->ev's moment: the batch's
 * later directory moves undone.  A move that cannot be undone leaves the
 * path as read and flags lk UNVERIFIED.
 */
void lf_undo_later_moves(struct fan_resolver *r, struct look *lk, struct sbuf *path);
/* The other way, for a path of ev's moment: where it leads after the batch.  0, or -errno. */
int lf_redo_later_moves(struct fan_resolver *r, const struct fan_event *ev, struct sbuf *path);

/* resolve_dir.c: paths now.  out (a directory) += "/" + fid's name; "." is the directory itself. */
int lf_join_name(struct sbuf *out, const struct fan_fid *fid);
/* Is name something a directory entry can be called ("." for the directory itself)? */
bool lf_name_ok(const char *name, size_t len);
/* Is prefix path, or a directory above it? */
bool lf_path_under(const char *path, size_t len, const char *prefix, size_t plen);
/*
 * The object's path read now through its handle (dir: a directory; a
 * non-directory without a name is -ESTALE); LIBFANOTIFY_PATH_DELETED in
 * *flags.  -ENOENT when no mark on its filesystem went through the group.
 */
int lf_handle_path(struct fan_resolver *r, const struct fan_fid *fid, bool dir,
		   struct sbuf *out, unsigned int *flags);

/* resolve_pinned.c: the map key of a fid, of a record (0: none) */
size_t lf_fid_key(unsigned char *key, const struct fan_fid *fid);
size_t lf_rec_key(unsigned char *key, const struct fan_info *rec);
/* Bring in directory marks the group recorded since the last call. */
void lf_sync_pinned(struct fan_resolver *r);
/* Does path lead to the object of key now (name_to_handle_at(), no privilege needed)? */
bool lf_leads_to(const struct fan_group *g, const void *key, size_t klen, const char *path);

/* resolve_fd.c: path of an open descriptor; LIBFANOTIFY_PATH_DELETED in *flags */
void lf_fd_dir_init(struct fan_resolver *r);
void lf_fd_dir_close(struct fan_resolver *r);
int lf_fd_path(struct fan_resolver *r, int fd, struct sbuf *out, unsigned int *flags);

/* resolve_mount.c */
uint64_t lf_fd_mnt_id(int fd);	/* unique mount id of fd's mount, 0 if unknown */
int lf_mount_point(struct fan_resolver *r, uint64_t mnt_id, struct sbuf *out);
/* Remember the mount point of every mount of the namespace (best effort). */
void lf_mounts_seed(struct fan_resolver *r);

/* resolve_batch.c: the batch an event lies in, as an index of its directory moves and names */
void lf_batch_free(struct fan_resolver *r);
/* Does the batch move a directory after ev?  At all? */
bool lf_batch_moves_after(struct fan_resolver *r, const struct fan_event *ev);
bool lf_batch_has_moves(struct fan_resolver *r, const struct fan_event *ev);
/* Known already to move no directory (the common case: nothing to undo)? */
static inline bool lf_batch_quiet(const struct fan_resolver *r)
{
	return r->quiet && r->quiet == r->g->batch && r->quiet_seq == r->g->batch_seq;
}
/*
 * The directory moves of the batch ev lies in, in batch order, and ev's
 * offset in it (*pos); NULL when ev lies in no batch of the group.
 */
struct lf_moves *lf_batch_moves(struct fan_resolver *r, const struct fan_event *ev,
				uint32_t *pos);
/*
 * The entry of the batch that names the object of key around ev (FAN_REPORT_TARGET_FID):
 * the last event before ev that placed it, else the first after ev that removed it
 * (*gone).  NULL if none.
 */
const struct fan_info *lf_batch_where(struct fan_resolver *r, const struct fan_event *ev,
				      const unsigned char *key, size_t klen, bool *gone);

/* resolve_track.c: could this event move or delete a directory? */
bool lf_may_move_dirs(uint64_t mask);
/* Keep directory paths right after ev, whose resolved paths are path and new_path. */
void lf_track_event(struct fan_resolver *r, const struct fan_event *ev,
		    const struct fan_path *path, const struct fan_path *new_path);
void lf_gone_free(struct fan_resolver *r);
/* Forget a half-seen move (after a queue overflow). */
void lf_track_reset(struct fan_resolver *r);

#endif
