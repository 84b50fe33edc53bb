// SPDX-License-Identifier: MIT
/*
 * --csv: RFC 4180.  A header line, then one record per event, each ending
 * in CRLF; a field holding a comma, a double quote, a CR or an LF is
 * enclosed in double quotes, a double quote in it doubled.  An unknown
 * value is an empty field (a known empty name is "").
 *
 * The text is always valid UTF-8, as in JSON: every byte of a name that is
 * not part of valid UTF-8 becomes U+FFFD, and the column after each name
 * column, named after it with "_raw" (path_raw, comm_raw, ...), then holds
 * the exact bytes in base64; it is empty when nothing was replaced.  The
 * recovery rule is JSON's: the bytes of a name are the base64 decoding of
 * its _raw column when it is not empty, else the UTF-8 of the name.
 * Control characters other than CR and LF are written as they are (CSV
 * has no escapes): CSV is for programs, not for a terminal.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/stat.h>

#include "format.h"

/* 1: an ASCII byte that needs no quotes: any but '"', ',', CR and LF. */
static const unsigned char plain[128] = {
	[0x00 ... 0x09] = 1,	/* LF is 0x0a */
	[0x0b ... 0x0c] = 1,	/* CR is 0x0d */
	[0x0e ... 0x21] = 1,	/* '"' is 0x22 */
	[0x23 ... 0x2b] = 1,	/* ',' is 0x2c */
	[0x2d ... 0x7f] = 1,
};

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Any byte of x zero (exact, as a whole: no false positive). */
static inline uint64_t zero_byte(uint64_t x)
{
	return (x - ONES) & ~x & HIGHS;
}

/* Eight ASCII bytes, none of them '"', ',', CR or LF. */
static inline bool plain8(uint64_t x)
{
	return !((x & HIGHS) | zero_byte(x ^ (ONES * '"')) | zero_byte(x ^ (ONES * ',')) |
		 zero_byte(x ^ (ONES * '\r')) | zero_byte(x ^ (ONES * '\n')));
}

/* Does s need quotes (a comma, a quote, CR, LF)?  Are all of its bytes valid UTF-8? */
static void scan(const unsigned char *s, size_t len, bool *quote, bool *valid)
{
	size_t i = 0, n;
	uint32_t cp;
	uint64_t x;

	*quote = false;
	*valid = true;
	/* the common case, eight bytes at a time: plain ASCII */
	for (; i + 8 <= len; i += 8) {
		memcpy(&x, s + i, 8);
		if (!plain8(x))
			break;
	}
	while (i < len) {
		if (s[i] < 0x80) {
			if (!plain[s[i]])
				*quote = true;
			i++;
			continue;
		}
		n = fw_utf8_seq(s + i, len - i, &cp);
		if (!n) {
			*valid = false;
			n = 1;
		}
		i += n;
	}
}

/* s as a CSV field: quoted if needed, invalid bytes as U+FFFD; returns whether any was replaced. */
static bool put_field(struct fw_out *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	bool quote, valid;
	char *start, *p;
	size_t i = 0, n;
	uint32_t cp;

	scan(s, len, &quote, &valid);
	if (!quote && valid) {
		fw_out_put(out, str, len);
		return false;
	}
	/* worst case: every byte a quote (2) or an invalid byte (3) */
	start = p = fw_out_reserve(out, len * 3 + 2);
	if (quote)
		*p++ = '"';
	while (i < len) {
		if (s[i] == '"') {
			*p++ = '"';
			*p++ = '"';
			i++;
			continue;
		}
		n = s[i] < 0x80 ? 1 : fw_utf8_seq(s + i, len - i, &cp);
		if (!n) {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
			i++;
			continue;
		}
		memcpy(p, s + i, n);
		p += n;
		i += n;
	}
	if (quote)
		*p++ = '"';
	out->len += (size_t)(p - start);
	return !valid;
}

static void put_base64(struct fw_out *out, const unsigned char *s, size_t len)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *start = fw_out_reserve(out, (len + 2) / 3 * 4), *p = start;
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		*p++ = b64[v >> 18];
		*p++ = b64[(v >> 12) & 63];
		*p++ = b64[(v >> 6) & 63];
		*p++ = b64[v & 63];
	}
	if (i < len) {
		v = (uint32_t)s[i] << 16 | (i + 1 < len ? (uint32_t)s[i + 1] << 8 : 0);
		*p++ = b64[v >> 18];
		*p++ = b64[(v >> 12) & 63];
		*p++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*p++ = '=';
	}
	out->len += (size_t)(p - start);
}

