// SPDX-License-Identifier: MIT
/*
 * --format FMT: one line per record, laid out by the user, with
 * inotifywait's and fswatch's letters where they mean the same (%w%f, %e,
 * %Xe, %T, %0, %n; %p, %t) and %{NAME} for every field fanwatch knows.
 * Names (paths, process names) follow text output's quoting rule, each
 * run of names written next to each other (%w%f) as one token, so the
 * line stays unambiguous whatever a file is called; --raw and -0 write
 * them as they are.  -0 alone is --format %p with NUL after each record.
 *
 * The format is compiled once; a record is a walk over its items with no
 * parsing and no allocation.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "format.h"

static const struct {
	const char *name;
	char letter;		/* its inotifywait/fswatch letter, 0 if none */
	unsigned char field;
} fields[] = {
	{ "path", 'p', FF_PATH },
	{ "dir", 'w', FF_DIR },
	{ "name", 'f', FF_NAME },
	{ "new_path", 0, FF_NEW_PATH },
	{ "events", 'e', FF_EVENTS },
	{ "time", 'T', FF_TIME },
	{ "iso", 0, FF_ISO },
	{ "epoch", 0, FF_EPOCH },
	{ "pid", 0, FF_PID },
	{ "ppid", 0, FF_PPID },
	{ "uid", 0, FF_UID },
	{ "user", 0, FF_USER },
	{ "gid", 0, FF_GID },
	{ "comm", 0, FF_COMM },
	{ "exe", 0, FF_EXE },
	{ "cgroup", 0, FF_CGROUP },
	{ "mntns", 0, FF_MNTNS },
	{ "attribution", 0, FF_ATTRIBUTION },
	{ "dev", 0, FF_DEV },
	{ "ino", 0, FF_INO },
	{ "flags", 0, FF_FLAGS },
	{ "mount_id", 0, FF_MOUNT_ID },
	{ "error", 0, FF_ERROR },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

#define VALID "valid: %p %w %f %e %Xe %T %t %0 %n %% and %{NAME}, NAME one of path dir " \
	      "name new_path events time iso epoch pid ppid uid user gid comm exe cgroup mntns " \
	      "attribution dev ino flags mount_id error"

/* ---- compiling ---- */

struct compiler {
	const char *opt;	/* "--format" */
	const char *fmt;
	struct fw_format *f;
	size_t cap;
	char *lit;		/* literal being collected (in f->lits) */
	size_t litlen;
	char *lits_end;
};

__attribute__((noreturn)) static void bad(const struct compiler *c, const char *what, const char *at, size_t n)
{
	fw_usage_error("%s: %s '%.*s' in '%s' (%s)", c->opt, what, (int)n, at, c->fmt, VALID);
}

static struct fw_fitem *push(struct compiler *c)
{
	struct fw_format *f = c->f;

	if (f->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		f->items = realloc(f->items, c->cap * sizeof(*f->items));
		if (!f->items)
			fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	}
	f->items[f->n] = (struct fw_fitem){ 0 };
	return &f->items[f->n++];
}

/* End the literal being collected, if any. */
static void end_lit(struct compiler *c)
{
	struct fw_fitem *it;

	if (!c->litlen)
		return;
	it = push(c);
	it->field = FF_LIT;
	it->lit = c->lit;
	it->len = c->litlen;
	c->lit += c->litlen;
	c->litlen = 0;
}

/* Literal bytes never grow beyond the format's own length. */
static void add_lit(struct compiler *c, char ch)
{
	c->lit[c->litlen++] = ch;
}

static void add_field(struct compiler *c, unsigned char field, char sep)
{
	struct fw_fitem *it;
	size_t i;

	end_lit(c);
	it = push(c);
	it->field = field;
	it->sep = sep;
	it->glued = fw_field_is_name(field) && c->f->n > 1 &&
		    fw_field_is_name(c->f->items[c->f->n - 2].field);
	for (i = 0; i < NFIELDS; i++)
		if (fields[i].field == field)
			it->name = fields[i].name;
	if (field == FF_DEV || field == FF_INO)
		c->f->inode = true;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* A C escape at s ('\\' included); returns the characters read. */
static size_t escape(struct compiler *c, const char *s)
{
	static const char from[] = "ntr\\0ae", to[] = "\n\t\r\\\0\a\033";
	const char *p = s[1] ? strchr(from, s[1]) : NULL;
	int hi, lo;

	if (p) {
		add_lit(c, to[p - from]);
		return 2;
	}
	if (s[1] == 'x' && (hi = hexval(s[2])) >= 0) {
		lo = hexval(s[3]);
		add_lit(c, (char)(lo >= 0 ? hi * 16 + lo : hi));
		return lo >= 0 ? 4 : 3;
	}
	fw_usage_error("%s: unknown escape '%.*s' in '%s' (valid: \\n \\t \\r \\\\ \\0 \\a \\e "
		       "\\xHH)", c->opt, s[1] ? 2 : 1, s, c->fmt);
}

static int field_by_name(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (strlen(fields[i].name) == n && !memcmp(fields[i].name, name, n))
			return fields[i].field;
	return -1;
}

static int field_by_letter(char ch)
{
	size_t i;

	if (ch == 't')
		return FF_TIME;		/* fswatch's time */
	for (i = 0; i < NFIELDS; i++)
		if (fields[i].letter && fields[i].letter == ch)
			return fields[i].field;
	return -1;
}

/* A letter that means something after '%' (so "%Xe" cannot use it as X). */
static bool letter_known(char ch)
{
	return field_by_letter(ch) >= 0 || ch == '%' || ch == '0' || ch == 'n' || ch == '{' ||
	       ch == 'c';
}

/* A placeholder at s ('%' included); returns the characters read. */
static size_t placeholder(struct compiler *c, const char *s)
{
	const char *end;
	int field;

	switch (s[1]) {
	case '%': add_lit(c, '%'); return 2;
	case '0': add_lit(c, '\0'); return 2;
	case 'n': add_lit(c, '\n'); return 2;
	case 'c':
		fw_usage_error("%s: %%c (inotify's move cookie) has no fanotify equivalent: a "
			       "rename is one event, %%{new_path} is its new path", c->opt);
	case '{':
		end = strchr(s + 2, '}');
		if (!end)
			bad(c, "unterminated placeholder", s, strlen(s));
		field = field_by_name(s + 2, (size_t)(end - s - 2));
		if (field < 0)
			bad(c, "unknown placeholder", s, (size_t)(end - s + 1));
		add_field(c, (unsigned char)field, ',');
		return (size_t)(end - s + 1);
	case '\0':
		bad(c, "a lone", s, 1);
	}
	field = field_by_letter(s[1]);
	if (field >= 0) {
		add_field(c, (unsigned char)field, ',');
		return 2;
	}
	/* %Xe: the events separated by X (inotifywait) */
	if (!letter_known(s[1]) && s[1] != '\0' && s[2] == 'e') {
		add_field(c, FF_EVENTS, s[1]);
		return 3;
	}
	bad(c, "unknown placeholder", s, 2);
}

/* What the line writer does for each item: the common cases have their own. */
static void set_ops(struct fw_format *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		struct fw_fitem *it = &f->items[i];

		if (it->field == FF_LIT)
			it->op = it->len == 1 ? FOP_CHAR : FOP_LIT;
		else if (fw_field_is_name(it->field))
			it->op = i + 1 < f->n && f->items[i + 1].glued ? FOP_GROUP : FOP_NAME;
		else if (it->field == FF_TIME)
			it->op = FOP_TIME;
		else if (it->field == FF_EVENTS && it->sep == ',')
			it->op = FOP_EVENTS;
		else if (it->field == FF_PID)
			it->op = FOP_PID;
		else
			it->op = FOP_VALUE;
	}
}

static void compile(struct compiler *c)
{
	const char *s = c->fmt;

	while (*s) {
		if (*s == '%')
			s += placeholder(c, s);
		else if (*s == '\\')
			s += escape(c, s);
		else
			add_lit(c, *s++);
	}
	end_lit(c);
	set_ops(c->f);
}

/* --csv --format: placeholders separated by commas, nothing else. */
static void check_columns(const struct compiler *c)
{
	const struct fw_format *f = c->f;
	size_t i;

	for (i = 0; i < f->n; i++) {
		const struct fw_fitem *it = &f->items[i];
		bool want_lit = i % 2;

		if (want_lit && (it->field != FF_LIT || it->len != 1 || it->lit[0] != ','))
			fw_usage_error("%s with --csv: placeholders separated by commas only (the "
				       "columns), not '%s'", c->opt, c->fmt);
		if (!want_lit && it->field == FF_LIT)
			fw_usage_error("%s with --csv: placeholders separated by commas only (the "
				       "columns), not '%s'", c->opt, c->fmt);
	}
	if (!f->n || f->n % 2 == 0)
		fw_usage_error("%s with --csv: placeholders separated by commas only (the "
			       "columns), not '%s'", c->opt, c->fmt);
}

/* The columns of --csv without --format. */
#define CSV_DEFAULT "%{time},%{events},%{pid},%{comm},%{path},%{new_path},%{flags}"

struct fw_format *fw_format_new(enum fw_format_kind kind, const char *fmt, bool raw,
				const char *term, size_t term_len)
{
	struct fw_format *f = calloc(1, sizeof(*f));
	struct compiler c = { .opt = "--format", .fmt = fmt ? fmt : CSV_DEFAULT, .f = f };

	if (!f)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	f->kind = kind;
	f->raw = raw;
	memcpy(f->term, term, term_len);
	f->term_len = term_len;
	f->lits = malloc(strlen(c.fmt) + 1);
	if (!f->lits)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	c.lit = f->lits;
	if (kind == FW_FORMAT_LINE && !*c.fmt)
		fw_usage_error("--format: empty format");
	compile(&c);
	if (kind == FW_FORMAT_CSV)
		check_columns(&c);
	return f;
}

void fw_format_free(struct fw_format *f)
{
	if (!f)
		return;
	free(f->items);
	free(f->lits);
	free(f);
}

bool fw_format_wants_inode(const struct fw_format *f)
{
	return f && f->inode;
}

/* ---- the values of a record ---- */

bool fw_field_name_value(unsigned int field, const struct fw_record *rec, const char **s,
			 size_t *len)
{
	const struct fan_process *p = rec->proc;
	const struct fw_ident *id = rec->ident;
	const char *slash;

	switch (field) {
	case FF_PATH: *s = rec->path.s; *len = rec->path.len; break;
	case FF_NEW_PATH: *s = rec->new_path.s; *len = rec->new_path.len; break;
	case FF_COMM: *s = p ? p->comm : NULL; *len = *s ? strnlen(*s, 16) : 0; break;
	case FF_EXE: *s = p ? p->exe : NULL; *len = *s ? strlen(*s) : 0; break;
	case FF_USER: *s = id ? id->user : NULL; *len = *s ? strlen(*s) : 0; break;
	case FF_CGROUP: *s = id ? id->cgroup : NULL; *len = *s ? strlen(*s) : 0; break;
	case FF_DIR:
	case FF_NAME:
		*s = rec->path.s;
		if (!*s)
			break;
		/* "/a/b": "/a/" and "b"; a partial path (a name alone): "" and the name */
		slash = memrchr(rec->path.s, '/', rec->path.len);
		*len = slash ? (size_t)(slash - rec->path.s) + 1 : 0;
		if (field == FF_NAME) {
			*s += *len;
			*len = rec->path.len - *len;
		}
		break;
	default: *s = NULL; break;
	}
	return *s != NULL;
}

/* "open,modify" with sep between the names (fw_events_format() keeps recent ones). */
static size_t events_text(uint64_t mask, char sep, char *dst)
{
	size_t i, len = fw_events_format(mask, dst, FW_EVENTS_MAX);

	if (sep != ',')
		for (i = 0; i < len; i++)
			dst[i] = dst[i] == ',' ? sep : dst[i];
	return len;
}

static size_t flags_text(unsigned int flags, char *dst)
{
	static const struct { unsigned int bit; const char *name; } names[] = {
		{ FW_REC_DIR, "dir" }, { FW_REC_SYNTHETIC, "synthetic" },
		{ FW_REC_DELETED, "deleted" }, { FW_REC_PARTIAL, "partial" },
		{ FW_REC_UNVERIFIED, "unverified" },
		{ FW_REC_DENIED, "denied" }, { FW_REC_UNDECIDED, "undecidable" },
		{ FW_REC_NO_FD, "no_descriptor" },
	};
	size_t i, len = 0, n;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		if (len)
			dst[len++] = ',';
		n = strlen(names[i].name);
		memcpy(dst + len, names[i].name, n);
		len += n;
	}
	return len;
}

