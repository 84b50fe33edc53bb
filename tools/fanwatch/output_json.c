// SPDX-License-Identifier: MIT
/*
 * JSON Lines output, one object per event.  Strings are always valid
 * UTF-8 JSON: valid UTF-8 is kept, '"', '\\' and control characters are
 * escaped, every invalid byte becomes U+FFFD; when that happened, a
 * sibling "<key>_raw" field carries the exact bytes in base64 (the
 * documented recovery rule: path_raw, new_path_raw, comm_raw, exe_raw).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "fanwatch.h"

/* 1: copy as is (printable ASCII but '"' and '\\'); 0: needs a look (escape, or non-ASCII to validate). */
static const unsigned char plain[256] = {
	[0x20 ... 0x21] = 1,	/* '"' is 0x22 */
	[0x23 ... 0x5b] = 1,	/* '\\' is 0x5c */
	[0x5d ... 0x7e] = 1,
};

static const char hex[] = "0123456789abcdef";

static char *put_u_escape(char *p, uint32_t c)
{
	memcpy(p, "\\u", 2);
	p[2] = hex[(c >> 12) & 15];
	p[3] = hex[(c >> 8) & 15];
	p[4] = hex[(c >> 4) & 15];
	p[5] = hex[c & 15];
	return p + 6;
}

/* One byte or sequence that is not plain ASCII; *replaced set on invalid bytes. */
static size_t put_special(char **pp, const unsigned char *s, size_t left, bool *replaced)
{
	char *p = *pp;
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80) {
		switch (s[0]) {
		case '"': memcpy(p, "\\\"", 2); p += 2; break;
		case '\\': memcpy(p, "\\\\", 2); p += 2; break;
		case '\n': memcpy(p, "\\n", 2); p += 2; break;
		case '\t': memcpy(p, "\\t", 2); p += 2; break;
		case '\r': memcpy(p, "\\r", 2); p += 2; break;
		default: p = put_u_escape(p, s[0]); break;
		}
		*pp = p;
		return 1;
	}
	n = fw_utf8_seq(s, left, &cp);
	if (!n) {
		memcpy(p, "\xef\xbf\xbd", 3);	/* U+FFFD */
		*pp = p + 3;
		*replaced = true;
		return 1;
	}
	if (cp == 0x2028 || cp == 0x2029) {
		/* valid JSON raw, but JavaScript line terminators: escape */
		*pp = put_u_escape(p, cp);
		return n;
	}
	memcpy(p, s, n);
	*pp = p + n;
	return n;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Any byte of x zero (exact, as a whole: no false positive). */
static inline uint64_t zero_byte(uint64_t x)
{
	return (x - ONES) & ~x & HIGHS;
}

/* Eight bytes that are all plain: none below 0x20, none from 0x7f, no '"', no '\\'. */
static inline bool plain8(uint64_t x)
{
	return !(zero_byte(x & ~(ONES * 0x1f)) | (x & HIGHS) | zero_byte(x ^ (ONES * 0x7f)) |
		 zero_byte(x ^ (ONES * '"')) | zero_byte(x ^ (ONES * '\\')));
}

/* End of the run of plain bytes from i: eight at a time, then one by one. */
static size_t plain_end(const unsigned char *s, size_t i, size_t len)
{
	uint64_t x;

	for (; i + 8 <= len; i += 8) {
		memcpy(&x, s + i, 8);
		if (!plain8(x))
			break;
	}
	while (i < len && plain[s[i]])
		i++;
	return i;
}

/* The string's body into the buffer; returns whether bytes were replaced. */
static bool put_string_body(struct fw_out *out, const unsigned char *s, size_t len)
{
	/* worst case 6 bytes out per byte in ("\u001f") */
	char *start = fw_out_reserve(out, len * 6 + 2), *p = start;
	bool replaced = false;
	size_t i = 0, run;

	*p++ = '"';
	while (i < len) {
		run = plain_end(s, i, len);
		memcpy(p, s + i, run - i);
		p += run - i;
		i = run;
		if (i < len)
			i += put_special(&p, s + i, len - i, &replaced);
	}
	*p++ = '"';
	out->len += (size_t)(p - start);
	return replaced;
}

