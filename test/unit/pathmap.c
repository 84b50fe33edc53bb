// SPDX-License-Identifier: MIT
/*
 * The path map (src/pathmap.c, private API in src/pathmap.h), compiled
 * into this test: lookups, LRU eviction, the
 * memory bound under a million distinct keys, prefix drop and rename with
 * path-component semantics, entries that can never fit, unbounded mode.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmap.h"
#include "th.h"

static void put(struct pathmap *c, const char *key, const char *path)
{
	T_EQ(lf_pathmap_put(c, key, strlen(key), path, strlen(path)), 0);
}

/* The cached path for key, or NULL; checks the reported length and NUL. */
static const char *get(struct pathmap *c, const char *key)
{
	size_t plen = (size_t)-1;
	const char *p = lf_pathmap_get(c, key, strlen(key), &plen);

	if (p) {
		T_EQ(plen, strlen(p));
	}
	return p;
}

static void test_put_get(void)
{
	struct pathmap *c = lf_pathmap_new(1 << 20);
	static const char bin1[4] = { 'k', 0, 1, 0 }, bin2[3] = { 'k', 0, 1 };
	size_t plen;

	T_ASSERT(c);
	T_EQ(lf_pathmap_count(c), 0);
	T_ASSERT(get(c, "k1") == NULL);
	put(c, "k1", "/a");
	put(c, "k2", "/a/b");
	T_STREQ(get(c, "k1"), "/a");
	T_STREQ(get(c, "k2"), "/a/b");
	T_ASSERT(get(c, "k3") == NULL);
	T_EQ(lf_pathmap_count(c), 2);
	/* Replacing keeps one entry per key. */
	put(c, "k1", "/elsewhere");
	T_STREQ(get(c, "k1"), "/elsewhere");
	T_EQ(lf_pathmap_count(c), 2);
	/* Keys are bytes: embedded NULs, and a prefix of a key is another key. */
	T_EQ(lf_pathmap_put(c, bin1, sizeof(bin1), "/bin1", 5), 0);
	T_EQ(lf_pathmap_put(c, bin2, sizeof(bin2), "/bin2", 5), 0);
	T_STREQ(lf_pathmap_get(c, bin1, sizeof(bin1), &plen), "/bin1");
	T_STREQ(lf_pathmap_get(c, bin2, sizeof(bin2), &plen), "/bin2");
	/* A path may hold any byte but NUL, and may be empty. */
	put(c, "k4", "");
	T_STREQ(get(c, "k4"), "");
	lf_pathmap_clear(c);
	T_EQ(lf_pathmap_count(c), 0);
	T_ASSERT(get(c, "k2") == NULL);
	lf_pathmap_free(c);
	lf_pathmap_free(NULL);
}

/* Bytes one entry of this key and path length costs. */
static size_t cost_of(size_t klen, size_t plen)
{
	struct pathmap *c = lf_pathmap_new(0);
	char key[64] = { 0 }, *path = malloc(plen + 1);
	size_t before, cost;

	memset(path, 'p', plen);
	before = lf_pathmap_bytes(c);
	T_EQ(lf_pathmap_put(c, key, klen, path, plen), 0);
	cost = lf_pathmap_bytes(c) - before;
	lf_pathmap_free(c);
	free(path);
	return cost;
}

