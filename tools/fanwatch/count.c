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
	uint64_t *ev;		/* --interval: per column (watched event) counts (arena), else NULL */
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
	/* --interval (i15): a column per watched event, in each path's and process's entry */
	size_t ncols;
	int col_of[32];		/* fw_event_names index -> column, -1 if none */
	int colev[32];		/* column -> fw_event_names index */
};

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;

	while (n--)
		h = (h ^ *s++) * 0x100000001b3ull;
	return h ^ (h >> 31);
}

/* n bytes in the arena; align: aligned for uint64_t. */
static char *arena_take(struct fw_count *c, size_t n, bool align)
{
	struct arena *a = c->arena;
	char *d;

	if (a && align)
		a->used = (a->used + 7) & ~(size_t)7;
	if (!a || a->used > a->cap || a->cap - a->used < n) {
		size_t cap = n > (1u << 20) ? n : (1u << 20);

		a = malloc(sizeof(*a) + cap);
		if (!a)
			fw_fatal(FW_EXIT_RUNTIME, "out of memory");
		a->next = c->arena;
		a->used = 0;
		a->cap = cap;
		c->arena = a;
	}
	d = a->data + a->used;
	a->used += n;
	return d;
}

static void *arena_alloc(struct fw_count *c, size_t n)
{
	return arena_take(c, n, true);
}

