// SPDX-License-Identifier: MIT
/*
 * The path map (src/pathmap.c) driven by random operations and compared
 * with a model: a plain map that never forgets.  An unbounded cache must equal the
 * model; a bounded one may forget entries but never lie (a hit always gives
 * the model's path), never exceed its limit, and never refuse a short path.
 *
 * Input: byte 0 picks the limit (0: unbounded), then operations of one
 * opcode byte and their argument bytes.  Paths are built from a few
 * components so that prefixes, siblings ("/a" and "/ab") and renames into
 * one's own subtree come up often.  Renames of "/" itself are skipped: the
 * root directory cannot be renamed.
 */
#include <errno.h>
#include <string.h>

#include "pathmap.h"
#include "fuzz.h"

#define NKEYS 16
#define SHORT_PATH 256

struct input {
	const uint8_t *p;
	size_t n;
};

struct model {
	char *path[NKEYS];	/* NULL: absent */
	size_t len[NKEYS];
};

static uint8_t next(struct input *in)
{
	uint8_t b = 0;

	if (in->n) {
		b = *in->p++;
		in->n--;
	}
	return b;
}

/* Key id's bytes: distinct first byte, length 1..4. */
static size_t key_of(unsigned int id, unsigned char key[4])
{
	size_t i, len = 1 + id % 4;

	for (i = 0; i < len; i++)
		key[i] = (unsigned char)(id * 17 + i);
	return len;
}

/* "/" or up to four components from a small set. */
static size_t path_of(struct input *in, char *out)
{
	static const char *const comps[] = { "a", "b", "ab", "a b", "\xc3\xa9", "x", "a.", "b" };
	uint8_t b = next(in);
	size_t depth = b & 3, len = 0, i;

	if (depth == 0 && (b & 4))
		depth = 4;
	for (i = 0; i < depth; i++) {
		const char *c = comps[(next(in) >> (i & 1)) & 7];

		out[len++] = '/';
		memcpy(out + len, c, strlen(c));
		len += strlen(c);
	}
	if (!len)
		out[len++] = '/';
	out[len] = '\0';
	return len;
}

static int under(const char *p, size_t plen, const char *prefix, size_t len)
{
	if (plen < len || memcmp(p, prefix, len))
		return 0;
	return plen == len || p[len] == '/' || (len == 1 && prefix[0] == '/');
}

static void model_set(struct model *m, unsigned int id, const char *p, size_t len)
{
	free(m->path[id]);
	m->path[id] = NULL;
	if (!p)
		return;
	m->path[id] = malloc(len + 1);
	CHECK(m->path[id]);
	memcpy(m->path[id], p, len);
	m->path[id][len] = '\0';
	m->len[id] = len;
}

static size_t model_count(const struct model *m)
{
	size_t i, n = 0;

	for (i = 0; i < NKEYS; i++)
		n += m->path[i] != NULL;
	return n;
}

/* A lookup: equal to the model when unbounded; a miss or the model's path when bounded. */
static void check_get(struct pathmap *c, const struct model *m, unsigned int id, int bounded)
{
	unsigned char key[4];
	size_t klen = key_of(id, key), plen = 0;
	const char *p = lf_pathmap_get(c, key, klen, &plen);

	if (!m->path[id]) {
		CHECK(p == NULL);
		return;
	}
	if (!p) {
		CHECK(bounded);
		return;
	}
	CHECK(plen == m->len[id] && !memcmp(p, m->path[id], plen) && p[plen] == '\0');
}

static void op_put(struct pathmap *c, struct model *m, unsigned int id, const char *p,
		   size_t len, int bounded)
{
	unsigned char key[4];
	size_t klen = key_of(id, key), got = 0;
	int r = lf_pathmap_put(c, key, klen, p, len);

	if (r == -ENOSPC) {
		/* Only in a bounded cache, only for what never fits; the old path is gone. */
		CHECK(bounded && len >= SHORT_PATH);
		CHECK(lf_pathmap_get(c, key, klen, &got) == NULL);
		model_set(m, id, NULL, 0);
		return;
	}
	CHECK(r == 0);
	model_set(m, id, p, len);
	CHECK(lf_pathmap_get(c, key, klen, &got) != NULL && got == len);
}

static void op_drop(struct pathmap *c, struct model *m, const char *prefix, size_t len)
{
	unsigned int i;

	lf_pathmap_drop_under(c, prefix, len);
	for (i = 0; i < NKEYS; i++)
		if (m->path[i] && under(m->path[i], m->len[i], prefix, len))
			model_set(m, i, NULL, 0);
}

static void op_rename(struct pathmap *c, struct model *m, const char *prefix, size_t len,
		      const char *newp, size_t newlen)
{
	unsigned int i;

	lf_pathmap_rename_under(c, prefix, len, newp, newlen);
	for (i = 0; i < NKEYS; i++) {
		size_t rest;
		char *buf;

		if (!m->path[i] || !under(m->path[i], m->len[i], prefix, len))
			continue;
		/* Renames into one's own subtree make paths grow without bound. */
		rest = m->len[i] - len;
		buf = malloc(newlen + rest + 1);
		CHECK(buf);
		memcpy(buf, newp, newlen);
		memcpy(buf + newlen, m->path[i] + len, rest);
		model_set(m, i, buf, newlen + rest);
		free(buf);
	}
}

static void run(struct pathmap *c, struct model *m, struct input *in, size_t limit)
{
	char a[SHORT_PATH], b[SHORT_PATH], *big;
	size_t alen, blen, n;
	unsigned int id;

	while (in->n) {
		switch (next(in) % 6) {
		case 0:
			id = next(in) % NKEYS;
			alen = path_of(in, a);
			op_put(c, m, id, a, alen, limit != 0);
			break;
		case 1:
			check_get(c, m, next(in) % NKEYS, limit != 0);
			break;
		case 2:
			alen = path_of(in, a);
			op_drop(c, m, a, alen);
			break;
		case 3:
			alen = path_of(in, a);
			blen = path_of(in, b);
			if (alen > 1)
				op_rename(c, m, a, alen, b, blen);
			break;
		case 4:
			lf_pathmap_clear(c);
			CHECK(lf_pathmap_count(c) == 0);
			for (id = 0; id < NKEYS; id++)
				model_set(m, id, NULL, 0);
			break;
		case 5:
			/* A long path: may never fit a small cache. */
			id = next(in) % NKEYS;
			n = (size_t)next(in) * 97 + SHORT_PATH;
			big = malloc(n);
			CHECK(big);
			memset(big, 'L', n);
			big[0] = '/';
			op_put(c, m, id, big, n, limit != 0);
			free(big);
			break;
		}
		CHECK(!limit || lf_pathmap_bytes(c) <= limit);
		CHECK(lf_pathmap_count(c) <= model_count(m));
		CHECK(limit || lf_pathmap_count(c) == model_count(m));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint8_t l = next(&in);
	/* Small limits (a few entries) evict often; a short path always fits. */
	size_t limit = l ? 2048 + (size_t)l * 64 : 0;
	struct pathmap *c = lf_pathmap_new(limit);
	struct model m;
	unsigned int id;

	CHECK(c);
	memset(&m, 0, sizeof(m));
	run(c, &m, &in, limit);
	for (id = 0; id < NKEYS; id++)
		check_get(c, &m, id, limit != 0);
	lf_pathmap_free(c);
	for (id = 0; id < NKEYS; id++)
		model_set(&m, id, NULL, 0);
	return 0;
}