static void test_lru(void)
{
	size_t base, cost = cost_of(2, 2);
	struct pathmap *c;

	/* Room for exactly three entries beside the bucket array (small: fewest buckets). */
	c = lf_pathmap_new(1000);
	base = lf_pathmap_bytes(c);
	lf_pathmap_free(c);
	c = lf_pathmap_new(base + 3 * cost);
	T_EQ(lf_pathmap_bytes(c), base);	/* same bucket array for both limits */
	put(c, "kA", "/A");
	put(c, "kB", "/B");
	put(c, "kC", "/C");
	T_EQ(lf_pathmap_count(c), 3);
	/* Most recent first: C B A. */
	T_STREQ(get(c, "kA"), "/A");	/* A C B */
	put(c, "kD", "/D");		/* D A C, B evicted */
	T_EQ(lf_pathmap_count(c), 3);
	T_ASSERT(get(c, "kB") == NULL);
	T_STREQ(get(c, "kC"), "/C");	/* C D A */
	put(c, "kE", "/E");		/* E C D, A evicted */
	T_EQ(lf_pathmap_count(c), 3);
	T_ASSERT(get(c, "kA") == NULL);
	T_STREQ(get(c, "kC"), "/C");
	T_STREQ(get(c, "kD"), "/D");
	T_STREQ(get(c, "kE"), "/E");
	T_ASSERT(lf_pathmap_bytes(c) <= base + 3 * cost);
	lf_pathmap_free(c);
}

/* A million distinct keys through a 1 MiB cache. */
static void test_memory_bound(void)
{
	const size_t limit = 1 << 20;
	struct pathmap *c = lf_pathmap_new(limit);
	size_t i, max_count = 0, min_cost = cost_of(8, 1);
	char path[300];
	uint64_t key;

	for (i = 0; i < 1000000; i++) {
		size_t plen = 1 + (i * 7919) % 250;

		key = i * 0x9e3779b97f4a7c15ull;
		memset(path, 'a' + (char)(i % 26), plen);
		path[0] = '/';
		T_EQ(lf_pathmap_put(c, &key, sizeof(key), path, plen), 0);
		if (lf_pathmap_bytes(c) > limit)
			th_fail("after %zu puts: %zu bytes > %zu", i + 1, lf_pathmap_bytes(c), limit);
		if (lf_pathmap_count(c) > max_count)
			max_count = lf_pathmap_count(c);
		/* The entry just put is always there. */
		if (i % 1000 == 0) {
			size_t plen2;

			T_ASSERT(lf_pathmap_get(c, &key, sizeof(key), &plen2) != NULL);
			T_EQ(plen2, plen);
		}
	}
	T_ASSERT(max_count <= limit / min_cost);
	/* The cache is used, not kept near empty. */
	T_ASSERT(lf_pathmap_bytes(c) > limit / 2);
	printf("1e6 keys: %zu entries, %zu bytes, at most %zu entries\n", lf_pathmap_count(c),
	       lf_pathmap_bytes(c), max_count);
	lf_pathmap_free(c);
}

/* The heap the cache really holds (malloc's own overhead included). */
static void test_real_heap(void)
{
#if defined(__SANITIZE_ADDRESS__)
	printf("heap check skipped under AddressSanitizer (its own allocator)\n");
#else
	const size_t limit = 1 << 20;
	size_t before = mallinfo2().uordblks, peak = 0, used, i;
	struct pathmap *c = lf_pathmap_new(limit);
	char path[64];
	uint64_t key;

	/* Short entries: malloc's per-chunk overhead weighs most. */
	for (i = 0; i < 200000; i++) {
		key = i;
		snprintf(path, sizeof(path), "/d/%zu", i);
		T_EQ(lf_pathmap_put(c, &key, sizeof(key), path, strlen(path)), 0);
		if (i % 1000 == 0) {
			used = mallinfo2().uordblks - before;
			if (used > peak)
				peak = used;
		}
	}
	printf("heap held by a 1 MiB cache of short entries: at most %zu bytes\n", peak);
	/* Entries are charged with malloc's overhead: the heap stays within the limit
	 * (plus the cache's own small header). */
	T_ASSERT(peak <= limit + 4096);
	lf_pathmap_free(c);
#endif
}

static void fill_tree(struct pathmap *c)
{
	put(c, "1", "/a");
	put(c, "2", "/a/b");
	put(c, "3", "/a/b/c");
	put(c, "4", "/ab");
	put(c, "5", "/ab/c");
	put(c, "6", "/b/a");
	put(c, "7", "/");
	put(c, "8", "/a/");
}