static void put_base64(struct fw_out *out, const unsigned char *s, size_t len)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *start = fw_out_reserve(out, (len + 2) / 3 * 4 + 2), *p = start;
	size_t i;

	*p++ = '"';
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];

		*p++ = b64[v >> 18];
		*p++ = b64[(v >> 12) & 63];
		*p++ = b64[(v >> 6) & 63];
		*p++ = b64[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < len ? (uint32_t)s[i + 1] << 8 : 0);

		*p++ = b64[v >> 18];
		*p++ = b64[(v >> 12) & 63];
		*p++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*p++ = '=';
	}
	*p++ = '"';
	out->len += (size_t)(p - start);
}

/* Literals: their length is known at compile time. */
#define put_lit(out, s) fw_out_put((out), "" s, sizeof(s) - 1)
#define put_key(out, k) put_key_n((out), "" k, sizeof(k) - 1)

/* ,"key": */
static void put_key_n(struct fw_out *out, const char *key, size_t n)
{
	char *p = fw_out_reserve(out, n + 4);

	p[0] = ',';
	p[1] = '"';
	memcpy(p + 2, key, n);
	p[n + 2] = '"';
	p[n + 3] = ':';
	out->len += n + 4;
}

/* ,"key":"value" (or null), then ,"key_raw":"base64" if bytes were replaced. */
static void put_bytes_n(struct fw_out *out, const char *key, size_t klen, const char *s,
			size_t len)
{
	char raw[40];

	put_key_n(out, key, klen);
	if (!s) {
		put_lit(out, "null");
		return;
	}
	if (!put_string_body(out, (const unsigned char *)s, len) || klen > sizeof(raw) - 5)
		return;
	memcpy(raw, key, klen);
	memcpy(raw + klen, "_raw", 4);
	put_key_n(out, raw, klen + 4);
	put_base64(out, (const unsigned char *)s, len);
}

#define put_bytes(out, k, s, len) put_bytes_n((out), "" k, sizeof(k) - 1, (s), (len))

/* A constant plain ASCII string, no quotes. */
static void put_str_raw(struct fw_out *out, const char *s)
{
	fw_out_put(out, s, strlen(s));
}

void fw_json_bytes(struct fw_out *out, const char *key, const char *s, size_t len)
{
	put_bytes_n(out, key, strlen(key), s, len);
}

#define put_num(out, k, v) put_num_n((out), "" k, sizeof(k) - 1, (v))

static void put_num_n(struct fw_out *out, const char *key, size_t klen, int64_t v)
{
	char num[24];

	put_key_n(out, key, klen);
	fw_out_put(out, num, fw_fmt_i64(num, v));
}

/* ,"events":["a","b"] into text (512 bytes) */
static size_t events_json(uint64_t mask, char *text)
{
	size_t i, n, len = (size_t)snprintf(text, 512, ",\"events\":[");

	for (i = 0; i < fw_event_count; i++) {
		if (!(mask & fw_event_names[i].bit))
			continue;
		n = strlen(fw_event_names[i].name);
		text[len++] = '"';
		memcpy(text + len, fw_event_names[i].name, n);
		len += n;
		text[len++] = '"';
		text[len++] = ',';
	}
	if (text[len - 1] == ',')
		len--;
	text[len++] = ']';
	return len;
}

static void put_flags(struct fw_out *out, unsigned int flags)
{
	if (flags & FW_REC_DIR)
		put_lit(out, ",\"dir\":true");
	if (flags & FW_REC_DELETED)
		put_lit(out, ",\"deleted\":true");
	if (flags & FW_REC_PARTIAL)
		put_lit(out, ",\"partial\":true");
	if (flags & FW_REC_UNVERIFIED)
		put_lit(out, ",\"unverified\":true");
	if (flags & FW_REC_SYNTHETIC)
		put_lit(out, ",\"synthetic\":true");
	if (flags & FW_REC_DENIED)
		put_lit(out, ",\"decision\":\"deny\"");
	/* permission mode (i11): why, when not by a rule */
	if (flags & FW_REC_UNDECIDED)
		put_lit(out, ",\"reason\":\"undecidable\"");
	if (flags & FW_REC_NO_FD)
		put_lit(out, ",\"reason\":\"no_descriptor\"");
}

