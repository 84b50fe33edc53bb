// SPDX-License-Identifier: MIT
/*
 * Words and numbers every output format and message writes: decimal
 * numbers, UTF-8 sequences, the attribution word.  A leaf: pure functions
 * that call nothing of fanwatch.
 */
#include <string.h>

#include "fanwatch.h"

/* ---- numbers ---- */

size_t fw_fmt_u64(char *dst, uint64_t v)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	char tmp[20], *p = tmp + sizeof(tmp);
	size_t n;

	while (v >= 100) {
		p -= 2;
		memcpy(p, pairs + (v % 100) * 2, 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, pairs + v * 2, 2);
	} else {
		*--p = (char)('0' + v);
	}
	n = (size_t)(tmp + sizeof(tmp) - p);
	memcpy(dst, p, n);
	return n;
}

size_t fw_fmt_i64(char *dst, int64_t v)
{
	if (v >= 0)
		return fw_fmt_u64(dst, (uint64_t)v);
	dst[0] = '-';
	return 1 + fw_fmt_u64(dst + 1, (uint64_t)0 - (uint64_t)v);
}

/* ---- UTF-8 ---- */

size_t fw_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* overlong, surrogates, beyond U+10FFFF */
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

/* ---- words ---- */

/* How the name (and the ids with it) was learnt; "unknown" without a name. */
const char *fw_attribution(const struct fan_process *p)
{
	if (!p || !p->comm)
		return "unknown";
	if (p->flags & LIBFANOTIFY_PROC_VERIFIED)
		return "verified";
	return p->flags & LIBFANOTIFY_PROC_RECORDED ? "recorded" : "unverified";
}
