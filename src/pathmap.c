// SPDX-License-Identifier: MIT
/*
 * The path map (pathmap.h): byte key (a handle) -> path, bounded in bytes
 * or not.  Chained hash plus an LRU list; every byte an entry costs (header, key, path, and what the
 * allocator adds to each block) counts against the limit, as does the
 * bucket array, so memory stays within what the caller set whatever the
 * number of names seen.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pathmap.h"

struct pm_entry {
	struct pm_entry *hnext;
	struct pm_entry *prev, *next;	/* LRU: head most recent */
	uint64_t hash;
	uint64_t stamp;			/* the user's: when the path was last checked */
	uint32_t klen, plen;
	unsigned char data[];		/* key, then path and its NUL */
};

struct pathmap {
	struct pm_entry **buckets;
	size_t nbuckets;
	struct pm_entry *head, *tail;
	size_t bytes, max_bytes, count;
};

/* Keys are 20 to 140 bytes: hash them eight bytes at a time. */
static uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 32);
}

static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ull ^ n, v;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&v, s, 8);
		h = mix(h, v);
	}
	v = 0;
	memcpy(&v, s, n);
	return mix(h, v);
}

/*
 * malloc() rounds each block up and keeps a header in front of it (glibc:
 * 8 bytes, 16-byte granules); charge a generous 16 plus the rounding so the
 * limit bounds the heap, not only the bytes asked for.
 */
static size_t entry_cost(size_t klen, size_t plen)
{
	return (sizeof(struct pm_entry) + klen + plen + 1 + 16 + 15) & ~(size_t)15;
}

static size_t pick_buckets(size_t max_bytes)
{
	size_t n = 64;

	/* roughly one bucket per average-sized entry, a power of two */
	while (max_bytes && n < max_bytes / 128)
		n <<= 1;
	return max_bytes ? n : 1024;
}

struct pathmap *lf_pathmap_new(size_t max_bytes)
{
	struct pathmap *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->nbuckets = pick_buckets(max_bytes);
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		return NULL;
	}
	c->max_bytes = max_bytes;
	c->bytes = c->nbuckets * sizeof(*c->buckets);
	return c;
}