static void test_drop_under(void)
{
	struct pathmap *c = lf_pathmap_new(1 << 20);

	fill_tree(c);
	lf_pathmap_drop_under(c, "/a", 2);
	T_ASSERT(get(c, "1") == NULL);
	T_ASSERT(get(c, "2") == NULL);
	T_ASSERT(get(c, "3") == NULL);
	T_ASSERT(get(c, "8") == NULL);
	T_STREQ(get(c, "4"), "/ab");
	T_STREQ(get(c, "5"), "/ab/c");
	T_STREQ(get(c, "6"), "/b/a");
	T_STREQ(get(c, "7"), "/");
	T_EQ(lf_pathmap_count(c), 4);
	lf_pathmap_drop_under(c, "/a/b/c", 6);	/* nothing there any more */
	T_EQ(lf_pathmap_count(c), 4);
	lf_pathmap_drop_under(c, "/ab/c", 5);
	T_STREQ(get(c, "4"), "/ab");
	T_ASSERT(get(c, "5") == NULL);
	lf_pathmap_drop_under(c, "/", 1);
	T_EQ(lf_pathmap_count(c), 0);
	lf_pathmap_free(c);
}

static void test_rename_under(void)
{
	struct pathmap *c = lf_pathmap_new(1 << 20);

	fill_tree(c);
	lf_pathmap_rename_under(c, "/a", 2, "/x/y", 4);
	T_STREQ(get(c, "1"), "/x/y");
	T_STREQ(get(c, "2"), "/x/y/b");
	T_STREQ(get(c, "3"), "/x/y/b/c");
	T_STREQ(get(c, "8"), "/x/y/");
	T_STREQ(get(c, "4"), "/ab");
	T_STREQ(get(c, "5"), "/ab/c");
	T_STREQ(get(c, "6"), "/b/a");
	T_STREQ(get(c, "7"), "/");
	T_EQ(lf_pathmap_count(c), 8);
	/* Into its own subtree, and to a shorter name. */
	lf_pathmap_rename_under(c, "/x/y/b", 6, "/x/y/b/b", 8);
	T_STREQ(get(c, "3"), "/x/y/b/b/c");
	lf_pathmap_rename_under(c, "/x/y", 4, "/z", 2);
	T_STREQ(get(c, "1"), "/z");
	T_STREQ(get(c, "2"), "/z/b/b");
	T_STREQ(get(c, "3"), "/z/b/b/c");
	T_EQ(lf_pathmap_count(c), 8);
	lf_pathmap_free(c);
}

/* A bounded cache renaming to longer paths stays within its limit. */
static void test_rename_bounded(void)
{
	static const char longer[] = "/a-much-longer-directory-name/deeper/still";
	size_t limit = 16384, i;
	struct pathmap *c = lf_pathmap_new(limit);
	char key[16], path[64];

	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		snprintf(path, sizeof(path), "/a/%zu", i);
		put(c, key, path);
	}
	lf_pathmap_rename_under(c, "/a", 2, longer, strlen(longer));
	T_ASSERT(lf_pathmap_bytes(c) <= limit);
	T_ASSERT(lf_pathmap_count(c) > 0);
	for (i = 0; i < 1000; i++) {
		const char *p;

		snprintf(key, sizeof(key), "k%zu", i);
		snprintf(path, sizeof(path), "/a-much-longer-directory-name/deeper/still/%zu", i);
		p = get(c, key);
		if (p)
			T_STREQ(p, path);
	}
	lf_pathmap_free(c);
}

