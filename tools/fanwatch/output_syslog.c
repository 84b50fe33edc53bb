// SPDX-License-Identifier: MIT
/*
 * --syslog[=FACILITY]: one syslog(3) message per record, for hosts without
 * journald.  The message is the text line without its time (the syslog
 * header has one) or, with --json, the JSON object; either is one line of
 * printable text (names are quoted and escaped as in text output), so no
 * file name can end a message or forge another.  Priority by kind: info
 * for an event, notice for a denial, warning for an overflow, err for a
 * filesystem error.  Ident "fanwatch", with the pid.
 *
 * Frames in the output buffer: one byte of priority, then the line.
 * syslog(3) reports no errors: fanwatch checks once, at the start, that
 * something listens on /dev/log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <paths.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "fanwatch.h"

static const struct { const char *name; int fac; } facilities[] = {
	{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV }, { "cron", LOG_CRON },
	{ "daemon", LOG_DAEMON }, { "ftp", LOG_FTP }, { "lpr", LOG_LPR }, { "mail", LOG_MAIL },
	{ "news", LOG_NEWS }, { "syslog", LOG_SYSLOG }, { "user", LOG_USER },
	{ "uucp", LOG_UUCP }, { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

struct syslog_sink {
	struct fw_sink s;	/* first: the sink is freed as a struct fw_sink */
	int facility;
	bool json;
};

int fw_syslog_facility(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (!strcmp(name, facilities[i].name))
			return facilities[i].fac;
	return -1;
}

static int priority(const struct fw_record *rec)
{
	if (rec->flags & FW_REC_OVERFLOW)
		return LOG_WARNING;
	if (rec->flags & FW_REC_DENIED)
		return LOG_NOTICE;
	if (rec->flags & FW_REC_ERROR)
		return LOG_ERR;
	return LOG_INFO;
}

static void syslog_record(struct fw_out *out, const struct fw_record *rec)
{
	const struct syslog_sink *ss = (const struct syslog_sink *)out->sink;
	size_t len;
	const char *line = fw_sink_line(out, rec, ss->json, &len);
	char *p = fw_sink_frame(out, 1 + len);

	p[0] = (char)priority(rec);
	memcpy(p + 1, line, len);
}

static void send_frame(struct fw_sink *s, const char *frame, size_t len)
{
	if (!len)
		return;
	syslog((unsigned char)frame[0], "%.*s", (int)(len - 1), frame + 1);
	fw_sink_result(s, 0);
}

static void syslog_deliver(struct fw_sink *s, const char *buf, size_t len)
{
	fw_sink_frames(s, buf, len, send_frame);
}

static void syslog_connect(const struct syslog_sink *ss)
{
	openlog("fanwatch", LOG_PID | LOG_NDELAY, ss->facility);
}

static void syslog_reopen(struct fw_sink *s)
{
	closelog();
	syslog_connect((struct syslog_sink *)s);
}

static void syslog_close(struct fw_sink *s)
{
	closelog();
	fw_sink_close_common(s);
}

/* Does anything listen on /dev/log?  syslog(3) would drop every message silently. */
static int probe(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int types[] = { SOCK_DGRAM, SOCK_STREAM }, err = 0;
	size_t i;

	memcpy(sa.sun_path, _PATH_LOG, sizeof(_PATH_LOG));
	for (i = 0; i < 2; i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -errno;
		err = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
		close(fd);
		if (err != -EPROTOTYPE)
			break;
	}
	return err;
}

struct fw_sink *fw_syslog_open(const struct fw_opts *o)
{
	struct syslog_sink *ss = calloc(1, sizeof(*ss));
	int r = probe();

	if (!ss)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	if (r < 0)
		fw_fatal(FW_EXIT_RUNTIME, "--syslog: no syslog daemon listens on %s (%s)", _PATH_LOG,
			 strerror(-r));
	ss->s = (struct fw_sink){ .option = "--syslog", .record = syslog_record,
				  .deliver = syslog_deliver, .reopen = syslog_reopen,
				  .close = syslog_close };
	ss->facility = o->syslog_facility;
	ss->json = o->json;
	syslog_connect(ss);
	return &ss->s;
}
