// SPDX-License-Identifier: MIT
/*
 * fan_path_quote(): fanwatch's rule for paths in text (bare when made of
 * visible characters other than space, '"' and '\\'; else quoted with C
 * escapes), with every invisible or reordering code point escaped (issue
 * 11: format characters, bidi controls, default-ignorables, on top of C1,
 * separators and the bidi overrides fanwatch escaped already).  The
 * expected outputs are written out here; a round trip over random bytes
 * checks that the escapes give the exact bytes back and that no output
 * ever carries a control byte or a hidden code point.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fanotify/fanotify.h>

#include "th.h"

struct qcase {
	const char *in;
	size_t len;	/* 0: strlen(in) */
	unsigned int flags;
	const char *out;
};

#define A LIBFANOTIFY_QUOTE_ALWAYS
#define B LIBFANOTIFY_QUOTE_BARE

static const struct qcase cases[] = {
	{ "/srv/data/file.txt", 0, 0, "/srv/data/file.txt" },
	{ "/srv/data/file.txt", 0, A, "\"/srv/data/file.txt\"" },
	{ "", 0, 0, "\"\"" },
	{ "spa ce", 0, 0, "\"spa ce\"" },
	{ "dq\"uote", 0, 0, "\"dq\\\"uote\"" },
	{ "back\\slash", 0, 0, "\"back\\\\slash\"" },
	{ "new\nline\ttab\rcr", 0, 0, "\"new\\nline\\ttab\\rcr\"" },
	{ "ctl\x01\x1b[31mred\x7f", 0, 0, "\"ctl\\x01\\x1b[31mred\\x7f\"" },
	{ "nul\0byte", 8, 0, "\"nul\\x00byte\"" },
	{ "\"leading", 0, 0, "\"\\\"leading\"" },
	/* visible UTF-8 stays bare */
	{ "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", 0, 0, "\"\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\"" },
	{ "\xc3\xa9t\xc3\xa9", 0, 0, "\xc3\xa9t\xc3\xa9" },
	{ "\xf0\x9f\x98\x80", 0, 0, "\xf0\x9f\x98\x80" },
	{ "\xc2\xa9", 0, 0, "\xc2\xa9" },
	/* invalid UTF-8: each byte */
	{ "bad\xffutf8", 0, 0, "\"bad\\xffutf8\"" },
	{ "half\xc3", 0, 0, "\"half\\xc3\"" },
	{ "overlong\xc0\xaf", 0, 0, "\"overlong\\xc0\\xaf\"" },
	{ "surrogate\xed\xa0\x80", 0, 0, "\"surrogate\\xed\\xa0\\x80\"" },
	{ "big\xf4\x90\x80\x80", 0, 0, "\"big\\xf4\\x90\\x80\\x80\"" },
	/* what fanwatch escaped: C1, separators, bidi overrides, zero width */
	{ "c1\xc2\x85", 0, 0, "\"c1\\xc2\\x85\"" },
	{ "ls\xe2\x80\xa8sep", 0, 0, "\"ls\\xe2\\x80\\xa8sep\"" },
	{ "ps\xe2\x80\xa9", 0, 0, "\"ps\\xe2\\x80\\xa9\"" },
	{ "bidi\xe2\x80\xae" "evil", 0, 0, "\"bidi\\xe2\\x80\\xae" "evil\"" },
	{ "zw\xe2\x80\x8b", 0, 0, "\"zw\\xe2\\x80\\x8b\"" },
	{ "iso\xe2\x81\xa6", 0, 0, "\"iso\\xe2\\x81\\xa6\"" },
	{ "bom\xef\xbb\xbf", 0, 0, "\"bom\\xef\\xbb\\xbf\"" },
	/* issue 11: Cf, bidi and default-ignorable code points left raw before */
	{ "alm\xd8\x9c", 0, 0, "\"alm\\xd8\\x9c\"" },			/* U+061C */
	{ "wj\xe2\x81\xa0", 0, 0, "\"wj\\xe2\\x81\\xa0\"" },		/* U+2060 */
	{ "hf\xe3\x85\xa4", 0, 0, "\"hf\\xe3\\x85\\xa4\"" },		/* U+3164 */
	{ "shy\xc2\xad", 0, 0, "\"shy\\xc2\\xad\"" },			/* U+00AD */
	{ "tag\xf3\xa0\x80\x81", 0, 0, "\"tag\\xf3\\xa0\\x80\\x81\"" },	/* U+E0001 */
	{ "tag\xf3\xa0\x81\xbf", 0, 0, "\"tag\\xf3\\xa0\\x81\\xbf\"" },	/* U+E007F */
	{ "vs\xef\xb8\x8f", 0, 0, "\"vs\\xef\\xb8\\x8f\"" },		/* U+FE0F */
	{ "nbsp\xc2\xa0", 0, 0, "\"nbsp\\xc2\\xa0\"" },			/* U+00A0 */
	{ "em\xe2\x80\x83space", 0, 0, "\"em\\xe2\\x80\\x83space\"" },	/* U+2003 */
	{ "ideo\xe3\x80\x80", 0, 0, "\"ideo\\xe3\\x80\\x80\"" },		/* U+3000 */
	{ "ans\xd8\x80", 0, 0, "\"ans\\xd8\\x80\"" },			/* U+0600 */
	{ "egy\xf0\x93\x90\xb0", 0, 0, "\"egy\\xf0\\x93\\x90\\xb0\"" },	/* U+13430 */
	/* BARE: for a message line; only what a terminal must not see */
	{ "a \"b\" \\c", 0, B, "a \"b\" \\c" },
	{ "new\nline\xe2\x80\xae", 0, B, "new\\nline\\xe2\\x80\\xae" },
	{ "", 0, B, "" },
};