static size_t epoch_text(const struct timespec *ts, char *dst)
{
	size_t n = fw_fmt_i64(dst, (int64_t)ts->tv_sec);
	long us = ts->tv_nsec / 1000;
	int i;

	dst[n++] = '.';
	for (i = 5; i >= 0; i--, us /= 10)
		dst[n + (size_t)i] = (char)('0' + us % 10);
	return n + 6;
}

size_t fw_field_value(const struct fw_out *out, const struct fw_fitem *it,
		      const struct fw_record *rec, char *dst, bool csv)
{
	const struct fan_process *p = rec->proc;
	const struct fw_ident *id = rec->ident;
	bool overflow = rec->flags & FW_REC_OVERFLOW;
	const char *word;
	size_t n;

	switch (it->field) {
	case FF_EVENTS:
		return events_text(overflow ? FAN_Q_OVERFLOW : rec->events, it->sep, dst);
	case FF_TIME:
		if (out->tfmt) {
			memcpy(dst, out->user_time, out->user_time_len);
			return out->user_time_len;
		}
		if (csv) {
			memcpy(dst, out->json_time, out->json_time_len);
			return out->json_time_len;
		}
		memcpy(dst, out->text_time, out->text_time_len);
		return out->text_time_len;
	case FF_ISO:
		memcpy(dst, out->json_time, out->json_time_len);
		return out->json_time_len;
	case FF_EPOCH:
		return epoch_text(&out->now, dst);
	case FF_PID:
		return rec->pid > 0 ? fw_fmt_u64(dst, (uint64_t)rec->pid) : 0;
	case FF_PPID:
		return p && p->ppid > 0 ? fw_fmt_u64(dst, (uint64_t)p->ppid) : 0;
	case FF_UID:
		return p && p->uid != (uid_t)-1 ? fw_fmt_u64(dst, p->uid) : 0;
	case FF_GID:
		return p && p->gid != (gid_t)-1 ? fw_fmt_u64(dst, p->gid) : 0;
	case FF_MNTNS:
		return id && id->mntns ? fw_fmt_u64(dst, id->mntns) : 0;
	case FF_ATTRIBUTION:
		word = fw_attribution(rec->pid > 0 ? p : NULL);
		n = strlen(word);
		memcpy(dst, word, n);
		return n;
	case FF_DEV:
		if (!(rec->flags & FW_REC_DEV))
			return 0;
		n = fw_fmt_u64(dst, major(rec->dev));
		dst[n++] = ':';
		return n + fw_fmt_u64(dst + n, minor(rec->dev));
	case FF_INO:
		return rec->flags & FW_REC_INO ? fw_fmt_u64(dst, rec->ino) : 0;
	case FF_FLAGS:
		return flags_text(rec->flags, dst);
	case FF_MOUNT_ID:
		return rec->flags & FW_REC_MOUNT_ID ? fw_fmt_u64(dst, rec->mount_id) : 0;
	case FF_ERROR:
		return rec->flags & FW_REC_ERROR ? fw_fmt_i64(dst, rec->error) : 0;
	}
	return 0;
}