static const char *arena_copy(struct fw_count *c, const char *s, size_t len)
{
	char *d = arena_take(c, len + 1, false);

	memcpy(d, s, len);
	d[len] = '\0';
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
	if (c->ncols && t != &c->names) {
		e->ev = arena_alloc(c, c->ncols * sizeof(*e->ev));
		memset(e->ev, 0, c->ncols * sizeof(*e->ev));
	}
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

/* --interval: each event of the record in its column (i15). */
static void count_columns(struct fw_count *c, struct centry *e, uint64_t ev)
{
	size_t i;

	if (!e->ev)
		return;
	for (i = 0; i < c->ncols; i++)
		if (ev & fw_event_names[c->colev[i]].bit)
			e->ev[i]++;
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
	if (rec->path.s) {
		e = table_get(c, &c->paths, rec->path.s, rec->path.len, 0);
		e->count++;
		count_columns(c, e, ev);
	}
	comm = process_name(c, rec->pid, comm);
	e = table_get(c, &c->procs, comm ? comm : "", comm ? strlen(comm) : 0, rec->pid);
	e->known = comm != NULL;
	e->count++;
	count_columns(c, e, ev);
}

/* --sort (i15): the column compared first (ctx: int *, -1 for the total). */
static int by_column(const void *a, const void *b, void *ctx)
{
	const struct centry *x = a, *y = b;
	int col = *(const int *)ctx;

	if (col >= 0 && x->ev[col] != y->ev[col])
		return x->ev[col] < y->ev[col] ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->key, y->key, x->len);
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

/* ,"pid":N,"comm":"..."} of a process row (null where unknown) */
static void json_process_end(struct fw_out *out, const struct centry *e)
{
	put_lit(out, ",\"pid\":");
	if (e->pid > 0)
		put_u64(out, (uint64_t)e->pid);
	else
		put_lit(out, "null");
	fw_json_bytes(out, "comm", e->known ? e->key : NULL, e->len);
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
		json_process_end(out, &procs[i]);
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

/* ---- the --interval view (i15): a table per interval ---- */

void fw_count_columns(struct fw_count *c, uint64_t events)
{
	size_t i;

	c->ncols = 0;
	for (i = 0; i < fw_event_count && i < 32; i++) {
		c->col_of[i] = -1;
		if (!(events & fw_event_names[i].bit) || fw_event_names[i].bit == FAN_Q_OVERFLOW)
			continue;
		c->col_of[i] = (int)c->ncols;
		c->colev[c->ncols++] = (int)i;
	}
}

/* Start the next interval: every count back to zero, the memory kept for it. */
void fw_count_reset(struct fw_count *c)
{
	struct arena *a, *next;

	if (c->arena) {
		for (a = c->arena->next; a; a = next) {
			next = a->next;
			free(a);
		}
		c->arena->next = NULL;
		c->arena->used = 0;
	}
	memset(c->per_event, 0, sizeof(c->per_event));
	c->total = 0;
	if (c->paths.e)
		memset(c->paths.e, 0, c->paths.cap * sizeof(*c->paths.e));
	if (c->procs.e)
		memset(c->procs.e, 0, c->procs.cap * sizeof(*c->procs.e));
	if (c->names.e)
		memset(c->names.e, 0, c->names.cap * sizeof(*c->names.e));
	c->paths.n = c->procs.n = c->names.n = 0;
}

static struct centry *sorted_by(const struct ctable *t, int col)
{
	struct centry *v = malloc((t->n ? t->n : 1) * sizeof(*v));
	size_t i, n = 0;

	if (!v)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	for (i = 0; i < t->cap; i++)
		if (t->e[i].key)
			v[n++] = t->e[i];
	qsort_r(v, n, sizeof(*v), by_column, &col);
	return v;
}

/* Width of column i: its event's name, at least 6 characters. */
static size_t col_width(const struct fw_count *c, size_t i)
{
	size_t n = strlen(fw_event_names[c->colev[i]].name);

	return n < 6 ? 6 : n;
}

/* v right-aligned in width w, then two spaces. */
static void put_num_col(struct fw_out *out, uint64_t v, size_t w)
{
	char num[24];
	size_t n = fw_fmt_u64(num, v);
	char *p = fw_out_reserve(out, (n > w ? n : w) + 2);

	memset(p, ' ', w > n ? w - n : 0);
	memcpy(p + (w > n ? w - n : 0), num, n);
	memcpy(p + (n > w ? n : w), "  ", 2);
	out->len += (n > w ? n : w) + 2;
}

static void put_word_col(struct fw_out *out, const char *s, size_t w)
{
	size_t n = strlen(s);
	char *p = fw_out_reserve(out, (n > w ? n : w) + 2);

	memset(p, ' ', w > n ? w - n : 0);
	memcpy(p + (w > n ? w - n : 0), s, n);
	memcpy(p + (n > w ? n : w), "  ", 2);
	out->len += (n > w ? n : w) + 2;
}

/* The end of a line: on a terminal, clear what an earlier, longer line left there. */
static void eol(struct fw_out *out, bool tty)
{
	if (tty)
		fw_out_put(out, "\033[K", 3);
	fw_out_put(out, "\n", 1);
}

static void head_row(const struct fw_count *c, struct fw_out *out, const char *last, bool tty)
{
	size_t i;

	put_word_col(out, "total", 8);
	for (i = 0; i < c->ncols; i++)
		put_word_col(out, fw_event_names[c->colev[i]].name, col_width(c, i));
	fw_out_put(out, last, strlen(last));
	eol(out, tty);
}

static void count_row(const struct fw_count *c, struct fw_out *out, const struct centry *e)
{
	size_t i;

	put_num_col(out, e->count, 8);
	for (i = 0; i < c->ncols; i++)
		put_num_col(out, e->ev[i], col_width(c, i));
}

static void text_view(struct fw_count *c, struct fw_out *out, const struct fw_view *v)
{
	struct centry *paths = sorted_by(&c->paths, v->sort), *procs = sorted_by(&c->procs, v->sort);
	size_t np = c->paths.n < v->rows ? c->paths.n : v->rows;
	size_t nq = c->procs.n < v->rows ? c->procs.n : v->rows, i;
	char line[512];

	if (v->tty)
		fw_out_put(out, "\033[H", 3);
	fw_out_put(out, line, (size_t)snprintf(line, sizeof(line),
		"fanwatch: %s to %s (%.1f s): %llu events, %zu paths, %zu processes; by %s",
		v->start, v->end, v->seconds, (unsigned long long)c->total, c->paths.n,
		c->procs.n, v->sort < 0 ? "total" : fw_event_names[v->sort].name));
	if (c->per_event[fw_event_index(FAN_Q_OVERFLOW)])
		fw_out_put(out, line, (size_t)snprintf(line, sizeof(line),
			"; %llu overflows: events were lost",
			(unsigned long long)c->per_event[fw_event_index(FAN_Q_OVERFLOW)]));
	eol(out, v->tty);
	head_row(c, out, "path", v->tty);
	for (i = 0; i < np; i++) {
		count_row(c, out, &paths[i]);
		fw_text_path(out, paths[i].key, paths[i].len);
		eol(out, v->tty);
	}
	eol(out, v->tty);
	head_row(c, out, "    pid  comm", v->tty);
	for (i = 0; i < nq; i++) {
		count_row(c, out, &procs[i]);
		fw_out_put(out, line, (size_t)snprintf(line, sizeof(line), "%7d  ", (int)procs[i].pid));
		if (procs[i].known)
			fw_text_path(out, procs[i].key, procs[i].len);
		else
			fw_out_put(out, "-", 1);
		eol(out, v->tty);
	}
	if (v->tty)
		fw_out_put(out, "\033[J", 3);	/* what an earlier, longer table left below */
	else
		fw_out_put(out, "\n", 1);
	free(paths);
	free(procs);
}

static void json_counts(const struct fw_count *c, struct fw_out *out, const struct centry *e)
{
	size_t i;
	bool first = true;

	put_lit(out, "{\"count\":");
	put_u64(out, e->count);
	put_lit(out, ",\"events\":{");
	for (i = 0; i < c->ncols; i++) {
		if (!e->ev[i])
			continue;
		put_lit(out, first ? "\"" : ",\"");
		put_lit(out, fw_event_names[c->colev[i]].name);
		put_lit(out, "\":");
		put_u64(out, e->ev[i]);
		first = false;
	}
	put_lit(out, "}");
}

static void json_view(struct fw_count *c, struct fw_out *out, const struct fw_view *v)
{
	struct centry *paths = sorted_by(&c->paths, v->sort), *procs = sorted_by(&c->procs, v->sort);
	char num[64];
	size_t i;

	put_lit(out, "{\"interval\":true,\"start\":\"");
	put_lit(out, v->start_json);
	put_lit(out, "\",\"time\":\"");
	fw_out_put(out, out->json_time, out->json_time_len);
	put_lit(out, "\",\"seconds\":");
	fw_out_put(out, num, (size_t)snprintf(num, sizeof(num), "%.3f", v->seconds));
	put_lit(out, ",\"total\":");
	put_u64(out, c->total);
	json_events(c, out);
	put_lit(out, ",\"paths_total\":");
	put_u64(out, c->paths.n);
	put_lit(out, ",\"paths\":[");
	for (i = 0; i < c->paths.n && i < v->rows; i++) {
		put_lit(out, i ? "," : "");
		json_counts(c, out, &paths[i]);
		fw_json_bytes(out, "path", paths[i].key, paths[i].len);
		put_lit(out, "}");
	}
	put_lit(out, "],\"processes_total\":");
	put_u64(out, c->procs.n);
	put_lit(out, ",\"processes\":[");
	for (i = 0; i < c->procs.n && i < v->rows; i++) {
		put_lit(out, i ? "," : "");
		json_counts(c, out, &procs[i]);
		json_process_end(out, &procs[i]);
	}
	put_lit(out, "]}\n");
	free(paths);
	free(procs);
}

void fw_count_view(struct fw_count *c, struct fw_out *out, const struct fw_view *v)
{
	if (out->json)
		json_view(c, out, v);
	else
		text_view(c, out, v);
}