static void table(void)
{
	char buf[256];
	size_t i, len;
	int n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		n = fan_path_quote(cases[i].in, len, cases[i].flags, buf, sizeof(buf));
		if (n != (int)strlen(cases[i].out) || strcmp(buf, cases[i].out))
			th_fail("case %zu: got [%s] (%d), expected [%s]", i, buf, n, cases[i].out);
	}
	printf("%zu cases\n", i);
}

static void snprintf_semantics(void)
{
	char buf[8];

	T_EQ(fan_path_quote("a b", 3, 0, NULL, 0), 5);
	memset(buf, '#', sizeof(buf));
	T_EQ(fan_path_quote("a b", 3, 0, buf, 4), 5);
	T_STREQ(buf, "\"a ");
	T_EQ(fan_path_quote("a b", 3, 0, buf, 6), 5);
	T_STREQ(buf, "\"a b\"");
	T_EQ(fan_path_quote("abc", 3, 0, buf, 1), 3);
	T_STREQ(buf, "");
	T_EQ(fan_path_quote(NULL, 0, 0, buf, sizeof(buf)), 2);
	T_STREQ(buf, "\"\"");
	T_EQ(fan_path_quote(NULL, 1, 0, buf, sizeof(buf)), -EINVAL);
	T_EQ(fan_path_quote("a", 1, 0, NULL, 4), -EINVAL);
	T_EQ(fan_path_quote("a", 1, 0x4, buf, sizeof(buf)), -EINVAL);
	T_EQ(fan_path_quote("a", 1, A | B, buf, sizeof(buf)), -EINVAL);
}

/* Undo the C escapes of quoted output; returns the length, or -1 if malformed. */
static long unquote(const char *s, size_t n, unsigned char *out)
{
	size_t i = 1, o = 0;
	unsigned int v;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return -1;
	while (i < n - 1) {
		if (s[i] != '\\') {
			if (s[i] == '"')
				return -1;
			out[o++] = (unsigned char)s[i++];
			continue;
		}
		switch (s[i + 1]) {
		case 'n': out[o++] = '\n'; i += 2; break;
		case 't': out[o++] = '\t'; i += 2; break;
		case 'r': out[o++] = '\r'; i += 2; break;
		case '"': out[o++] = '"'; i += 2; break;
		case '\\': out[o++] = '\\'; i += 2; break;
		case 'x':
			if (sscanf(s + i + 2, "%2x", &v) != 1)
				return -1;
			out[o++] = (unsigned char)v;
			i += 4;
			break;
		default:
			return -1;
		}
	}
	return (long)o;
}

