// SPDX-License-Identifier: MIT
/*
 * --count: tallies per event type, per path and per process, printed
 * busiest first when fanwatch stops.  Paths and process names are kept in
 * an arena (no allocation for a path seen before); the tables grow by
 * doubling.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanwatch.h"

struct centry {
	uint64_t hash;
	uint64_t count;
	const char *key;	/* in the arena */
	size_t len;
	pid_t pid;		/* processes: the pid (0 unknown) */
	bool known;		/* processes: comm known */
	const char *last_name;	/* names: the last name of this pid (arena) */
};

struct ctable {
	struct centry *e;
	size_t cap, n;
};

struct arena {
	struct arena *next;
	size_t used, cap;
	char data[];
};

struct fw_count {
	uint64_t per_event[32];
	uint64_t total;
	struct ctable paths, procs;
	struct ctable names;	/* pid -> the last name seen for it (key "" + pid) */
	struct arena *arena;
};

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;

	while (n--)
		h = (h ^ *s++) * 0x100000001b3ull;
	return h ^ (h >> 31);
}

static const char *arena_copy(struct fw_count *c, const char *s, size_t len)
{
	struct arena *a = c->arena;
	char *d;

	if (!a || a->cap - a->used < len + 1) {
		size_t cap = len + 1 > (1u << 20) ? len + 1 : (1u << 20);

		a = malloc(sizeof(*a) + cap);
		if (!a)
			fw_fatal(FW_EXIT_RUNTIME, "out of memory");
		a->next = c->arena;
		a->used = 0;
		a->cap = cap;
		c->arena = a;
	}
	d = a->data + a->used;
	memcpy(d, s, len);
	d[len] = '\0';
	a->used += len + 1;
	return d;
}

static void table_grow(struct ctable *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024, i, j;
	struct centry *e = calloc(cap, sizeof(*e));

	if (!e)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	for (i = 0; i < t->cap; i++) {
		if (!t->e[i].key)
			continue;
		for (j = t->e[i].hash & (cap - 1); e[j].key; j = (j + 1) & (cap - 1))
			;
		e[j] = t->e[i];
	}
	free(t->e);
	t->e = e;
	t->cap = cap;
}

/* Find or add the entry for (key, pid). */
static struct centry *table_get(struct fw_count *c, struct ctable *t, const char *key,
				size_t len, pid_t pid)
{
	uint64_t h = hash_bytes(key, len, 0xcbf29ce484222325ull ^ (uint64_t)pid);
	struct centry *e;
	size_t j;

	if ((t->n + 1) * 2 > t->cap)
		table_grow(t);
	for (j = h & (t->cap - 1);; j = (j + 1) & (t->cap - 1)) {
		e = &t->e[j];
		if (!e->key)
			break;
		if (e->hash == h && e->len == len && e->pid == pid && !memcmp(e->key, key, len))
			return e;
	}
	*e = (struct centry){ .hash = h, .key = arena_copy(c, key, len), .len = len, .pid = pid };
	t->n++;
	return e;
}

struct fw_count *fw_count_new(void)
{
	struct fw_count *c = calloc(1, sizeof(*c));

	if (!c)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	return c;
}

/*
 * A process counts under (pid, name): an exec starts a new line.  An
 * event whose process had exited before it could be named counts with
 * the last name seen for that pid.
 */
static const char *process_name(struct fw_count *c, pid_t pid, const char *comm)
{
	struct centry *n;

	if (pid <= 0)
		return comm;
	n = table_get(c, &c->names, "", 0, pid);
	if (comm && (!n->last_name || strcmp(n->last_name, comm)))
		n->last_name = arena_copy(c, comm, strlen(comm));
	return comm ? comm : n->last_name;
}

void fw_count_add(struct fw_count *c, const struct fw_record *rec)
{
	uint64_t ev = rec->flags & FW_REC_OVERFLOW ? FAN_Q_OVERFLOW : rec->events;
	const char *comm = rec->proc ? rec->proc->comm : NULL;
	struct centry *e;
	size_t i;

	c->total++;
	for (i = 0; i < fw_event_count; i++)
		if (ev & fw_event_names[i].bit)
			c->per_event[i]++;
	if (rec->flags & FW_REC_OVERFLOW)
		return;
	if (rec->path.s)
		table_get(c, &c->paths, rec->path.s, rec->path.len, 0)->count++;
	comm = process_name(c, rec->pid, comm);
	e = table_get(c, &c->procs, comm ? comm : "", comm ? strlen(comm) : 0, rec->pid);
	e->known = comm != NULL;
	e->count++;
}

static int by_count(const void *a, const void *b)
{
	const struct centry *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->key, y->key, x->len);
}

/* The table's entries, busiest first (caller frees). */
static struct centry *sorted(const struct ctable *t)
{
	struct centry *v = malloc((t->n ? t->n : 1) * sizeof(*v));
	size_t i, n = 0;

	if (!v)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	for (i = 0; i < t->cap; i++)
		if (t->e[i].key)
			v[n++] = t->e[i];
	qsort(v, n, sizeof(*v), by_count);
	return v;
}

