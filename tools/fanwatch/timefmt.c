// SPDX-License-Identifier: MIT
/*
 * --timefmt FMT: the time of text output, of --format's %T and of --csv's
 * time column, as strftime(3) writes it, plus %N (nanoseconds, nine
 * digits) and %1N..%9N (that many digits: %3N milliseconds, %6N
 * microseconds), as GNU date(1) has them; "%s.%6N" is the epoch in seconds
 * with microseconds (fatrace -tt).  --utc: UTC instead of local time.
 *
 * The time is taken once per batch (output.c); strftime() runs once per
 * second at most: the format is cut at each %N into pieces, the pieces
 * are formatted when the second changes, and each batch only puts the
 * digits between them.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fanwatch.h"

#define MAX_PIECES 16
#define EPOCH (-1)		/* digits[i]: the seconds since the epoch (%s) */

struct fw_timefmt {
	size_t n;			/* pieces */
	char *fmt[MAX_PIECES];		/* strftime() formats */
	int digits[MAX_PIECES];		/* after piece i: %N's digits, EPOCH, 0 after the last */
	char text[MAX_PIECES][FW_TIME_MAX + 1];	/* piece i formatted for sec */
	size_t len[MAX_PIECES];
	time_t sec;
	bool utc, valid;
};

/* "%N" or "%DN" at s ("%" included): the digits (1..9), 0 if it is not one. */
static int nano_at(const char *s, size_t *skip)
{
	if (s[1] == 'N') {
		*skip = 2;
		return 9;
	}
	if (s[1] >= '1' && s[1] <= '9' && s[2] == 'N') {
		*skip = 3;
		return s[1] - '0';
	}
	return 0;
}

static char *piece(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	return p;
}

/* Cut fmt at each %N; NULL with *why set if it has too many. */
static struct fw_timefmt *split(const char *fmt, const char **why)
{
	struct fw_timefmt *t = calloc(1, sizeof(*t));
	const char *start = fmt, *s = fmt;
	size_t skip;
	int d;

	if (!t)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	while (*s) {
		if (s[0] != '%') {
			s++;
			continue;
		}
		if (s[1] == '%') {
			s += 2;		/* "%%": a literal '%', never the start of %N */
			continue;
		}
		d = nano_at(s, &skip);
		if (s[1] == 's') {
			/* %s ourselves: strftime() would read the broken-down time as local */
			d = EPOCH;
			skip = 2;
		}
		if (!d) {
			s += s[1] ? 2 : 1;
			continue;
		}
		if (t->n == MAX_PIECES - 1) {
			*why = "more than 15 %N and %s";
			fw_timefmt_free(t);
			return NULL;
		}
		t->fmt[t->n] = piece(start, (size_t)(s - start));
		t->digits[t->n++] = d;
		s += skip;
		start = s;
	}
	t->fmt[t->n++] = piece(start, (size_t)(s - start));
	return t;
}

/* The format is the user's own: strftime() with a format that is not a literal. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* strftime() gave 0: an empty result (fine) or one too long? */
static bool too_long(const char *fmt, const struct tm *tm)
{
	char big[4096];

	return strftime(big, sizeof(big), fmt, tm) != 0;
}

/* Format every piece for sec; false if one is longer than FW_TIME_MAX. */
static bool format_second(struct fw_timefmt *t, time_t sec)
{
	struct tm tm;
	size_t i;

	if (t->utc)
		gmtime_r(&sec, &tm);
	else
		localtime_r(&sec, &tm);
	for (i = 0; i < t->n; i++) {
		t->len[i] = *t->fmt[i] ? strftime(t->text[i], sizeof(t->text[i]), t->fmt[i], &tm) : 0;
		if (!t->len[i] && *t->fmt[i] && too_long(t->fmt[i], &tm))
			return false;
	}
	t->sec = sec;
	t->valid = true;
	return true;
}

struct fw_timefmt *fw_timefmt_new(const char *fmt, bool utc, const char **why)
{
	struct timespec now;
	struct fw_timefmt *t;

	if (!*fmt) {
		*why = "it is empty";
		return NULL;
	}
	t = split(fmt, why);
	if (!t)
		return NULL;
	t->utc = utc;
	clock_gettime(CLOCK_REALTIME, &now);
	if (!format_second(t, now.tv_sec)) {
		*why = "it gives more than " FW_TIME_MAX_S " bytes";
		fw_timefmt_free(t);
		return NULL;
	}
	return t;
}

void fw_timefmt_free(struct fw_timefmt *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		free(t->fmt[i]);
	free(t);
}

size_t fw_timefmt_put(struct fw_timefmt *t, const struct timespec *ts, char *dst)
{
	char nano[9], sec[24];
	const char *src;
	size_t i, len = 0, n;
	long v = ts->tv_nsec;
	int k;

	if (!t->valid || ts->tv_sec != t->sec)
		format_second(t, ts->tv_sec);
	for (k = 8; k >= 0; k--, v /= 10)
		nano[k] = (char)('0' + v % 10);
	for (i = 0; i < t->n; i++) {
		n = t->len[i];
		if (len + n > FW_TIME_MAX)
			n = FW_TIME_MAX - len;
		memcpy(dst + len, t->text[i], n);
		len += n;
		if (t->digits[i] == EPOCH) {
			n = fw_fmt_i64(sec, (int64_t)ts->tv_sec);
			src = sec;
		} else {
			n = (size_t)t->digits[i];
			src = nano;
		}
		if (len + n > FW_TIME_MAX)
			n = FW_TIME_MAX - len;
		memcpy(dst + len, src, n);
		len += n;
	}
	return len;
}
