// SPDX-License-Identifier: MIT
/*
 * --interval SECONDS: what is busy now, as filetop and fnotifystat show
 * it.  Every interval the counts of --count are written as a table (the
 * busiest paths and processes, a column per watched event, sorted by
 * --sort) and start again from zero.  On a terminal the table is redrawn
 * in place (cursor home, each line cleared to its end, the rest of the
 * screen cleared), as many rows as the terminal has room for; elsewhere
 * tables follow each other, a blank line between; with --json each is one
 * JSON object.  When fanwatch stops, the interval under way is written
 * too, so no counted event goes unshown.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

struct fw_interval {
	double every;			/* seconds */
	double next;			/* CLOCK_MONOTONIC: the next table */
	double started;			/* CLOCK_MONOTONIC: this interval's start */
	char start[FW_TIME_MAX + 1];	/* its start as text output writes times */
	char start_json[48];
	bool tty;
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The time of the current stamp, as text output writes it. */
static void time_text(const struct fw_out *out, char *dst)
{
	const char *s = out->tfmt ? out->user_time : out->text_time;
	size_t n = out->tfmt ? out->user_time_len : out->text_time_len;

	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Note the start of an interval: now. */
static void begin(struct fw_interval *iv, struct fw_out *out)
{
	iv->started = now_mono();
	fw_out_stamp(out);
	time_text(out, iv->start);
	memcpy(iv->start_json, out->json_time, out->json_time_len);
	iv->start_json[out->json_time_len] = '\0';
}

struct fw_interval *fw_interval_new(struct fw_state *st)
{
	struct fw_interval *iv = calloc(1, sizeof(*iv));

	if (!iv)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	iv->every = st->o->interval;
	iv->tty = st->out.tty && !st->out.json;
	fw_count_columns(st->count, st->o->events);
	begin(iv, &st->out);
	iv->next = iv->started + iv->every;
	return iv;
}

void fw_interval_free(struct fw_interval *iv)
{
	free(iv);
}

int fw_interval_timeout(const struct fw_interval *iv)
{
	double left;

	if (!iv)
		return -1;
	left = iv->next - now_mono();
	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

/* Rows per table: --top, and on a terminal what fits (two tables, four lines more). */
static size_t rows(const struct fw_interval *iv, unsigned int top)
{
	struct winsize ws;
	size_t fit;

	if (!iv->tty || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row < 8)
		return top;
	fit = ((size_t)ws.ws_row - 5) / 2;
	return fit < top ? fit : top;
}

static void show(struct fw_state *st)
{
	struct fw_interval *iv = st->interval;
	char end[FW_TIME_MAX + 1];
	struct fw_view v = {
		.start = iv->start, .end = end, .start_json = iv->start_json,
		.seconds = now_mono() - iv->started, .rows = rows(iv, st->o->top),
		.sort = st->o->sort, .tty = iv->tty,
	};

	fw_out_stamp(&st->out);
	time_text(&st->out, end);
	fw_count_view(st->count, &st->out, &v);
	fw_out_flush(&st->out);
}

void fw_interval_tick(struct fw_state *st)
{
	struct fw_interval *iv = st->interval;
	double now;

	if (!iv || st->out.error)
		return;
	now = now_mono();
	if (now < iv->next)
		return;
	show(st);
	fw_count_reset(st->count);
	begin(iv, &st->out);
	/* the next one a whole interval on, also when this one came late */
	while (iv->next <= now)
		iv->next += iv->every;
}

void fw_interval_final(struct fw_state *st)
{
	if (st->interval && !st->out.error)
		show(st);
}
