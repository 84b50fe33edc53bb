// SPDX-License-Identifier: MIT
/*
 * --options-from FILE: the options of a run, one per line, as on the
 * command line.  The format (fanwatch(1), OPTIONS FILES):
 *
 *   # a comment (a line whose first non-blank character is '#')
 *   json                      an option, its leading "--" optional
 *   --output /var/log/x.jsonl its value after blanks ...
 *   output=/var/log/x.jsonl   ... or after '=' (blanks around it allowed)
 *   -e create,delete          a short option and its value
 *   deny "*.key "             a value in double quotes keeps its blanks and
 *                             takes the escapes \" \\ \n \t \r \xHH
 *   path /srv/data            a PATH ("path" is a word of its own here)
 *   /srv/more                 a line that starts with '/' is a PATH too
 *
 * Anything wrong exits 2 naming the file and the line.  The file is read as
 * whoever runs fanwatch (root, for a service): one that another user could
 * have written is refused, as sudo and sshd refuse theirs.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fanwatch.h"

#define OPTFILE_MAX (1u << 20)

struct reader {
	const char *path;
	unsigned int line;
	char where[64 + 4096];
};

static void bad(const struct reader *r, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
static void bad(const struct reader *r, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	fw_warn("%s:%u: %s", fw_qpath(r->path), r->line, msg ? msg : "out of memory");
	free(msg);
	exit(FW_EXIT_USAGE);
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A quoted value at s (after its '"'), unescaped in place; the end must be blank. */
static char *unquote(const struct reader *r, char *s)
{
	char *in = s, *out = s;
	int h, l;

	for (;; in++) {
		if (!*in)
			bad(r, "no closing '\"'");
		if (*in == '"')
			break;
		if (*in != '\\') {
			*out++ = *in;
			continue;
		}
		switch (*++in) {
		case '"': case '\\': *out++ = *in; break;
		case 'n': *out++ = '\n'; break;
		case 't': *out++ = '\t'; break;
		case 'r': *out++ = '\r'; break;
		case 'x':
			h = hexval(in[1]);
			l = h < 0 ? -1 : hexval(in[2]);
			if (l < 0)
				bad(r, "'\\x' needs two hex digits");
			*out++ = (char)(h * 16 + l);
			in += 2;
			break;
		default: bad(r, "unknown escape '\\%c' (use \\\" \\\\ \\n \\t \\r \\xHH)", *in ? *in : '0');
		}
	}
	for (in++; *in; in++)
		if (!blank(*in))
			bad(r, "text after the closing '\"'");
	if (memchr(s, '\0', (size_t)(out - s)))
		bad(r, "a value cannot hold \\x00");
	*out = '\0';
	return s;
}

/* Blanks off both ends of an unquoted value; NULL if nothing is left. */
static char *trim(char *s)
{
	char *e;

	while (blank(*s))
		s++;
	e = s + strlen(s);
	while (e > s && blank(e[-1]))
		*--e = '\0';
	return *s ? s : NULL;
}

static void one_line(struct reader *r, char *s, fw_optfile_fn fn, void *ctx)
{
	char *name, *end, *rest, *value = NULL, sep;
	bool is_short = false;

	while (blank(*s))
		s++;
	if (!*s || *s == '#')
		return;
	snprintf(r->where, sizeof(r->where), "%s:%u", fw_qpath(r->path), r->line);
	if (*s == '/') {
		fn(ctx, r->where, "path", trim(s), false);
		return;
	}
	if (s[0] == '-' && s[1] == '-')
		s += 2;
	else if (s[0] == '-' && s[1])
		s++, is_short = true;
	name = s;
	end = is_short ? s + 1 : s + strcspn(s, " \t\r=");
	if (end == name)
		bad(r, "no option name");
	sep = *end;
	if (sep && is_short && !blank(sep))
		bad(r, "a short option takes its value after a blank");
	if (sep) {
		*end = '\0';
		rest = end + 1;
		while (sep != '=' && blank(*rest))
			rest++;
		if (sep != '=' && *rest == '=' && !is_short) {
			/* "output = FILE": a value that starts with '=' is quoted */
			sep = '=';
			rest++;
		}
		while (blank(*rest))
			rest++;
		value = *rest == '"' ? unquote(r, rest + 1) : trim(rest);
		if (!value && sep == '=')
			value = rest;	/* "output=": an empty value, which the option refuses */
	}
	fn(ctx, r->where, name, value, is_short);
}

/* The whole file, checked: a regular file only its owner (root or the caller) may write. */
static char *slurp(const struct reader *r)
{
	int fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	uid_t me = geteuid();
	struct stat sb;
	size_t len = 0;
	char *buf;
	ssize_t n;

	if (fd < 0)
		fw_fatal(FW_EXIT_USAGE, "--options-from: cannot open %s: %s", fw_qpath(r->path),
			 strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		fw_fatal(FW_EXIT_USAGE, "--options-from: %s is not a regular file", fw_qpath(r->path));
	if ((sb.st_uid != me && sb.st_uid != 0) || (sb.st_mode & (S_IWGRP | S_IWOTH)))
		fw_fatal(FW_EXIT_USAGE, "--options-from: %s may be written by another user (owner "
			 "uid %u, mode %04o): it must belong to you or root and not be writable by "
			 "group or others", fw_qpath(r->path), (unsigned int)sb.st_uid,
			 (unsigned int)(sb.st_mode & 07777));
	buf = malloc(OPTFILE_MAX + 1);
	if (!buf)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	while ((n = read(fd, buf + len, OPTFILE_MAX + 1 - len)) > 0 && len < OPTFILE_MAX + 1)
		len += (size_t)n;
	if (n < 0)
		fw_fatal(FW_EXIT_USAGE, "--options-from: reading %s: %s", fw_qpath(r->path),
			 strerror(errno));
	close(fd);
	if (len > OPTFILE_MAX)
		fw_fatal(FW_EXIT_USAGE, "--options-from: %s is larger than %u bytes",
			 fw_qpath(r->path), OPTFILE_MAX);
	if (memchr(buf, '\0', len))
		fw_fatal(FW_EXIT_USAGE, "--options-from: %s holds a NUL byte: not a text file",
			 fw_qpath(r->path));
	buf[len] = '\0';
	return buf;
}

char *fw_optfile_read(const char *path, fw_optfile_fn fn, void *ctx)
{
	struct reader r = { .path = path };
	char *buf = slurp(&r), *line = buf, *nl;

	while (*line) {
		r.line++;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		one_line(&r, line, fn, ctx);
		if (!nl)
			break;
		line = nl + 1;
	}
	return buf;
}
