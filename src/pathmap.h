/* SPDX-License-Identifier: MIT */
/*
 * Private: a map from byte keys (file handles) to paths, bounded in bytes
 * or not (resolve_cache.c), and a growable string.  Used by marks.c for its
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
struct dcache;

struct dcache *lf_dcache_new(size_t max_bytes);	/* 0: unbounded */
void lf_dcache_free(struct dcache *c);
void lf_dcache_clear(struct dcache *c);
/* The cached path or NULL; a hit becomes most recently used. */
const char *lf_dcache_get(struct dcache *c, const void *key, size_t klen, size_t *plen);
/* The same, leaving the order alone (safe inside lf_dcache_drop_under_if()'s stale()). */
const char *lf_dcache_peek(const struct dcache *c, const void *key, size_t klen, size_t *plen);
int lf_dcache_put(struct dcache *c, const void *key, size_t klen, const char *path, size_t plen);
/*
 * Each entry carries a stamp for its user (0 when put without one; a
 * rename_under() rewrite resets it): *stamp points into the entry, valid
 * until the map is changed.
 */
const char *lf_dcache_get_stamp(struct dcache *c, const void *key, size_t klen, size_t *plen,
				uint64_t **stamp);
int lf_dcache_put_stamp(struct dcache *c, const void *key, size_t klen, const char *path,
			size_t plen, uint64_t stamp);
void lf_dcache_stamp_all(struct dcache *c, uint64_t stamp);
/* Remove one key; 0 if it was there, -ENOENT if not. */
int lf_dcache_del(struct dcache *c, const void *key, size_t klen);
/* Drop every entry whose path is prefix or lies under it. */
void lf_dcache_drop_under(struct dcache *c, const char *prefix, size_t len);
/*
 * Same, but only the entries for which stale(key, klen, path, arg) is
 * true.  stale must not change the cache (lf_dcache_peek() only).
 */
typedef bool dcache_stale_fn(const void *key, size_t klen, const char *path, void *arg);
void lf_dcache_drop_under_if(struct dcache *c, const char *prefix, size_t len,
			  dcache_stale_fn *stale, void *arg);
/* Rewrite prefix into newp in every entry at or under prefix. */
void lf_dcache_rename_under(struct dcache *c, const char *prefix, size_t len,
			 const char *newp, size_t newlen);
/* Bytes charged against the limit (entries with allocator overhead, buckets). */
size_t lf_dcache_bytes(const struct dcache *c);
size_t lf_dcache_count(const struct dcache *c);

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
