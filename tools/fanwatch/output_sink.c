// SPDX-License-Identifier: MIT
/*
 * What the record sinks (journald, syslog) share: the record as a line
 * (the text format without its time, or a JSON object), frames in the
 * output buffer, and the accounting of deliveries that failed.
 *
 * A frame is a uint32_t length and that many bytes, reserved whole, so a
 * flush of the buffer (whoever does it) only ever holds whole frames.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanwatch.h"

#define LINE_BUF_SIZE 4096

/* The line of the record being framed: main thread only. */
static struct fw_out line_out;

static void line_reset(const struct fw_out *out)
{
	if (!line_out.buf) {
		line_out.buf = malloc(LINE_BUF_SIZE);
		if (!line_out.buf)
			fw_fatal(FW_EXIT_RUNTIME, "out of memory");
		line_out.cap = LINE_BUF_SIZE;
		line_out.grow = true;
		line_out.fd = -1;
	}
	line_out.len = 0;
	/* the record's time, as the formats would write it */
	memcpy(line_out.text_time, out->text_time, sizeof(line_out.text_time));
	line_out.text_time_len = out->text_time_len;
	memcpy(line_out.json_time, out->json_time, sizeof(line_out.json_time));
	line_out.json_time_len = out->json_time_len;
	line_out.now = out->now;
	line_out.stamp = out->stamp;
}

__attribute__((destructor)) static void line_free(void)
{
	free(line_out.buf);
	line_out.buf = NULL;
	fw_json_free(&line_out);
}

const char *fw_sink_line(const struct fw_out *out, const struct fw_record *rec, bool json,
			 size_t *len)
{
	size_t skip = 0;

	line_reset(out);
	if (json) {
		fw_json_record(&line_out, rec);
	} else {
		fw_text_record(&line_out, rec);
		/* the sink's own entry carries the time: "HH:MM:SS.uuuuuu " goes */
		skip = line_out.text_time_len + 1;
	}
	/* both formats end their line with '\n', and nothing else in it can be one */
	*len = line_out.len - skip - 1;
	return line_out.buf + skip;
}

char *fw_sink_frame(struct fw_out *out, size_t n)
{
	uint32_t n32 = (uint32_t)n;
	char *p;

	if (n > UINT32_MAX - sizeof(n32))
		fw_fatal(FW_EXIT_RUNTIME, "a record of %zu bytes is too large", n);
	p = fw_out_reserve(out, sizeof(n32) + n);
	memcpy(p, &n32, sizeof(n32));
	out->len += sizeof(n32) + n;
	return p + sizeof(n32);
}

void fw_sink_frames(struct fw_sink *s, const char *buf, size_t len,
		    void (*fn)(struct fw_sink *s, const char *frame, size_t len))
{
	size_t off = 0;
	uint32_t n;

	while (len - off >= sizeof(n)) {
		memcpy(&n, buf + off, sizeof(n));
		off += sizeof(n);
		if (n > len - off)
			break;		/* cannot happen: frames are reserved whole */
		fn(s, buf + off, n);
		off += n;
	}
}

void fw_sink_result(struct fw_sink *s, int err)
{
	if (!err) {
		if (s->error)
			fw_warn("%s: delivering again (%llu entries lost so far)", s->option,
				(unsigned long long)s->lost);
		s->error = 0;
		s->sent++;
		return;
	}
	if (!s->error)
		fw_warn("%s: cannot deliver an entry: %s; counting the entries lost until it "
			"works again", s->option, strerror(-err));
	s->error = err;
	s->lost++;
}

void fw_sink_close_common(struct fw_sink *s)
{
	if (s->lost)
		fw_warn("%s: %llu of %llu entries could not be delivered (last error: %s)",
			s->option, (unsigned long long)s->lost,
			(unsigned long long)(s->lost + s->sent),
			s->error ? strerror(-s->error) : "none since");
	free(s);
}