/* A name column and its _raw column. */
static void put_name(struct fw_out *out, const struct fw_fitem *it, const struct fw_record *rec)
{
	const char *s;
	size_t len;
	bool replaced;

	if (!fw_field_name_value(it->field, rec, &s, &len)) {
		fw_out_put(out, ",", 1);
		return;
	}
	if (!len) {
		fw_out_put(out, "\"\",", 3);
		return;
	}
	replaced = put_field(out, s, len);
	fw_out_put(out, ",", 1);
	if (replaced)
		put_base64(out, (const unsigned char *)s, len);
}

void fw_csv_header(struct fw_out *out, const struct fw_format *f)
{
	size_t i;

	for (i = 0; i < f->n; i += 2) {
		const struct fw_fitem *it = &f->items[i];

		if (i)
			fw_out_put(out, ",", 1);
		fw_out_put(out, it->name, strlen(it->name));
		if (fw_field_is_name(it->field)) {
			fw_out_put(out, ",", 1);
			fw_out_put(out, it->name, strlen(it->name));
			fw_out_put(out, "_raw", 4);
		}
	}
	fw_out_put(out, "\r\n", 2);
}

/*
 * A field fanwatch writes itself, in place: it needs quotes only for a
 * comma (a list: events, flags).  The time of --timefmt and the separator
 * of %Xe are the user's: checked like a name.
 */
static void put_value(struct fw_out *out, const struct fw_fitem *it, const struct fw_record *rec)
{
	char buf[FW_FIELD_MAX], *d;
	size_t n;

	if ((it->field == FF_TIME && out->tfmt) || (it->field == FF_EVENTS && it->sep != ',')) {
		n = fw_field_value(out, it, rec, buf, true);
		put_field(out, buf, n);
		return;
	}
	d = fw_out_reserve(out, FW_FIELD_MAX + 2);
	n = fw_field_value(out, it, rec, d + 1, true);
	if ((it->field == FF_EVENTS || it->field == FF_FLAGS) && memchr(d + 1, ',', n)) {
		d[0] = '"';
		d[n + 1] = '"';
		out->len += n + 2;
		return;
	}
	memmove(d, d + 1, n);
	out->len += n;
}

/* The event names, in quotes when there are several (then there are commas). */
static void put_events(struct fw_out *out, const struct fw_record *rec)
{
	uint64_t mask = rec->flags & FW_REC_OVERFLOW ? FAN_Q_OVERFLOW : rec->events;
	char *d = fw_out_reserve(out, FW_EVENTS_MAX + 2);
	bool several = mask & (mask - 1);
	size_t n = fw_events_format(mask, d + several, FW_EVENTS_MAX);

	/* a bit fanwatch has no name for is not written, and makes no comma */
	if (several && !memchr(d + 1, ',', n)) {
		memmove(d, d + 1, n);
		several = false;
	}
	if (several) {
		d[0] = '"';
		d[n + 1] = '"';
	}
	out->len += n + (several ? 2 : 0);
}

void fw_csv_record(struct fw_out *out, const struct fw_record *rec)
{
	const struct fw_format *f = out->fmt;
	const struct fw_fitem *it = f->items, *end = it + f->n;
	char *d;

	/* columns are the even items, commas the odd ones (checked when compiled) */
	for (; it < end; it += 2) {
		if (it != f->items)
			*fw_out_reserve(out, 1) = ',', out->len++;
		switch (it->op) {
		case FOP_NAME:
		case FOP_GROUP:		/* (no two names are glued in CSV: a comma between) */
			put_name(out, it, rec);
			break;
		case FOP_TIME:
			if (out->tfmt)
				put_field(out, out->user_time, out->user_time_len);
			else
				fw_out_put(out, out->json_time, out->json_time_len);
			break;
		case FOP_EVENTS:
			put_events(out, rec);
			break;
		case FOP_PID:
			d = fw_out_reserve(out, 24);
			if (rec->pid > 0)
				out->len += fw_fmt_u64(d, (uint64_t)rec->pid);
			break;
		default:
			put_value(out, it, rec);
			break;
		}
	}
	fw_out_put(out, "\r\n", 2);
}

/* The CSV header, unless appending to a file that has lines already (--append, SIGHUP). */
void fw_csv_begin(struct fw_out *out)
{
	struct stat sb;

	if (fstat(out->fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0)
		return;
	fw_csv_header(out, out->fmt);
}
