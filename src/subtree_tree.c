// SPDX-License-Identifier: MIT
/*
 * The directories a subtree tracker knows: nodes found by handle (the
 * kernel's identity of a directory) and by (parent, name), each linked to
 * its parent and its children.  Memory is one node per directory tracked
 * now: a deleted or moved-out directory's node is freed, and the tables
 * shrink with the count.  A directory's path is never stored: it is built
 * from the names up to its root when asked, so a rename costs one node
 * update whatever lies below.
 */
#include <errno.h>
#include <stdlib.h>

#include "subtree.h"

#define MIN_BUCKETS 64u

static uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t v;

	for (h ^= n; n >= 8; s += 8, n -= 8) {
		memcpy(&v, s, 8);
		h = mix(h, v);
	}
	v = 0;
	memcpy(&v, s, n);
	return mix(h, v);
}

static size_t key_slot(const struct fan_subtree *t, const void *key, size_t klen)
{
	return hash_bytes(0x243f6a8885a308d3ull, key, klen) & (t->nbuckets - 1);
}

static size_t name_slot(const struct fan_subtree *t, const struct st_node *parent,
			const char *name, size_t len)
{
	return hash_bytes((uint64_t)(uintptr_t)parent, name, len) & (t->nbuckets - 1);
}

int lf_st_tables_init(struct fan_subtree *t)
{
	t->nbuckets = MIN_BUCKETS;
	t->keys = calloc(t->nbuckets, sizeof(*t->keys));
	t->names = calloc(t->nbuckets, sizeof(*t->names));
	return t->keys && t->names ? 0 : -ENOMEM;
}

static void insert(struct fan_subtree *t, struct st_node *n)
{
	size_t k = key_slot(t, n->key, n->klen), s = name_slot(t, n->parent, n->name, n->namelen);

	n->hnext = t->keys[k];
	t->keys[k] = n;
	n->nnext = t->names[s];
	t->names[s] = n;
}

/* Both tables to nb buckets (a power of two); left as they are if out of memory. */
static void resize(struct fan_subtree *t, size_t nb)
{
	struct st_node **keys = calloc(nb, sizeof(*keys)), **names = calloc(nb, sizeof(*names));
	struct st_node **ok = t->keys, *n, *next;
	size_t i, old = t->nbuckets;

	if (!keys || !names) {
		free(keys);
		free(names);
		return;
	}
	free(t->names);
	t->keys = keys;
	t->names = names;
	t->nbuckets = nb;
	for (i = 0; i < old; i++)
		for (n = ok[i]; n; n = next) {
			next = n->hnext;
			insert(t, n);
		}
	free(ok);
}

/* About one node per bucket: grow at two, shrink under a quarter. */
static void fit(struct fan_subtree *t)
{
	if (t->count > 2 * t->nbuckets)
		resize(t, t->nbuckets * 2);
	else if (t->nbuckets > MIN_BUCKETS && t->count < t->nbuckets / 4)
		resize(t, t->nbuckets / 2);
}

struct st_node *lf_st_find(const struct fan_subtree *t, const void *key, size_t klen)
{
	struct st_node *n;

	if (!klen)
		return NULL;
	for (n = t->keys[key_slot(t, key, klen)]; n; n = n->hnext)
		if (n->klen == klen && !memcmp(n->key, key, klen))
			return n;
	return NULL;
}

struct st_node *lf_st_find_name(const struct fan_subtree *t, const struct st_node *parent,
				const char *name, size_t len, const struct st_node *not)
{
	struct st_node *n;

	for (n = t->names[name_slot(t, parent, name, len)]; n; n = n->nnext)
		if (n != not && n->parent == parent && n->namelen == len &&
		    !memcmp(n->name, name, len))
			return n;
	return NULL;
}

static void unlink_table(struct st_node **slot, struct st_node *n, bool by_name)
{
	while (*slot != n)
		slot = by_name ? &(*slot)->nnext : &(*slot)->hnext;
	*slot = by_name ? n->nnext : n->hnext;
}

static void children_link(struct st_node *parent, struct st_node *n)
{
	n->parent = parent;
	n->prev = NULL;
	n->next = parent ? parent->child : NULL;
	if (!parent)
		return;
	if (parent->child)
		parent->child->prev = n;
	parent->child = n;
}

static void children_unlink(struct st_node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else if (n->parent)
		n->parent->child = n->next;
	if (n->next)
		n->next->prev = n->prev;
	n->next = n->prev = NULL;
}

struct st_node *lf_st_add(struct fan_subtree *t, struct st_node *parent, const void *key,
			  size_t klen, const char *name, size_t len)
{
	struct st_node *n;

	if (!klen || klen > LF_KEY_MAX)
		return NULL;
	n = calloc(1, sizeof(*n) + klen);
	if (!n || !(n->name = strndup(name, len))) {
		free(n);
		return NULL;
	}
	n->namelen = (uint32_t)len;
	n->klen = (uint8_t)klen;
	n->root = -1;
	n->gen = t->gen;
	memcpy(n->key, key, klen);
	children_link(parent, n);
	insert(t, n);
	t->count++;
	t->stats.dirs = t->count - t->ndoomed_nodes;
	fit(t);
	return n;
}

