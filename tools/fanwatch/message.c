// SPDX-License-Identifier: MIT
/*
 * fanwatch's own messages on stderr: "fanwatch: ..." lines.  Scripts wait
 * for the startup line and read the summary, and messages carry names
 * anyone who can write in a watched tree chose, so every message is
 * escaped as a whole (no name can end its line or forge another), written
 * in one write (not interleaved with the permission thread's), and paths
 * are quoted as in text output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fanwatch.h"

#define PREFIX "fanwatch: "

void fw_vmessage(const char *fmt, va_list ap, const char *tail)
{
	size_t tlen = tail ? strlen(tail) : 0, len;
	char *msg = NULL, *line, *p;
	int n, saved = errno;

	n = vasprintf(&msg, fmt, ap);
	if (n < 0) {
		static const char oom[] = PREFIX "out of memory (formatting a message)\n";

		(void)!write(STDERR_FILENO, oom, sizeof(oom) - 1);
		errno = saved;
		return;
	}
	len = (size_t)n;
	line = malloc(sizeof(PREFIX) + 4 * len + 1 + tlen);
	if (!line) {
		free(msg);
		errno = saved;
		return;
	}
	p = line;
	memcpy(p, PREFIX, sizeof(PREFIX) - 1);
	p += sizeof(PREFIX) - 1;
	p += fw_text_escape_line(p, msg, len);
	*p++ = '\n';
	if (tail) {
		memcpy(p, tail, tlen);
		p += tlen;
	}
	fflush(stderr);
	len = (size_t)(p - line);
	for (p = line; len;) {
		ssize_t w = write(STDERR_FILENO, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		len -= (size_t)w;
	}
	free(line);
	free(msg);
	errno = saved;
}

void fw_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fw_vmessage(fmt, ap, NULL);
	va_end(ap);
}

void fw_fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fw_vmessage(fmt, ap, NULL);
	va_end(ap);
	/* the kernel allows whatever permission event is pending when we go */
	exit(status);
}

/* "FILE:LINE" while an options file is applied (--options-from), else NULL. */
static const char *usage_where;

void fw_usage_at(const char *where)
{
	usage_where = where;
}

const char *fw_usage_where(void)
{
	return usage_where;
}

void fw_usage_error(const char *fmt, ...)
{
	va_list ap;
	char *f = NULL;

	va_start(ap, fmt);
	if (usage_where && asprintf(&f, "%s: %s", usage_where, fmt) > 0)
		fmt = f;
	fw_vmessage(fmt, ap, "Try 'fanwatch --help' for more information.\n");
	va_end(ap);
	free(f);
	exit(FW_EXIT_USAGE);
}

/* Each thread's last few quoted paths, freed as the ring turns. */
#define QRING 4
static __thread char *qring[QRING];
static __thread unsigned int qnext;

const char *fw_qpath(const char *path)
{
	char *q = fw_text_quote(path);

	if (!q)
		return "(a path: out of memory to quote it)";
	free(qring[qnext]);
	qring[qnext] = q;
	qnext = (qnext + 1) % QRING;
	return q;
}