static void put_opt_num(struct fw_out *out, const char *key, size_t klen, bool known, int64_t v)
{
	if (known) {
		put_num_n(out, key, klen, v);
	} else {
		put_key_n(out, key, klen);
		put_lit(out, "null");
	}
}

static void put_str_n(struct fw_out *out, const char *key, size_t klen, const char *s)
{
	put_bytes_n(out, key, klen, s, s ? strlen(s) : 0);
}

#define put_opt(out, k, known, v) put_opt_num((out), "" k, sizeof(k) - 1, (known), (v))
#define put_str(out, k, s) put_str_n((out), "" k, sizeof(k) - 1, (s))

/* ,"parents":[{"pid":N,"comm":"..."},...] (comm null when unknown) */
static void put_parents(struct fw_out *out, const struct fw_ident *id)
{
	size_t i;
	char num[24];

	put_lit(out, ",\"parents\":[");
	for (i = 0; i < id->nparents; i++) {
		const struct fan_process_parent *p = &id->parents[i];

		put_lit(out, "{\"pid\":");
		fw_out_put(out, num, fw_fmt_i64(num, p->pid));
		put_bytes(out, "comm", p->comm[0] ? p->comm : NULL, strnlen(p->comm, sizeof(p->comm)));
		put_lit(out, "}");
		if (i + 1 < id->nparents)
			put_lit(out, ",");
	}
	put_lit(out, "]");
}

/*
 * Every identity field, null when unknown (fanwatch(1), JSON OUTPUT):
 * pid ppid uid user gid comm exe cgroup mntns attribution [parents].
 */

/*
 * What the JSON writer keeps between records of one fw_out: the event
 * names and the device text of the last record (most records repeat them)
 * and the
 * process fields of the last record, as written (records mostly come from
 * a few processes).  NULL until needed; without it (out of memory) every
 * record is written in full.
 */
struct fw_json_cache {
	uint64_t mask;		/* events_text's */
	char events_text[512];
	size_t events_len;	/* 0: none yet */
	dev_t dev;
	char dev_text[64];
	size_t dev_len;		/* 0: none yet */
	const struct fan_process *proc;
	uint64_t id;
	pid_t pid;
	uint64_t stamp;
	char *s;
	size_t len, cap;
};

static struct fw_json_cache *cache_of(struct fw_out *out)
{
	if (!out->json_cache)
		out->json_cache = calloc(1, sizeof(*out->json_cache));
	return out->json_cache;
}

/* The last mask's text is kept: most records repeat it. */
static void put_events(struct fw_out *out, uint64_t mask)
{
	struct fw_json_cache *c = cache_of(out);
	char text[512];

	if (!c) {
		fw_out_put(out, text, events_json(mask, text));
		return;
	}
	if (!c->events_len || mask != c->mask) {
		c->events_len = events_json(mask, c->events_text);
		c->mask = mask;
	}
	fw_out_put(out, c->events_text, c->events_len);
}

/* ,"dev":"MAJ:MIN","ino":N where known (i15) */
static void put_inode(struct fw_out *out, const struct fw_record *rec)
{
	struct fw_json_cache *c;
	char buf[64];
	char *p;
	size_t n;

	if (rec->flags & FW_REC_DEV) {
		c = cache_of(out);
		if (c && c->dev_len && rec->dev == c->dev) {
			fw_out_put(out, c->dev_text, c->dev_len);
		} else {
			n = (size_t)snprintf(buf, sizeof(buf), ",\"dev\":\"%u:%u\"", major(rec->dev),
					     minor(rec->dev));
			n = n < sizeof(buf) ? n : 0;
			fw_out_put(out, buf, n);
			if (c) {
				memcpy(c->dev_text, buf, n);
				c->dev_len = n;
				c->dev = rec->dev;
			}
		}
	}
	if (rec->flags & FW_REC_INO) {
		p = fw_out_reserve(out, 7 + 20);
		memcpy(p, ",\"ino\":", 7);
		out->len += 7 + fw_fmt_u64(p + 7, rec->ino);
	}
}