/* The longest path whose entry fits beside the bucket array (measured, not assumed). */
static size_t longest_fit(size_t base, size_t limit)
{
	size_t lo = 0, hi = limit;	/* base + cost(lo) <= limit < base + cost(hi) */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (base + cost_of(2, mid) <= limit)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* An entry bigger than the whole cache: -ENOSPC, and the cache is kept. */
static void test_never_fits(void)
{
	const size_t limit = 1 << 20;
	struct pathmap *c = lf_pathmap_new(limit);
	size_t base = lf_pathmap_bytes(c), fit = longest_fit(base, limit), bytes;
	char *big = malloc(limit + 1);

	memset(big, 'x', limit);
	big[0] = '/';
	put(c, "k1", "/one");
	put(c, "k2", "/two");
	bytes = lf_pathmap_bytes(c);
	T_EQ(lf_pathmap_put(c, "kb", 2, big, limit), -ENOSPC);
	T_EQ(lf_pathmap_count(c), 2);
	T_EQ(lf_pathmap_bytes(c), bytes);
	T_STREQ(get(c, "k1"), "/one");
	/* One byte past the largest that fits: refused, nothing flushed. */
	T_EQ(lf_pathmap_put(c, "kb", 2, big, fit + 1), -ENOSPC);
	T_EQ(lf_pathmap_count(c), 2);
	T_EQ(lf_pathmap_bytes(c), bytes);
	/* The largest that fits flushes the rest and fits. */
	T_EQ(lf_pathmap_put(c, "kb", 2, big, fit), 0);
	T_EQ(lf_pathmap_count(c), 1);
	T_ASSERT(lf_pathmap_bytes(c) <= limit);
	/* A key whose new path can never fit loses its old, now stale, path. */
	put(c, "k1", "/one");
	T_EQ(lf_pathmap_put(c, "k1", 2, big, limit), -ENOSPC);
	T_ASSERT(get(c, "k1") == NULL);
	free(big);
	lf_pathmap_free(c);
}

static void test_unbounded(void)
{
	struct pathmap *c = lf_pathmap_new(0);
	size_t i, n = 100000, base = lf_pathmap_bytes(c), buckets;
	char path[32];
	uint64_t key;

	for (i = 0; i < n; i++) {
		key = i;
		snprintf(path, sizeof(path), "/u/%08zu", i);	/* 11 bytes */
		T_EQ(lf_pathmap_put(c, &key, sizeof(key), path, 11), 0);
	}
	T_EQ(lf_pathmap_count(c), n);
	T_ASSERT(lf_pathmap_bytes(c) > (4u << 20));		/* past any default limit */
	for (i = 0; i < n; i++) {
		size_t plen;
		const char *p;

		key = i;
		snprintf(path, sizeof(path), "/u/%08zu", i);
		p = lf_pathmap_get(c, &key, sizeof(key), &plen);
		T_ASSERT(p && !strcmp(p, path));
	}
	/* The bucket array grew with the entries: chains stay short. */
	buckets = (lf_pathmap_bytes(c) - n * cost_of(8, 11)) / sizeof(void *);
	printf("unbounded: %zu entries, %zu buckets (started with %zu)\n", n, buckets,
	       base / sizeof(void *));
	T_ASSERT(buckets >= n / 2);
	lf_pathmap_free(c);
}

static void test_sbuf(void)
{
	struct sbuf b = { 0 };

	T_EQ(lf_sbuf_set(&b, "abc", 3), 0);
	T_EQ(lf_sbuf_append(&b, "/def", 4), 0);
	T_STREQ(b.s, "abc/def");
	T_EQ(b.len, 7);
	T_EQ(lf_sbuf_reserve(&b, 10000), 0);
	T_ASSERT(b.cap >= 10000);
	T_STREQ(b.s, "abc/def");
	T_EQ(lf_sbuf_set(&b, "", 0), 0);
	T_STREQ(b.s, "");
	lf_sbuf_free(&b);
	T_ASSERT(b.s == NULL && b.len == 0 && b.cap == 0);
}

int main(void)
{
	th_init(30);
	test_put_get();
	test_lru();
	test_memory_bound();
	test_real_heap();
	test_drop_under();
	test_rename_under();
	test_rename_bounded();
	test_never_fits();
	test_unbounded();
	test_sbuf();
	return 0;
}
