// SPDX-License-Identifier: MIT
/*
 * --journal: one journal entry per record, through libsystemd's
 * sd_journal_sendv(), with structured fields (fanwatch(1), JOURNAL FIELDS):
 *
 *   MESSAGE            the text line without its time
 *   MESSAGE_ID         one per kind: event, denial, overflow, error (fs_error)
 *   PRIORITY           6 event, 5 denial, 4 overflow, 3 error
 *   FANWATCH_EVENTS    "create,open"
 *   FANWATCH_EVENT     one field per name ("create", "open"): journalctl
 *                      FANWATCH_EVENT=delete matches any entry with a delete
 *   FANWATCH_PATH, FANWATCH_NEW_PATH    the exact bytes of the names
 *   FANWATCH_PID, _PPID, _UID, _COMM, _EXE, _DECISION, _DIR, _DELETED,
 *   _PARTIAL, _SYNTHETIC, _ERROR, _ERROR_NAME, _ERROR_COUNT, _MOUNT_ID
 *
 * Values are bytes: sd_journal_sendv() sends a value holding a newline in
 * the journal's binary form, and journald stores every value as the bytes
 * it got (journalctl -o export shows non-text ones in binary form).
 *
 * Each record is framed in the output buffer as its fields, each a
 * uint32_t length and "NAME=value"; delivery turns a frame into iovecs.
 * Optional: without libsystemd at build time --journal says so and exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>

#include "fanwatch.h"

#if FW_HAVE_LIBSYSTEMD
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define MAX_FIELDS 48

/* Stable per kind: journalctl MESSAGE_ID=... finds them whatever the text says. */
#define ID_EVENT "8150cdb75dbf46878c73aea4de382465"
#define ID_DENIAL "4340ca79b6e24970a2eb24c74f8e8140"
#define ID_OVERFLOW "ab589935350b4c65beca5327d0eabd82"
#define ID_ERROR "9433d8d187ae41d3b89b6a1c5783f0ea"

struct field {
	const char *name;	/* "FANWATCH_PATH=" */
	const char *v;
	size_t len;
};

struct fields {
	struct field f[MAX_FIELDS];
	size_t n;
	char nums[8][24];	/* numbers formatted for this record */
	size_t nnums;
};

static void add(struct fields *fs, const char *name, const char *v, size_t len)
{
	if (v && fs->n < MAX_FIELDS)
		fs->f[fs->n++] = (struct field){ name, v, len };
}

static void add_str(struct fields *fs, const char *name, const char *v)
{
	if (v)
		add(fs, name, v, strlen(v));
}

static void add_num(struct fields *fs, const char *name, int64_t v)
{
	char *d = fs->nums[fs->nnums++];

	add(fs, name, d, fw_fmt_i64(d, v));
}

static void kind(const struct fw_record *rec, const char **id, const char **prio)
{
	if (rec->flags & FW_REC_OVERFLOW)
		*id = ID_OVERFLOW, *prio = "4";
	else if (rec->flags & FW_REC_DENIED)
		*id = ID_DENIAL, *prio = "5";
	else if (rec->flags & FW_REC_ERROR)
		*id = ID_ERROR, *prio = "3";
	else
		*id = ID_EVENT, *prio = "6";
}

static void add_process(struct fields *fs, const struct fw_record *rec)
{
	const struct fan_process *p = rec->proc;

	if (rec->pid > 0)
		add_num(fs, "FANWATCH_PID=", rec->pid);
	if (!p)
		return;
	if (p->ppid > 0)
		add_num(fs, "FANWATCH_PPID=", p->ppid);
	if (p->uid != (uid_t)-1)
		add_num(fs, "FANWATCH_UID=", (int64_t)p->uid);
	if (p->comm)
		add(fs, "FANWATCH_COMM=", p->comm, strnlen(p->comm, 16));
	add_str(fs, "FANWATCH_EXE=", p->exe);
}

static void add_flags(struct fields *fs, const struct fw_record *rec)
{
	if (rec->flags & FW_REC_DENIED)
		add_str(fs, "FANWATCH_DECISION=", "deny");
	if (rec->flags & FW_REC_DIR)
		add_str(fs, "FANWATCH_DIR=", "1");
	if (rec->flags & FW_REC_DELETED)
		add_str(fs, "FANWATCH_DELETED=", "1");
	if (rec->flags & FW_REC_PARTIAL)
		add_str(fs, "FANWATCH_PARTIAL=", "1");
	if (rec->flags & FW_REC_UNVERIFIED)
		add_str(fs, "FANWATCH_UNVERIFIED=", "1");
	if (rec->flags & FW_REC_SYNTHETIC)
		add_str(fs, "FANWATCH_SYNTHETIC=", "1");
	if (rec->flags & FW_REC_ERROR) {
		add_num(fs, "FANWATCH_ERROR=", rec->error);
		add_str(fs, "FANWATCH_ERROR_NAME=", strerrorname_np(rec->error));
		add_num(fs, "FANWATCH_ERROR_COUNT=", rec->error_count);
	}
	if (rec->flags & FW_REC_MOUNT_ID)
		add_num(fs, "FANWATCH_MOUNT_ID=", (int64_t)rec->mount_id);
}