static void lru_unlink(struct pathmap *c, struct pm_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct pathmap *c, struct pm_entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static void entry_remove(struct pathmap *c, struct pm_entry *e)
{
	struct pm_entry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(c, e);
	c->bytes -= entry_cost(e->klen, e->plen);
	c->count--;
	free(e);
}

/* Unbounded tables grow their bucket array to keep chains short. */
static void maybe_grow(struct pathmap *c)
{
	struct pm_entry **nb, *e, *next;
	size_t i, n = c->nbuckets * 2;

	if (c->max_bytes || c->count < c->nbuckets * 2)
		return;
	nb = calloc(n, sizeof(*nb));
	if (!nb)
		return;
	for (i = 0; i < c->nbuckets; i++)
		for (e = c->buckets[i]; e; e = next) {
			next = e->hnext;
			e->hnext = nb[e->hash & (n - 1)];
			nb[e->hash & (n - 1)] = e;
		}
	free(c->buckets);
	c->bytes += (n - c->nbuckets) * sizeof(*nb);
	c->buckets = nb;
	c->nbuckets = n;
}

static struct pm_entry *find(struct pathmap *c, const void *key, size_t klen, uint64_t h)
{
	struct pm_entry *e;

	for (e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->hnext)
		if (e->hash == h && e->klen == klen && !memcmp(e->data, key, klen))
			return e;
	return NULL;
}

const char *lf_pathmap_get_stamp(struct pathmap *c, const void *key, size_t klen, size_t *plen,
				uint64_t **stamp)
{
	struct pm_entry *e = find(c, key, klen, hash_bytes(key, klen));

	if (!e)
		return NULL;
	if (c->head != e) {
		lru_unlink(c, e);
		lru_push(c, e);
	}
	*plen = e->plen;
	if (stamp)
		*stamp = &e->stamp;
	return (const char *)e->data + e->klen;
}

const char *lf_pathmap_peek(const struct pathmap *c, const void *key, size_t klen, size_t *plen)
{
	struct pm_entry *e = find((struct pathmap *)(uintptr_t)c, key, klen, hash_bytes(key, klen));

	if (!e)
		return NULL;
	*plen = e->plen;
	return (const char *)e->data + e->klen;
}

const char *lf_pathmap_get(struct pathmap *c, const void *key, size_t klen, size_t *plen)
{
	return lf_pathmap_get_stamp(c, key, klen, plen, NULL);
}

int lf_pathmap_put(struct pathmap *c, const void *key, size_t klen, const char *path, size_t plen)
{
	return lf_pathmap_put_stamp(c, key, klen, path, plen, 0);
}

int lf_pathmap_put_stamp(struct pathmap *c, const void *key, size_t klen, const char *path,
			size_t plen, uint64_t stamp)
{
	uint64_t h = hash_bytes(key, klen);
	size_t cost = entry_cost(klen, plen);
	struct pm_entry *e = find(c, key, klen, h);

	if (e)
		entry_remove(c, e);
	if (c->max_bytes && c->bytes + cost > c->max_bytes) {
		if (cost + c->nbuckets * sizeof(*c->buckets) > c->max_bytes)
			return -ENOSPC;	/* would never fit: do not flush the cache for it */
		while (c->tail && c->bytes + cost > c->max_bytes)
			entry_remove(c, c->tail);
	}
	/* Ask for the bytes used; cost (with malloc's overhead) is only what is charged. */
	e = malloc(sizeof(*e) + klen + plen + 1);
	if (!e)
		return -ENOMEM;
	e->hash = h;
	e->stamp = stamp;
	e->klen = (uint32_t)klen;
	e->plen = (uint32_t)plen;
	memcpy(e->data, key, klen);
	memcpy(e->data + klen, path, plen);
	e->data[klen + plen] = '\0';
	e->hnext = c->buckets[h & (c->nbuckets - 1)];
	c->buckets[h & (c->nbuckets - 1)] = e;
	lru_push(c, e);
	c->bytes += cost;
	c->count++;
	maybe_grow(c);
	return 0;
}

static bool under(const struct pm_entry *e, const char *prefix, size_t len)
{
	const char *p = (const char *)e->data + e->klen;

	if (e->plen < len || memcmp(p, prefix, len))
		return false;
	return e->plen == len || p[len] == '/' || (len == 1 && prefix[0] == '/');
}

int lf_pathmap_del(struct pathmap *c, const void *key, size_t klen)
{
	struct pm_entry *e = find(c, key, klen, hash_bytes(key, klen));

	if (!e)
		return -ENOENT;
	entry_remove(c, e);
	return 0;
}

void lf_pathmap_drop_under_if(struct pathmap *c, const char *prefix, size_t len,
			  pathmap_stale_fn *stale, void *arg)
{
	struct pm_entry *e, *next;

	for (e = c->head; e; e = next) {
		next = e->next;
		if (under(e, prefix, len) &&
		    (!stale || stale(e->data, e->klen, (const char *)e->data + e->klen, arg)))
			entry_remove(c, e);
	}
}

void lf_pathmap_drop_under(struct pathmap *c, const char *prefix, size_t len)
{
	lf_pathmap_drop_under_if(c, prefix, len, NULL, NULL);
}

void lf_pathmap_rename_under(struct pathmap *c, const char *prefix, size_t len,
			 const char *newp, size_t newlen)
{
	struct pm_entry *e, *next, *moved = NULL;
	struct sbuf b = { 0 }, k = { 0 };

	/* Unlink matches first, then reinsert: put() must not see them again. */
	for (e = c->head; e; e = next) {
		next = e->next;
		if (!under(e, prefix, len))
			continue;
		lru_unlink(c, e);
		e->next = moved;
		moved = e;
	}
	for (e = moved; e; e = next) {
		const char *p = (const char *)e->data + e->klen;
		bool ok;

		next = e->next;
		ok = lf_sbuf_set(&k, (const char *)e->data, e->klen) == 0 &&
		     lf_sbuf_set(&b, newp, newlen) == 0 &&
		     lf_sbuf_append(&b, p + len, e->plen - len) == 0;
		lru_push(c, e);		/* back on the list so it can be removed */
		entry_remove(c, e);
		if (ok)
			lf_pathmap_put(c, k.s, k.len, b.s, b.len);
	}
	lf_sbuf_free(&b);
	lf_sbuf_free(&k);
}

void lf_pathmap_stamp_all(struct pathmap *c, uint64_t stamp)
{
	struct pm_entry *e;

	for (e = c->head; e; e = e->next)
		e->stamp = stamp;
}

void lf_pathmap_clear(struct pathmap *c)
{
	while (c->head)
		entry_remove(c, c->head);
}

void lf_pathmap_free(struct pathmap *c)
{
	if (!c)
		return;
	lf_pathmap_clear(c);
	free(c->buckets);
	free(c);
}

size_t lf_pathmap_bytes(const struct pathmap *c)
{
	return c->bytes;
}

size_t lf_pathmap_count(const struct pathmap *c)
{
	return c->count;
}

int lf_sbuf_reserve(struct sbuf *b, size_t cap)
{
	char *s;
	size_t n;

	if (cap <= b->cap)
		return 0;
	n = b->cap ? b->cap : 256;
	while (n < cap)
		n *= 2;
	s = realloc(b->s, n);
	if (!s)
		return -ENOMEM;
	b->s = s;
	b->cap = n;
	return 0;
}

int lf_sbuf_set(struct sbuf *b, const char *s, size_t len)
{
	b->len = 0;
	return lf_sbuf_append(b, s, len);
}

int lf_sbuf_append(struct sbuf *b, const char *s, size_t len)
{
	if (lf_sbuf_reserve(b, b->len + len + 1) < 0)
		return -ENOMEM;
	memmove(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
	return 0;
}

void lf_sbuf_free(struct sbuf *b)
{
	free(b->s);
	*b = (struct sbuf){ 0 };
}
