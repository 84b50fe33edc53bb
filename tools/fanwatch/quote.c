// SPDX-License-Identifier: MIT
/*
 * The quoting rule of text output and of fanwatch's messages: a name is
 * written as it is when every byte is a safe printable character;
 * otherwise it is quoted "..." with C escapes, so a filename can never end
 * a line early, fake a column or a second event.  A raw token never starts
 * with '"', so the rule is reversible.  Pure string functions: no output
 * buffer, no message.
 */
#include <stdlib.h>
#include <string.h>

#include "fanwatch.h"

/*
 * Code points that terminals may render as line breaks, that reorder text,
 * that are invisible or look like a space: fw_unicode_unsafe() (unisafe.c,
 * generated from the Unicode data).
 */
#define unicode_unsafe fw_unicode_unsafe

/* Printable ASCII other than space, '"' and '\\'. */
static bool ascii_safe(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
}

bool fw_text_needs_quotes(const unsigned char *s, size_t len)
{
	size_t i = 0, n;
	uint32_t cp;

	if (!len)
		return true;
	while (i < len) {
		if (ascii_safe(s[i])) {
			i++;
			continue;
		}
		if (s[i] < 0x80)
			return true;
		n = fw_utf8_seq(s + i, len - i, &cp);
		if (!n || unicode_unsafe(cp))
			return true;
		i += n;
	}
	return false;
}

char *fw_text_hex(char *p, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	*p++ = '\\';
	*p++ = 'x';
	*p++ = hex[c >> 4];
	*p++ = hex[c & 15];
	return p;
}

/* One character (or invalid byte) inside quotes; returns bytes consumed. */
static size_t put_quoted_char(char **pp, const unsigned char *s, size_t left)
{
	char *p = *pp;
	uint32_t cp;
	size_t n, i;

	switch (s[0]) {
	case '"': *p++ = '\\'; *p++ = '"'; *pp = p; return 1;
	case '\\': *p++ = '\\'; *p++ = '\\'; *pp = p; return 1;
	case '\n': *p++ = '\\'; *p++ = 'n'; *pp = p; return 1;
	case '\t': *p++ = '\\'; *p++ = 't'; *pp = p; return 1;
	case '\r': *p++ = '\\'; *p++ = 'r'; *pp = p; return 1;
	}
	if (s[0] >= 0x20 && s[0] < 0x7f) {
		*p++ = (char)s[0];
		*pp = p;
		return 1;
	}
	n = s[0] < 0x80 ? 0 : fw_utf8_seq(s, left, &cp);
	if (n && !unicode_unsafe(cp)) {
		memcpy(p, s, n);
		*pp = p + n;
		return n;
	}
	n = n ? n : 1;
	for (i = 0; i < n; i++)
		p = fw_text_hex(p, s[i]);
	*pp = p;
	return n;
}

/* s quoted with escapes into dst (room for 4 * len + 2); returns the bytes written. */
size_t fw_text_quote_into(char *dst, const unsigned char *s, size_t len)
{
	char *p = dst;
	size_t i = 0;

	*p++ = '"';
	while (i < len)
		i += put_quoted_char(&p, s + i, len - i);
	*p++ = '"';
	return (size_t)(p - dst);
}

char *fw_text_quote(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = str ? strlen(str) : 0;
	char *buf;

	if (!str)
		return strdup("?");
	if (!fw_text_needs_quotes(s, len))
		return strdup(str);
	buf = malloc(len * 4 + 3);
	if (buf)
		buf[fw_text_quote_into(buf, s, len)] = '\0';
	return buf;
}

size_t fw_text_escape_line(char *dst, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	char *p = dst;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			*p++ = (char)s[i++];
			continue;
		}
		n = s[i] < 0x80 ? 0 : fw_utf8_seq(s + i, len - i, &cp);
		if (n && !unicode_unsafe(cp)) {
			memcpy(p, s + i, n);
			p += n;
			i += n;
			continue;
		}
		i += put_quoted_char(&p, s + i, len - i);
	}
	return (size_t)(p - dst);
}