int lf_st_move(struct fan_subtree *t, struct st_node **np, struct st_node *parent,
	       const char *name, size_t len)
{
	struct st_node *n = *np;
	char *s = (len == n->namelen && !memcmp(name, n->name, len)) ? n->name : strndup(name, len);

	if (!s)
		return -ENOMEM;
	unlink_table(&t->names[name_slot(t, n->parent, n->name, n->namelen)], n, true);
	children_unlink(n);
	if (s != n->name) {
		free(n->name);
		n->name = s;
		n->namelen = (uint32_t)len;
	}
	children_link(parent, n);
	n->nnext = t->names[name_slot(t, parent, n->name, n->namelen)];
	t->names[name_slot(t, parent, n->name, n->namelen)] = n;
	return 0;
}

static void queue_forget(struct fan_subtree *t, const struct st_node *n)
{
	size_t i;

	for (i = 0; i < t->qlen; i++)
		if (t->queue[i] == n)
			t->queue[i] = NULL;
}

static void doomed_forget(struct fan_subtree *t, const struct st_node *n)
{
	size_t i;

	for (i = 0; i < t->ndoomed; i++)
		if (t->doomed[i] == n)
			t->doomed[i] = NULL;
}

static void free_one(struct fan_subtree *t, struct st_node *n)
{
	unlink_table(&t->keys[key_slot(t, n->key, n->klen)], n, false);
	unlink_table(&t->names[name_slot(t, n->parent, n->name, n->namelen)], n, true);
	if (n->flags & N_UNSCANNED)
		queue_forget(t, n);
	if (n->flags & N_DOOMED)
		doomed_forget(t, n);
	if (n->root >= 0)
		t->roots[n->root].node = NULL;
	t->count--;
	free(n->name);
	free(n);
}

void lf_st_drop(struct fan_subtree *t, struct st_node *top)
{
	struct st_node *n = top, *parent;

	children_unlink(top);
	/* post-order: free each node once its children are gone */
	while (n) {
		while (n->child)
			n = n->child;
		parent = n == top ? NULL : n->parent;
		if (parent)
			parent->child = n->next;
		if (n->next)
			n->next->prev = NULL;
		free_one(t, n);
		n = parent;
	}
	t->stats.dirs = t->count - t->ndoomed_nodes;
	fit(t);
}

void lf_st_doom(struct fan_subtree *t, struct st_node *n)
{
	struct st_node **v, *c;

	if (n->flags & N_DOOMED)
		return;
	if (t->ndoomed == t->doomcap) {
		v = realloc(t->doomed, (t->doomcap ? t->doomcap * 2 : 16) * sizeof(*v));
		if (!v) {
			lf_st_drop(t, n);	/* now rather than never */
			return;
		}
		t->doomed = v;
		t->doomcap = t->doomcap ? t->doomcap * 2 : 16;
	}
	n->flags |= N_DOOMED;
	t->doomed[t->ndoomed++] = n;
	for (c = n; c; c = lf_st_walk_next(n, c))
		t->ndoomed_nodes++;
	t->stats.dirs = t->count - t->ndoomed_nodes;
}

void lf_st_reap(struct fan_subtree *t)
{
	struct st_node *n;

	while (t->ndoomed) {
		n = t->doomed[--t->ndoomed];
		if (n) {
			n->flags &= ~N_DOOMED;
			lf_st_drop(t, n);
		}
	}
	t->ndoomed_nodes = 0;
	t->stats.dirs = t->count;
}

struct st_node *lf_st_top(struct st_node *n)
{
	while (n->parent)
		n = n->parent;
	return n;
}

struct st_node *lf_st_walk_next(const struct st_node *top, const struct st_node *n)
{
	if (n->child)
		return n->child;
	for (; n != top; n = n->parent)
		if (n->next)
			return n->next;
	return NULL;
}

/* Write the names from n up to (not including) stop, right to left, ending at end. */
static char *names_up(const struct st_node *n, const struct st_node *stop, char *end)
{
	for (; n != stop; n = n->parent) {
		end -= n->namelen;
		memcpy(end, n->name, n->namelen);
		*--end = '/';
	}
	return end;
}

static size_t names_len(const struct st_node *n, const struct st_node *stop)
{
	size_t len = 0;

	for (; n != stop; n = n->parent)
		len += n->namelen + 1;
	return len;
}

int lf_st_path(const struct fan_subtree *t, const struct st_node *n, struct sbuf *out)
{
	const struct st_node *top = n;
	const struct st_root *r;
	size_t below, base;

	while (top->parent)
		top = top->parent;
	r = &t->roots[top->root];
	below = names_len(n, top);
	base = (r->len == 1 && below) ? 0 : r->len;	/* "/" + "/a" is "/a" */
	if (lf_sbuf_reserve(out, base + below + 1) < 0)
		return -ENOMEM;
	memcpy(out->s, r->path, base);
	names_up(n, top, out->s + base + below);
	out->len = base + below;
	out->s[out->len] = '\0';
	return 0;
}

int lf_st_relpath(const struct st_node *n, struct sbuf *out)
{
	const struct st_node *top = n;
	size_t below;

	while (top->parent)
		top = top->parent;
	if (top == n)
		return lf_sbuf_set(out, ".", 1);
	below = names_len(n, top);
	if (lf_sbuf_reserve(out, below + 1) < 0)
		return -ENOMEM;
	names_up(n, top, out->s + below);
	/* drop the leading '/' */
	memmove(out->s, out->s + 1, below - 1);
	out->len = below - 1;
	out->s[out->len] = '\0';
	return 0;
}

void lf_st_tables_free(struct fan_subtree *t)
{
	size_t i;

	lf_st_reap(t);
	for (i = 0; i < t->nroots; i++)
		if (t->roots[i].node && !t->roots[i].node->parent)
			lf_st_drop(t, t->roots[i].node);
	free(t->keys);
	free(t->names);
	t->keys = t->names = NULL;
}
