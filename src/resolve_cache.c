// SPDX-License-Identifier: MIT
/*
 * The directory cache: handle -> path, bounded in bytes.  Chained hash plus
 * an LRU list; every byte an entry costs (header, key, path, and what the
 * allocator adds to each block) counts against the limit, as does the
 * bucket array, so memory stays within what the caller set whatever the
 * number of names seen.
 */
#include <errno.h>
#include <stdlib.h>

#include "resolve.h"

struct dentry_ {
	struct dentry_ *hnext;
	struct dentry_ *prev, *next;	/* LRU: head most recent */
	uint64_t hash;
	uint64_t stamp;			/* the user's: when the path was last checked */
	uint32_t klen, plen;
	unsigned char data[];		/* key, then path and its NUL */
};

struct dcache {
	struct dentry_ **buckets;
	size_t nbuckets;
	struct dentry_ *head, *tail;
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
	return (sizeof(struct dentry_) + klen + plen + 1 + 16 + 15) & ~(size_t)15;
}

static size_t pick_buckets(size_t max_bytes)
{
	size_t n = 64;

	/* roughly one bucket per average-sized entry, a power of two */
	while (max_bytes && n < max_bytes / 128)
		n <<= 1;
	return max_bytes ? n : 1024;
}

struct dcache *lf_dcache_new(size_t max_bytes)
{
	struct dcache *c = calloc(1, sizeof(*c));

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

static void lru_unlink(struct dcache *c, struct dentry_ *e)
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

static void lru_push(struct dcache *c, struct dentry_ *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static void entry_remove(struct dcache *c, struct dentry_ *e)
{
	struct dentry_ **pp = &c->buckets[e->hash & (c->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(c, e);
	c->bytes -= entry_cost(e->klen, e->plen);
	c->count--;
	free(e);
}

/* Unbounded tables grow their bucket array to keep chains short. */
static void maybe_grow(struct dcache *c)
{
	struct dentry_ **nb, *e, *next;
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

static struct dentry_ *find(struct dcache *c, const void *key, size_t klen, uint64_t h)
{
	struct dentry_ *e;

	for (e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->hnext)
		if (e->hash == h && e->klen == klen && !memcmp(e->data, key, klen))
			return e;
	return NULL;
}

const char *lf_dcache_get_stamp(struct dcache *c, const void *key, size_t klen, size_t *plen,
				uint64_t **stamp)
{
	struct dentry_ *e = find(c, key, klen, hash_bytes(key, klen));

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

const char *lf_dcache_peek(const struct dcache *c, const void *key, size_t klen, size_t *plen)
{
	struct dentry_ *e = find((struct dcache *)(uintptr_t)c, key, klen, hash_bytes(key, klen));

	if (!e)
		return NULL;
	*plen = e->plen;
	return (const char *)e->data + e->klen;
}

const char *lf_dcache_get(struct dcache *c, const void *key, size_t klen, size_t *plen)
{
	return lf_dcache_get_stamp(c, key, klen, plen, NULL);
}

int lf_dcache_put(struct dcache *c, const void *key, size_t klen, const char *path, size_t plen)
{
	return lf_dcache_put_stamp(c, key, klen, path, plen, 0);
}

int lf_dcache_put_stamp(struct dcache *c, const void *key, size_t klen, const char *path,
			size_t plen, uint64_t stamp)
{
	uint64_t h = hash_bytes(key, klen);
	size_t cost = entry_cost(klen, plen);
	struct dentry_ *e = find(c, key, klen, h);

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

static bool under(const struct dentry_ *e, const char *prefix, size_t len)
{
	const char *p = (const char *)e->data + e->klen;

	if (e->plen < len || memcmp(p, prefix, len))
		return false;
	return e->plen == len || p[len] == '/' || (len == 1 && prefix[0] == '/');
}

int lf_dcache_del(struct dcache *c, const void *key, size_t klen)
{
	struct dentry_ *e = find(c, key, klen, hash_bytes(key, klen));

	if (!e)
		return -ENOENT;
	entry_remove(c, e);
	return 0;
}

void lf_dcache_drop_under_if(struct dcache *c, const char *prefix, size_t len,
			  dcache_stale_fn *stale, void *arg)
{
	struct dentry_ *e, *next;

	for (e = c->head; e; e = next) {
		next = e->next;
		if (under(e, prefix, len) &&
		    (!stale || stale(e->data, e->klen, (const char *)e->data + e->klen, arg)))
			entry_remove(c, e);
	}
}

void lf_dcache_drop_under(struct dcache *c, const char *prefix, size_t len)
{
	lf_dcache_drop_under_if(c, prefix, len, NULL, NULL);
}

void lf_dcache_rename_under(struct dcache *c, const char *prefix, size_t len,
			 const char *newp, size_t newlen)
{
	struct dentry_ *e, *next, *moved = NULL;
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
			lf_dcache_put(c, k.s, k.len, b.s, b.len);
	}
	lf_sbuf_free(&b);
	lf_sbuf_free(&k);
}

void lf_dcache_stamp_all(struct dcache *c, uint64_t stamp)
{
	struct dentry_ *e;

	for (e = c->head; e; e = e->next)
		e->stamp = stamp;
}

void lf_dcache_clear(struct dcache *c)
{
	while (c->head)
		entry_remove(c, c->head);
}

void lf_dcache_free(struct dcache *c)
{
	if (!c)
		return;
	lf_dcache_clear(c);
	free(c->buckets);
	free(c);
}

size_t lf_dcache_bytes(const struct dcache *c)
{
	return c->bytes;
}

size_t lf_dcache_count(const struct dcache *c)
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