static void journal_record(struct fw_out *out, const struct fw_record *rec)
{
	struct fields fs = { .n = 0 };
	char events[512];
	const char *id, *prio, *line;
	size_t i, n, total = 0, linelen;
	uint64_t mask;
	uint32_t len;
	char *p;

	kind(rec, &id, &prio);
	line = fw_sink_line(out, rec, false, &linelen);
	add(&fs, "MESSAGE=", line, linelen);
	add_str(&fs, "MESSAGE_ID=", id);
	add_str(&fs, "PRIORITY=", prio);
	add_str(&fs, "SYSLOG_IDENTIFIER=", "fanwatch");
	mask = rec->flags & FW_REC_OVERFLOW ? FAN_Q_OVERFLOW : rec->events;
	n = fw_events_format(mask, events, sizeof(events));
	add(&fs, "FANWATCH_EVENTS=", events, n);
	for (i = 0; i < fw_event_count; i++)
		if (mask & fw_event_names[i].bit)
			add_str(&fs, "FANWATCH_EVENT=", fw_event_names[i].name);
	if (!(rec->flags & FW_REC_OVERFLOW)) {
		add(&fs, "FANWATCH_PATH=", rec->path.s, rec->path.len);
		add(&fs, "FANWATCH_NEW_PATH=", rec->new_path.s, rec->new_path.len);
		add_process(&fs, rec);
		add_flags(&fs, rec);
	}
	for (i = 0; i < fs.n; i++)
		total += sizeof(len) + strlen(fs.f[i].name) + fs.f[i].len;
	p = fw_sink_frame(out, total);
	for (i = 0; i < fs.n; i++) {
		size_t nl = strlen(fs.f[i].name);

		len = (uint32_t)(nl + fs.f[i].len);
		memcpy(p, &len, sizeof(len));
		memcpy(p + sizeof(len), fs.f[i].name, nl);
		memcpy(p + sizeof(len) + nl, fs.f[i].v, fs.f[i].len);
		p += sizeof(len) + len;
	}
}

/* One frame: its fields as iovecs, one sd_journal_sendv(). */
static void send_frame(struct fw_sink *s, const char *frame, size_t len)
{
	struct iovec iov[MAX_FIELDS];
	size_t off = 0;
	uint32_t n;
	int i = 0;

	while (len - off >= sizeof(n) && i < MAX_FIELDS) {
		memcpy(&n, frame + off, sizeof(n));
		off += sizeof(n);
		iov[i++] = (struct iovec){ (void *)(frame + off), n };
		off += n;
	}
	fw_sink_result(s, sd_journal_sendv(iov, i));
}

static void journal_deliver(struct fw_sink *s, const char *buf, size_t len)
{
	fw_sink_frames(s, buf, len, send_frame);
}

bool fw_journal_available(void)
{
	return true;
}

struct fw_sink *fw_journal_open(const struct fw_opts *o)
{
	struct fw_sink *s = calloc(1, sizeof(*s));
	struct stat sb;

	(void)o;
	if (!s)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	if (stat(JOURNAL_SOCKET, &sb) < 0)
		fw_fatal(FW_EXIT_RUNTIME, "--journal: journald is not running here (%s: %s); use "
			 "--syslog or -o FILE", JOURNAL_SOCKET, strerror(errno));
	if (!S_ISSOCK(sb.st_mode))
		fw_fatal(FW_EXIT_RUNTIME, "--journal: %s is not a socket", JOURNAL_SOCKET);
	*s = (struct fw_sink){ .option = "--journal", .record = journal_record,
			       .deliver = journal_deliver, .close = fw_sink_close_common };
	return s;
}

#else	/* !FW_HAVE_LIBSYSTEMD */

bool fw_journal_available(void)
{
	return false;
}

struct fw_sink *fw_journal_open(const struct fw_opts *o)
{
	(void)o;
	fw_fatal(FW_EXIT_RUNTIME, "--journal: this fanwatch was built without libsystemd "
		 "(install libsystemd-dev and build with meson -Dlibsystemd=enabled); "
		 "use --syslog or -o FILE");
}

#endif
