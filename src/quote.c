// SPDX-License-Identifier: MIT
/*
 * Paths for terminals and logs.  A path is bytes: any of them but '/'
 * and NUL can be in a name, including newlines, escape sequences, invalid
 * UTF-8 and characters that are invisible or reorder the text around them.
 * fanwatch's rule, here for every program: a path is written as it is when
 * it is made only of visible characters other than space, '"' and '\\';
 * otherwise in double quotes with C escapes, which give the exact bytes
 * back.  A bare path never starts with '"', so the two cannot be confused.
 */
#include <errno.h>
#include <limits.h>

#include "internal.h"

/*
 * Code points (beyond ASCII) a terminal must not be handed raw: C1
 * controls; spaces other than ' ' (they fake a column break); line and
 * paragraph separators; every format character (General_Category Cf),
 * bidirectional control (Bidi_Control) and default-ignorable code point
 * (Default_Ignorable_Code_Point).  Sorted, disjoint.  The same set as
 * fanwatch's tools/fanwatch/unisafe.c: unit-quote-table checks it with
 * scripts/gen-unicode-unsafe.py against the Unicode data (15.0.0 on
 * Debian 12).
 */
static const struct { uint32_t lo, hi; } hidden[] = {
	{ 0x0080, 0x00a0 },	/* C1 controls, no-break space */
	{ 0x00ad, 0x00ad },	/* soft hyphen */
	{ 0x034f, 0x034f },	/* combining grapheme joiner */
	{ 0x0600, 0x0605 },	/* Arabic number signs */
	{ 0x061c, 0x061c },	/* Arabic letter mark */
	{ 0x06dd, 0x06dd },
	{ 0x070f, 0x070f },
	{ 0x0890, 0x0891 },
	{ 0x08e2, 0x08e2 },
	{ 0x115f, 0x1160 },	/* Hangul fillers */
	{ 0x1680, 0x1680 },	/* Ogham space mark */
	{ 0x17b4, 0x17b5 },
	{ 0x180b, 0x180f },	/* Mongolian variation selectors, vowel separator */
	{ 0x2000, 0x200f },	/* spaces, zero width, LRM, RLM */
	{ 0x2028, 0x202f },	/* line/paragraph separators, embeddings, narrow space */
	{ 0x205f, 0x206f },	/* medium space, word joiner, invisible operators, isolates */
	{ 0x3000, 0x3000 },	/* ideographic space */
	{ 0x3164, 0x3164 },	/* Hangul filler */
	{ 0xfe00, 0xfe0f },	/* variation selectors */
	{ 0xfeff, 0xfeff },	/* zero width no-break space (BOM) */
	{ 0xffa0, 0xffa0 },	/* halfwidth Hangul filler */
	{ 0xfff0, 0xfffb },	/* unassigned ignorables, interlinear annotation */
	{ 0x110bd, 0x110bd },
	{ 0x110cd, 0x110cd },
	{ 0x13430, 0x1343f },	/* Egyptian hieroglyph format controls */
	{ 0x1bca0, 0x1bca3 },	/* shorthand format controls */
	{ 0x1d173, 0x1d17a },	/* musical symbol format controls */
	{ 0xe0000, 0xe0fff },	/* tags, variation selectors supplement */
};

static bool cp_hidden(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(hidden) / sizeof(hidden[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < hidden[mid].lo)
			hi = mid;
		else if (cp > hidden[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* Length of the well-formed UTF-8 sequence at s (0 if none), its code point in *cp. */
static size_t utf8_seq(const unsigned char *s, size_t left, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n, i;
	uint32_t c;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* A visible character beyond ASCII at s: its length, else 0. */
static size_t visible_seq(const unsigned char *s, size_t left)
{
	uint32_t cp;
	size_t n = utf8_seq(s, left, &cp);

	return n && !cp_hidden(cp) ? n : 0;
}

static bool raw_ok(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	if (!len)
		return false;	/* "" says there is a name, and that it is empty */
	while (i < len) {
		if (s[i] > 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\') {
			i++;
			continue;
		}
		if (s[i] < 0x80 || !(n = visible_seq(s + i, len - i)))
			return false;
		i += n;
	}
	return true;
}

/* Output into buf[0..size), counting what would be written. */
struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const void *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->size)
			o->buf[o->len] = ((const char *)s)[i];
}

static void put_hex(struct out *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	put(o, e, 4);
}

/* One character or byte, escaped as needed (quoted: '"' and '\\' too); bytes used. */
static size_t put_char(struct out *o, const unsigned char *s, size_t left, bool quoted)
{
	static const char from[] = "\"\\\n\t\r", to[] = "\"\\ntr";
	const char *e = s[0] ? strchr(from, s[0]) : NULL;
	uint32_t cp;
	size_t n, i;

	if (e && (quoted || e - from >= 2)) {
		char esc[2] = { '\\', to[e - from] };

		put(o, esc, 2);
		return 1;
	}
	if (s[0] >= 0x20 && s[0] < 0x7f) {
		put(o, s, 1);
		return 1;
	}
	n = s[0] < 0x80 ? 0 : visible_seq(s, left);
	if (n) {
		put(o, s, n);
		return n;
	}
	n = s[0] < 0x80 ? 1 : utf8_seq(s, left, &cp);
	n = n ? n : 1;	/* an invalid byte alone, a hidden character whole */
	for (i = 0; i < n; i++)
		put_hex(o, s[i]);
	return n;
}

LF_EXPORT int fan_path_quote(const char *path, size_t len, unsigned int flags, char *buf,
			      size_t size)
{
	const unsigned char *s = (const unsigned char *)path;
	struct out o = { buf, size, 0 };
	bool quoted;
	size_t i = 0;

	if ((!path && len) || (!buf && size) ||
	    (flags & ~(LIBFANOTIFY_QUOTE_ALWAYS | LIBFANOTIFY_QUOTE_BARE)) ||
	    flags == (LIBFANOTIFY_QUOTE_ALWAYS | LIBFANOTIFY_QUOTE_BARE))
		return -EINVAL;
	quoted = !(flags & LIBFANOTIFY_QUOTE_BARE) &&
		 ((flags & LIBFANOTIFY_QUOTE_ALWAYS) || !raw_ok(s, len));
	if (quoted)
		put(&o, "\"", 1);
	while (i < len)
		i += put_char(&o, s + i, len - i, quoted);
	if (quoted)
		put(&o, "\"", 1);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT_MAX ? -EOVERFLOW : (int)o.len;
}
