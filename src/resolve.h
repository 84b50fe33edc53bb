/* SPDX-License-Identifier: MIT */
/* Private to the resolution layer. */
#ifndef LIBFANOTIFY_RESOLVE_H
#define LIBFANOTIFY_RESOLVE_H

#include "internal.h"

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
/* Drop every entry whose path is prefix or lies under it. */
void dcache_drop_under(struct dcache *c, const char *prefix, size_t len);
/* Rewrite prefix into newp in every entry at or under prefix. */
void dcache_rename_under(struct dcache *c, const char *prefix, size_t len,
			 const char *newp, size_t newlen);
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

struct fan_resolver {
	struct fan_group *g;
	struct dcache *cache;		/* handle -> path, bounded, dropped on renames */
	struct dcache *pinned;		/* the group's directory marks, renamed in place */
	uint64_t pinned_gen;
	uint64_t pinned_epoch;
	size_t pinned_seen;
	struct sbuf out[2];		/* path, new_path */
	struct sbuf scratch;
	struct sbuf dir;
	struct pcache *procs;
	struct dcache *mounts;		/* mount id -> mount point, for detach events */
};

int proc_resolve(struct fan_resolver *r, const struct fan_event *ev, struct fan_process *out);

#endif
