/* SPDX-License-Identifier: MIT */
/* Private to the resolution layer. */
#ifndef LIBFANOTIFY_RESOLVE_H
#define LIBFANOTIFY_RESOLVE_H

#include "internal.h"

/* A directory cache key: fsid (8) + handle type (4) + handle (at most 128). */
#define RESOLVE_MAX_HANDLE 128
#define RESOLVE_KEY_MAX (8 + 4 + RESOLVE_MAX_HANDLE)

/*
 * A map from a byte key (fsid, handle type, handle) to a path, either
 * bounded in bytes with least-recently-used eviction, or unbounded.
 */
struct dcache;

struct dcache *dcache_new(size_t max_bytes);	/* 0: unbounded */
void dcache_free(struct dcache *c);
void dcache_clear(struct dcache *c);
/* The cached path or NULL; a hit becomes most recently used. */
const char *dcache_get(struct dcache *c, const void *key, size_t klen, size_t *plen);
int dcache_put(struct dcache *c, const void *key, size_t klen, const char *path, size_t plen);
/* Remove one key; 0 if it was there, -ENOENT if not. */
int dcache_del(struct dcache *c, const void *key, size_t klen);
/* Drop every entry whose path is prefix or lies under it. */
void dcache_drop_under(struct dcache *c, const char *prefix, size_t len);
/*
 * Same, but only the entries for which stale(key, klen, path, arg) is
 * true.  stale must not touch the cache.
 */
typedef bool dcache_stale_fn(const void *key, size_t klen, const char *path, void *arg);
void dcache_drop_under_if(struct dcache *c, const char *prefix, size_t len,
			  dcache_stale_fn *stale, void *arg);
/* Rewrite prefix into newp in every entry at or under prefix. */
void dcache_rename_under(struct dcache *c, const char *prefix, size_t len,
			 const char *newp, size_t newlen);
/* Bytes charged against the limit (entries with allocator overhead, buckets). */
size_t dcache_bytes(const struct dcache *c);
size_t dcache_count(const struct dcache *c);

/* A growable string. */
struct sbuf {
	char *s;
	size_t len, cap;
};
int sbuf_reserve(struct sbuf *b, size_t cap);
int sbuf_set(struct sbuf *b, const char *s, size_t len);
int sbuf_append(struct sbuf *b, const char *s, size_t len);
void sbuf_free(struct sbuf *b);

/* Process identities, per batch (resolve_proc.c). */
struct pcache;
struct pcache *pcache_new(size_t entries);
void pcache_free(struct pcache *c);

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
	unsigned char key[RESOLVE_KEY_MAX];	/* the moved directory, if reported */
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
};

int proc_resolve(struct fan_resolver *r, const struct fan_event *ev, struct fan_process *out);

#endif