static void format_process(struct fw_out *out, const struct fw_record *rec)
{
	const struct fan_process *p = rec->proc;
	const struct fw_ident *id = rec->ident;

	put_opt(out, "pid", rec->pid > 0, rec->pid);
	put_opt(out, "ppid", p && p->ppid > 0, p ? p->ppid : 0);
	put_opt(out, "uid", p && p->uid != (uid_t)-1, p ? (int64_t)p->uid : 0);
	put_str(out, "user", id ? id->user : NULL);
	put_opt(out, "gid", p && p->gid != (gid_t)-1, p ? (int64_t)p->gid : 0);
	put_str(out, "comm", p ? p->comm : NULL);
	put_str(out, "exe", p ? p->exe : NULL);
	put_str(out, "cgroup", id ? id->cgroup : NULL);
	put_opt(out, "mntns", id && id->mntns, id ? (int64_t)id->mntns : 0);
	put_key(out, "attribution");
	fw_out_put(out, "\"", 1);
	put_str_raw(out, fw_attribution(rec->pid > 0 ? p : NULL));
	fw_out_put(out, "\"", 1);
	if (id && id->parents_asked)
		put_parents(out, id);
}

/*
 * The process fields of the last record, as written: records mostly come
 * from a few processes.  Reused for the same pid and the same identity:
 * the same proc_id (any batch), or without one the same pointer within a
 * batch (one identity per pointer and pid there).
 */
static void remember_process(struct fw_out *out, const struct fw_record *rec, size_t start)
{
	struct fw_json_cache *c = cache_of(out);
	size_t n = out->len - start;

	if (!c)
		return;
	if (n > c->cap) {
		char *s = realloc(c->s, n);

		if (!s)
			return;
		c->s = s;
		c->cap = n;
	}
	memcpy(c->s, out->buf + start, n);
	c->len = n;
	c->proc = rec->proc;
	c->id = rec->proc_id;
	c->pid = rec->pid;
	c->stamp = out->stamp;
}

static void put_process(struct fw_out *out, const struct fw_record *rec)
{
	struct fw_json_cache *c = out->json_cache;
	uint64_t flushes = out->flushes;
	size_t start;

	if (c && rec->proc && c->proc && rec->pid == c->pid &&
	    (rec->proc_id ? rec->proc_id == c->id
			  : rec->proc == c->proc && out->stamp == c->stamp)) {
		fw_out_put(out, c->s, c->len);
		return;
	}
	if (c)
		c->proc = NULL;
	start = out->len;
	format_process(out, rec);
	/* cached only when it lies whole in the buffer (no flush in between) */
	if (rec->proc && out->flushes == flushes)
		remember_process(out, rec, start);
}

static void put_error(struct fw_out *out, const struct fw_record *rec)
{
	const char *name = strerrorname_np(rec->error);

	put_num(out, "error", rec->error);
	if (name)
		fw_json_bytes(out, "error_name", name, strlen(name));
	put_num(out, "error_count", rec->error_count);
}

void fw_json_record(struct fw_out *out, const struct fw_record *rec)
{
	put_lit(out, "{\"time\":\"");
	fw_out_put(out, out->json_time, out->json_time_len);
	fw_out_put(out, "\"", 1);
	put_events(out, rec->flags & FW_REC_OVERFLOW ? FAN_Q_OVERFLOW : rec->events);
	if (!(rec->flags & FW_REC_OVERFLOW)) {
		put_bytes(out, "path", rec->path.s, rec->path.len);
		if (rec->new_path.s || (rec->flags & FW_REC_NEW_PATH))
			put_bytes(out, "new_path", rec->new_path.s, rec->new_path.len);
		put_flags(out, rec->flags);
		put_inode(out, rec);	/* i15 */
		put_process(out, rec);
		if (rec->flags & FW_REC_ERROR)
			put_error(out, rec);
		if (rec->flags & FW_REC_MOUNT_ID)
			put_num(out, "mount_id", (int64_t)rec->mount_id);
	}
	fw_out_put(out, "}\n", 2);
}

void fw_json_free(struct fw_out *out)
{
	if (out->json_cache)
		free(out->json_cache->s);
	free(out->json_cache);
	out->json_cache = NULL;
}