/*
 * What the output may show: printable ASCII, and UTF-8 sequences none of
 * which is a C1 control, U+00A0, U+00AD, U+061C, U+2000..U+200F,
 * U+2028..U+202F, U+2060..U+206F, U+3000, U+3164, U+FE00..U+FE0F, U+FEFF,
 * a tag (U+E0000..U+E007F).
 */
static bool shows_hidden(const unsigned char *s, size_t n)
{
	size_t i = 0;
	uint32_t cp;

	while (i < n) {
		if (s[i] < 0x80) {
			if (s[i] < 0x20 || s[i] == 0x7f)
				return true;
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0 && i + 1 < n) {
			cp = ((s[i] & 0x1fu) << 6) | (s[i + 1] & 0x3fu);
			i += 2;
		} else if ((s[i] & 0xf0) == 0xe0 && i + 2 < n) {
			cp = ((s[i] & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);
			i += 3;
		} else if ((s[i] & 0xf8) == 0xf0 && i + 3 < n) {
			cp = ((s[i] & 0x07u) << 18) | ((s[i + 1] & 0x3fu) << 12) |
			     ((s[i + 2] & 0x3fu) << 6) | (s[i + 3] & 0x3fu);
			i += 4;
		} else {
			return true;	/* raw invalid UTF-8 */
		}
		if (cp <= 0xa0 || cp == 0xad || cp == 0x61c || (cp >= 0x2000 && cp <= 0x200f) ||
		    (cp >= 0x2028 && cp <= 0x202f) || (cp >= 0x2060 && cp <= 0x206f) ||
		    cp == 0x3000 || cp == 0x3164 || (cp >= 0xfe00 && cp <= 0xfe0f) ||
		    cp == 0xfeff || (cp >= 0xe0000 && cp <= 0xe007f))
			return true;
	}
	return false;
}

static void round_trip(void)
{
	/* bytes a fuzzer of names would pick: ASCII, controls, UTF-8 lead and tail bytes */
	static const unsigned char pick[] = { 'a', 'Z', ' ', '"', '\\', '\n', '\t', 0x01, 0x1b,
					      0x7f, 0x80, 0x85, 0xa0, 0xad, 0xae, 0xbf, 0xc2,
					      0xc3, 0xd8, 0xe2, 0xe3, 0xef, 0xf0, 0xf3, 0xff,
					      0x9c, 0x81, 0xa8 };
	unsigned char in[24], back[24];
	char out[24 * 4 + 3];
	unsigned int seed = 13;
	size_t len, i, quoted = 0;
	int round, n;
	long m;

	for (round = 0; round < 200000; round++) {
		len = (size_t)(rand_r(&seed) % sizeof(in));
		for (i = 0; i < len; i++)
			in[i] = pick[rand_r(&seed) % sizeof(pick)];
		n = fan_path_quote((const char *)in, len, 0, out, sizeof(out));
		T_ASSERT(n >= 0 && (size_t)n < sizeof(out));
		if (shows_hidden((const unsigned char *)out, (size_t)n))
			th_fail("round %d: output shows a hidden character: %s", round, out);
		if (out[0] != '"') {
			/* bare: exactly the input, none of space, '"', '\\' */
			T_ASSERT((size_t)n == len && !memcmp(out, in, len));
			T_ASSERT(!memchr(in, ' ', len) && !memchr(in, '"', len) &&
				 !memchr(in, '\\', len));
			continue;
		}
		quoted++;
		m = unquote(out, (size_t)n, back);
		if (m != (long)len || memcmp(back, in, len))
			th_fail("round %d: %s does not give the input back", round, out);
	}
	printf("200000 random names: %zu quoted, every one given back exactly\n", quoted);
}

int main(void)
{
	th_init(60);
	table();
	snprintf_semantics();
	round_trip();
	printf("PASS\n");
	return 0;
}