/* ---- one line ---- */

/*
 * What an unknown name looks like: text output's "?" for a path, "-" for a
 * process name or executable, and for the new path of what is no rename.
 */
static const char *unknown_name(unsigned int field, const struct fw_record *rec)
{
	if (field == FF_NEW_PATH && !(rec->flags & FW_REC_NEW_PATH))
		return "-";
	return field == FF_COMM || field == FF_EXE || field == FF_USER || field == FF_CGROUP ? "-" : "?";
}

static void put_name(struct fw_out *out, const char *s, size_t len, bool raw)
{
	if (raw)
		fw_out_put(out, s, len);
	else
		fw_text_path(out, s, len);
}

/* One name alone: as it is or quoted, or its unknown mark. */
static void put_one_name(struct fw_out *out, const struct fw_fitem *it, const struct fw_record *rec)
{
	const char *s;
	size_t len;

	if (fw_field_name_value(it->field, rec, &s, &len))
		put_name(out, s, len, out->fmt->raw);
	else
		fw_out_put(out, unknown_name(it->field, rec), 1);
}

/* Names glued together (%w%f): one token.  Returns the items used. */
static size_t put_names(struct fw_out *out, const struct fw_fitem *it, size_t left,
			const struct fw_record *rec)
{
	static char *buf;
	static size_t cap;
	size_t n = 1, total = 0, len;
	const char *s;
	bool any = false;

	while (n < left && it[n].glued)
		n++;
	for (size_t i = 0; i < n; i++) {
		if (!fw_field_name_value(it[i].field, rec, &s, &len))
			continue;
		if (total + len > cap) {
			cap = (total + len) * 2;
			buf = realloc(buf, cap);
			if (!buf)
				fw_fatal(FW_EXIT_RUNTIME, "out of memory");
		}
		memcpy(buf + total, s, len);
		total += len;
		any = true;
	}
	if (any)
		put_name(out, buf ? buf : "", total, out->fmt->raw);
	else
		fw_out_put(out, unknown_name(it->field, rec), 1);
	return n;
}