static void put_count(struct fw_out *out, uint64_t n)
{
	char num[24], *p;
	size_t len = fw_fmt_u64(num, n);

	p = fw_out_reserve(out, 24);
	memset(p, ' ', 12);
	memcpy(p + (len < 10 ? 10 - len : 0), num, len);
	out->len += (len < 10 ? 10 : len) + 2;
}

static void text_report(struct fw_count *c, struct fw_out *out, unsigned int top)
{
	struct centry *paths = sorted(&c->paths), *procs = sorted(&c->procs);
	char line[128];
	size_t i;

	fw_out_put(out, line, (size_t)snprintf(line, sizeof(line), "events (%llu):\n",
						(unsigned long long)c->total));
	for (i = 0; i < fw_event_count; i++) {
		if (!c->per_event[i])
			continue;
		put_count(out, c->per_event[i]);
		fw_out_put(out, fw_event_names[i].name, strlen(fw_event_names[i].name));
		fw_out_put(out, "\n", 1);
	}
	fw_out_put(out, line, (size_t)snprintf(line, sizeof(line), "paths (%zu busiest of %zu):\n",
						c->paths.n < top ? c->paths.n : top, c->paths.n));
	for (i = 0; i < c->paths.n && i < top; i++) {
		put_count(out, paths[i].count);
		fw_text_path(out, paths[i].key, paths[i].len);
		fw_out_put(out, "\n", 1);
	}
	fw_out_put(out, line, (size_t)snprintf(line, sizeof(line),
						"processes (%zu busiest of %zu):\n",
						c->procs.n < top ? c->procs.n : top, c->procs.n));
	for (i = 0; i < c->procs.n && i < top; i++) {
		put_count(out, procs[i].count);
		fw_out_put(out, line, (size_t)snprintf(line, sizeof(line), "%7d ", (int)procs[i].pid));
		if (procs[i].known)
			fw_text_path(out, procs[i].key, procs[i].len);
		else
			fw_out_put(out, "-", 1);
		fw_out_put(out, "\n", 1);
	}
	free(paths);
	free(procs);
}

static void put_lit(struct fw_out *out, const char *s)
{
	fw_out_put(out, s, strlen(s));
}

static void put_u64(struct fw_out *out, uint64_t v)
{
	char num[24];

	fw_out_put(out, num, fw_fmt_u64(num, v));
}

static void json_events(struct fw_count *c, struct fw_out *out)
{
	bool first = true;
	size_t i;

	put_lit(out, ",\"events\":{");
	for (i = 0; i < fw_event_count; i++) {
		if (!c->per_event[i])
			continue;
		put_lit(out, first ? "\"" : ",\"");
		put_lit(out, fw_event_names[i].name);
		put_lit(out, "\":");
		put_u64(out, c->per_event[i]);
		first = false;
	}
	put_lit(out, "}");
}

static void json_report(struct fw_count *c, struct fw_out *out, unsigned int top)
{
	struct centry *paths = sorted(&c->paths), *procs = sorted(&c->procs);
	size_t i;

	put_lit(out, "{\"summary\":true,\"time\":\"");
	fw_out_put(out, out->json_time, out->json_time_len);
	put_lit(out, "\",\"total\":");
	put_u64(out, c->total);
	json_events(c, out);
	put_lit(out, ",\"paths_total\":");
	put_u64(out, c->paths.n);
	put_lit(out, ",\"paths\":[");
	for (i = 0; i < c->paths.n && i < top; i++) {
		put_lit(out, i ? ",{\"count\":" : "{\"count\":");
		put_u64(out, paths[i].count);
		fw_json_bytes(out, "path", paths[i].key, paths[i].len);
		put_lit(out, "}");
	}
	put_lit(out, "],\"processes_total\":");
	put_u64(out, c->procs.n);
	put_lit(out, ",\"processes\":[");
	for (i = 0; i < c->procs.n && i < top; i++) {
		put_lit(out, i ? ",{\"count\":" : "{\"count\":");
		put_u64(out, procs[i].count);
		put_lit(out, ",\"pid\":");
		if (procs[i].pid > 0)
			put_u64(out, (uint64_t)procs[i].pid);
		else
			put_lit(out, "null");
		fw_json_bytes(out, "comm", procs[i].known ? procs[i].key : NULL, procs[i].len);
		put_lit(out, "}");
	}
	put_lit(out, "]}\n");
	free(paths);
	free(procs);
}

void fw_count_report(struct fw_count *c, struct fw_out *out, unsigned int top)
{
	fw_out_stamp(out);
	if (out->json)
		json_report(c, out, top);
	else
		text_report(c, out, top);
}

void fw_count_free(struct fw_count *c)
{
	struct arena *a, *next;

	if (!c)
		return;
	for (a = c->arena; a; a = next) {
		next = a->next;
		free(a);
	}
	free(c->paths.e);
	free(c->procs.e);
	free(c->names.e);
	free(c);
}
