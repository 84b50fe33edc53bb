/* SPDX-License-Identifier: MIT */
/*
 * Private: a map from byte keys (file handles) to paths, bounded in bytes
 * or not (pathmap.c), and a growable string.  Used by marks.c for its
 * record index and by the resolver for its caches.
 */
#ifndef LIBFANOTIFY_PATHMAP_H
#define LIBFANOTIFY_PATHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A map from a byte key (fsid, handle type, handle) to a path, either
 * bounded in bytes with least-recently-used eviction, or unbounded.
 */
struct pathmap;

struct pathmap *lf_pathmap_new(size_t max_bytes);	/* 0: unbounded */
void lf_pathmap_free(struct pathmap *c);
void lf_pathmap_clear(struct pathmap *c);
/* The cached path or NULL; a hit becomes most recently used. */
const char *lf_pathmap_get(struct pathmap *c, const void *key, size_t klen, size_t *plen);
/* The same, leaving the order alone (safe inside lf_pathmap_drop_under_if()'s stale()). */
const char *lf_pathmap_peek(const struct pathmap *c, const void *key, size_t klen, size_t *plen);
int lf_pathmap_put(struct pathmap *c, const void *key, size_t klen, const char *path, size_t plen);
/*
 * Each entry carries a stamp for its user (0 when put without one; a
 * rename_under() rewrite resets it): *stamp points into the entry, valid
 * until the map is changed.
 */
const char *lf_pathmap_get_stamp(struct pathmap *c, const void *key, size_t klen, size_t *plen,
				uint64_t **stamp);
int lf_pathmap_put_stamp(struct pathmap *c, const void *key, size_t klen, const char *path,
			size_t plen, uint64_t stamp);
void lf_pathmap_stamp_all(struct pathmap *c, uint64_t stamp);
/* Remove one key; 0 if it was there, -ENOENT if not. */
int lf_pathmap_del(struct pathmap *c, const void *key, size_t klen);
/* Drop every entry whose path is prefix or lies under it. */
void lf_pathmap_drop_under(struct pathmap *c, const char *prefix, size_t len);
/*
 * Same, but only the entries for which stale(key, klen, path, arg) is
 * true.  stale must not change the cache (lf_pathmap_peek() only).
 */
typedef bool pathmap_stale_fn(const void *key, size_t klen, const char *path, void *arg);
void lf_pathmap_drop_under_if(struct pathmap *c, const char *prefix, size_t len,
			  pathmap_stale_fn *stale, void *arg);
/* Rewrite prefix into newp in every entry at or under prefix. */
void lf_pathmap_rename_under(struct pathmap *c, const char *prefix, size_t len,
			 const char *newp, size_t newlen);
/* Bytes charged against the limit (entries with allocator overhead, buckets). */
size_t lf_pathmap_bytes(const struct pathmap *c);
size_t lf_pathmap_count(const struct pathmap *c);

/* A growable string. */
struct sbuf {
	char *s;
	size_t len, cap;
};
int lf_sbuf_reserve(struct sbuf *b, size_t cap);
int lf_sbuf_set(struct sbuf *b, const char *s, size_t len);
int lf_sbuf_append(struct sbuf *b, const char *s, size_t len);
void lf_sbuf_free(struct sbuf *b);

#endif