/* A field that is not a name, '-' if unknown. */
static void put_value(struct fw_out *out, const struct fw_fitem *it, const struct fw_record *rec)
{
	char *d = fw_out_reserve(out, FW_FIELD_MAX);
	size_t n = fw_field_value(out, it, rec, d, false);

	if (!n)
		*d = '-', n = 1;
	out->len += n;
}

static void line_record(struct fw_out *out, const struct fw_record *rec)
{
	const struct fw_format *f = out->fmt;
	const struct fw_fitem *it = f->items, *end = it + f->n;
	char *d;

	while (it < end) {
		switch (it->op) {
		case FOP_CHAR:
			*fw_out_reserve(out, 1) = it->lit[0];
			out->len++;
			break;
		case FOP_LIT:
			fw_out_put(out, it->lit, it->len);
			break;
		case FOP_NAME:
			put_one_name(out, it, rec);
			break;
		case FOP_GROUP:
			it += put_names(out, it, (size_t)(end - it), rec);
			continue;
		case FOP_TIME:
			if (out->tfmt)
				fw_out_put(out, out->user_time, out->user_time_len);
			else
				fw_out_put(out, out->text_time, out->text_time_len);
			break;
		case FOP_EVENTS:
			d = fw_out_reserve(out, FW_EVENTS_MAX);
			out->len += fw_events_format(rec->flags & FW_REC_OVERFLOW ? FAN_Q_OVERFLOW :
						     rec->events, d, FW_EVENTS_MAX);
			break;
		case FOP_PID:
			d = fw_out_reserve(out, 24);
			if (rec->pid > 0)
				out->len += fw_fmt_u64(d, (uint64_t)rec->pid);
			else
				*d = '-', out->len++;
			break;
		default:
			put_value(out, it, rec);
			break;
		}
		it++;
	}
	fw_out_put(out, f->term, f->term_len);
}

void fw_format_record(struct fw_out *out, const struct fw_record *rec)
{
	line_record(out, rec);
}
